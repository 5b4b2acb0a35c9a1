import type { Database } from './database.js';

/**
 * Versioned schema migrations, shared by PostgreSQL and PGlite. Append only: never edit a
 * migration that has shipped; add the next version instead.
 */
export const migrations: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'concerts, orders and chaos settings',
    sql: `
      CREATE TABLE concerts (
        id           uuid PRIMARY KEY,
        name         text NOT NULL,
        venue        text NOT NULL,
        starts_at    timestamptz NOT NULL,
        capacity     integer NOT NULL CHECK (capacity > 0),
        price_cents  integer NOT NULL CHECK (price_cents >= 0),
        tickets_sold integer NOT NULL DEFAULT 0,
        -- Millisecond precision, as in the API's timestamps, so a pagination cursor is exact.
        created_at   timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        -- The oversell guard of last resort: even a buggy statement cannot break the invariant.
        CONSTRAINT tickets_sold_within_capacity CHECK (tickets_sold >= 0 AND tickets_sold <= capacity)
      );
      CREATE INDEX concerts_newest_first ON concerts (created_at DESC, id DESC);

      CREATE TABLE orders (
        id              uuid PRIMARY KEY,
        concert_id      uuid NOT NULL REFERENCES concerts (id),
        quantity        integer NOT NULL CHECK (quantity BETWEEN 1 AND 10),
        total_cents     integer NOT NULL CHECK (total_cents >= 0),
        customer_email  text NOT NULL,
        status          text NOT NULL DEFAULT 'confirmed',
        idempotency_key text UNIQUE,
        created_at      timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX orders_by_concert ON orders (concert_id);

      -- One row at most: the runtime chaos settings shared by every replica. Absent = env defaults.
      CREATE TABLE chaos_settings (
        id             integer PRIMARY KEY CHECK (id = 1),
        failure_rate   double precision NOT NULL,
        latency_min_ms integer NOT NULL,
        latency_max_ms integer NOT NULL,
        updated_at     timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 2,
    name: 'staged faults in the chaos settings',
    // One JSON document: the fault catalogue grows without a migration per fault. Absent keys = healed.
    sql: `ALTER TABLE chaos_settings ADD COLUMN faults jsonb NOT NULL DEFAULT '{}'::jsonb`,
  },
];

/** Any fixed number works; it only has to be the same for every replica. */
const MIGRATION_LOCK_KEY = 727_274_001;

/**
 * Applies pending migrations. Replicas starting together serialize on an advisory lock, so exactly
 * one applies each version and the others then see it recorded.
 */
export async function migrate(db: Database): Promise<number[]> {
  return db.withAdvisoryLock(MIGRATION_LOCK_KEY, async (run) => {
    await run(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const applied = new Set(
      (await db.query<{ version: number }>('migrations_applied', 'SELECT version FROM schema_migrations')).map(
        (row) => row.version,
      ),
    );
    const done: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      try {
        await run(
          `BEGIN; ${migration.sql};
           INSERT INTO schema_migrations (version, name) VALUES (${migration.version}, '${migration.name.replace(/'/g, "''")}');
           COMMIT;`,
        );
      } catch (error) {
        await run('ROLLBACK').catch(() => undefined);
        throw error;
      }
      done.push(migration.version);
    }
    return done;
  });
}
