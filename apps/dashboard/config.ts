// Configuration of the live dashboard server, read once at start-up and validated: a bad value is a
// one-line ConfigError naming the variable (or option), never a stack trace.
import { ConfigError, readEnum, readInteger, readOptionalString, readString, readUrl } from '../../packages/shared/env.js';
import { repoPath } from '../../packages/shared/repo-root.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface DashboardConfig {
  host: string;
  /** 0 = a free ephemeral port (tests). */
  port: number;
  prometheusUrl: string;
  alertmanagerUrl: string;
  /** The TicketPulse API, whose admin endpoint the chaos control calls. */
  apiUrl: string;
  /** Held server-side only; without it the chaos control is shown as disabled. */
  adminToken: string | undefined;
  /** Folder of generated Grafana dashboard JSON files (observability/grafana/dashboards). */
  dashboardsDir: string;
  /** How long the server waits for Prometheus, Alertmanager or the API before calling them unreachable. */
  upstreamTimeoutMs: number;
  /** Largest answer relayed from an upstream; a longer one is cut off and answered with 502. */
  upstreamMaxBytes: number;
  /**
   * Host names (no port) the server answers besides the loopback names and `host`; any other Host
   * header is refused, which is what stops DNS rebinding.
   */
  allowedHosts: string[];
  logLevel: LogLevel;
}

export const DEFAULT_DASHBOARDS_DIR = repoPath('observability', 'grafana', 'dashboards');

const HTTP = ['http:', 'https:'];

/** A 6-hour range query of every panel is well under 1 MiB; 16 MiB leaves room without risking memory. */
export const DEFAULT_UPSTREAM_MAX_BYTES = 16 * 1024 * 1024;
const MIN_UPSTREAM_MAX_BYTES = 1024;
const MAX_UPSTREAM_MAX_BYTES = 1024 * 1024 * 1024;

// A DNS name or an IP address, without scheme, port or path; IPv6 with or without brackets.
const HOST_NAME = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.?|\[?[0-9a-f:.]*:[0-9a-f:.]*\]?)$/i;

function checkHostNames(name: string, values: readonly unknown[]): string[] {
  return values.map((value) => {
    const text = String(value).trim();
    if (!HOST_NAME.test(text)) {
      throw new ConfigError(`${name} must be host names or IP addresses without scheme or port, separated by commas (got "${text}")`);
    }
    return normaliseHostName(text);
  });
}

/** Lower case, no trailing dot, IPv6 without brackets: the form both sides are compared in. */
export function normaliseHostName(host: string): string {
  return host.toLowerCase().replace(/\.$/, '').replace(/^\[(.*)\]$/, '$1');
}

function readHostList(env: Record<string, string | undefined>, name: string): string[] {
  const raw = readOptionalString(env, name);
  if (raw === undefined) return [];
  return checkHostNames(name, raw.split(',').filter((part) => part.trim() !== ''));
}

export function loadDashboardConfig(env: Record<string, string | undefined> = process.env): DashboardConfig {
  return {
    host: readString(env, 'DASHBOARD_HOST', '127.0.0.1'),
    port: readInteger(env, 'DASHBOARD_PORT', 3000, 0, 65535),
    prometheusUrl: readUrl(env, 'PROMETHEUS_URL', 'http://127.0.0.1:9090', HTTP)!,
    alertmanagerUrl: readUrl(env, 'ALERTMANAGER_URL', 'http://127.0.0.1:9093', HTTP)!,
    apiUrl: readUrl(env, 'API_URL', 'http://127.0.0.1:8080', HTTP)!,
    adminToken: readOptionalString(env, 'ADMIN_TOKEN'),
    dashboardsDir: readString(env, 'DASHBOARDS_DIR', DEFAULT_DASHBOARDS_DIR),
    upstreamTimeoutMs: readInteger(env, 'DASHBOARD_UPSTREAM_TIMEOUT_MS', 5000, 100, 120_000),
    upstreamMaxBytes: readInteger(env, 'DASHBOARD_UPSTREAM_MAX_BYTES', DEFAULT_UPSTREAM_MAX_BYTES, MIN_UPSTREAM_MAX_BYTES, MAX_UPSTREAM_MAX_BYTES),
    allowedHosts: readHostList(env, 'DASHBOARD_ALLOWED_HOSTS'),
    logLevel: readEnum(env, 'LOG_LEVEL', 'info', LOG_LEVELS),
  };
}

/**
 * Defaults filled in and every field checked, for callers that pass options in code
 * (tests, the one-command stack). Errors name the option, like the env errors name the variable.
 */
export function resolveDashboardConfig(options: Partial<DashboardConfig> = {}): DashboardConfig {
  const defaults = loadDashboardConfig({});
  const config: DashboardConfig = { ...defaults };
  for (const [key, value] of Object.entries(options) as [keyof DashboardConfig, unknown][]) {
    if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value;
  }
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) {
    throw new ConfigError(`port must be an integer from 0 to 65535 (got ${String(config.port)})`);
  }
  if (typeof config.host !== 'string' || config.host === '') throw new ConfigError('host must be a non-empty string');
  for (const key of ['prometheusUrl', 'alertmanagerUrl', 'apiUrl'] as const) {
    config[key] = checkHttpUrl(key, config[key]);
  }
  if (config.adminToken === '') config.adminToken = undefined;
  if (!Number.isInteger(config.upstreamTimeoutMs) || config.upstreamTimeoutMs < 100) {
    throw new ConfigError(`upstreamTimeoutMs must be an integer >= 100 (got ${String(config.upstreamTimeoutMs)})`);
  }
  if (
    !Number.isInteger(config.upstreamMaxBytes) ||
    config.upstreamMaxBytes < MIN_UPSTREAM_MAX_BYTES ||
    config.upstreamMaxBytes > MAX_UPSTREAM_MAX_BYTES
  ) {
    throw new ConfigError(
      `upstreamMaxBytes must be an integer from ${MIN_UPSTREAM_MAX_BYTES} to ${MAX_UPSTREAM_MAX_BYTES} (got ${String(config.upstreamMaxBytes)})`,
    );
  }
  if (!Array.isArray(config.allowedHosts)) throw new ConfigError('allowedHosts must be an array of host names');
  config.allowedHosts = checkHostNames('allowedHosts', config.allowedHosts);
  if (!LOG_LEVELS.includes(config.logLevel)) {
    throw new ConfigError(`logLevel must be one of ${LOG_LEVELS.join(', ')} (got "${String(config.logLevel)}")`);
  }
  return config;
}

function checkHttpUrl(name: string, value: unknown): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new ConfigError(`${name} must be a URL (got "${String(value)}")`);
  }
  if (!HTTP.includes(url.protocol)) throw new ConfigError(`${name} must use http: or https: (got "${url.protocol}")`);
  // Stored without a trailing slash so paths can be appended as `${base}/api/v1/...`.
  return String(value).replace(/\/+$/, '');
}
