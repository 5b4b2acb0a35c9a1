import {
  ConfigError,
  readBoolean,
  readEnum,
  readInteger,
  readNumber,
  readOptionalString,
  readString,
  readUrl,
} from '../../packages/shared/env.js';
import { latencyRangeError, MAX_CHAOS_LATENCY_MS, NO_FAULTS, type ChaosSettings } from '../../packages/contract/index.js';

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

export function loadApiConfig(env: Record<string, string | undefined> = process.env): ApiConfig {
  const latencyMin = readInteger(env, 'CHAOS_LATENCY_MIN_MS', 5, 0, MAX_CHAOS_LATENCY_MS);
  const latencyMax = readInteger(env, 'CHAOS_LATENCY_MAX_MS', Math.max(150, latencyMin), 0, MAX_CHAOS_LATENCY_MS);
  const latencyError = latencyRangeError({ min: latencyMin, max: latencyMax }, { min: 'CHAOS_LATENCY_MIN_MS', max: 'CHAOS_LATENCY_MAX_MS' });
  if (latencyError) throw new ConfigError(latencyError);
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
    // readUrl never repeats the password of a bad URL (the message may reach a shared log); the role stays.
    databaseUrl: readUrl(env, 'DATABASE_URL', undefined, ['postgres:', 'postgresql:'], { keepUser: true }),
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
