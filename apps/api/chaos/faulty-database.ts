import { DatabaseUnavailableError, type Database } from '../db/database.js';
import type { ChaosSettingsStore } from './chaos-settings.js';

/**
 * The application's view of the database with the staged database faults applied: slowness holds
 * each statement's transaction open, and — where no fault proxy cuts real connections (PGlite, or
 * PostgreSQL without DATABASE_FAULT_PROXY) — an outage is simulated by failing every statement with
 * the same error a lost connection gives, before it reaches the database.
 */
export function withDatabaseFaults(db: Database, chaos: ChaosSettingsStore, { simulateOutage }: { simulateOutage: boolean }): Database {
  return {
    kind: db.kind,
    async query<Row>(name: string, text: string, values?: unknown[]): Promise<Row[]> {
      const { slowMs, outage } = chaos.settings.database;
      if (outage && simulateOutage) throw new DatabaseUnavailableError(new Error('simulated database outage (chaos)'));
      return slowMs > 0 ? db.queryHolding<Row>(name, text, values, slowMs) : db.query<Row>(name, text, values);
    },
    queryHolding: (name, text, values, holdMs) => db.queryHolding(name, text, values, holdMs),
    withAdvisoryLock: (key, work) => db.withAdvisoryLock(key, work),
    poolStats: () => db.poolStats(),
    close: () => db.close(),
  };
}
