// The Prometheus job names the shipped configuration scrapes (observability/prometheus/prometheus.yml),
// fixed: dashboards, rules, alerts, reports and the rendered configs select series by them.
export const PrometheusJob = {
  api: 'ticketpulse-api',
  alertmanager: 'alertmanager',
  prometheus: 'prometheus',
  postgres: 'postgres',
  node: 'node',
  blackbox: 'blackbox',
} as const;

export const API_JOB = PrometheusJob.api;

/** The PromQL label matcher for the API's series, e.g. `up{job="ticketpulse-api"}`. */
export const API_JOB_SELECTOR = `job="${API_JOB}"`;
