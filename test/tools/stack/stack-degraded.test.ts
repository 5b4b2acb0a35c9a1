// The stack when something is wrong: a missing Prometheus binary is one install line and the rest
// still runs; a child that dies is reported with its last log lines and what still works; a taken
// port is one line naming it, before anything is spawned.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { installHint } from '../../../tools/stack/processes/binaries.js';
import { cleanEnv, freePortFlags, isAlive, runStackCli, waitAllGone, within, type StackCli } from './stack-cli.js';

const dirs: string[] = [];
const running: Array<{ stack: StackCli; pids: number[] }> = [];
const servers: Server[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tp-stack-'));
  dirs.push(dir);
  return dir;
}

after(async () => {
  for (const { stack, pids } of running) {
    if (stack.child.exitCode === null && stack.child.signalCode === null) {
      stack.interrupt();
      await within(stack.exited, 10_000);
    }
    stack.kill(pids);
  }
  for (const server of servers) server.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test('without Prometheus: one line says how to install it, the API and the rest run, and a dying API is reported', { timeout: 120_000 }, async () => {
  const { args } = await freePortFlags();
  const stack = runStackCli([...args, '--data-dir', tempDir()], cleanEnv({ PROMETHEUS_BIN: '/nonexistent/bin/prometheus' }));
  const entry = { stack, pids: [] as number[] };
  running.push(entry);
  const { rows } = await stack.table(90_000);
  entry.pids = Object.values(rows).flatMap((row) => (row.pid ? [row.pid] : []));

  const hint = installHint('prometheus');
  const hintLines = stack.output().split('\n').filter((line) => line.includes(hint));
  assert.equal(hintLines.length, 1, `exactly one line with the install hint "${hint}":\n${stack.output()}`);
  assert.match(hintLines[0]!, /PROMETHEUS_BIN=\/nonexistent\/bin\/prometheus/, 'the line names the override that failed');
  assert.match(rows.Prometheus!.status, /^NOT RUNNING: .*install/, 'the table says Prometheus is not running and why');

  const api = new URL(rows['API docs']!.url).origin;
  assert.equal((await fetch(`${api}/readyz`)).status, 200, 'the API runs');
  for (const label of ['API docs', 'Live dashboard', 'Alertmanager', 'Captured notifications']) {
    assert.ok(rows[label]!.pid, `${label} runs without Prometheus (${rows[label]!.status})`);
    assert.equal((await fetch(rows[label]!.url)).status, 200, `${label} answers`);
  }

  // A child dies: the stack names it, shows its last words and what still works, and keeps running.
  const apiPid = rows['API docs']!.pid!;
  process.kill(apiPid, 'SIGKILL');
  const report = await stack.waitFor(
    new RegExp(`API \\(pid ${apiPid}\\) stopped unexpectedly \\(signal SIGKILL\\)[^]*?still running: (.*); not running: (.*)\n`),
    10_000,
  );
  assert.match(report[1]!, /live dashboard/);
  assert.match(report[1]!, /Alertmanager/);
  assert.match(report[2]!, /API/);
  assert.match(report[2]!, /Prometheus/);
  assert.match(stack.output(), /last log lines/);
  assert.equal((await fetch(rows['Live dashboard']!.url)).status, 200, 'the dashboard still answers');

  stack.interrupt();
  const exit = await within(stack.exited, 20_000);
  assert.deepEqual(exit, { code: 0, signal: null }, stack.output().slice(-2000));
  assert.deepEqual(await waitAllGone([stack.child.pid!, ...entry.pids], 2_000), []);
});

test('a port already taken: one line naming the port and how to change it, nothing started', { timeout: 30_000 }, async () => {
  const { ports, args } = await freePortFlags();
  const blocker = createServer();
  servers.push(blocker);
  await new Promise<void>((resolve) => blocker.listen(ports['dashboard-port'], '127.0.0.1', resolve));

  const stack = runStackCli([...args, '--data-dir', tempDir()], cleanEnv());
  running.push({ stack, pids: [] });
  const exit = await within(stack.exited, 20_000);
  assert.ok(exit, 'the stack should give up at once');
  assert.equal(exit.code, 2);
  const errors = stack.output().split('\n').filter((line) => line.startsWith('ticketpulse:'));
  assert.equal(errors.length, 1, stack.output());
  assert.match(errors[0]!, new RegExp(`port ${ports['dashboard-port']} \\(live dashboard\\) is already in use.*--dashboard-port or DASHBOARD_PORT`));
  assert.doesNotMatch(stack.output(), /at .*\.ts:\d+/, 'no stack trace');
  // Nothing was spawned: the API's port is still free.
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(ports['api-port'], '127.0.0.1', resolve);
  });
  probe.close();
});

test('the same port for two parts, or a bad port value: one line naming them', { timeout: 30_000 }, async () => {
  const { ports, args } = await freePortFlags();
  const same = runStackCli([...args, '--sink-http-port', String(ports['api-port']), '--data-dir', tempDir()], cleanEnv());
  running.push({ stack: same, pids: [] });
  assert.equal((await same.exited).code, 2);
  assert.match(same.output(), new RegExp(`^ticketpulse: port ${ports['api-port']} is configured for both API and notification sink HTTP`, 'm'));

  const bad = runStackCli(['--data-dir', tempDir()], cleanEnv({ PROMETHEUS_PORT: 'ninety' }));
  running.push({ stack: bad, pids: [] });
  assert.equal((await bad.exited).code, 2);
  assert.equal(bad.output().trim(), 'ticketpulse: PROMETHEUS_PORT must be a port number from 1 to 65535 (got "ninety")');

  const chaos = runStackCli(['--chaos', 'meltdown'], cleanEnv());
  running.push({ stack: chaos, pids: [] });
  assert.equal((await chaos.exited).code, 2);
  assert.match(chaos.output(), /^ticketpulse: --chaos must be one of calm, flaky-payments, slow, outage, db-slow, .*, read-errors \(got "meltdown"\)$/m);

  const replicas = runStackCli(['--replicas', '2'], cleanEnv());
  running.push({ stack: replicas, pids: [] });
  assert.equal((await replicas.exited).code, 2);
  assert.match(replicas.output(), /^ticketpulse: --replicas 2 needs DATABASE_URL \(PostgreSQL\)/m);
});

test('a supervisor killed with SIGKILL: the Node parts stop themselves, the next start stops the leftover binaries', { timeout: 150_000 }, async () => {
  const { args } = await freePortFlags();
  const dataDir = tempDir();
  const first = runStackCli([...args, '--data-dir', dataDir], cleanEnv());
  const firstEntry = { stack: first, pids: [] as number[] };
  running.push(firstEntry);
  const { rows } = await first.table(90_000);
  firstEntry.pids = Object.values(rows).flatMap((row) => (row.pid ? [row.pid] : []));
  const nodePids = ['API docs', 'Live dashboard', 'Captured notifications'].map((label) => rows[label]!.pid!);
  const binaryPids = ['Prometheus', 'Alertmanager'].map((label) => rows[label]!.pid!);

  process.kill(first.child.pid!, 'SIGKILL');
  await first.exited;
  assert.deepEqual(await waitAllGone(nodePids, 10_000), [], 'the Node parts notice their supervisor is gone');
  assert.ok(binaryPids.every(isAlive), 'Prometheus and Alertmanager outlive a SIGKILLed supervisor');

  const second = runStackCli([...args, '--data-dir', dataDir], cleanEnv());
  const secondEntry = { stack: second, pids: [] as number[] };
  running.push(secondEntry);
  const match = await second.waitFor(/stopped what a previous, killed run left behind: (.*)\n/, 30_000);
  for (const pid of binaryPids) assert.match(match[1]!, new RegExp(`\\(pid ${pid}\\)`));
  const table = await second.table(90_000);
  secondEntry.pids = Object.values(table.rows).flatMap((row) => (row.pid ? [row.pid] : []));
  assert.equal(secondEntry.pids.length, 5, 'everything runs again on the same ports');
  assert.deepEqual(await waitAllGone(binaryPids, 1_000), []);

  second.interrupt();
  assert.deepEqual(await second.exited, { code: 0, signal: null });
  assert.deepEqual(await waitAllGone([second.child.pid!, ...secondEntry.pids], 2_000), []);
});
