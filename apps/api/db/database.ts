/**
 * The one database interface the domain code sees. Two implementations: PostgreSQL through `pg`
 * (production, tests, CI) and embedded PGlite (zero-setup default). Both speak the same SQL, so
 * there is one schema and one set of migrations.
 */
export interface Database {
  readonly kind: 'postgres' | 'pglite';
  /**
   * Runs one statement. `name` labels the query-duration metric and, on PostgreSQL, names a
   * prepared statement, so the hot paths are parsed once per connection.
   */
  query<Row = Record<string, unknown>>(name: string, text: string, values?: unknown[]): Promise<Row[]>;
  /**
   * Chaos hook (database slowness): the same statement inside a transaction that stays open
   * `holdMs` after it, so its row locks are held that much longer and contention is real.
   */
  queryHolding<Row = Record<string, unknown>>(name: string, text: string, values: unknown[] | undefined, holdMs: number): Promise<Row[]>;
  /** Runs `work` on one connection holding a session-level advisory lock. */
  withAdvisoryLock<T>(key: number, work: (run: (text: string) => Promise<void>) => Promise<T>): Promise<T>;
  poolStats(): { inUse: number; waiting: number };
  close(): Promise<void>;
}

/** Called after every query with its name and duration, for the metrics plugin. */
export type QueryObserver = (name: string, seconds: number) => void;

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * The statement never reached the database: it is unreachable, restarting, or shutting us out.
 * Nothing was changed.
 */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
  constructor(cause: unknown) {
    super(`database unavailable: ${messageOf(cause)}`, { cause });
  }
}

/**
 * The database gave up on the statement (statement_timeout, lock_timeout, or on PGlite a wait for
 * its one connection past the limit) and rolled it back: nothing was changed.
 */
export class DatabaseTimeoutError extends Error {
  override name = 'DatabaseTimeoutError';
  constructor(cause: unknown) {
    super(`database timeout: ${messageOf(cause)}`, { cause });
  }
}

/** Every connection is busy and the wait for one ran out: nothing was sent, nothing changed. */
export class DatabaseBusyError extends Error {
  override name = 'DatabaseBusyError';
  constructor(cause: unknown) {
    super(`database busy: ${messageOf(cause)}`, { cause });
  }
}

/**
 * The statement was sent but its answer never came (connection lost, client-side timeout): it may
 * have committed. Only a later read can tell.
 */
export class DatabaseOutcomeUnknownError extends Error {
  override name = 'DatabaseOutcomeUnknownError';
  constructor(cause: unknown) {
    super(`database outcome unknown: ${messageOf(cause)}`, { cause });
  }
}

/** SQLSTATEs for "the server cancelled the statement and rolled it back". */
const SERVER_TIMEOUT_CODES = new Set([
  '57014', // query_canceled (statement_timeout)
  '55P03', // lock_not_available (lock_timeout)
]);

export function isServerTimeout(error: unknown): boolean {
  return SERVER_TIMEOUT_CODES.has((error as { code?: string } | undefined)?.code ?? '');
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EPIPE',
  '57P01', // admin_shutdown (pg_terminate_backend, server stopping)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up)
  '53300', // too_many_connections
]);

/** True when an error means "cannot talk to the database", as opposed to a bad statement. */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code;
  if (code && (CONNECTION_ERROR_CODES.has(code) || code.startsWith('08'))) return true;
  return /Query read timeout|Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly|Cannot use a pool after calling end/i.test(
    error.message,
  );
}

export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | undefined)?.code === '23505';
}
