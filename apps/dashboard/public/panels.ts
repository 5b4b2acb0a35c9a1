// Panel views for the Grafana panel types the live dashboard draws. Every panel element carries its
// state for people and tests alike: data-state = loading | ok | empty | error | unsupported, and
// data-points = how many values it drew.
import type { RequestError } from './api.js';
import { displayName, fieldConfigFor } from './field-config.js';
import type { FieldConfig, Panel } from './grafana-model.js';
import { countPoints, reduce, type PanelResult } from './queries.js';
import { createTimeseriesView, type Annotation } from './timeseries-panel.js';
import { formatValue, resolveColor, thresholdColor } from './units.js';

export type PanelState = 'loading' | 'ok' | 'empty' | 'error' | 'unsupported';
export type QueryKind = 'range' | 'instant' | 'none';

/** What the page shares with every panel: the annotation marks of the last refresh. */
export interface SharedState {
  annotations: () => readonly Annotation[];
}

/** What one panel type draws into its frame. */
export interface PanelRenderer {
  query: QueryKind;
  fixedState?: PanelState;
  render(result: PanelResult): void;
  clear?(): void;
  redraw?(): void;
}

export interface PanelView {
  element: HTMLElement;
  query: QueryKind;
  update(result: PanelResult): void;
  fail(error: RequestError): void;
  redraw(): void;
}

interface Frame {
  element: HTMLElement;
  body: HTMLElement;
  setState(state: PanelState, points?: number, text?: string): void;
}

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
};

function createFrame(panel: Panel): Frame {
  const element = el('section', 'panel');
  element.dataset.panelId = String(panel.id ?? '');
  element.dataset.panelType = panel.type;
  element.dataset.state = 'loading';
  element.dataset.points = '0';
  const header = el('header', 'panel-header');
  const title = el('h3', 'panel-title', panel.title || '(untitled)');
  if (panel.description) title.title = panel.description;
  const status = el('span', 'panel-status');
  header.append(title, status);
  const body = el('div', 'panel-body');
  const message = el('div', 'panel-message');
  element.append(header, body, message);
  return {
    element,
    body,
    setState(state: PanelState, points = 0, text = '') {
      element.dataset.state = state;
      element.dataset.points = String(points);
      message.textContent = text;
      message.hidden = text === '';
      status.textContent = state === 'error' ? '⚠' : '';
      status.title = state === 'error' ? text : '';
    },
  };
}

/** The view for one panel: its element, which query it needs, and how it takes a result or a failure. */
export function createPanelView(panel: Panel, shared: SharedState): PanelView {
  const frame = createFrame(panel);
  const view = VIEWS[panel.type]?.(panel, frame, shared) ?? unsupportedView(panel, frame);
  if (view.query === 'none') frame.setState(view.fixedState ?? 'ok');
  return {
    element: frame.element,
    query: view.query,
    update(result: PanelResult) {
      const points = countPoints(result.series);
      const empty = points === 0;
      // Empty: the frame's message alone says so (a stat would otherwise add its own "No data").
      if (empty) view.clear?.();
      else view.render(result);
      frame.setState(empty ? 'empty' : 'ok', points, empty ? (panel.fieldConfig?.defaults?.noValue ?? 'No data') : '');
    },
    fail(error: RequestError) {
      view.clear?.();
      frame.setState('error', 0, error.unreachable ? `No data: ${error.message}` : `Query failed: ${error.message}`);
    },
    redraw: () => view.redraw?.(),
  };
}

const VIEWS: Record<string, (panel: Panel, frame: Frame, shared: SharedState) => PanelRenderer> = {
  stat: (panel, frame) => statView(panel, frame, { gauge: false }),
  gauge: (panel, frame) => statView(panel, frame, { gauge: true }),
  bargauge: (panel, frame) => statView(panel, frame, { gauge: true }),
  timeseries: (panel, frame, shared) => createTimeseriesView(panel, frame.body, { annotations: shared.annotations }),
  'state-timeline': (panel, frame, shared) =>
    createTimeseriesView(panel, frame.body, { stepped: true, annotations: shared.annotations }),
  table: (panel, frame) => tableView(panel, frame),
  text: (panel, frame) => textView(panel, frame),
};

function statView(panel: Panel, frame: Frame, { gauge }: { gauge: boolean }): PanelRenderer {
  const options = panel.options ?? {};
  const calc = options.reduceOptions?.calcs?.[0] ?? 'lastNotNull';
  const colorMode = options.colorMode ?? 'value';
  const textMode = options.textMode ?? 'auto';
  const horizontal = options.orientation === 'horizontal';
  const container = el('div', `stat-list${horizontal ? ' horizontal' : ''}`);
  frame.body.append(container);
  new ResizeObserver(() => requestAnimationFrame(() => fitText(container, container.children.length))).observe(container);

  return {
    query: 'range',
    render({ series }) {
      container.replaceChildren();
      series.forEach((one) => {
        const config = fieldConfigFor(panel, one);
        const value = reduce(one.values, calc);
        const color = thresholdColor(value, config.thresholds, config) ?? resolveColor('text');
        const item = el('div', 'stat');
        const showName = textMode === 'value_and_name' || textMode === 'name' || (textMode === 'auto' && series.length > 1);
        if (showName) item.append(el('span', 'stat-name', displayName(config, one)));
        if (textMode !== 'name' && textMode !== 'none') {
          const noValue = value === null && config.noValue ? config.noValue : undefined;
          const text = el('span', 'stat-value', noValue ?? formatValue(value, config.unit, config.decimals));
          text.dataset.value = value === null ? '' : String(value);
          text.dataset.color = color;
          if (colorMode === 'value') text.style.color = color;
          item.append(text);
        }
        if (colorMode === 'background' || colorMode === 'background_solid') {
          item.style.background = color;
          item.classList.add('on-color');
        }
        if (gauge) item.append(gaugeBar(value, config, color));
        else if (options.graphMode === 'area' && one.values.length > 1) item.append(sparkline(one.values, color));
        container.append(item);
      });
      fitText(container, series.length);
    },
    clear: () => container.replaceChildren(),
  };
}

// Values fill the panel the way Grafana's stat does: big when alone, smaller when many.
function fitText(container: HTMLElement, count: number): void {
  const height = container.clientHeight || 80;
  const width = container.clientWidth || 160;
  const horizontal = container.classList.contains('horizontal') || count > 1;
  const rows = horizontal ? Math.max(1, count) : 1;
  const size = Math.max(12, Math.min(48, (height / rows) * 0.45, width / 7));
  container.style.setProperty('--stat-size', `${Math.round(size)}px`);
}

function gaugeBar(value: number | null, config: FieldConfig, color: string): HTMLElement {
  const min = config.min ?? 0;
  const max = config.max ?? 100;
  const bar = el('div', 'gauge');
  const fill = el('div', 'gauge-fill');
  const share = value === null ? 0 : Math.max(0, Math.min(1, (value - min) / (max - min || 1)));
  fill.style.width = `${(share * 100).toFixed(1)}%`;
  fill.style.background = color;
  bar.append(fill);
  return bar;
}

function sparkline(values: readonly (number | null)[], color: string): SVGSVGElement {
  const svgNs = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('viewBox', '0 0 100 30');
  svg.setAttribute('preserveAspectRatio', 'none');
  const present = values.filter((value): value is number => value !== null);
  const low = Math.min(0, ...present);
  const high = Math.max(...present);
  const span = high - low || 1;
  const step = 100 / Math.max(1, values.length - 1);
  const points = values
    .map((value, index) => (value === null ? null : `${(index * step).toFixed(2)},${(30 - ((value - low) / span) * 28).toFixed(2)}`))
    .filter((point): point is string => point !== null);
  const area = document.createElementNS(svgNs, 'polygon');
  const first = points[0]?.split(',')[0] ?? '0';
  const last = points[points.length - 1]?.split(',')[0] ?? '100';
  area.setAttribute('points', `${first},30 ${points.join(' ')} ${last},30`);
  area.setAttribute('fill', color);
  area.setAttribute('fill-opacity', '0.18');
  const line = document.createElementNS(svgNs, 'polyline');
  line.setAttribute('points', points.join(' '));
  line.setAttribute('fill', 'none');
  line.setAttribute('stroke', color);
  line.setAttribute('stroke-width', '1.2');
  line.setAttribute('vector-effect', 'non-scaling-stroke');
  svg.append(area, line);
  return svg;
}

// Instant vectors as rows: one column per label, then the value (Grafana's "table" format), with
// the "organize" transformation (hide, rename, reorder columns) applied.
function tableView(panel: Panel, frame: Frame): PanelRenderer {
  const wrapper = el('div', 'table-wrapper');
  frame.body.append(wrapper);
  const organize = ((panel.transformations ?? []).find((transformation) => transformation.id === 'organize')?.options ?? {}) as {
    excludeByName?: Record<string, boolean>;
    renameByName?: Record<string, string>;
    indexByName?: Record<string, number>;
  };
  const excluded = organize.excludeByName ?? {};
  const renamed = organize.renameByName ?? {};
  const order = organize.indexByName ?? {};
  return {
    query: 'instant',
    render({ series }) {
      wrapper.replaceChildren();
      if (series.length === 0) return;
      const labels = [...new Set(series.flatMap((one) => Object.keys(one.labels)))].sort();
      const columns = [...labels, 'Value']
        .filter((name) => !excluded[name])
        .sort((a, b) => (order[a] ?? Infinity) - (order[b] ?? Infinity));
      const table = el('table', 'data-table');
      const head = el('tr');
      for (const name of columns) head.append(el('th', '', renamed[name] || name));
      table.append(head);
      for (const one of series) {
        const config = fieldConfigFor(panel, one);
        const row = el('tr');
        for (const name of columns) {
          if (name === 'Value') row.append(el('td', 'numeric', formatValue(one.values[0] ?? null, config.unit, config.decimals)));
          else row.append(el('td', '', one.labels[name] ?? ''));
        }
        table.append(row);
      }
      wrapper.append(table);
    },
    clear: () => wrapper.replaceChildren(),
  };
}

// Shown as plain text: the page renders no HTML from dashboard files.
function textView(panel: Panel, frame: Frame): PanelRenderer {
  frame.body.append(el('div', 'text-panel', panel.options?.content ?? ''));
  return { query: 'none', render() {} };
}

function unsupportedView(panel: Panel, frame: Frame): PanelRenderer {
  frame.body.append(el('div', 'panel-unsupported', `"${panel.type}" panels are shown in Grafana only.`));
  return { query: 'none', fixedState: 'unsupported', render() {} };
}
