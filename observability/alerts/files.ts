/**
 * The files generated from the alert source, as repository path → content. deploy/k8s/generate.ts
 * writes (or, with --check, compares) them together with the Kubernetes files derived from them, so
 * `npm run deploy:generate` is the one command after a change here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { INHIBITIONS, alertmanagerInhibitRules } from './inhibitions.js';
import { ALERTING_RULES, ALL_ALERTS, RECORDING_RULES } from './rules.js';
import { renderAlertsTable, renderRuleFile } from './render.js';

export const RULES_DIR = 'observability/prometheus/rules';
export const ALERTS_DOC = 'docs/alerts.md';
export const ALERTMANAGER_TEMPLATE = 'observability/alertmanager/alertmanager.yml';
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

const commentLines = (text: string) => text.split('\n').map((line) => ` ${line}`).join('\n');

/**
 * The Alertmanager config template with its `inhibit_rules` replaced by the ones of inhibitions.ts;
 * everything else (and its formatting) is kept as it is, since the file is edited by hand too.
 */
export function renderAlertmanagerTemplate(current: string): string {
  const doc = parseDocument(current);
  if (doc.errors.length > 0) throw new Error(`${ALERTMANAGER_TEMPLATE}: ${doc.errors[0]!.message}`);
  const rules = doc.createNode(alertmanagerInhibitRules(), { flow: false });
  if (!isSeq(rules)) throw new Error('inhibitions: not a list');
  rules.items.forEach((item, index) => {
    if (!isMap(item)) return;
    item.commentBefore = commentLines(INHIBITIONS[index]!.comment);
    // Matchers and `equal` on one line each, matchers single-quoted, as the rest of the file writes them.
    for (const pair of item.items) {
      if (!isSeq(pair.value)) continue;
      pair.value.flow = true;
      if (String(pair.key).endsWith('_matchers')) for (const scalar of pair.value.items) if (isScalar(scalar)) scalar.type = 'QUOTE_SINGLE';
    }
  });
  rules.commentBefore = commentLines('GENERATED from observability/alerts/inhibitions.ts — edit that file and run `npm run deploy:generate`.');
  doc.set('inhibit_rules', rules);
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

export function renderAlertFiles(repoRoot: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const file of RULE_FILES) files.set(`${RULES_DIR}/${file.file}`, renderRuleFile(file));
  files.set(ALERTS_DOC, renderAlertsDoc(readFileSync(join(repoRoot, ALERTS_DOC), 'utf8')));
  files.set(ALERTMANAGER_TEMPLATE, renderAlertmanagerTemplate(readFileSync(join(repoRoot, ALERTMANAGER_TEMPLATE), 'utf8')));
  return files;
}
