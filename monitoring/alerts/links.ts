/**
 * The two links every alert carries, each built from one pattern here and nowhere else.
 *
 * The rules hold the links as they are reached on the one-command stack (the live dashboard on
 * localhost:3000 serves /d/<uid> and /runbooks/<file>), so Prometheus' and the live dashboard's alert
 * lists can link them as they are. Alert messages re-base them once, in Alertmanager, on
 * DASHBOARD_URL / RUNBOOK_BASE_URL (docs/alerting-pipeline.md): only the part after RULE_LINK_BASE
 * is the alert's own.
 * @see https://github.com/prometheus-operator/kube-prometheus (one runbookURLPattern for all alerts)
 */

/** The base every rule link starts with. */
export const RULE_LINK_BASE = 'http://localhost:3000/';

/** The generated Grafana dashboards an alert may link to (monitoring/grafana/src builds them). */
export const DashboardUid = {
  overview: 'ticketpulse-overview',
  slo: 'ticketpulse-slo',
  saturation: 'ticketpulse-saturation',
} as const;
export type DashboardUid = (typeof DashboardUid)[keyof typeof DashboardUid];

/** Alert name in kebab case, as runbook files are named: AvailabilitySLOFastBurn → availability-slo-fast-burn. */
export function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

/** docs/runbooks/<file>: the runbook of an alert, named after it. */
export function runbookFile(alert: string): string {
  return `${kebab(alert)}.md`;
}

export function runbookUrl(alert: string): string {
  return `${RULE_LINK_BASE}runbooks/${runbookFile(alert)}`;
}

export function dashboardUrl(uid: DashboardUid): string {
  return `${RULE_LINK_BASE}d/${uid}`;
}
