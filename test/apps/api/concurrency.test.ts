import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startApi, type RunningApi } from '../../support/api-process.js';
import { tallyConcert } from '../../support/invariant.js';
import { validConcert } from '../../support/app.js';

async function createConcert(api: RunningApi, capacity: number): Promise<string> {
  const response = await fetch(`${api.url}/api/concerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...validConcert, capacity }),
  });
  assert.equal(response.status, 201);
  return (await response.json()).id;
}

async function buy(url: string, concertId: string, quantity: number, key?: string): Promise<number> {
  const response = await fetch(`${url}/api/concerts/${concertId}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify({ quantity, customerEmail: `buyer${Math.floor(Math.random() * 1e6)}@example.com` }),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('purchases under concurrency on real PostgreSQL', () => {
  let first: RunningApi;
  let second: RunningApi;
  before(async () => {
    // Races, not overload: a busy CI machine must not turn slow turns into shed (503) purchases.
    const env = { PURCHASE_QUEUE_TIMEOUT_MS: '30000' };
    first = await startApi({ env });
    second = await startApi({ databaseUrl: first.databaseUrl, env });
  });
  after(async () => {
    await second?.stop();
    await first?.stop();
  });

  it('when 400 buyers race for 50 tickets, exactly the capacity is sold and it matches the orders', async () => {
    const concertId = await createConcert(first, 50);
    const quantities = Array.from({ length: 400 }, (_, i) => 1 + (i % 3));
    const statuses = await Promise.all(quantities.map((quantity) => buy(first.url, concertId, quantity)));
    const sold = quantities.filter((_, i) => statuses[i] === 201).reduce((sum, q) => sum + q, 0);
    assert.deepEqual(new Set(statuses), new Set([201, 409]), `only 201 and 409 answers, got ${[...new Set(statuses)]}`);
    const tally = await tallyConcert(first.databaseUrl!, concertId);
    assert.equal(tally.ticketsSold, tally.sumOfConfirmedQuantities);
    assert.equal(tally.ticketsSold, sold, 'every 201 is a sale and nothing else is');
    assert.ok(tally.ticketsSold <= 50);
    assert.ok(tally.ticketsSold >= 48, 'the concert sells out (at most 2 left when only 3-ticket orders remain)');
  });

  it('when buyers race through two replicas on one database, the invariant still holds', async () => {
    const concertId = await createConcert(first, 60);
    const statuses = await Promise.all(
      Array.from({ length: 300 }, (_, i) => buy(i % 2 === 0 ? first.url : second.url, concertId, 1 + (i % 2))),
    );
    const tally = await tallyConcert(first.databaseUrl!, concertId);
    assert.equal(tally.ticketsSold, tally.sumOfConfirmedQuantities);
    assert.ok(tally.ticketsSold <= 60);
    assert.ok(tally.ticketsSold >= 59);
    assert.equal(statuses.filter((s) => s === 201).length, tally.orders);
  });

  it('when the same Idempotency-Key is sent 50 times at once across replicas, one order is sold', async () => {
    const concertId = await createConcert(first, 100);
    const statuses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => buy(i % 2 === 0 ? first.url : second.url, concertId, 2, 'same-key-race')),
    );
    // The random email makes bodies differ: every request but the winner is a mismatch (422).
    assert.equal(statuses.filter((s) => s === 201).length, 1);
    assert.equal(statuses.filter((s) => s === 422).length, 49);
    const tally = await tallyConcert(first.databaseUrl!, concertId);
    assert.equal(tally.ticketsSold, 2);
    assert.equal(tally.orders, 1);
  });

  it('a chaos change on one replica reaches the other within 2 seconds', async () => {
    await first.setChaos({ failureRate: 1, latencyMs: { min: 0, max: 0 } });
    try {
      // Room for every attempt: a sell-out (409) before the change arrives would end the wait early.
      const concertId = await createConcert(first, 1000);
      const started = Date.now();
      let status = 0;
      while (Date.now() - started < 2_000) {
        status = await buy(second.url, concertId, 1);
        if (status === 502 || status === 409) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(status, 502, `the second replica fails payments within 2 s (last answer ${status} after ${Date.now() - started} ms)`);
    } finally {
      await first.setChaos({ failureRate: 0, latencyMs: { min: 0, max: 0 } });
    }
  });
});
