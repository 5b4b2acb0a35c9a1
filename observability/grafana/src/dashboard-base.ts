/**
 * What every TicketPulse dashboard shares: the job/instance variables (so replicas can be told apart),
 * annotations marking chaos changes and firing alerts on every time-series panel, live refresh, and
 * links between the dashboards (they are tagged `ticketpulse`).
 */
import {
  AnnotationQueryBuilder,
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  QueryVariableBuilder,
  TimePickerBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { PROMETHEUS } from './panel-kit.js';
import { CHAOS_CHANGED, FIRING_ALERTS } from './queries.js';

export const TAG = 'ticketpulse';

/**
 * `job` has no allValue: "All" then means every job the variable query found (only jobs exposing
 * http_requests_total), not `.*`, which would also match Prometheus's and Alertmanager's own process
 * metrics. `instance` is already narrowed by `job`, so its "All" is `.*`.
 */
function replicaVariable(name: string, label: string, description: string, query: string, allValue?: string) {
  const variable = new QueryVariableBuilder(name)
    .label(label)
    .description(description)
    .datasource(PROMETHEUS)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .current({ text: 'All', value: '$__all' });
  if (allValue) variable.allValue(allValue);
  return variable;
}

export function ticketPulseDashboard(options: { title: string; uid: string; description: string }): DashboardBuilder {
  return new DashboardBuilder(options.title)
    .uid(options.uid)
    .description(options.description)
    .tags([TAG, 'generated'])
    .editable()
    .timezone('browser')
    .time({ from: 'now-15m', to: 'now' })
    .refresh('5s')
    .timepicker(new TimePickerBuilder().refreshIntervals(['5s', '10s', '30s', '1m', '5m']))
    .tooltip(DashboardCursorSync.Crosshair)
    .link(
      new DashboardLinkBuilder('TicketPulse dashboards')
        .type(DashboardLinkType.Dashboards)
        .tags([TAG])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true)
        .targetBlank(false)
        .icon('external link')
        .tooltip('')
        .url(''),
    )
    .withVariable(
      replicaVariable('job', 'Job', 'Prometheus scrape job of the API', 'label_values(http_requests_total, job)'),
    )
    .withVariable(
      replicaVariable(
        'instance',
        'Instance',
        'API replica (host:port of its /metrics)',
        'label_values(http_requests_total{job=~"$job"}, instance)',
        '.*',
      ),
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
        .expr(FIRING_ALERTS)
        .step('15s')
        .titleFormat('{{alertname}}')
        .textFormat('{{severity}}'),
    );
}
