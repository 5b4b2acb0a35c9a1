import { DatabaseUnavailableError, type Database } from '../db/database.js';

/**
 * Counts the application's statements that failed because the database could not be reached, so
 * "the API has lost its database" is a metric (and DatabaseUnreachable an alert) however the
 * database went away: down, unreachable, refusing connections, or a staged outage.
 */
export function countUnavailability(db: Database, counter: { inc(): void }): Database {
  const counted = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof DatabaseUnavailableError) counter.inc();
      throw error;
    }
  };
  return {
    kind: db.kind,
    query: (name, text, values) => counted(() => db.query(name, text, values)),
    queryHolding: (name, text, values, holdMs) => counted(() => db.queryHolding(name, text, values, holdMs)),
    withAdvisoryLock: (key, work) => db.withAdvisoryLock(key, work),
    poolStats: () => db.poolStats(),
    close: () => db.close(),
  };
}
