// `npm run scenario` end to end on the real stack it starts (API on PGlite, Prometheus with the
// shipped rules, Alertmanager, the sink): a staged payment outage pages on email and Discord, heals
// and resolves, and the run exits 0 with a verdict and a report; a file built to miss an expectation
// exits 1 and its verdict names the missed one. Also #12's "fault staged → alert → notification in
// the sink → heal → resolved" through the chaos API.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Verdict } from '../../../tools/scenario/verdict.js';

const runs = mkdtempSync(join(tmpdir(), 'scenario-e2e-'));
after(() => rmSync(runs, { recursive: true, force: true }));

function play(files: string | string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tools/scenario/cli.ts', ...[files].flat(), '--runs', runs], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

/** The last lines of each stack log of the runs so far: a stack that did not start says why there, and the folder is gone after the test. */
function stackLogTails(): string {
  return readdirSync(runs)
    .filter((entry) => entry.startsWith('stack-') && entry.endsWith('.log'))
    .map((entry) => `--- ${entry} (last 40 lines)\n${readFileSync(join(runs, entry), 'utf8').trimEnd().split('\n').slice(-40).join('\n')}`)
    .join('\n');
}

function verdictOf(name: string): Verdict & { record: { notifications: Array<{ channel: string; status: string; alerts: string[] }> } } {
  const dir = readdirSync(runs).find((entry) => entry.endsWith(`-${name}`));
  assert.ok(dir, `a run folder for ${name} in ${readdirSync(runs).join(', ')}`);
  return JSON.parse(readFileSync(join(runs, dir, 'verdict.json'), 'utf8'));
}

test('a staged payment outage pages on email and Discord, resolves after the heal, and the run passes (exit 0)', { timeout: 330_000 }, async () => {
  const { code, output } = await play('test/tools/scenario/fixtures/ci-payment-outage.yaml', 300_000);
  assert.equal(code, 0, `${output}\n${code === 0 ? '' : stackLogTails()}`);
  const verdict = verdictOf('ci-payment-outage');
  assert.equal(verdict.passed, true);
  const kinds = verdict.expectations.map((e) => `${e.kind}:${e.met}`);
  for (const kind of ['fire', 'page', 'resolve', 'resolved-notice', 'silent', 'no-other-pages', 'invariant', 'gate']) assert.ok(kinds.includes(`${kind}:true`), `${kind} met: ${kinds.join(' ')}`);
  const page = verdict.expectations.find((e) => e.kind === 'page')!;
  assert.ok(page.seconds! > 0 && page.seconds! <= 90, `paged after ${page.seconds} s`);
  const channels = (status: string) => new Set(verdict.record.notifications.filter((n) => n.status === status && n.alerts.includes('PurchaseFailureRateHigh')).map((n) => n.channel));
  assert.deepEqual([...channels('firing')].sort(), ['discord', 'email']);
  assert.deepEqual([...channels('resolved')].sort(), ['discord', 'email']);
  // In this fresh stack a minute of 50 % failures also burns at the fast-burn rate: when
  // AvailabilitySLOFastBurn fires, Alertmanager holds it back and the gate must say so, not fail.
  const noPage = verdict.expectations.find((e) => e.kind === 'gate' && e.what.startsWith('no page'))!;
  assert.equal(noPage.met, true, noPage.measured);
  const burnHeard = verdict.record.notifications.some((n) => n.status === 'firing' && n.alerts.includes('AvailabilitySLOFastBurn'));
  assert.equal(burnHeard, false, 'the burn of this outage is not notified a second time');
  const burn = verdict.alerts.find((a) => a.alert === 'AvailabilitySLOFastBurn');
  if (burn?.firstFiringS !== undefined) assert.match(noPage.measured, /^none \(fired but held back, never notified: AvailabilitySLOFastBurn\)$/);
  const stored = verdict.expectations.find((e) => e.what === 'every 201 is a stored order')!;
  assert.match(stored.measured, /^\d+ of \d+ orders read back, all stored$/);
  const dir = readdirSync(runs).find((entry) => entry.endsWith('-ci-payment-outage'))!;
  const html = readFileSync(join(runs, dir, 'report.html'), 'utf8');
  assert.match(html, /<h1>Scenario ci-payment-outage <span>PASS<\/span><\/h1>/);
  assert.match(html, /PurchaseFailureRateHigh/);
  assert.ok((html.match(/<path d="M/g) ?? []).length === 3, 'traffic, error ratio and latency are drawn from Prometheus');
  assert.match(output, /step 1\/2 provider-failing/, 'progress names the current step');
  assert.match(output, /\(\d+s left\) · step \d\/2 · alerts: /, 'progress shows the time left and the alerts so far');
});

test('a scenario built to miss exits 1, its verdict names the missed expectation, and the summary of the two runs says which failed', { timeout: 260_000 }, async () => {
  const { code, output } = await play(['test/tools/scenario/fixtures/ci-calm.yaml', 'test/tools/scenario/fixtures/ci-missed.yaml'], 240_000);
  assert.equal(code, 1, output);
  assert.match(output, /1 of 2 failed: ci-missed/);
  const summaryFile = readdirSync(runs).find((entry) => entry.endsWith('-catalogue.md'));
  assert.ok(summaryFile, `a summary page in ${readdirSync(runs).join(', ')}`);
  const summary = readFileSync(join(runs, summaryFile), 'utf8');
  assert.match(summary, /^# Scenario catalogue: 1 of 2 passed\n/);
  assert.match(summary, /\| ci-calm \| passed \| none \| none \| \[report\]\(\d{8}-\d{6}-ci-calm\/report\.html\)/);
  assert.match(summary, /\| ci-missed \| \*\*failed\*\* \|/);
  assert.match(summary, /- ✗ ApiDown fires within 15 s of nothing: never \(limit 15 s\)/);
  assert.match(summary, /- ✓ no page at all/);
  const verdict = verdictOf('ci-missed');
  assert.equal(verdict.passed, false);
  const missed = verdict.expectations.filter((e) => !e.met).map((e) => e.what);
  assert.deepEqual(missed, ['ApiDown fires within 15 s of nothing', 'ApiDown notified on email within 15 s of nothing']);
  assert.ok(verdict.expectations.find((e) => e.kind === 'no-other-pages')!.met, 'the silence expectation was met');
  assert.match(output, /MISSED ApiDown fires within 15 s of nothing: never/);
});

test('bad input exits 2 with one line: an unknown scenario, a bad file, a bad flag', async () => {
  const badFile = join(runs, 'bad.yaml');
  writeFileSync(badFile, 'description: x\nload: { kind: steady }\nduration: 1m\ntimeline: [{ at: soon, heal: all }]\nexpect: {}\n');
  for (const [args, message] of [
    [[badFile], /^scenario: .*bad\.yaml: timeline\[0\]\.at: must be a duration like 30s, 2m or 1m30s \(got "soon"\)$/],
    [['no-such-scenario'], /^scenario: no scenario "no-such-scenario" in scenarios \(there are: .*payment-failures/],
    [['--api-url', 'http://127.0.0.1:1', 'payment-failures'], /^scenario: against given parts, --api-url and --prometheus-url are both needed$/],
    [['--bogus'], /^scenario: Unknown option '--bogus'/],
    [['--replicas', '2', 'payment-failures'], /^scenario: --replicas above 1 needs --postgres: an embedded PGlite database belongs to one process$/],
    [['--replicas', 'two', 'payment-failures'], /^scenario: --replicas must be a whole number from 1 to 8 \(got "two"\)$/],
    [['--postgres', 'mysql://127.0.0.1/x', 'payment-failures'], /^scenario: --postgres must be a URL like postgres:\/\/postgres@127\.0\.0\.1:5432\/postgres \(got "mysql:\/\/127\.0\.0\.1\/x"\)$/],
    [['--postgres', 'postgres://127.0.0.1:1/postgres', 'payment-failures'], /^scenario: the stack did not start: PostgreSQL at postgres:\/\/127\.0\.0\.1:1\/postgres did not answer: connect ECONNREFUSED/],
    [['--api-url', 'http://127.0.0.1:1', '--prometheus-url', 'http://127.0.0.1:2', '--postgres', 'postgres://127.0.0.1/postgres', 'payment-failures'], /^scenario: --postgres and --replicas shape the stack this runner starts; against given parts they do not apply$/],
    [['--api-url', 'http://127.0.0.1:1', '--prometheus-url', 'http://127.0.0.1:2', 'api-down'], /^scenario: api-down takes the API down \(api: down\), which only the stack this runner starts can do; run without --api-url$/],
  ] as const) {
    // With a token, so that the given-parts cases get past that check to theirs.
    const child = spawn(process.execPath, ['--import', 'tsx', 'tools/scenario/cli.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ADMIN_TOKEN: 'scenario-test-token' } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    const code = await new Promise((done) => child.on('exit', done));
    assert.equal(code, 2, stderr);
    assert.match(stderr.trimEnd(), message);
    assert.equal(stderr.trimEnd().split('\n').length, 1, `one line: ${stderr}`);
    assert.ok(!/\n\s+at /.test(stderr), 'no stack trace');
  }
});

test('in a run of several scenarios, one whose stack does not start is failed and named, and the next one is still tried', async () => {
  const out = mkdtempSync(join(runs, 'not-started-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/scenario/cli.ts', 'payment-failures', 'latency', '--postgres', 'postgres://127.0.0.1:1/postgres', '--runs', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const code = await new Promise((done) => child.on('exit', done));
  assert.equal(code, 1, output);
  for (const name of ['payment-failures', 'latency']) {
    assert.match(output, new RegExp(`${name}: the stack did not start: PostgreSQL at postgres://127\\.0\\.0\\.1:1/postgres did not answer: connect ECONNREFUSED.*; going on with the next scenario`));
  }
  assert.match(output, /2 of 2 failed: payment-failures, latency/);
  const summaryFile = readdirSync(out).find((entry) => entry.endsWith('-catalogue.md'))!;
  const summary = readFileSync(join(out, summaryFile), 'utf8');
  assert.match(summary, /^# Scenario catalogue: 0 of 2 passed\n/);
  assert.match(summary, /\| latency \| \*\*did not start\*\* \| – \| – \| the stack did not start: PostgreSQL at .*ECONNREFUSED/);
});
