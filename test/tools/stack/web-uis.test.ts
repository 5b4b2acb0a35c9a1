// The launcher prints only pages the installed binaries serve: detection against the real
// Prometheus and Alertmanager on this machine, every detected page answers 200 and the other
// variant does not (Debian's Prometheus has only /classic/…, Debian's Alertmanager no UI at all).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startAlertmanager, type AlertmanagerProcess } from '../../../tools/stack/processes/alertmanager-process.js';
import { pickFreePort, startPrometheus, type PrometheusProcess } from '../../../tools/stack/processes/prometheus-process.js';
import { detectAlertmanagerUi, detectPrometheusUi, type PrometheusPage } from '../../../tools/stack/web-uis.js';

const workDir = mkdtempSync(join(tmpdir(), 'tp-web-uis-'));
const running: Array<PrometheusProcess | AlertmanagerProcess> = [];

after(async () => {
  await Promise.allSettled(running.map((process) => process.stop()));
  rmSync(workDir, { recursive: true, force: true });
});

async function status(url: string): Promise<number> {
  const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(5_000) });
  await response.arrayBuffer();
  return response.status;
}

test('Prometheus: the detected pages answer 200 and the other UI variant is really absent', { timeout: 60_000 }, async () => {
  const port = await pickFreePort();
  const config = join(workDir, 'prometheus.yml');
  writeFileSync(config, 'global:\n  scrape_interval: 5s\n');
  const prometheus = await startPrometheus({ configFile: config, port, dataDir: join(workDir, 'prom-data') });
  running.push(prometheus);
  const ui = await detectPrometheusUi(prometheus.url);
  assert.notEqual(ui.kind, 'none', 'every Prometheus 2.x build has at least the classic pages');
  for (const page of ['graph', 'alerts', 'targets', 'rules'] as PrometheusPage[]) {
    assert.equal(await status(ui.page(page)), 200, `${ui.page(page)} (${ui.kind})`);
  }
  // The variant not chosen must not work, or the detection proved nothing.
  if (ui.kind === 'classic') assert.equal(await status(`${prometheus.url}/alerts`), 404);
  else assert.equal(ui.page('alerts'), `${prometheus.url}/alerts`);
});

test('Alertmanager: with a UI the alerts link opens it, without one the printed link is the JSON API and amtool lines are given', { timeout: 60_000 }, async () => {
  const port = await pickFreePort();
  const config = join(workDir, 'alertmanager.yml');
  writeFileSync(config, 'route:\n  receiver: nobody\nreceivers:\n  - name: nobody\n');
  const alertmanager = await startAlertmanager({ configFile: config, port, dataDir: join(workDir, 'am-data') });
  running.push(alertmanager);
  const ui = await detectAlertmanagerUi(alertmanager.url);
  const root = await (await fetch(`${alertmanager.url}/`)).text();
  if (ui.hasUi) {
    assert.equal(ui.alertsUrl, `${alertmanager.url}/#/alerts`);
    assert.equal(await status(`${alertmanager.url}/script.js`), 200);
  } else {
    assert.doesNotMatch(root, /script\.js/, 'no UI bundle is referenced by the root page');
    assert.equal(ui.alertsUrl, `${alertmanager.url}/api/v2/alerts`);
    assert.equal(await status(ui.alertsUrl), 200);
    assert.match(ui.amtool.silences, new RegExp(`^amtool --alertmanager.url=${alertmanager.url} silence query$`));
  }
});
