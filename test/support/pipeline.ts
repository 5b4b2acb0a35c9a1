/**
 * The alerting pipeline harness: real Prometheus (shipped rules) + Alertmanager (shipped template)
 * pointed at the local sink, and steady traffic against API replicas. Used by
 * test/observability/pipeline-e2e.test.ts (with documented, shortened overrides) and by
 * bench/time-to-detect.ts (with the shipped timings).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChaosInput } from '../../packages/contract/index.js';
export { startTraffic, type Traffic, type TrafficOptions } from '../../tools/stack/traffic.js';
import type { Traffic } from '../../tools/stack/traffic.js';
import { writeAlertmanagerConfig } from '../../apps/alertmanager-config/alertmanager-config.js';
import { startAlertmanager, type AlertmanagerProcess } from '../../tools/stack/processes/alertmanager-process.js';
import { writePrometheusConfig } from '../../tools/stack/processes/prometheus-config.js';
import { pickFreePort, startPrometheus, type PrometheusProcess } from '../../tools/stack/processes/prometheus-process.js';
import type { Sink, SinkMessage } from '../../apps/sink/sink.js';

/** The API's defaults (CHAOS_FAILURE_RATE=0.02, latency 5..150 ms): "nominal" traffic. */
export const NOMINAL_CHAOS: ChaosInput = { failureRate: 0.02, latencyMs: { min: 5, max: 150 } };
/** A hard failure fault: half of all purchases fail with 502. */
export const FAILURE_CHAOS: ChaosInput = { failureRate: 0.5, latencyMs: { min: 5, max: 150 } };
/** A latency fault: every request takes 0.6–0.9 s, well over the 0.5 s p95 limit. */
export const LATENCY_CHAOS: ChaosInput = { failureRate: 0.02, latencyMs: { min: 600, max: 900 } };

// ---------------------------------------------------------------------------------------------
// Prometheus + Alertmanager pointed at the API and the sink

export interface MonitoringOptions {
  /** Env for renderAlertmanagerConfig (e.g. ALERTMANAGER_GROUP_WAIT); the sink addresses are added. */
  alertmanagerEnv?: Record<string, string>;
  /** renderPrometheusConfig overrides (shipped: 5s / 5s). */
  scrapeInterval?: string;
  evaluationInterval?: string;
}

export interface Monitoring {
  prometheus: PrometheusProcess;
  alertmanager: AlertmanagerProcess;
  stop(): Promise<void>;
}

/** Fresh Prometheus (project rules) and Alertmanager (project config → sink) for these API targets. */
export async function startMonitoring(apiTargets: string[], sink: Sink, options: MonitoringOptions = {}): Promise<Monitoring> {
  const dir = mkdtempSync(join(tmpdir(), 'tp-pipeline-'));
  const alertmanagerConfig = writeAlertmanagerConfig(join(dir, 'alertmanager.yml'), {
    ...options.alertmanagerEnv,
    SMTP_SMARTHOST: sink.smtpSmarthost,
    SMTP_REQUIRE_TLS: 'false',
    DISCORD_WEBHOOK_URL: `${sink.discordWebhookUrl}/pipeline/token`,
  });
  let alertmanager: AlertmanagerProcess | undefined;
  let prometheus: PrometheusProcess | undefined;
  try {
    alertmanager = await startAlertmanager({ configFile: alertmanagerConfig });
    const promPort = await pickFreePort();
    const prometheusConfig = writePrometheusConfig(join(dir, 'prometheus.yml'), {
      apiTargets,
      alertmanagerTargets: [`127.0.0.1:${alertmanager.port}`],
      prometheusTarget: `127.0.0.1:${promPort}`,
      scrapeInterval: options.scrapeInterval,
      evaluationInterval: options.evaluationInterval,
    });
    prometheus = await startPrometheus({ configFile: prometheusConfig, port: promPort });
  } catch (error) {
    await alertmanager?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const am = alertmanager;
  const prom = prometheus;
  return {
    prometheus: prom,
    alertmanager: am,
    async stop() {
      await Promise.allSettled([prom.stop(), am.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Message predicates shared with the end-to-end test

/** A FIRING notification about `alertname` on `kind`. */
export const firing = (alertname: string, kind: SinkMessage['kind']) => (m: SinkMessage) =>
  m.accepted && m.kind === kind && m.subject.startsWith('[FIRING') && new RegExp(`\\b${alertname}\\b`).test(m.subject);
/** A RESOLVED notification about `alertname` on `kind`. */
export const resolvedMsg = (alertname: string, kind: SinkMessage['kind']) => (m: SinkMessage) =>
  m.accepted && m.kind === kind && m.subject.startsWith('[RESOLVED]') && new RegExp(`\\b${alertname}\\b`).test(m.subject);
/** Any page (a FIRING notification with severity page). */
export const isPage = (m: SinkMessage) => m.subject.startsWith('[FIRING') && / PAGE /.test(m.subject);


// ---------------------------------------------------------------------------------------------
// Waiting for notifications, and saying why when they do not come

/** What to read when a notification does not come: is every piece still alive, what does Prometheus see? */
export async function diagnose(monitoring: Monitoring, traffic?: Traffic): Promise<string> {
  const alive = async (url: string) => fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
  const prometheusAlive = await alive(monitoring.prometheus.url);
  const alerts = prometheusAlive
    ? (await monitoring.prometheus.alerts().catch(() => [])).map((a) => `${a.labels.alertname}:${a.state}`).join(', ')
    : '(Prometheus down)';
  return [
    `Prometheus ${prometheusAlive ? 'up' : 'DOWN'}, Alertmanager ${monitoring.alertmanager.running() ? 'running' : 'EXITED'}`,
    `(on a shared machine, .ci/run's \`pkill -x prometheus|prometheus-alertmanager\` kills every copy)`,
    `Prometheus alerts: ${alerts}`,
    ...(traffic ? [`traffic: ${JSON.stringify(traffic.counts())}`] : []),
    `Alertmanager log: ${monitoring.alertmanager.recentLogs().slice(-3).join(' | ')}`,
  ].join('\n');
}

export interface NotificationWait {
  sink: Sink;
  monitoring: Monitoring;
  traffic?: Traffic;
}

/** One message per channel matching `predicate(channel)`, or an error that carries diagnose(). */
export async function waitForEach(
  { sink, monitoring, traffic }: NotificationWait,
  channels: readonly SinkMessage['kind'][],
  predicate: (kind: SinkMessage['kind']) => (m: SinkMessage) => boolean,
  timeoutMs: number,
  what: string,
): Promise<SinkMessage[]> {
  try {
    return await Promise.all(channels.map((kind) => sink.waitFor(predicate(kind), timeoutMs)));
  } catch (error) {
    throw new Error(`${what}: ${(error as Error).message}\n${await diagnose(monitoring, traffic)}`);
  }
}
