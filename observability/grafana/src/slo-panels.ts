/** SLO panels: error budget left over the 30-day window, SLIs against their objectives, burn rates. */
import * as units from '@grafana/grafana-foundation-sdk/units';
import { SLO } from './alert-thresholds.js';
import { statPanel, thresholds, timeSeriesPanel, type Size } from './panel-kit.js';
import {
  availabilityBadRatio,
  availabilityBudgetRemaining,
  availabilityBurnRate,
  latencyBadRatio,
  latencyBudgetRemaining,
  latencyBurnRate,
} from './queries.js';

const percent = (ratio: number) => `${Number((ratio * 100).toFixed(3))}%`;
const AVAILABILITY_OBJECTIVE = `${percent(SLO.availability.target)} of purchase attempts (orders not refused with a 4xx) succeed`;
const LATENCY_OBJECTIVE = `${percent(SLO.latency.target)} of requests complete within ${SLO.latency.thresholdSeconds * 1000} ms`;

/** What a reader must know to read the budget stats right (issue #16: "-264 %" after 4 minutes). */
const BUDGET_NOTE =
  `Computed from the history Prometheus has: with less than ${SLO.window} of it, the rate seen so far stands for the whole window, ` +
  'so a few minutes of incident read far below 0; shown clamped at -100 % (spent twice over). No requests yet: 100 % (nothing spent).';

// Red once the budget is spent, orange in its last quarter.
const budgetThresholds = () => thresholds('red', [0, 'orange'], [0.25, 'green']);

export const availabilityBudgetPanel = (size: Size) =>
  statPanel({
    title: 'Availability error budget remaining',
    description: `Objective: ${AVAILABILITY_OBJECTIVE}, over ${SLO.window}. Share of the error budget still unspent (below 0: objective missed). ${BUDGET_NOTE}`,
    unit: units.PercentUnit,
    queries: [{ expr: availabilityBudgetRemaining, legend: 'budget left', instant: true }],
    thresholds: budgetThresholds(),
    decimals: 1,
    size,
  });

export const latencyBudgetPanel = (size: Size) =>
  statPanel({
    title: 'Latency error budget remaining',
    description: `Objective: ${LATENCY_OBJECTIVE}, over ${SLO.window}. Share of the error budget still unspent (below 0: objective missed). ${BUDGET_NOTE}`,
    unit: units.PercentUnit,
    queries: [{ expr: latencyBudgetRemaining, legend: 'budget left', instant: true }],
    thresholds: budgetThresholds(),
    decimals: 1,
    size,
  });

export const availabilitySliPanel = (size: Size) =>
  timeSeriesPanel({
    title: 'Purchase success ratio (5m)',
    description: `Availability SLI over the last 5 minutes. Dashed line: the objective (${AVAILABILITY_OBJECTIVE}).`,
    unit: units.PercentUnit,
    queries: [{ expr: `1 - ${availabilityBadRatio('5m')}`, legend: 'purchases succeeding' }],
    alertLine: { value: SLO.availability.target, below: true },
    max: 1,
    decimals: 2,
    size,
  });

export const latencySliPanel = (size: Size) =>
  timeSeriesPanel({
    title: `Requests within ${SLO.latency.thresholdSeconds * 1000} ms (5m)`,
    description: `Latency SLI over the last 5 minutes. Dashed line: the objective (${LATENCY_OBJECTIVE}).`,
    unit: units.PercentUnit,
    queries: [{ expr: `1 - ${latencyBadRatio('5m')}`, legend: 'fast enough' }],
    alertLine: { value: SLO.latency.target, below: true },
    max: 1,
    decimals: 2,
    size,
  });

/** The fast-burn pair (1h confirmed by 5m) of both SLOs: the overview's single burn-rate panel. */
export const burnRatePanel = (size: Size) => burnRateWindowPanel(SLO.burnRateWindows[0], size, 'Error-budget burn rate');

export function burnRateWindowPanel(
  window: (typeof SLO.burnRateWindows)[number],
  size: Size,
  title = `Burn rate over ${window.long} / ${window.short}`,
) {
  const action = window.alert === 'fast' ? 'pages' : 'opens a ticket';
  return timeSeriesPanel({
    title,
    description: `How fast each error budget is spent (1 = exactly the whole budget in ${SLO.window}). The ${window.alert}-burn alert ${action} when both the ${window.long} and the ${window.short} rate exceed ${window.factor}x (dashed line).`,
    unit: units.Short,
    queries: [
      { expr: availabilityBurnRate(window.long), legend: `availability ${window.long}` },
      { expr: availabilityBurnRate(window.short), legend: `availability ${window.short}` },
      { expr: latencyBurnRate(window.long), legend: `latency ${window.long}` },
      { expr: latencyBurnRate(window.short), legend: `latency ${window.short}` },
    ],
    alertLine: { value: window.factor },
    min: 0,
    decimals: 2,
    size,
  });
}
