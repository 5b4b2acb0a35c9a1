/** The shapes the alert source is written in; render.ts turns them into Prometheus rule files. */
import type { DashboardUid } from './links.js';

export type Severity = 'page' | 'ticket' | 'none';

export interface RecordingRule {
  record: string;
  expr: string;
  /** Why the rule exists or is written this way; rendered as a YAML comment above it. */
  comment?: string;
}

/** How docs/alerts.md describes the alert in its generated table. */
export interface AlertDoc {
  firesWhen: string;
  window: string;
  floor: string;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  /** Prometheus duration; omitted = fires at the first evaluation that matches. */
  for?: string;
  /**
   * Prometheus duration the alert stays firing after its condition stops matching; omitted = it
   * resolves at the first evaluation that does not match. For short-window alerts whose value
   * wanders around the threshold during a partial fault.
   */
  keepFiringFor?: string;
  severity: Severity;
  summary: string;
  /** Must show the current value ({{ $value }}). */
  description: string;
  /** Why the alert resolved, in the rule's own words (shown in resolved notifications). */
  resolved?: string;
  dashboard: DashboardUid;
  comment?: string;
  doc: AlertDoc;
}

export interface RuleGroup<R> {
  name: string;
  /** Evaluation interval of the group; omitted = the global one. */
  interval?: string;
  comment?: string;
  rules: R[];
}

/** One rule file of observability/prometheus/rules/. */
export interface RuleFile<R> {
  file: string;
  /** The file's opening comment (after the generated header). */
  comment: string;
  groups: Array<RuleGroup<R>>;
}
