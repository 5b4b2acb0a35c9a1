// Renders the report's time-series charts to SVG in Node with ECharts' server-side renderer:
// the metric on the left axis, the load shape (users) in grey on the right, firing alerts as red
// bands and chaos changes as dashed vertical lines.
import * as echarts from 'echarts';
import type { AlertInterval, ChaosPoint } from './analysis.js';
import type { NamedSeries, Points } from './prometheus-data.js';

export interface ChartSpec {
  id: string;
  title: string;
  unit: string;
  series: NamedSeries[];
  users: Points;
  alerts: AlertInterval[];
  chaos: ChaosPoint[];
  /** Drawn as a horizontal dashed line (e.g. the latency objective). */
  objective?: { value: number; label: string };
  /** Unix ms. */
  startMs: number;
  endMs: number;
}

export interface RenderedChart {
  id: string;
  title: string;
  svg: string;
  /** Points per series, so a reader (or a test) can tell an empty chart from a full one. */
  pointCounts: Record<string, number>;
}

const WIDTH = 960;
const HEIGHT = 320;
const PALETTE = ['#2f6fdf', '#e8833a', '#3ba272', '#9a60b4', '#d14a61', '#5ab1ef', '#8d6e63'];

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

export function renderChart(spec: ChartSpec): RenderedChart {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height: HEIGHT });
  // Faint bands (overlapping alerts darken) and lines at firing (red) and resolved (green); the
  // alert names are on the alert timeline chart, to keep these readable.
  const alertAreas = spec.alerts.map((alert) => [
    { xAxis: alert.firingAt, itemStyle: { color: 'rgba(220, 40, 40, 0.07)' } },
    { xAxis: alert.resolvedAt ?? spec.endMs },
  ]);
  const alertLine = (at: number, color: string) => ({
    xAxis: at,
    lineStyle: { color, type: 'solid' as const, width: 1 },
    label: { show: false },
  });
  const marks = [
    ...spec.alerts.filter((a) => !a.firingBeforeWindow).map((a) => alertLine(a.firingAt, '#d62728')),
    ...spec.alerts.flatMap((a) => (a.resolvedAt ? [alertLine(a.resolvedAt, '#2ca02c')] : [])),
    ...spec.chaos.map((change) => ({
      xAxis: change.at,
      name: `chaos ${change.failureRate}`,
      lineStyle: { color: '#b00020', type: 'dashed' as const, width: 1.5 },
      label: { formatter: `chaos ${change.failureRate}`, position: 'insideStartTop' as const, color: '#b00020', fontSize: 10 },
    })),
    ...(spec.objective
      ? [
          {
            yAxis: spec.objective.value,
            name: spec.objective.label,
            lineStyle: { color: '#555', type: 'dashed' as const },
            label: { formatter: spec.objective.label, position: 'insideEndTop' as const, color: '#555', fontSize: 10 },
          },
        ]
      : []),
  ];
  chart.setOption({
    animation: false,
    color: PALETTE,
    backgroundColor: '#fff',
    title: { text: spec.title, left: 8, top: 4, textStyle: { fontSize: 14, fontFamily: 'sans-serif' } },
    legend: { top: 6, right: 70, textStyle: { fontSize: 11 } },
    grid: { left: 64, right: 64, top: 44, bottom: 40 },
    xAxis: {
      type: 'time',
      min: spec.startMs,
      max: spec.endMs,
      axisLabel: { formatter: (value: number) => clock(value), fontSize: 10 },
    },
    yAxis: [
      { type: 'value', name: spec.unit, nameTextStyle: { fontSize: 10 }, axisLabel: { fontSize: 10 } },
      {
        type: 'value',
        name: 'users',
        nameTextStyle: { fontSize: 10, color: '#999' },
        axisLabel: { fontSize: 10, color: '#999' },
        splitLine: { show: false },
        minInterval: 1,
      },
    ],
    series: [
      {
        name: 'users',
        type: 'line',
        yAxisIndex: 1,
        step: 'end',
        showSymbol: false,
        data: spec.users,
        lineStyle: { color: '#aaa', width: 1 },
        itemStyle: { color: '#aaa' },
        areaStyle: { color: 'rgba(160, 160, 160, 0.15)' },
        z: 1,
        markArea: alertAreas.length ? { silent: true, data: alertAreas } : undefined,
        markLine: marks.length ? { silent: true, symbol: 'none', data: marks } : undefined,
      },
      ...spec.series.map((series) => ({
        name: series.name,
        type: 'line',
        yAxisIndex: 0,
        showSymbol: false,
        connectNulls: false,
        data: series.points,
        lineStyle: { width: 1.6 },
        z: 2,
      })),
    ],
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return {
    id: spec.id,
    title: spec.title,
    svg,
    pointCounts: Object.fromEntries([['users', spec.users.length], ...spec.series.map((s) => [s.name, s.points.length])]),
  };
}

/** One row per alert: pending (amber) then firing (red) until resolved, with the users and chaos changes. */
export function renderAlertTimeline(alerts: AlertInterval[], chaos: ChaosPoint[], users: Points, startMs: number, endMs: number): RenderedChart {
  const names = [...new Set(alerts.map((a) => a.alertname))];
  const height = Math.max(160, 90 + names.length * 34);
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height });
  const segment = (name: string, from: number, to: number, color: string) => ({
    type: 'line',
    yAxisIndex: 0,
    data: [[from, name], [to, name]],
    showSymbol: false,
    lineStyle: { color, width: 12, cap: 'butt' },
    z: 3,
  });
  chart.setOption({
    animation: false,
    backgroundColor: '#fff',
    title: { text: 'Alert timeline (pending amber, firing red)', left: 8, top: 4, textStyle: { fontSize: 14, fontFamily: 'sans-serif' } },
    grid: { left: 200, right: 64, top: 40, bottom: 36 },
    xAxis: { type: 'time', min: startMs, max: endMs, axisLabel: { formatter: (value: number) => clock(value), fontSize: 10 } },
    yAxis: [
      { type: 'category', data: names, axisLabel: { fontSize: 11 } },
      { type: 'value', name: 'users', nameTextStyle: { fontSize: 10, color: '#999' }, axisLabel: { fontSize: 10, color: '#999' }, splitLine: { show: false } },
    ],
    series: [
      {
        type: 'line',
        yAxisIndex: 1,
        step: 'end',
        showSymbol: false,
        data: users,
        lineStyle: { color: '#aaa', width: 1 },
        areaStyle: { color: 'rgba(160, 160, 160, 0.15)' },
        z: 1,
        markLine: chaos.length
          ? {
              silent: true,
              symbol: 'none',
              data: chaos.map((c) => ({
                xAxis: c.at,
                lineStyle: { color: '#b00020', type: 'dashed', width: 1.5 },
                label: { formatter: `chaos ${c.failureRate}`, position: 'insideStartTop', color: '#b00020', fontSize: 10 },
              })),
            }
          : undefined,
      },
      ...alerts.flatMap((a) => [
        ...(a.pendingAt !== undefined ? [segment(a.alertname, a.pendingAt, a.firingAt, '#f0a030')] : []),
        segment(a.alertname, a.firingAt, a.resolvedAt ?? endMs, '#d62728'),
      ]),
    ],
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return {
    id: 'alerts',
    title: 'Alert timeline',
    svg,
    pointCounts: Object.fromEntries(names.map((name) => [name, alerts.filter((a) => a.alertname === name).length])),
  };
}
