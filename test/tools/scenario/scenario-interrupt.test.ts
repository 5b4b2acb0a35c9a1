// The unlucky path of `npm run scenario -- --api-url …`: a second Ctrl-C quits at once, and must not
// leave the staged fault on the API it was given (someone's real stack). Real API (PostgreSQL), real
// Prometheus (no rules, so the runner's start-up wait is over at once), the real runner process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startPrometheus, type PrometheusProcess } from '../../../tools/stack/processes/prometheus-process.js';
import { startApi, type RunningApi } from '../../support/api-process.js';
import { POSTGRES_ADMIN_URL } from '../../support/postgres.js';
import pg from 'pg';

const dir = mkdtempSync(join(tmpdir(), 'scenario-interrupt-'));
let api: RunningApi | undefined;
let prometheus: PrometheusProcess | undefined;
after(async () => {
  await prometheus?.stop();
  await api?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function chaosOf(running: RunningApi): Promise<{ failureRate: number; database: { outage: boolean; slowMs: number } }> {
  const response = await fetch(`${running.url}/api/admin/chaos`, { headers: { authorization: `Bearer ${running.adminToken}` } });
  return (await response.json()) as { failureRate: number; database: { outage: boolean; slowMs: number } };
}

test('a second Ctrl-C quits at once (exit 130) and still heals the fault it staged on the given API', { timeout: 120_000 }, async () => {
  api = await startApi();
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, 'global:\n  scrape_interval: 5s\n');
  prometheus = await startPrometheus({ configFile: config });

  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'tools/scenario/cli.ts', 'test/tools/scenario/fixtures/ci-interrupted.yaml', '--api-url', api.url, '--prometheus-url', prometheus.url, '--runs', dir],
    { env: { ...process.env, ADMIN_TOKEN: api.adminToken }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  // Wait until the fault is really in force on the API.
  const deadline = Date.now() + 60_000;
  while (!(await chaosOf(api)).database.outage) {
    assert.ok(Date.now() < deadline, `the fault was never staged:\n${output}`);
    assert.equal(child.exitCode, null, `the runner quit early:\n${output}`);
    await sleep(250);
  }
  child.kill('SIGINT');
  await sleep(300);
  child.kill('SIGINT');
  const code = await exited;

  assert.equal(code, 130, output);
  assert.match(output, /Ctrl-C again to quit at once/);
  assert.match(output, /quitting: every fault healed/);
  const after = await chaosOf(api);
  assert.equal(after.database.outage, false, 'the database outage is not left staged');
  assert.equal(after.failureRate, 0, 'healed to no fault at all');
});

/** Processes whose command line or environment names `text` (the API replicas get DATABASE_URL in theirs). */
function processesMentioning(text: string): string[] {
  return readdirSync('/proc').filter((pid) => /^\d+$/.test(pid)).flatMap((pid) => {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return `${cmdline}\0${readFileSync(`/proc/${pid}/environ`, 'utf8')}`.includes(text) ? [`${pid}: ${cmdline.replace(/\0/g, ' ').slice(0, 200)}`] : [];
    } catch {
      return []; // gone meanwhile
    }
  });
}

async function scratchDatabases(): Promise<string[]> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    return (await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'ticketpulse_scenario_%'")).rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
}

test('a second Ctrl-C while the local stack is still starting kills what started and drops its database', { timeout: 120_000 }, async () => {
  const before = new Set(await scratchDatabases());
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'tools/scenario/cli.ts', 'test/tools/scenario/fixtures/ci-interrupted.yaml', '--postgres', POSTGRES_ADMIN_URL, '--runs', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // The run's database exists before any part of the stack runs: Ctrl-C as soon as it is there.
  let ours: string[] = [];
  const deadline = Date.now() + 60_000;
  while (ours.length === 0) {
    assert.ok(Date.now() < deadline, `the run's database never appeared:\n${output}`);
    assert.equal(child.exitCode, null, `the runner quit early:\n${output}`);
    ours = (await scratchDatabases()).filter((name) => !before.has(name));
    await sleep(50);
  }
  await sleep(500);
  assert.doesNotMatch(output, /run folder /, 'the stack was still starting');
  child.kill('SIGINT');
  await sleep(200);
  child.kill('SIGINT');
  const code = await exited;
  assert.equal(code, 130, output);
  assert.doesNotMatch(output, /the stack did not start/, 'the cut-short start is not reported as a failure of its own');
  const left = await scratchDatabases();
  assert.deepEqual(ours.filter((name) => left.includes(name)), [], 'the run\'s database is dropped');
  // Node parts stop themselves within ~1 s of losing their parent; the binaries were killed outright.
  await sleep(3_000);
  assert.deepEqual(processesMentioning(ours[0]!), [], 'no process of the stack is left');
});
