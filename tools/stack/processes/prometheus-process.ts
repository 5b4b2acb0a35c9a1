// Starts the real Prometheus binary as a child process (tests, the one-command stack, benchmarks)
// and hands back a small handle: where it listens, how to reload it, query it and stop it.
import { resolve } from 'node:path';
import type { ExitInfo } from '../../../packages/shared/child-process.js';
import { createPrometheusClient, type PromAlert, type PromSample } from '../../../packages/shared/prometheus-client.js';
import { locateBinary } from './binaries.js';
import { prepareListenAndData, startBinaryProcess, type BinaryStartOptions } from './binary-process.js';

/** Defaults: 30 s to become ready; binary from PATH or PROMETHEUS_BIN. */
export type StartPrometheusOptions = BinaryStartOptions;

export interface PrometheusProcess {
  url: string;
  port: number;
  pid: number;
  /** Settles once the process has exited, however it ended. */
  exited: Promise<ExitInfo>;
  dataDir: string;
  /** POST /-/reload (needs --web.enable-lifecycle, which startPrometheus always sets). */
  reload(): Promise<void>;
  /** Instant query; resolves to the vector result (throws on a PromQL error or a non-vector). */
  query(expr: string): Promise<PromSample[]>;
  /** Active (pending or firing) alerts as Prometheus sees them. */
  alerts(): Promise<PromAlert[]>;
  /** The last log lines, for error messages. */
  recentLogs(): string[];
  /** False once the process has exited (killed from outside, crashed, or stopped). */
  running(): boolean;
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
    onSpawn: options.onSpawn,
    args: [
      `--config.file=${resolve(options.configFile)}`,
      `--storage.tsdb.path=${where.dataDir}`,
      `--web.listen-address=${where.hostInUrl}:${where.port}`,
      '--web.enable-lifecycle',
      ...(options.extraArgs ?? []),
    ],
  });

  const client = createPrometheusClient(url, { timeoutMs: 10_000 });

  return {
    // pid, exited, running, recentLogs and stop are the started binary's own.
    ...running,
    url,
    port: where.port,
    dataDir: where.dataDir,
    async reload() {
      const response = await fetch(`${url}/-/reload`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
      const text = await response.text();
      if (!response.ok) throw new Error(`prometheus reload failed: ${response.status} ${text.trim()}`);
    },
    query: (expr: string) => client.query(expr),
    alerts: () => client.alerts(),
  };
}
