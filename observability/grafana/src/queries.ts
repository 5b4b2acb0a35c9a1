/**
 * PromQL building blocks shared by the dashboards. They read the raw metrics the API exposes (not the
 * recording rules), so every panel can be narrowed to one replica and works against any Prometheus that
 * scrapes the API — with or without our rule files — while computing the same figures as the rules
 * in observability/prometheus/rules/recording.yml.
 */
import { HEARTBEAT_SEVERITY, SLO } from './alert-thresholds.js';
import { scoped } from './panel-kit.js';

/** Grafana's rate window: at least four scrapes, so a rate() never runs on a single sample. */
export const RATE = '$__rate_interval';

const sumRate = (metric: string, matchers?: string, window = RATE) =>
  `sum(rate(${scoped(metric, matchers)}[${window}]))`;
const sumRateBy = (by: string, metric: string, matchers?: string) =>
  `sum by (${by}) (rate(${scoped(metric, matchers)}[${RATE}]))`;

/** `bad or 0 * total`: a ratio of 0, not "no data", while nothing has failed yet. */
const ratio = (bad: string, total: string) => `(${bad} or 0 * ${total}) / ${total}`;

export const SERVER_ERRORS = 'status_code=~"5.."';
export const PURCHASES = 'route="/api/concerts/:id/orders", method="POST"';
/** Purchases the service is answerable for: a 4xx (sold out, invalid input) is the buyer's outcome. */
const PURCHASE_ATTEMPTS = `${PURCHASES}, status_code!~"4.."`;
const PURCHASE_FAILURES = `${PURCHASES}, ${SERVER_ERRORS}`;

export const requestsPerSecond = sumRate('http_requests_total');

export const requestsByRouteAndStatusClass = `sum by (route, status_class) (label_replace(rate(${scoped(
  'http_requests_total',
)}[${RATE}]), "status_class", "\${1}xx", "status_code", "([0-9])..")) `.trim();

/** Same definition as job:purchase_failures:ratio_rate* (PurchaseFailureRateHigh). */
export const purchaseFailureRatio = ratio(
  sumRate('http_requests_total', PURCHASE_FAILURES),
  sumRate('http_requests_total', PURCHASE_ATTEMPTS),
);

export const serverErrorRatioByRoute = ratio(
  sumRateBy('route', 'http_requests_total', SERVER_ERRORS),
  sumRateBy('route', 'http_requests_total'),
);

/** Quantile from the request histogram; `by` must include `le`. Unmatched paths (404 probes) excluded. */
export const latencyQuantile = (quantile: number, by: string) =>
  `histogram_quantile(${quantile}, sum by (${by}) (rate(${scoped(
    'http_request_duration_seconds_bucket',
    'route!="__unmatched__"',
  )}[${RATE}])))`;

export const perMinute = (metric: string, matchers?: string) => `${sumRate(metric, matchers)} * 60`;
export const perMinuteBy = (by: string, metric: string) => `${sumRateBy(by, metric)} * 60`;

/** Firing alerts, without the always-firing heartbeat (Watchdog). */
export const FIRING_ALERTS = `ALERTS{alertstate="firing", severity!="${HEARTBEAT_SEVERITY}"}`;

export const CHAOS_CHANGED = ['chaos_failure_rate', 'chaos_latency_min_seconds', 'chaos_latency_max_seconds']
  .map((metric) => `changes(${scoped(metric)}[1m]) > 0`)
  .join(' or ');

/** Error budget as a PromQL literal: 1 - target, without floating-point noise (0.030000000000000027). */
const budget = (target: number) => String(Number((1 - target).toFixed(6)));
export const AVAILABILITY_BUDGET = budget(SLO.availability.target);
export const LATENCY_BUDGET = budget(SLO.latency.target);

/** Availability SLI over `window`: failed purchases / purchase attempts (job:slo_availability_errors:*). */
export const availabilityBadRatio = (window: string) =>
  `((sum(increase(${scoped('http_requests_total', PURCHASE_FAILURES)}[${window}])) or vector(0)) / sum(increase(${scoped(
    'http_requests_total',
    PURCHASE_ATTEMPTS,
  )}[${window}])))`;

/** Latency SLI over `window`: share of requests slower than the threshold (job:slo_latency_errors:*). */
export const latencyBadRatio = (window: string) =>
  `(1 - sum(increase(${scoped(
    'http_request_duration_seconds_bucket',
    `le="${SLO.latency.thresholdSeconds}"`,
  )}[${window}])) / sum(increase(${scoped('http_request_duration_seconds_count')}[${window}])))`;

/** 1 = spending the budget exactly as fast as the SLO window allows. */
export const availabilityBurnRate = (window: string) => `${availabilityBadRatio(window)} / ${AVAILABILITY_BUDGET}`;
export const latencyBurnRate = (window: string) => `${latencyBadRatio(window)} / ${LATENCY_BUDGET}`;

/**
 * Budget left over the SLO window, for the stat panels: clamped at -100 % (spent twice over), and
 * 100 % when nothing was attempted (0 of 0 is NaN: NaN fails every comparison, so `>= -1` drops it
 * and `or vector(1)` says "nothing spent"). With less history than the window, the figure is the
 * rate seen so far applied to the whole window: minutes of incident would read -264 % unclamped.
 */
const budgetStat = (remaining: string) => `(clamp_min(${remaining}, -1) >= -1) or vector(1)`;
export const availabilityBudgetRemaining = budgetStat(`1 - ${availabilityBurnRate(SLO.window)}`);
export const latencyBudgetRemaining = budgetStat(`1 - ${latencyBurnRate(SLO.window)}`);

/**
 * Revenue is counted in cents of the platform's one currency; the API has no currency field, so the
 * dashboards assume US dollars for display. Change it here, once, for every revenue panel.
 */
export const REVENUE_UNIT = 'currencyUSD';
