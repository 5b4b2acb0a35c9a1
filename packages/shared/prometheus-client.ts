// The one client for Prometheus's HTTP API that the tools, the stack and the tests share: instant and
// range queries, alerts, the loaded config (and the scrape interval in it), readiness.
// @see https://prometheus.io/docs/prometheus/latest/querying/api/
import { parse } from 'yaml';
import { parseDurationSeconds } from './durations.js';
import { readUrl, type Env } from './env.js';
import { API_JOB } from './prometheus-jobs.js';

export const DEFAULT_PROMETHEUS_URL = 'http://127.0.0.1:9090';

/** What Prometheus uses when neither the job nor `global` sets `scrape_interval`. */
export const PROMETHEUS_DEFAULT_SCRAPE_INTERVAL_SECONDS = 60;

/** PROMETHEUS_URL (default: the local one), without a trailing slash; a ConfigError names a bad value. */
export function prometheusUrlFromEnv(env: Env = process.env): string {
  return readUrl(env, 'PROMETHEUS_URL', DEFAULT_PROMETHEUS_URL, ['http:', 'https:'])!.replace(/\/$/, '');
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface RangeSeries {
  metric: Record<string, string>;
  /** [unix seconds, value] pairs; NaN and infinite values left out. */
  values: Array<[number, number]>;
}

export interface PromAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing' | 'inactive';
  activeAt?: string;
  value: string;
}

export interface PrometheusClient {
  url: string;
  /** true once /-/ready answers 200; false when it does not (yet), never throws. */
  ready(): Promise<boolean>;
  /** An instant query; throws unless the answer is a vector. */
  query(expr: string, timeS?: number): Promise<PromSample[]>;
  queryRange(expr: string, startS: number, endS: number, stepS: number): Promise<RangeSeries[]>;
  /** Active (pending or firing) alerts as Prometheus sees them. */
  alerts(): Promise<PromAlert[]>;
  /** The loaded configuration, as YAML. */
  configYaml(): Promise<string>;
  /** How often Prometheus scrapes `job`, in seconds, from its loaded configuration. */
  scrapeIntervalSeconds(job?: string): Promise<number>;
  /** Any other API call: the `data` of a successful answer; throws with Prometheus's error otherwise. */
  api<T>(path: string, params?: Record<string, string>): Promise<T>;
}

/**
 * Queries go as POST forms (Prometheus accepts both), so a long PromQL expression never meets a
 * URL length limit; the other calls are GETs, their params in the query string (some endpoints,
 * such as label values, answer 405 to a POST).
 */
const POST_PATHS = new Set(['/api/v1/query', '/api/v1/query_range']);

export function createPrometheusClient(url: string, options: { timeoutMs?: number } = {}): PrometheusClient {
  const base = url.replace(/\/$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const api = async <T>(path: string, params?: Record<string, string>): Promise<T> => {
    const post = params !== undefined && POST_PATHS.has(path);
    const init: RequestInit = post
      ? { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params) }
      : {};
    const target = !post && params ? `${base}${path}?${new URLSearchParams(params)}` : `${base}${path}`;
    const response = await fetch(target, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    let body: { status?: string; data?: T; error?: string } | undefined;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = undefined;
    }
    if (!response.ok || body?.status !== 'success') {
      const reason = body?.error ?? text.trim().slice(0, 200);
      throw new Error(`prometheus ${path} failed: ${response.status} ${reason}${params?.query ? ` (${params.query})` : ''}`.trim());
    }
    return body.data as T;
  };
  return {
    url: base,
    api,
    async ready() {
      try {
        return (await fetch(`${base}/-/ready`, { signal: AbortSignal.timeout(2_000) })).ok;
      } catch {
        return false;
      }
    },
    async query(expr, timeS) {
      const data = await api<{ resultType: string; result: PromSample[] }>('/api/v1/query', {
        query: expr,
        ...(timeS === undefined ? {} : { time: String(timeS) }),
      });
      if (data.resultType !== 'vector') throw new Error(`prometheus query ${expr}: got ${data.resultType}, not a vector`);
      return data.result;
    },
    async queryRange(expr, startS, endS, stepS) {
      const data = await api<{ result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> }>(
        '/api/v1/query_range',
        { query: expr, start: String(startS), end: String(endS), step: String(stepS) },
      );
      return data.result.map((series) => ({
        metric: series.metric,
        values: series.values.map(([t, v]) => [t, Number(v)] as [number, number]).filter(([, v]) => Number.isFinite(v)),
      }));
    },
    async alerts() {
      return (await api<{ alerts: PromAlert[] }>('/api/v1/alerts')).alerts;
    },
    async configYaml() {
      return (await api<{ yaml: string }>('/api/v1/status/config')).yaml;
    },
    async scrapeIntervalSeconds(job = API_JOB) {
      return scrapeIntervalFromConfig(await this.configYaml(), job) ?? PROMETHEUS_DEFAULT_SCRAPE_INTERVAL_SECONDS;
    },
  };
}

/**
 * How often a loaded Prometheus config scrapes `job`: the job's own scrape_interval, else the global
 * one, else Prometheus's default; undefined only when the text is not a config at all.
 */
export function scrapeIntervalFromConfig(yamlText: string, job: string = API_JOB): number | undefined {
  let config: { global?: { scrape_interval?: string }; scrape_configs?: Array<{ job_name?: string; scrape_interval?: string }> } | null;
  try {
    config = parse(yamlText) as typeof config;
  } catch {
    return undefined;
  }
  if (config === null || typeof config !== 'object') return undefined;
  const own = config.scrape_configs?.find((entry) => entry.job_name === job)?.scrape_interval;
  return parseDurationSeconds(own) ?? parseDurationSeconds(config.global?.scrape_interval) ?? PROMETHEUS_DEFAULT_SCRAPE_INTERVAL_SECONDS;
}
