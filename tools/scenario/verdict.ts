// Grades one scenario run: from what the observer saw (alert transitions, notifications) and the
// end-of-run checks (gate, invariants), each expectation of the file is met or missed, with the
// measured time next to its limit. Pure: the same record always gives the same verdict.
import type { AlertTransition, Notification } from './observer.js';
import type { Channel, Scenario } from './schema.js';

/** An end-of-run check (gate threshold or business invariant), already decided. */
export interface Check {
  kind: 'gate' | 'invariant';
  name: string;
  met: boolean;
  measured: string;
  limit?: string;
}

export interface RunRecord {
  startedAt: number;
  endedAt: number;
  /** When each timeline step was applied (epoch ms), by id. */
  stepTimes: Record<string, number>;
  transitions: AlertTransition[];
  notifications: Notification[];
  severities: Record<string, string>;
  checks: Check[];
  /**
   * With a sink, "silent" and "unexpected page" mean what a human would get: a notification.
   * An alert Alertmanager inhibits (a symptom of a root cause that already pages) fires in
   * Prometheus but reaches nobody, which is the point of the inhibition. Without a sink: firing.
   */
  sinkWatched: boolean;
  /** Alert name → what Alertmanager held it back by (inhibitions), when the run watched Alertmanager. */
  heldBack?: Record<string, string[]>;
}

export interface Expectation {
  kind: 'fire' | 'page' | 'resolve' | 'resolved-notice' | 'silent' | 'no-other-pages' | Check['kind'];
  /** One readable line: what was expected. */
  what: string;
  met: boolean;
  /** Seconds from the step the rule counts from, when there is a time to show. */
  seconds?: number;
  limitSeconds?: number;
  measured: string;
}

export interface AlertSummary {
  alert: string;
  severity?: string;
  /** Seconds from the start of the scenario. */
  firstPendingS?: number;
  firstFiringS?: number;
  lastResolvedS?: number;
  /** Times it went back to firing after resolving. */
  flaps: number;
  notifications: Record<Channel, { firing: number; resolved: number }>;
  /** What Alertmanager held it back by, when it did (it fired, and nobody was told). */
  heldBackBy?: string[];
}

export interface Verdict {
  scenario: string;
  description: string;
  passed: boolean;
  startedAt: string;
  endedAt: string;
  durationS: number;
  steps: Array<{ id: string; atS: number; say?: string }>;
  expectations: Expectation[];
  alerts: AlertSummary[];
  /** Page-severity alerts that fired without being expected to. */
  unexpectedPages: string[];
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

function firstAfter<T extends { t: number }>(items: T[], from: number, match: (item: T) => boolean): T | undefined {
  return items.find((item) => item.t >= from && match(item));
}

function timed(kind: Expectation['kind'], what: string, found: { t: number } | undefined, from: number, limitMs: number): Expectation {
  const limitSeconds = seconds(limitMs);
  if (!found) return { kind, what, met: false, limitSeconds, measured: 'never' };
  const elapsed = seconds(found.t - from);
  return { kind, what, met: found.t - from <= limitMs, seconds: elapsed, limitSeconds, measured: `${elapsed} s` };
}

export function summarizeAlerts(record: RunRecord): AlertSummary[] {
  const names = [...new Set(record.transitions.map((t) => t.alert))].sort();
  return names.map((alert) => {
    const mine = record.transitions.filter((t) => t.alert === alert);
    const at = (state: string) => mine.find((t) => t.state === state);
    const firings = mine.filter((t) => t.state === 'firing').length;
    const lastResolved = [...mine].reverse().find((t) => t.state === 'inactive');
    const count = (channel: Channel, status: Notification['status']) =>
      record.notifications.filter((n) => n.channel === channel && n.status === status && n.alerts.includes(alert)).length;
    const rel = (t?: { t: number }) => (t ? seconds(t.t - record.startedAt) : undefined);
    return {
      alert,
      severity: record.severities[alert],
      firstPendingS: rel(at('pending')),
      firstFiringS: rel(at('firing')),
      lastResolvedS: firings > 0 ? rel(lastResolved) : undefined,
      flaps: Math.max(0, firings - 1),
      notifications: {
        email: { firing: count('email', 'firing'), resolved: count('email', 'resolved') },
        discord: { firing: count('discord', 'firing'), resolved: count('discord', 'resolved') },
      },
      ...(record.heldBack?.[alert]?.length ? { heldBackBy: record.heldBack[alert] } : {}),
    };
  });
}

export function judge(scenario: Scenario, record: RunRecord): Verdict {
  const expectations: Expectation[] = [];
  const { transitions, notifications } = record;
  for (const rule of scenario.fire) {
    const from = record.stepTimes[rule.after];
    if (from === undefined) {
      expectations.push({ kind: 'fire', what: `${rule.alert} fires within ${seconds(rule.withinMs)} s of ${rule.after}`, met: false, measured: `step ${rule.after} never ran` });
      continue;
    }
    const firing = firstAfter(transitions, from, (t) => t.alert === rule.alert && t.state === 'firing');
    expectations.push(timed('fire', `${rule.alert} fires within ${seconds(rule.withinMs)} s of ${rule.after}`, firing, from, rule.withinMs));
    for (const channel of rule.notify) {
      const page = firstAfter(notifications, from, (n) => n.channel === channel && n.status === 'firing' && n.alerts.includes(rule.alert));
      expectations.push(timed('page', `${rule.alert} notified on ${channel} within ${seconds(rule.withinMs)} s of ${rule.after}`, page, from, rule.withinMs));
    }
    if (rule.healedBy && rule.resolveWithinMs !== undefined) {
      const healedAt = record.stepTimes[rule.healedBy];
      const what = `${rule.alert} resolves within ${seconds(rule.resolveWithinMs)} s of ${rule.healedBy}`;
      if (healedAt === undefined) {
        expectations.push({ kind: 'resolve', what, met: false, measured: `step ${rule.healedBy} never ran` });
        continue;
      }
      // Resolved = inactive after the heal and not firing again later in the run.
      const resolved = firstAfter(transitions, healedAt, (t) => t.alert === rule.alert && t.state === 'inactive');
      const refired = resolved && firstAfter(transitions, resolved.t + 1, (t) => t.alert === rule.alert && t.state === 'firing');
      const result = timed('resolve', what, firing ? resolved : undefined, healedAt, rule.resolveWithinMs);
      if (refired) Object.assign(result, { met: false, measured: `${result.measured}, then fired again at +${seconds(refired.t - healedAt)} s` });
      expectations.push(result);
      for (const channel of rule.notify) {
        const notice = firstAfter(notifications, healedAt, (n) => n.channel === channel && n.status === 'resolved' && n.alerts.includes(rule.alert));
        expectations.push(timed('resolved-notice', `${rule.alert} RESOLVED on ${channel} within ${seconds(rule.resolveWithinMs)} s of ${rule.healedBy}`, notice, healedAt, rule.resolveWithinMs));
      }
    }
  }
  const heard = (alert: string): { t: number; how: string } | undefined => {
    if (record.sinkWatched) {
      const notice = notifications.find((n) => n.status === 'firing' && n.alerts.includes(alert));
      return notice && { t: notice.t, how: `notified on ${notice.channel}` };
    }
    const fired = transitions.find((t) => t.alert === alert && t.state === 'firing');
    return fired && { t: fired.t, how: 'fired' };
  };
  for (const alert of scenario.silent) {
    const noise = heard(alert);
    expectations.push({
      kind: 'silent',
      what: `${alert} stays silent`,
      met: !noise,
      measured: noise ? `${noise.how} at +${seconds(noise.t - record.startedAt)} s` : 'silent',
    });
  }
  const expected = new Set(scenario.fire.map((rule) => rule.alert));
  const pageAlerts = new Set([...Object.entries(record.severities)].filter(([, severity]) => severity === 'page').map(([name]) => name));
  const unexpectedPages = [...pageAlerts].filter((alert) => !expected.has(alert) && heard(alert)).sort();
  if (scenario.noOtherPages) {
    expectations.push({
      kind: 'no-other-pages',
      what: expected.size ? `no page besides ${[...expected].join(', ')}` : 'no page at all',
      met: unexpectedPages.length === 0,
      measured: unexpectedPages.length ? unexpectedPages.join(', ') : 'none',
    });
  }
  for (const check of record.checks) {
    expectations.push({ kind: check.kind, what: check.limit ? `${check.name} ${check.limit}` : check.name, met: check.met, measured: check.measured });
  }
  return {
    scenario: scenario.name,
    description: scenario.description,
    passed: expectations.every((e) => e.met),
    startedAt: new Date(record.startedAt).toISOString(),
    endedAt: new Date(record.endedAt).toISOString(),
    durationS: seconds(record.endedAt - record.startedAt),
    steps: scenario.steps.flatMap((step) => {
      const t = record.stepTimes[step.id];
      return t === undefined ? [] : [{ id: step.id, atS: seconds(t - record.startedAt), say: step.say }];
    }),
    expectations,
    alerts: summarizeAlerts(record),
    unexpectedPages,
  };
}
