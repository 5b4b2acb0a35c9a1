// Stopping and running twice, with real processes:
// - the signal gate tells copies of one Ctrl-C (npm's forward, tsx's relay, the terminal's own) from
//   a second, deliberate one;
// - `npm start` through npm, sent Ctrl-C as a terminal does (the whole group) plus a relayed copy
//   30 ms later, stops gracefully — never "killing every child now";
// - with that stack running, a second `npm start` and an `npm run demo` on the same data folder are
//   refused with one line saying what to do, and the running stack's stack.json is untouched;
// - a normal start prints no "still running:" line (it reads like the crash report).
// - `npm start -- --load steady` beside it runs Locust against that stack's API (tickets are bought there)
//   and leaves stack.json alone.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSignalGate } from '../../../tools/stack/signals.js';
import { startChild, type ExitInfo } from '../../../packages/shared/child-process.js';
import { cleanEnv, freePortFlags, isAlive, ROOT, runStackCli, waitAllGone, within } from './stack-cli.js';

const dirs: string[] = [];
const cleanups: Array<() => void> = [];
after(() => {
  for (const cleanup of cleanups) cleanup();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test('signal gate: copies within the window are echoes; a later signal kills', () => {
  let clock = 0;
  const calls: string[] = [];
  const gate = createSignalGate(
    { onStop: (signal) => calls.push(`stop ${signal}`), onKill: (signal) => calls.push(`kill ${signal}`) },
    { windowMs: 1_000, now: () => clock, listen: false },
  );
  assert.equal(gate.stopping, false);
  assert.equal(gate.receive('SIGINT'), 'stop');
  clock = 30;
  assert.equal(gate.receive('SIGINT'), 'echo', "tsx's relay 30 ms later");
  clock = 60;
  assert.equal(gate.receive('SIGTERM'), 'echo', "npm's forward");
  clock = 1_500;
  assert.equal(gate.receive('SIGINT'), 'kill', 'a deliberate second Ctrl-C');
  assert.deepEqual(calls, ['stop SIGINT', 'kill SIGINT']);
  assert.equal(gate.stopping, true);
});

interface Run {
  output(): string;
  exited: Promise<ExitInfo>;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Run & { pid: number } {
  let output = '';
  const { child, exited } = startChild({ command, args, cwd: ROOT, env, group: true, onLine: (line) => (output += `${line}\n`) });
  cleanups.push(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  });
  return { pid: child.pid!, output: () => output, exited };
}

async function waitForOutput(r: Run, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(r.output())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${r.output()}`);
    await sleep(100);
  }
}

test('npm start beside a running stack, npm run demo beside it, then one Ctrl-C through npm stops it gracefully', { timeout: 180_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tp-stack-twice-'));
  dirs.push(dataDir);
  const { args } = await freePortFlags();
  const env = cleanEnv();
  // The first stack, through npm as a user runs it.
  const first = run('npm', ['start', '--silent', '--', ...args, '--data-dir', dataDir], env);
  await waitForOutput(first, /Ctrl-C stops everything\.\n─+/, 90_000);
  assert.doesNotMatch(first.output(), /still running:/, 'a normal start has no "still running" line');
  const pids = [...first.output().matchAll(/ pid (\d+)$/gm)].map((match) => Number(match[1]));
  assert.equal(pids.length, 5, first.output());
  cleanups.push(() => pids.forEach((pid) => isAlive(pid) && process.kill(pid, 'SIGKILL')));
  const stateFile = join(dataDir, '.runtime', 'stack.json');
  const stateBefore = readFileSync(stateFile, 'utf8');
  const state = JSON.parse(stateBefore) as { supervisorPid: number; command: string; parts: Record<string, { url: string }> };
  assert.equal(state.command, 'npm start');
  const api = new URL(state.parts.api!.url).origin;

  // A second npm start, same folder, other free ports: refused, one line, nothing overwritten.
  const { args: otherPorts } = await freePortFlags();
  const second = runStackCli([...otherPorts, '--data-dir', dataDir], env);
  const secondExit = await within(second.exited, 30_000);
  assert.deepEqual(secondExit, { code: 2, signal: null }, second.output());
  const refusal = second.output().trim();
  assert.equal(refusal.split('\n').length, 1, `one line:\n${refusal}`);
  assert.match(refusal, new RegExp(`^ticketpulse: a stack is already running from ${dataDir} \\(\`npm start\`, pid ${state.supervisorPid}, API ${api}\\)`));
  assert.match(refusal, new RegExp(`npm run load -- --shape steady --host ${api}`), 'says how to add load to it');
  assert.equal(readFileSync(stateFile, 'utf8'), stateBefore, 'stack.json of the running stack is untouched');

  // The demo beside it: refused with the exact command that runs it on its own folder and ports.
  const demo = run(process.execPath, ['--import', 'tsx', 'tools/stack/demo.ts', '--data-dir', dataDir], env);
  const demoExit = await within(demo.exited, 30_000);
  assert.deepEqual(demoExit, { code: 2, signal: null }, demo.output());
  assert.match(demo.output(), /^ticketpulse demo: a stack is already running from .*npm run demo -- --data-dir data\/demo --api-port 18080/);
  assert.equal(readFileSync(stateFile, 'utf8'), stateBefore, 'the demo left stack.json alone too');
  assert.equal((await fetch(`${api}/readyz`)).status, 200, 'the running stack still serves');

  // The guided tour's second terminal: `npm start -- --load steady` adds Locust's load to that stack.
  const soldBefore = await ordersCreated(api);
  const load = runStackCli(['--load', 'steady', '--load-duration', '8s', '--load-users', '4', '--data-dir', dataDir], env);
  const loadExit = await within(load.exited, 120_000);
  const loadOutput = load.output();
  const runDir = /\[load\] run folder: (.+)$/m.exec(loadOutput)?.[1]?.trim();
  if (runDir) dirs.push(runDir);
  assert.deepEqual(loadExit, { code: 0, signal: null }, loadOutput.slice(-2000));
  assert.match(loadOutput, /a stack is already running from .*adding the "steady" load to it/);
  assert.match(loadOutput, new RegExp(`against ${api.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), 'Locust aimed at the running API');
  assert.ok(runDir, loadOutput.slice(-2000));
  const stats = readFileSync(join(runDir, 'locust_stats.csv'), 'utf8');
  const aggregated = stats.trim().split('\n').find((line) => line.includes(',Aggregated,'));
  assert.ok(aggregated && Number(aggregated.split(',')[2]) > 0, `Locust sent requests:\n${stats}`);
  assert.ok((await ordersCreated(api)) > soldBefore, 'the load bought tickets on the running stack');
  assert.equal(readFileSync(stateFile, 'utf8'), stateBefore, 'adding load left stack.json alone');

  // One Ctrl-C as a terminal sends it (the whole group: npm forwards it too), plus a relayed copy.
  process.kill(-first.pid, 'SIGINT');
  await sleep(30);
  process.kill(state.supervisorPid, 'SIGINT');
  await within(first.exited, 30_000);
  const output = first.output();
  assert.equal(output.match(/stopping every part/g)?.length, 1, output.slice(-2000));
  assert.doesNotMatch(output, /again: killing/, 'one Ctrl-C never kills');
  assert.match(output, /stopped in \d+\.\d s/);
  assert.deepEqual(await waitAllGone([state.supervisorPid, ...pids], 5_000), []);
});

/** Confirmed orders the API has counted since it started (its own /metrics, as Prometheus reads it). */
async function ordersCreated(api: string): Promise<number> {
  const text = await (await fetch(`${api}/metrics`)).text();
  const line = text.split('\n').find((row) => row.startsWith('ticket_orders_total{outcome="confirmed"}'));
  return line ? Number(line.split(' ')[1]) : 0;
}
