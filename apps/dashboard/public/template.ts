// Grafana's template variables and built-in intervals, the subset our dashboards use, so a panel's
// PromQL runs here exactly as it would in Grafana. The one copy: the page bundles it, and the
// panel-query test (test/observability/grafana/grafana-queries.test.ts) sends every query through it, so a
// query proven there is the query the page and Grafana send. No DOM here: it runs under Node too.
// @see https://grafana.com/docs/grafana/latest/dashboards/variables/add-template-variables/#global-variables
import type { TemplateVariableModel } from './grafana-model.js';

export const ALL = '$__all';

/**
 * Grafana's rangeutil.roundInterval (milliseconds in, milliseconds out): an interval snaps to the
 * nearest readable duration, half-way points rounding up ("< 3500 ms → 2 s", so 3 s becomes 2 s).
 * @see https://github.com/grafana/grafana/blob/main/packages/grafana-data/src/datetime/rangeutil.ts
 */
const ROUNDING: readonly (readonly [below: number, rounded: number])[] = [
  [10, 1], [15, 10], [35, 20], [75, 50], [150, 100], [350, 200], [750, 500], [1_500, 1_000], [3_500, 2_000],
  [7_500, 5_000], [12_500, 10_000], [17_500, 15_000], [25_000, 20_000], [45_000, 30_000], [90_000, 60_000],
  [210_000, 120_000], [450_000, 300_000], [750_000, 600_000], [1_050_000, 900_000], [1_500_000, 1_200_000],
  [2_700_000, 1_800_000], [5_400_000, 3_600_000], [9_000_000, 7_200_000], [16_200_000, 10_800_000],
  [32_400_000, 21_600_000], [86_400_000, 43_200_000], [604_800_000, 86_400_000], [1_814_400_000, 604_800_000],
  [3_628_800_000, 2_592_000_000],
];
const ROUNDING_DEFAULT_MS = 31_536_000_000; // 1 year

export function roundInterval(ms: number): number {
  return ROUNDING.find(([below]) => ms < below)?.[1] ?? ROUNDING_DEFAULT_MS;
}

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

/**
 * Seconds in a duration like "15s", "5m", "1h30m", "500ms"; undefined when it is not one. Grafana's
 * grammar, not Prometheus's (packages/shared/durations.ts): decimals ("1.5h") and a leading ">=" (a
 * panel's min interval) are allowed, as Grafana allows them in dashboard JSON.
 */
export function parseDuration(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const trimmed = text.trim().replace(/^>=?/, '');
  if (!/^(\d+(\.\d+)?(ms|[smhdwy]))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, , unit] of trimmed.matchAll(/(\d+(\.\d+)?)(ms|[smhdwy])/g)) total += Number(amount) * UNIT_SECONDS[unit!]!;
  return total;
}

/** A duration PromQL accepts: whole seconds ("75s"), or milliseconds below one second. */
export function formatDuration(seconds: number): string {
  if (seconds < 1) return `${Math.max(1, Math.round(seconds * 1000))}ms`;
  return `${Math.round(seconds)}s`;
}

export interface IntervalInput {
  rangeSeconds: number;
  /** Points the panel asks for (Grafana: maxDataPoints, else about the panel's width in pixels). */
  maxDataPoints: number;
  /** The datasource's `timeInterval` (= Prometheus scrape interval); 15 s when unknown, as Grafana. */
  scrapeIntervalSeconds: number;
  /** The panel's own min interval ("30s"), which replaces the scrape interval as the floor. */
  minInterval?: string | undefined;
}

export interface Intervals {
  stepSeconds: number;
  intervalSeconds: number;
  rateIntervalSeconds: number;
}

/**
 * The step and interval variables for one panel, the way Grafana derives them
 * (rangeutil.calculateInterval, then the Prometheus datasource): range ÷ points, rounded to the
 * nearest readable interval, never below the floor (the panel's min interval, else the scrape
 * interval); $__rate_interval = max($__interval + scrape, 4 × scrape).
 */
export function computeIntervals({ rangeSeconds, maxDataPoints, scrapeIntervalSeconds, minInterval }: IntervalInput): Intervals {
  const scrape = scrapeIntervalSeconds > 0 ? scrapeIntervalSeconds : 15;
  const floor = parseDuration(minInterval) ?? scrape;
  const rounded = roundInterval((rangeSeconds * 1000) / Math.max(1, maxDataPoints)) / 1000;
  const interval = Math.max(floor, rounded);
  const rateInterval = Math.max(interval + scrape, 4 * scrape);
  return { stepSeconds: interval, intervalSeconds: interval, rateIntervalSeconds: rateInterval };
}

/** Built-in variables for a query over the given range. */
export function builtinVariables({ rangeSeconds, intervalSeconds, rateIntervalSeconds }: {
  rangeSeconds: number;
  intervalSeconds: number;
  rateIntervalSeconds: number;
}): Record<string, string> {
  return {
    __interval: formatDuration(intervalSeconds),
    __interval_ms: String(Math.round(intervalSeconds * 1000)),
    __rate_interval: formatDuration(rateIntervalSeconds),
    __range: formatDuration(rangeSeconds),
    __range_s: String(Math.round(rangeSeconds)),
    __range_ms: String(Math.round(rangeSeconds * 1000)),
  };
}

// Grafana's Prometheus datasource ("classic" escaping): a variable that is neither multi-value nor
// includes "All" gets the regular escape; every other value is inserted into a regex matcher (=~),
// so regex metacharacters are escaped as well.
// @see https://github.com/grafana/grafana/blob/main/public/app/plugins/datasource/prometheus/datasource.ts
function prometheusRegularEscape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/'/g, "\\\\'");
}
function prometheusSpecialRegexEscape(value: string): string {
  return value.replace(/\\/g, '\\\\\\\\').replace(/[$^*{}[\]'+?.()|]/g, '\\\\$&');
}

export type VariableModelForText = Pick<TemplateVariableModel, 'name' | 'multi' | 'includeAll' | 'allValue'>;

/**
 * The text a dashboard variable stands for in PromQL. `All` becomes the variable's allValue or, as
 * in Grafana, every option it offers (so "All jobs" means the jobs the variable's query found, not
 * Prometheus's own too); `.*` only while the options are unknown. Several values become a regex
 * alternation (our queries match variables with =~).
 */
export function variableText(variable: VariableModelForText, value: string | readonly string[], options: readonly string[] = []): string {
  const values = typeof value === 'string' ? [value] : [...value];
  if (values.length === 0 || values.includes(ALL) || values.includes('All')) {
    if (variable.allValue) return variable.allValue;
    return options.length > 0 ? `(${options.map(prometheusSpecialRegexEscape).join('|')})` : '.*';
  }
  if (values.length === 1) {
    return variable.multi || variable.includeAll ? prometheusSpecialRegexEscape(values[0]!) : prometheusRegularEscape(values[0]!);
  }
  return `(${values.map(prometheusSpecialRegexEscape).join('|')})`;
}

/**
 * Replaces $name, ${name}, ${name:format} and [[name]] in a query. `values` maps a name to its text;
 * unknown names (such as label_replace's `${1}`) are left alone, as Grafana does, so Prometheus
 * reports them instead of a silent wrong query.
 */
export function interpolate(text: string, values: Readonly<Record<string, string>>): string {
  return String(text).replace(
    /\$\{(\w+)(?::[\w-]+)?\}|\[\[(\w+)(?::[\w-]+)?\]\]|\$(\w+)/g,
    (match, braced?: string, bracketed?: string, bare?: string) => {
      const name = (braced ?? bracketed ?? bare)!;
      return Object.hasOwn(values, name) ? values[name]! : match;
    },
  );
}

/**
 * What a Grafana query variable asks Prometheus for: label_values(label) or
 * label_values(selector, label). Anything else (query_result, metrics) is not supported here.
 */
export function parseLabelValuesQuery(query: unknown): { selector: string | undefined; label: string } | undefined {
  const text = typeof query === 'string' ? query : ((query as { query?: unknown } | undefined)?.query ?? '');
  if (typeof text !== 'string') return undefined;
  const match = /^\s*label_values\(\s*(?:(.+?)\s*,\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$/.exec(text);
  if (!match) return undefined;
  return { selector: match[1], label: match[2]! };
}

/** Legend text: {{label}} placeholders filled from the series labels; no format → the series' labels. */
export function legendName(legendFormat: string | undefined, metric: Readonly<Record<string, string>>): string {
  if (legendFormat && legendFormat !== '__auto') {
    return legendFormat.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_match, label: string) => metric[label] ?? '');
  }
  const { __name__: name, ...labels } = metric;
  const pairs = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  if (pairs.length === 0) return name ?? 'value';
  return `${name ?? ''}{${pairs.join(', ')}}`;
}
