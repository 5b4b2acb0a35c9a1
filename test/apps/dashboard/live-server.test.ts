// The live dashboard server without a browser: configuration errors, and its proxies to a real
// Prometheus, a real Alertmanager and the real API (chaos with the token held server-side).
import { chaosPresets, NO_FAULTS, withFaultDefaults, type ChaosInput } from '../../../packages/contract/index.js';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { loadDashboardConfig, resolveDashboardConfig } from '../../../apps/dashboard/config.js';
import { localRunbookPath } from '../../../apps/dashboard/runbooks.js';
import { startDashboardServer, type DashboardServer } from '../../../apps/dashboard/server.js';
import { startAlertmanager, type AlertmanagerProcess } from '../../../tools/stack/processes/alertmanager-process.js';
import { pickFreePort, startPrometheus, type PrometheusProcess } from '../../../tools/stack/processes/prometheus-process.js';
import { startApi, type RunningApi } from '../../support/api-process.js';
import { repoRoot } from '../../../packages/shared/repo-root.js';

const ROOT = repoRoot;

/** A port nothing listens on (bound, then released). */
const closedPort = () => pickFreePort();

/** The CSRF token the server put into one copy of the page. */
async function pageToken(baseUrl: string): Promise<string> {
  const html = await (await fetch(baseUrl)).text();
  const token = /<meta name="csrf-token" content="([^"]+)"/.exec(html)?.[1];
  assert.ok(token && token !== '{{csrfToken}}', 'the page carries a CSRF token');
  return token;
}

/** A request with any Host header (fetch would not let a test set it): what a rebound browser sends. */
function rawRequest(
  baseUrl: string,
  options: { path: string; method?: string; headers: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: url.hostname, port: url.port, path: options.path, method: options.method ?? 'GET', headers: options.headers, timeout: 10_000 },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on('timeout', () => request.destroy(new Error('no answer within 10 s')));
    request.on('error', reject);
    request.end(options.body);
  });
}

describe('live dashboard configuration', () => {
  it('uses the documented defaults', () => {
    const config = loadDashboardConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.prometheusUrl, 'http://127.0.0.1:9090');
    assert.equal(config.alertmanagerUrl, 'http://127.0.0.1:9093');
    assert.equal(config.apiUrl, 'http://127.0.0.1:8080');
    assert.equal(config.adminToken, undefined);
    assert.equal(config.upstreamMaxBytes, 16 * 1024 * 1024);
    assert.deepEqual(config.allowedHosts, []);
  });

  it('reads the extra allowed host names and refuses anything that is not a host name', () => {
    assert.deepEqual(loadDashboardConfig({ DASHBOARD_ALLOWED_HOSTS: 'Dash.Example.com, 10.0.0.5,[fd00::1],' }).allowedHosts, [
      'dash.example.com',
      '10.0.0.5',
      'fd00::1',
    ]);
    for (const bad of ['http://dash.example', 'dash.example:3000', 'a b', 'dash/x']) {
      assert.throws(() => loadDashboardConfig({ DASHBOARD_ALLOWED_HOSTS: bad }), {
        name: 'ConfigError',
        message: new RegExp(`^DASHBOARD_ALLOWED_HOSTS must be host names or IP addresses without scheme or port, separated by commas \\(got "${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"\\)$`),
      });
    }
    assert.throws(() => resolveDashboardConfig({ allowedHosts: ['evil.example:80'] }), /^ConfigError: allowedHosts must be host names/);
  });

  it('names the variable of a bad value in one line', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ DASHBOARD_PORT: 'abc' }, /^DASHBOARD_PORT must be an integer from 0 to 65535 \(got "abc"\)$/],
      [{ DASHBOARD_PORT: '70000' }, /^DASHBOARD_PORT /],
      [{ PROMETHEUS_URL: 'ftp://example.com' }, /^PROMETHEUS_URL must use http: or https:/],
      [{ ALERTMANAGER_URL: 'not a url' }, /^ALERTMANAGER_URL must be a URL/],
      [{ API_URL: '127.0.0.1:8080' }, /^API_URL must/],
      [{ DASHBOARD_UPSTREAM_MAX_BYTES: '10' }, /^DASHBOARD_UPSTREAM_MAX_BYTES must be an integer from 1024 to 1073741824 \(got "10"\)$/],
    ];
    for (const [env, message] of cases) assert.throws(() => loadDashboardConfig(env), { name: 'ConfigError', message });
  });

  it('checks options passed in code the same way, and drops trailing slashes from URLs', () => {
    assert.throws(() => resolveDashboardConfig({ port: -1 }), /^ConfigError: port must be an integer/);
    assert.throws(() => resolveDashboardConfig({ prometheusUrl: 'nope' }), /prometheusUrl must be a URL/);
    assert.equal(resolveDashboardConfig({ apiUrl: 'http://127.0.0.1:1234/' }).apiUrl, 'http://127.0.0.1:1234');
  });

  it('npm run dashboard with a bad variable exits non-zero with one line and no stack trace', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'apps/dashboard/server.ts')], {
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
  let tinyCap: DashboardServer;
  let named: DashboardServer;
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
    tinyCap = await startDashboardServer({ port: 0, prometheusUrl: prometheus.url, upstreamMaxBytes: 2048, logLevel: 'silent' });
    named = await startDashboardServer({ port: 0, prometheusUrl: prometheus.url, allowedHosts: ['dash.example'], logLevel: 'silent' });
  });

  after(async () => {
    await Promise.allSettled([dashboard?.close(), unreachable?.close(), noToken?.close(), tinyCap?.close(), named?.close()]);
    await Promise.allSettled([prometheus?.stop(), alertmanager?.stop(), api?.stop()]);
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('serves the page and its bundled script (uPlot from node_modules inside), with a same-origin-only CSP', async () => {
    const page = await fetch(dashboard.url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /connect-src 'self'/);
    assert.match(await page.text(), /<script type="module" src="\/static\/main\.js">/);
    // The page's TypeScript is bundled (apps/dashboard/page-bundle.ts): one script, uPlot included.
    const script = await fetch(`${dashboard.url}/static/main.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
    const text = await script.text();
    assert.match(text, /var uPlot = |function uPlot\(/, 'uPlot is bundled in');
    assert.match(text, /function createTimeseriesView\(/, 'the page modules are bundled in');
    assert.doesNotMatch(text, /^\s*import\s/m, 'no import left for the browser to fetch');
    assert.equal((await fetch(`${dashboard.url}/static/uPlot.min.css`)).status, 200);
    for (const path of ['/static/..%2F..%2F..%2Fpackage.json', '/static/server.ts', '/static/template.ts', '/static/main.ts', '/static/uPlot.esm.js']) {
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

  it("serves every rule's runbook at /runbooks/<name>.md, the link alert messages and its alert list use", async () => {
    const rules = parseYaml(readFileSync(join(ROOT, 'observability/prometheus/rules/alerts.yml'), 'utf8')) as {
      groups: Array<{ rules: Array<{ alert?: string; annotations?: Record<string, string> }> }>;
    };
    const links = rules.groups.flatMap((group) => group.rules.flatMap((rule) => (rule.alert ? [rule.annotations!.runbook_url!] : [])));
    assert.ok(links.length >= 10, 'every alert has a runbook link');
    for (const link of links) {
      const path = localRunbookPath(link);
      const response = await fetch(`${dashboard.url}${path}`);
      assert.equal(response.status, 200, `${link} → ${path}`);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain; charset=utf-8/);
      assert.match(await response.text(), /^# \w+/m, 'the runbook itself');
    }
    assert.equal((await fetch(`${dashboard.url}/runbooks/no-such-alert.md`)).status, 404);
    assert.equal((await fetch(`${dashboard.url}/runbooks/..%2F..%2Fpackage.json`)).status, 404);
    assert.equal(localRunbookPath('javascript:alert(1)'), '', 'anything but a runbook file name gives no link');
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
      headers: { 'content-type': 'application/json', 'x-csrf-token': await pageToken(dashboard.url) },
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

    for (const path of ['/', '/api/config', '/static/main.js']) {
      const response = await fetch(`${dashboard.url}${path}`);
      assert.equal(response.status, 200, path);
      assert.ok(!(await response.text()).includes(api.adminToken), path);
    }
  });

  it('refuses invalid or cross-origin chaos changes', async () => {
    const token = await pageToken(dashboard.url);
    const put = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${dashboard.url}/api/chaos`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-csrf-token': token, ...headers },
        body: JSON.stringify(body),
      });
    assert.equal((await put({ failureRate: 2, latencyMs: { min: 0, max: 0 } })).status, 400);
    assert.equal((await put({ failureRate: 0.1, latencyMs: { min: 10, max: 5 } })).status, 400);
    assert.equal((await put({ failureRate: 0.1 })).status, 400);
    assert.equal((await put({ failureRate: 1, latencyMs: { min: 0, max: 0 } }, { origin: 'http://evil.example' })).status, 403);
    const fromApi = await fetch(`${api.url}/api/admin/chaos`, { headers: { authorization: `Bearer ${api.adminToken}` } });
    assert.notEqual(((await fromApi.json()) as { failureRate: number }).failureRate, 1);
  });

  it('a named chaos preset (the page bundles them from the contract module) passes through the proxy as it is', async () => {
    const presets: Record<string, ChaosInput> = chaosPresets;
    // Only a harmless one is applied: the others would stall, crash or cut off the API under test.
    const token = await pageToken(dashboard.url);
    const put = await fetch(`${dashboard.url}/api/chaos`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-csrf-token': token },
      body: JSON.stringify(presets['flaky-payments']),
    });
    assert.equal(put.status, 200);
    const fromApi = await fetch(`${api.url}/api/admin/chaos`, { headers: { authorization: `Bearer ${api.adminToken}` } });
    assert.deepEqual(await fromApi.json(), withFaultDefaults(chaosPresets['flaky-payments']));
    await fetch(`${dashboard.url}/api/chaos`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-csrf-token': token },
      body: JSON.stringify({ failureRate: 0, latencyMs: { min: 0, max: 0 } }),
    });
  });

  it('names the latency rule it enforces when max is below min', async () => {
    const put = await fetch(`${dashboard.url}/api/chaos`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-csrf-token': await pageToken(dashboard.url) },
      body: JSON.stringify({ failureRate: 0.1, latencyMs: { min: 10, max: 5 } }),
    });
    assert.equal(put.status, 400);
    assert.deepEqual(await put.json(), { error: 'latencyMs.max must be >= latencyMs.min (5 < 10)' });
  });

  it('changes chaos only with a token from the page or the admin token (CSRF)', async () => {
    const chaosInApi = async () =>
      (await (await fetch(`${api.url}/api/admin/chaos`, { headers: { authorization: `Bearer ${api.adminToken}` } })).json()) as {
        failureRate: number;
      };
    const put = (failureRate: number, headers: Record<string, string>) =>
      fetch(`${dashboard.url}/api/chaos`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ failureRate, latencyMs: { min: 0, max: 0 } }),
      });
    const before = (await chaosInApi()).failureRate;
    const first = await pageToken(dashboard.url);
    const second = await pageToken(dashboard.url);
    assert.notEqual(first, second, 'every copy of the page gets its own token');

    const refused: Record<string, string>[] = [
      {},
      { 'x-csrf-token': 'forged-token' },
      { 'x-csrf-token': `${first}x` },
      { authorization: 'Bearer wrong-admin-token' },
      // A token issued by another dashboard server (its own secret) is worthless here.
      { 'x-csrf-token': await pageToken(noToken.url) },
    ];
    for (const headers of refused) {
      const response = await put(0.9, headers);
      assert.equal(response.status, 403, JSON.stringify(headers));
      assert.match(((await response.json()) as { error: string }).error, /x-csrf-token .*reload the page.*ADMIN_TOKEN/);
    }
    assert.equal((await chaosInApi()).failureRate, before, 'no refused request changed chaos');

    assert.equal((await put(0.3, { 'x-csrf-token': first })).status, 200);
    assert.equal((await chaosInApi()).failureRate, 0.3);
    // Scripts use the admin token itself; the scheme is case-insensitive (RFC 9110).
    assert.equal((await put(0.4, { authorization: `bearer ${api.adminToken}` })).status, 200);
    assert.equal((await chaosInApi()).failureRate, 0.4);
  });

  it('answers only the host names it serves, so DNS rebinding cannot reach the chaos control', async () => {
    const chaosInApi = async () =>
      (await (await fetch(`${api.url}/api/admin/chaos`, { headers: { authorization: `Bearer ${api.adminToken}` } })).json()) as {
        failureRate: number;
      };
    const before = (await chaosInApi()).failureRate;
    const { port } = new URL(dashboard.url);
    // evil.example re-pointed at 127.0.0.1: the browser sends its own name and a matching Origin.
    const evil = { host: `evil.example:${port}`, origin: `http://evil.example:${port}` };
    const page = await rawRequest(dashboard.url, { path: '/', headers: evil });
    assert.equal(page.status, 421);
    assert.doesNotMatch(page.body, /csrf-token/, 'a refused host gets no token');
    assert.match(page.body, /evil\.example.*DASHBOARD_ALLOWED_HOSTS/);
    for (const path of ['/api/config', '/api/chaos', '/api/prom/query?query=up', '/api/alerts', '/static/main.js']) {
      assert.equal((await rawRequest(dashboard.url, { path, headers: evil })).status, 421, path);
    }
    // Even with a token taken from a legitimate page, the rebound request changes nothing.
    const token = await pageToken(dashboard.url);
    const put = await rawRequest(dashboard.url, {
      path: '/api/chaos',
      method: 'PUT',
      headers: { ...evil, 'content-type': 'application/json', 'x-csrf-token': token },
      body: JSON.stringify({ failureRate: 1, latencyMs: { min: 0, max: 0 } }),
    });
    assert.equal(put.status, 421);
    assert.equal((await chaosInApi()).failureRate, before);

    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `LOCALHOST.:${port}`]) {
      assert.equal((await rawRequest(dashboard.url, { path: '/', headers: { host } })).status, 200, host);
    }
    for (const host of ['evil.example', 'user@127.0.0.1', `127.0.0.1.evil.example:${port}`, `dash.example:${port}`]) {
      assert.equal((await rawRequest(dashboard.url, { path: '/api/config', headers: { host } })).status, 421, host);
    }
    // Probes address a pod by its IP: /healthz answers any Host and tells nothing.
    assert.equal((await rawRequest(dashboard.url, { path: '/healthz', headers: { host: `10.1.2.3:${port}` } })).status, 200);
    // A configured name is served, next to the loopback names.
    const namedPort = new URL(named.url).port;
    assert.equal((await rawRequest(named.url, { path: '/', headers: { host: `dash.example:${namedPort}` } })).status, 200);
    assert.equal((await rawRequest(named.url, { path: '/', headers: { host: `localhost:${namedPort}` } })).status, 200);
    assert.equal((await rawRequest(named.url, { path: '/', headers: { host: `evil.example:${namedPort}` } })).status, 421);
  });

  it('refuses a real Prometheus answer longer than the cap with 502, naming the limit', async () => {
    const path = `/api/prom/series?${new URLSearchParams({ 'match[]': '{__name__=~".+"}' })}`;
    const full = await fetch(`${dashboard.url}${path}`);
    assert.equal(full.status, 200);
    assert.ok((await full.arrayBuffer()).byteLength > 2048, 'the answer is longer than the small cap');
    const capped = await fetch(`${tinyCap.url}${path}`);
    assert.equal(capped.status, 502);
    const body = (await capped.json()) as { errorType: string; service: string; error: string };
    assert.equal(body.errorType, 'too_large');
    assert.equal(body.service, 'Prometheus');
    assert.match(body.error, /more than 2048 bytes \(DASHBOARD_UPSTREAM_MAX_BYTES\)/);
    // Small answers still pass through the same server.
    assert.equal((await fetch(`${tinyCap.url}/api/prom/query?query=1`)).status, 200);
  });

  it('shows the chaos control as disabled without ADMIN_TOKEN', async () => {
    assert.deepEqual(await (await fetch(`${noToken.url}/api/chaos`)).json(), {
      enabled: false,
      reason: 'ADMIN_TOKEN is not set for the dashboard server',
    });
    const put = await fetch(`${noToken.url}/api/chaos`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-csrf-token': await pageToken(noToken.url) },
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
