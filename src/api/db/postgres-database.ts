import pg from 'pg';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { DatabaseUnavailableError, isConnectionError, type Database, type QueryObserver } from './database.js';

export interface PostgresOptions {
  url: string;
  poolSize: number;
  logger: Logger;
  observe: QueryObserver;
}

export function createPostgresDatabase({ url, poolSize, logger, observe }: PostgresOptions): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    application_name: 'ticketpulse-api',
    // Fail fast while the database is down so callers get a 503 instead of a hung request.
    connectionTimeoutMillis: 2_000,
    query_timeout: 10_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  });
  // An idle client losing its connection emits here; unhandled, it would crash the process.
  pool.on('error', (error) => logger.warn({ err: error }, 'idle database connection lost'));

  let running = 0;
  async function query<Row>(name: string, text: string, values: unknown[] = []): Promise<Row[]> {
    const started = performance.now();
    running += 1;
    try {
      const result = await pool.query({ name, text, values });
      return result.rows as Row[];
    } catch (error) {
      if (isConnectionError(error)) throw new DatabaseUnavailableError(error);
      throw error;
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
        await client.query('SELECT pg_advisory_lock($1)', [key]);
        try {
          return await work(async (text) => {
            await client.query(text);
          });
        } finally {
          await client.query('SELECT pg_advisory_unlock($1)', [key]);
        }
      } finally {
        client.release();
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
