/**
 * The service-level objectives and everything derived from them: the SLI recording rules at every
 * window the burn-rate alerts need, and the multi-window, multi-burn-rate alerts themselves. The
 * objective, the windows and the factors are written once here; each window's rule is output.
 * @see https://sre.google/workbook/alerting-on-slos/ (table 5-8: the windows and factors)
 * @see docs/slo.md for why the objectives are what they are.
 */
import { DashboardUid } from './links.js';
import type { AlertingRule, RecordingRule, RuleGroup } from './types.js';
import { parseDurationSeconds } from '../../packages/shared/durations.js';
import { API_JOB_SELECTOR } from '../../packages/shared/prometheus-jobs.js';

const API = API_JOB_SELECTOR;
const PURCHASES = `${API}, route="/api/concerts/:id/orders", method="POST"`;

/** 30 days: the period every objective (and so every error budget) is measured over. */
export const SLO_PERIOD = '30d';

/**
 * An SLI as Sloth writes one: the total events, and either the bad events (`errors`) or the good
 * ones (`good`, the SLI is then 1 - good/total), as counter selectors.
 */
interface SliSpec {
  name: 'availability' | 'latency';
  /** Share of events that must be good over SLO_PERIOD. */
  target: number;
  total: string;
  errors?: string;
  good?: string;
  /** The objective in words, for the alert descriptions. */
  budgetWords: string;
  summary: string;
  fastBurnAlert: string;
  slowBurnAlert: string;
}

export const AVAILABILITY_SLO = {
  name: 'availability',
  target: 0.97,
  // 4xx (invalid input, unknown concert, sold-out: a business outcome, not a failure) excluded.
  total: `http_requests_total{${PURCHASES}, status_code!~"4.."}`,
  errors: `http_requests_total{${PURCHASES}, status_code=~"5.."}`,
  budgetWords: 'Failed purchases consume the 30-day error budget (objective 97 % succeed)',
  summary: 'Purchases burn their error budget {{ $value | humanize }}x too fast',
  fastBurnAlert: 'AvailabilitySLOFastBurn',
  slowBurnAlert: 'AvailabilitySLOSlowBurn',
} as const satisfies SliSpec;

/** A bucket bound of http_request_duration_seconds, so `le` selects it exactly. */
export const LATENCY_SLO_THRESHOLD_SECONDS = 0.25;

export const LATENCY_SLO = {
  name: 'latency',
  target: 0.99,
  total: `http_request_duration_seconds_count{${API}}`,
  good: `http_request_duration_seconds_bucket{${API}, le="${LATENCY_SLO_THRESHOLD_SECONDS}"}`,
  budgetWords: `Requests slower than ${LATENCY_SLO_THRESHOLD_SECONDS * 1000} ms consume the 30-day latency budget (objective 99 % within ${LATENCY_SLO_THRESHOLD_SECONDS * 1000} ms)`,
  summary: 'API latency burns its error budget {{ $value | humanize }}x too fast',
  fastBurnAlert: 'LatencySLOFastBurn',
  slowBurnAlert: 'LatencySLOSlowBurn',
} as const satisfies SliSpec;

const SLIS: readonly SliSpec[] = [AVAILABILITY_SLO, LATENCY_SLO];

/**
 * Google SRE workbook multiwindow burn rates: the long window measures, the short one confirms the
 * burn is still going on (so the alert stops soon after recovery). The fast pair pages (2 % of the
 * monthly budget in 1 h, 5 % in 6 h), the slow pair opens a ticket (10 % in 1 d, 10 % in 3 d).
 */
export const BURN_RATE_WINDOWS = [
  { long: '1h', short: '5m', factor: 14.4, alert: 'fast' },
  { long: '6h', short: '30m', factor: 6, alert: 'fast' },
  { long: '1d', short: '2h', factor: 3, alert: 'slow' },
  { long: '3d', short: '6h', factor: 1, alert: 'slow' },
] as const;

/** Below this many events/s over the last hour (180 an hour) the ratios are too noisy to judge. */
export const SLO_TRAFFIC_FLOOR_PER_SECOND = 0.05;

const BURN = {
  fast: { for: '1m', severity: 'page', suffix: '' },
  slow: { for: '5m', severity: 'ticket', suffix: ' (slow burn)' },
} as const;

const seconds = (window: string) => parseDurationSeconds(window)!;
const spaced = (window: string) => `${window.slice(0, -1)} ${window.slice(-1)}`;

/** Every window any burn-rate alert reads, shortest first. */
function windows(): string[] {
  const all = new Set(BURN_RATE_WINDOWS.flatMap((w) => [w.long, w.short]));
  return [...all].sort((a, b) => seconds(a) - seconds(b));
}

/** The error budget, rounded so 1 - 0.97 prints as 0.03. */
export function errorBudget(target: number): number {
  return Number((1 - target).toFixed(6));
}

function requestsRecord(sli: SliSpec, window: string): string {
  return `job:slo_${sli.name}_requests:rate${window}`;
}
export function errorsRecord(sli: SliSpec, window: string): string {
  return `job:slo_${sli.name}_errors:ratio_rate${window}`;
}

// One rule per window, each straight from the counters: a ratio of averaged ratios would weigh a
// quiet minute like a busy one. The group's shortest window also records the request rate, which
// the other windows' ratios fall back on ("or … * 0") when a window has no error series at all.
function sliRules(sli: SliSpec, groupWindows: string[]): RecordingRule[] {
  const base = groupWindows[0]!;
  const baseRequests = requestsRecord(sli, base);
  const rules: RecordingRule[] = [{ record: baseRequests, expr: `sum by (job) (rate(${sli.total}[${base}]))` }];
  for (const window of groupWindows) {
    const total = window === base ? baseRequests : `sum by (job) (rate(${sli.total}[${window}]))`;
    const expr = sli.errors
      ? `(sum by (job) (rate(${sli.errors}[${window}])) or ${baseRequests} * 0)\n/ ${total}\n`
      : `1 - sum by (job) (rate(${sli.good}[${window}]))\n  / ${total}\n`;
    rules.push({ record: errorsRecord(sli, window), expr });
  }
  return rules;
}

/** The SLI recording groups: windows under 1 h at the global cadence, the longer ones every 30 s. */
export function sloRecordingGroups(): Array<RuleGroup<RecordingRule>> {
  const all = windows();
  const short = all.filter((w) => seconds(w) < 3600);
  const long = all.filter((w) => seconds(w) >= 3600);
  return [
    {
      name: 'ticketpulse-slo-short-windows',
      comment:
        'SLIs (objectives and the reasoning in docs/slo.md). One rule per window, each straight from the\n' +
        'counters: a ratio of averaged ratios would weigh a quiet minute like a busy one.\n' +
        `The ${short.join('/')} windows feed the pages and are evaluated at the global cadence.`,
      rules: SLIS.flatMap((sli) => sliRules(sli, short)),
    },
    {
      name: 'ticketpulse-slo-long-windows',
      interval: '30s',
      comment: 'Long windows move slowly; every 30 s is plenty and spares re-reading up to 3 days of samples\nevery few seconds.',
      rules: SLIS.flatMap((sli) => sliRules(sli, long)),
    },
  ];
}

function burnAlert(sli: SliSpec, speed: 'fast' | 'slow'): AlertingRule {
  const budget = errorBudget(sli.target);
  const pairs = BURN_RATE_WINDOWS.filter((w) => w.alert === speed);
  const condition = (window: string, factor: number) => `${errorsRecord(sli, window)} / ${budget} > ${factor}`;
  const expr =
    '(\n' +
    pairs.map((w) => `  (${condition(w.long, w.factor)} and on (job) ${condition(w.short, w.factor)})`).join('\n  or\n') +
    `\n)\nand on (job) ${requestsRecord(sli, '1h')} >= ${SLO_TRAFFIC_FLOOR_PER_SECOND}\n`;
  const limits = pairs.map((w) => `${spaced(w.long)} (limit ${w.factor}x)`).join(' or ');
  const { for: holdFor, severity, suffix } = BURN[speed];
  return {
    alert: speed === 'fast' ? sli.fastBurnAlert : sli.slowBurnAlert,
    expr,
    for: holdFor,
    severity,
    summary: `${sli.summary}${suffix}`,
    description: `${sli.budgetWords} at {{ $value | humanize }} times the sustainable rate over the last ${limits}.`,
    dashboard: DashboardUid.slo,
    doc: {
      firesWhen:
        `burn > ${pairs.map((w) => `${w.factor}x over ${spaced(w.long)} **and** ${spaced(w.short)}`).join(', or > ')}` +
        ` (objective ${Math.round(sli.target * 100)} %, budget ${Math.round(budget * 100)} %)`,
      window: pairs.map((w) => spaced(w.long)).join(' / '),
      floor: `\`${requestsRecord(sli, '1h')} >= ${SLO_TRAFFIC_FLOOR_PER_SECOND}\` /s`,
    },
  };
}

/** The burn-rate alerts, fast and slow for each SLI. */
export function sloAlertGroup(): RuleGroup<AlertingRule> {
  return {
    name: 'ticketpulse-slo-alerts',
    comment:
      'Multi-window, multi-burn-rate alerts (Google SRE workbook, "Alerting on SLOs", table 5-8), generated\n' +
      `from the ${SLO_PERIOD} objectives in observability/alerts/slo.ts: ` +
      BURN_RATE_WINDOWS.map((w) => `${w.factor}x over ${w.long} checked against ${w.short}`).join(', ') +
      '.\nThe short window makes the alert stop soon after recovery.',
    rules: SLIS.flatMap((sli) => [burnAlert(sli, 'fast'), burnAlert(sli, 'slow')]),
  };
}
