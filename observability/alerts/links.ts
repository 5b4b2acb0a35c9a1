/**
 * The two links every alert carries, each built from one pattern here and nowhere else.
 *
 * Rules carry relative references, never a host: `runbook_url` is the runbook's file name (relative
 * to the runbooks' base) and `dashboard_url` the dashboard's path `d/<uid>` (relative to the
 * dashboards' base). The bases are applied once, where a reader gets a link: Alertmanager's messages
 * prefix RUNBOOK_BASE_URL and DASHBOARD_URL (rendered into observability/alertmanager/alertmanager.yml,
 * docs/alerting-pipeline.md), and the live dashboard serves both at its own /runbooks/ and /d/.
 * @see https://github.com/prometheus-operator/kube-prometheus (one runbookURLPattern for all alerts)
 */

/** The generated Grafana dashboards an alert may link to (observability/grafana/src builds them). */
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

/** The rule's `runbook_url`: relative to RUNBOOK_BASE_URL. */
export function runbookUrl(alert: string): string {
  return runbookFile(alert);
}

/** The rule's `dashboard_url`: relative to DASHBOARD_URL (Grafana's and the live dashboard's /d/<uid>). */
export function dashboardUrl(uid: DashboardUid): string {
  return `d/${uid}`;
}
