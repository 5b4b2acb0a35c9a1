// The one page of a multi-scenario run (`npm run scenario -- --all`): what each scenario expected, what
// was measured against each limit, what paged that should not have, and where its full report is.
// Rendered from the runs' verdicts (what verdict.json holds), so it says nothing the reports do not.
import { writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { folderTimestamp, type RunResult } from './run-scenario.js';
import type { Expectation } from './verdict.js';

export interface SummaryMeta {
  command: string;
  stack: string;
  /** False while runs are still to come, or after a Ctrl-C. */
  complete: boolean;
  /** Scenarios whose stack did not start (they count as failed), with why. */
  notStarted?: Array<{ scenario: string; reason: string }>;
  /** Scenarios left out on purpose (not failed), with why. */
  skipped?: Array<{ scenario: string; reason: string }>;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function measuredText(e: Expectation): string {
  const limit = e.limitSeconds !== undefined ? ` (limit ${e.limitSeconds} s)` : '';
  return `${e.met ? '✓' : '✗'} ${e.what}: ${e.measured}${limit}`;
}

/** Markdown for the runs so far (their verdicts, and the folders the reports are in), links relative to `summaryFile`. */
export function renderCatalogueSummary(runs: readonly RunResult[], summaryFile: string, meta: SummaryMeta): string {
  const verdicts = runs.map(({ runDir, verdict }) => ({ dir: runDir, verdict }));
  const notStarted = meta.notStarted ?? [];
  const passed = verdicts.filter(({ verdict }) => verdict.passed).length;
  const first = verdicts[0]?.verdict.startedAt;
  const last = verdicts.at(-1)?.verdict.endedAt;
  const link = (dir: string, file: string) => relative(dirname(summaryFile), join(dir, file)).split('\\').join('/');
  const lines = [
    `# Scenario catalogue: ${passed} of ${verdicts.length + notStarted.length} passed${meta.complete ? '' : ' (incomplete: interrupted or still running)'}`,
    '',
    `- **Command:** \`${meta.command}\``,
    `- **Stack:** ${meta.stack}`,
    `- **When:** ${first ?? '–'} → ${last ?? '–'}`,
    '',
    'Each scenario ran on a fresh stack. ✓ an expectation met, ✗ missed; times count from the step the',
    "expectation names (the scenario file's `after`), limits from the file. Each report has the timeline",
    '(traffic, errors, latency, fault bands, alert states, notifications).',
    '',
    '| scenario | verdict | alerts that fired (s after start) | unexpected pages | report |',
    '|---|---|---|---|---|',
  ];
  for (const { dir, verdict } of verdicts) {
    const fired = verdict.alerts
      .filter((a) => a.firstFiringS !== undefined && a.alert !== 'Watchdog')
      .map((a) => `${a.alert} ${Math.round(a.firstFiringS!)}${a.heldBackBy?.length ? ' (held back)' : ''}`)
      .join(', ');
    lines.push(
      `| ${verdict.scenario} | ${verdict.passed ? 'passed' : '**failed**'} | ${cell(fired || 'none')} | ${cell(verdict.unexpectedPages.join(', ') || 'none')} | [report](${link(dir, 'report.html')}) · [verdict](${link(dir, 'verdict.json')}) |`,
    );
  }
  for (const { scenario, reason } of notStarted) lines.push(`| ${scenario} | **did not start** | – | – | ${cell(reason)} |`);
  for (const { scenario, reason } of meta.skipped ?? []) lines.push(`| ${scenario} | not run | – | – | ${cell(reason)} |`);
  for (const { verdict } of verdicts) {
    lines.push('', `## ${verdict.scenario} — ${verdict.passed ? 'passed' : 'failed'} (${Math.round(verdict.durationS)} s)`, '', verdict.description.trim(), '');
    for (const e of verdict.expectations) lines.push(`- ${measuredText(e)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Writes (and rewrites after every scenario) the summary of a multi-scenario run. */
export function writeCatalogueSummary(runs: readonly RunResult[], summaryFile: string, meta: SummaryMeta): void {
  writeFileSync(summaryFile, renderCatalogueSummary(runs, summaryFile, meta));
}

/** Next to the run folders, named like them: runs/<time>-catalogue.md. */
export const summaryFileName = (startedAt: Date) => `${folderTimestamp(startedAt)}-catalogue.md`;
