import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { Database, QueryObserver } from './database.js';

export interface PgliteOptions {
  /** A folder for the data files, or undefined for an in-memory database. */
  dataDir: string | undefined;
  observe: QueryObserver;
}

/**
 * Embedded PostgreSQL (WASM) in this process. It has a single connection, so statements run one
 * after another; `waiting` counts the statements queued behind the running one.
 */
export async function createPgliteDatabase({ dataDir, observe }: PgliteOptions): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  let pending = 0;

  async function query<Row>(name: string, text: string, values: unknown[] = []): Promise<Row[]> {
    const started = performance.now();
    pending += 1;
    try {
      const result = await db.query(text, values);
      return result.rows as Row[];
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
