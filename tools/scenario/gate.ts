// Pass/fail thresholds for a load run, in the spirit of k6's thresholds: checked once at the end
// against what Prometheus recorded over the run's window. Shared by `npm run load -- --gate` and the
// scenario runner (`expect.gate`), so both judge a run alike.
import { AVAILABILITY_SLO, errorBudget, SLO_PERIOD } from '../../observability/alerts/slo.js';
import { parseDurationSeconds } from '../../packages/shared/durations.js';
import { createPrometheusClient } from '../../packages/shared/prometheus-client.js';
import { API_JOB_SELECTOR } from '../../packages/shared/prometheus-jobs.js';

const queryRange = (url: string, query: string, startS: number, endS: number, stepS: number) =>
  createPrometheusClient(url).queryRange(query, startS, endS, stepS);
import { OBJECTIVES } from '../report/objectives.js';
import type { Check } from './verdict.js';
import type { Gate } from './schema.js';

/** The availability SLO's error budget over its period, from the alert source (observability/alerts/slo.ts). */
const BUDGET = { allowedErrorRatio: errorBudget(AVAILABILITY_SLO.target), windowS: parseDurationSeconds(SLO_PERIOD)! };

/** `npm run load -- --gate` without overrides: the report's own objectives, and no page. */
export const DEFAULT_GATE: Required<Gate> = {
  p99Ms: OBJECTIVES.p99Ms,
  errorRatio: OBJECTIVES.errorRatio,
  // 2 % of the month's budget is what the fast-burn page allows in a whole hour.
  budgetSpent: 0.02,
  noPage: true,
};

const API = API_JOB_SELECTOR;
const PURCHASES = `${API}, route="/api/concerts/:id/orders", method="POST"`;

async function instant(prometheusUrl: string, query: string, atS: number): Promise<number | undefined> {
  const series = await queryRange(prometheusUrl, query, atS, atS, 1);
  const value = series[0]?.values[0]?.[1];
  return value === undefined || !Number.isFinite(value) ? undefined : value;
}

export interface GateWindow {
  startMs: number;
  endMs: number;
  /** Page alerts that are the point of the run (a scenario's expected ones) do not count against noPage. */
  expectedAlerts?: string[];
  /**
   * Page alerts Alertmanager held back (inhibited) and never notified: they fired in Prometheus but
   * reached nobody, so they are not pages either (named in the measured value).
   */
  heldBackAlerts?: string[];
}

export async function checkGate(prometheusUrl: string, gate: Gate, window: GateWindow): Promise<Check[]> {
  const windowS = Math.max(10, Math.ceil((window.endMs - window.startMs) / 1000));
  const atS = Math.floor(window.endMs / 1000);
  const range = `[${windowS}s]`;
  const checks: Check[] = [];
  if (gate.p99Ms !== undefined) {
    const p99 = await instant(prometheusUrl, `histogram_quantile(0.99, sum by (le) (increase(http_request_duration_seconds_bucket{${API}}${range})))`, atS);
    checks.push({
      kind: 'gate',
      name: 'p99 latency',
      limit: `≤ ${gate.p99Ms} ms`,
      met: p99 !== undefined && p99 * 1000 <= gate.p99Ms,
      measured: p99 === undefined ? 'no requests recorded' : `${Math.round(p99 * 1000)} ms`,
    });
  }
  if (gate.errorRatio !== undefined) {
    const ratio = await instant(
      prometheusUrl,
      `(sum(increase(http_requests_total{${API}, status_code=~"5.."}${range})) or vector(0)) / sum(increase(http_requests_total{${API}}${range}))`,
      atS,
    );
    checks.push({
      kind: 'gate',
      name: 'error ratio (5xx / requests)',
      limit: `≤ ${(gate.errorRatio * 100).toFixed(1)} %`,
      met: ratio !== undefined && ratio <= gate.errorRatio,
      measured: ratio === undefined ? 'no requests recorded' : `${(ratio * 100).toFixed(2)} %`,
    });
  }
  if (gate.budgetSpent !== undefined) {
    const ratio = await instant(
      prometheusUrl,
      `(sum(increase(http_requests_total{${PURCHASES}, status_code=~"5.."}${range})) or vector(0)) / sum(increase(http_requests_total{${PURCHASES}, status_code!~"4.."}${range}))`,
      atS,
    );
    // Share of the month's budget = (error ratio / allowed ratio) × (run length / 30 days), assuming
    // the month's traffic runs at this run's rate — the same arithmetic as a burn rate × time.
    const spent = ratio === undefined ? undefined : (ratio / BUDGET.allowedErrorRatio) * (windowS / BUDGET.windowS);
    checks.push({
      kind: 'gate',
      name: '30-day error budget spent',
      limit: `≤ ${(gate.budgetSpent * 100).toFixed(3)} %`,
      met: spent === undefined || spent <= gate.budgetSpent,
      measured: spent === undefined ? 'no purchases recorded' : `${(spent * 100).toFixed(3)} %`,
    });
  }
  if (gate.noPage) {
    const series = await queryRange(prometheusUrl, `max by (alertname) (max_over_time(ALERTS{alertstate="firing", severity="page"}${range}))`, atS, atS, 1);
    const fired = series.map((s) => s.metric.alertname!).filter((name) => !(window.expectedAlerts ?? []).includes(name));
    const heldBack = fired.filter((name) => (window.heldBackAlerts ?? []).includes(name));
    const pages = fired.filter((name) => !heldBack.includes(name));
    const held = heldBack.length ? ` (fired but held back, never notified: ${heldBack.join(', ')})` : '';
    checks.push({ kind: 'gate', name: 'no page', met: pages.length === 0, measured: `${pages.length ? `paged: ${pages.join(', ')}` : 'none'}${held}` });
  }
  return checks;
}
