/**
 * The files generated from the alert source, as repository path → content. deploy/k8s/generate.ts
 * writes (or, with --check, compares) them together with the Kubernetes files derived from them, so
 * `npm run deploy:generate` is the one command after a change here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALERTING_RULES, ALL_ALERTS, RECORDING_RULES } from './rules.js';
import { renderAlertsTable, renderRuleFile } from './render.js';

export const RULES_DIR = 'monitoring/prometheus/rules';
export const ALERTS_DOC = 'docs/alerts.md';
const BEGIN = '<!-- BEGIN alerts table -->';
const END = '<!-- END alerts table -->';

/** The rule files in generation order (recording first: their groups are evaluated first in tests). */
export const RULE_FILES = [RECORDING_RULES, ALERTING_RULES] as const;

/** docs/alerts.md with the text between its markers replaced by the generated table. */
export function renderAlertsDoc(current: string): string {
  const begin = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`${ALERTS_DOC}: markers "${BEGIN}" … "${END}" not found`);
  return `${current.slice(0, begin + BEGIN.length)}\n${renderAlertsTable(ALL_ALERTS)}\n${current.slice(end)}`;
}

export function renderAlertFiles(repoRoot: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const file of RULE_FILES) files.set(`${RULES_DIR}/${file.file}`, renderRuleFile(file));
  files.set(ALERTS_DOC, renderAlertsDoc(readFileSync(join(repoRoot, ALERTS_DOC), 'utf8')));
  return files;
}
