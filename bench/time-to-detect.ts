// Time-to-detect benchmark for the alerting pipeline, with the SHIPPED configuration: the real API
// (PostgreSQL), real Prometheus with the project's rules and shipped intervals, real Alertmanager
// with the shipped timings, the local notification sink — and steady traffic generated here.
//
//   npm exec tsx bench/time-to-detect.ts -- [--trials 3] [--faults failure,latency] [--nominal 30m] [--out FILE]
//
// For each trial: a fresh Prometheus + Alertmanager (so no trial inherits the previous one's
// alert state), a warm-up of nominal traffic long enough to fill the rules' 30 s windows, then the
// chaos change, and the clock runs until the page EMAIL is received by the sink. With --nominal,
// a separate run keeps the default background failure rate (0.02) for that long and counts pages
// (it must be zero). Results go to stdout and, as JSON, to --out (bench/time-to-detect.md has
// the method and the figures).
//
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseDurationSeconds } from '../packages/shared/durations.js';
import { UsageError } from '../packages/shared/usage-error.js';
import { startApi, type RunningApi } from '../test/support/api-process.js';
import { startSink, type Sink, type SinkMessage } from '../apps/sink/sink.js';
import {
  FAILURE_CHAOS,
  LATENCY_CHAOS,
  NOMINAL_CHAOS,
  firing,
  isPage,
  startMonitoring,
  startTraffic,
} from '../test/support/pipeline.js';

// ---------------------------------------------------------------------------------------------
// The benchmark

interface Trial {
  fault: 'failure' | 'latency';
  alertname: string;
  trial: number;
  /** Chaos change → email received, in seconds (null = not within the timeout). */
  seconds: number | null;
  /** Chaos change → Prometheus first reports the alert firing (for the breakdown). */
  firingAfterSeconds: number | null;
  emailSubject?: string;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Milliseconds in a duration flag like "90s" or "30m". */
function parseDuration(text: string): number {
  const seconds = parseDurationSeconds(text);
  if (seconds === undefined) throw new UsageError(`bad duration "${text}" (use e.g. 90s, 30m)`);
  return seconds * 1_000;
}

interface BenchArgs {
  trials: number;
  faults: Array<'failure' | 'latency'>;
  nominalMs: number;
  out?: string;
  warmupMs: number;
}

function parseArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = { trials: 3, faults: ['failure', 'latency'], nominalMs: 0, warmupMs: 45_000 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--trials') args.trials = Number(value);
    else if (flag === '--faults') args.faults = value.split(',').filter(Boolean) as BenchArgs['faults'];
    else if (flag === '--nominal') args.nominalMs = value === '0' ? 0 : parseDuration(value);
    else if (flag === '--warmup') args.warmupMs = parseDuration(value);
    else if (flag === '--out') args.out = resolve(value);
    else throw new Error(`unknown flag ${flag}`);
    i++;
  }
  if (!Number.isInteger(args.trials) || args.trials < 0 || args.trials > 20) throw new Error('--trials must be 0..20');
  if (args.faults.some((f) => f !== 'failure' && f !== 'latency')) throw new Error('--faults: failure and/or latency');
  return args;
}

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

async function runTrial(api: RunningApi, sink: Sink, fault: Trial['fault'], trial: number, warmupMs: number): Promise<Trial> {
  const alertname = fault === 'failure' ? 'PurchaseFailureRateHigh' : 'HighRequestLatency';
  const monitoring = await startMonitoring([`127.0.0.1:${api.port}`], sink);
  try {
    log(`${fault} #${trial}: fresh Prometheus ${monitoring.prometheus.url} + Alertmanager ${monitoring.alertmanager.url}; warm-up ${warmupMs / 1000}s`);
    const before = sink.messages().length;
    await sleep(warmupMs);
    const warmupPages = sink.messages().slice(before).filter(isPage);
    if (warmupPages.length > 0) log(`  !! pages during warm-up: ${warmupPages.map((m) => m.subject).join('; ')}`);

    const t0 = Date.now();
    await api.setChaos(fault === 'failure' ? FAILURE_CHAOS : LATENCY_CHAOS);
    let firingAt: number | null = null;
    const poll = setInterval(() => {
      monitoring.prometheus
        .alerts()
        .then((alerts) => {
          if (firingAt === null && alerts.some((a) => a.labels.alertname === alertname && a.state === 'firing')) firingAt = Date.now();
        })
        .catch(() => undefined);
    }, 500);
    let email: SinkMessage | undefined;
    try {
      email = await sink.waitFor((m) => firing(alertname, 'email')(m) && Date.parse(m.receivedAt) >= t0, 180_000);
    } catch {
      email = undefined;
    } finally {
      clearInterval(poll);
    }
    const seconds = email ? (Date.parse(email.receivedAt) - t0) / 1000 : null;
    const firingAfterSeconds = firingAt === null ? null : ((firingAt as number) - t0) / 1000;
    log(`  ${alertname}: email after ${seconds ?? 'TIMEOUT'} s (Prometheus firing after ${firingAfterSeconds ?? '?'} s)`);
    return { fault, alertname, trial, seconds, firingAfterSeconds, emailSubject: email?.subject };
  } finally {
    await api.setChaos(NOMINAL_CHAOS);
    await monitoring.stop();
  }
}

async function runNominal(api: RunningApi, sink: Sink, durationMs: number) {
  const monitoring = await startMonitoring([`127.0.0.1:${api.port}`], sink);
  try {
    log(`nominal: ${durationMs / 60_000} min at the default background failure rate (0.02, latency 5..150 ms)`);
    await api.setChaos(NOMINAL_CHAOS);
    const before = sink.messages().length;
    const started = Date.now();
    let maxFailureRatio = 0;
    let maxP95 = 0;
    while (Date.now() - started < durationMs) {
      await sleep(Math.min(60_000, durationMs - (Date.now() - started)));
      // Peak of the values the alerts compare against, to see how close nominal traffic comes.
      const [ratio, p95] = await Promise.all([
        monitoring.prometheus.query('max_over_time(job:purchase_failures:ratio_rate30s[1m])').catch(() => []),
        monitoring.prometheus.query('max(max_over_time(route:http_request_duration_seconds:p95_30s{route!="__unmatched__"}[1m]))').catch(() => []),
      ]);
      maxFailureRatio = Math.max(maxFailureRatio, ...ratio.map((s) => Number(s.value[1])).filter(Number.isFinite));
      maxP95 = Math.max(maxP95, ...p95.map((s) => Number(s.value[1])).filter(Number.isFinite));
      log(`  nominal: ${Math.round((Date.now() - started) / 60_000)} min, pages so far ${sink.messages().slice(before).filter(isPage).length}, peak failure ratio ${(maxFailureRatio * 100).toFixed(1)} %, peak p95 ${(maxP95 * 1000).toFixed(0)} ms`);
    }
    const notifications = sink.messages().slice(before);
    return {
      minutes: durationMs / 60_000,
      pages: notifications.filter(isPage).map((m) => `${m.kind}: ${m.subject}`),
      notifications: notifications.length,
      peakFailureRatio30s: maxFailureRatio,
      peakP95Seconds30s: maxP95,
    };
  } finally {
    await monitoring.stop();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const totalMs = args.trials * args.faults.length * (args.warmupMs + 200_000) + args.nominalMs + 120_000;
  const sink = await startSink({ log: (line) => log(line) });
  // LOG_LEVEL=warn: the helper keeps the API's output in memory for the whole run.
  const api = await startApi({ chaos: NOMINAL_CHAOS, env: { LOG_LEVEL: 'warn' } });
  const traffic = await startTraffic([api.url], { purchasesPerSecond: 4, readsPerSecond: 4, maxDurationMs: totalMs });
  const trials: Trial[] = [];
  let nominal: Awaited<ReturnType<typeof runNominal>> | undefined;
  try {
    log(`API ${api.url}, sink ${sink.url}; traffic 4 purchases/s + 4 reads/s on concert ${traffic.concertId}`);
    for (let trial = 1; trial <= args.trials; trial++) {
      for (const fault of args.faults) trials.push(await runTrial(api, sink, fault, trial, args.warmupMs));
    }
    if (args.nominalMs > 0) nominal = await runNominal(api, sink, args.nominalMs);
  } finally {
    await traffic.stop();
    await api.stop();
    await sink.close();
  }

  const summary = Object.fromEntries(
    args.faults.map((fault) => {
      const values = trials.filter((t) => t.fault === fault).map((t) => t.seconds);
      const measured = values.filter((v): v is number => v !== null);
      return [fault, { trials: values, median: median(measured), min: Math.min(...measured), max: Math.max(...measured), timeouts: values.length - measured.length }];
    }),
  );
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30) },
    config: 'shipped: scrape/evaluation 5s, rules as in observability/prometheus/rules, group_wait 10s / group_interval 1m',
    traffic: { purchasesPerSecond: 4, readsPerSecond: 4, counts: traffic.counts() },
    summary,
    trials,
    nominal,
  };
  console.log(JSON.stringify(result, null, 2));
  if (args.out) writeFileSync(args.out, JSON.stringify(result, null, 2));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(`time-to-detect: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
