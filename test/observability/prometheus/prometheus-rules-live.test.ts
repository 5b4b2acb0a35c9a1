// The recording and alert rules against the real API's real metrics: a rule that selects a metric
// or label the API does not expose would pass promtool's unit tests (which use hand-written series)
// and stay empty forever in production. Here every recording rule must produce data, and the
// purchase-failure alert must fire from real 502s.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { startApi, type RunningApi } from '../../support/api-process.js';
import { startNodeExporter, type ExporterProcess } from '../../../tools/stack/processes/exporter-process.js';
import { prometheusRulesDir, writePrometheusConfig } from '../../../tools/stack/processes/prometheus-config.js';
import { pickFreePort, startPrometheus, type PrometheusProcess } from '../../../tools/stack/processes/prometheus-process.js';

const recordNames = readdirSync(prometheusRulesDir)
  .filter((name) => name.endsWith('.yml'))
  .flatMap((name) => (parse(readFileSync(join(prometheusRulesDir, name), 'utf8')) as { groups: Array<{ rules: Array<{ record?: string }> }> }).groups)
  .flatMap((group) => group.rules.map((rule) => rule.record))
  .filter((name): name is string => Boolean(name));

let api: RunningApi | undefined;
let prometheus: PrometheusProcess | undefined;
// The host rules (instance:node_*) read node_exporter: the real binary, as `npm start` runs it.
let nodeExporter: ExporterProcess | undefined;
let workDir = '';
let stopTraffic = false;
let traffic: Promise<void> | undefined;
const trafficCounts = { purchases: 0, reads: 0 };

before(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'tp-rules-live-'));
  // Half the payments fail: the hard fault of the issue.
  api = await startApi({ chaos: { failureRate: 0.5, latencyMs: { min: 0, max: 5 } } });
  const created = await fetch(`${api.url}/api/concerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Rules live test', venue: 'Loopback Hall', startsAt: '2030-01-01T20:00:00Z', capacity: 1_000_000, priceCents: 4200 }),
  });
  assert.equal(created.status, 201, await created.clone().text());
  const concertId = ((await created.json()) as { id: string }).id;

  nodeExporter = await startNodeExporter({ host: '127.0.0.1' });
  const port = await pickFreePort();
  const configFile = writePrometheusConfig(join(workDir, 'prometheus.yml'), {
    apiTargets: [`127.0.0.1:${api.port}`],
    nodeExporterTargets: [nodeExporter.target],
    alertmanagerTargets: [],
    prometheusTarget: `127.0.0.1:${port}`,
    scrapeInterval: '1s',
    evaluationInterval: '1s',
  });
  prometheus = await startPrometheus({ configFile, port });

  // About 5 purchases and 5 reads per second, bounded to 3 minutes whatever happens.
  const started = Date.now();
  traffic = (async () => {
    while (!stopTraffic && Date.now() - started < 180_000) {
      await Promise.allSettled([
        fetch(`${api!.url}/api/concerts/${concertId}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ quantity: 1, customerEmail: 'buyer@example.com' }),
        }).then((r) => r.arrayBuffer()).then(() => trafficCounts.purchases++),
        fetch(`${api!.url}/api/concerts/${concertId}`).then((r) => r.arrayBuffer()).then(() => trafficCounts.reads++),
      ]);
      await sleep(200);
    }
  })();
});

after(async () => {
  stopTraffic = true;
  await traffic?.catch(() => undefined);
  await Promise.allSettled([prometheus?.stop(), api?.stop(), nodeExporter?.stop()]);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ''}`);
    await sleep(1_000);
  }
}

describe('rules on the real API metrics', () => {
  it('every recording rule produces data', { timeout: 120_000 }, async () => {
    const missing = await eventually('every recording rule to have data', 90_000, async () => {
      const empty: string[] = [];
      for (const name of recordNames) {
        if ((await prometheus!.query(name)).length === 0) empty.push(name);
      }
      return empty.length === 0 ? empty : undefined;
    }).catch(async (error: Error) => {
      const empty: string[] = [];
      for (const name of recordNames) if ((await prometheus!.query(name)).length === 0) empty.push(name);
      throw new Error(`${error.message}; still empty: ${empty.join(', ')}`);
    });
    assert.deepEqual(missing, []);

    const routes = (await prometheus!.query('route:http_requests:rate1m')).map((s) => `${s.metric.method} ${s.metric.route}`);
    assert.ok(routes.includes('POST /api/concerts/:id/orders'), routes.join(', '));
    assert.ok(routes.includes('GET /api/concerts/:id'), routes.join(', '));
    const [ratio] = await prometheus!.query('job:purchase_failures:ratio_rate30s');
    assert.ok(ratio && Number(ratio.value[1]) > 0.2 && Number(ratio.value[1]) < 0.8, `failure ratio near 0.5: ${ratio?.value[1]}`);
  });

  it('PurchaseFailureRateHigh fires from real payment failures; Watchdog fires', { timeout: 120_000 }, async () => {
    const firing = await eventually('PurchaseFailureRateHigh firing', 90_000, async () => {
      const alerts = await prometheus!.alerts();
      const alert = alerts.find((a) => a.labels.alertname === 'PurchaseFailureRateHigh' && a.state === 'firing');
      return alert ? { alert, alerts } : undefined;
    });
    assert.equal(firing.alert.labels.severity, 'page');
    assert.equal(firing.alert.labels.job, 'ticketpulse-api');
    assert.match(firing.alert.annotations.summary ?? '', /^\d+(\.\d+)?% of ticket purchases are failing$/);
    assert.ok(firing.alerts.some((a) => a.labels.alertname === 'Watchdog' && a.state === 'firing'));
    assert.ok(!firing.alerts.some((a) => a.labels.alertname === 'ApiDown'), 'the API is up');
    assert.ok(trafficCounts.purchases > 50, `traffic flowed: ${JSON.stringify(trafficCounts)}`);
  });
});
