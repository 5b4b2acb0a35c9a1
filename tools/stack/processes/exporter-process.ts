// Starts the real exporters from this field as child processes (the one-command stack, tests):
// postgres_exporter for the database, node_exporter for the host, blackbox_exporter for probes
// from outside the API. Same handle as Prometheus and Alertmanager: where it listens and stop().
import { locateBinary } from './binaries.js';
import { prepareListenAndData, startBinaryProcess, type BinaryProcess } from './binary-process.js';
import { repoPath } from '../../../packages/shared/repo-root.js';

/** The probe modules, shared with compose and Kubernetes. */
export const blackboxConfigFile = repoPath('observability', 'blackbox', 'blackbox.yml');

export interface ExporterOptions {
  /** Port to listen on; 0 or omitted = a free ephemeral port (Debian's own services may hold 9100/9115/9187). */
  port?: number;
  host?: string;
  binary?: string;
  onLog?: (line: string) => void;
  readyTimeoutMs?: number;
  /** Extra command-line flags, e.g. --log.level=warn. */
  extraArgs?: string[];
  /** Its pid, as soon as it is spawned (see BinaryStartOptions). */
  onSpawn?: (pid: number) => void;
}

export interface ExporterProcess extends BinaryProcess {
  url: string;
  /** host:port, the scrape target. */
  target: string;
}

async function startExporter(
  name: 'postgres_exporter' | 'node_exporter' | 'blackbox_exporter',
  options: ExporterOptions,
  args: (listen: string) => string[],
  env?: NodeJS.ProcessEnv,
): Promise<ExporterProcess> {
  // Exporters keep no data: the folder prepareListenAndData makes is removed again by stop().
  const where = await prepareListenAndData({ host: options.host, port: options.port }, `tp-${name}-`);
  const listen = `${where.hostInUrl}:${where.port}`;
  const running = await startBinaryProcess({
    name,
    binary: options.binary ?? locateBinary(name),
    where,
    readyTimeoutMs: options.readyTimeoutMs ?? 20_000,
    onLog: options.onLog,
    onSpawn: options.onSpawn,
    readyPath: '/metrics',
    args: [...args(listen), ...(options.extraArgs ?? [])],
    env,
  });
  return { ...running, url: where.url, target: listen };
}

/** postgres_exporter for one PostgreSQL server (connections by state, locks, transactions, deadlocks, longest transaction). */
export function startPostgresExporter(options: ExporterOptions & { databaseUrl: string }): Promise<ExporterProcess> {
  return startExporter('postgres_exporter', options, (listen) => [`--web.listen-address=${listen}`], {
    ...process.env,
    DATA_SOURCE_NAME: withSslDisabledByDefault(options.databaseUrl),
  });
}

/** node_exporter: host CPU, memory, disk and network. */
export function startNodeExporter(options: ExporterOptions): Promise<ExporterProcess> {
  // Debian's build turns the systemd collector on; it fails every scrape where systemd is not PID 1.
  return startExporter('node_exporter', options, (listen) => [`--web.listen-address=${listen}`, '--no-collector.systemd']);
}

/** blackbox_exporter with the shipped probe modules (observability/blackbox/blackbox.yml). */
export function startBlackboxExporter(options: ExporterOptions & { configFile?: string }): Promise<ExporterProcess> {
  const configFile = options.configFile ?? blackboxConfigFile;
  return startExporter('blackbox_exporter', options, (listen) => [`--config.file=${configFile}`, `--web.listen-address=${listen}`]);
}

// lib/pq (inside postgres_exporter) insists on TLS unless told otherwise, unlike node's pg; a local
// server without TLS is the common case here, so say it when the URL does not.
function withSslDisabledByDefault(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  if (!url.searchParams.has('sslmode')) url.searchParams.set('sslmode', 'disable');
  return url.toString();
}
