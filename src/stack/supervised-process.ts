// A child of the stack, whatever started it: a Node part spawned here (in its own process group,
// so stopping it also stops what it spawned, e.g. load → locust), or a monitoring binary started by
// the shared starters in src/monitoring (one process, no descendants). The supervisor only needs
// the same few things from each: its pid, whether and how it ended, its last log lines, and stop().
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { lineSplitter, type Source } from './log-stream.js';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

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

/** True while a process with this pid exists (EPERM: it exists but is not ours). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

async function waitUntilGone(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (check()) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}

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
  const child = spawn(process.execPath, ['--import', tsxLoader, '--import', orphanGuard, options.file, ...(options.args ?? [])], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: the stack decides when it stops (a terminal's Ctrl-C reaches only the
    // supervisor), and kill(-pid) reaches its descendants too.
    detached: true,
  });
  const logs: string[] = [];
  const keep = (line: string) => {
    logs.push(line);
    if (logs.length > LOG_LINES_KEPT) logs.shift();
    options.onLine(line);
  };
  const out = lineSplitter(keep);
  const err = lineSplitter(keep);
  child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));

  let done = false;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('error', (error) => {
      keep(`could not start: ${error.message}`);
      done = true;
      resolve({ code: null, signal: null });
    });
    child.once('close', (code, sig) => {
      out.flush();
      err.flush();
      done = true;
      resolve({ code, signal: sig });
    });
  });
  const pid = child.pid ?? -1;
  const groupAlive = () => pid > 0 && alive(-pid);

  return {
    name: options.name,
    pid,
    exited,
    running: () => !done,
    recentLogs: () => [...logs],
    async stop(timeoutMs) {
      if (pid <= 0) return;
      if (!done || groupAlive()) signal(-pid, 'SIGTERM');
      const stopped = await waitUntilGone(() => !done || groupAlive(), timeoutMs);
      if (!stopped) {
        signal(-pid, 'SIGKILL');
        await exited;
        await waitUntilGone(groupAlive, 1_000);
      }
    },
  };
}

/** What src/monitoring's startPrometheus/startAlertmanager hand back (the part used here). */
export interface StartedBinary {
  pid: number;
  recentLogs(): string[];
  stop(): Promise<void>;
}

/**
 * Adapts a handle from the shared monitoring starters. They do not expose the exit event, so the
 * pid is polled; Node reaps its children, so a dead pid really is gone.
 */
export function superviseStartedBinary(name: Source, handle: StartedBinary): SupervisedChild {
  let done = false;
  const exited = new Promise<ExitInfo>((resolve) => {
    const timer = setInterval(() => {
      if (alive(handle.pid)) return;
      clearInterval(timer);
      done = true;
      resolve({ code: null, signal: null });
    }, 250);
    timer.unref();
  });
  return {
    name,
    pid: handle.pid,
    exited,
    running: () => !done && alive(handle.pid),
    recentLogs: () => handle.recentLogs(),
    async stop(timeoutMs) {
      // The starter's stop() sends SIGTERM and waits; ours escalates sooner.
      const stopping = handle.stop().catch(() => undefined);
      const stopped = await waitUntilGone(() => alive(handle.pid), timeoutMs);
      if (!stopped) signal(handle.pid, 'SIGKILL');
      await stopping;
    },
  };
}

