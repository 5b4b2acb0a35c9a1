/**
 * The numbers a viewer judges the service by, so the dashboards change colour (and draw their dashed
 * lines) at the very value the alerts fire at. Derived from the alert source in observability/alerts/,
 * which the rule files are generated from: each entry names the alert that uses it.
 * @see docs/alerts.md and docs/slo.md for why the numbers are what they are.
 */
import { HEARTBEAT_SEVERITY } from '../../alerts/rules.js';
import { AVAILABILITY_SLO, BURN_RATE_WINDOWS, LATENCY_SLO, LATENCY_SLO_THRESHOLD_SECONDS, SLO_PERIOD } from '../../alerts/slo.js';
import { THRESHOLDS } from '../../alerts/thresholds.js';

export const ALERT_THRESHOLDS = {
  /** Purchases answered 5xx / purchases not answered 4xx (sold-out is not a failure). */
  purchaseFailureRatio: { alert: 'PurchaseFailureRateHigh', value: THRESHOLDS.purchaseFailureRatio },
  /** p95 request latency of a route, seconds. */
  latencyP95Seconds: { alert: 'HighRequestLatency', value: THRESHOLDS.latencyP95Seconds },
  /** CPU of one replica, in cores (Node runs JavaScript on one thread). */
  cpuCores: { alert: 'HighCpu', value: THRESHOLDS.cpuCores },
  /** Resident memory of one replica, bytes. */
  residentMemoryBytes: { alert: 'HighMemory', value: THRESHOLDS.residentMemoryBytes },
  /** p99 event-loop lag, seconds. */
  eventLoopLagSeconds: { alert: 'EventLoopLag', value: THRESHOLDS.eventLoopLagSeconds },
} as const;

/** `up == 0` pages (ApiDown): the "replicas up" stat is red below one. */
export const API_DOWN_ALERT = 'ApiDown';

/** Alerts with this severity fire all the time on purpose (Watchdog); they are not counted as active. */
export { HEARTBEAT_SEVERITY };

/** 30-day service-level objectives (docs/slo.md) and the multiwindow burn-rate alerts built on them. */
export const SLO = {
  window: SLO_PERIOD,
  availability: {
    /** Share of purchase attempts (POST …/orders not answered 4xx) that must not answer 5xx. */
    target: AVAILABILITY_SLO.target,
    fastBurnAlert: AVAILABILITY_SLO.fastBurnAlert,
    slowBurnAlert: AVAILABILITY_SLO.slowBurnAlert,
  },
  latency: {
    /** Share of API requests that must complete within thresholdSeconds. */
    target: LATENCY_SLO.target,
    /** A bucket bound of http_request_duration_seconds, so `le` selects it exactly. */
    thresholdSeconds: LATENCY_SLO_THRESHOLD_SECONDS,
    fastBurnAlert: LATENCY_SLO.fastBurnAlert,
    slowBurnAlert: LATENCY_SLO.slowBurnAlert,
  },
  /**
   * Google SRE workbook multiwindow burn rates: the long window measures, the short one confirms the
   * burn is still going on. The first two page (fast burn), the last two open a ticket (slow burn).
   * @see https://sre.google/workbook/alerting-on-slos/
   */
  burnRateWindows: BURN_RATE_WINDOWS,
} as const;
