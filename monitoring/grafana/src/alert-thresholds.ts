/**
 * The numbers a viewer judges the service by, kept in one place so the dashboards change colour (and draw
 * their dashed lines) at the very value the alerts fire at. Each entry names the alert rule in
 * monitoring/prometheus/rules/alerts.yml that uses it; test/dashboards/grafana-build.test.ts reads that
 * file and fails when a number here and there disagree.
 * @see docs/alerts.md and docs/slo.md for why the numbers are what they are.
 */
export const ALERT_THRESHOLDS = {
  /** Purchases answered 5xx / purchases not answered 4xx (sold-out is not a failure). */
  purchaseFailureRatio: { alert: 'PurchaseFailureRateHigh', value: 0.1 },
  /** p95 request latency of a route, seconds. */
  latencyP95Seconds: { alert: 'HighRequestLatency', value: 0.5 },
  /** CPU of one replica, in cores (Node runs JavaScript on one thread). */
  cpuCores: { alert: 'HighCpu', value: 0.9 },
  /** Resident memory of one replica, bytes. */
  residentMemoryBytes: { alert: 'HighMemory', value: 512 * 1024 * 1024 },
  /** p99 event-loop lag, seconds. */
  eventLoopLagSeconds: { alert: 'EventLoopLag', value: 0.2 },
} as const;

/** `up == 0` pages (ApiDown): the "replicas up" stat is red below one. */
export const API_DOWN_ALERT = 'ApiDown';

/** Alerts with this severity fire all the time on purpose (Watchdog); they are not counted as active. */
export const HEARTBEAT_SEVERITY = 'none';

/** 30-day service-level objectives (docs/slo.md) and the multiwindow burn-rate alerts built on them. */
export const SLO = {
  window: '30d',
  availability: {
    /** Share of purchase attempts (POST …/orders not answered 4xx) that must not answer 5xx. */
    target: 0.97,
    fastBurnAlert: 'AvailabilitySLOFastBurn',
    slowBurnAlert: 'AvailabilitySLOSlowBurn',
  },
  latency: {
    /** Share of API requests that must complete within thresholdSeconds. */
    target: 0.99,
    /** A bucket bound of http_request_duration_seconds, so `le` selects it exactly. */
    thresholdSeconds: 0.25,
    fastBurnAlert: 'LatencySLOFastBurn',
    slowBurnAlert: 'LatencySLOSlowBurn',
  },
  /**
   * Google SRE workbook multiwindow burn rates: the long window measures, the short one confirms the
   * burn is still going on. The first two page (fast burn), the last two open a ticket (slow burn).
   * @see https://sre.google/workbook/alerting-on-slos/
   */
  burnRateWindows: [
    { long: '1h', short: '5m', factor: 14.4, alert: 'fast' },
    { long: '6h', short: '30m', factor: 6, alert: 'fast' },
    { long: '1d', short: '2h', factor: 3, alert: 'slow' },
    { long: '3d', short: '6h', factor: 1, alert: 'slow' },
  ],
} as const;
