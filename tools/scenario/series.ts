// The three lines of a scenario report's timeline, from Prometheus over the run: traffic, share of
// 5xx answers, p99 latency. 20 s rate windows: at the shipped 5 s scrape, four samples per point.
import { createPrometheusClient } from '../../packages/shared/prometheus-client.js';
import { API_JOB_SELECTOR } from '../../packages/shared/prometheus-jobs.js';

export interface Series {
  title: string;
  unit: string;
  /** [epoch ms, value]. */
  points: Array<[number, number]>;
}

const API = API_JOB_SELECTOR;

const QUERIES = [
  { title: 'Traffic', unit: 'req/s', query: `sum(rate(http_requests_total{${API}}[20s]))`, scale: 1 },
  { title: 'Error ratio (5xx)', unit: '%', query: `(sum(rate(http_requests_total{${API}, status_code=~"5.."}[20s])) or vector(0)) / sum(rate(http_requests_total{${API}}[20s]))`, scale: 100 },
  { title: 'Latency p99', unit: 'ms', query: `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{${API}}[20s])))`, scale: 1000 },
];

export async function collectSeries(prometheusUrl: string, startMs: number, endMs: number): Promise<Series[]> {
  const startS = Math.floor(startMs / 1000);
  const endS = Math.ceil(endMs / 1000);
  const stepS = Math.max(2, Math.ceil((endS - startS) / 400));
  return Promise.all(
    QUERIES.map(async ({ title, unit, query, scale }) => {
      const result = await createPrometheusClient(prometheusUrl).queryRange(query, startS, endS, stepS);
      return { title, unit, points: (result[0]?.values ?? []).map(([t, v]) => [t * 1000, v * scale] as [number, number]) };
    }),
  );
}
