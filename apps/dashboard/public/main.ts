// The live dashboard page: lays out a generated Grafana dashboard (rows and gridPos), keeps its
// variables and time range in the URL, and refreshes every panel, the alert list and the chaos
// settings every few seconds. Unreachable services are named in a banner, never silently blank.
import { createAlertList } from './alerts.js';
import { getJson, labelValues, queryRange, RequestError, type ServiceName } from './api.js';
import { createChaosControl } from './chaos.js';
import type { Dashboard, Panel, TemplateVariableModel } from './grafana-model.js';
import { createPanelView, type PanelView } from './panels.js';
import { runPanelQueries } from './queries.js';
import { ALL, interpolate, legendName, parseDuration, parseLabelValuesQuery, variableText } from './template.js';
import type { Annotation } from './timeseries-panel.js';
import { resolveColor } from './units.js';

const ROW_HEIGHT_PX = 30; // Grafana's grid: 24 columns, 30 px rows
const MAX_PARALLEL_QUERIES = 6;

/** GET /api/config of the dashboard server (apps/dashboard/app.ts). */
interface PageConfig {
  refreshSeconds: number;
  timeRanges: string[];
  scrapeIntervalSeconds: number;
  scrapeIntervalKnown: boolean;
}

interface Variable {
  model: TemplateVariableModel;
  options: string[];
  value: string | string[];
  select: HTMLSelectElement;
}

/** An element the page's own HTML (index.html) always has: missing means the page is broken. */
function $<T extends HTMLElement = HTMLElement>(selector: string): T {
  const element = document.querySelector<T>(selector);
  if (!element) throw new Error(`the page has no ${selector}`);
  return element;
}
const url = new URL(location.href);

/** The page's one mutable state: set by start(), changed only by the pickers and refresh(). */
const state: {
  config: PageConfig;
  dashboard: Dashboard;
  range: string;
  variables: Variable[];
  views: { panel: Panel; view: PanelView }[];
  annotations: Annotation[];
  refreshing: boolean;
} = {
  config: { refreshSeconds: 5, timeRanges: ['15m'], scrapeIntervalSeconds: 15, scrapeIntervalKnown: false },
  dashboard: { uid: '', title: '' },
  range: '15m',
  variables: [],
  views: [],
  annotations: [],
  refreshing: false,
};

function setBanner(key: string, message: string): void {
  const banners = $('#banners');
  let banner = banners.querySelector<HTMLElement>(`[data-banner="${key}"]`);
  if (!message) {
    banner?.remove();
    return;
  }
  if (!banner) {
    banner = document.createElement('div');
    banner.className = 'banner';
    banner.dataset.banner = key;
    banner.setAttribute('role', 'alert');
    banners.append(banner);
  }
  banner.textContent = message;
}

function writeUrl(): void {
  url.searchParams.set('range', state.range);
  for (const variable of state.variables) {
    url.searchParams.delete(`var-${variable.model.name}`);
    for (const value of [variable.value].flat()) url.searchParams.append(`var-${variable.model.name}`, value === ALL ? 'All' : value);
  }
  history.replaceState(null, '', url);
}

// ---- time range -------------------------------------------------------------------------------

function renderTimeRanges(): void {
  const picker = $('#time-range');
  picker.replaceChildren();
  for (const range of state.config.timeRanges) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = `Last ${range}`;
    button.dataset.range = range;
    button.setAttribute('aria-pressed', String(range === state.range));
    button.addEventListener('click', () => {
      state.range = range;
      writeUrl();
      renderTimeRanges();
      void refresh();
    });
    picker.append(button);
  }
}

// ---- template variables -----------------------------------------------------------------------

function variableTexts(): Record<string, string> {
  const texts: Record<string, string> = {};
  for (const variable of state.variables) texts[variable.model.name] = variableText(variable.model, variable.value, variable.options);
  return texts;
}

function initialValue(model: TemplateVariableModel): string | string[] {
  const fromUrl = url.searchParams.getAll(`var-${model.name}`);
  if (fromUrl.length) return fromUrl.includes('All') ? ALL : model.multi ? fromUrl : fromUrl[0]!;
  const current = model.current?.value;
  if (current === undefined || current === '' || (Array.isArray(current) && current.length === 0)) {
    return model.includeAll ? ALL : '';
  }
  if ([current].flat().includes(ALL) || model.current?.text === 'All') return ALL;
  return current;
}

async function loadVariableOptions(variable: Variable, rangeSeconds: number): Promise<string[]> {
  const { model } = variable;
  switch (model.type) {
    case 'query': {
      const parsed = parseLabelValuesQuery(model.query ?? model.definition);
      if (!parsed) return [];
      const now = Math.floor(Date.now() / 1000);
      const selector = parsed.selector ? interpolate(parsed.selector, variableTexts()) : undefined;
      let values = await labelValues(parsed.label, selector, now - rangeSeconds, now);
      if (model.regex) {
        const body = /^\/(.*)\/([a-z]*)$/.exec(model.regex);
        const pattern = new RegExp(body ? body[1]! : model.regex, body ? body[2] : '');
        values = values.filter((value) => pattern.test(value));
      }
      return values;
    }
    case 'custom':
      return queryText(model)
        .split(',')
        .map((value) => value.trim())
        .filter(Boolean);
    case 'constant':
    case 'textbox':
      return [queryText(model)];
    case 'interval':
      return queryText(model)
        .split(',')
        .map((value) => value.trim())
        .filter(Boolean);
    case 'datasource':
      return ['prometheus'];
    default:
      return [];
  }
}

/** A variable's query as text (Grafana stores either a string or { query }). */
function queryText(model: TemplateVariableModel): string {
  return typeof model.query === 'string' ? model.query : (model.query?.query ?? '');
}

/** Re-reads every variable's options (in order: later ones may use earlier ones). */
async function refreshVariables(rangeSeconds: number): Promise<void> {
  for (const variable of state.variables) {
    const options = await loadVariableOptions(variable, rangeSeconds);
    const changed = options.join('\n') !== variable.options.join('\n');
    variable.options = options;
    if (variable.value === '' && options.length) variable.value = options[0]!;
    if (changed) renderVariable(variable);
  }
}

function renderVariable(variable: Variable): void {
  const { model } = variable;
  const select = variable.select;
  select.replaceChildren();
  const choices: [value: string, label: string][] = [...(model.includeAll ? [[ALL, 'All'] as [string, string]] : []), ...variable.options.map((option): [string, string] => [option, option])];
  const selected = [variable.value].flat();
  // A value from the URL that Prometheus has not (yet) reported stays selectable.
  for (const value of selected) if (!choices.some(([choice]) => choice === value)) choices.push([value, value]);
  for (const [value, label] of choices) {
    const option = document.createElement('option');
    option.value = value;
    option.textContent = label;
    option.selected = selected.includes(value);
    select.append(option);
  }
}

function setupVariables(): void {
  const bar = $('#variables');
  bar.replaceChildren();
  state.variables = (state.dashboard.templating?.list ?? []).map((model) => {
    const variable: Variable = { model, options: [], value: initialValue(model), select: document.createElement('select') };
    variable.select.name = model.name;
    variable.select.id = `var-${model.name}`;
    if (model.hide !== 2) {
      const label = document.createElement('label');
      label.textContent = model.label || model.name;
      label.title = model.description ?? '';
      label.append(variable.select);
      bar.append(label);
    }
    variable.select.addEventListener('change', () => {
      const value = variable.select.value;
      variable.value = value === ALL ? ALL : model.multi ? [value] : value;
      writeUrl();
      void refresh();
    });
    renderVariable(variable);
    return variable;
  });
}

// ---- layout -----------------------------------------------------------------------------------

interface Section {
  row: Panel | undefined;
  panels: Panel[];
}

/** Top-level panels split at rows; a collapsed row carries its panels inside it. */
function sections(panels: readonly Panel[]): Section[] {
  const result: Section[] = [];
  let current: Section = { row: undefined, panels: [] };
  for (const panel of [...panels].sort((a, b) => (a.gridPos?.y ?? 0) - (b.gridPos?.y ?? 0) || (a.gridPos?.x ?? 0) - (b.gridPos?.x ?? 0))) {
    if (panel.type === 'row') {
      if (current.row || current.panels.length) result.push(current);
      current = { row: panel, panels: [...(panel.panels ?? [])] };
    } else {
      current.panels.push(panel);
    }
  }
  if (current.row || current.panels.length) result.push(current);
  return result;
}

function layout(): void {
  const grid = $('#panels');
  grid.replaceChildren();
  state.views = [];
  for (const section of sections(state.dashboard.panels ?? [])) {
    const wrapper = document.createElement('section');
    wrapper.className = 'dashboard-row';
    if (section.row) {
      const heading = document.createElement('h2');
      const toggle = document.createElement('button');
      toggle.type = 'button';
      toggle.className = 'row-toggle';
      toggle.textContent = section.row.title || 'Row';
      toggle.setAttribute('aria-expanded', 'true');
      toggle.addEventListener('click', () => {
        const collapsed = wrapper.classList.toggle('collapsed');
        toggle.setAttribute('aria-expanded', String(!collapsed));
      });
      heading.append(toggle);
      wrapper.append(heading);
    }
    const rowGrid = document.createElement('div');
    rowGrid.className = 'grid';
    rowGrid.style.gridAutoRows = `${ROW_HEIGHT_PX}px`;
    const top = Math.min(...section.panels.map((panel) => panel.gridPos?.y ?? 0));
    for (const panel of section.panels) {
      const { x = 0, y = 0, w = 12, h = 8 } = panel.gridPos ?? {};
      const view = createPanelView(panel, { annotations: () => state.annotations });
      view.element.style.gridColumn = `${x + 1} / span ${w}`;
      view.element.style.gridRow = `${y - top + 1} / span ${h}`;
      rowGrid.append(view.element);
      state.views.push({ panel, view });
    }
    wrapper.append(rowGrid);
    grid.append(wrapper);
  }
}

// ---- refresh ----------------------------------------------------------------------------------

async function inParallel<T>(items: readonly T[], limit: number, worker: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const runners = Array.from({ length: Math.min(limit, queue.length) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await worker(item);
  });
  await Promise.all(runners);
}

interface RefreshContext {
  rangeSeconds: number;
  now: number;
  variables: Record<string, string>;
  scrapeIntervalSeconds: number;
}

async function refreshAnnotations(context: RefreshContext): Promise<void> {
  const marks: Annotation[] = [];
  for (const annotation of state.dashboard.annotations?.list ?? []) {
    if (annotation.enable === false || !annotation.expr || annotation.builtIn) continue;
    const step = parseDuration(annotation.step) ?? 15;
    const end = Math.floor(context.now / step) * step;
    const result = await queryRange(interpolate(annotation.expr, context.variables), end - context.rangeSeconds, end, step);
    for (const series of result) {
      let previous = -Infinity;
      for (const [time] of series.values) {
        // One marker per burst of consecutive steps, not one per step.
        if (time - previous > step) {
          marks.push({ name: annotation.name ?? 'Annotation', time, color: resolveColor(annotation.iconColor), title: legendName(annotation.titleFormat, series.metric) });
        }
        previous = time;
      }
    }
  }
  state.annotations = marks;
}

async function refresh(): Promise<void> {
  if (state.refreshing) return;
  state.refreshing = true;
  const rangeSeconds = parseDuration(state.range) ?? 900;
  const failures: Record<ServiceName, RequestError | null> = { Prometheus: null, Alertmanager: null, API: null, 'Dashboard server': null };
  const note = (caught: unknown): void => {
    if (caught === null || caught === undefined) return;
    const error = RequestError.from(caught);
    if (error.unreachable && error.service && !failures[error.service]) failures[error.service] = error;
  };
  try {
    try {
      // Prometheus was down when the page loaded: ask again for its real scrape interval.
      if (!state.config.scrapeIntervalKnown) state.config = await getJson<PageConfig>('/api/config');
      await refreshVariables(rangeSeconds);
    } catch (error) {
      note(error);
    }
    const context: RefreshContext = {
      rangeSeconds,
      now: Math.floor(Date.now() / 1000),
      variables: variableTexts(),
      scrapeIntervalSeconds: state.config.scrapeIntervalSeconds,
    };
    await Promise.all([
      alerts.refresh().then(note),
      chaos.refresh().then(note),
      refreshAnnotations(context).catch(note),
      inParallel(
        state.views.filter(({ view }) => view.query !== 'none'),
        MAX_PARALLEL_QUERIES,
        async ({ panel, view }) => {
          try {
            const widthPx = view.element.clientWidth || 600;
            view.update(await runPanelQueries(panel, { ...context, widthPx }, { instant: view.query === 'instant' }));
          } catch (error) {
            note(error);
            view.fail(RequestError.from(error));
          }
        },
      ),
    ]);
    for (const { view } of state.views) view.redraw?.();
    for (const [service, error] of Object.entries(failures) as [ServiceName, RequestError | null][]) {
      const consequence: string = {
        Prometheus: 'panels show no data',
        Alertmanager: 'firing alerts are unknown',
        API: 'the chaos control cannot reach it',
        'Dashboard server': 'nothing can refresh',
      }[service];
      setBanner(service.toLowerCase().replace(' ', '-'), error ? `${error.message} — ${consequence}; retrying every ${state.config.refreshSeconds} s.` : '');
    }
    $('#updated').textContent = `Updated ${new Date().toLocaleTimeString()}`;
    document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed ?? 0) + 1);
  } finally {
    state.refreshing = false;
  }
}

// ---- start ------------------------------------------------------------------------------------

const alerts = createAlertList($('#alerts'));
const chaos = createChaosControl($('#chaos'));

async function start(): Promise<void> {
  state.config = await getJson<PageConfig>('/api/config');
  const { dashboards } = await getJson<{ dashboards: { uid: string; title: string }[] }>('/api/dashboards');
  if (dashboards.length === 0) {
    setBanner('dashboards', 'No generated dashboards found: run `npm run dashboards:build` (observability/grafana/dashboards/*.json).');
    return;
  }
  const uid = url.searchParams.get('dashboard') ?? dashboards[0]!.uid;
  const picker = $<HTMLSelectElement>('#dashboard-picker');
  for (const summary of dashboards) {
    const option = document.createElement('option');
    option.value = summary.uid;
    option.textContent = summary.title;
    option.selected = summary.uid === uid;
    picker.append(option);
  }
  picker.hidden = dashboards.length < 2;
  picker.addEventListener('change', () => {
    location.search = `?dashboard=${encodeURIComponent(picker.value)}&range=${state.range}`;
  });

  state.dashboard = await getJson<Dashboard>(`/api/dashboards/${encodeURIComponent(uid)}`);
  document.title = `${state.dashboard.title} — TicketPulse live`;
  $('#title').textContent = state.dashboard.title;
  const requested = url.searchParams.get('range');
  const fromDashboard = /^now-(\w+)$/.exec(state.dashboard.time?.from ?? '')?.[1];
  state.range = [requested, fromDashboard].find((range): range is string => range !== null && range !== undefined && state.config.timeRanges.includes(range)) ?? '15m';
  renderTimeRanges();
  setupVariables();
  layout();
  writeUrl();
  await refresh();
  setInterval(() => void refresh(), state.config.refreshSeconds * 1000);
}

start().catch((error: unknown) => setBanner('start', `The dashboard could not start: ${RequestError.from(error).message}`));
