// Watches a running scenario from outside, as an on-call engineer would: Prometheus's alert states
// (pending / firing / gone) and the notifications that reached the sink, each with the time it was
// first seen, and — given Alertmanager — which alert held which back (an inhibition: it fired, and
// nobody was told). Polls once a second: the verdict's times are therefore good to about a second.
import { createPrometheusClient, type PrometheusClient } from '../../packages/shared/prometheus-client.js';
import type { Channel } from './schema.js';
import { HEARTBEAT_SEVERITY } from '../../observability/alerts/rules.js';
import { AFTERMATH_ALERT } from '../../observability/alerts/aftermath.js';
import type { AmAlert } from '../stack/processes/alertmanager-process.js';

export type AlertState = 'pending' | 'firing' | 'inactive';

export interface AlertTransition {
  /** Epoch milliseconds. */
  t: number;
  alert: string;
  state: AlertState;
  severity?: string;
}

export interface Notification {
  t: number;
  channel: Channel;
  status: 'firing' | 'resolved';
  /** Alert names the subject mentions. */
  alerts: string[];
  subject: string;
}


interface SinkMessage {
  id: number;
  kind: Channel;
  receivedAt: string;
  subject: string;
  accepted: boolean;
}

export interface ObserverTargets {
  prometheusUrl: string;
  sinkUrl?: string;
  alertmanagerUrl?: string;
}

/** How an inhibiting alert is named in the report: IncidentAftermath speaks for its cause. */
function inhibitorName(alert: AmAlert): string {
  const name = alert.labels.alertname ?? '?';
  return name === AFTERMATH_ALERT && alert.labels.cause ? `${alert.labels.cause} (aftermath)` : name;
}

/** From one answer of Alertmanager's GET /api/v2/alerts: each inhibited alert name → the names of what inhibits it. */
export function inhibitionsIn(alerts: AmAlert[]): Map<string, Set<string>> {
  const byFingerprint = new Map(alerts.map((alert) => [alert.fingerprint, alert]));
  const held = new Map<string, Set<string>>();
  for (const alert of alerts) {
    const name = alert.labels.alertname;
    if (!name || alert.status.inhibitedBy.length === 0) continue;
    const by = held.get(name) ?? new Set<string>();
    for (const fingerprint of alert.status.inhibitedBy) {
      const source = byFingerprint.get(fingerprint);
      if (source) by.add(inhibitorName(source));
    }
    held.set(name, by);
  }
  return held;
}

/** `[FIRING:2] DatabaseUnreachable PAGE (…)` → the alert names it carries (CamelCase words, as the rules name them). */
export function alertNamesIn(subject: string, known: Iterable<string>): string[] {
  return [...new Set(known)].filter((name) => new RegExp(`\\b${name}\\b`).test(subject));
}

export class Observer {
  readonly transitions: AlertTransition[] = [];
  readonly notifications: Notification[] = [];
  /** Every alert name seen, with its severity. */
  readonly severities = new Map<string, string>();
  /** Alerts Alertmanager held back at some point, with what held them (only with alertmanagerUrl). */
  readonly heldBack = new Map<string, Set<string>>();
  private readonly current = new Map<string, AlertState>();
  private seenMessageIds = new Set<number>();
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  pollErrors = 0;
  /** Failed reads of Alertmanager: the held-back record may miss an inhibition, nothing else. */
  alertmanagerErrors = 0;
  lastPollError?: string;
  private readonly prometheus: PrometheusClient;

  constructor(
    private readonly targets: ObserverTargets,
    /** Alert names worth finding in notification subjects besides the ones seen in Prometheus. */
    private readonly expectedNames: string[] = [],
  ) {
    this.prometheus = createPrometheusClient(targets.prometheusUrl, { timeoutMs: 5_000 });
  }

  /** Messages already in the sink before the scenario started are not this run's. */
  async start(): Promise<void> {
    if (this.targets.sinkUrl) for (const message of await this.sinkMessages()) this.seenMessageIds.add(message.id);
    await this.poll();
    this.timer = setInterval(() => {
      this.polling ??= this.poll().finally(() => (this.polling = undefined));
    }, 1_000);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.polling;
    await this.poll();
  }

  /** The alerts in a state other than inactive right now. */
  active(): Array<{ alert: string; state: AlertState }> {
    return [...this.current].filter(([, state]) => state !== 'inactive').map(([alert, state]) => ({ alert, state }));
  }

  private async sinkMessages(): Promise<SinkMessage[]> {
    const response = await fetch(`${this.targets.sinkUrl}/api/messages`, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`the sink answered ${response.status} to GET /api/messages`);
    return (await response.json()) as SinkMessage[];
  }

  private async pollAlertmanager(url: string): Promise<void> {
    const response = await fetch(`${url}/api/v2/alerts`, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`Alertmanager answered ${response.status} to GET /api/v2/alerts`);
    for (const [name, by] of inhibitionsIn((await response.json()) as AmAlert[])) {
      const seen = this.heldBack.get(name) ?? new Set<string>();
      for (const source of by) seen.add(source);
      this.heldBack.set(name, seen);
    }
  }

  private async poll(): Promise<void> {
    const t = Date.now();
    try {
      const alerts = await this.prometheus.alerts();
      // One state per alert name: firing when any of its series fires (a crash on one replica is the alert firing).
      const now = new Map<string, AlertState>();
      for (const alert of alerts) {
        const name = alert.labels.alertname!;
        // Not for people: the Watchdog (always firing, the dead man's switch) and IncidentAftermath.
        if (alert.labels.severity === HEARTBEAT_SEVERITY) continue;
        if (alert.labels.severity) this.severities.set(name, alert.labels.severity);
        if (now.get(name) !== 'firing') now.set(name, alert.state);
      }
      for (const name of new Set([...this.current.keys(), ...now.keys()])) {
        const state = now.get(name) ?? 'inactive';
        if ((this.current.get(name) ?? 'inactive') !== state) {
          this.transitions.push({ t, alert: name, state, severity: this.severities.get(name) });
          this.current.set(name, state);
        }
      }
      // Alertmanager only adds the "held back by" column: a failed read of it must not cost a poll.
      if (this.targets.alertmanagerUrl) await this.pollAlertmanager(this.targets.alertmanagerUrl).catch(() => this.alertmanagerErrors++);
      if (this.targets.sinkUrl) {
        const known = [...this.severities.keys(), ...this.expectedNames];
        for (const message of await this.sinkMessages()) {
          if (this.seenMessageIds.has(message.id) || !message.accepted) continue;
          this.seenMessageIds.add(message.id);
          const status = message.subject.startsWith('[RESOLVED') ? 'resolved' : 'firing';
          this.notifications.push({ t: Date.parse(message.receivedAt), channel: message.kind, status, alerts: alertNamesIn(message.subject, known), subject: message.subject });
        }
      }
    } catch (error) {
      this.pollErrors++;
      this.lastPollError = (error as Error).message;
    }
  }
}
