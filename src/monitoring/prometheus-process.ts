// Starts the real Prometheus binary as a child process (tests, the one-command stack, benchmarks)
// and hands back a small handle: where it listens, how to reload it, query it and stop it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { locateBinary } from './binaries.js';

export interface StartPrometheusOptions {
  /** Path of the prometheus.yml to load (e.g. one written by writePrometheusConfig). */
  configFile: string;
  /** Port to listen on; 0 or omitted = a free ephemeral port. */
  port?: number;
  /** TSDB folder; omitted = a fresh folder under os.tmpdir(), removed again by stop(). */
  dataDir?: string;
  /** Listen address; loopback by default so tests never expose anything. */
  host?: string;
  /** Extra command-line flags, e.g. ['--storage.tsdb.retention.time=2h']. */
  extraArgs?: string[];
  /** Every log line Prometheus writes (stdout and stderr). */
  onLog?: (line: string) => void;
  /** How long to wait for /-/ready before giving up (default 30 s). */
  readyTimeoutMs?: number;
  /** Binary to run; default: locateBinary('prometheus') (PATH or PROMETHEUS_BIN). */
  binary?: string;
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PromAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing' | 'inactive';
  activeAt?: string;
  value: string;
}

export interface PrometheusProcess {
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  /** POST /-/reload (needs --web.enable-lifecycle, which startPrometheus always sets). */
  reload(): Promise<void>;
  /** Instant query; resolves to the vector result (throws on a PromQL error or a non-vector). */
  query(expr: string): Promise<PromSample[]>;
  /** Active (pending or firing) alerts as Prometheus sees them. */
  alerts(): Promise<PromAlert[]>;
  /** The last log lines, for error messages. */
  recentLogs(): string[];
  /** SIGTERM, wait for exit (SIGKILL after 10 s), then remove the data folder if we created it. */
  stop(): Promise<void>;
}

const LOG_LINES_KEPT = 40;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

// A crashed or interrupted test must not leave Prometheus running on the shared machine.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

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

export async function startPrometheus(options: StartPrometheusOptions): Promise<PrometheusProcess> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port && options.port > 0 ? options.port : await pickFreePort(host);
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ? resolve(options.dataDir) : mkdtempSync(join(tmpdir(), 'tp-prometheus-'));
  mkdirSync(dataDir, { recursive: true });
  const binary = options.binary ?? locateBinary('prometheus');
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const args = [
    `--config.file=${resolve(options.configFile)}`,
    `--storage.tsdb.path=${dataDir}`,
    `--web.listen-address=${host.includes(':') ? `[${host}]` : host}:${port}`,
    '--web.enable-lifecycle',
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  installExitHook();

  const logs: string[] = [];
  const onChunk = (() => {
    let partial = '';
    return (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line) continue;
        logs.push(line);
        if (logs.length > LOG_LINES_KEPT) logs.shift();
        options.onLog?.(line);
      }
    };
  })();
  child.stdout?.on('data', onChunk);
  child.stderr?.on('data', onChunk);

  let exited = false;
  let spawnError: Error | undefined;
  const exitPromise = new Promise<void>((done) => {
    child.once('exit', () => {
      exited = true;
      live.delete(child);
      done();
    });
    child.once('error', (error) => {
      spawnError = error;
      exited = true;
      live.delete(child);
      done();
    });
  });

  const removeDataDir = () => {
    if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
  };

  const stop = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGTERM');
      const killed = await Promise.race([exitPromise.then(() => true), sleep(10_000).then(() => false)]);
      if (!killed) {
        child.kill('SIGKILL');
        await exitPromise;
      }
    }
    removeDataDir();
  };

  const describeFailure = (why: string) =>
    new Error(`prometheus (${binary}) ${why}${logs.length ? `; last log lines:\n${logs.slice(-10).join('\n')}` : ''}`);

  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawnError) {
      removeDataDir();
      throw describeFailure(`could not start: ${spawnError.message}`);
    }
    if (exited) {
      removeDataDir();
      throw describeFailure(`exited with code ${child.exitCode ?? child.signalCode} before it was ready`);
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
      throw describeFailure(`was not ready at ${url}/-/ready within ${timeoutMs} ms`);
    }
    await sleep(100);
  }

  const api = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const response = await fetch(`${url}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (!response.ok || body.status !== 'success') {
      throw new Error(`prometheus ${path}: ${response.status} ${body.error ?? ''}`.trim());
    }
    return body.data;
  };

  return {
    url,
    port,
    pid: child.pid ?? -1,
    dataDir,
    recentLogs: () => [...logs],
    async reload() {
      const response = await fetch(`${url}/-/reload`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
      const text = await response.text();
      if (!response.ok) throw new Error(`prometheus reload failed: ${response.status} ${text.trim()}`);
    },
    async query(expr: string) {
      const data = await api<{ resultType: string; result: PromSample[] }>(
        `/api/v1/query?query=${encodeURIComponent(expr)}`,
      );
      if (data.resultType !== 'vector') throw new Error(`prometheus query ${expr}: got ${data.resultType}, not a vector`);
      return data.result;
    },
    async alerts() {
      const data = await api<{ alerts: PromAlert[] }>('/api/v1/alerts');
      return data.alerts;
    },
    stop,
  };
}
