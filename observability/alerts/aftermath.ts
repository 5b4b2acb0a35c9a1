/**
 * Root causes and the symptoms they explain, while they fire and for a while after (docs/alerts.md,
 * "One root cause pages once").
 *
 * Alertmanager inhibits a target only while its source fires. A burn-rate alert outlives the fault
 * that burned the budget: its short window (up to 30 m, BURN_RATE_WINDOWS) still holds the bad
 * minutes after the cause has resolved, so it would page on its own, late, for an incident already
 * paged and fixed. A symptom alert on a longer window does the same for a minute or two: the read
 * errors of a short database outage still fill ReadErrorRateHigh's 1 m window after the database is
 * back. The IncidentAftermath alert (severity none: routed to no one) stays firing, per cause, in two
 * spans after the cause last fired, and holds back what the cause explains:
 * - span="burns": the burn-rate alerts, for the longest short window of a paging pair plus 5 minutes;
 * - span="symptoms": the other alerts it explains, for 5 minutes (the longest symptom window, 1 m, its
 *   `for`, 1 m, and margin), so that a new fault soon after still pages.
 * The cost, said in docs/alerts.md: a second, unrelated fault of the same kind starting within that
 * span pages late, when the span ends.
 */
import { DashboardUid } from './links.js';
import { AVAILABILITY_SLO, BURN_RATE_WINDOWS, LATENCY_SLO } from './slo.js';
import type { AlertingRule } from './types.js';
import { parseDurationSeconds } from '../../packages/shared/durations.js';

export const AFTERMATH_ALERT = 'IncidentAftermath';

const LATENCY_BURNS = [LATENCY_SLO.fastBurnAlert, LATENCY_SLO.slowBurnAlert];
const AVAILABILITY_BURNS = [AVAILABILITY_SLO.fastBurnAlert, AVAILABILITY_SLO.slowBurnAlert];
/** The symptom alerts, aggregated over all replicas (no instance label). */
export const SYMPTOMS = ['PurchaseFailureRateHigh', 'HighRequestLatency', 'ReadErrorRateHigh', ...AVAILABILITY_BURNS, ...LATENCY_BURNS];
const BURNS: readonly string[] = [...AVAILABILITY_BURNS, ...LATENCY_BURNS];

export type AftermathSpan = 'burns' | 'symptoms';
/** What a cause holds back in each span of its aftermath. */
export const aftermathTargets = (cause: Cause, span: AftermathSpan) =>
  cause.explains.filter((alert) => BURNS.includes(alert) === (span === 'burns'));

export interface Cause {
  alert: string;
  /** Alerts that are this cause's consequences: not notified while it fires, nor in its aftermath. */
  explains: readonly string[];
  comment: string;
}

export const CAUSES: readonly Cause[] = [
  {
    alert: 'DatabaseUnreachable',
    explains: [...SYMPTOMS, 'ProbeFailing', 'DatabaseSlow', 'DbPoolSaturated'],
    comment:
      'The database gone (docs/faults.md) explains failed purchases and reads, latency, budget burn,\n' +
      "failing probes and the database's own slowness and pool symptoms: it pages once, as\n" +
      'DatabaseUnreachable.',
  },
  {
    alert: 'DatabaseSlow',
    explains: ['HighRequestLatency', ...LATENCY_BURNS, 'DbPoolSaturated'],
    comment: 'A slow database explains slow requests, the latency budget they burn and a queue for connections.',
  },
  {
    alert: 'HighRequestLatency',
    explains: LATENCY_BURNS,
    comment: 'Slow requests already paged: the latency budget they burn is the same incident.',
  },
  {
    alert: 'PurchaseFailureRateHigh',
    explains: AVAILABILITY_BURNS,
    comment: 'Failing purchases already paged: the availability budget they burn is the same incident.',
  },
];

const seconds = (window: string) => parseDurationSeconds(window)!;
/** The longest short window of a paging burn-rate pair: how long such a burn can outlive its cause. */
const longestFastShortWindow = Math.max(...BURN_RATE_WINDOWS.filter((w) => w.alert === 'fast').map((w) => seconds(w.short)));
/** How long each span lasts after the cause last fired (minutes): see the header. */
export const AFTERMATH_MINUTES: Record<AftermathSpan, number> = { burns: longestFastShortWindow / 60 + 5, symptoms: 5 };

const causeSelector = `ALERTS{alertname=~"${CAUSES.map((c) => c.alert).join('|')}", alertstate="firing"}`;
const spanSeries = (span: AftermathSpan) =>
  `label_replace(label_replace(\n` +
  `  max by (alertname) (max_over_time(${causeSelector}[${AFTERMATH_MINUTES[span]}m])),\n` +
  `  "cause", "$1", "alertname", "(.+)"), "span", "${span}", "", "")`;

export const aftermathAlert: AlertingRule = {
  alert: AFTERMATH_ALERT,
  comment:
    'Routed to no one (severity none); it exists to hold back, through the inhibitions, what a cause\n' +
    `explains: the burn-rate alerts for ${AFTERMATH_MINUTES.burns}m after it last fired, the other symptoms for ${AFTERMATH_MINUTES.symptoms}m\n` +
    '(observability/alerts/aftermath.ts).',
  expr: `${spanSeries('burns')}\nor\n${spanSeries('symptoms')}\n`,
  severity: 'none',
  summary: '{{ $labels.cause }} fired recently: the {{ $labels.span }} it explains are held back',
  description:
    `{{ $labels.cause }} has fired within the last {{ if eq $labels.span "burns" }}${AFTERMATH_MINUTES.burns}{{ else }}${AFTERMATH_MINUTES.symptoms}{{ end }} minutes (value {{ $value }}). ` +
    'Until this clears, the alerts it explains (docs/alerts.md, "One root cause pages once") in this span are not ' +
    'notified: one still counting the minutes of that incident would page for it a second time.',
  dashboard: DashboardUid.overview,
  doc: {
    firesWhen: `a cause (${CAUSES.map((c) => c.alert).join(', ')}) fired recently: span \`burns\` ${AFTERMATH_MINUTES.burns} m, \`symptoms\` ${AFTERMATH_MINUTES.symptoms} m; routed to a null receiver`,
    window: `${AFTERMATH_MINUTES.burns} m / ${AFTERMATH_MINUTES.symptoms} m`,
    floor: '—',
  },
};
