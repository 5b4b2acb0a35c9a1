// Writes a run folder's report: report.html (self-contained), report.md + charts/*.svg, report.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readRunRecord } from './run-record.js';
import { readLocustResults } from './locust-csv.js';
import { readRampJudgement } from './ramp-stairs.js';
import { createPrometheusClient } from '../../packages/shared/prometheus-client.js';
import { collectPrometheusData } from './prometheus-data.js';
import { buildReportModel, type ReportModel } from './report-model.js';
import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-markdown.js';

export interface GenerateReportOptions {
  prometheusUrl: string;
  log?: (line: string) => void;
}

export interface GeneratedReport {
  htmlFile: string;
  markdownFile: string;
  jsonFile: string;
  model: ReportModel;
}

const CHART_DIR = 'charts';

export async function generateReport(runDir: string, options: GenerateReportOptions): Promise<GeneratedReport> {
  const log = options.log ?? (() => undefined);
  const run = readRunRecord(runDir);
  if (!run.endedAt) throw new Error(`${runDir}/run.json has no endedAt: the run did not finish`);
  const locust = readLocustResults(runDir);
  const startS = Math.floor(Date.parse(run.startedAt) / 1000);
  const endS = Math.ceil(Date.parse(run.endedAt) / 1000);

  // Right after a run, Prometheus has not scraped its last seconds yet: give it one scrape.
  const scrapeS = await createPrometheusClient(options.prometheusUrl).scrapeIntervalSeconds();
  const waitMs = Math.min((endS + scrapeS + 2) * 1000 - Date.now(), 70_000);
  if (waitMs > 0) {
    log(`waiting ${Math.ceil(waitMs / 1000)} s for Prometheus to scrape the end of the run`);
    await sleep(waitMs);
  }
  const prom = await collectPrometheusData(options.prometheusUrl, startS, endS, run.hotConcertIds);
  const model = buildReportModel(run, locust, prom, readRampJudgement(runDir));

  mkdirSync(join(runDir, CHART_DIR), { recursive: true });
  for (const chart of model.sections.flatMap((section) => section.charts)) {
    writeFileSync(join(runDir, CHART_DIR, `${chart.id}.svg`), chart.svg);
  }
  const htmlFile = join(runDir, 'report.html');
  const markdownFile = join(runDir, 'report.md');
  const jsonFile = join(runDir, 'report.json');
  writeFileSync(htmlFile, renderHtml(model));
  writeFileSync(markdownFile, renderMarkdown(model, CHART_DIR));
  writeFileSync(
    jsonFile,
    `${JSON.stringify(
      {
        title: model.title,
        prometheus: { url: options.prometheusUrl, window: prom.window },
        charts: model.charts.map((c) => ({ id: c.id, title: c.title, pointCounts: c.pointCounts })),
        endpoints: model.endpointFigures,
        knee: model.knee,
        alerts: model.alerts,
        chaos: model.chaos,
        detections: model.detections.map((d) => ({
          alertname: d.alert.alertname,
          changeAt: new Date(d.change.at).toISOString(),
          timeToDetectMs: d.timeToDetectMs,
          timeToPendingMs: d.timeToPendingMs,
        })),
      },
      null,
      2,
    )}\n`,
  );
  log(`wrote ${htmlFile} and ${markdownFile}`);
  return { htmlFile, markdownFile, jsonFile, model };
}
