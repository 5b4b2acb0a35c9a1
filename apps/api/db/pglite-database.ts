import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { DatabaseTimeoutError, type Database, type QueryObserver } from './database.js';

export interface PgliteOptions {
  /** A folder for the data files, or undefined for an in-memory database. */
  dataDir: string | undefined;
  /** How long a statement may wait for the single connection before it is refused unrun. */
  lockTimeoutMs: number;
  observe: QueryObserver;
}

/**
 * Embedded PostgreSQL (WASM) in this process. It has a single connection, so statements run one
 * after another; `waiting` counts the statements queued behind the running one.
 *
 * PGlite has no working statement_timeout, and a running statement executes synchronously on this
 * thread, so nothing (not even a timer) can interrupt it. What is bounded is the wait: a statement
 * that waited for the connection longer than the lock timeout is refused without running (nothing
 * changed: the caller gets a timeout), so a backlog built up behind one slow statement is answered
 * at once instead of being worked through for minutes.
 */
export async function createPgliteDatabase({ dataDir, lockTimeoutMs, observe }: PgliteOptions): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  let pending = 0;
  // Our own queue in front of PGlite's, so we know whether a statement has started.
  let previous: Promise<void> = Promise.resolve();

  function run<Row>(text: string, values: unknown[]): Promise<Row[]> {
    const enqueuedAt = performance.now();
    return new Promise<Row[]>((resolve, reject) => {
      const refuse = () => reject(new DatabaseTimeoutError(`waited over ${lockTimeoutMs} ms for the embedded database's one connection`));
      let waiting: NodeJS.Timeout | undefined = setTimeout(() => {
        waiting = undefined;
        refuse();
      }, lockTimeoutMs);
      previous = previous.then(async () => {
        if (waiting === undefined) return; // refused while it waited: never run
        clearTimeout(waiting);
        // The timer cannot fire while a statement blocks the thread: check the clock as well.
        if (performance.now() - enqueuedAt > lockTimeoutMs) return refuse();
        try {
          resolve((await db.query(text, values)).rows as Row[]);
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  async function query<Row>(name: string, text: string, values: unknown[] = []): Promise<Row[]> {
    const started = performance.now();
    pending += 1;
    try {
      return await run<Row>(text, values);
    } finally {
      pending -= 1;
      observe(name, (performance.now() - started) / 1000);
    }
  }

  async function queryHolding<Row>(name: string, text: string, values: unknown[] = [], holdMs: number): Promise<Row[]> {
    const started = performance.now();
    pending += 1;
    try {
      // pg_sleep would block this whole process (PGlite runs in it); a timer inside the transaction
      // holds PGlite's single connection instead, so every other statement waits behind it.
      return await db.transaction(async (tx) => {
        const result = await tx.query(text, values);
        await new Promise((resolve) => setTimeout(resolve, holdMs));
        return result.rows as Row[];
      });
    } finally {
      pending -= 1;
      observe(name, (performance.now() - started) / 1000);
    }
  }

  return {
    kind: 'pglite',
    query,
    queryHolding,
    async withAdvisoryLock(_key, work) {
      // One process owns a PGlite folder, so there is no other replica to exclude.
      return work(async (text) => {
        await db.exec(text);
      });
    },
    poolStats() {
      return { inUse: Math.min(pending, 1), waiting: Math.max(pending - 1, 0) };
    },
    async close() {
      await db.close();
    },
  };
}
