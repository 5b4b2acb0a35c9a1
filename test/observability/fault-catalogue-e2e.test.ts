// The fault catalogue (docs/faults.md) on one shared real stack: two API replicas on one PostgreSQL
// database, each reaching it through its in-process fault proxy (DATABASE_FAULT_PROXY, so a staged
// outage cuts real connections), Prometheus with the shipped rules and 5 s intervals, Alertmanager
// with the shipped template pointed at the sink, and steady traffic. For each fault: staging it
// makes the alert meant for it arrive on the channels its severity routes to, healing it resolves
// it, and no other page is sent from the fault until its resolution (the inhibitions at work).
//
// Payment failures, read errors, latency and a stopped replica are in pipeline-e2e.test.ts; the
// memory leak (10 minutes to page) and the CPU burn (it saturates the machine) are measured by their
// scenarios instead (docs/alerts.md). The only shortening is the same as there: Alertmanager's
// group_wait 2 s and group_interval 5 s. Wall time ≈ 9–11 minutes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaosInput } from '../../packages/contract/index.js';
import { startApi, type RunningApi } from '../support/api-process.js';
import { startSink, type Sink, type SinkMessage } from '../../apps/sink/sink.js';
import { NOMINAL_CHAOS, firing, isPage, resolvedMsg, startMonitoring, startTraffic, type Monitoring, type Traffic } from '../support/pipeline.js';

const FIRE_TIMEOUT_MS = 240_000;
const RESOLVE_TIMEOUT_MS = 240_000;

let sink: Sink;
let replicas: RunningApi[] = [];
let traffic: Traffic;
let monitoring: Monitoring;

interface FaultCase {
  set: Partial<ChaosInput>;
  alert: string;
  channels: SinkMessage['kind'][];
}

/** Stages the fault, waits for its alert on every channel, heals it, waits for the resolutions. */
async function stageAndHeal({ set, alert, channels }: FaultCase): Promise<{ firedAfterS: number; resolvedAfterS: number; pages: string[] }> {
  const from = Date.now();
  await replicas[0]!.setChaos({ ...NOMINAL_CHAOS, ...set });
  const fired = await waitAll(channels, (kind) => firing(alert, kind), FIRE_TIMEOUT_MS, `${alert} firing`);
  const healedAt = Date.now();
  // NOMINAL_CHAOS names no fault: every omitted fault is healed.
  await replicas[0]!.setChaos(NOMINAL_CHAOS);
  const resolved = await waitAll(channels, (kind) => resolvedMsg(alert, kind), RESOLVE_TIMEOUT_MS, `${alert} resolved`);
  // One group interval more, so a page that the heal lets through (an inhibition lifted too early) is seen.
  await sleep(10_000);
  const pages = sink
    .messages()
    .filter((m) => Date.parse(m.receivedAt) >= from && isPage(m))
    .map((m) => m.subject.replace(/ — .*/, ''));
  const at = (messages: SinkMessage[], since: number) => (Math.max(...messages.map((m) => Date.parse(m.receivedAt))) - since) / 1000;
  return { firedAfterS: at(fired, from), resolvedAfterS: at(resolved, healedAt), pages };
}

async function waitAll(channels: SinkMessage['kind'][], predicate: (kind: SinkMessage['kind']) => (m: SinkMessage) => boolean, timeoutMs: number, what: string) {
  try {
    return await Promise.all(channels.map((kind) => sink.waitFor(predicate(kind), timeoutMs)));
  } catch (error) {
    const alerts = await monitoring.prometheus.alerts().catch(() => []);
    throw new Error(`${what}: ${(error as Error).message}\nPrometheus alerts: ${alerts.map((a) => `${a.labels.alertname}:${a.state}`).join(', ')}\ntraffic: ${JSON.stringify(traffic.counts())}`);
  }
}

/** Page notifications of other alerts than `alert` (its own firing page is the one expected). */
const otherPages = (pages: string[], alert: string) => pages.filter((subject) => !new RegExp(`\\b${alert}$`).test(subject));

describe('the fault catalogue on one real stack: each fault pages once, by the alert meant for it', { timeout: 16 * 60_000 }, () => {
  before(async () => {
    sink = await startSink({ log: () => {} });
    const env = { LOG_LEVEL: 'warn', DATABASE_FAULT_PROXY: 'true' };
    const first = await startApi({ chaos: NOMINAL_CHAOS, env });
    replicas = [first, await startApi({ chaos: NOMINAL_CHAOS, env, databaseUrl: first.databaseUrl })];
    traffic = await startTraffic(replicas.map((r) => r.url), { purchasesPerSecond: 4, readsPerSecond: 4, maxDurationMs: 15 * 60_000 });
    monitoring = await startMonitoring(replicas.map((r) => `127.0.0.1:${r.port}`), sink, {
      alertmanagerEnv: { ALERTMANAGER_GROUP_WAIT: '2s', ALERTMANAGER_GROUP_INTERVAL: '5s' },
    });
    // The rules' 30 s and 1 m windows fill before the first fault.
    await sleep(45_000);
    assert.deepEqual(sink.messages().filter(isPage).map((m) => m.subject), [], 'calm traffic pages nobody');
  });

  after(async () => {
    await traffic?.stop();
    await monitoring?.stop();
    for (const replica of replicas.reverse()) await replica.stop();
    await sink?.close();
  });

  // In this order: a cause holds back what it explains for 5 minutes after it resolved
  // (IncidentAftermath, span symptoms), and the outage explains database slowness, so it comes last.
  it('database slowness (200 ms per statement) → DatabaseSlow by email and Discord, the latency it causes does not page too, it resolves', async () => {
    const result = await stageAndHeal({ set: { database: { slowMs: 200, outage: false } }, alert: 'DatabaseSlow', channels: ['email', 'discord'] });
    console.log(`# DatabaseSlow paged after ${result.firedAfterS.toFixed(1)} s, resolved ${result.resolvedAfterS.toFixed(1)} s after the heal`);
    assert.deepEqual(otherPages(result.pages, 'DatabaseSlow'), [], 'pages from the same slowness');
  });

  it('event-loop stalls (800 ms every 2 s) → EventLoopStalls as a ticket by email only, no page, it resolves', async () => {
    const before = sink.messages().length;
    const result = await stageAndHeal({ set: { eventLoopStall: { ms: 800, everySeconds: 2 } }, alert: 'EventLoopStalls', channels: ['email'] });
    console.log(`# EventLoopStalls ticket after ${result.firedAfterS.toFixed(1)} s, resolved ${result.resolvedAfterS.toFixed(1)} s after the heal`);
    assert.deepEqual(result.pages, [], 'stalls page nobody');
    const onDiscord = sink.messages().slice(before).filter((m) => m.kind === 'discord' && /EventLoopStalls/.test(m.subject));
    assert.deepEqual(onDiscord.map((m) => m.subject), [], 'a ticket goes to email only');
  });

  it('database outage (real connection cuts) → DatabaseUnreachable by email and Discord, nothing else pages, it resolves', async () => {
    const result = await stageAndHeal({ set: { database: { slowMs: 0, outage: true } }, alert: 'DatabaseUnreachable', channels: ['email', 'discord'] });
    console.log(`# DatabaseUnreachable paged after ${result.firedAfterS.toFixed(1)} s, resolved ${result.resolvedAfterS.toFixed(1)} s after the heal`);
    assert.deepEqual(otherPages(result.pages, 'DatabaseUnreachable'), [], 'pages from the same outage');
    assert.ok((traffic.counts()['purchase 503'] ?? 0) > 0, `buyers saw 503 during the outage: ${JSON.stringify(traffic.counts())}`);
  });
});
