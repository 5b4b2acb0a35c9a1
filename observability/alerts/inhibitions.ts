/**
 * Which alert holds back which while it fires, so one root cause pages once (docs/alerts.md, "One root
 * cause pages once"). Written with the alert names of rules.ts — generation fails on a name that is
 * not an alert — and rendered into the `inhibit_rules` of observability/alertmanager/alertmanager.yml.
 */
import { AFTERMATH_ALERT, AFTERMATH_MINUTES, CAUSES, SYMPTOMS, aftermathTargets } from './aftermath.js';
import { ALL_ALERTS } from './rules.js';
import type { Severity } from './types.js';

type Side = { alerts: readonly string[]; labels?: Record<string, string> } | { severity: Severity };

export interface Inhibition {
  comment: string;
  /** While one of these fires … */
  source: Side;
  /** … these are not notified. */
  target: Side;
  /** Only when source and target agree on these labels. */
  equal?: readonly string[];
}

/** Each cause holds its consequences back while it fires, and in the two spans of its aftermath. */
const causeInhibitions: Inhibition[] = CAUSES.flatMap((cause) => [
  { comment: cause.comment, source: { alerts: [cause.alert] }, target: { alerts: cause.explains } },
  ...(['symptoms', 'burns'] as const)
    .filter((span) => aftermathTargets(cause, span).length > 0)
    .map((span) => ({
      comment: `…and ${span === 'burns' ? 'the budget burns' : 'the other symptoms'} among them for ${AFTERMATH_MINUTES[span]} minutes after ${cause.alert} last fired, while their windows still count its minutes.`,
      source: { alerts: [AFTERMATH_ALERT], labels: { cause: cause.alert, span } },
      target: { alerts: aftermathTargets(cause, span) },
    })),
]);

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
  ...causeInhibitions,
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

function matchers(side: Side): string[] {
  if ('severity' in side) return [`severity = "${side.severity}"`];
  const known = new Set(ALL_ALERTS.map((alert) => alert.alert));
  const unknown = side.alerts.filter((name) => !known.has(name));
  if (unknown.length > 0) throw new Error(`inhibitions: no alert named ${unknown.join(', ')} in observability/alerts/rules.ts`);
  const name = side.alerts.length === 1 ? `alertname = "${side.alerts[0]}"` : `alertname =~ "${side.alerts.join('|')}"`;
  return [name, ...Object.entries(side.labels ?? {}).map(([label, value]) => `${label} = "${value}"`)];
}

/** The `inhibit_rules` list as Alertmanager reads it. */
export function alertmanagerInhibitRules(): Array<Record<string, unknown>> {
  return INHIBITIONS.map((rule) => ({
    source_matchers: matchers(rule.source),
    target_matchers: matchers(rule.target),
    ...(rule.equal ? { equal: [...rule.equal] } : {}),
  }));
}
