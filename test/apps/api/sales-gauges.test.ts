import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { buildApp } from '../../../apps/api/app.js';
import { BUSIEST_SQL, CONCERTS_ON_SALE_SQL, MERGE_BUSIEST_SQL } from '../../../apps/api/concerts/concerts-repository.js';
import { loadApiConfig } from '../../../apps/api/config.js';
import { createTestDatabase, queryDatabase, type TestDatabase } from '../../support/postgres.js';

/** Two replicas of the API in one process, on one fresh PostgreSQL database. */
async function buildReplica(databaseUrl: string): Promise<FastifyInstance> {
  const config = loadApiConfig({
    DATABASE_URL: databaseUrl,
    CHAOS_FAILURE_RATE: '0',
    CHAOS_LATENCY_MIN_MS: '0',
    CHAOS_LATENCY_MAX_MS: '0',
    LOG_LEVEL: 'silent',
  });
  const app = await buildApp({ config });
  await app.ready();
  return app;
}

function gauges(exposition: string): { onSale: number; sellThrough: Map<string, number> } {
  const onSale = Number(/^concerts_on_sale (\S+)$/m.exec(exposition)?.[1]);
  const sellThrough = new Map<string, number>();
  for (const match of exposition.matchAll(/^concert_sell_through_ratio\{concert_id="([^"]+)"[^}]*\} (\S+)$/gm)) {
    sellThrough.set(match[1]!, Number(match[2]));
  }
  return { onSale, sellThrough };
}

/** What the gauges must equal, computed the slow way: a full scan. */
async function bruteForce(url: string, top = 5) {
  const [count] = await queryDatabase<{ n: number }>(
    url,
    'SELECT count(*)::int AS n FROM concerts WHERE tickets_sold < capacity AND starts_at > now()',
  );
  const busiest = await queryDatabase<{ id: string; ratio: number }>(
    url,
    'SELECT id, tickets_sold::float8 / capacity AS ratio FROM concerts WHERE tickets_sold > 0 ORDER BY tickets_sold DESC, id LIMIT $1',
    [top],
  );
  return { onSale: count!.n, busiest: new Map(busiest.map((row) => [row.id, row.ratio])) };
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

function* nodes(plan: PlanNode): Generator<PlanNode> {
  yield plan;
  for (const child of plan.Plans ?? []) yield* nodes(child);
}

/** Runs a statement under EXPLAIN ANALYZE in a transaction that is rolled back, and returns its plan. */
async function explain(url: string, sql: string, values: unknown[] = []): Promise<PlanNode> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, values);
    await client.query('ROLLBACK');
    return (rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0]!.Plan;
  } finally {
    await client.end();
  }
}

describe('business gauges at a cost independent of data size', () => {
  let database: TestDatabase;
  let replicaA: FastifyInstance;
  let replicaB: FastifyInstance;
  const scrape = async (app: FastifyInstance) => gauges((await app.inject({ url: '/metrics' })).body);
  const createConcert = async (app: FastifyInstance, overrides: object = {}) =>
    (
      await app.inject({
        method: 'POST',
        url: '/api/concerts',
        payload: { name: 'Gauge', venue: 'Hall', startsAt: '2031-03-01T20:00:00Z', capacity: 50, priceCents: 100, ...overrides },
      })
    ).json() as { id: string };
  const buy = async (app: FastifyInstance, concertId: string, quantity: number) => {
    const response = await app.inject({
      method: 'POST',
      url: `/api/concerts/${concertId}/orders`,
      payload: { quantity, customerEmail: 'gauge@example.com' },
    });
    assert.equal(response.statusCode, 201, response.body);
  };

  before(async () => {
    database = await createTestDatabase('tp_gauges');
    replicaA = await buildReplica(database.url);
    replicaB = await buildReplica(database.url);
  });
  after(async () => {
    await replicaA?.close();
    await replicaB?.close();
    await database?.drop();
  });

  it('concerts_on_sale equals a full count through creations, bulk inserts, sell-outs, moves and deletes', async () => {
    assert.equal((await scrape(replicaA)).onSale, 0);
    const concerts = [];
    for (let i = 0; i < 4; i++) concerts.push(await createConcert(replicaA, { capacity: 3 }));
    // One already started, one later this hour or next, through the API's validation-free path: SQL.
    await queryDatabase(
      database.url,
      `INSERT INTO concerts (id, name, venue, starts_at, capacity, price_cents, tickets_sold)
       SELECT gen_random_uuid(), 'bulk', 'v', now() + make_interval(mins => m), 10, 100, CASE WHEN m % 7 = 0 THEN 10 ELSE 0 END
       FROM generate_series(-90, 180, 3) AS m`,
    );
    assert.equal((await scrape(replicaA)).onSale, (await bruteForce(database.url)).onSale);

    await buy(replicaA, concerts[0]!.id, 3); // sold out: leaves the count
    await buy(replicaB, concerts[1]!.id, 2); // still on sale
    await queryDatabase(database.url, `UPDATE concerts SET starts_at = now() - interval '1 day' WHERE id = $1`, [concerts[2]!.id]);
    await queryDatabase(database.url, `DELETE FROM concerts WHERE name = 'bulk' AND starts_at > now() + interval '2 hours'`);
    const expected = await bruteForce(database.url);
    assert.ok(expected.onSale > 10, 'the scenario keeps a meaningful number on sale');
    assert.equal((await scrape(replicaA)).onSale, expected.onSale);
    assert.equal((await scrape(replicaB)).onSale, expected.onSale, 'every replica reports the same');
    // Rows written by hand never went through the API's sales tracking: out of the next test's way.
    await queryDatabase(database.url, `DELETE FROM concerts WHERE name = 'bulk'`);
    assert.equal((await scrape(replicaA)).onSale, (await bruteForce(database.url)).onSale);
  });

  it('the sell-through gauge shows the five concerts with most tickets sold, sold through either replica', async () => {
    const sold = [9, 2, 14, 5, 11, 7, 1];
    const concerts = [];
    for (const quantity of sold) {
      const concert = await createConcert(replicaA, { capacity: 20 });
      concerts.push(concert);
      // Orders of at most 10 tickets each, alternating replicas.
      for (let left = quantity, i = 0; left > 0; i++) {
        const q = Math.min(left, 10);
        await buy(i % 2 === 0 ? replicaA : replicaB, concert.id, q);
        left -= q;
      }
    }
    // Each replica merges what it sold at its own scrape; after both have been scraped, both agree.
    await scrape(replicaA);
    await scrape(replicaB);
    const expected = (await bruteForce(database.url)).busiest;
    assert.equal(expected.size, 5);
    for (const replica of [replicaA, replicaB]) {
      assert.deepEqual((await scrape(replica)).sellThrough, expected);
    }
    // A sale that changes the ranking reaches the gauge at the next scrape of the replica that made it.
    await buy(replicaB, concerts[6]!.id, 10);
    await buy(replicaB, concerts[6]!.id, 9);
    await scrape(replicaB);
    const now = (await scrape(replicaA)).sellThrough;
    assert.equal(now.get(concerts[6]!.id), 20 / 20);
    assert.deepEqual(now, (await bruteForce(database.url)).busiest);
  });

  it('purchases stay HOT updates: no index covers tickets_sold, and the on-sale trigger skips sales that leave tickets', async () => {
    const indexed = await queryDatabase<{ index: string }>(
      database.url,
      `SELECT i.indexrelid::regclass::text AS index FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attname = 'tickets_sold'
       WHERE i.indrelid = 'concerts'::regclass
         AND (a.attnum = ANY (i.indkey) OR pg_get_expr(i.indpred, i.indrelid) LIKE '%tickets_sold%'
              OR pg_get_expr(i.indexprs, i.indrelid) LIKE '%tickets_sold%')`,
    );
    assert.deepEqual(indexed, []);
    const [trigger] = await queryDatabase<{ definition: string }>(
      database.url,
      `SELECT pg_get_triggerdef(oid) AS definition FROM pg_trigger WHERE tgname = 'concerts_on_sale_update'`,
    );
    assert.match(trigger!.definition, /FOR EACH ROW WHEN/);
  });

  it('the gauge statements read a bounded number of rows from 200,000 concerts (plans, not timings)', async () => {
    // Two years of concerts, 10 % sold out, a busy hour in progress; then the plans are inspected.
    await queryDatabase(
      database.url,
      `INSERT INTO concerts (id, name, venue, starts_at, capacity, price_cents, tickets_sold)
       SELECT gen_random_uuid(), 'c' || g, 'v', now() + make_interval(mins => (g * 5) % 1051200 - 30), 100, 100,
              CASE WHEN g % 10 = 0 THEN 100 ELSE g % 100 END
       FROM generate_series(1, 200000) AS g`,
    );
    await queryDatabase(database.url, 'ANALYZE concerts; ANALYZE concerts_on_sale_by_hour');
    const candidates = (await queryDatabase<{ id: string }>(database.url, 'SELECT id FROM concerts ORDER BY random() LIMIT 100')).map((r) => r.id);

    const statements: Array<[string, string, unknown[], number]> = [
      ['concerts_on_sale', CONCERTS_ON_SALE_SQL, [], 200],
      ['busiest', BUSIEST_SQL, [], 10],
      ['merge with 100 sold concerts', MERGE_BUSIEST_SQL, [candidates, 5], 250],
    ];
    for (const [name, sql, values, maxConcertRows] of statements) {
      const plan = await explain(database.url, sql, values);
      const onConcerts = [...nodes(plan)].filter((node) => node['Relation Name'] === 'concerts');
      assert.ok(onConcerts.length > 0, `${name} reads concerts`);
      for (const node of onConcerts) assert.notEqual(node['Node Type'], 'Seq Scan', `${name}: no sequential scan of concerts`);
      const rows = onConcerts.reduce((sum, node) => sum + (node['Actual Rows'] ?? 0) * (node['Actual Loops'] ?? 1), 0);
      assert.ok(rows <= maxConcertRows, `${name} read ${rows} concert rows, bound ${maxConcertRows}`);
      const blocks = (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0);
      assert.ok(blocks < 1500, `${name} touched ${blocks} buffers (the table has thousands)`);
    }
    const [{ pages }] = (await queryDatabase<{ pages: number }>(database.url, `SELECT relpages AS pages FROM pg_class WHERE relname = 'concerts'`)) as [{ pages: number }];
    assert.ok(pages > 2000, `the table is large enough for the bound to mean something (${pages} pages)`);

    // And the gauges are still right on this data.
    const expected = await bruteForce(database.url);
    const shown = await scrape(replicaA);
    assert.equal(shown.onSale, expected.onSale);
  });
});
