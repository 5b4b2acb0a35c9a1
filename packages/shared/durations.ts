// Prometheus's duration syntax (also Alertmanager's): units from years down to milliseconds, each at
// most once and largest first, e.g. "15s", "1m30s", "500ms", "4h". One parser for every program that
// reads such a duration from its environment, its flags or Prometheus's own config.
// @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/#duration
const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_SECONDS = [31_536_000, 604_800, 86_400, 3_600, 60, 1, 0.001] as const;

/** Seconds in a duration like "15s", "1m30s", "500ms"; undefined when the text is not one. */
export function parseDurationSeconds(text: unknown): number | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  const match = DURATION.exec(text);
  if (!match) return undefined;
  return match.slice(1).reduce((total, amount, i) => total + (amount === undefined ? 0 : Number(amount) * UNIT_SECONDS[i]!), 0);
}

export function isDuration(text: unknown): text is string {
  return parseDurationSeconds(text) !== undefined;
}

import { UsageError } from './usage-error.js';

/**
 * A run length given on a command line or in a scenario file, in whole seconds (Locust and the
 * scenario clock are handed whole seconds): "90", "90s", "2m", "1h30m". Anything else is a
 * UsageError naming the text.
 */
export function parseRunLengthSeconds(text: string): number {
  const seconds = parseSecondsOrDuration(text);
  if (seconds === undefined || !Number.isInteger(seconds)) throw new UsageError(`bad duration "${text}" (use e.g. 90s, 2m, 1h30m)`);
  return seconds;
}

/** A run length on a command line: whole seconds ("90") or a duration ("90s", "2m", "1h30m"). */
export function parseSecondsOrDuration(text: unknown): number | undefined {
  if (typeof text === 'string' && /^\d+$/.test(text)) return Number(text);
  return parseDurationSeconds(text);
}
