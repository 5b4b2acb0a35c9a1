/**
 * Small typed helpers over @grafana/grafana-foundation-sdk so every panel of every dashboard gets the same
 * datasource, legend, refIds and threshold shape. The SDK's timeseries builder hides the legend unless one
 * is set, so timeSeriesPanel() always sets it.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  FieldColorBuilder,
  FieldColorModeId,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  type Threshold,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanelBuilder } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeSeriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

/** Provisioned in observability/grafana/provisioning/datasources/datasources.yml with this uid. */
export const PROMETHEUS = { type: 'prometheus', uid: 'prometheus' } as const;

/** Label matchers every API-metric query carries, so the job/instance variables narrow every panel. */
export const SCOPE = 'job=~"$job", instance=~"$instance"';

/** `metric{job=~"$job", instance=~"$instance", <extra>}` */
export function scoped(metric: string, extraMatchers?: string): string {
  return `${metric}{${SCOPE}${extraMatchers ? `, ${extraMatchers}` : ''}}`;
}

export interface Query {
  expr: string;
  legend: string;
  /** Evaluate once at the end of the range (stat/table panels that need no sparkline). */
  instant?: boolean;
  /** Table panels want labels as columns. */
  table?: boolean;
}

export interface Size {
  w: number;
  h: number;
}

/** Base colour first, then [value, colour] steps in ascending order: Grafana's absolute thresholds. */
export function thresholds(base: string, ...steps: Array<[number, string]>): ThresholdsConfigBuilder {
  const list: Threshold[] = [{ value: null, color: base }, ...steps.map(([value, color]) => ({ value, color }))];
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(list);
}

function targets(queries: Query[]): DataqueryBuilder[] {
  return queries.map((query, index) => {
    const target = new DataqueryBuilder()
      .datasource(PROMETHEUS)
      .refId(String.fromCharCode(65 + index))
      .expr(query.expr)
      .legendFormat(query.legend);
    if (query.instant) target.instant();
    else target.range();
    if (query.table) target.format(PromQueryFormat.Table);
    return target;
  });
}

export interface StatOptions {
  title: string;
  description: string;
  unit: string;
  queries: Query[];
  thresholds: ThresholdsConfigBuilder;
  size: Size;
  decimals?: number;
  min?: number;
  max?: number;
  /** Show one value per series with its name (e.g. one per concert). */
  showNames?: boolean;
  /** Shown instead of "No data" when the query returns nothing (e.g. "no purchases"). */
  noValue?: string;
  /**
   * Grafana's reducer; default lastNotNull. 'last' with an instant query shows what holds NOW: a
   * ratio whose denominator dropped to 0 must say so, not keep its last value.
   */
  reduce?: 'last' | 'lastNotNull';
}

export function statPanel(options: StatOptions): StatPanelBuilder {
  const panel = new StatPanelBuilder()
    .title(options.title)
    .description(options.description)
    .datasource(PROMETHEUS)
    .unit(options.unit)
    .thresholds(options.thresholds)
    .colorMode(common.BigValueColorMode.Value)
    .graphMode(options.queries.every((q) => q.instant) ? common.BigValueGraphMode.None : common.BigValueGraphMode.Area)
    .textMode(options.showNames ? common.BigValueTextMode.ValueAndName : common.BigValueTextMode.Value)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs([options.reduce ?? 'lastNotNull']).values(false))
    .height(options.size.h)
    .span(options.size.w)
    .targets(targets(options.queries));
  if (options.showNames) panel.orientation(common.VizOrientation.Horizontal);
  if (options.noValue !== undefined) panel.noValue(options.noValue);
  if (options.decimals !== undefined) panel.decimals(options.decimals);
  if (options.min !== undefined) panel.min(options.min);
  if (options.max !== undefined) panel.max(options.max);
  return panel;
}

export interface TimeSeriesOptions {
  title: string;
  description: string;
  unit: string;
  queries: Query[];
  size: Size;
  min?: number;
  max?: number;
  decimals?: number;
  /** Drawn as a dashed line so a glance shows where the alert fires: red above it, or below it if `below`. */
  alertLine?: { value: number; below?: boolean };
  stacked?: boolean;
  /** Settings that change in steps (chaos knobs) are drawn as filled steps, not slopes. */
  stepped?: boolean;
  fillOpacity?: number;
  /** Fixed colour for every series (e.g. blue for business outcomes that are not errors). */
  color?: string;
  /** Shown instead of "No data" when the queries return nothing (e.g. an exporter that is absent). */
  noValue?: string;
}

export function timeSeriesPanel(options: TimeSeriesOptions): TimeSeriesPanelBuilder {
  const panel = new TimeSeriesPanelBuilder()
    .title(options.title)
    .description(options.description)
    .datasource(PROMETHEUS)
    .unit(options.unit)
    .height(options.size.h)
    .span(options.size.w)
    .lineWidth(1)
    .fillOpacity(options.fillOpacity ?? (options.stacked ? 35 : 10))
    .showPoints(common.VisibilityMode.Never)
    .spanNulls(false)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom)
        .calcs([]),
    )
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
    .targets(targets(options.queries));
  if (options.min !== undefined) panel.min(options.min);
  if (options.max !== undefined) panel.max(options.max);
  if (options.decimals !== undefined) panel.decimals(options.decimals);
  if (options.noValue !== undefined) panel.noValue(options.noValue);
  if (options.stepped) panel.lineInterpolation(common.LineInterpolation.StepAfter);
  if (options.stacked) panel.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal).group('A'));
  panel.colorScheme(
    options.color
      ? new FieldColorBuilder().mode(FieldColorModeId.Fixed).fixedColor(options.color)
      : new FieldColorBuilder().mode(FieldColorModeId.PaletteClassic),
  );
  if (options.alertLine) {
    panel
      .thresholds(
        options.alertLine.below
          ? thresholds('red', [options.alertLine.value, 'green'])
          : thresholds('green', [options.alertLine.value, 'red']),
      )
      .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
  } else {
    panel.thresholds(thresholds('green'));
  }
  return panel;
}

export interface TableOptions {
  title: string;
  description: string;
  queries: Query[];
  size: Size;
  /** Shown instead of an empty table. */
  noValue?: string;
  hideColumns?: string[];
}

export function tablePanel(options: TableOptions): TablePanelBuilder {
  const panel = new TablePanelBuilder()
    .title(options.title)
    .description(options.description)
    .datasource(PROMETHEUS)
    .height(options.size.h)
    .span(options.size.w)
    .showHeader(true)
    .noValue(options.noValue ?? 'No data')
    .targets(targets(options.queries));
  // Instant table results carry a Time and a Value column that mean nothing to a reader; hide them.
  if (options.hideColumns?.length) {
    panel.withTransformation({
      id: 'organize',
      options: { excludeByName: Object.fromEntries(options.hideColumns.map((column) => [column, true])) },
    });
  }
  return panel;
}
