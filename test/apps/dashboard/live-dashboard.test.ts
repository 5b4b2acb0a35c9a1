// The live dashboard in a real browser (Debian's headless Chromium, driven by playwright-core) against
// the real API under traffic, a real Prometheus scraping it with the shipped rules, and a real
// Alertmanager: every panel of the generated Grafana dashboard draws data, the page logs no errors,
// the chaos control changes the API's behaviour, and a dead Prometheus is named in a banner. The real
// exporters run too (postgres_exporter, node_exporter, blackbox_exporter), so the saturation
// dashboard's database, host and probe rows draw data like every other panel.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { formatValue, thresholdColor, thresholdLines, type Thresholds } from '../../../apps/dashboard/public/units.js';
import { ALL } from '../../../apps/dashboard/public/template.js';
import { startDashboardServer, type DashboardServer } from '../../../apps/dashboard/server.js';
import { startAlertmanager, type AlertmanagerProcess } from '../../../tools/stack/processes/alertmanager-process.js';
import { startBlackboxExporter, startNodeExporter, startPostgresExporter, type ExporterProcess } from '../../../tools/stack/processes/exporter-process.js';
import { renderPrometheusConfig } from '../../../tools/stack/processes/prometheus-config.js';
import { pickFreePort, startPrometheus, type PrometheusProcess } from '../../../tools/stack/processes/prometheus-process.js';
import { startApi, type RunningApi } from '../../support/api-process.js';
import { repoRoot } from '../../../packages/shared/repo-root.js';

const ROOT = repoRoot;
const ARTIFACTS = join(ROOT, 'test-artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const TRAFFIC_LIMIT_MS = 150_000;
const TRAFFIC_LIMIT_REQUESTS = 20_000;

interface GrafanaPanel {
  id: number;
  type: string;
  title: string;
  panels?: GrafanaPanel[];
  options?: { colorMode?: string };
  fieldConfig?: {
    defaults?: {
      unit?: string;
      decimals?: number;
      min?: number;
      max?: number;
      thresholds?: Thresholds;
      custom?: { thresholdsStyle?: { mode?: string } };
    };
    overrides?: unknown[];
  };
}

interface PanelState {
  id: string;
  type: string;
  title: string;
  state: string;
  points: number;
  message: string;
  emptyWhenHealthy: boolean;
}

/**
 * Bounded background traffic: browse, buy, and sell one small concert out (for sold-out outcomes),
 * a few requests at a time, until stopped or a time/request cap is reached.
 */
function startTraffic(apiUrl: string, concertIds: string[]) {
  let stopped = false;
  let sent = 0;
  const statuses = new Map<number, number>();
  const deadline = Date.now() + TRAFFIC_LIMIT_MS;
  const request = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${apiUrl}${path}`, { ...init, signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    sent += 1;
  };
  const worker = async (offset: number) => {
    for (let round = offset; !stopped && Date.now() < deadline && sent < TRAFFIC_LIMIT_REQUESTS; round += 1) {
      const id = concertIds[round % concertIds.length]!;
      try {
        await request(`/api/concerts/${id}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ quantity: 1 + (round % 3), customerEmail: `fan${round}@example.com` }),
        });
        await request(`/api/concerts/${id}`);
        if (round % 5 === 0) await request('/api/concerts?limit=10');
        if (round % 20 === 0) await request('/api/concerts/00000000-0000-0000-0000-000000000000');
      } catch {
        // a slow answer under chaos latency; keep going
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  const done = Promise.all([worker(0), worker(1), worker(2)]);
  return {
    statuses,
    sent: () => sent,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

async function createConcert(apiUrl: string, name: string, capacity: number): Promise<string> {
  const response = await fetch(`${apiUrl}/api/concerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, venue: 'Test Hall', startsAt: '2031-06-01T20:00:00Z', capacity, priceCents: 4_500 }),
  });
  assert.equal(response.status, 201, await response.clone().text());
  return ((await response.json()) as { id: string }).id;
}

async function buyOne(apiUrl: string, concertId: string): Promise<number> {
  const response = await fetch(`${apiUrl}/api/concerts/${concertId}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ quantity: 1, customerEmail: 'probe@example.com' }),
  });
  await response.arrayBuffer();
  return response.status;
}

async function panelStates(page: Page): Promise<PanelState[]> {
  return page.$$eval('.panel', (elements) =>
    elements.map((element) => {
      const panel = element as HTMLElement;
      return {
        id: panel.dataset.panelId ?? '',
        type: panel.dataset.panelType ?? '',
        title: panel.querySelector('.panel-title')?.textContent ?? '',
        state: panel.dataset.state ?? '',
        points: Number(panel.dataset.points ?? 0),
        message: panel.querySelector('.panel-message')?.textContent ?? '',
        // The Grafana dashboard documents panels that are legitimately empty (e.g. firing alerts).
        emptyWhenHealthy: /empty when healthy/i.test(panel.querySelector('.panel-title')?.getAttribute('title') ?? ''),
      };
    }),
  );
}

const drewData = (panel: PanelState) =>
  (panel.state === 'ok' && panel.points > 0) || (panel.emptyWhenHealthy && panel.state === 'empty');

describe('live dashboard in a browser', { timeout: 240_000 }, () => {
  let workDir: string;
  let api: RunningApi;
  let prometheus: PrometheusProcess;
  let alertmanager: AlertmanagerProcess;
  const exporters: ExporterProcess[] = [];
  let dashboard: DashboardServer;
  let browser: Browser;
  let traffic: ReturnType<typeof startTraffic>;
  let probeConcert: string;

  before(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'tp-live-dashboard-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    api = await startApi({ chaos: { failureRate: 0, latencyMs: { min: 0, max: 0 } } });

    const amConfig = join(workDir, 'alertmanager.yml');
    writeFileSync(amConfig, 'route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n');
    alertmanager = await startAlertmanager({ configFile: amConfig });
    const [postgresExporter, nodeExporter, blackboxExporter] = await Promise.all([
      startPostgresExporter({ databaseUrl: api.databaseUrl! }),
      startNodeExporter({}),
      startBlackboxExporter({}),
    ]);
    exporters.push(postgresExporter, nodeExporter, blackboxExporter);

    // The shipped config (rules included) with local targets and 1 s intervals, so a short test sees data.
    const promPort = await pickFreePort();
    const promConfig = join(workDir, 'prometheus.yml');
    writeFileSync(
      promConfig,
      renderPrometheusConfig({
        apiTargets: [`127.0.0.1:${api.port}`],
        alertmanagerTargets: [new URL(alertmanager.url).host],
        prometheusTarget: `127.0.0.1:${promPort}`,
        postgresExporterTargets: [postgresExporter.target],
        nodeExporterTargets: [nodeExporter.target],
        blackbox: { exporter: blackboxExporter.target, probes: [`${api.url}/readyz`, `${api.url}/api/concerts?limit=1`] },
        scrapeInterval: '1s',
        evaluationInterval: '1s',
      }),
    );
    // Prometheus drops notifications sent before it has discovered Alertmanager and re-sends only
    // after --rules.alert.resend-delay (1 m by default): shortened so Watchdog reaches Alertmanager soon.
    prometheus = await startPrometheus({ configFile: promConfig, port: promPort, extraArgs: ['--rules.alert.resend-delay=2s'] });

    dashboard = await startDashboardServer({
      port: 0,
      prometheusUrl: prometheus.url,
      alertmanagerUrl: alertmanager.url,
      apiUrl: api.url,
      adminToken: api.adminToken,
      logLevel: 'warn',
    });

    const concerts = [
      await createConcert(api.url, 'Small Club Night', 25), // sells out: sold-out outcomes and sell-through
      await createConcert(api.url, 'Arena Tour', 1_000_000),
      await createConcert(api.url, 'Open Air', 1_000_000),
    ];
    probeConcert = await createConcert(api.url, 'Probe Gig', 1_000_000);
    traffic = startTraffic(api.url, concerts);
    // Rates need two scrapes of traffic inside their window before panels can draw them.
    const deadline = Date.now() + 30_000;
    while ((await prometheus.query('sum(rate(http_requests_total[5s]))'))[0]?.value[1] === undefined) {
      assert.ok(Date.now() < deadline, 'Prometheus saw no API traffic within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }

    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await traffic?.stop().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await dashboard?.close().catch(() => undefined);
    await Promise.allSettled([prometheus?.stop(), alertmanager?.stop(), api?.stop(), ...exporters.map((exporter) => exporter.stop())]);
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('draws every panel of every generated dashboard with live data, without console errors', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(`${message.text()} ${message.location().url}`);
    });
    page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
    const adminTokenSeen: string[] = [];
    page.on('response', async (response) => {
      if (!response.url().startsWith(dashboard.url)) return;
      const text = await response.text().catch(() => '');
      if (text.includes(api.adminToken)) adminTokenSeen.push(response.url());
    });

    const { dashboards } = (await (await fetch(`${dashboard.url}/api/dashboards`)).json()) as { dashboards: { uid: string }[] };
    assert.ok(dashboards.some((summary) => summary.uid === 'ticketpulse-overview'));
    for (const { uid } of dashboards) {
      await page.goto(`${dashboard.url}/?dashboard=${uid}&range=5m`);
      await page.waitForSelector('.panel');
      const model = (await (await fetch(`${dashboard.url}/api/dashboards/${uid}`)).json()) as { panels: GrafanaPanel[] };
      const panels = model.panels.flatMap((panel) => (panel.type === 'row' ? (panel.panels ?? []) : [panel]));

      // Panels refresh every 5 s: wait until each has drawn data (or is documented as empty when healthy).
      let states: PanelState[] = [];
      const deadline = Date.now() + 60_000;
      for (;;) {
        states = await panelStates(page);
        if (states.length === panels.length && states.every(drewData)) break;
        if (Date.now() > deadline) break;
        await page.waitForTimeout(1_000);
      }
      assert.deepEqual(
        states.filter((panel) => !drewData(panel)).map(({ id, title, state, points, message }) => `${id} ${title}: ${state} (${points} points) ${message}`),
        [],
        `every panel of ${uid} draws data`,
      );
      // The same panels as the Grafana JSON (rows aside).
      assert.deepEqual(states.map((panel) => panel.title).sort(), panels.map((panel) => panel.title).sort(), uid);

      // Units and thresholds honoured: every stat value is formatted with its unit and decimals,
      // and coloured by the threshold step it falls in.
      // (Panels with overrides are left out: their colours and units may differ per series.)
      for (const panel of panels.filter((one) => one.type === 'stat' && (one.fieldConfig?.overrides ?? []).length === 0)) {
        const values = await page.$$eval(`.panel[data-panel-id="${panel.id}"] .stat-value`, (elements) =>
          elements.map((element) => ({
            text: element.textContent,
            value: (element as HTMLElement).dataset.value,
            color: (element as HTMLElement).dataset.color,
          })),
        );
        assert.ok(values.length > 0, `${uid} / ${panel.title} shows a value`);
        const defaults = panel.fieldConfig?.defaults ?? {};
        for (const { text, value, color } of values) {
          const number = value === '' || value === undefined ? null : Number(value);
          assert.equal(text, formatValue(number, defaults.unit, defaults.decimals), `${panel.title} unit`);
          if ((panel.options?.colorMode ?? 'value') !== 'none') {
            assert.equal(color, thresholdColor(number, defaults.thresholds, defaults) ?? '#d8d9da', `${panel.title} colour`);
          }
        }
      }
      // Threshold lines on the charts that ask for them (thresholdsStyle), and only those.
      for (const panel of panels.filter((one) => one.type === 'timeseries')) {
        const defaults = panel.fieldConfig?.defaults ?? {};
        const mode = defaults.custom?.thresholdsStyle?.mode ?? 'off';
        const expected = mode === 'off' ? '' : thresholdLines(defaults.thresholds).map((line) => line.value).join(' ');
        const drawn = await page.getAttribute(`.panel[data-panel-id="${panel.id}"] .chart`, 'data-threshold-lines');
        assert.equal(drawn, expected, `${panel.title} threshold lines`);
      }

      if (uid === 'ticketpulse-overview') {
        // Template variables were filled from Prometheus.
        const jobs = await page.$$eval('#var-job option', (options) => options.map((option) => (option as HTMLOptionElement).value));
        assert.ok(jobs.includes('ticketpulse-api'), jobs.join(', '));
        // "All" means every option of the variable, as in Grafana: the per-instance CPU chart shows
        // the API's instances and not Prometheus or Alertmanager (scraped with the same process metrics).
        const cpuLegend = page.locator('.panel', { has: page.locator('.panel-title', { hasText: /^CPU per instance$/ }) }).locator('.legend-item');
        const instances = (
          await page.$$eval('#var-instance option', (options) => options.map((option) => (option as HTMLOptionElement).value))
        ).filter((value) => value !== ALL && value !== 'All');
        assert.ok(instances.length >= 1);
        await page.waitForFunction(
          (count) => {
            const panel = [...document.querySelectorAll('.panel')].find((element) => element.querySelector('.panel-title')?.textContent === 'CPU per instance');
            return (panel?.querySelectorAll('.legend-item').length ?? 0) === count;
          },
          instances.length,
          { timeout: 20_000 },
        );
        const legends = await cpuLegend.allTextContents();
        assert.ok(legends.every((text) => instances.some((instance) => text.includes(instance))), `only API instances: ${legends.join(', ')}`);
        const apiInstance = `127.0.0.1:${api.port}`;
        await page.selectOption('#var-instance', apiInstance);
        await page.waitForFunction(() => new URL(location.href).searchParams.get('var-instance') !== 'All');
        await page.waitForFunction(
          (instance) => {
            const panel = [...document.querySelectorAll('.panel')].find((element) => element.querySelector('.panel-title')?.textContent === 'CPU per instance');
            const items = [...(panel?.querySelectorAll('.legend-item') ?? [])].map((item) => item.textContent ?? '');
            return items.length === 1 && items[0]!.includes(instance);
          },
          apiInstance,
          { timeout: 20_000 },
        );
        assert.equal(new URL(page.url()).searchParams.get('var-instance'), apiInstance);
        assert.equal(await page.locator('.panel[data-state="error"]').count(), 0);
        await page.selectOption('#var-instance', '$__all');
        // Alertmanager's firing alerts are listed (the shipped rules include an always-firing Watchdog).
        await page.waitForSelector('#alerts [data-alertname="Watchdog"]', { timeout: 30_000 });
        assert.equal(await page.locator('.banner').count(), 0, (await page.locator('#banners').textContent()) ?? '');
        await page.screenshot({ path: join(ARTIFACTS, 'live-dashboard.png'), fullPage: true });
        // The time-range picker changes the window (and the URL, so a reload keeps it).
        await page.click('#time-range button[data-range="1h"]');
        await page.waitForFunction(() => new URL(location.href).searchParams.get('range') === '1h');
        assert.equal(await page.getAttribute('#time-range button[data-range="1h"]', 'aria-pressed'), 'true');
      } else {
        await page.screenshot({ path: join(ARTIFACTS, `live-dashboard-${uid}.png`), fullPage: true });
      }
    }

    assert.deepEqual(consoleErrors, [], 'no console errors');
    assert.deepEqual(adminTokenSeen, [], 'the admin token never reaches the browser');
    await page.close();
  });

  it('changes the API behaviour from the chaos control: with failure rate 1 a purchase gets 502', async () => {
    assert.equal(await buyOne(api.url, probeConcert), 201, 'purchases succeed before chaos');
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(`${dashboard.url}/?range=5m`);
    await page.waitForSelector('#chaos[data-state="ok"]');

    await page.fill('#chaos input[name="failureRate"]', '1');
    await page.fill('#chaos input[name="latencyMin"]', '0');
    await page.fill('#chaos input[name="latencyMax"]', '5');
    await page.click('#chaos button[type="submit"]');
    await page.waitForSelector('#chaos[data-applied="1"]', { timeout: 10_000 });
    assert.match((await page.textContent('#chaos .chaos-current')) ?? '', /100% payment failures/);

    // The API applies chaos on every replica within 2 s (contract).
    let status = 0;
    for (let attempt = 0; attempt < 20 && status !== 502; attempt += 1) {
      status = await buyOne(api.url, probeConcert);
      if (status !== 502) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(status, 502, 'a purchase fails with 502 once the page set failure rate 1');

    // And the change comes back through Prometheus onto the chart of injected faults.
    const legend = page.locator('.panel', { has: page.locator('.panel-title', { hasText: /^Chaos: injected failure rate$/ }) }).locator('.legend');
    await page.waitForFunction(
      (element) => /100%/.test(element?.textContent ?? ''),
      await legend.elementHandle(),
      { timeout: 20_000 },
    );
    // The dashed line the change draws is named in the legend's annotation key.
    await page.waitForFunction(
      (element) => [...(element?.querySelectorAll('.annotation-key') ?? [])].some((key) => key.textContent === 'Chaos settings changed'),
      await legend.elementHandle(),
      { timeout: 40_000 },
    );
    await page.screenshot({ path: join(ARTIFACTS, 'live-dashboard-chaos.png'), fullPage: true });
    await page.close();
  });

  it('says "Prometheus unreachable at …" instead of drawing blank charts, and recovers', async () => {
    const closedPort = await pickFreePort();
    let latePrometheus: PrometheusProcess | undefined;
    const deadEnds = await startDashboardServer({
      port: 0,
      prometheusUrl: `http://127.0.0.1:${closedPort}`,
      alertmanagerUrl: `http://127.0.0.1:${closedPort}`,
      apiUrl: api.url,
      adminToken: api.adminToken,
      upstreamTimeoutMs: 2_000,
      logLevel: 'silent',
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      await page.goto(`${deadEnds.url}/?range=5m`);
      const banner = page.locator('[data-banner="prometheus"]');
      await banner.waitFor({ timeout: 20_000 });
      assert.match((await banner.textContent()) ?? '', new RegExp(`^Prometheus unreachable at http://127\\.0\\.0\\.1:${closedPort} \\(ECONNREFUSED\\)`));
      assert.match((await page.textContent('[data-banner="alertmanager"]')) ?? '', /^Alertmanager unreachable at /);
      const states = await panelStates(page);
      assert.ok(states.length > 0);
      for (const panel of states) {
        assert.equal(panel.state, 'error', `${panel.title} shows an error, not a blank chart`);
        assert.match(panel.message, /Prometheus unreachable at/);
      }
      await page.screenshot({ path: join(ARTIFACTS, 'live-dashboard-unreachable.png'), fullPage: false });

      // Once Prometheus answers on that address, the next refresh clears the banner and the panels' errors.
      const promConfig = join(workDir, 'prometheus-late.yml');
      writeFileSync(
        promConfig,
        renderPrometheusConfig({ apiTargets: [`127.0.0.1:${api.port}`], alertmanagerTargets: [], prometheusTarget: `127.0.0.1:${closedPort}`, scrapeInterval: '1s', evaluationInterval: '1s' }),
      );
      latePrometheus = await startPrometheus({ configFile: promConfig, port: closedPort });
      await banner.waitFor({ state: 'detached', timeout: 20_000 });
      await page.waitForFunction(() => document.querySelectorAll('.panel[data-state="error"]').length === 0, undefined, { timeout: 15_000 });
      await page.close();
    } finally {
      await deadEnds.close();
      await latePrometheus?.stop();
    }
  });
});
