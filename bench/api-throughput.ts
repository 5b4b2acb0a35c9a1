/**
 * API throughput benchmark (issue #2 figures; the metrics on/off comparison for issue #3).
 *
 * Method: one API process (`node --import tsx apps/api/server.ts`, chaos off, LOG_LEVEL=warn) on the
 * machine's PostgreSQL; wrk on the same machine, 2 threads, 64 connections, `--duration` seconds per
 * scenario after a 5 s warm-up: GET /api/concerts/:id, then POST /api/concerts/:id/orders
 * (quantity 1) on a concert of 1,000,000 seats. Metrics on (default) and off (HTTP_METRICS=false)
 * alternate for `--rounds` rounds, the order flipped every round so neither always runs on the
 * warmer or emptier database; the figures are medians over rounds. Then pgbench runs the exact
 * purchase statements (16 clients, 2 threads, prepared): the single-order one and the batch one
 * with 32 orders per statement, for the database's own ceilings. The invariant is checked after
 * every run. Results go to bench/results/api-throughput-<timestamp>.json.
 *
 * Usage: npm run bench:api [-- --duration 20 --rounds 3]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createTestDatabase } from '../test/support/postgres.js';
import { tallyConcert } from '../test/support/invariant.js';
import { freePort, waitUntil } from '../test/support/ports.js';
import { pgbenchPurchase } from './lib/pgbench.js';
import { wrk, type WrkResult } from './lib/wrk.js';

const { values } = parseArgs({
  options: { duration: { type: 'string', default: '20' }, rounds: { type: 'string', default: '3' } },
});
const duration = Number(values.duration);
const rounds = Number(values.rounds);
if (!Number.isInteger(duration) || duration < 1 || !Number.isInteger(rounds) || rounds < 1) {
  console.error('bench:api: --duration and --rounds must be positive integers');
  process.exit(2);
}

async function processCpuSeconds(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^process_cpu_seconds_total (\S+)$/m.exec(text)?.[1]);
}

/** Throughput varies a lot with scheduling on 2 shared cores; CPU per request is the steadier cost figure. */
async function withCpu(url: string, run: () => WrkResult): Promise<WrkResult> {
  const before = await processCpuSeconds(url);
  const result = run();
  const after = await processCpuSeconds(url);
  return { ...result, cpuMicrosPerRequest: ((after - before) * 1e6) / result.requests };
}

async function startApi(databaseUrl: string, extraEnv: Record<string, string>) {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/api/server.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      CHAOS_FAILURE_RATE: '0',
      CHAOS_LATENCY_MIN_MS: '0',
      CHAOS_LATENCY_MAX_MS: '0',
      ...extraEnv,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${url}/readyz`)).ok, 30_000, 'the API');
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

async function runScenarios(databaseUrl: string, label: string, env: Record<string, string>) {
  const api = await startApi(databaseUrl, env);
  const concert = await (
    await fetch(`${api.url}/api/concerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Bench', venue: 'Loopback Arena', startsAt: '2030-01-01T20:00:00Z', capacity: 1_000_000, priceCents: 4200 }),
    })
  ).json();
  const script = join(tmpdir(), 'tp-bench-post.lua');
  writeFileSync(
    script,
    `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = '{"quantity":1,"customerEmail":"bench@example.com"}'\n`,
  );
  const getUrl = `${api.url}/api/concerts/${concert.id}`;
  const postUrl = `${api.url}/api/concerts/${concert.id}/orders`;
  console.error(`[${label}] warm-up`);
  wrk(getUrl, 5);
  wrk(postUrl, 5, script);
  console.error(`[${label}] GET concert, ${duration}s`);
  const get = await withCpu(api.url, () => wrk(getUrl, duration));
  console.error(`[${label}] POST order, ${duration}s`);
  const post = await withCpu(api.url, () => wrk(postUrl, duration, script));
  await api.stop();
  const tally = await tallyConcert(databaseUrl, concert.id);
  return { label, get, post, invariantHolds: tally.ticketsSold === tally.sumOfConfirmedQuantities && tally.ticketsSold <= tally.capacity, tally };
}

const BATCH = 32;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function summarize(runs: WrkResult[]): WrkResult {
  return {
    requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
    cpuMicrosPerRequest: median(runs.map((r) => r.cpuMicrosPerRequest ?? NaN)),
    requests: runs.reduce((sum, r) => sum + r.requests, 0),
  };
}

const database = await createTestDatabase('tp_bench');
try {
  const on: Awaited<ReturnType<typeof runScenarios>>[] = [];
  const off: Awaited<ReturnType<typeof runScenarios>>[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
    for (const which of order) {
      if (which === 'on') on.push(await runScenarios(database.url, `round ${round + 1}, metrics on`, {}));
      else off.push(await runScenarios(database.url, `round ${round + 1}, metrics off`, { HTTP_METRICS: 'false' }));
    }
  }
  console.error(`[pgbench] purchase statements, ${duration}s each`);
  const single = pgbenchPurchase(database.url, { seconds: duration, batch: 'single', clients: 16 });
  const batched = pgbenchPurchase(database.url, { seconds: duration, batch: BATCH, clients: 16 });
  const onGet = summarize(on.map((r) => r.get));
  const onPost = summarize(on.map((r) => r.post));
  const offGet = summarize(off.map((r) => r.get));
  const offPost = summarize(off.map((r) => r.post));
  const result = {
    at: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}, PostgreSQL on the same machine, wrk -t2 -c64`,
    durationSeconds: duration,
    rounds,
    metricsOn: { get: onGet, post: onPost, runs: on },
    metricsOff: { get: offGet, post: offPost, runs: off },
    pgbench: { single, batched },
    efficiency: {
      vsSingleStatement: onPost.requestsPerSecond / single.ordersPerSecond,
      vsBatchStatement: onPost.requestsPerSecond / batched.ordersPerSecond,
    },
    instrumentationCost: {
      get: 1 - onGet.requestsPerSecond / offGet.requestsPerSecond,
      post: 1 - onPost.requestsPerSecond / offPost.requestsPerSecond,
      cpuPerRequestGet: onGet.cpuMicrosPerRequest! / offGet.cpuMicrosPerRequest! - 1,
      cpuPerRequestPost: onPost.cpuMicrosPerRequest! / offPost.cpuMicrosPerRequest! - 1,
      perRound: on.map((r, i) => ({
        get: 1 - r.get.requestsPerSecond / off[i]!.get.requestsPerSecond,
        post: 1 - r.post.requestsPerSecond / off[i]!.post.requestsPerSecond,
      })),
    },
    invariantHolds: [...on, ...off].every((r) => r.invariantHolds),
  };
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/api-throughput-${result.at.replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  const row = (name: string, r: WrkResult) =>
    `| ${name} | ${r.requestsPerSecond.toFixed(0)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.non2xx} | ${r.cpuMicrosPerRequest!.toFixed(1)} |`;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  console.log(`medians of ${rounds} rounds × ${duration} s\n\n| scenario | req/s | p50 ms | p99 ms | non-2xx | API CPU µs/request |\n|---|---|---|---|---|---|`);
  console.log(row('GET concert (metrics on)', onGet));
  console.log(row('POST order (metrics on)', onPost));
  console.log(row('GET concert (metrics off)', offGet));
  console.log(row('POST order (metrics off)', offPost));
  console.log(`\npgbench single-order statement: ${single.ordersPerSecond.toFixed(0)} orders/s (avg ${single.latencyAvgMs} ms)`);
  console.log(`pgbench batch statement (${BATCH} orders): ${batched.ordersPerSecond.toFixed(0)} orders/s (avg ${batched.latencyAvgMs} ms)`);
  console.log(`service / pgbench: ${pct(result.efficiency.vsSingleStatement)} of the single-order ceiling, ${pct(result.efficiency.vsBatchStatement)} of the batch ceiling`);
  console.log(`instrumentation cost in API CPU per request (medians): GET ${pct(result.instrumentationCost.cpuPerRequestGet)}, POST ${pct(result.instrumentationCost.cpuPerRequestPost)}`);
  console.log(`instrumentation cost in throughput (medians): GET ${pct(result.instrumentationCost.get)}, POST ${pct(result.instrumentationCost.post)}; per round: ${result.instrumentationCost.perRound.map((r) => `GET ${pct(r.get)} / POST ${pct(r.post)}`).join('; ')}`);
  console.log(`invariant after every run: ${result.invariantHolds ? 'holds' : 'BROKEN'}; written to ${file}`);
  if (!result.invariantHolds) process.exitCode = 1;
} finally {
  await database.drop();
}
