// The report's judgements on hand-made series: the ramp's knee, alert intervals from ALERTS,
// and time-to-detect after a chaos change. (The end-to-end path is in report.test.ts.)
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { alertIntervals, chaosChanges, detections, findKnee } from '../../../tools/report/analysis.js';
import type { HistoryPoint } from '../../../tools/report/locust-csv.js';

const OBJECTIVES = { p99Ms: 300, errorRatio: 0.005 };

/** A Locust history: one point per second, `stairs` of [users, seconds, req/s, p99 ms, failures/s]. */
function history(stairs: Array<[number, number, number, number, number]>): HistoryPoint[] {
  const points: HistoryPoint[] = [];
  let t = 1_000;
  let totalRequests = 0;
  let totalFailures = 0;
  for (const [users, seconds, rps, p99, fps] of stairs) {
    for (let i = 0; i < seconds; i++) {
      totalRequests += rps;
      totalFailures += fps;
      points.push({ t: t++, users, requestsPerS: rps, failuresPerS: fps, p50: p99 / 4, p95: p99 / 2, p99, totalRequests, totalFailures });
    }
  }
  return points;
}

describe('findKnee', () => {
  test('when p99 breaks the objective at 300 users, then the knee is the 200-user stair', () => {
    const knee = findKnee(history([[100, 20, 100, 80, 0], [200, 20, 200, 150, 0], [300, 20, 260, 900, 0]]), OBJECTIVES);
    assert.deepEqual(knee.stairs.map((s) => [s.users, s.requests, s.withinObjectives]), [
      [100, 2000, true],
      [200, 4000, true],
      [300, 5200, false],
    ]);
    assert.equal(knee.knee?.users, 200);
    assert.equal(knee.knee?.requestsPerS, 200);
    assert.equal(knee.broken?.users, 300);
  });

  test('when errors pass 0.5% first, then that stair is where the knee ends', () => {
    const knee = findKnee(history([[50, 20, 100, 80, 0], [100, 20, 200, 90, 2]]), OBJECTIVES);
    assert.equal(knee.knee?.users, 50);
    assert.equal(knee.broken?.users, 100);
    assert.equal(knee.broken?.errorRatio, 0.01);
  });

  test('when every stair is within objectives, then the knee is the top stair and nothing broke', () => {
    const knee = findKnee(history([[10, 15, 20, 50, 0], [20, 15, 40, 60, 0]]), OBJECTIVES);
    assert.equal(knee.knee?.users, 20);
    assert.equal(knee.broken, undefined);
  });

  test('spawning seconds between stairs are not stairs', () => {
    const knee = findKnee(history([[10, 15, 20, 50, 0], [13, 1, 20, 50, 0], [17, 1, 20, 50, 0], [20, 15, 40, 60, 0]]), OBJECTIVES);
    assert.deepEqual(knee.stairs.map((s) => s.users), [10, 20]);
  });
});

describe('alerts and time to detect', () => {
  const series = (alertstate: string, from: number, to: number, stepS = 1) => ({
    metric: { __name__: 'ALERTS', alertname: 'PurchaseFailureRateHigh', alertstate, severity: 'page', job: 'ticketpulse-api' },
    values: Array.from({ length: (to - from) / stepS + 1 }, (_, i) => [from + i * stepS, 1] as [number, number]),
  });

  test('a pending run followed by a firing run is one alert with its pending, firing and resolved times', () => {
    const intervals = alertIntervals([series('pending', 100, 129), series('firing', 130, 170)], 1, 0, 300);
    assert.deepEqual(intervals, [
      {
        alertname: 'PurchaseFailureRateHigh',
        severity: 'page',
        labels: { severity: 'page', job: 'ticketpulse-api' },
        pendingAt: 100_000,
        firingAt: 130_000,
        resolvedAt: 171_000,
        firingBeforeWindow: false,
      },
    ]);
  });

  test('an alert still firing at the end of the window has no resolved time', () => {
    const [interval] = alertIntervals([series('firing', 130, 300)], 1, 0, 300);
    assert.equal(interval.resolvedAt, undefined);
  });

  test('an alert already firing when the run started is marked so, and is no detection', () => {
    const alerts = alertIntervals([series('firing', 100, 200)], 1, 100, 300);
    assert.equal(alerts[0].firingBeforeWindow, true);
    assert.deepEqual(detections(alerts, [{ at: 50_000, failureRate: 0.5, source: 'run.json' }]), []);
  });

  test('time to detect runs from the latest chaos change before the alert to its firing', () => {
    const alerts = alertIntervals([series('pending', 100, 129), series('firing', 130, 170)], 1, 0, 300);
    const changes = chaosChanges(
      [
        { at: 20_000, failureRate: 0.1, source: 'run.json' },
        { at: 90_000, failureRate: 0.5, source: 'run.json' },
      ],
      [],
      10_000,
    );
    const [detection] = detections(alerts, changes);
    assert.equal(detection.change.at, 90_000);
    assert.equal(detection.timeToDetectMs, 40_000);
    assert.equal(detection.timeToPendingMs, 10_000);
  });

  test('a chaos change seen only in the chaos_failure_rate gauge counts; one already in run.json is not doubled', () => {
    const gauge: Array<[number, number]> = [
      [0, 0.02],
      [5_000, 0.02],
      [10_000, 0.5], // recorded in run.json at 9 s
      [15_000, 0.5],
      [20_000, 0.9], // made by someone else (the dashboard)
    ];
    const changes = chaosChanges([{ at: 9_000, failureRate: 0.5, source: 'run.json' }], gauge, 6_000);
    assert.deepEqual(changes.map((c) => [c.at, c.failureRate, c.source]), [
      [9_000, 0.5, 'run.json'],
      [20_000, 0.9, 'prometheus'],
    ]);
  });
});

test("the ramp's own judgement decides the knee: the broken stair is the one the shape stopped at", async () => {
  const { kneeFromJudgement } = await import('../../../tools/report/ramp-stairs.js');
  const stair = (n: number, users: number, within: boolean) => ({
    stair: n, users, startS: n * 10, endS: n * 10 + 10, purchaseAttempts: 100, purchaseFailures: within ? 1 : 9,
    errorRatio: within ? 0.01 : 0.09, p99Ms: 100, withinObjectives: within,
  });
  const knee = kneeFromJudgement(
    { stairs: [stair(1, 10, true), stair(2, 20, true), stair(3, 30, false)], stoppedAfterStair: 3 },
    (startS, endS) => (endS - startS) * 50,
  );
  assert.equal(knee.knee?.users, 20);
  assert.equal(knee.broken?.users, 30);
  assert.equal(knee.knee?.requestsPerS, 50, 'request rate from the history between the stair bounds');
  const none = kneeFromJudgement({ stairs: [stair(1, 10, false)], stoppedAfterStair: 1 }, () => 0);
  assert.equal(none.knee, undefined);
  assert.equal(none.broken?.users, 10);
});
