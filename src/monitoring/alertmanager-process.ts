// Starts the real Alertmanager binary as a child process (tests, the one-command stack, benchmarks)
// and hands back a small handle: where it listens, what it holds, and how to stop it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { locateBinary } from './binaries.js';
import { pickFreePort } from './prometheus-process.js';

export interface StartAlertmanagerOptions {
  /** The rendered config (see renderAlertmanagerConfig / writeAlertmanagerConfig). */
  configFile: string;
  /** Port to listen on; 0 or omitted = a free ephemeral port. */
  port?: number;
  /** Notification log and silences; omitted = a fresh folder under os.tmpdir(), removed by stop(). */
  dataDir?: string;
  /** Listen address; loopback by default. */
  host?: string;
  /** --web.external-url: the link Alertmanager puts in notifications (default its own URL). */
  externalUrl?: string;
  /** Extra command-line flags, e.g. ['--log.level=debug']. */
  extraArgs?: string[];
  /** Every log line Alertmanager writes. */
  onLog?: (line: string) => void;
  /** How long to wait for /-/ready (default 20 s). */
  readyTimeoutMs?: number;
  /** Binary to run; default locateBinary('alertmanager') (PATH or ALERTMANAGER_BIN). */
  binary?: string;
}

/** An alert as Alertmanager's API v2 returns it (the fields we use). */
export interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  status: { state: 'active' | 'suppressed' | 'unprocessed'; inhibitedBy: string[]; silencedBy: string[] };
  receivers: Array<{ name: string }>;
}

/** What a client posts (Prometheus does the same): labels, annotations, optional times. */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

export interface AlertmanagerProcess {
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  /** GET /api/v2/alerts (active, silenced and inhibited ones). */
  alerts(): Promise<AmAlert[]>;
  /** POST /api/v2/alerts — what Prometheus does; handy to test routing and templates directly. */
  postAlerts(alerts: PostableAlert[]): Promise<void>;
  /** POST /-/reload after the config file changed. */
  reload(): Promise<void>;
  recentLogs(): string[];
  /** False once the process has exited (killed from outside, crashed, or stopped). */
  running(): boolean;
  /** SIGTERM, wait for exit (SIGKILL after 10 s), then remove the data folder if we created it. */
  stop(): Promise<void>;
}

const LOG_LINES_KEPT = 40;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

// A crashed or interrupted test must not leave Alertmanager running on the shared machine.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

export async function startAlertmanager(options: StartAlertmanagerOptions): Promise<AlertmanagerProcess> {
  const host = options.host ?? '127.0.0.1';
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  const port = options.port && options.port > 0 ? options.port : await pickFreePort(host);
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ? resolve(options.dataDir) : mkdtempSync(join(tmpdir(), 'tp-alertmanager-'));
  mkdirSync(dataDir, { recursive: true });
  const binary = options.binary ?? locateBinary('alertmanager');
  const url = `http://${hostInUrl}:${port}`;

  const args = [
    `--config.file=${resolve(options.configFile)}`,
    `--storage.path=${dataDir}`,
    `--web.listen-address=${hostInUrl}:${port}`,
    `--web.external-url=${options.externalUrl ?? url}`,
    // Empty = no cluster gossip: a single instance, and nothing listening on :9094 to collide
    // with other copies on the same machine.
    '--cluster.listen-address=',
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  installExitHook();

  const logs: string[] = [];
  let partial = '';
  const onChunk = (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line) continue;
      logs.push(line);
      if (logs.length > LOG_LINES_KEPT) logs.shift();
      options.onLog?.(line);
    }
  };
  child.stdout?.on('data', onChunk);
  child.stderr?.on('data', onChunk);

  let exited = false;
  let spawnError: Error | undefined;
  const exitPromise = new Promise<void>((done) => {
    const finish = () => {
      exited = true;
      live.delete(child);
      done();
    };
    child.once('exit', finish);
    child.once('error', (error) => {
      spawnError = error;
      finish();
    });
  });

  const removeDataDir = () => {
    if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  const stop = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGTERM');
      const stopped = await Promise.race([exitPromise.then(() => true), sleep(10_000).then(() => false)]);
      if (!stopped) {
        child.kill('SIGKILL');
        await exitPromise;
      }
    }
    removeDataDir();
  };
  const failure = (why: string) =>
    new Error(`alertmanager (${binary}) ${why}${logs.length ? `; last log lines:\n${logs.slice(-10).join('\n')}` : ''}`);

  const timeoutMs = options.readyTimeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawnError) {
      removeDataDir();
      throw failure(`could not start: ${spawnError.message}`);
    }
    if (exited) {
      removeDataDir();
      throw failure(`exited with code ${child.exitCode ?? child.signalCode} before it was ready`);
    }
    try {
      const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw failure(`was not ready at ${url}/-/ready within ${timeoutMs} ms`);
    }
    await sleep(100);
  }

  const request = async (path: string, init?: RequestInit): Promise<Response> => {
    const response = await fetch(`${url}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`alertmanager ${init?.method ?? 'GET'} ${path}: ${response.status} ${(await response.text()).trim()}`);
    return response;
  };

  return {
    url,
    port,
    pid: child.pid ?? -1,
    dataDir,
    recentLogs: () => [...logs],
    running: () => !exited,
    async alerts() {
      return (await (await request('/api/v2/alerts')).json()) as AmAlert[];
    },
    async postAlerts(alerts) {
      const response = await request('/api/v2/alerts', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts),
      });
      await response.arrayBuffer();
    },
    async reload() {
      const response = await request('/-/reload', { method: 'POST' });
      await response.arrayBuffer();
    },
    stop,
  };
}
