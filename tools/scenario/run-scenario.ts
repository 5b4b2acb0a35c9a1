// Plays one scenario against running parts (the local stack, compose or a cluster): applies the
// baseline, starts the load, runs the timeline on the clock, watches alerts and notifications, and
// at the end checks the gate and the invariants, judges, and writes verdict.json + report.html.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { withFaultDefaults, type ChaosSettings } from '../../packages/contract/index.js';
import { putChaos } from '../../packages/shared/chaos-client.js';
import { createPrometheusClient } from '../../packages/shared/prometheus-client.js';
import { checkGate } from './gate.js';
import { checkInvariants } from './invariants.js';
import { startLoad } from './load-driver.js';
import { Observer } from './observer.js';
import { collectSeries } from './series.js';
import { renderReport } from './report-html.js';
import { needsOwnStack, type ChaosChange, type FaultKey, type Scenario } from './schema.js';
import type { ApiOutage } from '../stack/api-outage.js';
import { judge, type RunRecord, type Verdict } from './verdict.js';

export interface Targets {
  apiUrl: string;
  prometheusUrl: string;
  alertmanagerUrl?: string;
  sinkUrl?: string;
  adminToken: string;
  /** The stack this runner started: `api: down` / `api: up` steps stop and start its API replicas. */
  apiOutage?: ApiOutage;
}

export interface RunResult {
  verdict: Verdict;
  runDir: string;
}

export interface RunOptions {
  runsDir: string;
  log: (line: string) => void;
  /** Progress line period. */
  progressEveryMs?: number;
  /** Set by Ctrl-C: the run stops at the next tick and is judged on what it saw. */
  interrupted?: () => boolean;
}

export function folderTimestamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
}

/** No fault at all: the calm preset with every fault field at its healed value. */
export const CALM: ChaosSettings = withFaultDefaults({ failureRate: 0, latencyMs: { min: 5, max: 150 } });

const secondsText = (ms: number) => `${Math.max(0, Math.round(ms / 1000))}s`;

/** `heal` puts the named faults back to what the baseline has for them. */
function healed(current: ChaosSettings, keys: FaultKey[], baseline: ChaosSettings): ChaosSettings {
  const next = structuredClone(current) as unknown as Record<FaultKey, unknown>;
  for (const key of keys) next[key] = structuredClone(baseline[key]);
  return next as unknown as ChaosSettings;
}

function changed(current: ChaosSettings, change: ChaosChange): ChaosSettings {
  return { ...structuredClone(current), ...structuredClone(change) } as ChaosSettings;
}

/**
 * A step's chaos change, retried for up to 30 s: during a crash loop or right after one the API
 * may be between two lives when the heal is due, and the heal must still land.
 */
async function applyChaos(targets: Targets, settings: ChaosSettings, log: (line: string) => void): Promise<ChaosSettings> {
  const deadline = Date.now() + 30_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await putChaos(targets.apiUrl, targets.adminToken, settings);
    } catch (error) {
      // A refusal (4xx: a bad value, a wrong token) will not change with time: fail at once.
      if (/answered 4\d\d/.test((error as Error).message) || Date.now() > deadline) throw error;
      if (attempt === 1) log(`the chaos change did not land (${(error as Error).message}); retrying for up to 30 s`);
      await sleep(1_000);
    }
  }
}

/** True once every timed expectation is decided: met, or past its deadline. Then the run may end early. */
function decided(scenario: Scenario, record: RunRecord, now: number): boolean {
  const verdict = judge(scenario, { ...record, endedAt: now });
  return scenario.fire.every((rule) => {
    const last = rule.healedBy && rule.resolveWithinMs !== undefined ? { step: rule.healedBy, ms: rule.resolveWithinMs } : { step: rule.after, ms: rule.withinMs };
    const from = record.stepTimes[last.step];
    if (from !== undefined && now > from + last.ms) return true;
    return verdict.expectations.filter((e) => e.what.startsWith(`${rule.alert} `) && e.kind !== 'silent').every((e) => e.met);
  });
}

/**
 * A stack that just started has alerts pending from before the API answered (ApiDown, ProbeFailing):
 * the clock starts once no page-severity alert is pending or firing, so start-up is not graded.
 */
async function settle(prometheusUrl: string, log: (line: string) => void, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const prometheus = createPrometheusClient(prometheusUrl, { timeoutMs: 5_000 });
  let said = false;
  for (;;) {
    // Not answering yet is not an answer: keep waiting.
    const alerts = await prometheus.alerts().catch(() => undefined);
    const pages = alerts?.filter((a) => a.labels.severity === 'page').map((a) => a.labels.alertname) ?? [];
    if (alerts && pages.length === 0) return;
    if (Date.now() > deadline) {
      log(`still active before the start, graded as part of the run: ${pages.join(', ') || 'Prometheus does not answer'}`);
      return;
    }
    if (!said) log(`waiting for the start-up alerts to clear: ${pages.join(', ') || 'Prometheus does not answer yet'}`);
    said = true;
    await sleep(2_000);
  }
}

export async function runScenario(scenario: Scenario, targets: Targets, options: RunOptions): Promise<RunResult> {
  const { log } = options;
  if (needsOwnStack(scenario) && !targets.apiOutage) {
    throw new Error(`${scenario.name} takes the API down (api: down), which only the stack this runner starts can do`);
  }
  const runDir = resolve(options.runsDir, `${folderTimestamp(new Date())}-${scenario.name}`);
  mkdirSync(runDir, { recursive: true });
  const baseline = withFaultDefaults(changed(CALM, scenario.baseline));
  let chaos = await putChaos(targets.apiUrl, targets.adminToken, baseline);

  await settle(targets.prometheusUrl, log);
  const observer = new Observer({ prometheusUrl: targets.prometheusUrl, sinkUrl: targets.sinkUrl, alertmanagerUrl: targets.alertmanagerUrl }, scenario.fire.map((rule) => rule.alert));
  await observer.start();
  const load = await startLoad(scenario, targets.apiUrl, runDir, targets.adminToken);
  const startedAt = Date.now();
  const record: RunRecord = { startedAt, endedAt: startedAt, stepTimes: {}, transitions: observer.transitions, notifications: observer.notifications, severities: {}, checks: [], sinkWatched: Boolean(targets.sinkUrl) };
  log(`${scenario.name}: ${scenario.description.split('\n')[0]}`);
  log(`run folder ${runDir}; load ${scenario.load.kind === 'steady' ? `steady ${scenario.load.purchasesPerSecond} purchases/s + ${scenario.load.readsPerSecond} reads/s` : `locust ${scenario.load.shape}, ${scenario.load.users} users`}; up to ${secondsText(scenario.durationMs)}`);

  let next = 0;
  let lastProgress = 0;
  let apiDown = false;
  const every = options.progressEveryMs ?? 10_000;
  try {
    for (;;) {
      const now = Date.now();
      const elapsed = now - startedAt;
      while (next < scenario.steps.length && scenario.steps[next]!.atMs <= elapsed) {
        const step = scenario.steps[next++]!;
        if (step.api === 'up') {
          await targets.apiOutage!.end();
          apiDown = false;
        }
        if (step.set) chaos = await applyChaos(targets, changed(chaos, step.set), log);
        if (step.heal) chaos = await applyChaos(targets, healed(chaos, step.heal, baseline), log);
        if (step.api === 'down') {
          // Before the wait: a hold that never completes must still be ended in the clean-up below.
          apiDown = true;
          await targets.apiOutage!.begin();
        }
        if (step.load) await load.setRate(step.load);
        record.stepTimes[step.id] = Date.now();
        const what = [step.set && `set ${Object.keys(step.set).join(', ')}`, step.heal && `heal ${step.heal.join(', ')}`, step.api && `API ${step.api}`, step.load && 'change the load'].filter(Boolean).join('; ');
        log(`+${secondsText(elapsed)} step ${next}/${scenario.steps.length} ${step.id}: ${step.say ?? what}`);
      }
      const done = elapsed >= scenario.durationMs || options.interrupted?.() || (next === scenario.steps.length && scenario.fire.length > 0 && decided(scenario, record, now));
      if (done || now - lastProgress >= every) {
        lastProgress = now;
        const active = observer.active().map((a) => `${a.alert} ${a.state}`).join(', ') || 'none active';
        const pages = observer.notifications.filter((n) => n.status === 'firing').length;
        log(`+${secondsText(elapsed)} of ${secondsText(scenario.durationMs)} (${secondsText(scenario.durationMs - elapsed)} left) · step ${next}/${scenario.steps.length} · alerts: ${active} · notifications: ${pages} firing, ${observer.notifications.length - pages} resolved · ${load.describe()}`);
      }
      if (done) break;
      await sleep(Math.min(1_000, Math.max(50, (scenario.steps[next]?.atMs ?? Infinity) - elapsed)));
    }
  } finally {
    await load.stop();
    record.endedAt = Date.now();
    await observer.stop();
    // An API left down (a run cut short, a file that never brings it up) comes back first: the
    // heal below and the invariants go through it.
    if (apiDown) await targets.apiOutage!.end().catch((error: Error) => log(`could not bring the API back at the end: ${error.message}`));
    // Every fault is healed, the baseline's background noise too: the invariants read back stored
    // orders (a baseline's read errors would fail them for the read path, not the data), and the
    // next scenario (or user) starts calm.
    await applyChaos(targets, CALM, log).catch((error: Error) => log(`could not heal at the end: ${error.message}`));
  }
  if (observer.pollErrors > 0) log(`(${observer.pollErrors} polls of Prometheus/the sink failed; last: ${observer.lastPollError})`);
  record.severities = Object.fromEntries(observer.severities);
  if (observer.alertmanagerErrors > 0) log(`(${observer.alertmanagerErrors} reads of Alertmanager failed: "held back by" may miss an inhibition)`);
  if (targets.alertmanagerUrl) record.heldBack = Object.fromEntries([...observer.heldBack].map(([alert, by]) => [alert, [...by].sort()]));

  if (scenario.gate) {
    // One more scrape, so the last seconds of traffic are in Prometheus.
    await sleep(6_000);
    // Without a sink nothing says who was told: then every firing page counts.
    const notified = new Set(observer.notifications.filter((n) => n.status === 'firing').flatMap((n) => n.alerts));
    const heldBackAlerts = record.sinkWatched ? Object.keys(record.heldBack ?? {}).filter((alert) => record.heldBack![alert]!.length && !notified.has(alert)) : [];
    record.checks.push(
      ...(await checkGate(targets.prometheusUrl, scenario.gate, { startMs: startedAt, endMs: record.endedAt, expectedAlerts: scenario.fire.map((r) => r.alert), heldBackAlerts })),
    );
  }
  if (scenario.invariants) record.checks.push(...(await checkInvariants(targets.apiUrl, load)));

  const verdict = judge(scenario, record);
  writeFileSync(join(runDir, 'verdict.json'), `${JSON.stringify({ ...verdict, record }, null, 2)}\n`);
  const series = await collectSeries(targets.prometheusUrl, startedAt, record.endedAt).catch((error: Error) => {
    log(`the report has no metric charts: ${error.message}`);
    return [];
  });
  writeFileSync(join(runDir, 'report.html'), renderReport(verdict, record, series, scenario));
  for (const e of verdict.expectations) log(`${e.met ? 'met   ' : 'MISSED'} ${e.what}: ${e.measured}`);
  log(`${verdict.passed ? 'PASS' : 'FAIL'} ${scenario.name} — ${join(runDir, 'report.html')}`);
  return { verdict, runDir };
}
