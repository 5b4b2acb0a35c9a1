import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../apps/api/app.js';
import { loadApiConfig } from '../../apps/api/config.js';
import type { ChaosSettings } from '../../packages/contract/index.js';
import { createTestDatabase } from './postgres.js';

export type DatabaseKind = 'postgres' | 'pglite';

export interface TestApp {
  app: FastifyInstance;
  close(): Promise<void>;
}

/** The API in-process for `inject()` tests, on a fresh PostgreSQL database or PGlite folder. */
export async function buildTestApp(
  kind: DatabaseKind,
  options: { chaos?: ChaosSettings; adminToken?: string | null; env?: Record<string, string> } = {},
): Promise<TestApp & { databaseUrl?: string }> {
  const chaos = options.chaos ?? { failureRate: 0, latencyMs: { min: 0, max: 0 } };
  const database = kind === 'postgres' ? await createTestDatabase('tp_app') : undefined;
  const dataDir = kind === 'pglite' ? mkdtempSync(join(tmpdir(), 'tp-pglite-')) : undefined;
  const config = loadApiConfig({
    DATABASE_URL: database?.url,
    DATA_DIR: dataDir,
    ADMIN_TOKEN: options.adminToken === null ? undefined : (options.adminToken ?? 'test-admin-token'),
    CHAOS_FAILURE_RATE: String(chaos.failureRate),
    CHAOS_LATENCY_MIN_MS: String(chaos.latencyMs.min),
    CHAOS_LATENCY_MAX_MS: String(chaos.latencyMs.max),
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const app = await buildApp({ config });
  await app.ready();
  return {
    app,
    databaseUrl: database?.url,
    async close() {
      await app.close();
      await database?.drop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const validConcert = {
  name: 'Radiohead — In Rainbows',
  venue: 'Ahoy Rotterdam',
  startsAt: '2027-06-01T19:30:00Z',
  capacity: 100,
  priceCents: 5_500,
};
