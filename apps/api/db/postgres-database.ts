import pg from 'pg';
import type { FastifyBaseLogger as Logger } from 'fastify';
import {
  DatabaseBusyError,
  DatabaseOutcomeUnknownError,
  DatabaseTimeoutError,
  DatabaseUnavailableError,
  isConnectionError,
  isServerTimeout,
  type Database,
  type QueryObserver,
} from './database.js';

export interface PostgresOptions {
  url: string;
  poolSize: number;
  /** Server-side limits per statement; the client-side timeout is derived from them. */
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  logger: Logger;
  observe: QueryObserver;
}

/**
 * How much longer than the server's statement_timeout the client waits. The server must always
 * give up first: then a slow statement is rolled back and reported as such, and the client-side
 * timeout only fires when the server is unreachable mid-statement (outcome unknown).
 */
const CLIENT_TIMEOUT_MARGIN_MS = 2_000;
const CONNECT_TIMEOUT_MS = 2_000;

function ignoreError(): void {}

export function createPostgresDatabase({ url, poolSize, statementTimeoutMs, lockTimeoutMs, logger, observe }: PostgresOptions): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    application_name: 'ticketpulse-api',
    // Fail fast while the database is down so callers get a 503 instead of a hung request.
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // Sent in the startup packet, so they hold for every statement on every connection.
    statement_timeout: statementTimeoutMs,
    lock_timeout: lockTimeoutMs,
    query_timeout: statementTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  });
  // An idle client losing its connection emits here; unhandled, it would crash the process.
  pool.on('error', (error) => logger.warn({ err: error }, 'idle database connection lost'));

  async function connect(): Promise<pg.PoolClient> {
    const poolWasFull = pool.totalCount >= poolSize;
    try {
      return await pool.connect();
    } catch (error) {
      // Waiting behind a full pool is overload; failing to open a connection is an outage.
      if (poolWasFull && /timeout exceeded when trying to connect/i.test((error as Error).message)) {
        throw new DatabaseBusyError(error);
      }
      throw new DatabaseUnavailableError(error);
    }
  }

  let running = 0;
  async function query<Row>(name: string, text: string, values: unknown[] = []): Promise<Row[]> {
    const started = performance.now();
    running += 1;
    try {
      const client = await connect();
      // A checked-out client that loses its connection also emits 'error'; the statement's own
      // rejection reports it, but unheard the event would crash the process (pool.query does the same).
      client.on('error', ignoreError);
      try {
        const result = await client.query({ name, text, values });
        client.off('error', ignoreError);
        client.release();
        return result.rows as Row[];
      } catch (error) {
        client.off('error', ignoreError);
        const lost = isConnectionError(error);
        // A connection whose statement timed out on the client side may still be running it.
        client.release(lost ? (error as Error) : undefined);
        if (isServerTimeout(error)) throw new DatabaseTimeoutError(error);
        if (lost) throw new DatabaseOutcomeUnknownError(error);
        throw error;
      }
    } finally {
      running -= 1;
      observe(name, (performance.now() - started) / 1000);
    }
  }

  async function queryHolding<Row>(name: string, text: string, values: unknown[] = [], holdMs: number): Promise<Row[]> {
    const started = performance.now();
    running += 1;
    let client: pg.PoolClient | undefined;
    try {
      client = await pool.connect();
      await client.query('BEGIN');
      try {
        const result = await client.query({ name, text, values });
        // Server-side, so the session shows as an open transaction holding its locks (pg_stat_activity).
        await client.query('SELECT pg_sleep($1)', [holdMs / 1000]);
        await client.query('COMMIT');
        return result.rows as Row[];
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    } catch (error) {
      if (isConnectionError(error)) throw new DatabaseUnavailableError(error);
      throw error;
    } finally {
      client?.release();
      running -= 1;
      observe(name, (performance.now() - started) / 1000);
    }
  }

  return {
    kind: 'postgres',
    query,
    queryHolding,
    async withAdvisoryLock(key, work) {
      const client = await pool.connect();
      try {
        // Migrations may legitimately run long and wait for another replica's lock.
        await client.query('SET statement_timeout = 0; SET lock_timeout = 0');
        await client.query('SELECT pg_advisory_lock($1)', [key]);
        try {
          return await work(async (text) => {
            await client.query(text);
          });
        } finally {
          await client.query('SELECT pg_advisory_unlock($1)', [key]);
        }
      } finally {
        // The session settings were changed: do not hand this connection to a request.
        client.release(true);
      }
    },
    poolStats() {
      return { inUse: pool.totalCount - pool.idleCount, waiting: pool.waitingCount };
    },
    async close() {
      // Requests whose clients hung up are still running after the server closed: let their
      // statements finish (briefly) rather than cut them off mid-way.
      for (const deadline = Date.now() + 5_000; running > 0 && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await pool.end();
    },
  };
}
