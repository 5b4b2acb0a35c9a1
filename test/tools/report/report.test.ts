// The stress-test report on a real short run: the real API scraped by a real Prometheus (the
// shipped config and rules, rendered by tools/stack/processes), a 20 s spike through `npm run load` with a
// chaos change in the middle, then the report — written automatically after the run and again by
// `npm run report`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePrometheusConfig } from '../../../tools/stack/processes/prometheus-config.js';
import { pickFreePort, startPrometheus, type PrometheusProcess } from '../../../tools/stack/processes/prometheus-process.js';
import { startApi, type RunningApi } from '../../support/api-process.js';
import { csvRows, runCli, type CliResult } from '../load/cli-process.js';

let api: RunningApi;
let prometheus: PrometheusProcess;
let workDir: string;
let runDir: string;
let loadResult: CliResult;

const CHART_IDS = ['requests', 'latency', 'errors', 'cpu', 'memory', 'tickets'];

before(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'tp-report-'));
  // Payment failures from the start, so failures by kind and the 5xx series have something to show.
  api = await startApi({ env: { LOG_LEVEL: 'warn' }, chaos: { failureRate: 0.2, latencyMs: { min: 0, max: 20 } } });
  const port = await pickFreePort();
  const configFile = writePrometheusConfig(join(workDir, 'prometheus.yml'), {
    apiTargets: [new URL(api.url).host],
    alertmanagerTargets: [],
    prometheusTarget: `127.0.0.1:${port}`,
    scrapeInterval: '1s',
    evaluationInterval: '1s',
  });
  prometheus = await startPrometheus({ configFile, port });
  loadResult = await runCli(
    'tools/load/cli.ts',
    ['--shape', 'spike', '--duration', '20s', '--users', '30', '--hot-capacity', '25', '--host', api.url, '--out', workDir, '--chaos', '10s=0.5'],
    { PROMETHEUS_URL: prometheus.url, ADMIN_TOKEN: api.adminToken },
    150_000,
  );
  const folder = readdirSync(workDir).find((name) => name.endsWith('-spike'));
  runDir = join(workDir, folder ?? 'missing');
});

after(async () => {
  await prometheus?.stop();
  await api?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

function endpointTable(markdown: string): Map<string, { requests: number; failures: number; kinds: string }> {
  const section = markdown.split('## Endpoints')[1]?.split('\n## ')[0] ?? '';
  const rows = section.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| Endpoint') && !line.startsWith('| ---'));
  return new Map(
    rows.map((line) => {
      const cells = line.split(' | ').map((cell) => cell.replace(/^\| |\s\|$/g, '').trim());
      const int = (text: string) => Number(text.replace(/,/g, ''));
      return [cells[0], { requests: int(cells[1]), failures: int(cells[2]), kinds: cells[3] }];
    }),
  );
}

describe('the stress-test report of a real short run', () => {
  test('npm run load wrote the report automatically because Prometheus answered', () => {
    assert.equal(loadResult.code, 0, `${loadResult.stdout.slice(-3000)}\n${loadResult.stderr}`);
    assert.match(loadResult.stdout, /\[load\] report: .*report\.html/);
    assert.ok(existsSync(join(runDir, 'report.html')));
  });

  test('npm run report regenerates it: self-contained HTML with every chart inline, Markdown with SVG files', async () => {
    rmSync(join(runDir, 'report.html'));
    const result = await runCli('tools/report/cli.ts', [runDir], { PROMETHEUS_URL: prometheus.url }, 90_000);
    assert.equal(result.code, 0, result.stderr);
    const html = readFileSync(join(runDir, 'report.html'), 'utf8');
    for (const id of CHART_IDS) assert.match(html, new RegExp(`<figure id="chart-${id}"><svg `), `${id} chart inline`);
    assert.doesNotMatch(html, /<script|<link|<img|url\(http/i, 'nothing loaded from elsewhere');
    const markdown = readFileSync(join(runDir, 'report.md'), 'utf8');
    for (const id of CHART_IDS) {
      assert.match(markdown, new RegExp(`!\\[[^\\]]+\\]\\(charts/${id}\\.svg\\)`));
      const svg = readFileSync(join(runDir, 'charts', `${id}.svg`), 'utf8');
      assert.ok(svg.startsWith('<svg') && statSync(join(runDir, 'charts', `${id}.svg`)).size > 2000, `${id}.svg is a chart`);
    }
  });

  test('every chart has data in every series, users overlaid', () => {
    const report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as {
      charts: Array<{ id: string; pointCounts: Record<string, number> }>;
    };
    assert.deepEqual(report.charts.map((c) => c.id), CHART_IDS);
    for (const chart of report.charts) {
      assert.ok(Object.keys(chart.pointCounts).length >= 2, `${chart.id} has the users and at least one metric`);
      for (const [series, points] of Object.entries(chart.pointCounts)) {
        // 20 s at one point per second: anything under 5 points means the queries missed the run.
        assert.ok(points >= 5, `${chart.id}: "${series}" has ${points} points`);
      }
    }
  });

  test("the endpoint table's figures are Locust's own totals, failures by kind included", () => {
    const table = endpointTable(readFileSync(join(runDir, 'report.md'), 'utf8'));
    const stats = csvRows(readFileSync(join(runDir, 'locust_stats.csv'), 'utf8'));
    const failures = csvRows(readFileSync(join(runDir, 'locust_failures.csv'), 'utf8'));
    assert.equal(table.size, stats.length, 'one row per endpoint plus the total');
    for (const row of stats) {
      const label = row.Name === 'Aggregated' ? 'All endpoints' : `${row.Type} ${row.Name}`;
      const figures = table.get(label);
      assert.ok(figures, `row for ${label}`);
      assert.equal(figures.requests, Number(row['Request Count']), `${label} requests`);
      assert.equal(figures.failures, Number(row['Failure Count']), `${label} failures`);
      const byKind = [...figures.kinds.matchAll(/ × ([\d,]+)/g)].reduce((sum, m) => sum + Number(m[1].replace(/,/g, '')), 0);
      assert.equal(byKind, Number(row['Failure Count']), `${label}: failures by kind add up`);
    }
    const paymentFailures = failures
      .filter((f) => f.Error === "CatchResponseError('payment-failed')")
      .reduce((sum, f) => sum + Number(f.Occurrences), 0);
    assert.ok(paymentFailures > 0, `the run had payment failures:\n${readFileSync(join(runDir, 'locust_failures.csv'), 'utf8')}\n${readFileSync(join(runDir, 'locust_stats.csv'), 'utf8')}`);
    assert.match(table.get('All endpoints')!.kinds, new RegExp(`payment-failed × ${paymentFailures.toLocaleString('en-US')}`));
  });

  test("the spike's hot concert: the report says what the API says", async () => {
    const run = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
    assert.equal(run.hotConcertIds?.length, 1, 'run.json names the hot concert');
    const hot = (await (await fetch(`${api.url}/api/concerts/${run.hotConcertIds[0]}`)).json()) as { ticketsSold: number; capacity: number };
    const markdown = readFileSync(join(runDir, 'report.md'), 'utf8');
    if (hot.ticketsSold === hot.capacity) assert.match(markdown, /\*\*The hot concert sold out at \d\d:\d\d:\d\d\*\*/);
    else {
      const sold = ((hot.ticketsSold / hot.capacity) * 100).toFixed(2);
      assert.match(markdown, new RegExp(`The hot concert did not sell out: ${sold.replace('.', '\\.')}% of its tickets were sold`));
    }
  });

  test('the chaos change made during the run is on the timeline', () => {
    const run = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
    const scheduled = run.chaosChanges.filter((c: { kind: string }) => c.kind === 'scheduled');
    assert.equal(scheduled.length, 1);
    assert.equal(scheduled[0].settings.failureRate, 0.5);
    const markdown = readFileSync(join(runDir, 'report.md'), 'utf8');
    assert.match(markdown, /\| \d\d:\d\d:\d\d \| 0\.5 \| 0–20 ms \| run\.json \|/);
    assert.match(readFileSync(join(runDir, 'charts', 'errors.svg'), 'utf8'), /chaos 0\.5/);
  });
});

describe('npm run report, bad input', () => {
  test('without a run folder: one usage line, exit 2', async () => {
    const result = await runCli('tools/report/cli.ts', [], {}, 30_000);
    assert.equal(result.code, 2);
    assert.match(result.stderr.trim(), /^usage: npm run report -- <run folder>/);
    assert.equal(result.stderr.trim().split('\n').length, 1);
  });

  test('a folder that is not a run folder: one line saying so, exit 2', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tp-not-a-run-'));
    try {
      const result = await runCli('tools/report/cli.ts', [empty], {}, 30_000);
      assert.equal(result.code, 2);
      assert.equal(result.stderr.trim(), `report: ${empty} is not a run folder (no run.json); create one with npm run load`);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
