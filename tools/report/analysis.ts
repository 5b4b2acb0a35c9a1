// The report's judgements: alert firing intervals, time-to-detect after chaos changes, the ramp's knee.
import type { HistoryPoint } from './locust-csv.js';
import type { RangeSeries } from '../../packages/shared/prometheus-client.js';
import type { Points } from './prometheus-data.js';

export interface AlertInterval {
  alertname: string;
  severity?: string;
  /** Labels that tell two alerts of the same name apart (without alertname/alertstate). */
  labels: Record<string, string>;
  /** Unix ms. */
  pendingAt?: number;
  firingAt: number;
  /** Unix ms of the last firing sample + one step; undefined when still firing at the window's end. */
  resolvedAt?: number;
  /** Already firing when the window opened: firingAt is then the window's start, not when it began. */
  firingBeforeWindow: boolean;
}

const GROUPING_IGNORED = new Set(['__name__', 'alertstate']);

function identity(metric: Record<string, string>): string {
  return JSON.stringify(Object.entries(metric).filter(([k]) => !GROUPING_IGNORED.has(k)).sort());
}

/** Contiguous runs of samples (gap ≤ 1.5 steps) as [first, last] unix-second pairs. */
function runs(values: Array<[number, number]>, stepS: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [t] of values) {
    const last = out[out.length - 1];
    if (last && t - last[1] <= stepS * 1.5) last[1] = t;
    else out.push([t, t]);
  }
  return out;
}

export function alertIntervals(alerts: RangeSeries[], stepS: number, windowStartS: number, windowEndS: number): AlertInterval[] {
  const pendingRuns = new Map<string, Array<[number, number]>>();
  for (const series of alerts) {
    if (series.metric.alertstate === 'pending') pendingRuns.set(identity(series.metric), runs(series.values, stepS));
  }
  const intervals: AlertInterval[] = [];
  for (const series of alerts) {
    if (series.metric.alertstate !== 'firing') continue;
    const labels = Object.fromEntries(
      Object.entries(series.metric).filter(([k]) => !GROUPING_IGNORED.has(k) && k !== 'alertname'),
    );
    for (const [first, last] of runs(series.values, stepS)) {
      // The pending run that ends right where this firing run starts is the same alert instance.
      const pending = (pendingRuns.get(identity(series.metric)) ?? []).find(
        ([, pendingLast]) => pendingLast <= first && first - pendingLast <= stepS * 1.5,
      );
      intervals.push({
        alertname: series.metric.alertname ?? '?',
        severity: series.metric.severity,
        labels,
        pendingAt: pending ? pending[0] * 1000 : undefined,
        firingAt: first * 1000,
        resolvedAt: last + stepS * 1.5 < windowEndS ? (last + stepS) * 1000 : undefined,
        firingBeforeWindow: first - stepS < windowStartS,
      });
    }
  }
  return intervals.sort((a, b) => a.firingAt - b.firingAt);
}

export interface ChaosPoint {
  /** Unix ms. */
  at: number;
  failureRate: number;
  latencyMs?: { min: number; max: number };
  source: 'run.json' | 'prometheus';
}

/**
 * Chaos changes during the run: the ones `npm run load --chaos` made (exact times, from run.json),
 * plus changes someone made by other means, seen as steps of the chaos_failure_rate gauge (±1 scrape).
 */
export function chaosChanges(recorded: ChaosPoint[], gauge: Points, toleranceMs: number): ChaosPoint[] {
  const seen: ChaosPoint[] = [];
  for (let i = 1; i < gauge.length; i++) {
    const [t, value] = gauge[i];
    if (value === gauge[i - 1][1]) continue;
    if (recorded.some((change) => Math.abs(change.at - t) <= toleranceMs)) continue;
    seen.push({ at: t, failureRate: value, source: 'prometheus' });
  }
  return [...recorded, ...seen].sort((a, b) => a.at - b.at);
}

export interface Detection {
  alert: AlertInterval;
  change: ChaosPoint;
  /** Chaos change → alert firing (when Alertmanager is told), ms. */
  timeToDetectMs: number;
  /** Chaos change → alert pending (first noticed by a rule), ms. */
  timeToPendingMs?: number;
}

/** Every alert that started firing after a chaos change, measured from the latest change before it. */
export function detections(alerts: AlertInterval[], changes: ChaosPoint[]): Detection[] {
  const out: Detection[] = [];
  for (const alert of alerts) {
    if (alert.firingBeforeWindow) continue;
    const start = alert.pendingAt ?? alert.firingAt;
    const change = [...changes].reverse().find((c) => c.at <= start);
    if (!change) continue;
    out.push({
      alert,
      change,
      timeToDetectMs: alert.firingAt - change.at,
      timeToPendingMs: alert.pendingAt !== undefined ? alert.pendingAt - change.at : undefined,
    });
  }
  return out;
}

export interface Stair {
  users: number;
  /** Unix seconds. */
  startS: number;
  endS: number;
  requests: number;
  failures: number;
  requestsPerS: number;
  errorRatio: number;
  /** Median of Locust's 10-second p99 windows that lie inside the stair, ms. */
  p99Ms: number | null;
  withinObjectives: boolean;
}

export interface Knee {
  stairs: Stair[];
  /** The highest stair within both objectives below the first one that broke them. */
  knee?: Stair;
  /** The first stair that broke an objective. */
  broken?: Stair;
}

const median = (values: number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Plateaus of constant user count held at least `minHoldS`, from Locust's per-second history. */
export function findKnee(history: HistoryPoint[], objectives: { p99Ms: number; errorRatio: number }, minHoldS = 4): Knee {
  const plateaus: HistoryPoint[][] = [];
  for (const point of history) {
    const current = plateaus[plateaus.length - 1];
    if (current && current[0].users === point.users) current.push(point);
    else plateaus.push([point]);
  }
  const stairs: Stair[] = [];
  for (let i = 0; i < plateaus.length; i++) {
    const points = plateaus[i];
    const first = points[0];
    const last = points[points.length - 1];
    if (first.users === 0 || last.t - first.t < minHoldS) continue;
    // Counters at the sample before the plateau (Locust's start at 0), so its first second counts too.
    const before = plateaus[i - 1]?.[plateaus[i - 1].length - 1] ?? { t: first.t - 1, totalRequests: 0, totalFailures: 0 };
    const requests = last.totalRequests - before.totalRequests;
    const failures = last.totalFailures - before.totalFailures;
    const settled = points.filter((p) => p.t - first.t >= 10 && p.p99 !== null).map((p) => p.p99!);
    const p99Ms = median(settled.length > 0 ? settled : points.filter((p) => p.p99 !== null).map((p) => p.p99!));
    const errorRatio = requests > 0 ? failures / requests : 0;
    stairs.push({
      users: first.users,
      startS: first.t,
      endS: last.t,
      requests,
      failures,
      requestsPerS: requests / Math.max(1, last.t - before.t),
      errorRatio,
      p99Ms,
      withinObjectives: requests > 0 && p99Ms !== null && p99Ms <= objectives.p99Ms && errorRatio <= objectives.errorRatio,
    });
  }
  const brokenIndex = stairs.findIndex((stair) => !stair.withinObjectives);
  const candidates = (brokenIndex < 0 ? stairs : stairs.slice(0, brokenIndex)).filter((s) => s.withinObjectives);
  const knee = candidates.reduce<Stair | undefined>((best, s) => (!best || s.users > best.users ? s : best), undefined);
  return { stairs, knee, broken: brokenIndex >= 0 ? stairs[brokenIndex] : undefined };
}
