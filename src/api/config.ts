import {
  ConfigError,
  readBoolean,
  readEnum,
  readInteger,
  readNumber,
  readOptionalString,
  readString,
  readUrl,
} from '../shared/env.js';
import { redactCredentials } from './redact.js';

/** Everything the API reads from its environment, validated once at start-up. */
export interface ApiConfig {
  host: string;
  port: number;
  /** PostgreSQL when set; embedded PGlite under `dataDir` otherwise. */
  databaseUrl: string | undefined;
  dataDir: string;
  databasePoolSize: number;
  /** Server-side per-statement limits (PostgreSQL statement_timeout / lock_timeout; PGlite: see its module). */
  databaseStatementTimeoutMs: number;
  databaseLockTimeoutMs: number;
  /** Overload bounds: purchases of one concert waiting per replica, and how long one may wait. */
  purchaseQueueLimit: number;
  purchaseQueueTimeoutMs: number;
  /** Slow clients: the whole request must arrive within this; idle keep-alive sockets close after. */
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Without a token the admin API refuses every call. */
  adminToken: string | undefined;
  chaosDefaults: ChaosSettings;
  chaosSyncIntervalMs: number;
  /**
   * PostgreSQL only: route the pool through an in-process TCP proxy, so a staged database outage
   * cuts and refuses real connections instead of being simulated.
   */
  databaseFaultProxy: boolean;
  /** Off only to measure what instrumentation costs (bench/); /metrics still answers. */
  httpMetrics: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Slow-request budget for shutdown: in-flight requests get this long to finish. */
  shutdownTimeoutMs: number;
}

/** The staged faults besides payment failures and request latency; every zero/false means "healed". */
export interface FaultSettings {
  /** `slowMs`: time each statement's transaction stays open (locks held) after the statement; `outage`: the database is unreachable. */
  database: { slowMs: number; outage: boolean };
  memoryLeak: { mbPerMinute: number };
  cpuBurn: { threads: number };
  eventLoopStall: { ms: number; everySeconds: number };
  /** Each replica exits this long after it starts or learns the setting (0: off), so it crash-loops until healed. */
  crash: { exitAfterSeconds: number };
  /** Share of public GET requests answered with a 500. */
  readErrorRate: number;
}

export interface ChaosSettings extends FaultSettings {
  failureRate: number;
  latencyMs: { min: number; max: number };
}

/** What an admin sends: the faults left out are healed. */
export type ChaosInput = Pick<ChaosSettings, 'failureRate' | 'latencyMs'> & Partial<FaultSettings>;

export const NO_FAULTS: FaultSettings = {
  database: { slowMs: 0, outage: false },
  memoryLeak: { mbPerMinute: 0 },
  cpuBurn: { threads: 0 },
  eventLoopStall: { ms: 0, everySeconds: 5 },
  crash: { exitAfterSeconds: 0 },
  readErrorRate: 0,
};

/** The full settings for an admin's input: every fault it leaves out is off. */
export function withFaultDefaults(input: ChaosInput): ChaosSettings {
  return { ...structuredClone(NO_FAULTS), ...input };
}

export const MAX_CHAOS_LATENCY_MS = 60_000;

/** A URL's password never appears in an error message: it may be printed to a shared log. */
function readDatabaseUrl(env: Record<string, string | undefined>): string | undefined {
  try {
    return readUrl(env, 'DATABASE_URL', undefined, ['postgres:', 'postgresql:']);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(redactCredentials(error.message));
    throw error;
  }
}

export function loadApiConfig(env: Record<string, string | undefined> = process.env): ApiConfig {
  const latencyMin = readInteger(env, 'CHAOS_LATENCY_MIN_MS', 5, 0, MAX_CHAOS_LATENCY_MS);
  const latencyMax = readInteger(env, 'CHAOS_LATENCY_MAX_MS', Math.max(150, latencyMin), 0, MAX_CHAOS_LATENCY_MS);
  if (latencyMax < latencyMin) {
    throw new ConfigError(`CHAOS_LATENCY_MAX_MS must be >= CHAOS_LATENCY_MIN_MS (${latencyMax} < ${latencyMin})`);
  }
  const adminToken = readOptionalString(env, 'ADMIN_TOKEN');
  if (adminToken !== undefined && adminToken.length < 8) {
    throw new ConfigError('ADMIN_TOKEN must be at least 8 characters long');
  }
  const statementTimeoutMs = readInteger(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 5_000, 100, 600_000);
  const lockTimeoutMs = readInteger(env, 'DATABASE_LOCK_TIMEOUT_MS', 2_000, 50, 600_000);
  if (lockTimeoutMs > statementTimeoutMs) {
    throw new ConfigError(`DATABASE_LOCK_TIMEOUT_MS must be <= DATABASE_STATEMENT_TIMEOUT_MS (${lockTimeoutMs} > ${statementTimeoutMs})`);
  }
  return {
    // Loopback unless asked: the container image sets HOST=0.0.0.0 itself.
    host: readString(env, 'HOST', '127.0.0.1'),
    port: readInteger(env, 'PORT', 8080, 0, 65535),
    databaseUrl: readDatabaseUrl(env),
    dataDir: readString(env, 'DATA_DIR', './data'),
    databasePoolSize: readInteger(env, 'DATABASE_POOL_SIZE', 20, 1, 500),
    databaseStatementTimeoutMs: statementTimeoutMs,
    databaseLockTimeoutMs: lockTimeoutMs,
    purchaseQueueLimit: readInteger(env, 'PURCHASE_QUEUE_LIMIT', 400, 1, 1_000_000),
    purchaseQueueTimeoutMs: readInteger(env, 'PURCHASE_QUEUE_TIMEOUT_MS', 1_000, 10, 600_000),
    requestTimeoutMs: readInteger(env, 'REQUEST_TIMEOUT_MS', 10_000, 100, 600_000),
    keepAliveTimeoutMs: readInteger(env, 'KEEP_ALIVE_TIMEOUT_MS', 72_000, 100, 600_000),
    adminToken,
    chaosDefaults: {
      failureRate: readNumber(env, 'CHAOS_FAILURE_RATE', 0.02, 0, 1),
      latencyMs: { min: latencyMin, max: latencyMax },
      ...NO_FAULTS,
    },
    chaosSyncIntervalMs: readInteger(env, 'CHAOS_SYNC_INTERVAL_MS', 1000, 100, 60_000),
    databaseFaultProxy: readBoolean(env, 'DATABASE_FAULT_PROXY', false),
    httpMetrics: readBoolean(env, 'HTTP_METRICS', true),
    logLevel: readEnum(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    shutdownTimeoutMs: readInteger(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
  };
}
