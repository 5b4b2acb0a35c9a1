/**
 * What the scrape-cost fix costs the purchase path (issue #15, part 1: "without write
 * amplification — measure it").
 *
 * Method: one fresh database with the API's migrations. pgbench (prepared, 16 clients, one hot
 * concert) runs the purchase statements — single order, and batch of 32 — with migration 2's
 * objects on the purchase path in force (the on-sale trigger on concerts and the starts_at index),
 * then with them switched off (trigger disabled, index dropped), alternating for `--rounds` rounds;
 * medians. After each run pg_stat_user_tables tells how many of the concert updates were HOT
 * (heap-only: no index written), which is what an index on tickets_sold would have broken.
 * Figures: bench/figures/gauge-write-cost-<date>.json.
 *
 * Usage: npm run bench:gauge-write-cost [-- --duration 10 --rounds 3]
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { startBenchApi } from './lib/api.js';
import { pgbenchPurchase, type PgbenchRun } from './lib/pgbench.js';
import { queryDatabase } from '../test/support/postgres.js';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' }, rounds: { type: 'string', default: '3' } } });
const duration = Number(values.duration);
const rounds = Number(values.rounds);
if (!Number.isInteger(duration) || duration < 1 || !Number.isInteger(rounds) || rounds < 1) {
  console.error('bench:gauge-write-cost: --duration and --rounds must be positive integers');
  process.exit(2);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function updateCounts(url: string) {
  // Statistics of pgbench's backends are flushed when they exit; a fresh snapshot is read here.
  const [row] = await queryDatabase<{ upd: string; hot: string }>(url, `SELECT n_tup_upd AS upd, n_tup_hot_upd AS hot FROM pg_stat_user_tables WHERE relname = 'concerts'`);
  return { updates: Number(row!.upd), hot: Number(row!.hot) };
}

async function measure(url: string, withGauges: boolean) {
  await queryDatabase(
    url,
    withGauges
      ? 'ALTER TABLE concerts ENABLE TRIGGER concerts_on_sale_update; CREATE INDEX IF NOT EXISTS concerts_by_start ON concerts (starts_at)'
      : 'ALTER TABLE concerts DISABLE TRIGGER concerts_on_sale_update; DROP INDEX IF EXISTS concerts_by_start',
  );
  const out: Record<string, PgbenchRun & { hotShare: number }> = {};
  for (const batch of ['single', 32] as const) {
    const before = await updateCounts(url);
    const run = pgbenchPurchase(url, { seconds: duration, batch, clients: 16 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = await updateCounts(url);
    out[batch === 'single' ? 'single' : 'batch32'] = { ...run, hotShare: (after.hot - before.hot) / Math.max(1, after.updates - before.updates) };
  }
  return out as { single: PgbenchRun & { hotShare: number }; batch32: PgbenchRun & { hotShare: number } };
}

const api = await startBenchApi({ env: { LOG_LEVEL: 'warn' } });
const url = api.databaseUrl!;
try {
  const withGauges: Awaited<ReturnType<typeof measure>>[] = [];
  const without: Awaited<ReturnType<typeof measure>>[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const on of round % 2 === 0 ? [true, false] : [false, true]) {
      process.stderr.write(`[round ${round + 1}] migration 2 objects ${on ? 'on' : 'off'}\n`);
      (on ? withGauges : without).push(await measure(url, on));
    }
  }
  const summary = (runs: typeof withGauges) => ({
    single: median(runs.map((r) => r.single.ordersPerSecond)),
    batch32: median(runs.map((r) => r.batch32.ordersPerSecond)),
    hotShareSingle: median(runs.map((r) => r.single.hotShare)),
    hotShareBatch32: median(runs.map((r) => r.batch32.hotShare)),
  });
  const on = summary(withGauges);
  const off = summary(without);
  const result = {
    at: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GiB, PostgreSQL on the same machine (stock settings), pgbench 16 clients; shared with other engineers' test runs`,
    durationSeconds: duration,
    withGauges: { medians: on, runs: withGauges },
    withoutGauges: { medians: off, runs: without },
    cost: { single: 1 - on.single / off.single, batch32: 1 - on.batch32 / off.batch32 },
  };
  const file = `bench/figures/gauge-write-cost-${result.at.slice(0, 10)}.json`;
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  console.log('| statement | orders/s with migration 2 | orders/s without | cost | HOT updates with / without |\n|---|---|---|---|---|');
  console.log(`| single order | ${on.single.toFixed(0)} | ${off.single.toFixed(0)} | ${pct(result.cost.single)} | ${pct(on.hotShareSingle)} / ${pct(off.hotShareSingle)} |`);
  console.log(`| batch of 32 | ${on.batch32.toFixed(0)} | ${off.batch32.toFixed(0)} | ${pct(result.cost.batch32)} | ${pct(on.hotShareBatch32)} / ${pct(off.hotShareBatch32)} |`);
  console.log(`written to ${file}`);
} finally {
  await api.stop();
}
