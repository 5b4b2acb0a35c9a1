// Ctrl-C of `npm run scorecard`, the real command on the real local stack: the first drops the trial in
// progress (a cut-short trial is not a measurement) and stops the stack, balancer and replicas. (The
// second Ctrl-C's database drop is tested through the runner in local-stack-postgres.test.ts.)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

const dir = mkdtempSync(join(tmpdir(), 'scorecard-interrupt-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Starts the scorecard on one short scenario and resolves once its trial is under way. */
async function startScorecard(name: string, extra: string[]) {
  const runs = join(dir, name);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'tools/scenario/scorecard.ts', '--only', 'noisy-calm', '--calm-soak', '0', '--trials', '2', '--out', join(runs, 'card'), '--runs', runs, ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 90_000;
  while (!/run folder /.test(output)) {
    assert.ok(Date.now() < deadline, `the trial never started:\n${output}`);
    assert.equal(child.exitCode, null, `the scorecard quit early:\n${output}`);
    await sleep(250);
  }
  const stackLog = readFileSync(join(runs, 'stack-noisy-calm.log'), 'utf8');
  const apiUrl = /API (http:\/\/127\.0\.0\.1:\d+)/.exec(stackLog)?.[1];
  assert.ok(apiUrl, 'the stack log names the API');
  // The balancer and, behind it, each replica: every one of them must be gone after the Ctrl-C.
  const ports = /API replicas? on ports ([\d, ]+), balanced/.exec(stackLog)?.[1]?.split(', ').map(Number) ?? [];
  assert.ok(ports.length >= 1, `the stack log names the replicas: ${stackLog}`);
  const urls = [apiUrl, ...ports.map((port) => `http://127.0.0.1:${port}`)];
  return { child, exited, urls, out: join(runs, 'card'), output: () => output };
}

const answers = (url: string) => fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(() => true, () => false);
/** The ones of `urls` that still answer, a few seconds after the exit (a killed part's children stop themselves within ~1 s). */
async function stillAnswering(urls: string[]): Promise<string[]> {
  await sleep(3_000);
  const answering = await Promise.all(urls.map(answers));
  return urls.filter((_, i) => answering[i]);
}

test('one Ctrl-C drops the trial in progress, writes no figure from it, stops the stack and exits 130', { timeout: 180_000 }, async () => {
  const run = await startScorecard('once', []);
  assert.ok((await Promise.all(run.urls.map(answers))).every(Boolean), 'the API of the trial answers before the Ctrl-C');
  run.child.kill('SIGINT');
  const code = await run.exited;
  const output = run.output();
  assert.equal(code, 130, output);
  assert.match(output, /Ctrl-C again to quit at once/);
  assert.match(output, /interrupted: .* keep the trials that finished/);
  assert.doesNotMatch(output, /trial 2\/2/, 'no trial starts after the Ctrl-C');
  assert.equal(existsSync(`${run.out}.json`), false, 'the cut-short trial is not written as a measurement');
  assert.deepEqual(await stillAnswering(run.urls), [], 'the stack is stopped, balancer and replicas');
});
