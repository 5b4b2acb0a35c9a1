/**
 * Replicas benchmark (issue #15, part 3): purchases/s and p99 with 1, 2 and 4 API replicas on one
 * PostgreSQL, and what one replica costs Prometheus.
 *
 * Method: N API processes (test/support/api-process.ts, chaos off, LOG_LEVEL=warn,
 * DATABASE_POOL_SIZE=10 each) on one fresh database. The load is 64 connections in total, split
 * evenly over N wrk processes (one per replica, 1 thread each, all at once, as a load balancer
 * would spread them): 3 s warm-up, then `--duration` s of POST /api/concerts/:id/orders (1 ticket)
 * in two scenarios: one hot concert (an on-sale: every replica batches its own buyers, so N batch
 * statements queue on one row lock), and 1,000 concerts picked at random. Purchases/s is the sum
 * over the wrk processes, p99 the highest of theirs. After each run the invariant is checked on
 * every concert. Then, with 4 replicas up after traffic, a real Prometheus (the shipped config,
 * 5 s scrapes, the shipped recording and alert rules) scrapes them for 60 s: samples per scrape per
 * replica (`scrape_samples_scraped`), the head series, and Prometheus's own RSS give how many
 * replicas a Prometheus of a given memory watches. Figures: bench/figures/replicas-<date>.json.
 *
 * Usage: npm run bench:replicas [-- --duration 10 --replicas 1,2,4]
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { renderPrometheusConfig } from '../tools/stack/processes/prometheus-config.js';
import { pickFreePort, startPrometheus } from '../tools/stack/processes/prometheus-process.js';
import type { RunningApi } from '../test/support/api-process.js';
import { startBenchApi } from './lib/api.js';
import { createTestDatabase, queryDatabase } from '../test/support/postgres.js';
import { concertsBreakingInvariant } from './lib/invariant.js';
import { parseSample } from './lib/exposition.js';
import { randomPathsScript, wrkAsync, type WrkResult } from './lib/wrk.js';
import { API_JOB_SELECTOR } from '../packages/shared/prometheus-jobs.js';

const CONNECTIONS = 64;
const BODY = '{"quantity":1,"customerEmail":"bench@example.com"}';

function options() {
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' }, replicas: { type: 'string', default: '1,2,4' } } });
  const duration = Number(values.duration);
  const replicas = values.replicas.split(',').map(Number);
  if (!Number.isInteger(duration) || duration < 1 || replicas.some((n) => !Number.isInteger(n) || n < 1 || n > 8)) {
    console.error('bench:replicas: --duration must be a positive integer and --replicas a list of 1..8 (e.g. 1,2,4)');
    process.exit(2);
  }
  return { duration, replicas };
}

async function createConcerts(url: string, count: number): Promise<string[]> {
  const rows = await queryDatabase<{ id: string }>(
    url,
    `INSERT INTO concerts (id, name, venue, starts_at, capacity, price_cents)
     SELECT gen_random_uuid(), 'Replica bench ' || g, 'Loopback Arena', now() + interval '1 year', 10000000, 4200
     FROM generate_series(1, $1) AS g RETURNING id`,
    [count],
  );
  return rows.map((r) => r.id);
}

async function load(apis: RunningApi[], seconds: number, paths: string[]): Promise<WrkResult & { perReplica: WrkResult[] }> {
  const script = randomPathsScript(`replicas-${paths.length}`, paths, BODY);
  const per = Math.floor(CONNECTIONS / apis.length);
  const run = (s: number) => Promise.all(apis.map((api) => wrkAsync(api.url, s, script, { threads: 1, connections: per })));
  await run(3);
  const perReplica = await run(seconds);
  return {
    requestsPerSecond: perReplica.reduce((sum, r) => sum + r.requestsPerSecond, 0),
    p50Ms: Math.max(...perReplica.map((r) => r.p50Ms)),
    p99Ms: Math.max(...perReplica.map((r) => r.p99Ms)),
    non2xx: perReplica.reduce((sum, r) => sum + r.non2xx, 0),
    requests: perReplica.reduce((sum, r) => sum + r.requests, 0),
    perReplica,
  };
}

async function prometheusCost(apis: RunningApi[], seconds: number) {
  const port = await pickFreePort();
  const dir = mkdtempSync(join(tmpdir(), 'tp-bench-prom-'));
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(
    configFile,
    renderPrometheusConfig({ apiTargets: apis.map((a) => `127.0.0.1:${a.port}`), alertmanagerTargets: [], prometheusTarget: `127.0.0.1:${port}` }),
  );
  const prometheus = await startPrometheus({ configFile, port });
  try {
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const one = async (expr: string) => Number((await prometheus.query(expr))[0]?.value[1] ?? NaN);
    const perTarget = await prometheus.query(`scrape_samples_scraped{${API_JOB_SELECTOR}}`);
    const samplesPerScrape = perTarget.map((s) => Number(s.value[1]));
    return {
      replicasScraped: perTarget.length,
      samplesPerScrapePerReplica: samplesPerScrape,
      scrapeDurationSeconds: (await prometheus.query(`scrape_duration_seconds{${API_JOB_SELECTOR}}`)).map((s) => Number(s.value[1])),
      headSeries: await one('prometheus_tsdb_head_series'),
      apiSeries: await one(`count({${API_JOB_SELECTOR}})`),
      recordedSeries: await one('count({__name__=~".+:.+"})'),
      prometheusRssBytes: await one('process_resident_memory_bytes{job="prometheus"}'),
      samplesAppendedPerSecond: await one('rate(prometheus_tsdb_head_samples_appended_total[30s])'),
    };
  } finally {
    await prometheus.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { duration, replicas } = options();
  const database = await createTestDatabase('tp_bench_replicas');
  const results = [];
  let prometheus: Awaited<ReturnType<typeof prometheusCost>> | undefined;
  let seriesPerReplica: number[] = [];
  try {
    for (const n of replicas) {
      const apis: RunningApi[] = [];
      try {
        for (let i = 0; i < n; i++) apis.push(await startBenchApi({ databaseUrl: database.url, env: { LOG_LEVEL: 'warn', DATABASE_POOL_SIZE: '10' } }));
        const [hot] = await createConcerts(database.url, 1);
        const spread = await createConcerts(database.url, 1000);
        process.stderr.write(`[${n} replicas] hot concert\n`);
        const hotRun = await load(apis, duration, [`/api/concerts/${hot}/orders`]);
        const brokenAfterHot = await concertsBreakingInvariant(database.url);
        process.stderr.write(`[${n} replicas] 1,000 concerts\n`);
        const spreadRun = await load(apis, duration, spread.map((id) => `/api/concerts/${id}/orders`));
        const brokenAfterSpread = await concertsBreakingInvariant(database.url);
        results.push({ replicas: n, hotConcert: hotRun, thousandConcerts: spreadRun, concertsBreakingInvariant: brokenAfterHot + brokenAfterSpread });
        if (n === Math.max(...replicas)) {
          seriesPerReplica = await Promise.all(apis.map(async (a) => parseSample(await (await fetch(`${a.url}/metrics`)).text()).series));
          process.stderr.write(`[${n} replicas] Prometheus scraping for 60 s\n`);
          prometheus = await prometheusCost(apis, 60);
        }
      } finally {
        await Promise.all(apis.map((a) => a.stop()));
      }
    }
  } finally {
    await database.drop();
  }
  const first = results[0]!;
  const bytesPerSeries = prometheus ? prometheus.prometheusRssBytes / prometheus.headSeries : NaN;
  const meanSeries = seriesPerReplica.reduce((a, b) => a + b, 0) / Math.max(1, seriesPerReplica.length);
  const result = {
    at: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, PostgreSQL on the same machine (stock settings), wrk on the same machine; shared with other engineers' test runs`,
    durationSeconds: duration,
    connections: CONNECTIONS,
    runs: results,
    scalingToOneReplica: results.map((r) => ({ replicas: r.replicas, hot: r.hotConcert.requestsPerSecond / first.hotConcert.requestsPerSecond, spread: r.thousandConcerts.requestsPerSecond / first.thousandConcerts.requestsPerSecond })),
    seriesPerReplica,
    prometheus,
    prometheusBytesPerHeadSeries: bytesPerSeries,
  };
  const file = `bench/figures/replicas-${result.at.slice(0, 10)}.json`;
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log('| replicas | hot concert: purchases/s | p99 ms | 1,000 concerts: purchases/s | p99 ms | non-2xx | invariant |\n|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(`| ${r.replicas} | ${r.hotConcert.requestsPerSecond.toFixed(0)} | ${r.hotConcert.p99Ms.toFixed(1)} | ${r.thousandConcerts.requestsPerSecond.toFixed(0)} | ${r.thousandConcerts.p99Ms.toFixed(1)} | ${r.hotConcert.non2xx + r.thousandConcerts.non2xx} | ${r.concertsBreakingInvariant === 0 ? 'holds' : `BROKEN (${r.concertsBreakingInvariant})`} |`);
  }
  console.log(`\nseries exposed per replica: ${seriesPerReplica.join(', ')}`);
  if (prometheus) {
    console.log(`Prometheus, ${prometheus.replicasScraped} replicas: samples per scrape per replica ${prometheus.samplesPerScrapePerReplica.join(', ')}; head series ${prometheus.headSeries} (API ${prometheus.apiSeries}, recorded ${prometheus.recordedSeries}); ${prometheus.samplesAppendedPerSecond.toFixed(0)} samples/s appended; RSS ${(prometheus.prometheusRssBytes / 2 ** 20).toFixed(0)} MiB (${bytesPerSeries.toFixed(0)} B per head series, fixed overhead included)`);
    console.log(`→ per replica ≈ ${meanSeries.toFixed(0)} series, ${(meanSeries / 5).toFixed(0)} samples/s at 5 s scrapes`);
  }
  console.log(`written to ${file}`);
  if (results.some((r) => r.concertsBreakingInvariant > 0)) process.exitCode = 1;
}

await main();
