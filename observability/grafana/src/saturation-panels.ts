/** Saturation panels: how close each replica (and the database pool) is to its limits. */
import * as units from '@grafana/grafana-foundation-sdk/units';
import { ALERT_THRESHOLDS } from './alert-thresholds.js';
import { scoped, timeSeriesPanel, type Size } from './panel-kit.js';
import { RATE } from './queries.js';

export const cpuPanel = (size: Size) =>
  timeSeriesPanel({
    title: 'CPU per instance',
    description: `CPU time used per second by each API process (100% = one full core; Node runs JavaScript on one thread). Dashed line: ${ALERT_THRESHOLDS.cpuCores.alert} threshold.`,
    unit: units.PercentUnit,
    queries: [{ expr: `sum by (instance) (rate(${scoped('process_cpu_seconds_total')}[${RATE}]))`, legend: '{{instance}}' }],
    alertLine: { value: ALERT_THRESHOLDS.cpuCores.value },
    min: 0,
    size,
  });

export const memoryPanel = (size: Size) =>
  timeSeriesPanel({
    title: 'Resident memory per instance',
    description: `Resident set size of each API process. Dashed line: ${ALERT_THRESHOLDS.residentMemoryBytes.alert} threshold with PostgreSQL; a replica on the embedded PGlite (500-900 MiB normally) has its line at 1.5 GiB.`,
    unit: units.BytesIEC,
    queries: [{ expr: `sum by (instance) (${scoped('process_resident_memory_bytes')})`, legend: '{{instance}}' }],
    alertLine: { value: ALERT_THRESHOLDS.residentMemoryBytes.value },
    min: 0,
    size,
  });

export const heapPanel = (size: Size) =>
  timeSeriesPanel({
    title: 'V8 heap per instance',
    description: 'JavaScript heap in use and allocated, per API process.',
    unit: units.BytesIEC,
    queries: [
      { expr: `sum by (instance) (${scoped('nodejs_heap_size_used_bytes')})`, legend: 'used {{instance}}' },
      { expr: `sum by (instance) (${scoped('nodejs_heap_size_total_bytes')})`, legend: 'total {{instance}}' },
    ],
    min: 0,
    size,
  });

export const eventLoopLagPanel = (size: Size) =>
  timeSeriesPanel({
    title: 'Event-loop lag p99 per instance',
    description: `p99 event-loop delay of each API process: every request waits this long before its handler starts. Dashed line: ${ALERT_THRESHOLDS.eventLoopLagSeconds.alert} threshold.`,
    unit: units.Seconds,
    queries: [{ expr: `max by (instance) (${scoped('nodejs_eventloop_lag_p99_seconds')})`, legend: '{{instance}}' }],
    alertLine: { value: ALERT_THRESHOLDS.eventLoopLagSeconds.value },
    min: 0,
    size,
  });

export const gcPanel = (size: Size) =>
  timeSeriesPanel({
    title: 'Garbage collection time per instance',
    description: 'Share of wall-clock time each API process spends in garbage collection, by GC kind.',
    unit: units.PercentUnit,
    queries: [
      {
        expr: `sum by (instance, kind) (rate(${scoped('nodejs_gc_duration_seconds_sum')}[${RATE}]))`,
        legend: '{{kind}} {{instance}}',
      },
    ],
    stacked: true,
    min: 0,
    size,
  });

export const dbPoolPanel = (size: Size) =>
  timeSeriesPanel({
    title: 'Database pool per instance',
    description:
      'Connections running a query, and queries waiting for a connection (waiting > 0: the pool is the bottleneck). ' +
      'With PostgreSQL this is the pg pool. Under the embedded PGlite there is one connection and no pool: in use is 0 or 1 and waiting counts statements queued behind it, so a flat 0 is normal there.',
    unit: units.Short,
    queries: [
      { expr: `sum by (instance) (${scoped('db_pool_connections_in_use')})`, legend: 'in use {{instance}}' },
      { expr: `sum by (instance) (${scoped('db_pool_connections_waiting')})`, legend: 'waiting {{instance}}' },
    ],
    min: 0,
    decimals: 0,
    size,
  });

export const dbQueryPanel = (quantile: number, size: Size) =>
  timeSeriesPanel({
    title: `Database query p${quantile * 100} by operation`,
    description: `${quantile * 100}th percentile database statement duration, per operation.`,
    unit: units.Seconds,
    queries: [
      {
        expr: `histogram_quantile(${quantile}, sum by (le, operation) (rate(${scoped('db_query_duration_seconds_bucket')}[${RATE}])))`,
        legend: '{{operation}}',
      },
    ],
    min: 0,
    size,
  });
