// The scenario files of a folder (default scenarios/), by name.
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { repoRoot } from '../../packages/shared/repo-root.js';
import { loadScenario, ScenarioError, type Scenario } from './schema.js';

export const DEFAULT_SCENARIOS_DIR = join(repoRoot, 'scenarios');

export function scenarioFiles(dir = DEFAULT_SCENARIOS_DIR): string[] {
  try {
    return readdirSync(dir).filter((file) => /\.ya?ml$/.test(file)).sort().map((file) => join(dir, file));
  } catch {
    throw new ScenarioError(`no scenario folder at ${dir}`);
  }
}

/** Every scenario of the folder, each file checked (the first bad one throws its one-line error). */
export function loadCatalogue(dir = DEFAULT_SCENARIOS_DIR): Scenario[] {
  return scenarioFiles(dir).map((file) => loadScenario(file, relative(process.cwd(), file) || file));
}

/** A name (`payment-failures`) or a path to a file. */
export function findScenario(nameOrPath: string, dir = DEFAULT_SCENARIOS_DIR): Scenario {
  if (/\.ya?ml$/.test(nameOrPath)) return loadScenario(resolve(nameOrPath), nameOrPath);
  const names = scenarioFiles(dir).map((file) => file.slice(dir.length + 1).replace(/\.ya?ml$/, ''));
  if (!names.includes(nameOrPath)) throw new ScenarioError(`no scenario "${nameOrPath}" in ${relative(process.cwd(), dir) || dir} (there are: ${names.join(', ')})`);
  const file = scenarioFiles(dir).find((f) => f.slice(dir.length + 1).replace(/\.ya?ml$/, '') === nameOrPath)!;
  return loadScenario(file, relative(process.cwd(), file) || file);
}
