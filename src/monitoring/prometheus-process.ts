// Starts the real Prometheus binary as a child process (tests, the one-command stack, benchmarks)
// and hands back a small handle: where it listens, how to reload it, query it and stop it.
import { resolve } from 'node:path';
import { locateBinary } from './binaries.js';
import { prepareListenAndData, startBinaryProcess, type BinaryStartOptions } from './binary-process.js';

/** Defaults: 30 s to become ready; binary from PATH or PROMETHEUS_BIN. */
export type StartPrometheusOptions = BinaryStartOptions;

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

export { pickFreePort } from './binary-process.js';

export async function startPrometheus(options: StartPrometheusOptions): Promise<PrometheusProcess> {
  const where = await prepareListenAndData(options, 'tp-prometheus-');
  const binary = options.binary ?? locateBinary('prometheus');
  const url = where.url;
  const running = await startBinaryProcess({
    name: 'prometheus',
    binary,
    where,
    readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
    onLog: options.onLog,
    args: [
      `--config.file=${resolve(options.configFile)}`,
      `--storage.tsdb.path=${where.dataDir}`,
      `--web.listen-address=${where.hostInUrl}:${where.port}`,
      '--web.enable-lifecycle',
      ...(options.extraArgs ?? []),
    ],
  });

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
    port: where.port,
    pid: running.pid,
    dataDir: where.dataDir,
    recentLogs: running.recentLogs,
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
    stop: running.stop,
  };
}
