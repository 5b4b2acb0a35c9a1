/**
 * The purchase path against the database's own ceiling, in one run (issue #15, part 4).
 *
 * Method: one API process (chaos off, LOG_LEVEL=warn) on a fresh PostgreSQL database; one hot
 * concert. Each round: wrk (2 threads, 64 connections, 3 s warm-up, `--duration` s) POSTs 1-ticket
 * purchases through the API, and the API's own /metrics, read before and after, tells which
 * statements it sent: how many batch and single-order statements, so the average batch it formed.
 * Right after, pgbench runs the very same batch statement with that average batch size (rounded),
 * at the concurrency the API has on one hot concert — one statement in flight (the group commit
 * sends the next batch when the previous one returns) — and at 16 clients, the earlier reference.
 * Efficiency = API purchases/s ÷ the higher pgbench figure of the round. Rounds alternate the two;
 * figures are medians over rounds. The invariant is checked after every API run.
 * Figures: bench/figures/db-ceiling-<date>.json.
 *
 * Usage: npm run bench:db-ceiling [-- --duration 10 --rounds 3]
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { tallyConcert } from '../test/support/invariant.js';
import { queryDatabase } from '../test/support/postgres.js';
import { startBenchApi } from './lib/api.js';
import { valueOf } from './lib/exposition.js';
import { pgbenchPurchase } from './lib/pgbench.js';
import { randomPathsScript, wrk } from './lib/wrk.js';

function options() {
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' }, rounds: { type: 'string', default: '3' } } });
  const duration = Number(values.duration);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(duration) || duration < 1 || !Number.isInteger(rounds) || rounds < 1) {
    console.error('bench:db-ceiling: --duration and --rounds must be positive integers');
    process.exit(2);
  }
  return { duration, rounds };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface StatementCounts {
  batches: number;
  singles: number;
  confirmed: number;
}

async function statementCounts(url: string): Promise<StatementCounts> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const count = (op: string) => valueOf(text, `db_query_duration_seconds_count{operation="${op}"}`) || 0;
  return { batches: count('purchase_batch'), singles: count('purchase'), confirmed: valueOf(text, 'ticket_orders_total{outcome="confirmed"}') };
}

async function main(): Promise<void> {
  const { duration, rounds } = options();
  const api = await startBenchApi({ env: { LOG_LEVEL: 'warn' } });
  const databaseUrl = api.databaseUrl!;
  try {
    const [concert] = await queryDatabase<{ id: string }>(
      databaseUrl,
      `INSERT INTO concerts (id, name, venue, starts_at, capacity, price_cents)
       VALUES (gen_random_uuid(), 'Ceiling', 'Loopback Arena', now() + interval '1 year', 100000000, 4200) RETURNING id`,
    );
    const script = randomPathsScript('ceiling', [`/api/concerts/${concert!.id}/orders`], '{"quantity":1,"customerEmail":"bench@example.com"}');
    const runs = [];
    for (let round = 1; round <= rounds; round++) {
      process.stderr.write(`[round ${round}] API\n`);
      wrk(api.url, 3, script, { threads: 2, connections: 64 });
      const before = await statementCounts(api.url);
      const service = wrk(api.url, duration, script, { threads: 2, connections: 64 });
      const after = await statementCounts(api.url);
      const batches = after.batches - before.batches;
      const singles = after.singles - before.singles;
      const confirmed = after.confirmed - before.confirmed;
      const averageBatch = batches > 0 ? (confirmed - singles) / batches : 1;
      const tally = await tallyConcert(databaseUrl, concert!.id);
      const batch = Math.max(1, Math.round(averageBatch));
      process.stderr.write(`[round ${round}] pgbench, batch of ${batch}\n`);
      const sameConcurrency = pgbenchPurchase(databaseUrl, { seconds: duration, batch, clients: 1 });
      const sixteenClients = pgbenchPurchase(databaseUrl, { seconds: duration, batch, clients: 16 });
      const ceiling = Math.max(sameConcurrency.ordersPerSecond, sixteenClients.ordersPerSecond);
      runs.push({
        round,
        service,
        statements: { batches, singles, confirmed, averageBatch },
        pgbench: { sameConcurrency, sixteenClients },
        efficiency: service.requestsPerSecond / ceiling,
        invariantHolds: tally.ticketsSold === tally.sumOfConfirmedQuantities && tally.ticketsSold <= tally.capacity,
      });
    }
    const result = {
      at: new Date().toISOString(),
      machine: `${cpus().length} × ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, PostgreSQL on the same machine (stock settings, synchronous_commit=on), wrk and pgbench on the same machine; shared with other engineers' test runs`,
      durationSeconds: duration,
      rounds: runs,
      medians: {
        servicePurchasesPerSecond: median(runs.map((r) => r.service.requestsPerSecond)),
        serviceP99Ms: median(runs.map((r) => r.service.p99Ms)),
        averageBatch: median(runs.map((r) => r.statements.averageBatch)),
        pgbenchSameConcurrency: median(runs.map((r) => r.pgbench.sameConcurrency.ordersPerSecond)),
        pgbenchSixteenClients: median(runs.map((r) => r.pgbench.sixteenClients.ordersPerSecond)),
        efficiency: median(runs.map((r) => r.efficiency)),
      },
    };
    const file = `bench/figures/db-ceiling-${result.at.slice(0, 10)}.json`;
    writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
    console.log('| round | API purchases/s | p50 / p99 ms | non-2xx | average batch | pgbench, 1 client | pgbench, 16 clients | efficiency |\n|---|---|---|---|---|---|---|---|');
    for (const r of runs) {
      console.log(`| ${r.round} | ${r.service.requestsPerSecond.toFixed(0)} | ${r.service.p50Ms.toFixed(2)} / ${r.service.p99Ms.toFixed(2)} | ${r.service.non2xx} | ${r.statements.averageBatch.toFixed(1)} | ${r.pgbench.sameConcurrency.ordersPerSecond.toFixed(0)} | ${r.pgbench.sixteenClients.ordersPerSecond.toFixed(0)} | ${(r.efficiency * 100).toFixed(0)} % |`);
    }
    const m = result.medians;
    console.log(`\nmedians: ${m.servicePurchasesPerSecond.toFixed(0)} purchases/s, p99 ${m.serviceP99Ms.toFixed(2)} ms, efficiency ${(m.efficiency * 100).toFixed(0)} %; invariant ${runs.every((r) => r.invariantHolds) ? 'holds' : 'BROKEN'}; written to ${file}`);
    if (!runs.every((r) => r.invariantHolds)) process.exitCode = 1;
  } finally {
    await api.stop();
  }
}

await main();
