// `npm run load -- --shape spike --duration 2m [--users N] [--host URL] [--out runs/]`
// Runs a named load shape with Locust headless into runs/<timestamp>-<shape>/, then writes the
// stress-test report for it when Prometheus (PROMETHEUS_URL) answers.
import { parseLoadOptions } from './run-options.js';
import { UsageError } from '../src/shared/usage-error.js';
import { checkApiAnswers, runLoad } from './run-load.js';
import { createPrometheusClient, prometheusUrlFromEnv } from '../src/shared/prometheus-client.js';
import { generateReport } from '../src/report/generate-report.js';

async function main(): Promise<number> {
  const options = parseLoadOptions(process.argv.slice(2));
  await checkApiAnswers(options.host);
  console.log(`[load] ${options.shape} for ${options.durationS}s, up to ${options.peakUsers} users, against ${options.host}`);
  const { runDir, record } = await runLoad(options);
  console.log(`[load] run folder: ${runDir}`);
  if (record.locust.exitCode !== 0) {
    console.error(`[load] locust exited with code ${record.locust.exitCode}: see ${runDir}/locust.log`);
    return 1;
  }
  if (!options.report) return 0;
  const prometheusUrl = prometheusUrlFromEnv();
  if (!(await createPrometheusClient(prometheusUrl).ready())) {
    console.log(`[load] no Prometheus at ${prometheusUrl}: skipping the report (run \`npm run report -- ${runDir}\` later)`);
    return 0;
  }
  const report = await generateReport(runDir, { prometheusUrl, log: (line) => console.log(`[report] ${line}`) });
  console.log(`[load] report: ${report.htmlFile}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof UsageError ? error.message : `load: ${(error as Error).message}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
