// `npm start` options: flags win over environment variables, which win over the conventional
// defaults. Read once and validated; a bad value is a UsageError whose one-line message names the
// flag or variable.
import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chaosPresetNames, describeChaosPresets, isChaosPresetName, type ChaosPresetName } from '../../packages/contract/index.js';
import { parseDurationSeconds, parseSecondsOrDuration } from '../../packages/shared/durations.js';
import { readOptionalString, type Env } from '../../packages/shared/env.js';
import { UsageError } from '../../packages/shared/usage-error.js';
import { SHAPES as LOAD_SHAPES, type ShapeName as LoadShape } from '../load/shapes.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Every port the stack opens, with its flag, its variable and its conventional default. */
export const portSettings = {
  api: { flag: 'api-port', env: 'API_PORT', fallbackEnv: 'PORT', default: 8080, service: 'API' },
  dashboard: { flag: 'dashboard-port', env: 'DASHBOARD_PORT', default: 3000, service: 'live dashboard' },
  prometheus: { flag: 'prometheus-port', env: 'PROMETHEUS_PORT', default: 9090, service: 'Prometheus' },
  alertmanager: { flag: 'alertmanager-port', env: 'ALERTMANAGER_PORT', default: 9093, service: 'Alertmanager' },
  sinkSmtp: { flag: 'sink-smtp-port', env: 'SINK_SMTP_PORT', default: 1025, service: 'notification sink SMTP' },
  sinkHttp: { flag: 'sink-http-port', env: 'SINK_HTTP_PORT', default: 8025, service: 'notification sink HTTP' },
} as const;
export type PortName = keyof typeof portSettings;

export interface StackOptions {
  /** Every service listens on this address (loopback: nothing is exposed to the network). */
  host: string;
  ports: Record<PortName, number>;
  /** PGlite database, Prometheus TSDB, Alertmanager state, rendered configs. */
  dataDir: string;
  /** Rendered configuration files (default <dataDir>/.runtime). */
  runtimeDir: string;
  load?: { shape: LoadShape; duration: string; users?: number };
  chaos?: ChaosPresetName;
  /** API processes behind the API port; each is restarted when it crashes. */
  replicas: number;
  /** Passed to the children: API and dashboard (pino), Prometheus and Alertmanager (--log.level). */
  logLevel: LogLevel;
  /** Prometheus scrape/evaluation intervals; default: the shipped ones (5s). */
  scrapeInterval?: string;
  evaluationInterval?: string;
  /** How long each child may take to become healthy. */
  startTimeoutMs: number;
  /** After SIGTERM, how long before SIGKILL. */
  stopTimeoutMs: number;
}

export const USAGE = `usage: npm start -- [options]
  --api-port N            API (default 8080; env API_PORT or PORT)
  --dashboard-port N      live dashboard (default 3000; env DASHBOARD_PORT)
  --prometheus-port N     Prometheus (default 9090; env PROMETHEUS_PORT)
  --alertmanager-port N   Alertmanager (default 9093; env ALERTMANAGER_PORT)
  --sink-smtp-port N      notification sink, SMTP (default 1025; env SINK_SMTP_PORT)
  --sink-http-port N      notification sink, web page + Discord webhook (default 8025; env SINK_HTTP_PORT)
  --data-dir DIR          database, Prometheus data, rendered configs (default ./data; env DATA_DIR)
  --load SHAPE            start a Locust scenario once the API is up: ${LOAD_SHAPES.join(', ')}
  --load-duration D       how long the scenario runs (default 10m), e.g. 90s, 5m
  --load-users N          peak simulated users (default: the shape's own)
  --replicas N            API processes behind the API port, 1 to 8 (default 1; env API_REPLICAS);
                          more than 1 needs DATABASE_URL (PostgreSQL). A crashed one is restarted.
  --chaos PRESET          set the API's chaos once it is up:
${describeChaosPresets().map((line) => `                            ${line}`).join('\n')}
  -h, --help              this text
env: ADMIN_TOKEN (random when unset), DATABASE_URL (PostgreSQL instead of PGlite), LOG_LEVEL (default warn),
     PROMETHEUS_BIN, ALERTMANAGER_BIN, PROMETHEUS_SCRAPE_INTERVAL, PROMETHEUS_EVALUATION_INTERVAL,
     SMTP_SMARTHOST / ALERT_EMAIL_TO / DISCORD_WEBHOOK_URL (real receivers instead of the local sink)`;


function readPort(name: PortName, flagValue: string | undefined, env: Env): number {
  const setting = portSettings[name];
  const sources: Array<[string, string | undefined]> = [
    [`--${setting.flag}`, flagValue],
    [setting.env, readOptionalString(env, setting.env)],
    ...('fallbackEnv' in setting ? ([[setting.fallbackEnv, readOptionalString(env, setting.fallbackEnv)]] as Array<[string, string | undefined]>) : []),
  ];
  for (const [source, raw] of sources) {
    if (raw === undefined) continue;
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 65_535) {
      throw new UsageError(`${source} must be a port number from 1 to 65535 (got "${raw}")`);
    }
    return Number(raw);
  }
  return setting.default;
}

export const MAX_REPLICAS = 8;

/** `--replicas N` of `npm start` and of the scenario runner. */
export function parseReplicaCount(raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_REPLICAS) {
    throw new UsageError(`--replicas must be a whole number from 1 to ${MAX_REPLICAS} (got "${raw}")`);
  }
  return Number(raw);
}

function readDuration(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (parseDurationSeconds(raw) === undefined) throw new UsageError(`${name} must be a duration like 1s, 5s or 1m (got "${raw}")`);
  return raw;
}

export function parseStackOptions(argv: string[], env: Env = process.env, cwd = process.cwd()): StackOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(Object.values(portSettings).map((setting) => [setting.flag, { type: 'string' as const }])),
        'data-dir': { type: 'string' },
        load: { type: 'string' },
        'load-duration': { type: 'string' },
        'load-users': { type: 'string' },
        chaos: { type: 'string' },
        replicas: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (see npm start -- --help)`);
  }
  if (values.help) return 'help';
  const flag = (name: string) => values[name] as string | undefined;

  const ports = Object.fromEntries(
    (Object.keys(portSettings) as PortName[]).map((name) => [name, readPort(name, flag(portSettings[name].flag), env)]),
  ) as Record<PortName, number>;

  const dataDirRaw = flag('data-dir') ?? readOptionalString(env, 'DATA_DIR') ?? 'data';
  const dataDir = isAbsolute(dataDirRaw) ? dataDirRaw : resolve(cwd, dataDirRaw);

  let load: StackOptions['load'];
  const shape = flag('load');
  if (shape !== undefined) {
    if (!(LOAD_SHAPES as readonly string[]).includes(shape)) {
      throw new UsageError(`--load must be one of ${LOAD_SHAPES.join(', ')} (got "${shape}")`);
    }
    const duration = flag('load-duration') ?? '10m';
    // What `npm run load -- --duration` accepts (tools/load/run-options.ts), checked before anything starts.
    const seconds = parseSecondsOrDuration(duration);
    if (seconds === undefined || !Number.isInteger(seconds) || seconds < 1) {
      throw new UsageError(`--load-duration must be a duration like 90s, 5m or 1h (got "${duration}")`);
    }
    const usersRaw = flag('load-users');
    if (usersRaw !== undefined && (!/^\d+$/.test(usersRaw) || Number(usersRaw) < 1)) {
      throw new UsageError(`--load-users must be a positive integer (got "${usersRaw}")`);
    }
    load = { shape: shape as LoadShape, duration, users: usersRaw === undefined ? undefined : Number(usersRaw) };
  } else if (flag('load-duration') !== undefined || flag('load-users') !== undefined) {
    throw new UsageError('--load-duration and --load-users need --load <shape>');
  }

  const chaos = flag('chaos');
  if (chaos !== undefined && !isChaosPresetName(chaos)) {
    throw new UsageError(`--chaos must be one of ${chaosPresetNames.join(', ')} (got "${chaos}")`);
  }

  const replicas = parseReplicaCount(flag('replicas') ?? readOptionalString(env, 'API_REPLICAS') ?? '1');
  if (replicas > 1 && !readOptionalString(env, 'DATABASE_URL')) {
    throw new UsageError(`--replicas ${replicas} needs DATABASE_URL (PostgreSQL): an embedded PGlite database belongs to one process`);
  }

  const logLevel = readOptionalString(env, 'LOG_LEVEL') ?? 'warn';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new UsageError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  }

  return {
    host: '127.0.0.1',
    ports,
    dataDir,
    runtimeDir: resolve(dataDir, '.runtime'),
    load,
    chaos: chaos as ChaosPresetName | undefined,
    replicas,
    logLevel: logLevel as LogLevel,
    scrapeInterval: readDuration('PROMETHEUS_SCRAPE_INTERVAL', readOptionalString(env, 'PROMETHEUS_SCRAPE_INTERVAL')),
    evaluationInterval: readDuration('PROMETHEUS_EVALUATION_INTERVAL', readOptionalString(env, 'PROMETHEUS_EVALUATION_INTERVAL')),
    startTimeoutMs: 60_000,
    stopTimeoutMs: 5_000,
  };
}
