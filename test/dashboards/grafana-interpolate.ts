// Grafana's template interpolation for Prometheus queries, reproduced for the panel-query test so every
// query runs exactly as Grafana would send it.
// @see https://grafana.com/docs/grafana/latest/datasources/prometheus/template-variables/
// @see https://grafana.com/docs/grafana/latest/dashboards/variables/add-template-variables/#global-variables

/** A variable's selection: the "All" option, or concrete values. */
export type Selection = { all: true; allValue: string } | { all: false; values: string[] };

export interface TimeContext {
  rangeSeconds: number;
  /** The datasource's `timeInterval` (= Prometheus scrape interval), seconds. */
  scrapeIntervalSeconds: number;
  /** Data points Grafana asks for (≈ panel width in pixels). */
  maxDataPoints?: number;
}

export interface Interpolation {
  /** Query step / $__interval, seconds. */
  stepSeconds: number;
  rateIntervalSeconds: number;
  expand(expr: string): string;
}

/** Grafana's escaping for multi-value and "All" selections in the Prometheus datasource. */
function prometheusRegexEscape(value: string): string {
  return value.replace(/\\/g, '\\\\\\\\').replace(/[$^*{}[\]'+?.()|]/g, '\\\\$&');
}

function renderSelection(selection: Selection): string {
  if (selection.all) return selection.allValue;
  if (selection.values.length === 1) return prometheusRegexEscape(selection.values[0]!);
  return `(${selection.values.map(prometheusRegexEscape).join('|')})`;
}

/** Grafana's rangeutil.roundInterval: the step snaps to a readable duration (ms in, ms out). */
const ROUNDING: Array<[below: number, rounded: number]> = [
  [15, 10], [35, 20], [75, 50], [150, 100], [350, 200], [750, 500], [1_500, 1_000], [3_500, 2_000],
  [7_500, 5_000], [12_500, 10_000], [17_500, 15_000], [25_000, 20_000], [45_000, 30_000], [90_000, 60_000],
  [210_000, 120_000], [450_000, 300_000], [750_000, 600_000], [1_050_000, 900_000], [1_500_000, 1_200_000],
  [2_700_000, 1_800_000], [5_400_000, 3_600_000], [9_000_000, 7_200_000], [16_200_000, 10_800_000],
  [32_400_000, 21_600_000], [86_400_000, 43_200_000],
];
function roundInterval(ms: number): number {
  return ROUNDING.find(([below]) => ms < below)?.[1] ?? 86_400_000;
}

export function interpolation(variables: Record<string, Selection>, time: TimeContext): Interpolation {
  // $__interval: range / max data points, rounded, never below the scrape interval (Grafana's lowLimit).
  const stepSeconds = Math.max(
    Math.max(1, Math.round(roundInterval((time.rangeSeconds * 1000) / (time.maxDataPoints ?? 1000)) / 1000)),
    time.scrapeIntervalSeconds,
  );
  // $__rate_interval = max($__interval + scrape interval, 4 × scrape interval).
  const rateIntervalSeconds = Math.max(stepSeconds + time.scrapeIntervalSeconds, 4 * time.scrapeIntervalSeconds);
  const builtIns: Record<string, string> = {
    __interval: `${stepSeconds}s`,
    __interval_ms: String(stepSeconds * 1000),
    __rate_interval: `${rateIntervalSeconds}s`,
    __range: `${time.rangeSeconds}s`,
    __range_s: String(time.rangeSeconds),
    __range_ms: String(time.rangeSeconds * 1000),
  };
  const lookup = (name: string): string | undefined => {
    if (name in builtIns) return builtIns[name];
    const selection = variables[name];
    return selection ? renderSelection(selection) : undefined;
  };
  return {
    stepSeconds,
    rateIntervalSeconds,
    // Grafana's variable syntaxes: $name, ${name}, ${name:format}, [[name]]. Unknown names (such as the
    // `${1}` of a label_replace) are left untouched, as Grafana does.
    expand: (expr) =>
      expr.replace(/\$(\w+)|\$\{(\w+)(?::[^}]+)?\}|\[\[(\w+)\]\]/g, (match, a?: string, b?: string, c?: string) => {
        return lookup((a ?? b ?? c)!) ?? match;
      }),
  };
}
