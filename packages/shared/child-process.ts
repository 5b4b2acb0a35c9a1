// The one way the stack, the monitoring starters and the tests run a child process: its output as
// lines (the last few kept for error messages), an `exited` promise that settles once it is gone and
// its output flushed, and a stop() that escalates from SIGTERM to SIGKILL. Nothing polls our own
// child's pid: its exit event is the truth (Node reaps its children).
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildHandle {
  /** -1 when it could not be started at all. */
  pid: number;
  /** The Node handle, for what only it offers (e.g. sending a signal of one's own choosing). */
  child: ChildProcess;
  /** Settles once the process has exited (or failed to start) and its output is flushed; never rejects. */
  exited: Promise<ExitInfo>;
  running(): boolean;
  /** The last lines it wrote (stdout and stderr), for the message when it fails. */
  recentLogs(): string[];
  /** Why it could not start (e.g. ENOENT), once `exited` has settled without a process. */
  startError(): Error | undefined;
  /** SIGTERM (to its process group when started as one), SIGKILL after `timeoutMs`; resolves once it is gone. */
  stop(timeoutMs: number): Promise<ExitInfo>;
}

export interface StartChildOptions {
  command: string;
  args?: string[];
  cwd?: string;
  /** Default: this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Its own process group: a terminal's Ctrl-C does not reach it, and stop() reaches its descendants too. */
  group?: boolean;
  /** Every line it writes, as it writes it. */
  onLine?: (line: string) => void;
  /** How many of its last lines recentLogs() keeps; default 40. */
  linesKept?: number;
  /** Killed (SIGKILL) if this process exits while it still runs: never left behind a crashed test. */
  killOnExit?: boolean;
}

/** Splits a byte stream into lines and hands each complete, non-blank line on. */
export function lineSplitter(onLine: (line: string) => void): { push(chunk: Buffer | string): void; flush(): void } {
  let partial = '';
  return {
    push(chunk) {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') onLine(line.replace(/\r$/, ''));
    },
    flush() {
      if (partial.trim() !== '') onLine(partial);
      partial = '';
    },
  };
}

const killedOnExit = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of killedOnExit) child.kill('SIGKILL');
  });
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** True while a process (or, with a negative pid, a process group) exists (EPERM: it exists but is not ours). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function startChild(options: StartChildOptions): ChildHandle {
  const child = spawn(options.command, options.args ?? [], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.group ?? false,
  });
  if (options.killOnExit) {
    killedOnExit.add(child);
    installExitHook();
  }
  const linesKept = options.linesKept ?? 40;
  const logs: string[] = [];
  const keep = (line: string) => {
    logs.push(line);
    if (logs.length > linesKept) logs.shift();
    options.onLine?.(line);
  };
  const out = lineSplitter(keep);
  const err = lineSplitter(keep);
  child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));

  let done = false;
  let startError: Error | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    const finish = (info: ExitInfo) => {
      if (done) return;
      done = true;
      killedOnExit.delete(child);
      resolve(info);
    };
    child.once('error', (error) => {
      // Only a failed start ends here; a later error (a failed kill) changes nothing.
      if (child.pid !== undefined) return;
      startError = error;
      keep(`could not start: ${error.message}`);
      finish({ code: null, signal: null });
    });
    // 'close', not 'exit': its output is complete by then.
    child.once('close', (code, sig) => {
      out.flush();
      err.flush();
      finish({ code, signal: sig });
    });
  });

  const pid = child.pid ?? -1;
  const target = options.group ? -pid : pid;
  const groupAlive = () => options.group === true && pid > 0 && alive(-pid);

  return {
    pid,
    child,
    exited,
    running: () => !done,
    recentLogs: () => [...logs],
    startError: () => startError,
    async stop(timeoutMs) {
      if (pid <= 0) return exited;
      // A group's other members (e.g. locust under the load runner) have no exit event here: they
      // are looked for with signal 0 until they are gone too.
      const gone = () => done && !groupAlive();
      if (!gone()) signal(target, 'SIGTERM');
      const deadline = Date.now() + timeoutMs;
      while (!gone() && Date.now() < deadline) await (done ? sleep(50) : Promise.race([exited, sleep(50)]));
      if (!gone()) {
        signal(target, 'SIGKILL');
        await exited;
        for (let waited = 0; groupAlive() && waited < 1_000; waited += 50) await sleep(50);
      }
      return exited;
    },
  };
}
