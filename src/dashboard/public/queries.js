// Runs a panel's Prometheus targets over the selected time range, with template variables substituted,
// and returns its series on one shared time grid (so several targets line up on one chart).
import { queryInstant, queryRange } from './api.js';
import { builtinVariables, computeIntervals, interpolate, legendName } from './template.js';

/** Targets that go to Prometheus (not hidden, not another datasource such as Alertmanager). */
export function prometheusTargets(panel) {
  return (panel.targets ?? []).filter((target) => {
    if (target.hide || typeof target.expr !== 'string' || target.expr.trim() === '') return false;
    const type = target.datasource?.type ?? panel.datasource?.type;
    return type === undefined || type === 'prometheus';
  });
}

/**
 * @param panel   the Grafana panel model
 * @param context { rangeSeconds, now (seconds), variables (name → text), scrapeIntervalSeconds, widthPx }
 * @returns { series: [{ name, refId, labels, values: (number|null)[] }], times: number[] }
 */
export async function runPanelQueries(panel, context, { instant = false } = {}) {
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
        name: legendName(targets[index].legendFormat, sample.metric),
        refId: targets[index].refId,
        labels: sample.metric,
        values: [toNumber(sample.value[1])],
      })),
    );
    return { series, times: [context.now], stepSeconds };
  }

  const times = [];
  for (let time = start; time <= end; time += stepSeconds) times.push(time);
  const results = await Promise.all(
    targets.map((target) => queryRange(interpolate(target.expr, values), start, end, stepSeconds)),
  );
  const series = results.flatMap((result, index) =>
    result.map((matrix) => {
      const column = new Array(times.length).fill(null);
      for (const [time, text] of matrix.values) {
        const slot = Math.round((time - start) / stepSeconds);
        if (slot >= 0 && slot < column.length) column[slot] = toNumber(text);
      }
      return { name: legendName(targets[index].legendFormat, matrix.metric), refId: targets[index].refId, labels: matrix.metric, values: column };
    }),
  );
  return { series, times, stepSeconds };
}

function toNumber(text) {
  const value = Number(text);
  return Number.isNaN(value) ? null : value;
}

/** Grafana's reducers (reduceOptions.calcs) over one series' values. */
export function reduce(values, calc = 'lastNotNull') {
  const present = values.filter((value) => value !== null && Number.isFinite(value));
  switch (calc) {
    case 'last':
      return values.length ? values[values.length - 1] : null;
    case 'first':
      return values.length ? values[0] : null;
    case 'firstNotNull':
      return present.length ? present[0] : null;
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
      return present.length ? present[present.length - 1] - present[0] : null;
    default:
      return present.length ? present[present.length - 1] : null;
  }
}

/** Points with a value, across all series: the DOM signal that a panel really drew data. */
export function countPoints(series) {
  return series.reduce((count, one) => count + one.values.filter((value) => value !== null).length, 0);
}
