import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaosInput } from '../../packages/contract/index.js';
import { startChild } from '../../packages/shared/child-process.js';
import { repoRoot } from '../../packages/shared/repo-root.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';
import { freePort, waitUntil } from './ports.js';
import { TEST_ADMIN_TOKEN } from './api-process.js';

export interface ReplicaRunner {
  /** The balancer in front of the replicas. */
  url: string;
  /** Each replica's own port (what Prometheus scrapes). */
  replicaPorts: number[];
  databaseUrl: string;
  /** Everything the runner and its replicas printed so far. */
  output(): string;
  /** PUT /api/admin/chaos through the balancer, retried while every replica is between restarts. */
  setChaos(chaos: ChaosInput): Promise<void>;
  /** Each replica's process_start_time_seconds: a new value is a new process. */
  startTimes(): Promise<number[]>;
  /** Waits until every replica answers /readyz. */
  ready(timeoutMs?: number): Promise<void>;
  /** The runner's own pid (SIGUSR2 holds every replica down, SIGHUP starts them again). */
  pid: number;
  running(): boolean;
  /** SIGTERM to the runner's group (it stops its replicas), then drops the database. */
  stop(): Promise<void>;
}

export interface ReplicaRunnerOptions {
  replicas: number;
  env?: Record<string, string>;
  /** The settings the replicas start with (the CHAOS_* variables); chaos off unless given. */
  chaos?: ChaosInput;
}

/**
 * `npm start -- --replicas N`'s replica runner (tools/stack/api-replicas.ts) on a fresh PostgreSQL
 * database: N real API processes behind its balancer, each restarted by it when it crashes — the
 * supervisor a staged crash loop needs.
 */
export async function startReplicaRunner(options: ReplicaRunnerOptions): Promise<ReplicaRunner> {
  const database: TestDatabase = await createTestDatabase('tp_replicas');
  const port = await freePort();
  const replicaPorts: number[] = [];
  for (let i = 0; i < options.replicas; i++) replicaPorts.push(await freePort());
  const chaos = options.chaos ?? { failureRate: 0, latencyMs: { min: 0, max: 0 } };
  let output = '';
  const runner = startChild({
    command: process.execPath,
    args: ['--import', 'tsx', 'tools/stack/api-replicas.ts'],
    cwd: repoRoot,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      API_REPLICA_PORTS: replicaPorts.join(','),
      DATABASE_URL: database.url,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      CHAOS_FAILURE_RATE: String(chaos.failureRate),
      CHAOS_LATENCY_MIN_MS: String(chaos.latencyMs.min),
      CHAOS_LATENCY_MAX_MS: String(chaos.latencyMs.max),
      ...options.env,
    },
    group: true,
    killOnExit: true,
    onLine: (line) => (output += `${line}\n`),
  });
  const url = `http://127.0.0.1:${port}`;

  const ready = async (timeoutMs = 90_000) => {
    for (const replicaPort of replicaPorts) {
      await waitUntil(async () => {
        if (!runner.running()) throw new Error(`the replica runner exited with ${(await runner.exited).code}:\n${output}`);
        return (await fetch(`http://127.0.0.1:${replicaPort}/readyz`)).ok;
      }, timeoutMs, `replica on port ${replicaPort}`);
    }
  };
  const stop = async () => {
    await runner.stop(15_000);
    await database.drop().catch(() => undefined);
  };
  try {
    await ready();
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url,
    replicaPorts,
    databaseUrl: database.url,
    output: () => output,
    pid: runner.pid,
    running: runner.running,
    ready,
    stop,
    startTimes: () =>
      Promise.all(
        replicaPorts.map(async (replicaPort) => {
          const text = await (await fetch(`http://127.0.0.1:${replicaPort}/metrics`)).text();
          return Number(/^process_start_time_seconds (\S+)$/m.exec(text)![1]);
        }),
      ),
    async setChaos(settings) {
      let lastError: unknown;
      for (let attempt = 0; attempt < 20; attempt++) {
        try {
          const response = await fetch(`${url}/api/admin/chaos`, {
            method: 'PUT',
            headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
            body: JSON.stringify(settings),
            signal: AbortSignal.timeout(5_000),
          });
          if (response.ok) return;
          lastError = new Error(`${response.status} ${await response.text()}`);
          if (response.status < 500) break;
        } catch (error) {
          lastError = error;
        }
        await sleep(1_000);
      }
      throw new Error(`setChaos failed: ${(lastError as Error).message}`);
    },
  };
}
