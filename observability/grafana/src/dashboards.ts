/**
 * Every dashboard the repo ships, and how it becomes the JSON under observability/grafana/dashboards/.
 * The JSON is generated only from here (npm run dashboards:build); nobody edits it by hand.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dashboard, Panel, RowPanel } from '@grafana/grafana-foundation-sdk/dashboard';
import { buildOverviewDashboard } from './overview-dashboard.js';
import { buildSaturationDashboard } from './saturation-dashboard.js';
import { buildSloDashboard } from './slo-dashboard.js';

export interface DashboardDefinition {
  /** File name under observability/grafana/dashboards/. */
  file: string;
  build(): { build(): Dashboard };
}

/** Where the generated JSON is committed (and what Grafana provisioning and the live dashboard read). */
export const DASHBOARDS_DIR = fileURLToPath(new URL('../dashboards', import.meta.url));

export const DASHBOARDS: readonly DashboardDefinition[] = [
  { file: 'ticketpulse-overview.json', build: buildOverviewDashboard },
  { file: 'ticketpulse-slo.json', build: buildSloDashboard },
  { file: 'ticketpulse-saturation.json', build: buildSaturationDashboard },
];

/**
 * Grafana needs a unique numeric id per panel (links, "view panel", library-panel references);
 * the SDK leaves them unset, so they are numbered here in layout order — stable across builds.
 */
function numberPanels(dashboard: Dashboard): Dashboard {
  let next = 1;
  const number = (panel: Panel | RowPanel): Panel | RowPanel => {
    const numbered = { ...panel, id: next++ } as Panel | RowPanel;
    if (numbered.type === 'row' && Array.isArray((numbered as RowPanel).panels)) {
      (numbered as RowPanel).panels = (numbered as RowPanel).panels.map((child) => number(child) as Panel);
    }
    return numbered;
  };
  return { ...dashboard, panels: (dashboard.panels ?? []).map(number) };
}

/** The exact file contents `dashboards:build` writes: 2-space JSON and a trailing newline. */
export function renderDashboards(): Map<string, string> {
  const files = new Map<string, string>();
  for (const definition of DASHBOARDS) {
    const dashboard = numberPanels(definition.build().build());
    files.set(definition.file, `${JSON.stringify(dashboard, null, 2)}\n`);
  }
  return files;
}

/** Names of files that differ from (or are missing in, or are extra in) `dir`. */
export function staleFiles(dir: string, files: Map<string, string>): string[] {
  const stale: string[] = [];
  for (const [name, text] of files) {
    const path = join(dir, name);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== text) stale.push(name);
  }
  if (existsSync(dir)) {
    for (const name of readdirSync(dir)) {
      if (name.endsWith('.json') && !files.has(name)) stale.push(name);
    }
  }
  return stale.sort();
}

