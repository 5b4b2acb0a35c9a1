/**
 * Data-growth benchmark (issue #15, part 2): does the API cost the same on a big database?
 *
 * Method: one PostgreSQL database of its own (tp_bench_growth_<random>, dropped at the end), schema
 * from the API's migrations. Level 0 holds 1,000 concerts; each further level adds concerts with
 * `INSERT … SELECT FROM generate_series` in chunks of 500,000 (for more than 100,000 rows with the indexes and constraints dropped and
 * rebuilt identically afterwards, as bulk loads are done), each concert with one order of 1–10
 * tickets (tickets_sold matching, so the invariant holds), start dates spread over two years,
 * creation times one second apart; then VACUUM ANALYZE (what autovacuum does in time). At each level
 * a fresh API process (chaos off, LOG_LEVEL=warn) is measured with wrk (2 threads, 32 connections,
 * 3 s warm-up, `--duration` s): GET one of 1,000 concerts sampled at random from the whole table,
 * the first page of the list, a page whose cursor points at the middle of the table, a purchase of 1
 * ticket of one of those 1,000 concerts, and GET /metrics (1 connection, as a scraper). Then one
 * /metrics right after purchases (the merge of what was sold) is timed 5 times. Seeding rate,
 * table and index sizes are recorded. Figures: bench/figures/data-growth-<date>.json.
 *
 * Usage: npm run bench:data-growth [-- --levels 0,1000000,10000000 --duration 10]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { BUSIEST_SQL, CONCERTS_ON_SALE_SQL, encodeCursor, MERGE_BUSIEST_SQL } from '../apps/api/concerts/concerts-repository.js';
import type { Concert } from '../packages/contract/index.js';
import { startBenchApi } from './lib/api.js';
import { tallyConcert } from '../test/support/invariant.js';
import { createTestDatabase } from '../test/support/postgres.js';
import { randomPathsScript, wrk, type WrkResult } from './lib/wrk.js';

const BASE_CONCERTS = 1_000;
const CHUNK = 500_000;
const SAMPLE = 1_000;

function options() {
  const { values } = parseArgs({
    options: { levels: { type: 'string', default: '0,1000000,10000000' }, duration: { type: 'string', default: '10' } },
  });
  const levels = values.levels.split(',').map(Number);
  const duration = Number(values.duration);
  if (levels.some((n, i) => !Number.isInteger(n) || n < 0 || (i > 0 && n <= levels[i - 1]!)) || !Number.isInteger(duration) || duration < 1) {
    console.error('bench:data-growth: --levels must be increasing non-negative integers (e.g. 0,1000000) and --duration a positive integer');
    process.exit(2);
  }
  return { levels, duration };
}

/**
 * Bulk loads go faster without indexes and constraints, as any bulk load is done: their
 * definitions are read from the catalogue, dropped, and built again after the load, identical.
 */
async function withoutIndexes<T>(client: pg.Client, load: () => Promise<T>): Promise<{ loaded: T; rebuildSeconds: number }> {
  const { rows: constraints } = await client.query<{ table: string; name: string; definition: string; foreign: boolean }>(
    `SELECT conrelid::regclass::text AS table, conname AS name, pg_get_constraintdef(oid) AS definition, contype = 'f' AS foreign
     FROM pg_constraint WHERE conrelid IN ('concerts'::regclass, 'orders'::regclass) AND contype IN ('p', 'u', 'f')`,
  );
  const { rows: indexes } = await client.query<{ name: string; definition: string }>(
    `SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS definition FROM pg_index
     WHERE indrelid IN ('concerts'::regclass, 'orders'::regclass)
       AND indexrelid NOT IN (SELECT conindid FROM pg_constraint WHERE contype IN ('p', 'u'))`,
  );
  // Foreign keys first (they depend on the primary key), then the rest.
  for (const c of [...constraints].sort((x, y) => Number(y.foreign) - Number(x.foreign))) {
    await client.query(`ALTER TABLE ${c.table} DROP CONSTRAINT ${c.name}`);
  }
  for (const i of indexes) await client.query(`DROP INDEX ${i.name}`);
  const loaded = await load();
  const started = performance.now();
  await client.query('SET maintenance_work_mem = \'512MB\'');
  for (const c of [...constraints].sort((x, y) => Number(x.foreign) - Number(y.foreign))) {
    await client.query(`ALTER TABLE ${c.table} ADD CONSTRAINT ${c.name} ${c.definition}`);
  }
  for (const i of indexes) await client.query(i.definition);
  return { loaded, rebuildSeconds: (performance.now() - started) / 1000 };
}

/** Adds `count` concerts (and one order each) after the `existing` ones; returns rows written per second. */
async function seed(client: pg.Client, existing: number, count: number) {
  const insert = async () => {
    const started = performance.now();
    for (let from = existing; from < existing + count; from += CHUNK) {
      const to = Math.min(from + CHUNK, existing + count) - 1;
      // Creation times one second apart, oldest first; tickets_sold equals the one order's quantity.
      await client.query(
        `WITH c AS (
           INSERT INTO concerts (id, name, venue, starts_at, capacity, price_cents, tickets_sold, created_at)
           SELECT gen_random_uuid(), 'Concert ' || g, 'Venue ' || (g % 5000),
                  now() + make_interval(mins => ((g::bigint * 7919) % 1051200)::int), 1000000, 1000 + g % 9000, 1 + g % 10,
                  timestamptz '2020-01-01' + make_interval(secs => g)
           FROM generate_series($1::int, $2::int) AS g
           RETURNING id, tickets_sold, price_cents
         )
         INSERT INTO orders (id, concert_id, quantity, total_cents, customer_email)
         SELECT gen_random_uuid(), c.id, c.tickets_sold, c.tickets_sold * c.price_cents, 'seed@example.com' FROM c`,
        [from, to],
      );
      process.stderr.write(`[seed] ${to + 1} concerts\n`);
    }
    return (performance.now() - started) / 1000;
  };
  const bulk = count > 100_000;
  const { loaded: insertSeconds, rebuildSeconds } = bulk ? await withoutIndexes(client, insert) : { loaded: await insert(), rebuildSeconds: 0 };
  const seconds = insertSeconds + rebuildSeconds;
  return { rows: 2 * count, insertSeconds, indexRebuildSeconds: rebuildSeconds, seconds, rowsPerSecond: (2 * count) / seconds, indexesDroppedDuringLoad: bulk };
}

async function sizes(client: pg.Client) {
  const { rows } = await client.query<{ name: string; kind: string; bytes: string }>(
    `SELECT c.relname AS name, CASE c.relkind WHEN 'r' THEN 'table' ELSE 'index' END AS kind, pg_relation_size(c.oid) AS bytes
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') AND pg_relation_size(c.oid) > 0 ORDER BY pg_relation_size(c.oid) DESC`,
  );
  return rows.map((r) => ({ name: r.name, kind: r.kind, megabytes: Number(r.bytes) / 2 ** 20 }));
}

/**
 * The gauge statements alone, from a client on their own (median and max of 20 runs, ms): the part
 * of a scrape that could grow with the data, less exposed to the HTTP load on the shared cores.
 */
async function gaugeStatements(client: pg.Client, soldConcerts: string[]) {
  const time = async (run: () => Promise<unknown>) => {
    const ms: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      await run();
      ms.push(performance.now() - started);
    }
    ms.sort((a, b) => a - b);
    return { medianMs: ms[10]!, maxMs: ms[19]! };
  };
  return {
    concertsOnSale: await time(() => client.query({ name: 'g_on_sale', text: CONCERTS_ON_SALE_SQL })),
    busiest: await time(() => client.query({ name: 'g_busiest', text: BUSIEST_SQL })),
    mergeOf100Sold: await time(async () => {
      await client.query('BEGIN');
      await client.query({ name: 'g_merge', text: MERGE_BUSIEST_SQL, values: [soldConcerts, 5] });
      await client.query('ROLLBACK');
    }),
  };
}

/** One scrape's time in ms; a pooled connection the server already closed is retried once. */
async function timedScrape(url: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const started = performance.now();
    try {
      const response = await fetch(`${url}/metrics`);
      await response.text();
      if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
      return performance.now() - started;
    } catch (error) {
      if (attempt >= 2) throw error;
    }
  }
}

async function measureLevel(databaseUrl: string, client: pg.Client, total: number, duration: number) {
  // A uniform sample of the whole table, not the first rows the cache already holds.
  const fraction = Math.min(100, (100 * 3 * SAMPLE) / total);
  const { rows: sample } = await client.query<{ id: string }>(
    `SELECT id FROM concerts TABLESAMPLE SYSTEM (${fraction}) ORDER BY random() LIMIT ${SAMPLE}`,
  );
  const { rows: [middle] } = await client.query<{ id: string; created_at: Date }>(
    `SELECT id, created_at FROM concerts ORDER BY created_at DESC, id DESC OFFSET ${Math.floor(total / 2)} LIMIT 1`,
  );
  const cursor = encodeCursor({ id: middle!.id, createdAt: middle!.created_at.toISOString() } as Concert);
  const api = await startBenchApi({ databaseUrl, env: { LOG_LEVEL: 'warn' } });
  try {
    const run = (name: string, url: string, script?: string, connections = 32): WrkResult => {
      process.stderr.write(`[${total}] ${name}\n`);
      wrk(url, 3, script, { threads: Math.min(2, connections), connections });
      return wrk(url, duration, script, { threads: Math.min(2, connections), connections });
    };
    const readScript = randomPathsScript('read', sample.map((r) => `/api/concerts/${r.id}`));
    const buyScript = randomPathsScript('buy', sample.map((r) => `/api/concerts/${r.id}/orders`), '{"quantity":1,"customerEmail":"bench@example.com"}');
    const figures = {
      getConcert: run('GET concert', api.url, readScript),
      listFirstPage: run('list, first page', `${api.url}/api/concerts?limit=20`),
      listDeepPage: run('list, page at the middle', `${api.url}/api/concerts?limit=20&cursor=${cursor}`),
      purchase: run('purchase', api.url, buyScript),
      metrics: run('/metrics', `${api.url}/metrics`, undefined, 1),
    };
    // The scrape that follows sales merges what was sold (up to 100 concerts): time that one too.
    const afterSales: number[] = [];
    for (let i = 0; i < 5; i++) {
      wrk(api.url, 1, buyScript, { threads: 2, connections: 32 });
      afterSales.push(await timedScrape(api.url));
    }
    let broken = 0;
    for (const { id } of sample.slice(0, 100)) {
      const tally = await tallyConcert(databaseUrl, id);
      if (tally.ticketsSold !== tally.sumOfConfirmedQuantities || tally.ticketsSold > tally.capacity) broken++;
    }
    const statements = await gaugeStatements(client, sample.slice(0, 100).map((r) => r.id));
    return { ...figures, metricsAfterSalesMs: afterSales, gaugeStatements: statements, sampledConcertsBreakingInvariant: broken };
  } finally {
    await api.stop();
  }
}

async function main(): Promise<void> {
  const { levels, duration } = options();
  const database = await createTestDatabase('tp_bench_growth');
  const client = new pg.Client({ connectionString: database.url });
  try {
    // The API's migrations create the schema.
    await (await startBenchApi({ databaseUrl: database.url, env: { LOG_LEVEL: 'warn' } })).stop();
    await client.connect();
    mkdirSync('bench/results', { recursive: true });
    const results = [];
    let existing = 0;
    for (const level of levels) {
      const total = BASE_CONCERTS + level;
      const seeding = await seed(client, existing, total - existing);
      existing = total;
      await client.query('VACUUM ANALYZE concerts');
      await client.query('VACUUM ANALYZE orders');
      const [{ orders }] = (await client.query<{ orders: string }>('SELECT count(*) AS orders FROM orders')).rows as [{ orders: string }];
      const measured = await measureLevel(database.url, client, total, duration);
      results.push({ level, concerts: total, orders: Number(orders), seeding, sizes: await sizes(client), ...measured });
      // Kept as it goes: a long run that fails late still leaves what it measured.
      writeFileSync(`bench/results/data-growth-partial.json`, JSON.stringify(results, null, 2) + '\n');
    }
    const base = results[0]!;
    const keys = ['getConcert', 'listFirstPage', 'listDeepPage', 'purchase', 'metrics'] as const;
    const ratios = results.map((r) =>
      Object.fromEntries(keys.map((k) => [k, { p50: r[k].p50Ms / base[k].p50Ms, p99: r[k].p99Ms / base[k].p99Ms, rps: r[k].requestsPerSecond / base[k].requestsPerSecond }])),
    );
    const result = {
      at: new Date().toISOString(),
      machine: `${cpus().length} × ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, PostgreSQL on the same machine (stock settings), wrk on the same machine; shared with other engineers' test runs`,
      durationSeconds: duration,
      levels: results,
      ratiosToFirstLevel: ratios,
    };
    const file = `bench/figures/data-growth-${result.at.slice(0, 10)}.json`;
    writeFileSync(file, JSON.stringify(result, null, 2) + '\n');

    const names: Record<(typeof keys)[number], string> = {
      getConcert: 'GET concert (random of 1,000)',
      listFirstPage: 'list, first page',
      listDeepPage: 'list, cursor at the middle',
      purchase: 'purchase (random of 1,000)',
      metrics: 'GET /metrics (1 connection)',
    };
    console.log(`| figure | ${results.map((r) => `${r.concerts.toLocaleString('en')} concerts`).join(' | ')} | last ÷ first |`);
    console.log(`|---|${results.map(() => '---|').join('')}---|`);
    for (const k of keys) {
      const last = ratios.at(-1)![k];
      console.log(`| ${names[k]}: p50 / p99 ms (req/s) | ${results.map((r) => `${r[k].p50Ms.toFixed(2)} / ${r[k].p99Ms.toFixed(2)} (${r[k].requestsPerSecond.toFixed(0)})`).join(' | ')} | ${last.p50.toFixed(2)}× / ${last.p99.toFixed(2)}× (${last.rps.toFixed(2)}×) |`);
    }
    console.log(`| /metrics right after sales, ms (5 tries) | ${results.map((r) => r.metricsAfterSalesMs.map((x) => x.toFixed(1)).join(', ')).join(' | ')} | |`);
    for (const g of ['concertsOnSale', 'busiest', 'mergeOf100Sold'] as const) {
      console.log(`| gauge statement ${g}, median / max ms of 20 | ${results.map((r) => `${r.gaugeStatements[g].medianMs.toFixed(2)} / ${r.gaugeStatements[g].maxMs.toFixed(2)}`).join(' | ')} | |`);
    }
    console.log(`| seeding, rows/s (concerts + orders) | ${results.map((r) => r.seeding.rowsPerSecond.toFixed(0)).join(' | ')} | |`);
    for (const r of results) console.log(`\n${r.concerts} concerts, ${r.orders} orders: ${r.sizes.map((s) => `${s.name} ${s.megabytes.toFixed(1)} MB`).join(', ')}`);
    const broken = results.reduce((sum, r) => sum + r.sampledConcertsBreakingInvariant, 0);
    console.log(`\ninvariant on 100 sampled concerts per level: ${broken === 0 ? 'holds' : `BROKEN on ${broken}`}; written to ${file}`);
    if (broken > 0) process.exitCode = 1;
  } finally {
    await client.end().catch(() => undefined);
    await database.drop();
  }
}

await main();
