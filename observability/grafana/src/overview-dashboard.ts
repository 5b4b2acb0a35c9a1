/**
 * "TicketPulse overview": what a person watching a stress test needs within seconds — traffic, latency,
 * failures, saturation, sales, SLO budget, the chaos settings in force and the alerts firing.
 * Panels whose description says "empty when healthy" may return no series
 * (test/observability/grafana/grafana-queries.test.ts); every other query must return data.
 */
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import * as units from '@grafana/grafana-foundation-sdk/units';
import { ALERT_THRESHOLDS, API_DOWN_ALERT } from './alert-thresholds.js';
import { ticketPulseDashboard } from './dashboard-base.js';
import { scoped, statPanel, tablePanel, thresholds, timeSeriesPanel, type Size } from './panel-kit.js';
import {
  FIRING_ALERTS,
  latencyQuantile,
  REVENUE_UNIT,
  perMinute,
  perMinuteBy,
  purchaseFailureRatio,
  requestsByRouteAndStatusClass,
  requestsPerSecond,
  serverErrorRatioByRoute,
} from './queries.js';
import { cpuPanel, dbPoolPanel, dbQueryPanel, eventLoopLagPanel, heapPanel, memoryPanel } from './saturation-panels.js';
import { availabilityBudgetPanel, burnRatePanel, latencyBudgetPanel } from './slo-panels.js';

const HEADLINE: Size = { w: 3, h: 4 };
const HALF: Size = { w: 12, h: 8 };
const THIRD: Size = { w: 8, h: 8 };
const QUARTER: Size = { w: 6, h: 8 };

export const OVERVIEW_UID = 'ticketpulse-overview';

export const firingAlertsPanel = (size: Size) =>
  tablePanel({
    title: 'Alert rules firing (Prometheus)',
    description:
      'Alert rules whose condition holds now (Prometheus ALERTS series), inhibited or silenced ones included; the always-on Watchdog heartbeat left out. ' +
      "What actually notifies someone is Alertmanager's list (after inhibitions and silences). Empty when healthy.",
    queries: [{ expr: FIRING_ALERTS, legend: '{{alertname}}', instant: true, table: true }],
    noValue: 'No alert firing',
    hideColumns: ['Time', 'Value', '__name__', 'alertstate'],
    size,
  });

export function buildOverviewDashboard() {
  return (
    ticketPulseDashboard({
      title: 'TicketPulse overview',
      uid: OVERVIEW_UID,
      description: 'Traffic, latency, failures, saturation, sales, SLO, chaos and alerts of the TicketPulse API.',
    })
      .withRow(new RowBuilder('Headline'))
      .withPanel(
        statPanel({
          title: 'Requests / s',
          description: 'All API requests per second (health probes and /metrics excluded).',
          unit: units.RequestsPerSecond,
          // `or vector(0)`: an idle API that has not answered anything yet has no counters: 0, not "No data".
          queries: [{ expr: `(${requestsPerSecond}) or vector(0)`, legend: 'requests/s' }],
          thresholds: thresholds('blue'),
          decimals: 1,
          size: HEADLINE,
        }),
      )
      .withPanel(
        statPanel({
          title: 'Purchase error ratio',
          description: `Purchases answered 5xx (payment failures included) out of purchases not refused with a 4xx, now. Red from ${
            ALERT_THRESHOLDS.purchaseFailureRatio.value * 100
          }%, where ${ALERT_THRESHOLDS.purchaseFailureRatio.alert} fires. Says "no purchases" while none are attempted, rather than keep the last ratio.`,
          unit: units.PercentUnit,
          // `>= 0` drops the NaN of 0/0 (no purchase attempted), so the panel shows its noValue.
          queries: [{ expr: `(${purchaseFailureRatio}) >= 0`, legend: 'failed purchases', instant: true }],
          reduce: 'last',
          noValue: 'no purchases',
          thresholds: thresholds('green', [ALERT_THRESHOLDS.purchaseFailureRatio.value, 'red']),
          decimals: 1,
          min: 0,
          size: HEADLINE,
        }),
      )
      .withPanel(
        statPanel({
          title: 'p95 latency',
          description: `95th percentile of request duration over all routes, from the histogram. Red from ${ALERT_THRESHOLDS.latencyP95Seconds.value} s, where ${ALERT_THRESHOLDS.latencyP95Seconds.alert} fires (per route).`,
          unit: units.Seconds,
          queries: [{ expr: latencyQuantile(0.95, 'le'), legend: 'p95' }],
          thresholds: thresholds('green', [ALERT_THRESHOLDS.latencyP95Seconds.value, 'red']),
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
          description: 'Revenue of confirmed orders per minute (cents / 100; the API has no currency field, dollars assumed).',
          unit: REVENUE_UNIT,
          queries: [{ expr: `${perMinute('ticket_revenue_cents_total')} / 100`, legend: 'revenue/min' }],
          thresholds: thresholds('blue'),
          decimals: 2,
          size: HEADLINE,
        }),
      )
      .withPanel(
        statPanel({
          title: 'Replicas down',
          description: `API replicas Prometheus cannot scrape (up == 0). Red from one, where ${API_DOWN_ALERT} fires.`,
          unit: units.Short,
          queries: [{ expr: `count(${scoped('up')} == 0) or vector(0)`, legend: 'down' }],
          thresholds: thresholds('green', [1, 'red']),
          decimals: 0,
          size: HEADLINE,
        }),
      )
      .withPanel(
        statPanel({
          title: 'Active alerts',
          description: 'Alerts firing now (Prometheus ALERTS, without the Watchdog heartbeat). Red as soon as one fires.',
          unit: units.Short,
          queries: [{ expr: `count(${FIRING_ALERTS}) or vector(0)`, legend: 'firing' }],
          thresholds: thresholds('green', [1, 'red']),
          decimals: 0,
          size: HEADLINE,
        }),
      )
      .withPanel(
        statPanel({
          title: 'Concerts on sale',
          description: 'Concerts that have not started and still have tickets.',
          unit: units.Short,
          queries: [{ expr: `max(${scoped('concerts_on_sale')})`, legend: 'on sale' }],
          thresholds: thresholds('blue'),
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
          queries: [{ expr: requestsByRouteAndStatusClass, legend: '{{route}} {{status_class}}' }],
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
          title: 'Purchase failure ratio',
          description: `Purchases answered 5xx out of purchases not refused with a 4xx. Dashed line: ${ALERT_THRESHOLDS.purchaseFailureRatio.alert} threshold.`,
          unit: units.PercentUnit,
          queries: [{ expr: purchaseFailureRatio, legend: 'failed purchases' }],
          alertLine: { value: ALERT_THRESHOLDS.purchaseFailureRatio.value },
          min: 0,
          size: QUARTER,
        }),
      )
      .withPanel(
        timeSeriesPanel({
          title: '5xx ratio by route',
          description: "Share of each route's requests answered 5xx (0 while a route has not failed).",
          unit: units.PercentUnit,
          queries: [{ expr: serverErrorRatioByRoute, legend: '{{route}}' }],
          min: 0,
          size: QUARTER,
        }),
      )
      .withPanel(
        timeSeriesPanel({
          title: 'Payment failures / min',
          description:
            'Orders whose (simulated) payment failed, per minute; they answer 502 and count as failures. The chaos failure rate drives them.',
          unit: units.Short,
          queries: [{ expr: perMinute('ticket_orders_total', 'outcome="payment_failed"'), legend: 'payment failed' }],
          color: 'red',
          min: 0,
          size: QUARTER,
        }),
      )
      .withPanel(
        timeSeriesPanel({
          title: 'Sold-out rejections / min',
          description:
            'Orders refused because the concert had too few tickets left (409). A business outcome, not an error: it burns no error budget.',
          unit: units.Short,
          queries: [{ expr: perMinute('ticket_orders_total', 'outcome="sold_out"'), legend: 'sold out' }],
          color: 'blue',
          min: 0,
          size: QUARTER,
        }),
      )

      .withRow(new RowBuilder('Saturation'))
      .withPanel(cpuPanel(THIRD))
      .withPanel(memoryPanel(THIRD))
      .withPanel(heapPanel(THIRD))
      .withPanel(eventLoopLagPanel(THIRD))
      .withPanel(dbPoolPanel(THIRD))
      .withPanel(dbQueryPanel(0.95, THIRD))

      .withRow(new RowBuilder('Sales'))
      .withPanel(
        timeSeriesPanel({
          title: 'Orders by outcome / min',
          description: 'Order attempts per minute by outcome: confirmed, sold_out, payment_failed, rejected (invalid input).',
          unit: units.Short,
          queries: [{ expr: perMinuteBy('outcome', 'ticket_orders_total'), legend: '{{outcome}}' }],
          stacked: true,
          min: 0,
          size: QUARTER,
        }),
      )
      // Tickets and money on separate panels: one axis cannot carry both units.
      .withPanel(
        timeSeriesPanel({
          title: 'Tickets sold / min',
          description: 'Tickets sold per minute (confirmed orders, by quantity).',
          unit: units.Short,
          queries: [{ expr: perMinute('tickets_sold_total'), legend: 'tickets' }],
          min: 0,
          size: QUARTER,
        }),
      )
      .withPanel(
        timeSeriesPanel({
          title: 'Revenue / min',
          description: 'Revenue of confirmed orders per minute (cents / 100; the API has no currency field, dollars assumed).',
          unit: REVENUE_UNIT,
          queries: [{ expr: `${perMinute('ticket_revenue_cents_total')} / 100`, legend: 'revenue' }],
          min: 0,
          size: QUARTER,
        }),
      )
      .withPanel(
        statPanel({
          title: 'Sell-through of the busiest concerts',
          description: 'Share of capacity sold for the (at most 5) busiest concerts, to 0.1 % (a big arena selling its first hundred tickets is not 0 %). Orange from 90%, red when sold out.',
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
          decimals: 1,
          showNames: true,
          size: QUARTER,
        }),
      )

      .withRow(new RowBuilder('SLO'))
      .withPanel(availabilityBudgetPanel(QUARTER))
      .withPanel(latencyBudgetPanel(QUARTER))
      .withPanel(burnRatePanel(HALF))

      .withRow(new RowBuilder('Chaos and alerts'))
      .withPanel(
        timeSeriesPanel({
          title: 'Chaos: injected failure rate',
          description:
            'Share of payments the API is told to fail (admin chaos setting in force). Filled steps show when faults were injected.',
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
      .withPanel(firingAlertsPanel(THIRD))
  );
}
