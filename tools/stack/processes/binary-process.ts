// What starting Prometheus and Alertmanager have in common: spawn the binary on loopback, keep its
// last log lines, wait for /-/ready, and stop it (SIGTERM, then SIGKILL) — never leaving it running
// behind a crashed test on the shared machine.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startChild, type ExitInfo } from '../../../packages/shared/child-process.js';

export async function pickFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** What starting either binary takes (each adds its own options). */
export interface BinaryStartOptions {
  /** The config file to load (rendered by tools/stack/processes/*-config.ts). */
  configFile: string;
  /** Port to listen on; 0 or omitted = a free ephemeral port. */
  port?: number;
  /** Its data folder; omitted = a fresh folder under os.tmpdir(), removed again by stop(). */
  dataDir?: string;
  /** Listen address; loopback by default so tests never expose anything. */
  host?: string;
  /** Extra command-line flags. */
  extraArgs?: string[];
  /** Every log line it writes (stdout and stderr). */
  onLog?: (line: string) => void;
  /** How long to wait for /-/ready before giving up. */
  readyTimeoutMs?: number;
  /** Binary to run; default: found by locateBinary (PATH or the *_BIN variable). */
  binary?: string;
  /** Its pid, as soon as it is spawned: a supervisor killed mid-start must be able to kill it too. */
  onSpawn?: (pid: number) => void;
}

export interface ListenAndData {
  host: string;
  /** host as it goes into a URL or a listen address (IPv6 in brackets). */
  hostInUrl: string;
  port: number;
  url: string;
  dataDir: string;
  /** True when the folder was made here, so stop() removes it. */
  ownsDataDir: boolean;
}

/** Loopback by default, a free port when none is given, a fresh temporary data folder when none is given. */
export async function prepareListenAndData(
  options: { host?: string; port?: number; dataDir?: string },
  tempPrefix: string,
): Promise<ListenAndData> {
  const host = options.host ?? '127.0.0.1';
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  const port = options.port && options.port > 0 ? options.port : await pickFreePort(host);
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ? resolve(options.dataDir) : mkdtempSync(join(tmpdir(), tempPrefix));
  mkdirSync(dataDir, { recursive: true });
  return { host, hostInUrl, port, url: `http://${hostInUrl}:${port}`, dataDir, ownsDataDir };
}

export interface BinaryProcess {
  pid: number;
  /** Settles once the process has exited, however it ended. */
  exited: Promise<ExitInfo>;
  recentLogs(): string[];
  /** False once the process has exited (killed from outside, crashed, or stopped). */
  running(): boolean;
  /** SIGTERM, wait for exit (SIGKILL after 10 s), then remove the data folder if it was made here. */
  stop(): Promise<void>;
}

export async function startBinaryProcess(options: {
  name: string;
  binary: string;
  args: string[];
  where: ListenAndData;
  readyTimeoutMs: number;
  onLog?: (line: string) => void;
  /** What answers 200 once it serves; Prometheus and Alertmanager have /-/ready, exporters only /metrics. */
  readyPath?: string;
  /** Its environment; default: this process's. */
  env?: NodeJS.ProcessEnv;
  onSpawn?: (pid: number) => void;
}): Promise<BinaryProcess> {
  const { name, binary, where } = options;
  const readyPath = options.readyPath ?? '/-/ready';
  const child = startChild({ command: binary, args: options.args, env: options.env, onLine: options.onLog, killOnExit: true });
  if (child.pid) options.onSpawn?.(child.pid);

  const removeDataDir = () => {
    if (where.ownsDataDir) rmSync(where.dataDir, { recursive: true, force: true });
  };
  const stop = async (): Promise<void> => {
    await child.stop(10_000);
    removeDataDir();
  };
  const failure = (why: string) =>
    new Error(`${name} (${binary}) ${why}${child.recentLogs().length ? `; last log lines:\n${child.recentLogs().slice(-10).join('\n')}` : ''}`);

  const deadline = Date.now() + options.readyTimeoutMs;
  for (;;) {
    if (!child.running()) {
      removeDataDir();
      const startError = child.startError();
      // Its only log line is that same reason: nothing ran.
      if (startError) throw new Error(`${name} (${binary}) could not start: ${startError.message}`);
      const end = await child.exited;
      throw failure(`exited with code ${end.code ?? end.signal} before it was ready`);
    }
    try {
      const response = await fetch(`${where.url}${readyPath}`, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw failure(`was not ready at ${where.url}${readyPath} within ${options.readyTimeoutMs} ms`);
    }
    await sleep(100);
  }

  return { pid: child.pid, exited: child.exited, recentLogs: child.recentLogs, running: child.running, stop };
}
