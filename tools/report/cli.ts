// `npm run report -- <run folder>`: the stress-test report for a run of `npm run load`,
// from Locust's CSVs and Prometheus (PROMETHEUS_URL, default http://127.0.0.1:9090).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILE } from './run-record.js';
import { generateReport } from './generate-report.js';
import { createPrometheusClient, prometheusUrlFromEnv } from '../../packages/shared/prometheus-client.js';

async function main(): Promise<number> {
  const [runDir, ...rest] = process.argv.slice(2);
  if (!runDir || rest.length > 0 || runDir.startsWith('-')) {
    console.error('usage: npm run report -- <run folder>   (e.g. runs/20261128-040000-spike)');
    return 2;
  }
  if (!existsSync(join(runDir, RUN_FILE))) {
    console.error(`report: ${runDir} is not a run folder (no ${RUN_FILE}); create one with npm run load`);
    return 2;
  }
  const prometheusUrl = prometheusUrlFromEnv();
  if (!(await createPrometheusClient(prometheusUrl).ready())) {
    console.error(`report: Prometheus does not answer at ${prometheusUrl} (set PROMETHEUS_URL)`);
    return 1;
  }
  const report = await generateReport(runDir, { prometheusUrl, log: (line) => console.log(`[report] ${line}`) });
  console.log(report.htmlFile);
  console.log(report.markdownFile);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`report: ${(error as Error).message}`);
    process.exit(1);
  },
);
