// Reads the generated Grafana dashboard JSON files. They are read on every request (a few kB each),
// so `npm run dashboards:build` shows up on the next page load without restarting the server.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface DashboardSummary {
  uid: string;
  title: string;
  file: string;
}

export interface GrafanaDashboard {
  uid?: string;
  title?: string;
  panels?: unknown[];
  [key: string]: unknown;
}

export class DashboardNotFoundError extends Error {
  override name = 'DashboardNotFoundError';
}

export async function listDashboards(dir: string): Promise<DashboardSummary[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const summaries: DashboardSummary[] = [];
  for (const file of names) {
    const dashboard = await readDashboardFile(join(dir, file));
    summaries.push({ uid: dashboard.uid ?? file.replace(/\.json$/, ''), title: dashboard.title ?? file, file });
  }
  // An "overview" dashboard is the one a person wants first.
  return summaries.sort((a, b) => rank(a) - rank(b) || a.title.localeCompare(b.title));
}

function rank(summary: DashboardSummary): number {
  return /overview/i.test(`${summary.uid} ${summary.title} ${summary.file}`) ? 0 : 1;
}

export async function loadDashboard(dir: string, uid: string): Promise<GrafanaDashboard> {
  for (const summary of await listDashboards(dir)) {
    if (summary.uid === uid) return readDashboardFile(join(dir, summary.file));
  }
  throw new DashboardNotFoundError(`no dashboard with uid "${uid}" in ${dir}`);
}

async function readDashboardFile(path: string): Promise<GrafanaDashboard> {
  const text = await readFile(path, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${path} is not a Grafana dashboard (expected a JSON object)`);
  }
  // Some exports wrap the model as { dashboard: {...}, meta: {...} }.
  const model = parsed as GrafanaDashboard & { dashboard?: GrafanaDashboard };
  return model.dashboard && typeof model.dashboard === 'object' ? model.dashboard : model;
}
