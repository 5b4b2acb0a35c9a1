// Starts the real Alertmanager binary as a child process (tests, the one-command stack, benchmarks)
// and hands back a small handle: where it listens, what it holds, and how to stop it.
import { resolve } from 'node:path';
import type { ExitInfo } from '../../../packages/shared/child-process.js';
import { locateBinary } from './binaries.js';
import { prepareListenAndData, startBinaryProcess, type BinaryStartOptions } from './binary-process.js';

export interface StartAlertmanagerOptions extends BinaryStartOptions {
  /** --web.external-url: the link Alertmanager puts in notifications (default its own URL). */
  externalUrl?: string;
}

/** An alert as Alertmanager's API v2 returns it (the fields we use). */
export interface AmAlert {
  /** What `status.inhibitedBy` names an inhibiting alert by. */
  fingerprint: string;
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
  /** Settles once the process has exited, however it ended. */
  exited: Promise<ExitInfo>;
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

export async function startAlertmanager(options: StartAlertmanagerOptions): Promise<AlertmanagerProcess> {
  const where = await prepareListenAndData(options, 'tp-alertmanager-');
  const url = where.url;
  const running = await startBinaryProcess({
    name: 'alertmanager',
    binary: options.binary ?? locateBinary('alertmanager'),
    where,
    readyTimeoutMs: options.readyTimeoutMs ?? 20_000,
    onLog: options.onLog,
    onSpawn: options.onSpawn,
    args: [
      `--config.file=${resolve(options.configFile)}`,
      `--storage.path=${where.dataDir}`,
      `--web.listen-address=${where.hostInUrl}:${where.port}`,
      `--web.external-url=${options.externalUrl ?? url}`,
      // Empty = no cluster gossip: a single instance, and nothing listening on :9094 to collide
      // with other copies on the same machine.
      '--cluster.listen-address=',
      ...(options.extraArgs ?? []),
    ],
  });

  const request = async (path: string, init?: RequestInit): Promise<Response> => {
    const response = await fetch(`${url}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`alertmanager ${init?.method ?? 'GET'} ${path}: ${response.status} ${(await response.text()).trim()}`);
    return response;
  };

  return {
    // pid, exited, running, recentLogs and stop are the started binary's own.
    ...running,
    url,
    port: where.port,
    dataDir: where.dataDir,
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
  };
}
