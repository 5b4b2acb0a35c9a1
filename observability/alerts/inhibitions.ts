/**
 * Which alert holds back which while it fires, so one root cause pages once (docs/alerts.md, "One root
 * cause pages once"). Written with the alert names of rules.ts — generation fails on a name that is
 * not an alert — and rendered into the `inhibit_rules` of observability/alertmanager/alertmanager.yml.
 */
import { ALL_ALERTS } from './rules.js';
import { AVAILABILITY_SLO, LATENCY_SLO } from './slo.js';
import type { Severity } from './types.js';

type Side = { alerts: readonly string[] } | { severity: Severity };

export interface Inhibition {
  comment: string;
  /** While one of these fires … */
  source: Side;
  /** … these are not notified. */
  target: Side;
  /** Only when source and target agree on these labels. */
  equal?: readonly string[];
}

const LATENCY_BURNS = [LATENCY_SLO.fastBurnAlert, LATENCY_SLO.slowBurnAlert];
const SLO_BURNS = [AVAILABILITY_SLO.fastBurnAlert, AVAILABILITY_SLO.slowBurnAlert, ...LATENCY_BURNS];
/** The symptom alerts, aggregated over all replicas (no instance label). */
const SYMPTOMS = ['PurchaseFailureRateHigh', 'HighRequestLatency', 'ReadErrorRateHigh', ...SLO_BURNS];

export const INHIBITIONS: readonly Inhibition[] = [
  {
    comment:
      'When the API is down (or not scraped at all), the symptoms it causes — failed purchases,\n' +
      'latency, failing reads, error-budget burn — are noise on top of the one alert that says what to\n' +
      'do. No `equal`: the symptom alerts are aggregated over all replicas (no instance label), so any\n' +
      'down replica silences them. Saturation alerts (HighCpu, HighMemory, EventLoopLag) are per replica\n' +
      "and stay: a down replica cannot raise them, and the surviving ones' are real.",
    source: { alerts: ['ApiDown', 'ApiAbsent'] },
    target: { alerts: SYMPTOMS },
  },
  {
    comment:
      'The database gone (docs/faults.md) explains failed purchases and reads, latency, budget burn,\n' +
      "failing probes and the database's own slowness and pool symptoms: it pages once, as\n" +
      'DatabaseUnreachable.',
    source: { alerts: ['DatabaseUnreachable'] },
    target: { alerts: [...SYMPTOMS, 'ProbeFailing', 'DatabaseSlow', 'DbPoolSaturated'] },
  },
  {
    comment: 'A slow database explains slow requests and a queue for connections.',
    source: { alerts: ['DatabaseSlow'] },
    target: { alerts: ['HighRequestLatency', ...LATENCY_BURNS, 'DbPoolSaturated'] },
  },
  {
    comment: 'A dead, missing or crash-looping API explains probes failing from outside.',
    source: { alerts: ['ApiDown', 'ApiAbsent', 'ApiRestarting'] },
    target: { alerts: ['ProbeFailing'] },
  },
  {
    comment: 'A crash loop explains the same replica being down between its restarts.',
    source: { alerts: ['ApiRestarting'] },
    target: { alerts: ['ApiDown'] },
    equal: ['instance'],
  },
  {
    comment:
      'A page already tells people; the ticket for the same alert name (e.g. the slow-burn variant of\n' +
      'a burn-rate alert) waits until the page is gone.',
    source: { severity: 'page' },
    target: { severity: 'ticket' },
    equal: ['alertname'],
  },
];

function matcher(side: Side): string {
  if ('severity' in side) return `severity = "${side.severity}"`;
  const known = new Set(ALL_ALERTS.map((alert) => alert.alert));
  const unknown = side.alerts.filter((name) => !known.has(name));
  if (unknown.length > 0) throw new Error(`inhibitions: no alert named ${unknown.join(', ')} in observability/alerts/rules.ts`);
  return side.alerts.length === 1 ? `alertname = "${side.alerts[0]}"` : `alertname =~ "${side.alerts.join('|')}"`;
}

/** The `inhibit_rules` list as Alertmanager reads it. */
export function alertmanagerInhibitRules(): Array<Record<string, unknown>> {
  return INHIBITIONS.map((rule) => ({
    source_matchers: [matcher(rule.source)],
    target_matchers: [matcher(rule.target)],
    ...(rule.equal ? { equal: [...rule.equal] } : {}),
  }));
}
