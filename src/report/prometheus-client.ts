// The few Prometheus HTTP API calls the report needs: range queries, and the scrape interval.
import { parse } from 'yaml';
export interface RangeSeries {
  metric: Record<string, string>;
  /** [unix seconds, value] pairs. */
  values: Array<[number, number]>;
}

export const DEFAULT_PROMETHEUS_URL = 'http://127.0.0.1:9090';

export function prometheusUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.PROMETHEUS_URL || DEFAULT_PROMETHEUS_URL;
  try {
    return new URL(raw).toString().replace(/\/$/, '');
  } catch {
    throw new Error(`PROMETHEUS_URL must be a URL like ${DEFAULT_PROMETHEUS_URL}, got "${raw}"`);
  }
}

export async function prometheusAnswers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
  }
}

async function api<T>(url: string, path: string, params: Record<string, string>): Promise<T> {
  const query = new URLSearchParams(params).toString();
  const response = await fetch(`${url}${path}${query ? `?${query}` : ''}`, { signal: AbortSignal.timeout(30_000) });
  const body = (await response.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`Prometheus ${path} failed: ${body.error ?? response.status} (${params.query ?? ''})`);
  return body.data;
}

export async function queryRange(url: string, query: string, startS: number, endS: number, stepS: number): Promise<RangeSeries[]> {
  const data = await api<{ result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> }>(
    url,
    '/api/v1/query_range',
    { query, start: String(startS), end: String(endS), step: String(stepS) },
  );
  return data.result.map((series) => ({
    metric: series.metric,
    values: series.values.map(([t, v]) => [t, Number(v)] as [number, number]).filter(([, v]) => Number.isFinite(v)),
  }));
}

function seconds(duration: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h)$/.exec(duration);
  if (!match) return undefined;
  return Number(match[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2] as 'ms' | 's' | 'm' | 'h'];
}

/** How often Prometheus scrapes `job` (its own scrape_interval, else the global one; Prometheus's default is 1m). */
export async function scrapeIntervalS(url: string, job = 'ticketpulse-api'): Promise<number> {
  const data = await api<{ yaml: string }>(url, '/api/v1/status/config', {});
  const config = parse(data.yaml) as {
    global?: { scrape_interval?: string };
    scrape_configs?: Array<{ job_name?: string; scrape_interval?: string }>;
  };
  const interval = config.scrape_configs?.find((c) => c.job_name === job)?.scrape_interval ?? config.global?.scrape_interval;
  return (interval && seconds(interval)) || 60;
}
