// Renders Prometheus's and Alertmanager's configuration for this machine into the runtime folder,
// through the shared renderers in tools/stack/processes — from the same observability/ files that compose and
// Kubernetes use. Only addresses (and receivers, when no real ones are configured) change.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeAlertmanagerConfig } from '../../apps/alertmanager-config/alertmanager-config.js';
import { writePrometheusConfig } from './processes/prometheus-config.js';

type Env = Record<string, string | undefined>;

export interface LocalAddresses {
  host: string;
  apiPort: number;
  /** Where each API replica listens (Prometheus scrapes every one); default: the API port itself. */
  apiReplicaPorts?: number[];
  prometheusPort: number;
  /** Undefined when Alertmanager is not available: Prometheus then runs without an alerting section. */
  alertmanagerPort?: number;
  sinkSmtpPort: number;
  sinkHttpPort: number;
  dashboardPort: number;
}

/** Ports of the exporters this run starts (undefined: not running, so not scraped). */
export interface ExporterPorts {
  postgres?: number;
  node?: number;
  blackbox?: number;
}

export interface Receivers {
  /** Where email notifications go, e.g. "local sink (SMTP 127.0.0.1:1025)" or "smtp.example.com:587". */
  email: string;
  discord: string;
}

const set = (env: Env, name: string) => env[name] !== undefined && env[name]!.trim() !== '';

/**
 * The environment Alertmanager's renderer reads: the user's real receivers when set (alerts must go
 * where they asked), otherwise the local sink on the ports chosen for this run.
 */
export function alertmanagerEnv(env: Env, addresses: LocalAddresses): { env: Env; receivers: Receivers } {
  const result: Env = { ...env };
  const { host } = addresses;
  const sinkUrl = `http://${host}:${addresses.sinkHttpPort}`;
  let email: string;
  if (set(env, 'SMTP_SMARTHOST')) {
    email = `${env.ALERT_EMAIL_TO ?? 'ALERT_EMAIL_TO unset'} via ${env.SMTP_SMARTHOST}`;
  } else {
    result.SMTP_SMARTHOST = `${host}:${addresses.sinkSmtpPort}`;
    // The sink speaks plain SMTP; a local smarthost is never worth TLS.
    result.SMTP_REQUIRE_TLS = 'false';
    email = `local sink (SMTP ${host}:${addresses.sinkSmtpPort})`;
  }
  let discord: string;
  if (set(env, 'DISCORD_WEBHOOK_URL') || set(env, 'DISCORD_WEBHOOK_URL_FILE')) {
    discord = 'your Discord webhook';
  } else {
    result.DISCORD_WEBHOOK_URL = `${sinkUrl}/discord/webhook`;
    discord = `local sink (${sinkUrl}/discord/webhook)`;
  }
  if (!set(env, 'DASHBOARD_URL')) result.DASHBOARD_URL = `http://${host}:${addresses.dashboardPort}/`;
  return { env: result, receivers: { email, discord } };
}

export interface RuntimeConfigs {
  prometheusConfig: string;
  alertmanagerConfig?: string;
  receivers?: Receivers;
}

/** Writes prometheus.yml (and alertmanager.yml when Alertmanager runs) into `runtimeDir`. */
export function writeRuntimeConfigs(options: {
  runtimeDir: string;
  addresses: LocalAddresses;
  env: Env;
  exporters?: ExporterPorts;
  scrapeInterval?: string;
  evaluationInterval?: string;
}): RuntimeConfigs {
  const { runtimeDir, addresses } = options;
  const exporters = options.exporters ?? {};
  mkdirSync(runtimeDir, { recursive: true });
  const target = (port: number) => `${addresses.host}:${port}`;
  let alertmanagerConfig: string | undefined;
  let receivers: Receivers | undefined;
  if (addresses.alertmanagerPort !== undefined) {
    const rendered = alertmanagerEnv(options.env, addresses);
    alertmanagerConfig = writeAlertmanagerConfig(join(runtimeDir, 'alertmanager.yml'), rendered.env);
    receivers = rendered.receivers;
  }
  const prometheusConfig = writePrometheusConfig(join(runtimeDir, 'prometheus.yml'), {
    apiTargets: (addresses.apiReplicaPorts ?? [addresses.apiPort]).map(target),
    alertmanagerTargets: addresses.alertmanagerPort === undefined ? [] : [target(addresses.alertmanagerPort)],
    prometheusTarget: target(addresses.prometheusPort),
    postgresExporterTargets: exporters.postgres ? [target(exporters.postgres)] : [],
    nodeExporterTargets: exporters.node ? [target(exporters.node)] : [],
    // Probed through the API port, as a user reaches it (the balancer when there are replicas).
    blackbox: exporters.blackbox
      ? {
          exporter: target(exporters.blackbox),
          probes: [`http://${target(addresses.apiPort)}/readyz`, `http://${target(addresses.apiPort)}/api/concerts?limit=1`],
        }
      : undefined,
    scrapeInterval: options.scrapeInterval,
    evaluationInterval: options.evaluationInterval,
  });
  return { prometheusConfig, alertmanagerConfig, receivers };
}
