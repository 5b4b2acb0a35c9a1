/**
 * The numbers a viewer judges the service by, kept in one place so the dashboard's colours change at the
 * very value the alerts fire at. Each entry names the alert rule in monitoring/prometheus/rules/*.yml that
 * uses it; test/dashboards/grafana-build.test.ts reads those rule files and fails when they disagree.
 */
export const ALERT_THRESHOLDS = {
  /** Share of requests answered 5xx (payment failures included: they answer 502). */
  errorRatio: { alert: 'TicketPulseHighErrorRatio', value: 0.05 },
  /** p95 request latency, seconds. */
  latencyP95Seconds: { alert: 'TicketPulseHighLatencyP95', value: 0.5 },
  /** p99 event-loop lag, seconds. */
  eventLoopLagSeconds: { alert: 'TicketPulseEventLoopLagHigh', value: 0.2 },
  /** Share of order attempts whose payment failed. */
  paymentFailureRatio: { alert: 'TicketPulsePaymentFailuresHigh', value: 0.1 },
} as const;

/** Service-level objectives; the burn-rate alerts page at the multiwindow factors below. */
export const SLO = {
  /** Share of purchase attempts (POST …/orders not answered 4xx) that must not answer 5xx. */
  availabilityTarget: 0.995,
  /** Share of requests that must finish within latencyThresholdSeconds. */
  latencyTarget: 0.99,
  /** Must be one of the histogram's bucket bounds, so `le` can select it exactly. */
  latencyThresholdSeconds: 0.25,
  /** Error-budget window, as a PromQL duration. */
  window: '30d',
  /** Google SRE workbook multiwindow burn-rate factors (fast page, slow page). */
  fastBurnRate: 14.4,
  slowBurnRate: 6,
} as const;
