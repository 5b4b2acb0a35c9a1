// The one child-process primitive, on real processes: its exit promise, its lines, stop()'s escalation
// from SIGTERM to SIGKILL, a process group's descendants, and a command that cannot start.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alive, startChild } from '../../../packages/shared/child-process.js';

const node = (script: string, options: Partial<Parameters<typeof startChild>[0]> = {}) =>
  startChild({ command: process.execPath, args: ['-e', script], ...options });

describe('child process', () => {
  it('settles `exited` with the exit code once every line is in, keeping the last ones', async () => {
    const lines: string[] = [];
    const child = node("for (let i = 1; i <= 5; i++) console.log('line ' + i); process.stderr.write('last, unterminated'); process.exit(3)", {
      linesKept: 3,
      onLine: (line) => lines.push(line),
    });
    assert.ok(child.pid > 0);
    assert.deepEqual(await child.exited, { code: 3, signal: null });
    assert.equal(child.running(), false);
    assert.equal(lines.length, 6);
    assert.deepEqual(lines.slice(0, 5), ['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
    assert.equal(child.recentLogs().length, 3);
    assert.ok(child.recentLogs().includes('last, unterminated'));
  });

  it('stops with SIGTERM, and with SIGKILL when SIGTERM is ignored', async () => {
    const polite = node('setInterval(() => {}, 1000)');
    assert.deepEqual(await polite.stop(5_000), { code: null, signal: 'SIGTERM' });

    const stubborn = node("process.on('SIGTERM', () => console.log('ignored')); console.log('ready'); setInterval(() => {}, 1000)", {
      onLine: () => undefined,
    });
    while (!stubborn.recentLogs().includes('ready')) await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    assert.deepEqual(await stubborn.stop(300), { code: null, signal: 'SIGKILL' });
    assert.ok(Date.now() - started < 3_000);
    assert.ok(stubborn.recentLogs().includes('ignored'));
  });

  it('stops the descendants of a process group too', async () => {
    const parent = node(
      "const { spawn } = require('node:child_process'); const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); console.log('grandchild ' + c.pid); setInterval(() => {}, 1000)",
      { group: true },
    );
    let grandchild = 0;
    while (!grandchild) {
      grandchild = Number(/grandchild (\d+)/.exec(parent.recentLogs().join('\n'))?.[1] ?? 0);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(alive(grandchild), true);
    await parent.stop(5_000);
    assert.equal(alive(grandchild), false, 'the grandchild went with its group');
  });

  it('reports a command that cannot start instead of throwing', async () => {
    const missing = startChild({ command: '/nonexistent/tp-no-such-binary' });
    assert.equal(missing.pid, -1);
    assert.deepEqual(await missing.exited, { code: null, signal: null });
    assert.equal((missing.startError() as NodeJS.ErrnoException | undefined)?.code, 'ENOENT');
    assert.match(missing.recentLogs()[0] ?? '', /^could not start: /);
    assert.deepEqual(await missing.stop(100), { code: null, signal: null });
  });
});
