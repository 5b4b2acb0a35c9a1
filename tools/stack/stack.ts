// The one-command stack: starts the API, the notification sink, the live dashboard, Prometheus and
// Alertmanager as supervised children on this machine, waits until each is healthy, and reports
// what runs where. Used by `npm start` (cli.ts) and `npm run demo` (demo.ts).
//
// Why children and not one process: each part is the same program that runs in compose and
// Kubernetes (apps/api/server.ts, apps/sink/cli.ts, apps/dashboard/server.ts, the real binaries),
// so a local run exercises exactly what ships; and one part dying (or being killed to stage an
// outage) leaves the others — and the monitoring of that death — running.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BinaryNotFoundError, installHint, locateBinary, type MonitoringBinary } from './processes/binaries.js';
import { startBlackboxExporter, startNodeExporter, startPostgresExporter } from './processes/exporter-process.js';
import { startAlertmanager } from './processes/alertmanager-process.js';
import { pickFreePort } from './processes/binary-process.js';
import { startPrometheus } from './processes/prometheus-process.js';
import { chaosPresets, describeChaos } from '../../packages/contract/index.js';
import { putChaos } from '../../packages/shared/chaos-client.js';
import { waitForHealthy } from './health-wait.js';
import type { LogStream, Source } from './log-stream.js';
import { UsageError } from '../../packages/shared/usage-error.js';
import { portSettings, type LogLevel, type PortName, type StackOptions } from './options.js';
import { stopLeftovers } from './leftovers.js';
import { findRunningStack, secondStartMessage, StackRunningError } from './running-stack.js';
import { stateFilePath } from './state-file.js';
import { detectAlertmanagerUi, detectPrometheusUi, type AlertmanagerUi, type PrometheusUi } from './web-uis.js';
import { checkPortsFree, type PortClaim } from './port-check.js';
import { writeRuntimeConfigs, type Receivers } from './runtime-configs.js';
import { spawnNodeChild, superviseStartedBinary, type StartedBinary, type SupervisedChild } from './supervised-process.js';
import { formatUrlTable, type TableRow } from './url-table.js';
import { repoRoot } from '../../packages/shared/repo-root.js';


type Env = Record<string, string | undefined>;

/** The exporters, by part name (short: log prefixes are 12 characters wide) and binary. */
const EXPORTERS = {
  'pg-exporter': 'postgres_exporter',
  'nd-exporter': 'node_exporter',
  'bb-exporter': 'blackbox_exporter',
} as const satisfies Record<string, MonitoringBinary>;
type ExporterPart = keyof typeof EXPORTERS;
const EXPORTER_PARTS = Object.keys(EXPORTERS) as ExporterPart[];

/** The long-running parts, in the order the table lists them. */
export const PART_NAMES = ['api', 'dashboard', 'prometheus', 'alertmanager', 'sink', ...EXPORTER_PARTS] as const;
export type PartName = (typeof PART_NAMES)[number];

export type PartState = 'starting' | 'running' | 'missing' | 'failed' | 'exited' | 'stopped';

export interface Part {
  name: PartName | 'load';
  state: PartState;
  url?: string;
  /** Why it is not running (missing binary, failed health check, exit). */
  reason?: string;
  child?: SupervisedChild;
  /** A monitoring binary's pid from its spawn on, before it is ready and has a `child`. */
  pid?: number;
}

/** What is lost when a part is not running — said whenever one is missing or dies. */
const IMPACT: Record<PartName, string> = {
  api: 'no tickets can be bought; the dashboard keeps showing what Prometheus saw, and ApiDown fires',
  dashboard: "no live dashboard; Prometheus's own pages still show everything",
  prometheus: 'no metrics are collected and no alerts fire; the dashboard graphs stay empty',
  alertmanager: "alerts still show on Prometheus's alerts page but no notification is sent",
  sink: 'notifications to the local sink are lost (real receivers, if configured, still get them)',
  'pg-exporter': 'no database metrics (connections, locks, transactions); the database alerts stay silent',
  'nd-exporter': 'no host metrics (CPU, memory, disk, network); the host alerts stay silent',
  'bb-exporter': 'no probes from outside the API; the probe alerts stay silent',
};

const TITLES: Record<PartName | 'load', string> = {
  api: 'API',
  dashboard: 'live dashboard',
  prometheus: 'Prometheus',
  alertmanager: 'Alertmanager',
  sink: 'notification sink',
  'pg-exporter': 'postgres_exporter',
  'nd-exporter': 'node_exporter',
  'bb-exporter': 'blackbox_exporter',
  load: 'load scenario',
};

function binaryLogLevel(level: LogLevel): string {
  if (level === 'debug' || level === 'trace') return 'debug';
  if (level === 'info') return 'info';
  if (level === 'warn') return 'warn';
  return 'error';
}

/** A missing tool as one line: what, how to install it here, and the override variable. */
export function missingBinaryLine(binary: MonitoringBinary, error: BinaryNotFoundError): string {
  const hint = installHint(binary);
  return error.message.includes(hint) ? error.message : `${error.message}; install: ${hint}`;
}

export interface StackEvents {
  /** A part stopped on its own after start-up. */
  onPartExit?: (part: Part) => void;
  /** Every long-running part is gone: nothing left to supervise. */
  onAllGone?: () => void;
}

export class Stack {
  readonly adminToken: string;
  readonly parts = new Map<PartName | 'load', Part>();
  receivers?: Receivers;
  /** What the installed Prometheus and Alertmanager serve, known once they run. */
  readonly webUis: { prometheus?: PrometheusUi; alertmanager?: AlertmanagerUi } = {};
  /** Recorded in stack.json, so a second command can name what runs. */
  command = 'npm start';
  /** Only the stack that got past the checks writes stack.json: a refused second start leaves it alone. */
  private ownsStateFile = false;
  private stopping = false;
  /** Where start() is, for a message when a start takes too long. */
  startStage = 'not started';
  private stopped?: Promise<void>;
  private readonly urlHost: string;
  private exporterPorts: Partial<Record<ExporterPart, number>> = {};
  /** Each API replica's own address (what Prometheus scrapes; the API URL is the balancer's). */
  apiReplicaUrls: string[] = [];

  constructor(
    readonly options: StackOptions,
    private readonly env: Env,
    private readonly log: LogStream,
    private readonly events: StackEvents = {},
  ) {
    const token = env.ADMIN_TOKEN?.trim();
    if (token !== undefined && token !== '' && token.length < 8) {
      throw new UsageError('ADMIN_TOKEN must be at least 8 characters long');
    }
    // A fresh random token per run when none is given: the admin API is never open by default.
    this.adminToken = token || randomBytes(18).toString('base64url');
    this.urlHost = options.host;
  }

  url(port: PortName, path = ''): string {
    return `http://${this.urlHost}:${this.options.ports[port]}${path}`;
  }

  get apiUrl(): string {
    return this.url('api');
  }

  get prometheusUrl(): string {
    return this.url('prometheus');
  }

  get sinkUrl(): string {
    return this.url('sinkHttp');
  }

  /** Every running child, for tests and the state file. */
  children(): SupervisedChild[] {
    return [...this.parts.values()].flatMap((part) => (part.child ? [part.child] : []));
  }

  private locate(binary: 'prometheus' | 'alertmanager'): string | undefined {
    return this.locateFor(binary, binary);
  }

  private locateFor(part: PartName, binary: MonitoringBinary): string | undefined {
    try {
      return locateBinary(binary, this.env as NodeJS.ProcessEnv);
    } catch (error) {
      if (!(error instanceof BinaryNotFoundError)) throw error;
      const line = missingBinaryLine(binary, error);
      this.parts.set(part, { name: part, state: 'missing', reason: `${binary} not found (see the install line above)` });
      this.log.info(`${binary} is not installed, starting without it: ${line}`);
      return undefined;
    }
  }

  /**
   * Starts everything; resolves once every part is healthy or known not to run. Throws (before
   * spawning anything) on a taken port or a bad configuration value.
   */
  async start(): Promise<void> {
    const { options } = this;
    this.startStage = 'locating the binaries, checking the ports';
    const prometheusBin = this.locate('prometheus');
    const alertmanagerBin = this.locate('alertmanager');
    const usesPostgres = Boolean(this.env.DATABASE_URL?.trim());
    // The database exporter only where there is a database server to watch (not PGlite).
    const exporterBins = Object.fromEntries(
      EXPORTER_PARTS.filter((part) => part !== 'pg-exporter' || usesPostgres).flatMap((part) => {
        const binary = this.locateFor(part, EXPORTERS[part]);
        return binary ? [[part, binary]] : [];
      }),
    ) as Partial<Record<ExporterPart, string>>;
    // Free ports, not the conventional 9187/9100/9115: Debian's packages start system services there.
    const exporterPorts = Object.fromEntries(
      await Promise.all(Object.keys(exporterBins).map(async (part) => [part, await pickFreePort(options.host)] as const)),
    ) as Partial<Record<ExporterPart, number>>;
    this.exporterPorts = exporterPorts;

    const claims: PortClaim[] = [];
    const claim = (name: PortName) => {
      const setting = portSettings[name];
      claims.push({ service: setting.service, port: options.ports[name], override: `--${setting.flag} or ${setting.env}` });
    };
    (['api', 'dashboard', 'sinkSmtp', 'sinkHttp'] as const).forEach(claim);
    if (prometheusBin) claim('prometheus');
    if (alertmanagerBin) claim('alertmanager');
    const running = findRunningStack(options.runtimeDir, options.dataDir);
    if (running) throw new StackRunningError(secondStartMessage(running), running);
    const leftovers = await stopLeftovers(options.runtimeDir);
    if (leftovers.length) this.log.info(`stopped what a previous, killed run left behind: ${leftovers.join(', ')}`);
    await checkPortsFree(options.host, claims);
    this.ownsStateFile = true;

    // Each replica's own port, for Prometheus to scrape; the API port itself is the balancer's.
    const apiReplicaPorts = await Promise.all(Array.from({ length: options.replicas }, () => pickFreePort(options.host)));
    this.apiReplicaUrls = apiReplicaPorts.map((port) => `http://${this.urlHost}:${port}`);
    const configs = writeRuntimeConfigs({
      runtimeDir: options.runtimeDir,
      env: this.env,
      addresses: {
        host: options.host,
        apiPort: options.ports.api,
        apiReplicaPorts,
        prometheusPort: options.ports.prometheus,
        alertmanagerPort: alertmanagerBin ? options.ports.alertmanager : undefined,
        sinkSmtpPort: options.ports.sinkSmtp,
        sinkHttpPort: options.ports.sinkHttp,
        dashboardPort: options.ports.dashboard,
      },
      exporters: {
        postgres: exporterPorts['pg-exporter'],
        node: exporterPorts['nd-exporter'],
        blackbox: exporterPorts['bb-exporter'],
      },
      scrapeInterval: options.scrapeInterval,
      evaluationInterval: options.evaluationInterval,
    });
    this.receivers = configs.receivers;

    const common = { ...this.env, LOG_LEVEL: options.logLevel } as NodeJS.ProcessEnv;
    const starts: Array<Promise<void>> = [];
    this.startStage = 'starting the parts';

    starts.push(
      this.startNodePart('sink', 'apps/sink/cli.ts', '/api/messages', {
        ...common,
        SINK_HOST: options.host,
        SINK_SMTP_PORT: String(options.ports.sinkSmtp),
        SINK_HTTP_PORT: String(options.ports.sinkHttp),
      }),
    );
    starts.push(
      // The replica runner: N × apps/api/server.ts behind the API port, a crashed one restarted.
      this.startNodePart('api', 'tools/stack/api-replicas.ts', '/readyz', {
        ...common,
        HOST: options.host,
        PORT: String(options.ports.api),
        API_REPLICA_PORTS: apiReplicaPorts.join(','),
        ADMIN_TOKEN: this.adminToken,
        // On PostgreSQL a staged database outage then cuts real connections (docs/faults.md).
        ...(usesPostgres ? { DATABASE_FAULT_PROXY: this.env.DATABASE_FAULT_PROXY ?? 'true' } : { DATA_DIR: join(options.dataDir, 'pglite') }),
        // Ctrl-C should take seconds, not the API's 10 s production drain budget.
        SHUTDOWN_TIMEOUT_MS: this.env.SHUTDOWN_TIMEOUT_MS ?? '3000',
      }),
    );
    starts.push(
      this.startNodePart('dashboard', 'apps/dashboard/server.ts', '/healthz', {
        ...common,
        DASHBOARD_HOST: options.host,
        DASHBOARD_PORT: String(options.ports.dashboard),
        PROMETHEUS_URL: this.url('prometheus'),
        ALERTMANAGER_URL: this.url('alertmanager'),
        API_URL: this.apiUrl,
        ADMIN_TOKEN: this.adminToken,
      }),
    );
    if (prometheusBin) {
      starts.push(
        this.startBinaryPart('prometheus', (onSpawn) =>
          startPrometheus({
            onSpawn,
            binary: prometheusBin,
            configFile: configs.prometheusConfig,
            host: options.host,
            port: options.ports.prometheus,
            dataDir: join(options.dataDir, 'prometheus'),
            extraArgs: [`--log.level=${binaryLogLevel(options.logLevel)}`],
            onLog: (line) => this.log.line('prometheus', line),
            readyTimeoutMs: options.startTimeoutMs,
          }),
        ),
      );
    }
    if (alertmanagerBin && configs.alertmanagerConfig) {
      starts.push(
        this.startBinaryPart('alertmanager', (onSpawn) =>
          startAlertmanager({
            onSpawn,
            binary: alertmanagerBin,
            configFile: configs.alertmanagerConfig!,
            host: options.host,
            port: options.ports.alertmanager,
            dataDir: join(options.dataDir, 'alertmanager'),
            extraArgs: [`--log.level=${binaryLogLevel(options.logLevel)}`],
            onLog: (line) => this.log.line('alertmanager', line),
            readyTimeoutMs: options.startTimeoutMs,
          }),
        ),
      );
    }
    for (const part of EXPORTER_PARTS) {
      const binary = exporterBins[part];
      if (!binary) continue;
      const exporterOptions = {
        binary,
        host: options.host,
        port: exporterPorts[part],
        onLog: (line: string) => this.log.line(part, line),
        readyTimeoutMs: options.startTimeoutMs,
        extraArgs: [`--log.level=${binaryLogLevel(options.logLevel)}`],
      };
      starts.push(
        this.startBinaryPart(part, (onSpawn) =>
          part === 'pg-exporter'
            ? startPostgresExporter({ ...exporterOptions, onSpawn, databaseUrl: this.env.DATABASE_URL!.trim() })
            : part === 'nd-exporter'
              ? startNodeExporter({ ...exporterOptions, onSpawn })
              : startBlackboxExporter({ ...exporterOptions, onSpawn }),
        ),
      );
    }
    await Promise.all(starts);
    if (this.stopping) return;
    this.startStage = 'detecting the web UIs';
    await this.detectWebUis();
    this.startStage = 'applying --chaos and --load';

    const api = this.parts.get('api');
    if (api?.state === 'running') {
      if (options.chaos) {
        try {
          const settings = await putChaos(this.apiUrl, this.adminToken, chaosPresets[options.chaos]);
          this.log.info(`chaos preset "${options.chaos}": ${describeChaos(settings)}`);
        } catch (error) {
          this.log.info(`could not apply chaos preset "${options.chaos}": ${(error as Error).message}`);
        }
      }
      if (options.load) this.startLoad();
    } else if (options.chaos || options.load) {
      this.log.info('the API is not running: --chaos and --load are skipped');
    }
    this.writeStateFile();
    this.watchForExits();
    this.startStage = 'started';
  }

  private async startNodePart(name: 'api' | 'dashboard' | 'sink', file: string, healthPath: string, env: NodeJS.ProcessEnv): Promise<void> {
    const part: Part = { name, state: 'starting', url: this.partUrl(name) };
    this.parts.set(name, part);
    if (this.stopping) return;
    const child = spawnNodeChild({
      name,
      file: join(repoRoot, file),
      env,
      cwd: repoRoot,
      onLine: (line) => this.log.line(name, line),
    });
    part.child = child;
    const port = name === 'sink' ? this.options.ports.sinkHttp : this.options.ports[name];
    try {
      await waitForHealthy(child, `http://${this.urlHost}:${port}${healthPath}`, this.options.startTimeoutMs);
      part.state = 'running';
    } catch (error) {
      part.state = 'failed';
      part.reason = (error as Error).message;
      if (!this.stopping) this.reportFailure(part);
      await child.stop(this.options.stopTimeoutMs);
    }
  }

  private async startBinaryPart(
    name: 'prometheus' | 'alertmanager' | ExporterPart,
    start: (onSpawn: (pid: number) => void) => Promise<StartedBinary>,
  ): Promise<void> {
    const part: Part = { name, state: 'starting', url: this.partUrl(name) };
    this.parts.set(name, part);
    if (this.stopping) return;
    try {
      const handle = await start((pid) => {
        part.pid = pid;
      });
      part.pid = undefined;
      part.child = superviseStartedBinary(name, handle);
      part.state = 'running';
      if (this.stopping) await part.child.stop(this.options.stopTimeoutMs);
    } catch (error) {
      // The starter has seen it exit, or stopped it: its pid may now be someone else's, never to be killed.
      part.pid = undefined;
      part.state = 'failed';
      // The starters put the last log lines in the message already.
      part.reason = (error as Error).message.split('\n')[0];
      if (!this.stopping) {
        this.log.info(`${name} did not start: ${(error as Error).message}`);
        this.log.info(`without ${TITLES[name]}: ${IMPACT[name]}`);
      }
    }
  }

  private startLoad(): void {
    const load = this.options.load!;
    const args = ['--shape', load.shape, '--duration', load.duration, '--host', this.apiUrl];
    if (load.users !== undefined) args.push('--users', String(load.users));
    const child = spawnNodeChild({
      name: 'load',
      file: join(repoRoot, 'tools/load/cli.ts'),
      args,
      env: { ...this.env, API_URL: this.apiUrl, PROMETHEUS_URL: this.prometheusUrl, ADMIN_TOKEN: this.adminToken } as NodeJS.ProcessEnv,
      cwd: repoRoot,
      onLine: (line) => this.log.line('load', line),
    });
    this.parts.set('load', { name: 'load', state: 'running', child });
    this.log.info(`load scenario "${load.shape}" for ${load.duration} started (pid ${child.pid})`);
  }

  private async detectWebUis(): Promise<void> {
    const prometheus = this.parts.get('prometheus');
    if (prometheus?.state === 'running') {
      this.webUis.prometheus = await detectPrometheusUi(this.url('prometheus'));
      prometheus.url = this.webUis.prometheus.page('graph');
    }
    const alertmanager = this.parts.get('alertmanager');
    if (alertmanager?.state === 'running') {
      this.webUis.alertmanager = await detectAlertmanagerUi(this.url('alertmanager'));
      alertmanager.url = this.webUis.alertmanager.alertsUrl;
    }
  }

  /** Lines under the table: the Prometheus pages that exist here, and where Alertmanager's alerts show without a UI. */
  private webUiLines(): string[] {
    const lines: string[] = [];
    const prometheus = this.webUis.prometheus;
    if (prometheus && prometheus.kind !== 'none') {
      lines.push(`Prometheus pages: alerts ${prometheus.page('alerts')} · targets ${prometheus.page('targets')}`);
    }
    const alertmanager = this.webUis.alertmanager;
    if (alertmanager && !alertmanager.hasUi) {
      lines.push(
        `Alertmanager has no web UI in this build: its alerts are on the live dashboard (${this.url('dashboard', '/')}) and in \`${alertmanager.amtool.alerts}\`; silences: \`${alertmanager.amtool.silences}\``,
      );
    }
    return lines;
  }

  private partUrl(name: PartName): string {
    switch (name) {
      case 'api':
        return this.url('api', '/docs');
      case 'dashboard':
        return this.url('dashboard', '/');
      case 'prometheus':
        return this.url('prometheus', '/');
      case 'alertmanager':
        return this.url('alertmanager', '/');
      case 'sink':
        return this.url('sinkHttp', '/');
      default:
        return `http://${this.urlHost}:${this.exporterPorts[name] ?? 0}/metrics`;
    }
  }

  private reportFailure(part: Part): void {
    this.log.info(`${TITLES[part.name]} did not start: ${part.reason}`);
    const lines = part.child?.recentLogs().slice(-10) ?? [];
    if (lines.length) {
      this.log.info(`last log lines of ${part.name}:`);
      for (const line of lines) this.log.info(`  > ${line}`);
    }
    if (part.name !== 'load') this.log.info(`without the ${TITLES[part.name]}: ${IMPACT[part.name]}`);
  }

  private watchForExits(): void {
    for (const part of this.parts.values()) {
      const child = part.child;
      if (!child || part.state !== 'running') continue;
      void child.exited.then((exit) => {
        if (this.stopping) return;
        const how = exit.signal ? `signal ${exit.signal}` : exit.code === null ? 'exited' : `exit code ${exit.code}`;
        if (part.name === 'load' && exit.code === 0) {
          part.state = 'stopped';
          this.log.info('the load scenario finished (its run folder is under runs/)');
          return;
        }
        part.state = 'exited';
        part.reason = `stopped unexpectedly (${how})`;
        this.log.info(`${TITLES[part.name]} (pid ${child.pid}) stopped unexpectedly (${how}); its last log lines:`);
        for (const line of child.recentLogs().slice(-10)) this.log.info(`  > ${line}`);
        if (part.name !== 'load') this.log.info(`without the ${TITLES[part.name]}: ${IMPACT[part.name]}`);
        this.log.info(this.whatStillWorks());
        this.writeStateFile();
        this.events.onPartExit?.(part);
        if (!this.anythingRunning()) this.events.onAllGone?.();
      });
    }
  }

  anythingRunning(): boolean {
    return PART_NAMES.some((name) => this.parts.get(name)?.state === 'running');
  }

  /** Parts this run needs: an exporter that does not apply (postgres_exporter on PGlite) is not one. */
  private neededParts(): PartName[] {
    return PART_NAMES.filter((name) => this.parts.has(name) || !(EXPORTER_PARTS as readonly string[]).includes(name));
  }

  /** True when every part this run needs is running. */
  everythingRunning(): boolean {
    return this.neededParts().every((name) => this.parts.get(name)?.state === 'running');
  }

  /** "still running: …; not running: …" */
  whatStillWorks(): string {
    const running: string[] = [];
    const down: string[] = [];
    for (const name of this.neededParts()) {
      const part = this.parts.get(name);
      if (part?.state === 'running') running.push(`${TITLES[name]} ${part.url}`);
      else down.push(TITLES[name]);
    }
    return `still running: ${running.join(', ') || 'nothing'}${down.length ? `; not running: ${down.join(', ')}` : ''}`;
  }

  /** The URL table, with each part's pid or why it is not running. */
  table(): string {
    const rows: TableRow[] = [];
    const row = (label: string, name: PartName, extra = '') => {
      const part = this.parts.get(name);
      const running = part?.state === 'running';
      rows.push({
        label,
        value: `${part?.url ?? this.partUrl(name)}${extra}`,
        status: running ? `pid ${part!.child!.pid}` : `NOT RUNNING: ${part?.reason ?? part?.state ?? 'not started'}`,
        ok: running,
      });
    };
    row('API docs', 'api');
    row('Live dashboard', 'dashboard');
    row('Prometheus', 'prometheus');
    row('Alertmanager', 'alertmanager');
    row('Captured notifications', 'sink');
    rows.push({ label: 'Admin token', value: this.adminToken });
    const footer: string[] = [];
    footer.push(...this.webUiLines());
    if (this.receivers) footer.push(`Alerts go to: email → ${this.receivers.email}; Discord → ${this.receivers.discord}`);
    footer.push(
      `Database: ${this.env.DATABASE_URL?.trim() ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${join(this.options.dataDir, 'pglite')}`}; configs in ${this.options.runtimeDir}`,
    );
    const exporters = EXPORTER_PARTS.flatMap((name) => {
      const part = this.parts.get(name);
      if (!part) return [];
      return [`${TITLES[name]} ${part.state === 'running' ? part.url : `NOT RUNNING (${part.reason ?? part.state})`}`];
    });
    if (exporters.length) footer.push(`Exporters: ${exporters.join('; ')}`);
    if (this.options.replicas > 1) footer.push(`API: ${this.options.replicas} replicas behind ${this.apiUrl}, each restarted when it crashes`);
    const load = this.parts.get('load');
    if (load?.child) footer.push(`Load: ${this.options.load!.shape} for ${this.options.load!.duration} (pid ${load.child.pid})`);
    footer.push('Ctrl-C stops everything.');
    return formatUrlTable(rows, this.log.colour, footer);
  }

  /** <runtime>/stack.json: urls, pids and states (never the token), for scripts and troubleshooting. */
  private writeStateFile(): void {
    if (!this.ownsStateFile) return;
    const state = {
      supervisorPid: process.pid,
      command: this.command,
      parts: Object.fromEntries(
        [...this.parts.values()].map((part) => [
          part.name,
          { state: part.state, url: part.url, pid: part.child?.pid, reason: part.reason },
        ]),
      ),
    };
    mkdirSync(this.options.runtimeDir, { recursive: true });
    writeFileSync(stateFilePath(this.options.runtimeDir), `${JSON.stringify(state, null, 2)}\n`);
  }

  /** Stops every child (in parallel), SIGKILL after the timeout; safe to call at any time, repeatedly. */
  stop(): Promise<void> {
    if (this.stopped) return this.stopped;
    this.stopping = true;
    this.stopped = (async () => {
      const children = this.children().filter((child) => child.running());
      await Promise.all(children.map((child) => child.stop(this.options.stopTimeoutMs)));
      for (const part of this.parts.values()) if (part.state === 'running' || part.state === 'starting') part.state = 'stopped';
      try {
        this.writeStateFile();
      } catch {
        // the data dir may be gone (a test cleaned up); nothing to record then
      }
    })();
    return this.stopped;
  }

  /**
   * Kill everything now (second Ctrl-C, a start past its deadline): every child, and every binary
   * spawned but not yet ready; whatever is still to start is not started.
   */
  killNow(): void {
    this.stopping = true;
    const kill = (pid: number) => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    };
    for (const part of this.parts.values()) {
      // The binaries are single processes; the Node parts lead process groups of their own.
      const single = ['prometheus', 'alertmanager', ...EXPORTER_PARTS].includes(part.name);
      if (part.child) kill(single ? part.child.pid : -part.child.pid);
      else if (part.pid) kill(part.pid);
    }
  }

  static title(name: Source): string {
    return name in TITLES ? TITLES[name as PartName] : name;
  }
}
