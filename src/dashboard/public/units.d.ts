// Types for units.js (plain JS served to the browser as-is; also unit-tested from Node).
export interface Thresholds {
  mode?: 'absolute' | 'percentage';
  steps: { color: string; value: number | null }[];
}
export const SERIES_COLORS: string[];
export function resolveColor(name: string | undefined): string;
export function thresholdColor(value: number | null, thresholds: Thresholds | undefined, range?: { min?: number; max?: number }): string | undefined;
export function thresholdLines(thresholds: Thresholds | undefined): { value: number; color: string }[];
export function formatValue(value: number | null | undefined, unit?: string, decimals?: number): string;
