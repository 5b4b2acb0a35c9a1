// The scrape interval Prometheus actually uses, which Grafana's $__rate_interval depends on
// (rate windows must span at least four scrapes). Read from Prometheus's own loaded config.
import { parse } from 'yaml';
import type { Upstream } from './upstream.js';

export const FALLBACK_SCRAPE_INTERVAL_SECONDS = 15;
const API_JOB = 'ticketpulse-api';

/** Seconds in a Prometheus duration like "15s", "1m30s", "500ms"; undefined when it is not one. */
export function parsePromDuration(text: unknown): number | undefined {
  if (typeof text !== 'string' || !/^(\d+(ms|[smhdwy]))+$/.test(text)) return undefined;
  const unitSeconds: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)(ms|[smhdwy])/g)) total += Number(amount) * unitSeconds[unit!]!;
  return total;
}

export function scrapeIntervalFromConfig(yamlText: string): number | undefined {
  const config = parse(yamlText) as {
    global?: { scrape_interval?: string };
    scrape_configs?: { job_name?: string; scrape_interval?: string }[];
  } | null;
  const job = config?.scrape_configs?.find((entry) => entry.job_name === API_JOB);
  return parsePromDuration(job?.scrape_interval) ?? parsePromDuration(config?.global?.scrape_interval);
}

export interface ScrapeInterval {
  seconds: number;
  /** false = Prometheus did not answer yet and `seconds` is the fallback guess. */
  known: boolean;
}

export function createScrapeIntervalReader(prometheus: Upstream): () => Promise<ScrapeInterval> {
  let known: number | undefined;
  return async () => {
    if (known !== undefined) return { seconds: known, known: true };
    try {
      const response = await prometheus.request('/api/v1/status/config');
      if (response.status !== 200) return { seconds: FALLBACK_SCRAPE_INTERVAL_SECONDS, known: false };
      const body = JSON.parse(response.body) as { data?: { yaml?: string } };
      known = scrapeIntervalFromConfig(body.data?.yaml ?? '') ?? FALLBACK_SCRAPE_INTERVAL_SECONDS;
      return { seconds: known, known: true };
    } catch {
      // Unreachable for now: guess, and ask again next time.
      return { seconds: FALLBACK_SCRAPE_INTERVAL_SECONDS, known: false };
    }
  };
}
