// Grafana's time-series panel drawn with uPlot (the library Grafana's own panel is built on):
// unit-formatted y axis, fixed colours or the classic palette, fill opacity, step lines, min/max,
// threshold lines (thresholdsStyle), annotation markers, and a legend that follows the cursor.
import uPlot from 'uplot';
import { displayName, fieldConfigFor, seriesColor } from './field-config.js';
import type { FieldConfig, FieldCustom, Panel } from './grafana-model.js';
import type { PanelRenderer } from './panels.js';
import { reduce, type PanelResult, type Series } from './queries.js';
import { formatValue, thresholdLines } from './units.js';

/** One annotation mark: a vertical line at `time` (unix seconds), keyed by its annotation's name. */
export interface Annotation {
  name: string;
  time: number;
  color: string;
  title: string;
}

const AXIS_COLOR = '#9fa7b3';
const GRID_COLOR = 'rgba(204, 204, 220, 0.08)';

function withAlpha(color: string, opacity: number): string {
  const hex = /^#([0-9a-f]{6})$/i.exec(color);
  if (!hex) return color;
  const alpha = Math.round(Math.max(0, Math.min(1, opacity)) * 255).toString(16).padStart(2, '0');
  return `#${hex[1]!}${alpha}`;
}

function pathsFor(custom: FieldCustom, stepped: boolean): uPlot.Series.PathBuilder | undefined {
  if (stepped || custom.lineInterpolation === 'stepAfter') return uPlot.paths.stepped!({ align: 1 });
  if (custom.lineInterpolation === 'stepBefore') return uPlot.paths.stepped!({ align: -1 });
  if (custom.drawStyle === 'bars') return uPlot.paths.bars!({ size: [0.8, 40] });
  if (custom.lineInterpolation === 'smooth') return uPlot.paths.spline!();
  return undefined; // uPlot's default: straight lines
}

function thresholdPlugin(panel: Panel): (u: uPlot) => void {
  const defaults = panel.fieldConfig?.defaults ?? {};
  const mode = defaults.custom?.thresholdsStyle?.mode ?? 'off';
  const lines = mode === 'off' ? [] : thresholdLines(defaults.thresholds);
  return (u) => {
    if (lines.length === 0) return;
    const { ctx, bbox } = u;
    ctx.save();
    for (const { value, color } of lines) {
      const y = Math.round(u.valToPos(value, 'y', true));
      if (y < bbox.top || y > bbox.top + bbox.height) continue;
      if (mode.includes('area')) {
        ctx.fillStyle = withAlpha(color, 0.08);
        ctx.fillRect(bbox.left, bbox.top, bbox.width, y - bbox.top);
      }
      ctx.strokeStyle = color;
      ctx.lineWidth = Math.max(1, devicePixelRatio);
      ctx.setLineDash(mode.includes('dashed') || mode === 'area' ? [8 * devicePixelRatio, 6 * devicePixelRatio] : []);
      ctx.beginPath();
      ctx.moveTo(bbox.left, y);
      ctx.lineTo(bbox.left + bbox.width, y);
      ctx.stroke();
    }
    ctx.restore();
  };
}

// Dashboard annotations (e.g. "chaos settings changed") as vertical markers.
function annotationPlugin(getAnnotations: () => readonly Annotation[]): (u: uPlot) => void {
  return (u) => {
    const marks = getAnnotations();
    if (marks.length === 0) return;
    const { ctx, bbox } = u;
    ctx.save();
    ctx.lineWidth = Math.max(1, devicePixelRatio);
    ctx.setLineDash([3 * devicePixelRatio, 3 * devicePixelRatio]);
    for (const mark of marks) {
      const x = Math.round(u.valToPos(mark.time, 'x', true));
      if (x < bbox.left || x > bbox.left + bbox.width) continue;
      ctx.strokeStyle = mark.color;
      ctx.beginPath();
      ctx.moveTo(x, bbox.top);
      ctx.lineTo(x, bbox.top + bbox.height);
      ctx.stroke();
    }
    ctx.restore();
  };
}

/**
 * Grafana's "normal" stacking: each series is drawn on top of the ones before it in its stack group.
 * Returns what to plot (the legend keeps showing each series' own values) and the uPlot bands that
 * fill between neighbours instead of down to zero.
 */
function stack(panel: Panel, series: readonly Series[]): { plotted: (number | null)[][]; bands: uPlot.Band[] } {
  const plotted: (number | null)[][] = [];
  const bands: uPlot.Band[] = [];
  const previousInGroup = new Map<string, number>(); // group → index of the last series stacked in it
  series.forEach((one, index) => {
    const stacking = fieldConfigFor(panel, one).custom?.stacking;
    if (stacking?.mode !== 'normal') {
      plotted.push(one.values);
      return;
    }
    const group = stacking.group ?? 'A';
    const below = previousInGroup.get(group);
    plotted.push(
      below === undefined
        ? one.values
        : one.values.map((value, slot) => (value === null ? null : value + (plotted[below]![slot] ?? 0))),
    );
    if (below !== undefined) bands.push({ series: [index + 1, below + 1] });
    previousInGroup.set(group, index);
  });
  return { plotted, bands };
}

// Clock times only (the range is at most hours): seconds when ticks are closer than a minute.
function timeLabels(_u: uPlot, splits: number[], _axis: number, _space: number, increment: number): string[] {
  const pad = (value: number) => String(value).padStart(2, '0');
  return splits.map((seconds) => {
    const date = new Date(seconds * 1000);
    const clock = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
    return increment < 60 ? `${clock}:${pad(date.getSeconds())}` : clock;
  });
}

// Configured decimals suit values, not ticks: "decimals: 0" would label 0.2-spaced ticks 0, 0, 1, 1.
function axisLabels(splits: number[], unit: string | undefined, decimals: number | undefined): string[] {
  const labels = splits.map((value) => formatValue(value, unit, decimals));
  return new Set(labels).size === labels.length ? labels : splits.map((value) => formatValue(value, unit));
}

// Wide enough for the longest tick label ("95.4 MiB"), measured in characters of the 12 px font.
function axisSize(_u: uPlot, values: string[] | null): number {
  const longest = Math.max(3, ...(values ?? []).map((value) => String(value).length));
  return Math.ceil(longest * 7.5 + 24);
}

export function createTimeseriesView(
  panel: Panel,
  body: HTMLElement,
  { stepped = false, annotations = () => [] }: { stepped?: boolean; annotations?: () => readonly Annotation[] } = {},
): PanelRenderer {
  const defaults: FieldConfig = panel.fieldConfig?.defaults ?? {};
  const custom: FieldCustom = defaults.custom ?? {};
  const legendOptions = panel.options?.legend ?? {};
  const showLegend = legendOptions.showLegend !== false && legendOptions.displayMode !== 'hidden';
  const chartHost = document.createElement('div');
  chartHost.className = 'chart';
  // Which threshold lines this chart draws, readable without decoding the canvas.
  const thresholdMode = defaults.custom?.thresholdsStyle?.mode ?? 'off';
  chartHost.dataset.thresholdLines = (thresholdMode === 'off' ? [] : thresholdLines(defaults.thresholds)).map((line) => line.value).join(' ');
  const legend = document.createElement('div');
  legend.className = 'legend';
  legend.hidden = !showLegend;
  body.append(chartHost, legend);

  let chart: uPlot | undefined;
  let seriesKey = '';
  let current: Pick<PanelResult, 'series' | 'times'> = { series: [], times: [] };
  let legendRows: { value: HTMLElement; config: FieldConfig; one: Series }[] = [];

  const size = () => ({
    width: Math.max(100, body.clientWidth),
    height: Math.max(60, body.clientHeight - (showLegend ? legend.offsetHeight : 0)),
  });

  function yRange(_u: uPlot, dataMin: number | null, dataMax: number | null): uPlot.Range.MinMax {
    const softMin = custom.axisSoftMin;
    const softMax = custom.axisSoftMax;
    let low = defaults.min ?? Math.min(dataMin ?? 0, softMin ?? Infinity, 0);
    let high = defaults.max ?? Math.max(dataMax ?? 1, softMax ?? -Infinity);
    if (!Number.isFinite(low)) low = 0;
    if (!Number.isFinite(high) || high <= low) high = low + (Math.abs(low) || 1);
    return [low, defaults.max ?? high + (high - low) * 0.08];
  }

  function build(): void {
    chart?.destroy();
    const fillOpacity = (custom.fillOpacity ?? 0) / 100;
    const lineWidth = custom.lineWidth ?? 1;
    const paths = pathsFor(custom, stepped);
    const series: uPlot.Series[] = current.series.map((one, index) => {
      const config = fieldConfigFor(panel, one);
      const color = seriesColor(config, index);
      return {
        label: displayName(config, one),
        stroke: color,
        width: lineWidth,
        ...(fillOpacity > 0 ? { fill: withAlpha(color, fillOpacity) } : {}),
        spanGaps: custom.spanNulls === true,
        points: { show: custom.showPoints === 'always' },
        ...(paths ? { paths } : {}),
      };
    });
    const unit = defaults.unit;
    const decimals = defaults.decimals;
    const { plotted, bands } = stack(panel, current.series);
    chart = new uPlot(
      {
        ...size(),
        bands,
        legend: { show: false },
        cursor: { drag: { x: false, y: false }, points: { show: false } },
        scales: { x: { time: true }, y: { range: yRange } },
        axes: [
          { stroke: AXIS_COLOR, grid: { stroke: GRID_COLOR, width: 1 }, ticks: { stroke: GRID_COLOR }, space: 55, values: timeLabels },
          {
            stroke: AXIS_COLOR,
            grid: { stroke: GRID_COLOR, width: 1 },
            ticks: { stroke: GRID_COLOR },
            size: axisSize,
            values: (_u, splits) => axisLabels(splits, unit, decimals),
          },
        ],
        series: [{}, ...series],
        hooks: {
          draw: [thresholdPlugin(panel), annotationPlugin(annotations)],
          setCursor: [(u: uPlot) => updateLegend(u.cursor.idx)],
        },
      },
      [current.times, ...plotted] as uPlot.AlignedData,
      chartHost,
    );
  }

  /** Which dashed lines mean what: one key item per annotation drawn in the visible range. */
  function renderAnnotationKey(): void {
    legend.querySelectorAll('.annotation-key').forEach((item) => item.remove());
    const [from, to] = [current.times[0], current.times[current.times.length - 1]];
    if (from === undefined || to === undefined) return;
    const shown = new Map<string, string>();
    for (const mark of annotations()) if (mark.time >= from && mark.time <= to && !shown.has(mark.name)) shown.set(mark.name, mark.color);
    for (const [name, color] of shown) {
      const item = document.createElement('span');
      item.className = 'legend-item annotation-key';
      const marker = document.createElement('i');
      marker.style.borderColor = color;
      const text = document.createElement('span');
      text.textContent = name;
      item.append(marker, text);
      legend.append(item);
    }
  }

  function renderLegend(): void {
    legend.replaceChildren();
    legendRows = current.series.map((one, index) => {
      const config = fieldConfigFor(panel, one);
      const row = document.createElement('span');
      row.className = 'legend-item';
      const marker = document.createElement('i');
      marker.style.background = seriesColor(config, index);
      const name = document.createElement('span');
      name.textContent = displayName(config, one);
      const value = document.createElement('b');
      row.append(marker, name, value);
      legend.append(row);
      return { value, config, one };
    });
    updateLegend(null);
  }

  function updateLegend(index: number | null | undefined): void {
    for (const { value, config, one } of legendRows) {
      const shown = index === null || index === undefined ? reduce(one.values, 'lastNotNull') : one.values[index];
      value.textContent = formatValue(shown ?? null, config.unit, config.decimals);
    }
  }

  const observer = new ResizeObserver(() =>
    requestAnimationFrame(() => {
      if (!chart) return;
      const next = size();
      if (next.width !== chart.width || next.height !== chart.height) chart.setSize(next);
    }),
  );
  observer.observe(body);
  // A legend that grows (more series, an annotation key) takes height from the chart, not the panel's overflow.
  observer.observe(legend);

  return {
    query: 'range',
    render(result: PanelResult) {
      current = result;
      const key = result.series.map((one) => `${one.refId}/${one.name}`).join('\n');
      if (showLegend) {
        renderLegend();
        renderAnnotationKey();
      }
      if (!chart || key !== seriesKey) {
        seriesKey = key;
        build();
      } else {
        chart.setData([result.times, ...stack(panel, result.series).plotted] as uPlot.AlignedData);
      }
    },
    clear() {
      current = { series: [], times: [] };
      seriesKey = '';
      chart?.destroy();
      chart = undefined;
      legend.replaceChildren();
    },
    /** Redraws without new data (annotations changed). */
    redraw: () => {
      if (showLegend && chart) renderAnnotationKey();
      chart?.redraw(false);
    },
  };
}
