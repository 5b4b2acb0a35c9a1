/**
 * Soak (issue #15, part 5): mixed traffic for a long time with the shipped chaos defaults; RSS,
 * heap and event-loop lag must stay flat and no error may appear but the simulated ones.
 *
 * Method: one API process (test/support/api-process.ts, LOG_LEVEL=warn) on a fresh PostgreSQL
 * database, with the chaos defaults the API ships (apps/api/config.ts: 2 % payment failures, 5–150 ms
 * long-tailed latency). The load is the Locust `soak` shape of `npm run load` (tools/load/locustfile.py:
 * browsers, buyers and organisers, 100 users at the peak, think times of 0.2–15 s), so it is bounded
 * by its users, runs on loopback and stops by itself. Every 10 s the API's own /metrics is sampled.
 * The trend is judged over the hold phase (after the shape's warm-up): the least-squares slope, and
 * the change from the median of its first third to the median of its last third. Afterwards the
 * failures Locust recorded and the API's status codes are classified, and the invariant is checked
 * over every concert. Figures: bench/figures/soak-<date>.json.
 *
 * Usage: npm run bench:soak [-- --duration 30m --users 100]
 */
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadApiConfig } from '../apps/api/config.js';
import { runLoad } from '../tools/load/run-load.js';
import { parseRunLengthSeconds } from '../packages/shared/durations.js';
import { UsageError } from '../packages/shared/usage-error.js';
import { startBenchApi } from './lib/api.js';
import { sampleApi, type ProcessSample } from './lib/exposition.js';
import { concertsBreakingInvariant } from './lib/invariant.js';

function options() {
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '30m' }, users: { type: 'string', default: '100' } } });
  const durationS = parseRunLengthSeconds(values.duration);
  const users = Number(values.users);
  if (durationS < 60 || !Number.isInteger(users) || users < 1 || users > 500) {
    throw new UsageError('--duration must be at least 1m and --users an integer 1..500');
  }
  return { durationS, users };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Least-squares slope (units per hour) and the first-third → last-third change of the medians. */
export function trend(samples: ProcessSample[], value: (s: ProcessSample) => number) {
  const xs = samples.map((s) => (s.at - samples[0]!.at) / 3_600_000);
  const ys = samples.map(value);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const slopePerHour = xs.reduce((sum, x, i) => sum + (x - mx) * (ys[i]! - my), 0) / xs.reduce((sum, x) => sum + (x - mx) ** 2, 0);
  const third = Math.max(1, Math.floor(ys.length / 3));
  const first = median(ys.slice(0, third));
  const last = median(ys.slice(-third));
  return { mean: my, min: Math.min(...ys), max: Math.max(...ys), firstThirdMedian: first, lastThirdMedian: last, change: last / first - 1, slopePerHour };
}

/** Locust's failures by name (locust_failures.csv: Method,Name,Error,Occurrences). */
function locustFailures(runDir: string): Record<string, number> {
  const byKind: Record<string, number> = {};
  const lines = readFileSync(join(runDir, 'locust_failures.csv'), 'utf8').trim().split('\n').slice(1);
  for (const line of lines) {
    const fields = line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((f) => f.replace(/,$/, '').replace(/^"|"$/g, ''));
    const [, , error, occurrences] = fields;
    if (error) byKind[error] = (byKind[error] ?? 0) + Number(occurrences);
  }
  return byKind;
}

async function main(): Promise<void> {
  const { durationS, users } = options();
  const chaos = loadApiConfig({}).chaosDefaults;
  const api = await startBenchApi({ chaos, env: { LOG_LEVEL: 'warn' } });
  const outDir = mkdtempSync(join(tmpdir(), 'tp-soak-'));
  const samples: ProcessSample[] = [];
  const sampler = setInterval(() => {
    sampleApi(api.url).then((s) => samples.push(s), (error) => console.error(`[soak] sample failed: ${(error as Error).message}`));
  }, 10_000);
  const startedAt = new Date();
  console.error(`[soak] ${durationS}s, ${users} users at the peak, chaos ${JSON.stringify(chaos)}, API ${api.url}`);
  try {
    const run = await runLoad(
      { shape: 'soak', durationS, peakUsers: users, host: api.url, outDir, chaos: [], report: false, locustArgs: [] },
      { echo: () => undefined },
    );
    clearInterval(sampler);
    samples.push(await sampleApi(api.url));
    // The soak shape warms up for 10 % of the run, at most 2 minutes (tools/load/shapes.py).
    const holdFrom = startedAt.getTime() + Math.min(0.1 * durationS, 120) * 1000 + 30_000;
    const hold = samples.filter((s) => s.at >= holdFrom);
    const failures = locustFailures(run.runDir);
    const statuses = samples.at(-1)!.requestsByStatus;
    const unexpectedStatuses = Object.fromEntries(Object.entries(statuses).filter(([code]) => Number(code) >= 500 && code !== '502'));
    const unexpectedFailures = Object.fromEntries(Object.entries(failures).filter(([kind]) => !/\bpayment-failed\b/.test(kind)));
    const broken = await concertsBreakingInvariant(api.databaseUrl!);
    const requests = Object.values(statuses).reduce((a, b) => a + b, 0);
    const result = {
      at: startedAt.toISOString(),
      endedAt: new Date().toISOString(),
      machine: `${cpus().length} × ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, PostgreSQL on the same machine, Locust on the same machine; shared with other engineers' test runs`,
      durationS,
      users,
      chaos,
      requests,
      requestsPerSecond: requests / durationS,
      statuses,
      locustFailures: failures,
      unexpectedStatuses,
      unexpectedFailures,
      concertsBreakingInvariant: broken,
      holdSamples: hold.length,
      rssBytes: trend(hold, (s) => s.rssBytes),
      heapUsedBytes: trend(hold, (s) => s.heapUsedBytes),
      eventLoopLagP99Seconds: trend(hold, (s) => s.eventLoopLagP99Seconds),
      samples: samples.map((s) => ({ at: new Date(s.at).toISOString(), rssBytes: s.rssBytes, heapUsedBytes: s.heapUsedBytes, eventLoopLagP99Seconds: s.eventLoopLagP99Seconds, cpuSeconds: s.cpuSeconds })),
    };
    const file = `bench/figures/soak-${result.at.slice(0, 10)}.json`;
    writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
    const mib = (b: number) => (b / 2 ** 20).toFixed(1);
    const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;
    const row = (name: string, t: ReturnType<typeof trend>, show: (n: number) => string, unit: string) =>
      `| ${name} | ${show(t.min)}–${show(t.max)} ${unit} | ${show(t.firstThirdMedian)} → ${show(t.lastThirdMedian)} ${unit} (${pct(t.change)}) | ${show(t.slopePerHour)} ${unit}/h |`;
    console.log(`soak ${durationS}s, ${users} users, ${requests} requests (${result.requestsPerSecond.toFixed(0)}/s), ${hold.length} samples in the hold phase\n`);
    console.log('| figure | range | median, first third → last third | slope |\n|---|---|---|---|');
    console.log(row('RSS', result.rssBytes, mib, 'MiB'));
    console.log(row('heap used', result.heapUsedBytes, mib, 'MiB'));
    console.log(row('event-loop lag p99', result.eventLoopLagP99Seconds, (s) => (s * 1000).toFixed(1), 'ms'));
    console.log(`\nstatus codes: ${JSON.stringify(statuses)}; Locust failures: ${JSON.stringify(failures)}`);
    console.log(`unexpected: ${JSON.stringify({ ...unexpectedStatuses, ...unexpectedFailures })}; concerts breaking the invariant: ${broken}; written to ${file}`);
    if (Object.keys(unexpectedStatuses).length + Object.keys(unexpectedFailures).length > 0 || broken > 0) process.exitCode = 1;
  } finally {
    clearInterval(sampler);
    await api.stop();
    rmSync(outDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error instanceof UsageError ? `bench:soak: ${error.message}` : error);
  process.exit(error instanceof UsageError ? 2 : 1);
});
