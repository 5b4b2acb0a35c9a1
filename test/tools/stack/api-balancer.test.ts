// The balancer of `npm start -- --replicas N` when a replica dies in the middle of requests: two real
// API replicas on PostgreSQL (every request held 3 s by the chaos latency, so the requests are in
// flight), this test's own balancer in front of them (so the round robin sends request k to replica
// k mod 2), and SIGKILL to replica 1. Judged by what was sold, not only by the status codes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { safeToResend, startApiBalancer, type ApiBalancer } from '../../../tools/stack/api-balancer.js';
import { freePort } from '../../support/ports.js';
import { startReplicaRunner, type ReplicaRunner } from '../../support/replica-runner.js';

let runner: ReplicaRunner;
let balancer: ApiBalancer;
let url: string;
before(async () => {
  runner = await startReplicaRunner({ replicas: 2, chaos: { failureRate: 0, latencyMs: { min: 3000, max: 3000 } } });
  const port = await freePort();
  balancer = await startApiBalancer('127.0.0.1', port, runner.replicaPorts);
  url = `http://127.0.0.1:${port}`;
});
after(async () => {
  await balancer?.close();
  await runner?.stop();
});

test('which requests may be sent again after a replica died handling them', () => {
  assert.equal(safeToResend({ method: 'GET', headers: {} }), true);
  assert.equal(safeToResend({ method: 'PUT', headers: {} }), true, 'PUT /api/admin/chaos sets, it does not add');
  assert.equal(safeToResend({ method: 'POST', headers: { 'idempotency-key': 'k' } }), true);
  assert.equal(safeToResend({ method: 'POST', headers: {} }), false, 'a purchase without a key could be sold twice');
});

test('a replica dies mid-request: keyed purchases and reads are resent and answered truly, a keyless purchase gets 504 outcome-unknown, and exactly the 201s are sold', { timeout: 120_000 }, async () => {
  const created = await fetch(`${url}/api/concerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Mid-request', venue: 'Loopback', startsAt: '2027-01-01T20:00:00Z', capacity: 10, priceCents: 100 }),
  });
  assert.equal(created.status, 201, await created.clone().text());
  const concert = (await created.json()) as { id: string };
  // The create went to replica 1, so the next request (k = 1) goes to replica 2: send one read first
  // to bring the round robin back to replica 1 for the first purchase.
  assert.equal((await fetch(`${url}/api/concerts/${concert.id}`)).status, 200);

  const buy = (key?: string) =>
    fetch(`${url}/api/concerts/${concert.id}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
      body: JSON.stringify({ quantity: 1, customerEmail: 'fan@example.test' }),
    });
  // In dispatch order: replica 1, 2, 1, 2, 1 (each waits 50 ms so that the balancer sees them in order).
  const inFlight: Array<Promise<Response>> = [];
  for (const send of [() => buy('keyed-on-1'), () => buy(), () => buy(), () => buy('keyed-on-2'), () => fetch(`${url}/api/concerts/${concert.id}`)]) {
    inFlight.push(send());
    await sleep(50);
  }
  await sleep(1_000);
  const listening = execFileSync('ss', ['-ltnpH', `sport = :${runner.replicaPorts[0]}`], { encoding: 'utf8' });
  const pid = Number(/pid=(\d+)/.exec(listening)?.[1] ?? NaN);
  assert.ok(Number.isInteger(pid), `replica 1's pid from ss: ${listening}`);
  process.kill(pid, 'SIGKILL');

  const [keyedOn1, keylessOn2, keylessOn1, keyedOn2, readOn1] = await Promise.all(inFlight);
  assert.equal(keyedOn1!.status, 201, 'the keyed purchase on the dead replica was resent to the other and sold there');
  assert.equal(keylessOn2!.status, 201);
  assert.equal(keyedOn2!.status, 201);
  assert.equal(readOn1!.status, 200, 'a read is resent');
  assert.equal(keylessOn1!.status, 504, 'a keyless purchase cut off mid-request is not answered as a failure');
  assert.equal(keylessOn1!.headers.get('content-type'), 'application/problem+json');
  assert.equal(keylessOn1!.headers.get('retry-after'), '2');
  const problem = (await keylessOn1!.json()) as { type: string; detail: string };
  assert.equal(problem.type, 'https://ticketpulse.dev/problems/outcome-unknown');
  assert.match(problem.detail, /may or may not have taken effect/);

  const orders = await Promise.all([keyedOn1!, keylessOn2!, keyedOn2!].map(async (r) => ((await r.json()) as { id: string }).id));
  for (const id of orders) assert.equal((await fetch(`${url}/api/orders/${id}`)).status, 200, `order ${id} is stored`);
  const after = (await (await fetch(`${url}/api/concerts/${concert.id}`)).json()) as { ticketsSold: number };
  assert.equal(after.ticketsSold, 3, 'sold: the three 201s, and not the purchase the dead replica never finished');
  // The keyed purchase sent again with its key is answered with the same order, nothing more sold.
  const again = await buy('keyed-on-1');
  assert.equal(again.status, 201);
  assert.equal(((await again.json()) as { id: string }).id, orders[0]);
  assert.equal(((await (await fetch(`${url}/api/concerts/${concert.id}`)).json()) as { ticketsSold: number }).ticketsSold, 3);
});
