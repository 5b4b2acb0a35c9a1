// Types for template.js (plain JS served to the browser as-is; also unit-tested from Node).
export const ALL: '$__all';
export interface TemplateVariableModel {
  name: string;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string | null;
}
export function parseDuration(text: unknown): number | undefined;
export function formatDuration(seconds: number): string;
export function computeIntervals(input: {
  rangeSeconds: number;
  maxDataPoints: number;
  scrapeIntervalSeconds: number;
  minInterval?: string;
}): { stepSeconds: number; intervalSeconds: number; rateIntervalSeconds: number };
export function builtinVariables(input: {
  rangeSeconds: number;
  intervalSeconds: number;
  rateIntervalSeconds: number;
}): Record<string, string>;
export function variableText(variable: TemplateVariableModel, value: string | string[], options?: string[]): string;
export function interpolate(text: string, values: Record<string, string>): string;
export function parseLabelValuesQuery(query: unknown): { selector: string | undefined; label: string } | undefined;
export function legendName(legendFormat: string | undefined, metric: Record<string, string>): string;
