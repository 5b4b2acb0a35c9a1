// `npm run load -- --shape spike --duration 2m [--users N] [--host URL] [--out runs/] [--gate]`
// Runs a named load shape with Locust headless into runs/<timestamp>-<shape>/, then writes the
// stress-test report for it when Prometheus (PROMETHEUS_URL) answers. With --gate, the thresholds
// are checked at the end and written into run.json and the report's verdict.
// Exit codes: 0 done (gate passed), 1 Locust failed, 2 usage error, 3 a gate threshold missed.
import { setTimeout as sleep } from 'node:timers/promises';
import { parseLoadOptions, USAGE } from './run-options.js';
import { UsageError } from '../../packages/shared/usage-error.js';
import { checkApiAnswers, runLoad } from './run-load.js';
import { createPrometheusClient, prometheusUrlFromEnv } from '../../packages/shared/prometheus-client.js';
import { generateReport } from '../report/generate-report.js';
import { writeRunRecord } from '../report/run-record.js';
import { checkGate } from '../scenario/gate.js';

const GATE_MISSED = 3;

async function main(): Promise<number> {
  const options = parseLoadOptions(process.argv.slice(2));
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  await checkApiAnswers(options.host);
  const prometheusUrl = prometheusUrlFromEnv();
  if (options.gate && !(await createPrometheusClient(prometheusUrl).ready())) {
    throw new UsageError(`--gate reads the run's figures from Prometheus, and none answers at ${prometheusUrl} (set PROMETHEUS_URL); nothing was run`);
  }
  console.log(`[load] ${options.shape} for ${options.durationS}s, up to ${options.peakUsers} users, against ${options.host}`);
  const { runDir, record } = await runLoad(options);
  console.log(`[load] run folder: ${runDir}`);
  if (record.locust.exitCode !== 0) {
    console.error(`[load] locust exited with code ${record.locust.exitCode}: see ${runDir}/locust.log`);
    return 1;
  }
  let code = 0;
  if (options.gate) {
    // One more scrape, so the run's last seconds are in Prometheus.
    await sleep(6_000);
    const checks = await checkGate(prometheusUrl, options.gate, { startMs: Date.parse(record.startedAt), endMs: Date.parse(record.endedAt!) });
    record.gate = { passed: checks.every((c) => c.met), checks: checks.map(({ name, limit, met, measured }) => ({ name, limit, met, measured })) };
    writeRunRecord(runDir, record);
    for (const c of checks) console.log(`[load] gate ${c.met ? 'met   ' : 'MISSED'} ${c.name}${c.limit ? ` ${c.limit}` : ''}: ${c.measured}`);
    console.log(`[load] gate: ${record.gate.passed ? 'PASS' : `FAIL (exit ${GATE_MISSED})`}`);
    if (!record.gate.passed) code = GATE_MISSED;
  }
  if (!options.report) return code;
  if (!(await createPrometheusClient(prometheusUrl).ready())) {
    console.log(`[load] no Prometheus at ${prometheusUrl}: skipping the report (run \`npm run report -- ${runDir}\` later)`);
    return code;
  }
  const report = await generateReport(runDir, { prometheusUrl, log: (line) => console.log(`[report] ${line}`) });
  console.log(`[load] report: ${report.htmlFile}`);
  return code;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof UsageError ? error.message : `load: ${(error as Error).message}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
