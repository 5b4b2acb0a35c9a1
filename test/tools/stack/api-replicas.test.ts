// `npm start -- --replicas N`'s replica runner on its own: real API processes on real PostgreSQL
// behind the balancer; a staged crash is restarted, a whole-API outage (SIGUSR2) holds every replica
// down until SIGHUP, a replica killed by a signal stays down while the other keeps serving through
// the same address.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { TEST_ADMIN_TOKEN } from '../../support/api-process.js';
import { waitUntil } from '../../support/ports.js';
import { startReplicaRunner, type ReplicaRunner } from '../../support/replica-runner.js';
import { apiOutage } from '../../../tools/stack/api-outage.js';

const calm = { failureRate: 0, latencyMs: { min: 0, max: 0 } };

/** One PUT, its status as is: the crash-loop case needs to see a 503 and retry itself. */
function putChaos(url: string, body: unknown): Promise<Response> {
  return fetch(`${url}/api/admin/chaos`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('the API replica runner', () => {
  let runner: ReplicaRunner;
  let url: string;
  let replicaPorts: number[];
  before(async () => {
    runner = await startReplicaRunner({ replicas: 2, chaos: calm });
    ({ url, replicaPorts } = runner);
  });
  after(async () => {
    await runner?.stop();
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
    const before = await runner.startTimes();
    assert.equal((await putChaos(url, { ...calm, crash: { exitAfterSeconds: 3 } })).status, 200);
    await waitUntil(
      async () => (await runner.startTimes()).every((started, i) => started > before[i]!),
      45_000,
      'both replicas to crash and come back',
    );
    assert.match(runner.output(), /replica 1 crashed \(exit code 1\); restarting it/);
    assert.match(runner.output(), /replica 2 crashed \(exit code 1\); restarting it/);
    // While the loop runs a heal may land when no replica is up (503): an operator retries.
    await waitUntil(async () => (await putChaos(url, calm)).status === 200, 30_000, 'the heal to be accepted');
    await waitUntil(
      async () => (await Promise.all(replicaPorts.map(async (port) => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok))).every(Boolean),
      45_000,
      'both replicas up after the heal',
    );
    const healed = await runner.startTimes();
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    assert.deepEqual(await runner.startTimes(), healed, 'no more restarts once healed');
  });

  it('holds every replica down on SIGUSR2 (an API outage) and starts them again on SIGHUP', async () => {
    const outage = apiOutage(runner, replicaPorts.map((port) => `http://127.0.0.1:${port}`));
    const before = await runner.startTimes();
    const mark = runner.output().length;
    await outage.begin();
    const refused = async () => {
      for (const port of replicaPorts) await assert.rejects(fetch(`http://127.0.0.1:${port}/readyz`), `replica on port ${port} no longer listens`);
    };
    await refused();
    const answer = await fetch(`${url}/api/concerts`);
    assert.equal(answer.status, 503, 'the balancer says no replica answers');
    assert.equal(answer.headers.get('content-type'), 'application/problem+json');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await refused();
    const since = runner.output().slice(mark);
    assert.match(since, /holding every replica down \(SIGUSR2\)/);
    assert.doesNotMatch(since, /not restarting it|crashed/, 'a hold is neither a stop for good nor a crash');

    await outage.end();
    const after = await runner.startTimes();
    assert.ok(after.every((started, i) => started > before[i]!), 'every replica is a new process');
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
  });

  it('a SIGHUP that comes while the hold is still stopping the replicas starts them again', async () => {
    const before = await runner.startTimes();
    const mark = runner.output().length;
    process.kill(runner.pid, 'SIGUSR2');
    await new Promise((resolve) => setTimeout(resolve, 100));
    process.kill(runner.pid, 'SIGHUP');
    await waitUntil(async () => (await runner.startTimes().catch(() => before)).every((started, i) => started > before[i]!), 60_000, 'both replicas back as new processes');
    assert.doesNotMatch(runner.output().slice(mark), /not restarting it/);
  });

  it('leaves a replica killed by a signal down, and keeps serving from the other', async () => {
    const listening = execFileSync('ss', ['-ltnpH', `sport = :${replicaPorts[0]}`], { encoding: 'utf8' });
    const pid = Number(/pid=(\d+)/.exec(listening)?.[1] ?? NaN);
    assert.ok(Number.isInteger(pid), `the replica's pid from ss: ${listening}`);
    process.kill(pid, 'SIGKILL');
    await waitUntil(async () => /replica 1 was stopped \(SIGKILL\); not restarting it/.test(runner.output()), 10_000, 'the runner to notice');
    for (let i = 0; i < 6; i++) assert.equal((await fetch(`${url}/readyz`)).status, 200, 'the balancer skips the dead replica');
  });
});
