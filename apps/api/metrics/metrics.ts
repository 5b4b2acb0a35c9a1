import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Bucket bounds (seconds) around this service's latencies: ~1 ms reads to multi-second chaos delays. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const QUERY_DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * `shed`: refused unsent under overload; `unavailable`: the database was down or timed out (nothing
 * sold either way); `outcome_unknown`: the answer was lost after the sale was sent.
 */
export const ORDER_OUTCOMES = ['confirmed', 'sold_out', 'payment_failed', 'rejected', 'shed', 'unavailable', 'outcome_unknown'] as const;
export type OrderOutcome = (typeof ORDER_OUTCOMES)[number];

/**
 * Every metric the API exposes, on a registry of its own (so several apps can live in one test
 * process). Label values are bounded: route templates, methods, status codes, outcomes.
 * @see docs/metrics.md
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });

  const metrics = {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by route template and status code (probes and /metrics excluded)',
      labelNames: ['method', 'route', 'status_code'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from receiving a request to sending the response',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: HTTP_DURATION_BUCKETS,
      registers: [registry],
    }),
    orders: new Counter({
      name: 'ticket_orders_total',
      help: 'Purchase attempts by business outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    ticketsSold: new Counter({ name: 'tickets_sold_total', help: 'Tickets sold', registers: [registry] }),
    revenue: new Counter({
      name: 'ticket_revenue_cents_total',
      help: 'Revenue of confirmed orders, in cents',
      registers: [registry],
    }),
    sellThrough: new Gauge({
      name: 'concert_sell_through_ratio',
      help: 'Share of capacity sold, for the 5 concerts with the most tickets sold',
      labelNames: ['concert_id', 'concert_name'] as const,
      registers: [registry],
    }),
    concertsOnSale: new Gauge({
      name: 'concerts_on_sale',
      help: 'Concerts in the future that still have tickets',
      registers: [registry],
    }),
    chaosFailureRate: new Gauge({
      name: 'chaos_failure_rate',
      help: 'Simulated payment-provider failure rate in force (0..1)',
      registers: [registry],
    }),
    chaosLatencyMin: new Gauge({
      name: 'chaos_latency_min_seconds',
      help: 'Simulated request latency in force: lower bound',
      registers: [registry],
    }),
    chaosLatencyMax: new Gauge({
      name: 'chaos_latency_max_seconds',
      help: 'Simulated request latency in force: upper bound',
      registers: [registry],
    }),
    chaosDatabaseSlow: new Gauge({
      name: 'chaos_database_slow_seconds',
      help: 'Staged database slowness in force: time each statement keeps its transaction open',
      registers: [registry],
    }),
    chaosDatabaseOutage: new Gauge({
      name: 'chaos_database_outage',
      help: 'Staged database outage in force (1) or not (0)',
      registers: [registry],
    }),
    chaosMemoryLeak: new Gauge({
      name: 'chaos_memory_leak_bytes_per_second',
      help: 'Staged memory leak in force in this process: bytes retained per second until healed (0 once the leak has died)',
      registers: [registry],
    }),
    chaosCpuBurn: new Gauge({
      name: 'chaos_cpu_burn_threads',
      help: 'Staged CPU burn in force: threads spinning at 100 %',
      registers: [registry],
    }),
    chaosEventLoopStall: new Gauge({
      name: 'chaos_event_loop_stall_seconds',
      help: 'Staged event-loop stall in force: how long each stall blocks the loop (0: off)',
      registers: [registry],
    }),
    chaosEventLoopStallInterval: new Gauge({
      name: 'chaos_event_loop_stall_interval_seconds',
      help: 'Staged event-loop stall in force: time between stalls',
      registers: [registry],
    }),
    chaosCrashAfter: new Gauge({
      name: 'chaos_crash_after_seconds',
      help: 'Staged crash in force: each replica exits this long after starting (0: off)',
      registers: [registry],
    }),
    chaosReadErrorRate: new Gauge({
      name: 'chaos_read_error_rate',
      help: 'Staged share of public GET requests answered with a 500 (0..1)',
      registers: [registry],
    }),
    dbInUse: new Gauge({
      name: 'db_pool_connections_in_use',
      help: 'Database connections running a query',
      registers: [registry],
    }),
    dbWaiting: new Gauge({
      name: 'db_pool_connections_waiting',
      help: 'Queries waiting for a database connection',
      registers: [registry],
    }),
    // Which database this replica runs on, so rules can judge it accordingly (HighMemory: the
    // embedded PGlite lives inside the API process and makes its resident memory ~5x larger).
    databaseInfo: new Gauge({
      name: 'database_info',
      help: 'The database this replica uses (always 1): kind is postgres or pglite',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    dbUnavailable: new Counter({
      name: 'db_unavailable_errors_total',
      help: 'Application statements that failed because the database could not be reached',
      registers: [registry],
    }),
    dbQueryDuration: new Histogram({
      name: 'db_query_duration_seconds',
      help: 'Database statement duration by operation',
      labelNames: ['operation'] as const,
      buckets: QUERY_DURATION_BUCKETS,
      registers: [registry],
    }),
  };
  for (const outcome of ORDER_OUTCOMES) metrics.orders.inc({ outcome }, 0);
  metrics.ticketsSold.inc(0);
  metrics.dbUnavailable.inc(0);
  metrics.revenue.inc(0);
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
