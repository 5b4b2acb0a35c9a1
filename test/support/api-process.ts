import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from './postgres.js';
import { freePort, waitUntil } from './ports.js';

import type { ChaosInput } from '../../src/contract/index.js';

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

const ROOT = new URL('../../', import.meta.url).pathname;
export const TEST_ADMIN_TOKEN = 'test-admin-token';

/**
 * Starts the real API as a child process (`tsx src/api/server.ts`) on a free port, with a fresh
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
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/api/server.ts')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = `http://127.0.0.1:${port}`;
  const cleanup = async () => {
    await database?.drop().catch(() => undefined);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntil(async () => {
      if (child.exitCode !== null) throw new Error(`API exited with ${child.exitCode}:\n${output}`);
      return (await fetch(`${url}/readyz`)).ok;
    }, 90_000, `the API on port ${port}`); // generous: a busy 2-core CI machine starts tsx slowly
  } catch (error) {
    child.kill('SIGKILL');
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
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      if (!options.databaseUrl) await cleanup();
      return child.exitCode;
    },
  };
}
