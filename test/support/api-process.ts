import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChaosInput } from '../../packages/contract/index.js';
import { startChild } from '../../packages/shared/child-process.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';
import { freePort, waitUntil } from './ports.js';
import { repoRoot } from '../../packages/shared/repo-root.js';

export interface RunningApi {
  url: string;
  port: number;
  adminToken: string;
  databaseUrl?: string;
  process: ChildProcess;
  /** Everything the API printed so far (JSON log lines). */
  output(): string;
  setChaos(chaos: ChaosInput): Promise<void>;
  /** The value of one unlabelled series in its /metrics exposition. */
  metric(name: string): Promise<number>;
  /** SIGTERM, wait for exit; returns the exit code. Drops the test database unless `keepDatabase`. */
  stop(): Promise<number | null>;
}

export interface StartApiOptions {
  env?: Record<string, string>;
  database?: 'postgres' | 'pglite';
  /** Reuse an existing database (e.g. a second replica); it is then not dropped on stop. */
  databaseUrl?: string;
  /** Chaos off unless given: tests opt in to failures and latency. */
  chaos?: ChaosInput;
}

const ROOT = repoRoot;
export const TEST_ADMIN_TOKEN = 'test-admin-token';

/**
 * Starts the real API as a child process (`tsx apps/api/server.ts`) on a free port, with a fresh
 * PostgreSQL database (or a temporary PGlite folder), and waits until it is ready.
 */
export async function startApi(options: StartApiOptions = {}): Promise<RunningApi> {
  const port = await freePort();
  let database: TestDatabase | undefined;
  let dataDir: string | undefined;
  let databaseUrl = options.databaseUrl;
  if (!databaseUrl && options.database !== 'pglite') {
    database = await createTestDatabase('tp_api');
    databaseUrl = database.url;
  }
  if (options.database === 'pglite') dataDir = mkdtempSync(join(tmpdir(), 'tp-pglite-'));
  const chaos = options.chaos ?? { failureRate: 0, latencyMs: { min: 0, max: 0 } };

  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PORT: String(port),
    HOST: '127.0.0.1',
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    LOG_LEVEL: 'info',
    CHAOS_FAILURE_RATE: String(chaos.failureRate),
    CHAOS_LATENCY_MIN_MS: String(chaos.latencyMs.min),
    CHAOS_LATENCY_MAX_MS: String(chaos.latencyMs.max),
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATABASE_URL: '' }),
    ...(dataDir ? { DATA_DIR: dataDir } : {}),
    ...options.env,
  };
  let output = '';
  const api = startChild({
    command: process.execPath,
    args: ['--import', 'tsx', join(ROOT, 'apps/api/server.ts')],
    cwd: ROOT,
    env,
    onLine: (line) => (output += `${line}\n`),
    // A test that crashes never leaves its API running on the shared machine.
    killOnExit: true,
  });
  const child = api.child;

  const url = `http://127.0.0.1:${port}`;
  const cleanup = async () => {
    await database?.drop().catch(() => undefined);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntil(async () => {
      if (!api.running()) throw new Error(`API exited with ${(await api.exited).code}:\n${output}`);
      return (await fetch(`${url}/readyz`)).ok;
    }, 90_000, `the API on port ${port}`); // generous: a busy 2-core CI machine starts tsx slowly
  } catch (error) {
    await api.stop(0);
    await cleanup();
    throw new Error(`${(error as Error).message}\n${output}`);
  }

  return {
    url,
    port,
    adminToken: TEST_ADMIN_TOKEN,
    databaseUrl,
    process: child,
    output: () => output,
    async setChaos(settings) {
      const response = await fetch(`${url}/api/admin/chaos`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(settings),
      });
      if (!response.ok) throw new Error(`setChaos failed: ${response.status} ${await response.text()}`);
    },
    async metric(name) {
      const text = await (await fetch(`${url}/metrics`)).text();
      const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
      if (!line) throw new Error(`no series ${name} in /metrics`);
      return Number(line.slice(name.length + 1));
    },
    async stop() {
      const { code } = await api.stop(15_000);
      if (!options.databaseUrl) await cleanup();
      return code;
    },
  };
}
