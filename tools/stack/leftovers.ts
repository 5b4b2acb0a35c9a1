// Cleans up after a previous run whose supervisor was killed outright (kill -9, a crash): the Node
// parts stop themselves (orphan-guard.ts), but Prometheus, Alertmanager and the exporters would keep
// running and hold their ports. The previous run's <runtime>/stack.json lists their pids; a pid is only
// signalled if its command line still names this runtime folder, so a reused pid is never touched.
import { setTimeout as sleep } from 'node:timers/promises';
import { commandLine, readStateFile, supervisorAlive } from './state-file.js';
import { alive } from './supervised-process.js';

/**
 * True when the command line is that run's: it names the runtime folder (Prometheus, Alertmanager)
 * or listens on the address the run recorded for it (the exporters keep no files).
 */
function ours(command: string, runtimeDir: string, url: string | undefined): boolean {
  if (command.includes(runtimeDir)) return true;
  if (!url) return false;
  return command.includes(`--web.listen-address=${new URL(url).host}`);
}

/** Stops what a dead supervisor left behind in `runtimeDir`; returns "name (pid N)" for each. */
export async function stopLeftovers(runtimeDir: string): Promise<string[]> {
  const state = readStateFile(runtimeDir);
  if (!state?.supervisorPid || supervisorAlive(state)) return [];
  const stopped: Array<{ name: string; pid: number }> = [];
  for (const [name, part] of Object.entries(state.parts ?? {})) {
    const pid = part.pid;
    if (!pid || pid === process.pid || !alive(pid) || !ours(commandLine(pid), runtimeDir, part.url)) continue;
    process.kill(pid, 'SIGTERM');
    stopped.push({ name, pid });
  }
  const deadline = Date.now() + 5_000;
  while (stopped.some(({ pid }) => alive(pid)) && Date.now() < deadline) await sleep(100);
  for (const { pid } of stopped) if (alive(pid)) process.kill(pid, 'SIGKILL');
  return stopped.map(({ name, pid }) => `${name} (pid ${pid})`);
}
