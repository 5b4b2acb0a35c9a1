// The scrape interval Prometheus actually uses, which Grafana's $__rate_interval depends on
// (rate windows must span at least four scrapes). Read from Prometheus's own loaded config.
import { scrapeIntervalFromConfig } from '../../packages/shared/prometheus-client.js';
import type { Upstream } from './upstream.js';

/** The guess while Prometheus does not answer yet (the shipped configs scrape more often than this). */
export const FALLBACK_SCRAPE_INTERVAL_SECONDS = 15;

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
