// Everything the report asks Prometheus about a run's window, as plain time series.
import { createPrometheusClient, type RangeSeries } from '../../packages/shared/prometheus-client.js';
import { API_JOB_SELECTOR } from '../../packages/shared/prometheus-jobs.js';

/** The API's scrape job only: keeps Prometheus's own process metrics out. */
const API_SELECTOR = API_JOB_SELECTOR;
const PURCHASES = 'route="/api/concerts/:id/orders",method="POST"';

export interface Window {
  startS: number;
  endS: number;
  stepS: number;
  /** Range of rate() windows: several scrapes wide so every point has samples. */
  rateWindowS: number;
  scrapeIntervalS: number;
}

export type Points = Array<[number, number]>;

export interface NamedSeries {
  name: string;
  points: Points;
}

export interface PrometheusData {
  window: Window;
  requestsPerS: NamedSeries[];
  p99Ms: NamedSeries[];
  errorRatio: NamedSeries[];
  cpuCores: NamedSeries[];
  memoryMiB: NamedSeries[];
  ticketsSold: NamedSeries[];
  ordersPerS: NamedSeries[];
  chaosFailureRate: Points;
  /** Sell-through (0..1) of the spike's hot concert, while it is among the 5 busiest concerts. */
  hotSellThrough: Points;
  /** Raw ALERTS series at a fine step, for the alert timeline. */
  alerts: RangeSeries[];
  alertStepS: number;
}

export function makeWindow(startS: number, endS: number, scrapeS: number): Window {
  const stepS = Math.max(1, Math.ceil((endS - startS) / 400));
  return { startS, endS, stepS, rateWindowS: Math.max(4 * scrapeS, 2 * stepS, 4), scrapeIntervalS: scrapeS };
}

const promRegexQuote = (text: string) => text.replace(/[\\.^$|?*+()[\]{}"]/g, (c) => `\\\\${c}`);

const toPoints = (series: RangeSeries | undefined): Points => (series?.values ?? []).map(([t, v]) => [t * 1000, v]);

/** `hotConcertIds`: the spike's hot concert(s) from run.json, whose sell-through is followed. */
export async function collectPrometheusData(url: string, startS: number, endS: number, hotConcertIds: string[] = []): Promise<PrometheusData> {
  const prometheus = createPrometheusClient(url);
  const window = makeWindow(startS, endS, await prometheus.scrapeIntervalSeconds());
  const w = `${window.rateWindowS}s`;
  const range = (query: string, stepS = window.stepS) => prometheus.queryRange(query, startS, endS, stepS);
  const one = async (name: string, query: string, scale = 1): Promise<NamedSeries> => ({
    name,
    points: toPoints((await range(query))[0]).map(([t, v]) => [t, v * scale]),
  });
  const perLabel = async (query: string, label: string, suffix: string, scale = 1): Promise<NamedSeries[]> =>
    (await range(query)).map((series) => ({
      name: `${series.metric[label] ?? 'api'}${suffix}`,
      points: toPoints(series).map(([t, v]) => [t, v * scale]),
    }));

  const alertStepS = Math.max(1, Math.ceil((endS - startS) / 10_000));
  const [requests, p99, errors, cpu, rss, heap, sold, orders, chaos, alerts, hot] = await Promise.all([
    one('API requests/s (Prometheus)', `sum(rate(http_requests_total{${API_SELECTOR}}[${w}]))`),
    one(
      'API p99 (Prometheus)',
      `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{${API_SELECTOR}}[${w}])))`,
      1000,
    ),
    one(
      'API purchase failures % (Prometheus)',
      // The availability SLI (docs/slo.md), the one the error objective is about: 5xx answers to
      // purchase attempts, 4xx (sold-out, invalid input) excluded. `or vector(0)`: an API that never
      // answered 5xx has no such series, and the ratio is then 0, not absent.
      `(sum(rate(http_requests_total{${API_SELECTOR},${PURCHASES},status_code=~"5.."}[${w}])) or vector(0)) / sum(rate(http_requests_total{${API_SELECTOR},${PURCHASES},status_code!~"4.."}[${w}]))`,
      100,
    ),
    perLabel(`sum by (instance) (rate(process_cpu_seconds_total{${API_SELECTOR}}[${w}]))`, 'instance', ' CPU'),
    perLabel(`sum by (instance) (process_resident_memory_bytes{${API_SELECTOR}})`, 'instance', ' RSS', 1 / 2 ** 20),
    perLabel(`sum by (instance) (nodejs_heap_size_used_bytes{${API_SELECTOR}})`, 'instance', ' heap used', 1 / 2 ** 20),
    range(`sum(tickets_sold_total{${API_SELECTOR}})`),
    perLabel(`sum by (outcome) (rate(ticket_orders_total{${API_SELECTOR}}[${w}]))`, 'outcome', ' orders/s'),
    range(`max(chaos_failure_rate{${API_SELECTOR}})`),
    range('ALERTS', alertStepS),
    hotConcertIds.length
      ? range(`max(concert_sell_through_ratio{${API_SELECTOR},concert_id=~"${hotConcertIds.map(promRegexQuote).join('|')}"})`)
      : Promise.resolve([]),
  ]);
  // Tickets sold during the run: the counter relative to its value when the run started.
  const soldPoints = toPoints(sold[0]);
  const base = soldPoints[0]?.[1] ?? 0;
  return {
    window,
    requestsPerS: [requests],
    p99Ms: [p99],
    errorRatio: [errors],
    cpuCores: cpu,
    memoryMiB: [...rss, ...heap],
    ticketsSold: [{ name: 'tickets sold since start', points: soldPoints.map(([t, v]) => [t, Math.max(0, v - base)]) }],
    ordersPerS: orders,
    chaosFailureRate: toPoints(chaos[0]),
    hotSellThrough: toPoints(hot[0]),
    alerts,
    alertStepS,
  };
}
