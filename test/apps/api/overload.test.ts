import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { lockConcertRow } from '../../support/postgres.js';
import { createPgliteDatabase } from '../../../apps/api/db/pglite-database.js';
import { DatabaseTimeoutError } from '../../../apps/api/db/database.js';
import { buildTestApp, validConcert, type TestApp } from '../../support/app.js';
import { tallyConcert } from '../../support/invariant.js';


function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : NaN;
}

describe('overload: bounded waiting per concert', () => {
  let test: TestApp & { databaseUrl?: string };
  before(async () => {
    test = await buildTestApp('postgres', {
      env: { PURCHASE_QUEUE_LIMIT: '5', PURCHASE_QUEUE_TIMEOUT_MS: '400', DATABASE_LOCK_TIMEOUT_MS: '4000', DATABASE_STATEMENT_TIMEOUT_MS: '6000' },
    });
  });
  after(() => test?.close());

  it('sheds purchases past the queue limit at once with 503 overloaded + Retry-After, and those past the queue timeout when their turn comes', async () => {
    const { app } = test;
    const concert = (await app.inject({ method: 'POST', url: '/api/concerts', payload: validConcert })).json();
    const lock = await lockConcertRow(test.databaseUrl!, concert.id);
    const started = performance.now();
    const answeredAt: number[] = [];
    const purchases = Array.from({ length: 30 }, (_, i) =>
      app
        .inject({ method: 'POST', url: `/api/concerts/${concert.id}/orders`, payload: { quantity: 1, customerEmail: `fan${i}@example.com` } })
        .then((response) => {
          answeredAt[i] = performance.now() - started;
          return response;
        }),
    );
    // While the database is stuck, the probes and the scrape still answer.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    const scrape = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(health.statusCode, 200);
    assert.equal(scrape.statusCode, 200);
    const shedEarly = answeredAt.filter((t) => t !== undefined).length;
    await new Promise((resolve) => setTimeout(resolve, 700));
    await lock.release();
    const responses = await Promise.all(purchases);

    const byStatus = new Map<number, number>();
    for (const response of responses) byStatus.set(response.statusCode, (byStatus.get(response.statusCode) ?? 0) + 1);
    // 1 in the database, 5 queued, 24 shed at once; the 5 waited past 400 ms and were shed then.
    assert.equal(shedEarly, 24, 'purchases past the queue limit were answered before the database moved');
    assert.equal(byStatus.get(201), 1, JSON.stringify([...byStatus]));
    assert.equal(byStatus.get(503), 29);
    for (const response of responses.filter((r) => r.statusCode === 503)) {
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      assert.match(response.json().type, /\/overloaded$/);
      assert.ok(Number(response.headers['retry-after']) > 0);
    }
    const tally = await tallyConcert(test.databaseUrl!, concert.id);
    assert.equal(tally.ticketsSold, 1, 'shed purchases sold nothing');
    assert.equal(tally.sumOfConfirmedQuantities, 1);

    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.equal(metricValue(metrics, 'ticket_orders_total{outcome="shed"}'), 29, 'shed purchases have their own outcome');
    assert.equal(metricValue(metrics, 'ticket_orders_total{outcome="confirmed"}'), 1);
  });
});

describe('PGlite: one slow statement cannot stall the others forever', () => {
  it('refuses the statements that waited past the lock timeout, unrun, instead of working through the backlog', async () => {
    const db = await createPgliteDatabase({ dataDir: undefined, lockTimeoutMs: 200, observe: () => undefined });
    try {
      await db.query('setup', 'CREATE TABLE marks (n int)');
      const slow = db.query('slow', 'SELECT pg_sleep(1)');
      const queued = Array.from({ length: 20 }, (_, i) =>
        db.query('queued', 'INSERT INTO marks VALUES ($1)', [i]).then(
          () => 'ran',
          (error) => error,
        ),
      );
      await slow;
      for (const outcome of await Promise.all(queued)) {
        assert.ok(outcome instanceof DatabaseTimeoutError, `a statement queued behind the slow one is refused: ${String(outcome)}`);
      }
      const rows = await db.query<{ n: number }>('count', 'SELECT count(*)::int AS n FROM marks');
      assert.equal(rows[0]!.n, 0, 'the refused statements never ran');
      assert.equal(db.poolStats().waiting, 0);
    } finally {
      await db.close();
    }
  });
});
