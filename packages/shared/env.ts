/**
 * Typed readers for environment variables, the one set every program uses. Every reader throws a
 * ConfigError whose message names the variable, so a CLI or server can print one line and exit
 * non-zero instead of a stack trace; the message never repeats a secret (see quoteValue).
 */
import { parseDurationSeconds } from './durations.js';
import { redactCredentials } from './redact.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type Env = Record<string, string | undefined>;

/** Variables whose value is a secret by name: a webhook URL's path is its token. */
const SECRET_NAME = /TOKEN|PASSWORD|WEBHOOK|SECRET/i;

/**
 * How an error message quotes a variable's value. A secret (by the variable's name) is never shown,
 * only its scheme; any other value is shown without the credentials a URL or host may carry
 * ("user:password@"), since these messages land in shared logs. `keepUser` leaves a URL's user name
 * (not its password) for diagnosis, e.g. which database role a DATABASE_URL names.
 */
export function quoteValue(name: string, raw: string, options: { keepUser?: boolean } = {}): string {
  if (SECRET_NAME.test(name)) {
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(raw)?.[0];
    return scheme ? `a value starting with "${scheme}", the rest hidden because it is a secret` : 'a value hidden because it is a secret';
  }
  if (options.keepUser) return `"${redactCredentials(raw)}"`;
  return `"${raw.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^@/\s]*@/i, '$1***@')}"`;
}

function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function readString(env: Env, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

export function readOptionalString(env: Env, name: string): string | undefined {
  return raw(env, name);
}

export function readNumber(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
    throw new ConfigError(`${name} must be a number from ${min} to ${max} (got ${quoteValue(name, value)})`);
  }
  return parsed;
}

export function readInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max} (got ${quoteValue(name, value)})`);
  }
  return Number(value);
}

export function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const value = raw(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new ConfigError(`${name} must be true or false (got ${quoteValue(name, value)})`);
}

export function readUrl(
  env: Env,
  name: string,
  fallback: string | undefined,
  protocols: string[],
  options: { keepUser?: boolean } = {},
): string | undefined {
  const value = raw(env, name) ?? fallback;
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be a URL (got ${quoteValue(name, value, options)})`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')} (got "${url.protocol}")`);
  }
  return value;
}

export function readEnum<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')} (got ${quoteValue(name, value)})`);
  }
  return value as T;
}

/**
 * A Prometheus-style duration ("10s", "1m30s", "4h"), returned as written for a config file;
 * `positive` refuses "0s".
 */
export function readDuration(env: Env, name: string, fallback: string, options?: { positive?: boolean }): string;
export function readDuration(env: Env, name: string, fallback?: undefined, options?: { positive?: boolean }): string | undefined;
export function readDuration(env: Env, name: string, fallback?: string, options: { positive?: boolean } = {}): string | undefined {
  const value = raw(env, name) ?? fallback;
  if (value === undefined) return undefined;
  const seconds = parseDurationSeconds(value);
  if (seconds === undefined || (options.positive && seconds <= 0)) {
    throw new ConfigError(`${name} must be a ${options.positive ? 'positive ' : ''}duration like 10s, 1m or 4h (got ${quoteValue(name, value)})`);
  }
  return value;
}
