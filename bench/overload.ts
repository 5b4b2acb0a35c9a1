/**
 * On-sale overload benchmark (issue #10): far more buyers of one hot concert than the machine can
 * serve, to see that the API sheds the excess fast instead of queueing it, that accepted purchases
 * stay fast, that nothing but 503 (shed) is a 5xx, that the invariant holds, and that /healthz
 * keeps answering.
 *
 * Method: one API process (`node --import tsx apps/api/server.ts`, chaos off, LOG_LEVEL=warn, the
 * shipped overload defaults unless the environment sets PURCHASE_QUEUE_LIMIT etc.) on the machine's
 * PostgreSQL; a concert of 1,000,000 seats; a 5 s warm-up at 64 connections; then wrk (2 threads,
 * `--connections`, `--duration` s) POSTs `{"quantity":1}` orders without Idempotency-Key, counting
 * answers by status in Lua. Meanwhile this process GETs /healthz every 100 ms and times it.
 * Latency by outcome comes from the API's own histogram (http_request_duration_seconds by status
 * code, read before and after: server-side time, interpolated within buckets); wrk's p50/p99 are
 * client-side over all answers. Afterwards the database's tickets_sold is compared with the 201s.
 * Results go to bench/results/overload-<timestamp>.json.
 *
 * Usage: npm run bench:overload [-- --connections 2000 --duration 30]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { tallyConcert } from '../test/support/invariant.js';
import { startBenchApi } from './lib/api.js';
import { statusTallyScript, wrkAsync } from './lib/wrk.js';

const { values } = parseArgs({
  options: { connections: { type: 'string', default: '2000' }, duration: { type: 'string', default: '30' } },
});
const connections = Number(values.connections);
const duration = Number(values.duration);
if (!Number.isInteger(connections) || connections < 2 || !Number.isInteger(duration) || duration < 1) {
  console.error('bench:overload: --connections (>= 2) and --duration (seconds) must be positive integers');
  process.exit(2);
}

const ORDER_ROUTE = '/api/concerts/:id/orders';

type Buckets = Map<string, Map<number, number>>; // status → le (seconds) → cumulative count

async function orderHistogram(url: string): Promise<Buckets> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const buckets: Buckets = new Map();
  const pattern = /^http_request_duration_seconds_bucket\{le="([^"]+)",method="POST",route="([^"]+)",status_code="(\d+)"\} (\S+)$/gm;
  for (const [, le, route, status, value] of text.matchAll(pattern)) {
    if (route !== ORDER_ROUTE) continue;
    if (!buckets.has(status!)) buckets.set(status!, new Map());
    buckets.get(status!)!.set(le === '+Inf' ? Infinity : Number(le), Number(value));
  }
  return buckets;
}

/** The q-quantile (ms) of the observations between two scrapes, interpolated as Prometheus does. */
function quantileMs(before: Buckets, after: Buckets, status: string, q: number): number | null {
  const end = after.get(status);
  if (!end) return null;
  const start = before.get(status) ?? new Map<number, number>();
  const bounds = [...end.keys()].sort((a, b) => a - b);
  const counts = bounds.map((le) => end.get(le)! - (start.get(le) ?? 0));
  const total = counts[counts.length - 1]!;
  if (total === 0) return null;
  const rank = q * total;
  for (let i = 0; i < bounds.length; i++) {
    if (counts[i]! >= rank) {
      const upper = bounds[i]!;
      if (upper === Infinity) return bounds[i - 1]! * 1000;
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      const below = i === 0 ? 0 : counts[i - 1]!;
      return (lower + ((upper - lower) * (rank - below)) / (counts[i]! - below)) * 1000;
    }
  }
  return null;
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** The overload run: wrk with a long timeout, so slow answers count as answers rather than socket errors. */
const wrk = (url: string, seconds: number, connections: number, script: string) =>
  wrkAsync(url, seconds, script, { threads: 2, connections, timeout: '10s' });

async function main(): Promise<void> {
  const api = await startBenchApi({ env: { LOG_LEVEL: 'warn' } });
  const url = api.url;
  const databaseUrl = api.databaseUrl!;
  try {
    const concert = await (
      await fetch(`${url}/api/concerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Overload', venue: 'Loopback Arena', startsAt: '2030-01-01T20:00:00Z', capacity: 1_000_000, priceCents: 4200 }),
      })
    ).json();
    const script = statusTallyScript('overload', '{"quantity":1,"customerEmail":"overload@example.com"}');
    const ordersUrl = `${url}/api/concerts/${concert.id}/orders`;

    console.error('[overload] warm-up: 5 s at 64 connections');
    const warmUp = await wrk(ordersUrl, 5, 64, script);
    const loadBefore = loadavg()[0];

    const healthz: number[] = [];
    let healthzFailures = 0;
    let probing = true;
    const probe = (async () => {
      while (probing) {
        const started = performance.now();
        try {
          const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) });
          await response.text();
          if (response.ok) healthz.push(performance.now() - started);
          else healthzFailures += 1;
        } catch {
          healthzFailures += 1;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    console.error(`[overload] ${connections} connections for ${duration} s`);
    const before = await orderHistogram(url);
    const run = await wrk(ordersUrl, duration, connections, script);
    probing = false;
    await probe;
    const after = await orderHistogram(url);
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // let in-flight statements finish
    const tally = await tallyConcert(databaseUrl, concert.id);

    const statuses = run.statuses ?? {};
    const accepted = statuses['201'] ?? 0;
    const shed = statuses['503'] ?? 0;
    const other5xx = Object.entries(statuses)
      .filter(([code]) => code.startsWith('5') && code !== '503')
      .reduce((sum, [, n]) => sum + n, 0);
    healthz.sort((a, b) => a - b);
    const result = {
      measuredAt: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version, loadAverage1mBefore: loadBefore },
      method: { connections, durationSeconds: duration, threads: 2, warmUp },
      wrk: run,
      acceptedPerSecond: accepted / duration,
      shedShare: shed / (run.requests || 1),
      other5xx,
      serverSide: {
        acceptedP50Ms: quantileMs(before, after, '201', 0.5),
        acceptedP99Ms: quantileMs(before, after, '201', 0.99),
        shedP50Ms: quantileMs(before, after, '503', 0.5),
        shedP99Ms: quantileMs(before, after, '503', 0.99),
      },
      healthz: {
        probes: healthz.length,
        failures: healthzFailures,
        p50Ms: healthz.length ? percentile(healthz, 0.5) : null,
        p99Ms: healthz.length ? percentile(healthz, 0.99) : null,
        maxMs: healthz.length ? healthz[healthz.length - 1] : null,
      },
      invariant: {
        ...tally,
        holds: tally.ticketsSold === tally.sumOfConfirmedQuantities && tally.ticketsSold <= tally.capacity,
        // wrk stops with up to `connections` requests in flight: those may commit uncounted.
        soldMinusCounted201: tally.ticketsSold - accepted - (warmUp.statuses?.['201'] ?? 0),
      },
    };
    mkdirSync('bench/results', { recursive: true });
    const file = `bench/results/overload-${result.measuredAt.replace(/[:.]/g, '-')}.json`;
    writeFileSync(file, JSON.stringify(result, null, 2));
    console.log(JSON.stringify(result, null, 2));
    console.error(`[overload] written to ${file}`);
  } finally {
    await api.stop();
  }
}

main().catch((error) => {
  console.error(`bench:overload: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
