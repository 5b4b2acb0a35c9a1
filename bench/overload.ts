/**
 * On-sale overload benchmark (issue #10): far more buyers of one hot concert than the machine can
 * serve, to see that the API sheds the excess fast instead of queueing it, that accepted purchases
 * stay fast, that nothing but 503 (shed) is a 5xx, that the invariant holds, and that /healthz
 * keeps answering.
 *
 * Method: one API process (`node --import tsx src/api/server.ts`, chaos off, LOG_LEVEL=warn, the
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
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createTestDatabase } from '../test/support/postgres.js';
import { tallyConcert } from '../test/support/invariant.js';
import { freePort, waitUntil } from '../test/support/ports.js';

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

function toMs(text: string): number {
  const match = /([\d.]+)(us|ms|s)/.exec(text);
  if (!match) return NaN;
  const n = Number(match[1]);
  return match[2] === 'us' ? n / 1000 : match[2] === 's' ? n * 1000 : n;
}

const WRK_SCRIPT = `
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"quantity":1,"customerEmail":"overload@example.com"}'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do total[code] = (total[code] or 0) + n end
  end
  for code, n in pairs(total) do io.write(string.format("status %d %d\\n", code, n)) end
  io.write(string.format("errors connect %d read %d write %d timeout %d\\n", summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
`;

/** Asynchronous, so the /healthz probe of this process keeps running while wrk does. */
async function wrk(url: string, seconds: number, conns: number, script: string) {
  const { stdout: out } = await promisify(execFile)('wrk', ['-t2', `-c${conns}`, `-d${seconds}s`, '--timeout', '10s', '--latency', '-s', script, url], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = (label: string) => new RegExp(`^\\s*${label}\\s+(\\S+)`, 'm').exec(out)?.[1] ?? '';
  const statuses: Record<string, number> = {};
  for (const [, code, n] of out.matchAll(/^status (\d+) (\d+)$/gm)) statuses[code!] = Number(n);
  const errors = /errors connect (\d+) read (\d+) write (\d+) timeout (\d+)/.exec(out);
  return {
    requests: Number(/(\d+) requests in/.exec(out)?.[1]),
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    p50Ms: toMs(line('50%')),
    p99Ms: toMs(line('99%')),
    statuses,
    socketErrors: errors ? { connect: +errors[1]!, read: +errors[2]!, write: +errors[3]!, timeout: +errors[4]! } : undefined,
  };
}

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

async function main(): Promise<void> {
  const database = await createTestDatabase('tp_bench_overload');
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/api/server.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      CHAOS_FAILURE_RATE: '0',
      CHAOS_LATENCY_MIN_MS: '0',
      CHAOS_LATENCY_MAX_MS: '0',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntil(async () => (await fetch(`${url}/readyz`)).ok, 60_000, 'the API');
    const concert = await (
      await fetch(`${url}/api/concerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Overload', venue: 'Loopback Arena', startsAt: '2030-01-01T20:00:00Z', capacity: 1_000_000, priceCents: 4200 }),
      })
    ).json();
    const script = join(tmpdir(), `tp-bench-overload-${process.pid}.lua`);
    writeFileSync(script, WRK_SCRIPT);
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
    const tally = await tallyConcert(database.url, concert.id);

    const accepted = run.statuses['201'] ?? 0;
    const shed = run.statuses['503'] ?? 0;
    const other5xx = Object.entries(run.statuses)
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
        soldMinusCounted201: tally.ticketsSold - accepted - (warmUp.statuses['201'] ?? 0),
      },
    };
    mkdirSync('bench/results', { recursive: true });
    const file = `bench/results/overload-${result.measuredAt.replace(/[:.]/g, '-')}.json`;
    writeFileSync(file, JSON.stringify(result, null, 2));
    console.log(JSON.stringify(result, null, 2));
    console.error(`[overload] written to ${file}`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await database.drop();
  }
}

main().catch((error) => {
  console.error(`bench:overload: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
