// Lints the OpenAPI document the API serves (/openapi.json) with Redocly's recommended rules
// (redocly.yaml), so that client generators get a clean document. Builds the app in-process on
// an in-memory PGlite (or DATABASE_URL): no server, no network. Leaves the document at dist/openapi.json.
// Usage: npm run openapi:lint [-- <redocly lint options, e.g. --format json>]
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../apps/api/app.js';
import { loadApiConfig } from '../apps/api/config.js';
import { repoRoot } from '../packages/shared/repo-root.js';

/** Where the document is written: the ignore file (.redocly.lint-ignore.yaml) names this path. */
export const OPENAPI_FILE = join(repoRoot, 'dist', 'openapi.json');

/** Writes the document an app serves at /openapi.json to a file. */
export async function writeOpenApi(app: FastifyInstance, file = OPENAPI_FILE): Promise<string> {
  const response = await app.inject({ url: '/openapi.json' });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(response.json(), null, 2) + '\n');
  return file;
}

const REDOCLY = join(repoRoot, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');

/** Runs `redocly lint` offline on a document; Redocly's telemetry and update notice are off. */
export function lintOpenApi(file: string, extraArgs: string[] = [], stdio: 'inherit' | 'pipe' = 'inherit') {
  return spawnSync(process.execPath, [REDOCLY, 'lint', file, '--config', join(repoRoot, 'redocly.yaml'), ...extraArgs], {
    cwd: repoRoot,
    stdio,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // The document does not depend on the data: PostgreSQL when DATABASE_URL is set, else PGlite in memory.
  const config = loadApiConfig({ DATABASE_URL: process.env.DATABASE_URL, DATA_DIR: ':memory:', LOG_LEVEL: 'silent' });
  const app = await buildApp({ config });
  let file: string;
  try {
    await app.ready();
    file = await writeOpenApi(app);
  } finally {
    await app.close();
  }
  const result = lintOpenApi(file, process.argv.slice(2));
  process.exit(result.status ?? 1);
}
