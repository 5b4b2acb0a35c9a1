// `npm start -- --replicas N`'s replica runner on its own: real API processes on real PostgreSQL
// behind the balancer; a staged crash is restarted, a replica killed by a signal stays down while
// the other keeps serving through the same address.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { freePort, waitUntil } from '../../support/ports.js';
import { repoRoot } from '../../../packages/shared/repo-root.js';

const ROOT = repoRoot;
const TOKEN = 'replica-test-token';
const calm = { failureRate: 0, latencyMs: { min: 0, max: 0 } };

async function startTime(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(/^process_start_time_seconds (\S+)$/m.exec(text)![1]);
}

function putChaos(url: string, body: unknown): Promise<Response> {
  return fetch(`${url}/api/admin/chaos`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('the API replica runner', () => {
  let database: TestDatabase;
  let runner: ChildProcess;
  let output = '';
  let url: string;
  let replicaPorts: number[];
  before(async () => {
    database = await createTestDatabase('tp_replicas');
    const port = await freePort();
    replicaPorts = [await freePort(), await freePort()];
    url = `http://127.0.0.1:${port}`;
    runner = spawn(process.execPath, ['--import', 'tsx', 'tools/stack/api-replicas.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: String(port),
        API_REPLICA_PORTS: replicaPorts.join(','),
        DATABASE_URL: database.url,
        ADMIN_TOKEN: TOKEN,
        CHAOS_FAILURE_RATE: '0',
        CHAOS_LATENCY_MIN_MS: '0',
        CHAOS_LATENCY_MAX_MS: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    runner.stdout!.on('data', (chunk) => (output += chunk));
    runner.stderr!.on('data', (chunk) => (output += chunk));
    for (const replicaPort of replicaPorts) {
      await waitUntil(async () => (await fetch(`http://127.0.0.1:${replicaPort}/readyz`)).ok, 60_000, `replica on ${replicaPort}`);
    }
  });
  after(async () => {
    if (runner?.exitCode === null) {
      process.kill(-runner.pid!, 'SIGTERM');
      await new Promise((resolve) => runner.once('exit', resolve));
    }
    await database?.drop();
  });

  it('spreads requests over every replica behind one address', async () => {
    const created = await fetch(`${url}/api/concerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Replicas', venue: 'Loopback', startsAt: '2027-01-01T20:00:00Z', capacity: 10, priceCents: 100 }),
    });
    assert.equal(created.status, 201);
    const { id } = await created.json();
    for (let i = 0; i < 10; i++) assert.equal((await fetch(`${url}/api/concerts/${id}`)).status, 200);
    for (const replicaPort of replicaPorts) {
      const text = await (await fetch(`http://127.0.0.1:${replicaPort}/metrics`)).text();
      const reads = /^http_requests_total\{method="GET",route="\/api\/concerts\/:id",status_code="200"\} (\d+)$/m.exec(text);
      assert.ok(reads && Number(reads[1]) >= 3, `replica ${replicaPort} served its share of the reads`);
    }
  });

  it('restarts replicas that crash (a staged crash loop), until healed', async () => {
    const before = await Promise.all(replicaPorts.map(startTime));
    assert.equal((await putChaos(url, { ...calm, crash: { exitAfterSeconds: 3 } })).status, 200);
    await waitUntil(
      async () => (await Promise.all(replicaPorts.map(startTime))).every((started, i) => started > before[i]!),
      45_000,
      'both replicas to crash and come back',
    );
    assert.match(output, /replica 1 crashed \(exit code 1\); restarting it/);
    assert.match(output, /replica 2 crashed \(exit code 1\); restarting it/);
    // While the loop runs a heal may land when no replica is up (503): an operator retries.
    await waitUntil(async () => (await putChaos(url, calm)).status === 200, 30_000, 'the heal to be accepted');
    await waitUntil(
      async () => (await Promise.all(replicaPorts.map(async (port) => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok))).every(Boolean),
      45_000,
      'both replicas up after the heal',
    );
    const healed = await Promise.all(replicaPorts.map(startTime));
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    assert.deepEqual(await Promise.all(replicaPorts.map(startTime)), healed, 'no more restarts once healed');
  });

  it('leaves a replica killed by a signal down, and keeps serving from the other', async () => {
    const listening = execFileSync('ss', ['-ltnpH', `sport = :${replicaPorts[0]}`], { encoding: 'utf8' });
    const pid = Number(/pid=(\d+)/.exec(listening)?.[1] ?? NaN);
    assert.ok(Number.isInteger(pid), `the replica's pid from ss: ${listening}`);
    process.kill(pid, 'SIGKILL');
    await waitUntil(async () => /replica 1 was stopped \(SIGKILL\); not restarting it/.test(output), 10_000, 'the runner to notice');
    for (let i = 0; i < 6; i++) assert.equal((await fetch(`${url}/readyz`)).status, 200, 'the balancer skips the dead replica');
  });
});
