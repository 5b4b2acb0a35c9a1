/**
 * Panels over the exporters from this field (issue #12): postgres_exporter for the database,
 * node_exporter for the host, blackbox_exporter for probes from outside the API. Their series are
 * not the API's, so they are narrowed by their own Prometheus job (packages/shared/prometheus-jobs.ts
 * PrometheusJob) instead of the $job/$instance variables, which pick API replicas.
 * Where an exporter is absent (PGlite has no PostgreSQL server, so no postgres_exporter) its panels
 * say so in their noValue text instead of a bare "No data".
 */
import * as units from '@grafana/grafana-foundation-sdk/units';
import { PrometheusJob } from '../../../packages/shared/prometheus-jobs.js';
import { ALERT_THRESHOLDS } from './alert-thresholds.js';
import { statPanel, thresholds, timeSeriesPanel, type Size } from './panel-kit.js';
import { RATE } from './queries.js';

/** The exporters' scrape jobs, named where the Prometheus configs are rendered. */
export const EXPORTER_JOBS = { postgres: PrometheusJob.postgres, node: PrometheusJob.node, blackbox: PrometheusJob.blackbox } as const;

const pg = (metric: string, extra?: string) => `${metric}{job="${EXPORTER_JOBS.postgres}"${extra ? `, ${extra}` : ''}}`;
const node = (metric: string, extra?: string) => `${metric}{job="${EXPORTER_JOBS.node}"${extra ? `, ${extra}` : ''}}`;
const probe = (metric: string) => `${metric}{job="${EXPORTER_JOBS.blackbox}"}`;

const NO_POSTGRES = 'no postgres_exporter (PGlite, or not started)';
const NO_NODE = 'no node_exporter';
const NO_PROBES = 'no blackbox_exporter';

/** File systems that are not disks (their "free space" means nothing). */
const NOT_DISKS = 'fstype!~"tmpfs|ramfs|devtmpfs|squashfs|nsfs|proc|sysfs|cgroup2?|autofs|fuse\\\\..*"';

// --- Database (postgres_exporter) --------------------------------------------------------------

export const postgresUpPanel = (size: Size) =>
  statPanel({
    title: 'PostgreSQL reachable',
    description: 'postgres_exporter can connect to the database server (pg_up): 1 = yes, 0 = the server is down or refuses connections. Empty when absent: the embedded PGlite has no server to watch.',
    unit: units.Short,
    queries: [{ expr: `min(${pg('pg_up')})`, legend: 'pg_up' }],
    thresholds: thresholds('red', [1, 'green']),
    decimals: 0,
    noValue: NO_POSTGRES,
    size,
  });

export const postgresConnectionsPanel = (size: Size) =>
  timeSeriesPanel({
    title: 'PostgreSQL connections by state',
    description: 'Server connections by state (pg_stat_activity): "idle in transaction" holds locks while doing nothing; active near max_connections means new connections will be refused. Empty when absent (PGlite).',
    unit: units.Short,
    queries: [{ expr: `sum by (state) (${pg('pg_stat_activity_count')})`, legend: '{{state}}' }],
    stacked: true,
    min: 0,
    decimals: 0,
    noValue: NO_POSTGRES,
    size,
  });

export const postgresLocksPanel = (size: Size) =>
  timeSeriesPanel({
    title: 'PostgreSQL locks by mode',
    description: 'Locks held or awaited, by mode (pg_locks). RowExclusiveLock climbing with the order rate is a hot concert row: buyers queue on its lock. Empty when absent (PGlite).',
    unit: units.Short,
    queries: [{ expr: `sum by (mode) (${pg('pg_locks_count')})`, legend: '{{mode}}' }],
    min: 0,
    decimals: 0,
    noValue: NO_POSTGRES,
    size,
  });

export const postgresTransactionsPanel = (size: Size) =>
  timeSeriesPanel({
    title: 'PostgreSQL transactions / s',
    description: 'Commits and rollbacks per second over every database of the server (pg_stat_database). Rollbacks rising with errors: statements fail inside transactions. Empty when absent (PGlite).',
    unit: units.OpsPerSecond,
    queries: [
      { expr: `sum(rate(${pg('pg_stat_database_xact_commit')}[${RATE}]))`, legend: 'commits' },
      { expr: `sum(rate(${pg('pg_stat_database_xact_rollback')}[${RATE}]))`, legend: 'rollbacks' },
    ],
    min: 0,
    noValue: NO_POSTGRES,
    size,
  });

export const postgresDeadlocksPanel = (size: Size) =>
  timeSeriesPanel({
    title: 'PostgreSQL deadlocks / min',
    description: 'Deadlocks the server detected and broke (one transaction aborted each time). Normally 0: the purchase path locks one concert row per order. Empty when absent (PGlite).',
    unit: units.Short,
    queries: [{ expr: `sum(rate(${pg('pg_stat_database_deadlocks')}[${RATE}])) * 60`, legend: 'deadlocks' }],
    min: 0,
    color: 'red',
    noValue: NO_POSTGRES,
    size,
  });

export const postgresLongestTransactionPanel = (size: Size) =>
  timeSeriesPanel({
    title: 'PostgreSQL longest running transaction',
    description: 'Age of the oldest open transaction (pg_stat_activity max_tx_duration). Seconds here with a slow or stuck statement: every buyer of that concert waits behind its lock. Empty when absent (PGlite).',
    unit: units.Seconds,
    queries: [{ expr: `max(${pg('pg_stat_activity_max_tx_duration')})`, legend: 'longest' }],
    min: 0,
    noValue: NO_POSTGRES,
    size,
  });

// --- Host (node_exporter) ----------------------------------------------------------------------

export const hostCpuPanel = (size: Size) =>
  timeSeriesPanel({
    title: 'Host CPU busy',
    description: `Share of the host's CPU time not idle, all cores together (node_exporter). The API replicas, the database and the load generator share it: near 100% every one of them slows down.`,
    unit: units.PercentUnit,
    queries: [{ expr: `1 - avg by (instance) (rate(${node('node_cpu_seconds_total', 'mode="idle"')}[${RATE}]))`, legend: '{{instance}}' }],
    min: 0,
    max: 1,
    noValue: NO_NODE,
    size,
  });

export const hostMemoryPanel = (size: Size) =>
  timeSeriesPanel({
    title: 'Host memory available',
    description: 'Memory the kernel can hand out without swapping (MemAvailable), as a share of all memory. Falling toward 0: the OOM killer picks a process next.',
    unit: units.PercentUnit,
    queries: [{ expr: `${node('node_memory_MemAvailable_bytes')} / ${node('node_memory_MemTotal_bytes')}`, legend: '{{instance}}' }],
    min: 0,
    max: 1,
    noValue: NO_NODE,
    size,
  });

export const hostLoadPanel = (size: Size) =>
  timeSeriesPanel({
    title: 'Host load average',
    description: 'Runnable (and uninterruptible) tasks, averaged over 1, 5 and 15 minutes. Above the number of cores: work queues for the CPU.',
    unit: units.Short,
    queries: [
      { expr: `max by (instance) (${node('node_load1')})`, legend: '1m {{instance}}' },
      { expr: `max by (instance) (${node('node_load5')})`, legend: '5m {{instance}}' },
      { expr: `max by (instance) (${node('node_load15')})`, legend: '15m {{instance}}' },
    ],
    min: 0,
    noValue: NO_NODE,
    size,
  });

export const hostDiskPanel = (size: Size) =>
  timeSeriesPanel({
    title: 'Host disk used',
    description: 'Share of each file system in use (node_filesystem, memory-backed file systems left out). PostgreSQL and PGlite stop writing when their disk is full.',
    unit: units.PercentUnit,
    queries: [
      {
        expr: `max by (mountpoint) (1 - ${node('node_filesystem_avail_bytes', NOT_DISKS)} / ${node('node_filesystem_size_bytes', NOT_DISKS)})`,
        legend: '{{mountpoint}}',
      },
    ],
    min: 0,
    max: 1,
    noValue: NO_NODE,
    size,
  });

// --- Probes (blackbox_exporter) ----------------------------------------------------------------

export const probeSuccessPanel = (size: Size) =>
  timeSeriesPanel({
    title: 'Probe success by target',
    description: 'blackbox_exporter requests the API from outside its process, as a user would (/readyz, a concert read): 1 = answered 2xx in time, 0 = failed. Unlike the API\'s own metrics this still speaks when no replica is left.',
    unit: units.Short,
    queries: [{ expr: `min by (instance) (${probe('probe_success')})`, legend: '{{instance}}' }],
    alertLine: { value: 1, below: true },
    stepped: true,
    min: 0,
    max: 1,
    decimals: 0,
    noValue: NO_PROBES,
    size,
  });

export const probeDurationPanel = (size: Size) =>
  timeSeriesPanel({
    title: 'Probe duration by target',
    description: `Time each probe took end to end (DNS, connect, request, answer). The dashed line is the p95 latency alert's ${ALERT_THRESHOLDS.latencyP95Seconds.value} s, for scale: a probe is one request, not a percentile.`,
    unit: units.Seconds,
    queries: [{ expr: `max by (instance) (${probe('probe_duration_seconds')})`, legend: '{{instance}}' }],
    alertLine: { value: ALERT_THRESHOLDS.latencyP95Seconds.value },
    min: 0,
    noValue: NO_PROBES,
    size,
  });
