// End-to-end proof of the alerting pipeline with the real binaries: two API replicas (child
// processes, one real PostgreSQL database), Prometheus with the project's rules and the shipped
// 5 s scrape/evaluation intervals, Alertmanager with the project's config pointed at the local
// sink, and steady traffic generated here. Then faults are injected through the chaos admin API
// and the notifications that reach the sink are checked.
//
// The only shortening: Alertmanager's group_wait 2 s and group_interval 5 s (instead of 10 s and
// 1 m), through the documented ALERTMANAGER_GROUP_WAIT / ALERTMANAGER_GROUP_INTERVAL overrides of
// the same template — so "resolved" arrives in seconds rather than a minute. The rules (30 s
// windows, `for: 30s`; 1 m and `for: 1m` for read errors) are the shipped ones. Wall time ≈ 6–7 minutes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startApi, type RunningApi } from '../support/api-process.js';
import { startSink, type Sink, type SinkMessage } from '../../apps/sink/sink.js';
import {
  FAILURE_CHAOS,
  LATENCY_CHAOS,
  NOMINAL_CHAOS,
  firing,
  isPage,
  resolvedMsg,
  startMonitoring,
  startTraffic,
  type Monitoring,
  type Traffic,
  waitForEach,
} from '../support/pipeline.js';

// The default RUNBOOK_BASE_URL: the live dashboard's /runbooks/ (DASHBOARD_URL + runbooks/).
const RUNBOOKS = 'http://127.0.0.1:3000/runbooks';
const NOTIFY_TIMEOUT_MS = 120_000;
const SYMPTOMS = /PurchaseFailureRateHigh|HighRequestLatency|SLO(Fast|Slow)Burn/;

let sink: Sink;
let replica1: RunningApi;
let replica2: RunningApi | undefined;
let traffic: Traffic;
let monitoring: Monitoring;

/** Both channels' messages matching `predicate`, or an error that says what Prometheus saw. */
async function waitBoth(predicate: (kind: SinkMessage['kind']) => (m: SinkMessage) => boolean): Promise<[SinkMessage, SinkMessage]> {
  const [email, discord] = await waitForEach({ sink, monitoring, traffic }, ['email', 'discord'], predicate, NOTIFY_TIMEOUT_MS, 'notification');
  return [email!, discord!];
}

describe('alerting pipeline end to end (API → Prometheus → Alertmanager → email + Discord)', { timeout: 11 * 60_000 }, () => {
  before(async () => {
    sink = await startSink({ log: () => {} });
    replica1 = await startApi({ chaos: NOMINAL_CHAOS, env: { LOG_LEVEL: 'warn' } });
    replica2 = await startApi({ chaos: NOMINAL_CHAOS, env: { LOG_LEVEL: 'warn' }, databaseUrl: replica1.databaseUrl });
    traffic = await startTraffic([replica1.url, replica2.url], { purchasesPerSecond: 4, readsPerSecond: 4, maxDurationMs: 10 * 60_000 });
    monitoring = await startMonitoring([`127.0.0.1:${replica1.port}`, `127.0.0.1:${replica2.port}`], sink, {
      alertmanagerEnv: { ALERTMANAGER_GROUP_WAIT: '2s', ALERTMANAGER_GROUP_INTERVAL: '5s' },
    });
  });

  after(async () => {
    await traffic?.stop();
    await monitoring?.stop();
    await replica2?.stop();
    await replica1?.stop();
    await sink?.close();
  });

  it('a nominal minute at the default background failure rate (2 %) pages nobody, while the Watchdog proves the pipeline is alive', async () => {
    await sleep(60_000);
    assert.deepEqual(sink.messages().filter(isPage).map((m) => m.subject), []);
    assert.deepEqual(sink.messages().filter((m) => !m.accepted), [], 'no notification was refused by the sink');
    const attempts = await monitoring.prometheus.query('job:purchase_attempts:rate30s');
    assert.ok(Number(attempts[0]?.value[1]) >= 1, `purchase attempts/s: ${JSON.stringify(attempts)} (the rule needs ≥ 1)`);
    // Prometheus's first evaluation can run before it has discovered Alertmanager (that batch is
    // dropped); an unchanged firing alert is then re-sent after --rules.alert.resend-delay (1 m).
    let watchdog;
    for (const deadline = Date.now() + 40_000; !watchdog && Date.now() < deadline; await sleep(1_000)) {
      watchdog = (await monitoring.alertmanager.alerts()).find((a) => a.labels.alertname === 'Watchdog');
    }
    assert.ok(watchdog, 'the Watchdog reached Alertmanager');
    assert.deepEqual(watchdog.receivers.map((r) => r.name), ['null']);
    const counts = traffic.counts();
    assert.ok((counts['purchase 201'] ?? 0) > 100, `confirmed purchases: ${JSON.stringify(counts)}`);
  });

  it('payment failures at 50 % → PurchaseFailureRateHigh arrives by email and on Discord with the right content', async () => {
    const t0 = Date.now();
    await replica1.setChaos(FAILURE_CHAOS);
    const [email, discord] = await waitBoth((kind) => firing('PurchaseFailureRateHigh', kind));
    const seconds = (Date.parse(email.receivedAt) - t0) / 1000;
    console.log(`# PurchaseFailureRateHigh email after ${seconds.toFixed(1)} s (group_wait shortened to 2 s)`);
    for (const message of [email, discord]) {
      assert.match(message.subject, /^\[FIRING:1\] PAGE PurchaseFailureRateHigh — \d+(\.\d+)?% of ticket purchases are failing$/);
      assert.match(message.text, /FIRING since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
      assert.match(message.text, /Now: \d+(\.\d+)?% of purchase attempts/);
      assert.match(message.text, new RegExp(`Runbook: ${RUNBOOKS}/purchase-failure-rate-high\\.md`));
      assert.match(message.text, /Dashboard: http:\/\/127\.0\.0\.1:3000\/d\/ticketpulse-overview/);
    }
    assert.ok(seconds < 90, `took ${seconds} s`);
  });

  it('healing → resolved notifications arrive by email and on Discord', async () => {
    await replica1.setChaos(NOMINAL_CHAOS);
    const [email, discord] = await waitBoth((kind) => resolvedMsg('PurchaseFailureRateHigh', kind));
    assert.match(email.subject, /^\[RESOLVED\] PAGE PurchaseFailureRateHigh/);
    assert.match(discord.text, /RESOLVED \d\d:\d\d:\d\d → \d\d:\d\d:\d\d UTC/);
  });

  it('a quarter of reads answering 500 (readErrorRate 0.25) → ReadErrorRateHigh arrives, and resolves once healed', async () => {
    const t0 = Date.now();
    await replica1.setChaos({ ...NOMINAL_CHAOS, readErrorRate: 0.25 });
    const [email, discord] = await waitBoth((kind) => firing('ReadErrorRateHigh', kind));
    console.log(`# ReadErrorRateHigh email after ${((Date.parse(email.receivedAt) - t0) / 1000).toFixed(1)} s (group_wait shortened to 2 s)`);
    for (const message of [email, discord]) {
      assert.match(message.subject, /^\[FIRING:1\] PAGE ReadErrorRateHigh — \d+(\.\d+)?% of concert and order reads fail$/);
      assert.match(message.text, new RegExp(`Runbook: ${RUNBOOKS}/read-error-rate-high\\.md`));
      assert.match(message.text, /Dashboard: http:\/\/127\.0\.0\.1:3000\/d\/ticketpulse-overview/);
    }
    assert.ok((traffic.counts()['read 500'] ?? 0) > 0, `reads failed: ${JSON.stringify(traffic.counts())}`);
    const healedAt = Date.now();
    // NOMINAL_CHAOS names no readErrorRate: an omitted fault is healed.
    await replica1.setChaos(NOMINAL_CHAOS);
    const [resolved] = await waitBoth((kind) => resolvedMsg('ReadErrorRateHigh', kind));
    console.log(`# ReadErrorRateHigh resolved ${((Date.parse(resolved.receivedAt) - healedAt) / 1000).toFixed(1)} s after healing`);
  });

  it('latency of 0.6–0.9 s → HighRequestLatency arrives', async () => {
    const t0 = Date.now();
    await replica1.setChaos(LATENCY_CHAOS);
    const [email] = await waitBoth((kind) => firing('HighRequestLatency', kind));
    console.log(`# HighRequestLatency email after ${((Date.parse(email.receivedAt) - t0) / 1000).toFixed(1)} s`);
    assert.match(email.subject, /PAGE HighRequestLatency/);
    assert.match(email.text, /p95 latency of (GET|POST) \/api\/concerts/);
    assert.match(email.text, new RegExp(`Runbook: ${RUNBOOKS}/high-request-latency\\.md`));
  });

  it('a replica stops → ApiDown arrives, and it inhibits the symptoms still firing (no new symptom page)', async () => {
    // The latency fault stays on: the surviving replica keeps HighRequestLatency firing.
    const stoppedPort = replica2!.port;
    await replica2!.stop();
    replica2 = undefined;
    const [email] = await waitBoth((kind) => firing('ApiDown', kind));
    assert.match(email.subject, new RegExp(`PAGE ApiDown — API replica 127\\.0\\.0\\.1:${stoppedPort} is down`));
    assert.match(email.text, new RegExp(`Runbook: ${RUNBOOKS}/api-down\\.md`));
    const downAt = Date.parse(email.receivedAt);

    // Alertmanager marks the symptoms as inhibited by ApiDown...
    const deadline = Date.now() + 30_000;
    let inhibited: string[] = [];
    while (Date.now() < deadline) {
      const alerts = await monitoring.alertmanager.alerts();
      inhibited = alerts.filter((a) => SYMPTOMS.test(a.labels.alertname ?? '') && a.status.inhibitedBy.length > 0).map((a) => a.labels.alertname!);
      const active = alerts.filter((a) => SYMPTOMS.test(a.labels.alertname ?? '') && a.status.state === 'active');
      if (inhibited.includes('HighRequestLatency') && active.length === 0) break;
      await sleep(1_000);
    }
    assert.ok(inhibited.includes('HighRequestLatency'), `inhibited symptoms: ${JSON.stringify(inhibited)}`);

    // ...and no symptom pages arrive while the replica is down (three group intervals).
    await sleep(15_000);
    const lateSymptomPages = sink
      .messages()
      .filter((m) => Date.parse(m.receivedAt) > downAt + 1_000 && m.subject.startsWith('[FIRING') && SYMPTOMS.test(m.subject));
    assert.deepEqual(lateSymptomPages.map((m) => m.subject), []);
    assert.deepEqual(sink.messages().filter((m) => !m.accepted).map((m) => m.error), [], 'Discord would have accepted every message');
  });
});
