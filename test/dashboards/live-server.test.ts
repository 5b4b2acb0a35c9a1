// The live dashboard server without a browser: configuration errors, and its proxies to a real
// Prometheus, a real Alertmanager and the real API (chaos with the token held server-side).
import { NO_FAULTS } from '../../src/api/config.js';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadDashboardConfig, resolveDashboardConfig } from '../../src/dashboard/config.js';
import { startDashboardServer, type DashboardServer } from '../../src/dashboard/server.js';
import { startAlertmanager, type AlertmanagerProcess } from '../../src/monitoring/alertmanager-process.js';
import { pickFreePort, startPrometheus, type PrometheusProcess } from '../../src/monitoring/prometheus-process.js';
import { startApi, type RunningApi } from '../support/api-process.js';

const ROOT = new URL('../../', import.meta.url).pathname;

/** A port nothing listens on (bound, then released). */
const closedPort = () => pickFreePort();

describe('live dashboard configuration', () => {
  it('uses the documented defaults', () => {
    const config = loadDashboardConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.prometheusUrl, 'http://127.0.0.1:9090');
    assert.equal(config.alertmanagerUrl, 'http://127.0.0.1:9093');
    assert.equal(config.apiUrl, 'http://127.0.0.1:8080');
    assert.equal(config.adminToken, undefined);
  });

  it('names the variable of a bad value in one line', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ DASHBOARD_PORT: 'abc' }, /^DASHBOARD_PORT must be an integer from 0 to 65535 \(got "abc"\)$/],
      [{ DASHBOARD_PORT: '70000' }, /^DASHBOARD_PORT /],
      [{ PROMETHEUS_URL: 'ftp://example.com' }, /^PROMETHEUS_URL must use http: or https:/],
      [{ ALERTMANAGER_URL: 'not a url' }, /^ALERTMANAGER_URL must be a URL/],
      [{ API_URL: '127.0.0.1:8080' }, /^API_URL must/],
    ];
    for (const [env, message] of cases) assert.throws(() => loadDashboardConfig(env), { name: 'ConfigError', message });
  });

  it('checks options passed in code the same way, and drops trailing slashes from URLs', () => {
    assert.throws(() => resolveDashboardConfig({ port: -1 }), /^ConfigError: port must be an integer/);
    assert.throws(() => resolveDashboardConfig({ prometheusUrl: 'nope' }), /prometheusUrl must be a URL/);
    assert.equal(resolveDashboardConfig({ apiUrl: 'http://127.0.0.1:1234/' }).apiUrl, 'http://127.0.0.1:1234');
  });

  it('npm run dashboard with a bad variable exits non-zero with one line and no stack trace', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/dashboard/server.ts')], {
      cwd: ROOT,
      env: { ...process.env, DASHBOARD_PORT: '3000', PROMETHEUS_URL: 'htp:/broken' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(result.status, 2, result.stderr);
    assert.equal(result.stderr.trim(), 'dashboard: PROMETHEUS_URL must use http: or https: (got "htp:")');
  });
});

describe('live dashboard server proxies', () => {
  let workDir: string;
  let prometheus: PrometheusProcess;
  let alertmanager: AlertmanagerProcess;
  let api: RunningApi;
  let dashboard: DashboardServer;
  let unreachable: DashboardServer;
  let noToken: DashboardServer;
  let closed: number;

  before(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'tp-live-server-'));
    // Prometheus scraping itself is enough to prove the proxy: the API's metrics are the browser test's job.
    const promPort = await pickFreePort();
    const promConfig = join(workDir, 'prometheus.yml');
    writeFileSync(
      promConfig,
      `global:\n  scrape_interval: 2s\nscrape_configs:\n  - job_name: prometheus\n    static_configs:\n      - targets: ['127.0.0.1:${promPort}']\n`,
    );
    const amConfig = join(workDir, 'alertmanager.yml');
    writeFileSync(amConfig, `route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n`);
    [prometheus, alertmanager, api] = await Promise.all([
      startPrometheus({ configFile: promConfig, port: promPort }),
      startAlertmanager({ configFile: amConfig }),
      startApi(),
    ]);
    closed = await closedPort();
    dashboard = await startDashboardServer({
      port: 0,
      prometheusUrl: prometheus.url,
      alertmanagerUrl: alertmanager.url,
      apiUrl: api.url,
      adminToken: api.adminToken,
      logLevel: 'silent',
    });
    unreachable = await startDashboardServer({
      port: 0,
      prometheusUrl: `http://127.0.0.1:${closed}`,
      alertmanagerUrl: `http://127.0.0.1:${closed}`,
      apiUrl: `http://127.0.0.1:${closed}`,
      adminToken: 'some-admin-token',
      upstreamTimeoutMs: 2000,
      logLevel: 'silent',
    });
    noToken = await startDashboardServer({ port: 0, prometheusUrl: prometheus.url, apiUrl: api.url, logLevel: 'silent' });
  });

  after(async () => {
    await Promise.allSettled([dashboard?.close(), unreachable?.close(), noToken?.close()]);
    await Promise.allSettled([prometheus?.stop(), alertmanager?.stop(), api?.stop()]);
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('serves the page, its scripts and uPlot from node_modules, with a same-origin-only CSP', async () => {
    const page = await fetch(dashboard.url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /connect-src 'self'/);
    assert.match(await page.text(), /<script type="module" src="\/static\/main\.js">/);
    const uplot = await fetch(`${dashboard.url}/static/uPlot.esm.js`);
    assert.equal(uplot.status, 200);
    assert.match(uplot.headers.get('content-type') ?? '', /javascript/);
    assert.match(await uplot.text(), /export \{ uPlot as default \}|export default uPlot/);
    for (const path of ['/static/..%2F..%2F..%2Fpackage.json', '/static/server.ts', '/static/template.d.ts']) {
      assert.equal((await fetch(`${dashboard.url}${path}`)).status, 404, path);
    }
  });

  it('opens Grafana-style dashboard links (/d/<uid>/<slug>) as alert notifications send them', async () => {
    const response = await fetch(`${dashboard.url}/d/ticketpulse-overview/overview?from=now-1h&to=now&var-job=ticketpulse-api`, {
      redirect: 'manual',
    });
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), '/?var-job=ticketpulse-api&dashboard=ticketpulse-overview&range=1h');
    assert.equal((await fetch(`${dashboard.url}/d/ticketpulse-overview`)).status, 200);
  });

  it('lists and serves the generated Grafana dashboards', async () => {
    const { dashboards } = (await (await fetch(`${dashboard.url}/api/dashboards`)).json()) as { dashboards: { uid: string }[] };
    assert.ok(dashboards.some((summary) => summary.uid === 'ticketpulse-overview'), JSON.stringify(dashboards));
    const model = (await (await fetch(`${dashboard.url}/api/dashboards/ticketpulse-overview`)).json()) as { panels: unknown[] };
    assert.ok(model.panels.length > 0);
    assert.equal((await fetch(`${dashboard.url}/api/dashboards/no-such-dashboard`)).status, 404);
  });

  it('proxies Prometheus queries and passes PromQL errors through', async () => {
    const now = Math.floor(Date.now() / 1000);
    let body: { status: string; data: { result: unknown[] } } | undefined;
    // Prometheus scrapes itself every 2 s; wait for the first sample.
    for (let attempt = 0; attempt < 30; attempt += 1) {
      const response = await fetch(`${dashboard.url}/api/prom/query?query=${encodeURIComponent('up{job="prometheus"}')}`);
      assert.equal(response.status, 200);
      body = (await response.json()) as typeof body;
      if (body!.data.result.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.equal(body?.status, 'success');
    assert.equal(body?.data.result.length, 1);

    const range = await fetch(
      `${dashboard.url}/api/prom/query_range?${new URLSearchParams({ query: 'up', start: String(now - 60), end: String(now + 5), step: '2' })}`,
    );
    assert.equal(range.status, 200);
    assert.equal(((await range.json()) as { data: { resultType: string } }).data.resultType, 'matrix');

    const values = await fetch(`${dashboard.url}/api/prom/label/job/values`);
    assert.deepEqual(((await values.json()) as { data: string[] }).data, ['prometheus']);

    const bad = await fetch(`${dashboard.url}/api/prom/query?query=${encodeURIComponent('sum(rate(')}`);
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { errorType: string }).errorType, 'bad_data');
    assert.equal((await fetch(`${dashboard.url}/api/prom/label/bad-name/values`)).status, 400);
  });

  it('reports the scrape interval Prometheus really uses (for $__rate_interval)', async () => {
    const config = (await (await fetch(`${dashboard.url}/api/config`)).json()) as Record<string, unknown>;
    assert.equal(config.scrapeIntervalSeconds, 2);
    assert.equal(config.scrapeIntervalKnown, true);
    assert.equal(config.refreshSeconds, 5);
    assert.deepEqual(config.timeRanges, ['5m', '15m', '1h', '6h']);
    assert.equal(config.chaosEnabled, true);
  });

  it('lists active alerts from Alertmanager', async () => {
    await alertmanager.postAlerts([
      { labels: { alertname: 'DashboardProbe', severity: 'warning' }, annotations: { summary: 'probe from the test' } },
    ]);
    const response = await fetch(`${dashboard.url}/api/alerts`);
    assert.equal(response.status, 200);
    const { alerts } = (await response.json()) as { alerts: { name: string; severity: string; summary: string }[] };
    assert.deepEqual(
      alerts.map(({ name, severity, summary }) => ({ name, severity, summary })),
      [{ name: 'DashboardProbe', severity: 'warning', summary: 'probe from the test' }],
    );
  });

  it('reads and changes chaos through the API with the token it holds, never handing the token out', async () => {
    const current = await fetch(`${dashboard.url}/api/chaos`);
    assert.equal(current.status, 200);
    const currentText = await current.text();
    assert.ok(!currentText.includes(api.adminToken));
    assert.deepEqual(JSON.parse(currentText), { enabled: true, settings: { ...NO_FAULTS, failureRate: 0, latencyMs: { min: 0, max: 0 } } });

    // A staged fault passes through the dashboard's proxy as well (the page's fault fields).
    const settings = { ...NO_FAULTS, failureRate: 0.25, latencyMs: { min: 1, max: 3 }, readErrorRate: 0.1 };
    const changed = await fetch(`${dashboard.url}/api/chaos`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(settings),
    });
    assert.equal(changed.status, 200);
    const fromApi = await fetch(`${api.url}/api/admin/chaos`, { headers: { authorization: `Bearer ${api.adminToken}` } });
    assert.deepEqual(await fromApi.json(), settings);
    await fetch(`${dashboard.url}/api/chaos`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ failureRate: 0.25, latencyMs: { min: 1, max: 3 } }),
    });

    for (const path of ['/', '/api/config', '/static/main.js', '/static/chaos.js']) {
      assert.ok(!(await (await fetch(`${dashboard.url}${path}`)).text()).includes(api.adminToken), path);
    }
  });

  it('refuses invalid or cross-origin chaos changes', async () => {
    const put = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${dashboard.url}/api/chaos`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    assert.equal((await put({ failureRate: 2, latencyMs: { min: 0, max: 0 } })).status, 400);
    assert.equal((await put({ failureRate: 0.1, latencyMs: { min: 10, max: 5 } })).status, 400);
    assert.equal((await put({ failureRate: 0.1 })).status, 400);
    assert.equal((await put({ failureRate: 1, latencyMs: { min: 0, max: 0 } }, { origin: 'http://evil.example' })).status, 403);
    const fromApi = await fetch(`${api.url}/api/admin/chaos`, { headers: { authorization: `Bearer ${api.adminToken}` } });
    assert.notEqual(((await fromApi.json()) as { failureRate: number }).failureRate, 1);
  });

  it('shows the chaos control as disabled without ADMIN_TOKEN', async () => {
    assert.deepEqual(await (await fetch(`${noToken.url}/api/chaos`)).json(), {
      enabled: false,
      reason: 'ADMIN_TOKEN is not set for the dashboard server',
    });
    const put = await fetch(`${noToken.url}/api/chaos`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ failureRate: 1, latencyMs: { min: 0, max: 0 } }),
    });
    assert.equal(put.status, 409);
  });

  it('names the unreachable service and its address instead of failing vaguely', async () => {
    const cases: [string, string][] = [
      ['/api/prom/query?query=up', 'Prometheus'],
      ['/api/alerts', 'Alertmanager'],
      ['/api/chaos', 'API'],
    ];
    for (const [path, service] of cases) {
      const response = await fetch(`${unreachable.url}${path}`);
      assert.equal(response.status, 502, path);
      const body = (await response.json()) as { errorType: string; service: string; error: string };
      assert.equal(body.errorType, 'unreachable');
      assert.equal(body.service, service);
      assert.equal(body.error, `${service} unreachable at http://127.0.0.1:${closed} (ECONNREFUSED)`);
    }
    // The page itself still loads: the banner, not a blank screen, tells the story.
    assert.equal((await fetch(unreachable.url)).status, 200);
    const config = (await (await fetch(`${unreachable.url}/api/config`)).json()) as { scrapeIntervalSeconds: number; scrapeIntervalKnown: boolean };
    assert.equal(config.scrapeIntervalSeconds, 15);
    assert.equal(config.scrapeIntervalKnown, false);
  });
});
