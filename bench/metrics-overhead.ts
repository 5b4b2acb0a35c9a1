/**
 * What the per-request instrumentation itself costs, isolated from the network and the database:
 * the exact work the metrics plugin does for one request (a labelled counter increment and a
 * histogram observation on the API's own metric definitions), timed over 1,000,000 iterations.
 * Compare with the API's CPU per request measured by bench/api-throughput.ts.
 *
 * Usage: npx tsx bench/metrics-overhead.ts
 */
import { cpus } from 'node:os';
import { createMetrics } from '../apps/api/metrics/metrics.js';

const metrics = createMetrics();
const labels = { method: 'GET', route: '/api/concerts/:id', status_code: '200' };
const requests = metrics.httpRequests.labels(labels);
const duration = metrics.httpDuration.labels(labels);
const iterations = 1_000_000;

function run(): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    requests.inc();
    duration.observe((i % 50) / 1000);
  }
  return Number(process.hrtime.bigint() - started) / iterations;
}

run(); // warm-up: let V8 optimise
const samples = [run(), run(), run()].sort((a, b) => a - b);
console.log(`${cpus()[0]?.model}, Node ${process.version}`);
console.log(`per request: ${samples[1]!.toFixed(0)} ns (median of 3 × ${iterations.toLocaleString('en')} iterations; min ${samples[0]!.toFixed(0)}, max ${samples[2]!.toFixed(0)})`);
