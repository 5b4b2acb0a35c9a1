// A child of the stack, whatever started it: a Node part spawned here (in its own process group,
// so stopping it also stops what it spawned, e.g. load → locust), or a monitoring binary started by
// the shared starters in tools/stack/processes (one process, no descendants). The supervisor only needs
// the same few things from each: its pid, whether and how it ended, its last log lines, and stop().
// Both come from the one child-process primitive (packages/shared/child-process.ts), so both have a real
// exit promise.
import { startChild, type ExitInfo } from '../../packages/shared/child-process.js';
import type { Source } from './log-stream.js';
import { SUPERVISOR_PID_ENV } from './supervisor-env.js';

export { alive, type ExitInfo } from '../../packages/shared/child-process.js';

export interface SupervisedChild {
  name: Source;
  pid: number;
  /** Resolves once the process has exited (never rejects). */
  exited: Promise<ExitInfo>;
  running(): boolean;
  /** The last lines it wrote, for the report when it dies. */
  recentLogs(): string[];
  /** SIGTERM (to the whole group where there is one), SIGKILL after `timeoutMs`. */
  stop(timeoutMs: number): Promise<void>;
}

const LOG_LINES_KEPT = 30;

export interface SpawnNodeChildOptions {
  name: Source;
  /** Absolute path of the TypeScript entry point. */
  file: string;
  args?: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  onLine: (line: string) => void;
}

const tsxLoader = import.meta.resolve('tsx');
const orphanGuard = new URL('./orphan-guard.ts', import.meta.url).href;

/** `node --import tsx <file>` in its own process group, output split into lines. */
export function spawnNodeChild(options: SpawnNodeChildOptions): SupervisedChild {
  const child = startChild({
    command: process.execPath,
    args: ['--import', tsxLoader, '--import', orphanGuard, options.file, ...(options.args ?? [])],
    cwd: options.cwd,
    // The orphan guard's reference: this process, whatever the child's ppid is by the time it looks.
    env: { ...options.env, [SUPERVISOR_PID_ENV]: String(process.pid) },
    // Its own process group: the stack decides when it stops (a terminal's Ctrl-C reaches only the
    // supervisor), and kill(-pid) reaches its descendants too.
    group: true,
    linesKept: LOG_LINES_KEPT,
    onLine: options.onLine,
  });
  return {
    name: options.name,
    pid: child.pid,
    exited: child.exited,
    running: child.running,
    recentLogs: child.recentLogs,
    async stop(timeoutMs) {
      await child.stop(timeoutMs);
    },
  };
}

/** What tools/stack/processes's startPrometheus/startAlertmanager/exporters hand back (the part used here). */
export interface StartedBinary {
  pid: number;
  exited: Promise<ExitInfo>;
  running(): boolean;
  recentLogs(): string[];
  stop(): Promise<void>;
}

/** Adapts a handle from the shared monitoring starters; their stop() escalates to SIGKILL itself. */
export function superviseStartedBinary(name: Source, handle: StartedBinary): SupervisedChild {
  return {
    name,
    pid: handle.pid,
    exited: handle.exited,
    running: handle.running,
    recentLogs: () => handle.recentLogs(),
    async stop(timeoutMs) {
      // The starter's stop() sends SIGTERM and waits 10 s; the stack's budget may be shorter.
      const stopping = handle.stop().catch(() => undefined);
      const stopped = await Promise.race([handle.exited.then(() => true), new Promise<boolean>((r) => setTimeout(r, timeoutMs, false).unref())]);
      if (!stopped) {
        try {
          process.kill(handle.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await stopping;
    },
  };
}
