// The orphan guard (tools/stack/orphan-guard.ts) on real processes: a stack child whose supervisor
// is SIGKILLed stops itself, also when the supervisor dies between the spawn and the child's
// preload (the child then starts out already re-parented: a replica restarted in a crash loop at
// the moment its runner is killed).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { alive } from '../../../tools/stack/supervised-process.js';

test('a child whose supervisor is killed right after the spawn stops itself', { timeout: 30_000 }, async () => {
  const supervisor = spawn(process.execPath, ['--import', 'tsx', 'test/tools/stack/fixtures/spawn-then-die.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  supervisor.stdout.on('data', (chunk: Buffer) => (out += chunk));
  const { signal } = await new Promise<{ signal: NodeJS.Signals | null }>((done) => supervisor.on('exit', (_code, sig) => done({ signal: sig })));
  assert.equal(signal, 'SIGKILL', 'the supervisor died by SIGKILL');
  const pid = Number(out.trim());
  assert.ok(Number.isInteger(pid) && pid > 0, `the child's pid: ${out}`);
  try {
    // Its preload runs after the supervisor is gone; within a couple of seconds it must notice.
    const deadline = Date.now() + 15_000;
    while (alive(pid) && Date.now() < deadline) await sleep(200);
    assert.equal(alive(pid), false, `child ${pid} still runs as an orphan`);
  } finally {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
});
