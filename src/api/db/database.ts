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

/** Connection-level failures: the database is unreachable, restarting, or shutting us out. */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
  constructor(cause: unknown) {
    super(`database unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
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
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly|Cannot use a pool after calling end/i.test(
    error.message,
  );
}

export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | undefined)?.code === '23505';
}
