// Runs the stack CLI as a user would (a real `node --import tsx tools/stack/cli.ts` in its own process
// group, so a SIGINT to the group is exactly a terminal's Ctrl-C) and reads what it prints.
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { alive, startChild, type ExitInfo } from '../../../packages/shared/child-process.js';

export const ROOT = repoRoot;

export const PORT_FLAGS = ['api-port', 'dashboard-port', 'prometheus-port', 'alertmanager-port', 'sink-smtp-port', 'sink-http-port'] as const;
export type PortFlag = (typeof PORT_FLAGS)[number];

/** Distinct ports that were free a moment ago (all held open together, so no duplicates). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => {
      const server = createServer();
      return new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(server));
      });
    }),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

export async function freePortFlags(): Promise<{ ports: Record<PortFlag, number>; args: string[] }> {
  const list = await freePorts(PORT_FLAGS.length);
  const ports = Object.fromEntries(PORT_FLAGS.map((flag, i) => [flag, list[i]!])) as Record<PortFlag, number>;
  return { ports, args: PORT_FLAGS.flatMap((flag) => [`--${flag}`, String(ports[flag])]) };
}

/** The environment of a newcomer's shell: no real receivers, no database URL, no token, no colours. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of [
    'ADMIN_TOKEN', 'DATABASE_URL', 'DATA_DIR', 'PORT', 'SMTP_SMARTHOST', 'ALERT_EMAIL_TO', 'DISCORD_WEBHOOK_URL',
    'DISCORD_WEBHOOK_URL_FILE', 'PROMETHEUS_BIN', 'ALERTMANAGER_BIN', 'LOG_LEVEL', 'FORCE_COLOR', 'NODE_ENV',
    'API_PORT', 'DASHBOARD_PORT', 'PROMETHEUS_PORT', 'ALERTMANAGER_PORT', 'SINK_SMTP_PORT', 'SINK_HTTP_PORT',
  ]) {
    delete env[name];
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

export interface TableEntry {
  url: string;
  pid?: number;
  status: string;
}

export interface StackCli {
  child: ChildProcess;
  output(): string;
  /** Resolves with the match once the output matches; rejects on timeout or exit. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Waits for the URL table and parses it. */
  table(timeoutMs: number): Promise<{ rows: Record<string, TableEntry>; adminToken: string }>;
  exited: Promise<ExitInfo>;
  /** Ctrl-C as a terminal sends it: to the whole process group. */
  interrupt(): void;
  /** Last-resort cleanup for after(): SIGKILL the CLI's group and the given child pids' groups. */
  kill(childPids?: number[]): void;
}

export function runStackCli(args: string[], env: NodeJS.ProcessEnv): StackCli {
  let output = '';
  // Its own process group, as a terminal would run it: interrupt() sends Ctrl-C to the whole group.
  const started = startChild({
    command: process.execPath,
    args: ['--import', 'tsx', 'tools/stack/cli.ts', ...args],
    cwd: ROOT,
    env,
    group: true,
    onLine: (line) => (output += `${line}\n`),
  });
  const { child, exited } = started;

  const waitFor = async (pattern: RegExp, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = output.match(pattern);
      if (match) return match;
      if (!started.running()) throw new Error(`the stack exited before printing ${pattern}; output:\n${output}`);
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}; output:\n${output}`);
      await sleep(100);
    }
  };

  return {
    child,
    output: () => output,
    waitFor,
    async table(timeoutMs) {
      await waitFor(/Ctrl-C stops everything\.\n─+/, timeoutMs);
      const rows: Record<string, TableEntry> = {};
      for (const label of ['API docs', 'Live dashboard', 'Prometheus', 'Alertmanager', 'Captured notifications']) {
        const match = output.match(new RegExp(`^  ${label} +(http\\S+) +(.*)$`, 'm'));
        if (!match) throw new Error(`no "${label}" row in the table:\n${output}`);
        const pid = /^pid (\d+)$/.exec(match[2]!.trim());
        rows[label] = { url: match[1]!, pid: pid ? Number(pid[1]) : undefined, status: match[2]!.trim() };
      }
      const token = output.match(/^ {2}Admin token +(\S+)$/m);
      if (!token) throw new Error(`no admin token in the table:\n${output}`);
      return { rows, adminToken: token[1]! };
    },
    exited,
    interrupt: () => {
      try {
        process.kill(-child.pid!, 'SIGINT');
      } catch {
        // already gone
      }
    },
    kill(childPids = []) {
      for (const target of [-child.pid!, ...childPids.flatMap((pid) => [-pid, pid])]) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // gone, or not a group leader
        }
      }
    },
  };
}

export { alive as isAlive } from '../../../packages/shared/child-process.js';
import { repoRoot } from '../../../packages/shared/repo-root.js';

/** Polls until none of the pids (and, for group leaders, none of their groups) is alive. */
export async function waitAllGone(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = pids.filter((pid) => alive(pid) || alive(-pid));
    if (left.length === 0 || Date.now() > deadline) return left;
    await sleep(100);
  }
}

/** The promise's value, or undefined after `ms` — without a timer left keeping the test process alive. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
