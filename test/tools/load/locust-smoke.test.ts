// A short headless run of every named shape against the real API with Debian's locust, through
// `npm run load`'s CLI: requests are made, outcomes are classified per the contract (with chaos
// failure rate 1 every purchase fails, with 0 none does; sold-out is not a failure) and the run
// folder holds Locust's files and run.json.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { startApi, type RunningApi } from '../../support/api-process.js';
import { freePort } from '../../support/ports.js';
import { LOCUSTFILE } from '../../../tools/load/run-load.js';
import { kneeFromJudgement, readRampJudgement } from '../../../tools/report/ramp-stairs.js';
import { csvRows, runCli } from './cli-process.js';

const SMOKE_DURATION = '15s';
const ORDERS = '/api/concerts/:id/orders';

let api: RunningApi;
let outDir: string;

before(async () => {
  api = await startApi({ env: { LOG_LEVEL: 'warn' }, chaos: { failureRate: 0, latencyMs: { min: 0, max: 5 } } });
  outDir = mkdtempSync(join(tmpdir(), 'tp-load-smoke-'));
});

after(async () => {
  await api?.stop();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

interface SmokeRun {
  runDir: string;
  stats: Array<Record<string, string>>;
  failures: Array<Record<string, string>>;
  history: Array<Record<string, string>>;
  log: string;
}

let runs = 0;

async function smoke(shape: string, users: number, extra: string[] = []): Promise<SmokeRun> {
  const out = join(outDir, String(++runs)); // one --out per run: the folder then holds exactly this run
  const result = await runCli(
    'tools/load/cli.ts',
    ['--shape', shape, '--duration', SMOKE_DURATION, '--users', String(users), '--host', api.url, '--out', out, '--no-report', ...extra],
    {},
    120_000,
  );
  assert.equal(result.code, 0, `npm run load failed:\n${result.stdout.slice(-3000)}\n${result.stderr}`);
  const [folder] = readdirSync(out);
  assert.match(folder, new RegExp(`^\\d{8}-\\d{6}-${shape}$`), 'run folder is runs/<timestamp>-<shape>');
  const runDir = join(out, folder);
  for (const file of ['run.json', 'locust_stats.csv', 'locust_stats_history.csv', 'locust_failures.csv', 'locust.html', 'locust.log']) {
    assert.ok(existsSync(join(runDir, file)), `${file} is in the run folder`);
  }
  const read = (file: string) => readFileSync(join(runDir, file), 'utf8');
  return {
    runDir,
    stats: csvRows(read('locust_stats.csv')),
    failures: csvRows(read('locust_failures.csv')),
    history: csvRows(read('locust_stats_history.csv')),
    log: read('locust.log'),
  };
}

const row = (run: SmokeRun, name: string) => run.stats.find((r) => r.Name === name);
const count = (r: Record<string, string> | undefined, column: string) => Number(r?.[column] ?? 0);
const peakUsers = (run: SmokeRun) => Math.max(...run.history.map((r) => Number(r['User Count'])));

describe('npm run load, each shape for 15 s against the real API', () => {
  test('steady with chaos failure rate 1: every purchase is a payment failure, nothing else fails', async () => {
    await api.setChaos({ failureRate: 1, latencyMs: { min: 0, max: 5 } });
    const run = await smoke('steady', 20);
    await api.setChaos({ failureRate: 0, latencyMs: { min: 0, max: 5 } });

    const total = row(run, 'Aggregated');
    assert.ok(count(total, 'Request Count') > 50, 'requests were made');
    const orders = row(run, ORDERS);
    assert.ok(count(orders, 'Request Count') > 0, 'purchases were attempted');
    assert.equal(count(orders, 'Failure Count'), count(orders, 'Request Count'), 'every purchase failed');
    assert.equal(count(total, 'Failure Count'), count(orders, 'Failure Count'), 'only purchases failed');
    assert.deepEqual(
      [...new Set(run.failures.map((f) => `${f.Method} ${f.Name} ${f.Error}`))],
      [`POST ${ORDERS} CatchResponseError('payment-failed')`],
      'the failures are named payment-failed',
    );
    const record = JSON.parse(readFileSync(join(run.runDir, 'run.json'), 'utf8'));
    assert.equal(record.shape, 'steady');
    assert.equal(record.host, api.url);
    assert.ok(Date.parse(record.endedAt) - Date.parse(record.startedAt) >= 14_000, 'start and end times span the run');
    assert.equal(peakUsers(run), 20);
  });

  test('spike with chaos 0: the hot concert sells out, and sold-out answers are not failures', async () => {
    const run = await smoke('spike', 40, ['--hot-capacity', '12']);
    const hotId = /hot concert (\S+) on sale: 12 tickets/.exec(run.log)?.[1];
    assert.ok(hotId, 'the locustfile created the hot concert');
    const record = JSON.parse(readFileSync(join(run.runDir, 'run.json'), 'utf8'));
    assert.deepEqual(record.hotConcertIds, [hotId], 'run.json names the hot concert for the report');
    const hot = (await (await fetch(`${api.url}/api/concerts/${hotId}`)).json()) as { ticketsSold: number; capacity: number };
    assert.equal(hot.ticketsSold, hot.capacity, 'the hot concert sold out');
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    const soldOut = Number(/ticket_orders_total\{outcome="sold_out"\} (\d+)/.exec(metrics)?.[1] ?? 0);
    assert.ok(soldOut > 0, 'the API answered sold-out');
    assert.ok(count(row(run, ORDERS), 'Request Count') > 0);
    assert.equal(count(row(run, 'Aggregated'), 'Failure Count'), 0, 'no failures: 409 sold-out is a success');
    assert.equal(peakUsers(run), 40);
  });

  test('ramp with chaos 0: stairs of users, no purchase fails', async () => {
    // Only the stairs are checked here: on a busy shared machine a 2.5 s stair may miss the p99
    // objective and stop the ramp (the test below is about that stop).
    const run = await smoke('ramp', 24, ['--', '--ramp-stop-at-knee', 'false']);
    assert.ok(count(row(run, 'Aggregated'), 'Request Count') > 20, 'requests were made');
    assert.equal(count(row(run, ORDERS), 'Failure Count'), 0);
    const levels = new Set(run.history.map((r) => Number(r['User Count'])).filter((u) => u > 0));
    assert.ok(levels.size >= 2, `several stairs of users, saw ${[...levels].join(', ')}`);
    assert.ok(peakUsers(run) <= 24);
  });

  test('ramp past the knee: when a stair breaks the p99 objective, the ramp stops early, and the report names the same stair', async () => {
    // Every answer takes 400-450 ms: the first stair already breaks the 250 ms objective.
    await api.setChaos({ failureRate: 0, latencyMs: { min: 400, max: 450 } });
    const run = await smoke('ramp', 12);
    await api.setChaos({ failureRate: 0, latencyMs: { min: 0, max: 5 } });
    const stopped = run.log.match(/ramp stopped: stair (\d+) \((\d+) users\) broke an objective/);
    assert.ok(stopped, run.log.slice(-2000));
    const times = run.history.map((r) => Number(r.Timestamp));
    assert.ok(Math.max(...times) - Math.min(...times) < 12, 'stopped well before the 15 s the shape would take');
    assert.ok(peakUsers(run) < 12, 'never reached the peak');
    // The one stop criterion: the report reads the shape's judgement instead of judging again.
    const judgement = readRampJudgement(run.runDir);
    assert.ok(judgement, 'the ramp recorded its judgement of each stair');
    assert.equal(judgement.stoppedAfterStair, Number(stopped[1]));
    const knee = kneeFromJudgement(judgement, () => 0);
    assert.equal(knee.broken?.users, Number(stopped[2]), "the report's broken stair is the one the ramp stopped at");
    assert.ok(knee.broken!.p99Ms! > 250, `the stair broke the p99 objective (${knee.broken!.p99Ms} ms)`);
  });

  test('soak with chaos 0: holds its users, no purchase fails', async () => {
    const run = await smoke('soak', 15);
    assert.ok(count(row(run, 'Aggregated'), 'Request Count') > 20, 'requests were made');
    assert.equal(count(row(run, ORDERS), 'Failure Count'), 0);
    assert.equal(peakUsers(run), 15);
  });
});

describe('npm run load distributed: a master and a worker', () => {
  test('the worker connects (Debian 2.12 included), seeds its data and runs the users; the master writes the run folder', async () => {
    const masterPort = await freePort();
    const worker = spawn('locust', ['-f', LOCUSTFILE, '--worker', '--master-host', '127.0.0.1', '--master-port', String(masterPort)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let workerLog = '';
    worker.stdout.on('data', (chunk) => (workerLog += chunk));
    worker.stderr.on('data', (chunk) => (workerLog += chunk));
    try {
      const run = await smoke('steady', 10, ['--', '--master', '--expect-workers', '1', '--expect-workers-max-wait', '30', '--master-bind-port', String(masterPort)]);
      assert.ok(count(row(run, 'Aggregated'), 'Request Count') > 20, 'requests were made by the worker');
      assert.equal(count(row(run, 'Aggregated'), 'Failure Count'), 0);
      assert.match(workerLog, /created 20 concerts/, 'the worker seeded its own data');
      assert.doesNotMatch(run.log, /pre 2\.0/, 'the master accepted the worker');
    } finally {
      worker.kill('SIGKILL');
    }
  });
});

describe('npm run load, bad input', () => {
  test('without locust: one line saying how to install it, non-zero exit, no stack trace', async () => {
    // The CLI runs under process.execPath; its PATH, where locust is looked up, is an empty folder.
    const emptyPath = mkdtempSync(join(tmpdir(), 'tp-no-locust-'));
    const result = await runCli('tools/load/cli.ts', ['--shape', 'steady', '--host', api.url, '--out', outDir], {
      PATH: emptyPath,
      LOCUST_BIN: '',
    }, 30_000);
    rmSync(emptyPath, { recursive: true, force: true });
    assert.notEqual(result.code, 0);
    assert.equal(result.stderr.trim().split('\n').length, 1, `one line, got:\n${result.stderr}`);
    assert.match(result.stderr, /apt-get install python3-locust/);
    assert.match(result.stderr, /pip install locust/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });

  test('an API that does not answer: one line saying so, exit 2, and no run folder', async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`;
    const out = join(outDir, 'refused');
    const result = await runCli('tools/load/cli.ts', ['--shape', 'steady', '--duration', '10s', '--host', nobody, '--out', out, '--no-report'], {}, 60_000);
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stderr.trim().split('\n').length, 1, `one line, got:\n${result.stderr}`);
    assert.match(result.stderr, new RegExp(`^no API answers at ${nobody} \\(.*ECONNREFUSED.*\\): start it`));
    assert.equal(result.stdout, '', 'nothing else is printed');
    assert.ok(!existsSync(out), 'no (empty) run folder is left behind');
  });

  test('plain Locust usage works: -u/-r/-t without a shape (no "makes no sense to combine --run-time and LoadShapes")', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const csv = join(outDir, 'plain');
    const { stdout, stderr } = await promisify(execFile)(
      'locust',
      ['-f', LOCUSTFILE, '--headless', '-u', '4', '-r', '4', '-t', '6s', '--host', api.url, '--csv', csv],
      { timeout: 60_000 },
    );
    assert.doesNotMatch(stdout + stderr, /makes no sense/);
    const total = csvRows(readFileSync(`${csv}_stats.csv`, 'utf8')).find((r) => r.Name === 'Aggregated');
    assert.ok(Number(total?.['Request Count']) > 5, `Locust made requests with its own -u/-r/-t:\n${stderr.slice(-1500)}`);
  });

  test('an unknown shape: one line naming the choices', async () => {
    const result = await runCli('tools/load/cli.ts', ['--shape', 'tsunami']);
    assert.equal(result.code, 2);
    assert.equal(result.stderr.trim(), '--shape must be one of steady, ramp, spike, soak, got "tsunami"');
  });
});
