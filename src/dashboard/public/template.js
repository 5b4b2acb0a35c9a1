// Grafana's template variables and built-in intervals, the subset our dashboards use, so a panel's
// PromQL runs here exactly as it would in Grafana.
// @see https://grafana.com/docs/grafana/latest/dashboards/variables/add-template-variables/#global-variables

export const ALL = '$__all';

/** Grafana's "nice" intervals (seconds): $__interval is rounded up to one of these. */
const NICE_INTERVALS = [
  1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
];

/** Seconds in a duration like "15s", "5m", "1h30m", "500ms"; undefined when it is not one. */
export function parseDuration(text) {
  if (typeof text !== 'string') return undefined;
  const trimmed = text.trim().replace(/^>=?/, '');
  if (!/^(\d+(\.\d+)?(ms|[smhdwy]))+$/.test(trimmed)) return undefined;
  const unitSeconds = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  let total = 0;
  for (const [, amount, , unit] of trimmed.matchAll(/(\d+(\.\d+)?)(ms|[smhdwy])/g)) total += Number(amount) * unitSeconds[unit];
  return total;
}

/** A duration PromQL accepts: whole seconds ("75s"), or milliseconds below one second. */
export function formatDuration(seconds) {
  if (seconds < 1) return `${Math.max(1, Math.round(seconds * 1000))}ms`;
  return `${Math.round(seconds)}s`;
}

/**
 * The step and interval variables for one panel, the way Grafana derives them: range divided by the
 * number of points the panel can show, rounded to a nice interval, never below the scrape interval
 * (or the panel's own min interval); $__rate_interval = max($__interval + scrape, 4 × scrape).
 */
export function computeIntervals({ rangeSeconds, maxDataPoints, scrapeIntervalSeconds, minInterval }) {
  const scrape = scrapeIntervalSeconds > 0 ? scrapeIntervalSeconds : 15;
  const floor = parseDuration(minInterval) ?? scrape;
  const raw = rangeSeconds / Math.max(1, maxDataPoints);
  const nice = NICE_INTERVALS.find((candidate) => candidate >= raw) ?? Math.ceil(raw);
  const interval = Math.max(floor, nice);
  const rateInterval = Math.max(interval + scrape, 4 * scrape);
  return { stepSeconds: interval, intervalSeconds: interval, rateIntervalSeconds: rateInterval };
}

/** Built-in variables for a query over the given range. */
export function builtinVariables({ rangeSeconds, intervalSeconds, rateIntervalSeconds }) {
  return {
    __interval: formatDuration(intervalSeconds),
    __interval_ms: String(Math.round(intervalSeconds * 1000)),
    __rate_interval: formatDuration(rateIntervalSeconds),
    __range: formatDuration(rangeSeconds),
    __range_s: String(Math.round(rangeSeconds)),
    __range_ms: String(Math.round(rangeSeconds * 1000)),
  };
}

// Inside a regex matcher (=~) in PromQL, as Grafana's Prometheus datasource escapes multi-values.
function escapeRegex(value) {
  return value.replace(/[\\^$*+?.()|[\]{}]/g, '\\\\$&').replace(/'/g, "\\\\'");
}

/**
 * The text a dashboard variable stands for in PromQL. `All` becomes the variable's allValue or, as
 * in Grafana, every option it offers (so "All jobs" means the jobs the variable's query found, not
 * Prometheus's own too); `.*` only while the options are unknown. Several values become a regex
 * alternation (our queries match variables with =~).
 */
export function variableText(variable, value, options = []) {
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0 || values.includes(ALL) || values.includes('All')) {
    if (variable.allValue) return variable.allValue;
    return options.length > 0 ? `(${options.map(escapeRegex).join('|')})` : '.*';
  }
  if (values.length === 1) return variable.multi || variable.includeAll ? escapeRegex(values[0]) : values[0];
  return `(${values.map(escapeRegex).join('|')})`;
}

/**
 * Replaces $name, ${name}, ${name:format} and [[name]] in a query. `values` maps a name to its text;
 * unknown names are left alone so Prometheus reports them instead of a silent wrong query.
 */
export function interpolate(text, values) {
  return String(text).replace(
    /\$\{(\w+)(?::[\w-]+)?\}|\[\[(\w+)(?::[\w-]+)?\]\]|\$(\w+)/g,
    (match, braced, bracketed, bare) => {
      const name = braced ?? bracketed ?? bare;
      return Object.hasOwn(values, name) ? values[name] : match;
    },
  );
}

/**
 * What a Grafana query variable asks Prometheus for: label_values(label) or
 * label_values(selector, label). Anything else (query_result, metrics) is not supported here.
 */
export function parseLabelValuesQuery(query) {
  const text = typeof query === 'string' ? query : (query?.query ?? '');
  const match = /^\s*label_values\(\s*(?:(.+?)\s*,\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$/.exec(text);
  if (!match) return undefined;
  return { selector: match[1], label: match[2] };
}

/** Legend text: {{label}} placeholders filled from the series labels; no format → the series' labels. */
export function legendName(legendFormat, metric) {
  if (legendFormat && legendFormat !== '__auto') {
    return legendFormat.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_match, label) => metric[label] ?? '');
  }
  const { __name__: name, ...labels } = metric;
  const pairs = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  if (pairs.length === 0) return name ?? 'value';
  return `${name ?? ''}{${pairs.join(', ')}}`;
}
