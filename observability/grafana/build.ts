/**
 * Generates observability/grafana/dashboards/*.json from the TypeScript definitions in ./src.
 *
 *   npm run dashboards:build               write the JSON (and delete JSON no definition produces)
 *   npm run dashboards:build -- --check    write nothing; exit 1 when the committed JSON is stale
 *   --dir <path>                           another output folder (tests use it)
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DASHBOARDS_DIR, renderDashboards, staleFiles } from './src/dashboards.js';
import { UsageError } from '../../packages/shared/usage-error.js';

interface Options {
  check: boolean;
  dir: string;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { check: false, dir: DASHBOARDS_DIR };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--check') options.check = true;
    else if (arg === '--dir') {
      const dir = argv[++i];
      if (!dir || dir.startsWith('--')) throw new UsageError('--dir needs a folder path');
      options.dir = dir;
    } else throw new UsageError(`unknown argument: ${arg} (usage: build.ts [--check] [--dir <path>])`);
  }
  return options;
}

function main(): number {
  const options = parseArgs(process.argv.slice(2));
  const files = renderDashboards();
  const shown = relative(process.cwd(), options.dir) || '.';
  const stale = staleFiles(options.dir, files);
  if (options.check) {
    if (stale.length === 0) {
      console.log(`dashboards up to date in ${shown} (${files.size} file(s))`);
      return 0;
    }
    console.error(`stale dashboard JSON in ${shown}: ${stale.join(', ')} — run \`npm run dashboards:build\``);
    return 1;
  }
  mkdirSync(options.dir, { recursive: true });
  for (const name of stale) {
    const text = files.get(name);
    if (text === undefined) rmSync(join(options.dir, name));
    else writeFileSync(join(options.dir, name), text);
  }
  console.log(`wrote ${stale.length} of ${files.size} dashboard file(s) to ${shown}`);
  return 0;
}

try {
  process.exitCode = main();
} catch (error) {
  console.error(error instanceof UsageError ? error.message : `dashboards:build failed: ${(error as Error).message}`);
  // Usage errors exit 2, as every other command's do.
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
