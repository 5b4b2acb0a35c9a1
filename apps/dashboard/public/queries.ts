// Runs a panel's Prometheus targets over the selected time range, with template variables substituted,
// and returns its series on one shared time grid (so several targets line up on one chart).
import { queryInstant, queryRange, type Labels } from './api.js';
import type { Panel, Target } from './grafana-model.js';
import { builtinVariables, computeIntervals, interpolate, legendName } from './template.js';

/** One drawn series: its legend name, the target it came from, its labels and one value per time. */
export interface Series {
  name: string;
  refId: string | undefined;
  labels: Labels;
  values: (number | null)[];
}

export interface PanelResult {
  series: Series[];
  times: number[];
  stepSeconds: number;
}

export interface QueryContext {
  rangeSeconds: number;
  /** Unix seconds. */
  now: number;
  /** Variable name → its text in PromQL. */
  variables: Record<string, string>;
  scrapeIntervalSeconds: number;
  widthPx: number;
}

type PrometheusTarget = Target & { expr: string };

/** Targets that go to Prometheus (not hidden, not another datasource such as Alertmanager). */
export function prometheusTargets(panel: Panel): PrometheusTarget[] {
  return (panel.targets ?? []).filter((target): target is PrometheusTarget => {
    if (target.hide || typeof target.expr !== 'string' || target.expr.trim() === '') return false;
    const type = target.datasource?.type ?? panel.datasource?.type;
    return type === undefined || type === 'prometheus';
  });
}

/** Every Prometheus target of a panel over the context's range (or at its `now` when instant). */
export async function runPanelQueries(panel: Panel, context: QueryContext, { instant = false } = {}): Promise<PanelResult> {
  const { stepSeconds, intervalSeconds, rateIntervalSeconds } = computeIntervals({
    rangeSeconds: context.rangeSeconds,
    maxDataPoints: panel.maxDataPoints ?? Math.max(60, Math.min(600, Math.round(context.widthPx / 3))),
    scrapeIntervalSeconds: context.scrapeIntervalSeconds,
    minInterval: panel.interval,
  });
  // A grid aligned to the step keeps points steady between refreshes instead of sliding.
  const end = Math.floor(context.now / stepSeconds) * stepSeconds;
  const start = end - Math.ceil(context.rangeSeconds / stepSeconds) * stepSeconds;
  const values = {
    ...context.variables,
    ...builtinVariables({ rangeSeconds: context.rangeSeconds, intervalSeconds, rateIntervalSeconds }),
  };
  const targets = prometheusTargets(panel);

  if (instant || targets.every((target) => target.instant && !target.range)) {
    const results = await Promise.all(targets.map((target) => queryInstant(interpolate(target.expr, values), context.now)));
    const series = results.flatMap((result, index) =>
      result.map((sample) => ({
        name: legendName(targets[index]!.legendFormat, sample.metric),
        refId: targets[index]!.refId,
        labels: sample.metric,
        values: [toNumber(sample.value[1])],
      })),
    );
    return { series, times: [context.now], stepSeconds };
  }

  const times: number[] = [];
  for (let time = start; time <= end; time += stepSeconds) times.push(time);
  const results = await Promise.all(
    targets.map((target) => queryRange(interpolate(target.expr, values), start, end, stepSeconds)),
  );
  const series = results.flatMap((result, index) =>
    result.map((matrix) => {
      const column: (number | null)[] = new Array<number | null>(times.length).fill(null);
      for (const [time, text] of matrix.values) {
        const slot = Math.round((time - start) / stepSeconds);
        if (slot >= 0 && slot < column.length) column[slot] = toNumber(text);
      }
      return { name: legendName(targets[index]!.legendFormat, matrix.metric), refId: targets[index]!.refId, labels: matrix.metric, values: column };
    }),
  );
  return { series, times, stepSeconds };
}

function toNumber(text: string): number | null {
  const value = Number(text);
  return Number.isNaN(value) ? null : value;
}

/** Grafana's reducers (reduceOptions.calcs) over one series' values. */
export function reduce(values: readonly (number | null)[], calc = 'lastNotNull'): number | null {
  const present = values.filter((value): value is number => value !== null && Number.isFinite(value));
  switch (calc) {
    case 'last':
      return values.length ? values[values.length - 1]! : null;
    case 'first':
      return values.length ? values[0]! : null;
    case 'firstNotNull':
      return present.length ? present[0]! : null;
    case 'mean':
      return present.length ? present.reduce((sum, value) => sum + value, 0) / present.length : null;
    case 'sum':
      return present.length ? present.reduce((sum, value) => sum + value, 0) : null;
    case 'max':
      return present.length ? Math.max(...present) : null;
    case 'min':
      return present.length ? Math.min(...present) : null;
    case 'count':
      return present.length;
    case 'range':
      return present.length ? Math.max(...present) - Math.min(...present) : null;
    case 'delta':
    case 'diff':
      return present.length ? present[present.length - 1]! - present[0]! : null;
    default:
      return present.length ? present[present.length - 1]! : null;
  }
}

/** Points with a value, across all series: the DOM signal that a panel really drew data. */
export function countPoints(series: readonly Series[]): number {
  return series.reduce((count, one) => count + one.values.filter((value) => value !== null).length, 0);
}
