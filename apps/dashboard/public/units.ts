// Grafana's field units and threshold colours, for the units our dashboards use (and a readable
// fallback for the rest: the number followed by the unit id).
// @see https://grafana.com/docs/grafana/latest/panels-visualizations/configure-standard-options/#unit
// No DOM here: the tests format values with it under Node too.
import type { Thresholds } from './grafana-model.js';

export type { Thresholds };

const NAMED_COLORS: Record<string, string> = {
  green: '#73BF69', 'dark-green': '#37872D', 'semi-dark-green': '#56A64B', 'light-green': '#96D98D', 'super-light-green': '#C8F2C2',
  red: '#F2495C', 'dark-red': '#C4162A', 'semi-dark-red': '#E02F44', 'light-red': '#FF7383', 'super-light-red': '#FFA6B0',
  orange: '#FF9830', 'dark-orange': '#FA6400', 'semi-dark-orange': '#FF780A', 'light-orange': '#FFB357', 'super-light-orange': '#FFCB7D',
  yellow: '#FADE2A', 'dark-yellow': '#E0B400', 'semi-dark-yellow': '#F2CC0C', 'light-yellow': '#FFEE52', 'super-light-yellow': '#FFF899',
  blue: '#5794F2', 'dark-blue': '#1F60C4', 'semi-dark-blue': '#3274D9', 'light-blue': '#8AB8FF', 'super-light-blue': '#C0D8FF',
  purple: '#B877D9', 'dark-purple': '#8F3BB8', 'semi-dark-purple': '#A352CC', 'light-purple': '#CA95E5', 'super-light-purple': '#DEB6F2',
  text: '#d8d9da', transparent: 'transparent',
};

/** Grafana's classic series palette, in its order. */
export const SERIES_COLORS = [
  '#7EB26D', '#EAB839', '#6ED0E0', '#EF843C', '#E24D42', '#1F78C1', '#BA43A9', '#705DA0',
  '#508642', '#CCA300', '#447EBC', '#C15C17', '#890F02', '#0A437C', '#6D1F62', '#584477',
];

export function resolveColor(name: string | undefined): string {
  if (!name) return NAMED_COLORS.text!;
  return NAMED_COLORS[name] ?? name;
}

/**
 * The colour of the threshold step a value falls in (the last step whose value it reaches).
 * Percentage thresholds are relative to the field's min..max (default 0..100).
 */
export function thresholdColor(
  value: number | null | undefined,
  thresholds: Thresholds | undefined,
  { min, max }: { min?: number | undefined; max?: number | undefined } = {},
): string | undefined {
  const steps = thresholds?.steps ?? [];
  if (steps.length === 0 || value === null || value === undefined || Number.isNaN(value)) return undefined;
  let comparable = value;
  if (thresholds?.mode === 'percentage') {
    const low = min ?? 0;
    const high = max ?? 100;
    comparable = high === low ? 0 : ((value - low) / (high - low)) * 100;
  }
  let color = steps[0]!.color;
  for (const step of steps) {
    if (step.value === null || step.value === undefined || comparable >= step.value) color = step.color;
  }
  return resolveColor(color);
}

/** Threshold values worth drawing on a chart (the base step has no value). */
export function thresholdLines(thresholds: Thresholds | undefined): { value: number; color: string }[] {
  return (thresholds?.steps ?? [])
    .filter((step): step is { color: string; value: number } => typeof step.value === 'number' && Number.isFinite(step.value))
    .map((step) => ({ value: step.value, color: resolveColor(step.color) }));
}

type Decimals = number | null | undefined;

function fixed(value: number, decimals: Decimals): string {
  if (decimals !== undefined && decimals !== null) return value.toFixed(decimals);
  const magnitude = Math.abs(value);
  const auto = magnitude === 0 || magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
  // Drop trailing zeros Grafana would not show ("1.50" → "1.5").
  return String(Number(value.toFixed(auto)));
}

function scaled(value: number, decimals: Decimals, steps: readonly string[], base: number): string {
  let index = 0;
  let scaledValue = value;
  while (Math.abs(scaledValue) >= base && index < steps.length - 1) {
    scaledValue /= base;
    index += 1;
  }
  return `${fixed(scaledValue, decimals)}${steps[index]}`;
}

const SI = ['', ' k', ' M', ' B', ' T'];
const per = (suffix: string) => (value: number, decimals: Decimals) => `${scaled(value, decimals, SI, 1000)} ${suffix}`.replace('  ', ' ');

function duration(value: number, decimals: Decimals, unitSeconds: number): string {
  const seconds = value * unitSeconds;
  const magnitude = Math.abs(seconds);
  if (magnitude === 0) return `0 ${unitSeconds === 1 ? 's' : unitSeconds === 0.001 ? 'ms' : 's'}`;
  if (magnitude < 1e-6) return `${fixed(seconds * 1e9, decimals)} ns`;
  if (magnitude < 1e-3) return `${fixed(seconds * 1e6, decimals)} µs`;
  if (magnitude < 1) return `${fixed(seconds * 1e3, decimals)} ms`;
  if (magnitude < 60) return `${fixed(seconds, decimals)} s`;
  if (magnitude < 3600) return `${fixed(seconds / 60, decimals)} min`;
  if (magnitude < 86400) return `${fixed(seconds / 3600, decimals)} hour`;
  return `${fixed(seconds / 86400, decimals)} day`;
}

type Formatter = (value: number, decimals: Decimals) => string;

const FORMATTERS: Record<string, Formatter> = {
  none: (value, decimals) => fixed(value, decimals),
  short: (value, decimals) => scaled(value, decimals, SI, 1000),
  percent: (value, decimals) => `${fixed(value, decimals)}%`,
  percentunit: (value, decimals) => `${fixed(value * 100, decimals)}%`,
  ns: (value, decimals) => duration(value, decimals, 1e-9),
  µs: (value, decimals) => duration(value, decimals, 1e-6),
  ms: (value, decimals) => duration(value, decimals, 1e-3),
  s: (value, decimals) => duration(value, decimals, 1),
  m: (value, decimals) => duration(value, decimals, 60),
  h: (value, decimals) => duration(value, decimals, 3600),
  bytes: (value, decimals) => scaled(value, decimals, [' B', ' KiB', ' MiB', ' GiB', ' TiB'], 1024),
  decbytes: (value, decimals) => scaled(value, decimals, [' B', ' kB', ' MB', ' GB', ' TB'], 1000),
  reqps: per('req/s'),
  rps: per('rd/s'),
  wps: per('wr/s'),
  ops: per('ops/s'),
  opm: per('ops/min'),
  reqpm: per('req/min'),
  cps: per('c/s'),
  cpm: per('c/m'),
  currencyUSD: (value, decimals) => `$${scaled(value, decimals ?? 2, SI, 1000)}`,
  currencyEUR: (value, decimals) => `€${scaled(value, decimals ?? 2, SI, 1000)}`,
  currencyGBP: (value, decimals) => `£${scaled(value, decimals ?? 2, SI, 1000)}`,
  bool: (value) => (value ? 'True' : 'False'),
  bool_yes_no: (value) => (value ? 'Yes' : 'No'),
  bool_on_off: (value) => (value ? 'On' : 'Off'),
};

/** A value as Grafana would print it with this unit id and decimals setting. */
export function formatValue(value: number | null | undefined, unit?: string, decimals?: Decimals): string {
  if (value === null || value === undefined || Number.isNaN(value)) return 'No data';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  const id = unit || 'short';
  const formatter = FORMATTERS[id];
  if (formatter) return formatter(value, decimals);
  const custom = /^(suffix|prefix|currency|si|count):(.*)$/.exec(id);
  if (custom) {
    const [, kind, text = ''] = custom;
    if (kind === 'prefix' || kind === 'currency') return `${text}${scaled(value, decimals, SI, 1000)}`;
    if (kind === 'suffix') return `${fixed(value, decimals)}${text}`;
    return `${scaled(value, decimals, SI, 1000)} ${text}`;
  }
  return `${fixed(value, decimals)} ${id}`;
}
