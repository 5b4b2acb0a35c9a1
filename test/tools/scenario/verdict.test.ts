// The grading rules on recorded observations (what a run's verdict.json keeps as `record`): when
// "fired within", "resolved within", "silent" and "no other page" are met or missed. The real runs
// that produce such records are in scenario-e2e.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseScenario } from '../../../tools/scenario/schema.js';
import { judge, type RunRecord } from '../../../tools/scenario/verdict.js';
import type { AlertTransition, Notification } from '../../../tools/scenario/observer.js';

const scenario = parseScenario(
  `description: t
load: { kind: steady }
duration: 5m
timeline:
  - { at: 30s, id: fault, set: flaky-payments }
  - { at: 2m, id: heal, heal: [failureRate] }
expect:
  fire: [{ alert: PurchaseFailureRateHigh, within: 60s, notify: [email, discord], resolveWithin: 60s }]
  silent: [pages, HighRequestLatency]
`,
  'scenarios/t.yaml',
);

const T0 = 1_000_000;
const at = (s: number) => T0 + s * 1000;
const fire = (alert: string, s: number, severity = 'page'): AlertTransition => ({ t: at(s), alert, state: 'firing', severity });
const clear = (alert: string, s: number): AlertTransition => ({ t: at(s), alert, state: 'inactive' });
const note = (alert: string, s: number, channel: 'email' | 'discord', status: 'firing' | 'resolved'): Notification => ({
  t: at(s),
  channel,
  status,
  alerts: [alert],
  subject: `[${status === 'firing' ? 'FIRING:1' : 'RESOLVED'}] ${alert}`,
});

function record(transitions: AlertTransition[], notifications: Notification[]): RunRecord {
  return {
    startedAt: T0,
    endedAt: at(240),
    stepTimes: { fault: at(30), heal: at(120) },
    transitions,
    notifications,
    severities: { PurchaseFailureRateHigh: 'page', HighRequestLatency: 'page', ApiDown: 'page' },
    checks: [],
    sinkWatched: true,
  };
}

const incident = [fire('PurchaseFailureRateHigh', 70), clear('PurchaseFailureRateHigh', 150)];
const notices = (['email', 'discord'] as const).flatMap((c) => [note('PurchaseFailureRateHigh', 80, c, 'firing'), note('PurchaseFailureRateHigh', 160, c, 'resolved')]);

test('fired, paged on both channels and resolved in time: every expectation met, with the measured seconds', () => {
  const verdict = judge(scenario, record(incident, notices));
  assert.equal(verdict.passed, true, JSON.stringify(verdict.expectations, null, 1));
  const byKind = Object.fromEntries(verdict.expectations.map((e) => [`${e.kind}${e.what.includes('discord') ? '-discord' : ''}`, e.seconds]));
  assert.deepEqual(byKind, { fire: 40, page: 50, 'page-discord': 50, resolve: 30, 'resolved-notice': 40, 'resolved-notice-discord': 40, silent: undefined, 'no-other-pages': undefined });
  const summary = verdict.alerts.find((a) => a.alert === 'PurchaseFailureRateHigh')!;
  assert.deepEqual(summary.notifications, { email: { firing: 1, resolved: 1 }, discord: { firing: 1, resolved: 1 } });
  assert.equal(summary.flaps, 0);
});

test('a page later than `within` is missed, and so is a channel that never got it', () => {
  const late = [note('PurchaseFailureRateHigh', 100, 'email', 'firing')];
  const verdict = judge(scenario, record([fire('PurchaseFailureRateHigh', 95), clear('PurchaseFailureRateHigh', 150)], late));
  assert.equal(verdict.passed, false);
  const missed = verdict.expectations.filter((e) => !e.met).map((e) => `${e.what}: ${e.measured}`);
  assert.ok(missed.includes('PurchaseFailureRateHigh fires within 60 s of fault: 65 s'), missed.join('\n'));
  assert.ok(missed.includes('PurchaseFailureRateHigh notified on email within 60 s of fault: 70 s'));
  assert.ok(missed.includes('PurchaseFailureRateHigh notified on discord within 60 s of fault: never'));
});

test('an alert that resolves and fires again after the heal has not resolved; the flap is counted', () => {
  const flapping = [...incident, fire('PurchaseFailureRateHigh', 170)];
  const verdict = judge(scenario, record(flapping, notices));
  const resolve = verdict.expectations.find((e) => e.kind === 'resolve')!;
  assert.equal(resolve.met, false);
  assert.match(resolve.measured, /then fired again at \+50 s/);
  assert.equal(verdict.alerts.find((a) => a.alert === 'PurchaseFailureRateHigh')!.flaps, 1);
});

test('another page that reached someone breaks "silent" and "no other page"; one Alertmanager inhibited does not', () => {
  const noisy = judge(scenario, record([...incident, fire('HighRequestLatency', 90)], [...notices, note('HighRequestLatency', 100, 'email', 'firing')]));
  assert.deepEqual(noisy.unexpectedPages, ['HighRequestLatency']);
  assert.deepEqual(noisy.expectations.filter((e) => !e.met).map((e) => e.kind).sort(), ['no-other-pages', 'silent']);
  // Firing in Prometheus but never notified: inhibited, nobody was paged.
  const inhibited = judge(scenario, record([...incident, fire('ApiDown', 90)], notices));
  assert.equal(inhibited.passed, true);
  assert.deepEqual(inhibited.unexpectedPages, []);
  // Without a sink to ask, firing in Prometheus is all there is to go by.
  const blind = judge(scenario, { ...record([...incident, fire('ApiDown', 90)], notices), sinkWatched: false });
  assert.deepEqual(blind.unexpectedPages, ['ApiDown']);
});

test('a failed end-of-run check (gate or invariant) fails the verdict', () => {
  const checked = { ...record(incident, notices), checks: [{ kind: 'gate' as const, name: 'p99 latency', limit: '≤ 250 ms', met: false, measured: '900 ms' }] };
  const verdict = judge(scenario, checked);
  assert.equal(verdict.passed, false);
  assert.deepEqual(verdict.expectations.filter((e) => !e.met).map((e) => `${e.what}: ${e.measured}`), ['p99 latency ≤ 250 ms: 900 ms']);
});
