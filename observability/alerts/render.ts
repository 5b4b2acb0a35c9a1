/**
 * Renders the alert source into the files Prometheus, kube-prometheus and readers use: the rule
 * files (with their why-comments), and the alerts table of docs/alerts.md.
 */
import { Document, isMap, isSeq, type YAMLMap, type YAMLSeq } from 'yaml';
import { dashboardUrl, runbookFile, runbookUrl } from './links.js';
import type { AlertingRule, RecordingRule, RuleFile } from './types.js';

const GENERATED_NOTE = 'GENERATED from observability/alerts/ — do not edit; change the source there and run `npm run deploy:generate`.';

/** A rule as Prometheus reads it. */
export function prometheusRule(rule: AlertingRule | RecordingRule): Record<string, unknown> {
  if ('record' in rule) return { record: rule.record, expr: rule.expr };
  return {
    alert: rule.alert,
    expr: rule.expr,
    ...(rule.for ? { for: rule.for } : {}),
    ...(rule.keepFiringFor ? { keep_firing_for: rule.keepFiringFor } : {}),
    labels: { severity: rule.severity },
    annotations: {
      summary: rule.summary,
      description: rule.description,
      ...(rule.resolved ? { resolved: rule.resolved } : {}),
      runbook_url: runbookUrl(rule.alert),
      dashboard_url: dashboardUrl(rule.dashboard),
    },
  };
}

/** The `groups` of a rule file, as Prometheus (and a PrometheusRule's spec) reads them. */
export function prometheusGroups(file: RuleFile<AlertingRule | RecordingRule>): Array<Record<string, unknown>> {
  return file.groups.map((group) => ({
    name: group.name,
    ...(group.interval ? { interval: group.interval } : {}),
    rules: group.rules.map(prometheusRule),
  }));
}

const commentLines = (text: string) => text.split('\n').map((line) => (line ? ` ${line}` : '')).join('\n');

/** One rule file as YAML text: the generated header, the file's comment, every group and rule with its comment. */
export function renderRuleFile(file: RuleFile<AlertingRule | RecordingRule>): string {
  const doc = new Document({ groups: prometheusGroups(file) });
  doc.commentBefore = commentLines(`${GENERATED_NOTE}\n${file.comment}`);
  const groups = doc.get('groups') as YAMLSeq;
  file.groups.forEach((group, g) => {
    const groupNode = groups.items[g];
    if (group.comment && isMap(groupNode)) groupNode.commentBefore = commentLines(group.comment);
    const rules = isMap(groupNode) ? groupNode.get('rules') : undefined;
    if (!isSeq(rules)) return;
    group.rules.forEach((rule, r) => {
      const node = rules.items[r] as YAMLMap;
      if (rule.comment) node.commentBefore = commentLines(rule.comment);
    });
  });
  return doc.toString({ lineWidth: 0 });
}

const escapeCell = (text: string) => text.replace(/\|/g, '\\|');
const humanDuration = (duration: string | undefined) => (duration ? duration.replace(/^(\d+)([a-z]+)$/, '$1 $2') : '—');

/** The alerts table of docs/alerts.md (between its generated markers). */
export function renderAlertsTable(alerts: readonly AlertingRule[]): string {
  const rows = alerts.map((alert) =>
    [
      `\`${alert.alert}\``,
      alert.severity,
      alert.doc.firesWhen,
      alert.doc.window,
      humanDuration(alert.for) + (alert.keepFiringFor ? `, keeps firing ${humanDuration(alert.keepFiringFor)}` : ''),
      alert.doc.floor,
      `[${runbookFile(alert.alert).replace(/\.md$/, '')}](runbooks/${runbookFile(alert.alert)})`,
    ]
      .map(escapeCell)
      .join(' | '),
  );
  return [
    `<!-- ${GENERATED_NOTE} -->`,
    '| Alert | Severity | Fires when | Window | `for` | Traffic floor | Runbook |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}
