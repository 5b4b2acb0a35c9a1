// `npm run load -- --gate`: a short real Locust run against the real API scraped by a real
// Prometheus; the thresholds are checked at the end from Prometheus, written into run.json and the
// report's verdict, and a missed one exits 3. Bad gate flags are one-line usage errors (exit 2).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSink, type Sink } from '../../../apps/sink/sink.js';
import { startApi, type RunningApi } from '../../support/api-process.js';
import { startMonitoring, type Monitoring } from '../../support/pipeline.js';
import { runCli } from './cli-process.js';

let api: RunningApi;
let sink: Sink;
let monitoring: Monitoring;
let outDir: string;

before(async () => {
  // Latency 300–400 ms on every request: a p99 gate of 250 ms must fail, one of 2 s must pass.
  api = await startApi({ env: { LOG_LEVEL: 'warn' }, chaos: { failureRate: 0, latencyMs: { min: 300, max: 400 } } });
  sink = await startSink({ log: () => undefined });
  monitoring = await startMonitoring([`127.0.0.1:${api.port}`], sink);
  outDir = mkdtempSync(join(tmpdir(), 'tp-load-gate-'));
});

after(async () => {
  await monitoring?.stop();
  await api?.stop();
  await sink?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

async function gated(name: string, extra: string[]) {
  const out = join(outDir, name);
  const result = await runCli(
    'tools/load/cli.ts',
    ['--shape', 'steady', '--duration', '20s', '--users', '5', '--host', api.url, '--out', out, '--gate', ...extra],
    { PROMETHEUS_URL: monitoring.prometheus.url },
    150_000,
  );
  const [folder] = readdirSync(out);
  const runDir = join(out, folder!);
  const record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as { gate?: { passed: boolean; checks: Array<{ name: string; met: boolean; measured: string }> } };
  return { ...result, record, runDir };
}

test('a p99 over the gate fails it: exit 3, the missed threshold with its measured value in run.json and the report', { timeout: 180_000 }, async () => {
  const run = await gated('slow', []);
  assert.equal(run.code, 3, `${run.stdout.slice(-2000)}\n${run.stderr}`);
  assert.equal(run.record.gate?.passed, false);
  const p99 = run.record.gate!.checks.find((c) => c.name === 'p99 latency')!;
  assert.equal(p99.met, false);
  const ms = Number(/^(\d+) ms$/.exec(p99.measured)?.[1]);
  assert.ok(ms >= 300 && ms <= 2000, `measured p99 ${p99.measured} reflects the 300–400 ms latency`);
  assert.ok(run.record.gate!.checks.find((c) => c.name === 'no page')!.met, 'nothing paged');
  assert.match(run.stdout, /\[load\] gate MISSED p99 latency ≤ 250 ms: \d+ ms/);
  assert.match(readFileSync(join(run.runDir, 'report.md'), 'utf8'), /\*\*Gate: FAIL\*\* — p99 latency ≤ 250 ms: \d+ ms \(MISSED\)/);
});

test('the same run within generous thresholds passes the gate: exit 0', { timeout: 180_000 }, async () => {
  const run = await gated('generous', ['--gate-p99-ms', '3000', '--no-report']);
  assert.equal(run.code, 0, `${run.stdout.slice(-2000)}\n${run.stderr}`);
  assert.equal(run.record.gate?.passed, true, JSON.stringify(run.record.gate));
  assert.deepEqual(run.record.gate!.checks.map((c) => c.name), ['p99 latency', 'error ratio (5xx / requests)', '30-day error budget spent', 'no page']);
});

test('bad gate flags are one-line usage errors (exit 2)', async () => {
  for (const [args, message] of [
    [['--gate-p99-ms', '100'], /^--gate-p99-ms needs --gate$/],
    [['--gate', '--gate-error-ratio', '2'], /^--gate-error-ratio must be a share from 0 to 1, got "2"$/],
  ] as const) {
    const result = await runCli('tools/load/cli.ts', ['--shape', 'steady', '--host', api.url, ...args], {}, 30_000);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr.trim(), message);
  }
});
