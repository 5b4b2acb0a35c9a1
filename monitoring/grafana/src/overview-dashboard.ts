/**
 * "TicketPulse overview": what a person watching a stress test needs within seconds — traffic, latency,
 * failures, saturation, sales, SLO budget, the chaos settings in force and the alerts firing.
 *
 * Queries use the raw metrics the API exposes (not recording rules), so every panel works against any
 * Prometheus that scrapes the API, with or without our rule files loaded. Panels whose description says
 * "empty when healthy" are allowed to return no series (test/dashboards/grafana-queries.test.ts).
 */
import {
  AnnotationQueryBuilder,
  DashboardBuilder,
  DashboardCursorSync,
  QueryVariableBuilder,
  RowBuilder,
  TimePickerBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import * as units from '@grafana/grafana-foundation-sdk/units';
import { ALERT_THRESHOLDS, SLO } from './alert-thresholds.js';
import { PROMETHEUS, scoped, statPanel, tablePanel, thresholds, timeSeriesPanel } from './panel-kit.js';

const RATE = '$__rate_interval';

const requests = (matchers?: string) => `sum(rate(${scoped('http_requests_total', matchers)}[${RATE}]))`;
const errors5xx = 'status_code=~"5.."';

/** 0 (not "no data") while requests flow without any 5xx. */
const errorRatio = `(${requests(errors5xx)} or 0 * ${requests()}) / ${requests()}`;

const byRoute = (matchers?: string) =>
  `sum by (route) (rate(${scoped('http_requests_total', matchers)}[${RATE}]))`;
const errorRatioByRoute = `(${byRoute(errors5xx)} or 0 * ${byRoute()}) / ${byRoute()}`;

const latencyQuantile = (q: number, by: string) =>
  `histogram_quantile(${q}, sum by (${by}) (rate(${scoped(
    'http_request_duration_seconds_bucket',
    'route!="__unmatched__"',
  )}[${RATE}])))`;

const perMinute = (metric: string, matchers?: string) =>
  `sum(rate(${scoped(metric, matchers)}[${RATE}])) * 60`;

/**
 * The SLIs exactly as monitoring/prometheus/rules/recording.yml defines them (job:slo_*), computed from
 * the raw counters so they can be narrowed to one instance:
 * - availability: purchases (POST …/orders) answered 5xx, out of purchases not answered 4xx — sold-out
 *   and invalid input are the buyer's outcome, not the service failing;
 * - latency: requests slower than the latency threshold (a histogram bucket bound), out of all requests.
 * Error budget consumed = bad ratio over the SLO window / (1 - target); remaining = 1 - consumed.
 */
const PURCHASES = 'route="/api/concerts/:id/orders", method="POST"';
const availabilityBadRatio = (window: string) =>
  `((sum(increase(${scoped('http_requests_total', `${PURCHASES}, status_code=~"5.."`)}[${window}])) or vector(0)) / sum(increase(${scoped(
    'http_requests_total',
    `${PURCHASES}, status_code!~"4.."`,
  )}[${window}])))`;
const latencyBadRatio = (window: string) =>
  `(1 - sum(increase(${scoped(
    'http_request_duration_seconds_bucket',
    `le="${SLO.latencyThresholdSeconds}"`,
  )}[${window}])) / sum(increase(${scoped('http_request_duration_seconds_count')}[${window}])))`;
const availabilityBudget = (1 - SLO.availabilityTarget).toFixed(6).replace(/0+$/, '');
const latencyBudget = (1 - SLO.latencyTarget).toFixed(6).replace(/0+$/, '');

const FIRING = 'ALERTS{alertstate="firing"}';
const CHAOS_CHANGED = `changes(${scoped('chaos_failure_rate')}[1m]) > 0 or changes(${scoped(
  'chaos_latency_max_seconds',
)}[1m]) > 0 or changes(${scoped('chaos_latency_min_seconds')}[1m]) > 0`;

const HEADLINE = { w: 4, h: 4 };
const HALF = { w: 12, h: 8 };
const THIRD = { w: 8, h: 8 };

export function buildOverviewDashboard() {
  return (
    new DashboardBuilder('TicketPulse overview')
      .uid('ticketpulse-overview')
      .description('Traffic, latency, failures, saturation, sales, SLO, chaos and alerts of the TicketPulse API.')
      .tags(['ticketpulse', 'generated'])
      .editable()
      .timezone('browser')
      .time({ from: 'now-15m', to: 'now' })
      .refresh('5s')
      .timepicker(new TimePickerBuilder().refreshIntervals(['5s', '10s', '30s', '1m', '5m']))
      .tooltip(DashboardCursorSync.Crosshair)
      .withVariable(
        new QueryVariableBuilder('job')
          .label('Job')
          .description('Prometheus scrape job of the API')
          .datasource(PROMETHEUS)
          .query('label_values(http_requests_total, job)')
          .definition('label_values(http_requests_total, job)')
          .refresh(VariableRefresh.OnTimeRangeChanged)
          .sort(VariableSort.AlphabeticalAsc)
          .multi(true)
          .includeAll(true)
          .allValue('.*')
          .current({ text: 'All', value: '$__all' }),
      )
      .withVariable(
        new QueryVariableBuilder('instance')
          .label('Instance')
          .description('API replica (host:port of its /metrics)')
          .datasource(PROMETHEUS)
          .query('label_values(http_requests_total{job=~"$job"}, instance)')
          .definition('label_values(http_requests_total{job=~"$job"}, instance)')
          .refresh(VariableRefresh.OnTimeRangeChanged)
          .sort(VariableSort.AlphabeticalAsc)
          .multi(true)
          .includeAll(true)
          .allValue('.*')
          .current({ text: 'All', value: '$__all' }),
      )
      .annotation(
        new AnnotationQueryBuilder()
          .name('Chaos settings changed')
          .datasource(PROMETHEUS)
          .enable(true)
          .iconColor('orange')
          .expr(CHAOS_CHANGED)
          .step('15s')
          .titleFormat('Chaos settings changed')
          .textFormat('{{instance}}'),
      )
      .annotation(
        new AnnotationQueryBuilder()
          .name('Firing alerts')
          .datasource(PROMETHEUS)
          .enable(true)
          .iconColor('red')
          .expr(FIRING)
          .step('15s')
          .titleFormat('{{alertname}}')
          .textFormat('{{severity}}'),
      )

      .withRow(new RowBuilder('Headline'))
      .withPanel(
        statPanel({
          title: 'Requests / s',
          description: 'All API requests per second (health and metrics endpoints excluded).',
          unit: units.RequestsPerSecond,
          queries: [{ expr: requests(), legend: 'requests/s' }],
          thresholds: thresholds('blue'),
          decimals: 1,
          size: HEADLINE,
        }),
      )
      .withPanel(
        statPanel({
          title: 'Error ratio (5xx)',
          description: `Share of requests answered 5xx, payment failures (502) included. Turns red at ${
            ALERT_THRESHOLDS.errorRatio.value * 100
          }%, where ${ALERT_THRESHOLDS.errorRatio.alert} fires.`,
          unit: units.PercentUnit,
          queries: [{ expr: errorRatio, legend: '5xx ratio' }],
          thresholds: thresholds('green', [ALERT_THRESHOLDS.errorRatio.value, 'red']),
          decimals: 2,
          min: 0,
          size: HEADLINE,
        }),
      )
      .withPanel(
        statPanel({
          title: 'p95 latency',
          description: `95th percentile of request duration, from the histogram. Turns red at ${ALERT_THRESHOLDS.latencyP95Seconds.value} s, where ${ALERT_THRESHOLDS.latencyP95Seconds.alert} fires.`,
          unit: units.Seconds,
          queries: [{ expr: latencyQuantile(0.95, 'le'), legend: 'p95' }],
          thresholds: thresholds('green', [ALERT_THRESHOLDS.latencyP95Seconds.value, 'red']),
          decimals: 3,
          min: 0,
          size: HEADLINE,
        }),
      )
      .withPanel(
        statPanel({
          title: 'Tickets sold / min',
          description: 'Tickets sold per minute (confirmed orders only).',
          unit: units.Short,
          queries: [{ expr: perMinute('tickets_sold_total'), legend: 'tickets/min' }],
          thresholds: thresholds('blue'),
          decimals: 1,
          size: HEADLINE,
        }),
      )
      .withPanel(
        statPanel({
          title: 'Revenue / min',
          description: 'Revenue of confirmed orders per minute, in currency units (cents / 100).',
          unit: units.Short,
          queries: [{ expr: `${perMinute('ticket_revenue_cents_total')} / 100`, legend: 'revenue/min' }],
          thresholds: thresholds('blue'),
          decimals: 2,
          size: HEADLINE,
        }),
      )
      .withPanel(
        statPanel({
          title: 'Active alerts',
          description: 'Alerts firing now (Prometheus ALERTS series). Red as soon as one fires.',
          unit: units.Short,
          queries: [{ expr: `count(${FIRING}) or vector(0)`, legend: 'firing' }],
          thresholds: thresholds('green', [1, 'red']),
          decimals: 0,
          size: HEADLINE,
        }),
      )

      .withRow(new RowBuilder('Traffic and latency'))
      .withPanel(
        timeSeriesPanel({
          title: 'Request rate by route and status class',
          description: 'Requests per second, by route template and status class (2xx, 4xx, 5xx).',
          unit: units.RequestsPerSecond,
          queries: [
            {
              expr: `sum by (route, status_class) (label_replace(rate(${scoped(
                'http_requests_total',
              )}[${RATE}]), "status_class", "\${1}xx", "status_code", "([0-9])..")) `.trim(),
              legend: '{{route}} {{status_class}}',
            },
          ],
          min: 0,
          size: HALF,
        }),
      )
      .withPanel(
        timeSeriesPanel({
          title: 'Latency p95 by route',
          description: `95th percentile request duration per route. Dashed line: ${ALERT_THRESHOLDS.latencyP95Seconds.alert} threshold.`,
          unit: units.Seconds,
          queries: [{ expr: latencyQuantile(0.95, 'le, route'), legend: '{{route}}' }],
          alertLine: { value: ALERT_THRESHOLDS.latencyP95Seconds.value },
          min: 0,
          size: HALF,
        }),
      )
      .withPanel(
        timeSeriesPanel({
          title: 'Latency p50 by route',
          description: 'Median request duration per route.',
          unit: units.Seconds,
          queries: [{ expr: latencyQuantile(0.5, 'le, route'), legend: '{{route}}' }],
          min: 0,
          size: HALF,
        }),
      )
      .withPanel(
        timeSeriesPanel({
          title: 'Latency p99 by route',
          description: 'Slowest 1% of requests per route.',
          unit: units.Seconds,
          queries: [{ expr: latencyQuantile(0.99, 'le, route'), legend: '{{route}}' }],
          min: 0,
          size: HALF,
        }),
      )

      .withRow(new RowBuilder('Failures'))
      .withPanel(
        timeSeriesPanel({
          title: '5xx ratio by route',
          description: `Share of each route's requests answered 5xx. Dashed line: ${ALERT_THRESHOLDS.errorRatio.alert} threshold.`,
          unit: units.PercentUnit,
          queries: [{ expr: errorRatioByRoute, legend: '{{route}}' }],
          alertLine: { value: ALERT_THRESHOLDS.errorRatio.value },
          min: 0,
          size: THIRD,
        }),
      )
      .withPanel(
        timeSeriesPanel({
          title: 'Payment failures / min',
          description:
            'Orders whose (simulated) payment failed, per minute; they answer 502 and count as errors. Raise CHAOS failure rate to see them.',
          unit: units.Short,
          queries: [
            { expr: perMinute('ticket_orders_total', 'outcome="payment_failed"'), legend: 'payment failed' },
          ],
          color: 'red',
          min: 0,
          size: THIRD,
        }),
      )
      .withPanel(
        timeSeriesPanel({
          title: 'Sold-out rejections / min',
          description:
            'Orders refused because the concert had too few tickets left (409). A business outcome, not an error: it does not burn the error budget.',
          unit: units.Short,
          queries: [{ expr: perMinute('ticket_orders_total', 'outcome="sold_out"'), legend: 'sold out' }],
          color: 'blue',
          min: 0,
          size: THIRD,
        }),
      )

      .withRow(new RowBuilder('Saturation'))
      .withPanel(
        timeSeriesPanel({
          title: 'CPU per instance',
          description: 'CPU time used per second by each API process (1 = one full core).',
          unit: units.PercentUnit,
          queries: [
            { expr: `sum by (instance) (rate(${scoped('process_cpu_seconds_total')}[${RATE}]))`, legend: '{{instance}}' },
          ],
          min: 0,
          size: THIRD,
        }),
      )
      .withPanel(
        timeSeriesPanel({
          title: 'Resident memory per instance',
          description: 'Resident set size of each API process.',
          unit: units.BytesIEC,
          queries: [{ expr: `sum by (instance) (${scoped('process_resident_memory_bytes')})`, legend: '{{instance}}' }],
          min: 0,
          size: THIRD,
        }),
      )
      .withPanel(
        timeSeriesPanel({
          title: 'V8 heap per instance',
          description: 'JavaScript heap in use and allocated, per API process.',
          unit: units.BytesIEC,
          queries: [
            { expr: `sum by (instance) (${scoped('nodejs_heap_size_used_bytes')})`, legend: 'used {{instance}}' },
            { expr: `sum by (instance) (${scoped('nodejs_heap_size_total_bytes')})`, legend: 'total {{instance}}' },
          ],
          min: 0,
          size: THIRD,
        }),
      )
      .withPanel(
        timeSeriesPanel({
          title: 'Event-loop lag p99 per instance',
          description: `p99 event-loop delay of each API process: high means the process is CPU-bound. Dashed line: ${ALERT_THRESHOLDS.eventLoopLagSeconds.alert} threshold.`,
          unit: units.Seconds,
          queries: [{ expr: `max by (instance) (${scoped('nodejs_eventloop_lag_p99_seconds')})`, legend: '{{instance}}' }],
          alertLine: { value: ALERT_THRESHOLDS.eventLoopLagSeconds.value },
          min: 0,
          size: THIRD,
        }),
      )
      .withPanel(
        timeSeriesPanel({
          title: 'Database pool per instance',
          description: 'Connections in use, and requests waiting for a connection (waiting > 0 means the pool is the bottleneck).',
          unit: units.Short,
          queries: [
            { expr: `sum by (instance) (${scoped('db_pool_connections_in_use')})`, legend: 'in use {{instance}}' },
            { expr: `sum by (instance) (${scoped('db_pool_connections_waiting')})`, legend: 'waiting {{instance}}' },
          ],
          min: 0,
          decimals: 0,
          size: THIRD,
        }),
      )
      .withPanel(
        timeSeriesPanel({
          title: 'Database query p95 by operation',
          description: '95th percentile database query duration, per operation.',
          unit: units.Seconds,
          queries: [
            {
              expr: `histogram_quantile(0.95, sum by (le, operation) (rate(${scoped('db_query_duration_seconds_bucket')}[${RATE}])))`,
              legend: '{{operation}}',
            },
          ],
          min: 0,
          size: THIRD,
        }),
      )

      .withRow(new RowBuilder('Sales'))
      .withPanel(
        timeSeriesPanel({
          title: 'Orders by outcome / min',
          description: 'Order attempts per minute by outcome: confirmed, sold_out, payment_failed, rejected.',
          unit: units.Short,
          queries: [
            { expr: `sum by (outcome) (rate(${scoped('ticket_orders_total')}[${RATE}])) * 60`, legend: '{{outcome}}' },
          ],
          stacked: true,
          min: 0,
          size: THIRD,
        }),
      )
      .withPanel(
        timeSeriesPanel({
          title: 'Tickets sold and revenue / min',
          description: 'Tickets sold per minute, and revenue per minute in currency units (cents / 100).',
          unit: units.Short,
          queries: [
            { expr: perMinute('tickets_sold_total'), legend: 'tickets' },
            { expr: `${perMinute('ticket_revenue_cents_total')} / 100`, legend: 'revenue' },
          ],
          min: 0,
          size: THIRD,
        }),
      )
      .withPanel(
        statPanel({
          title: 'Sell-through of the busiest concerts',
          description:
            'Share of capacity sold for the (at most 5) busiest concerts. Orange from 90%, red when sold out.',
          unit: units.PercentUnit,
          queries: [
            {
              expr: `topk(5, max by (concert_id, concert_name) (${scoped('concert_sell_through_ratio')}))`,
              legend: '{{concert_name}}',
            },
          ],
          thresholds: thresholds('green', [0.9, 'orange'], [1, 'red']),
          min: 0,
          max: 1,
          decimals: 0,
          showNames: true,
          size: { w: 6, h: 8 },
        }),
      )
      .withPanel(
        statPanel({
          title: 'Concerts on sale',
          description: 'Concerts not sold out that have not started yet.',
          unit: units.Short,
          queries: [{ expr: `max(${scoped('concerts_on_sale')})`, legend: 'on sale' }],
          thresholds: thresholds('blue'),
          decimals: 0,
          size: { w: 2, h: 8 },
        }),
      )

      .withRow(new RowBuilder('SLO'))
      .withPanel(
        statPanel({
          title: 'Availability error budget remaining',
          description: `Availability SLO: ${SLO.availabilityTarget * 100}% of purchases (orders not refused with a 4xx) succeed, over ${SLO.window}. Share of the error budget still unspent (negative: SLO breached).`,
          unit: units.PercentUnit,
          queries: [
            { expr: `1 - ${availabilityBadRatio(SLO.window)} / ${availabilityBudget}`, legend: 'budget left', instant: true },
          ],
          thresholds: thresholds('red', [0, 'orange'], [0.25, 'green']),
          decimals: 1,
          size: { w: 6, h: 8 },
        }),
      )
      .withPanel(
        statPanel({
          title: 'Latency error budget remaining',
          description: `Latency SLO: ${SLO.latencyTarget * 100}% of requests within ${SLO.latencyThresholdSeconds} s over ${SLO.window}. Share of the error budget still unspent (negative: SLO breached).`,
          unit: units.PercentUnit,
          queries: [{ expr: `1 - ${latencyBadRatio(SLO.window)} / ${latencyBudget}`, legend: 'budget left', instant: true }],
          thresholds: thresholds('red', [0, 'orange'], [0.25, 'green']),
          decimals: 1,
          size: { w: 6, h: 8 },
        }),
      )
      .withPanel(
        timeSeriesPanel({
          title: 'Error-budget burn rate',
          description: `How fast each error budget is being spent (1 = exactly on budget for ${SLO.window}). Dashed line: fast-burn page at ${SLO.fastBurnRate}x; slow burn pages at ${SLO.slowBurnRate}x over 6h.`,
          unit: units.Short,
          queries: [
            { expr: `${availabilityBadRatio('1h')} / ${availabilityBudget}`, legend: 'availability 1h' },
            { expr: `${availabilityBadRatio('5m')} / ${availabilityBudget}`, legend: 'availability 5m' },
            { expr: `${latencyBadRatio('1h')} / ${latencyBudget}`, legend: 'latency 1h' },
            { expr: `${latencyBadRatio('5m')} / ${latencyBudget}`, legend: 'latency 5m' },
          ],
          alertLine: { value: SLO.fastBurnRate },
          min: 0,
          decimals: 2,
          size: HALF,
        }),
      )

      .withRow(new RowBuilder('Chaos and alerts'))
      .withPanel(
        timeSeriesPanel({
          title: 'Chaos: injected failure rate',
          description:
            'Share of order payments the API is told to fail (admin chaos setting in force). Filled steps show when faults were injected.',
          unit: units.PercentUnit,
          queries: [{ expr: `max by (instance) (${scoped('chaos_failure_rate')})`, legend: '{{instance}}' }],
          stepped: true,
          fillOpacity: 40,
          color: 'red',
          min: 0,
          size: THIRD,
        }),
      )
      .withPanel(
        timeSeriesPanel({
          title: 'Chaos: injected latency',
          description: 'Extra latency range (min/max) the API adds to each request (admin chaos setting in force).',
          unit: units.Seconds,
          queries: [
            { expr: `max by (instance) (${scoped('chaos_latency_min_seconds')})`, legend: 'min {{instance}}' },
            { expr: `max by (instance) (${scoped('chaos_latency_max_seconds')})`, legend: 'max {{instance}}' },
          ],
          stepped: true,
          fillOpacity: 25,
          min: 0,
          size: THIRD,
        }),
      )
      .withPanel(
        tablePanel({
          title: 'Firing alerts',
          description: 'Alerts firing now, from the Prometheus ALERTS series. Empty when healthy.',
          queries: [{ expr: FIRING, legend: '{{alertname}}', instant: true, table: true }],
          size: THIRD,
        }),
      )
  );
}
