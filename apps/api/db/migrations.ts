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
    name: 'sales gauges without scanning concerts',
    // Why this shape: /metrics must cost the same at ten concerts or ten million, and the purchase
    // statement must not write more. `concerts_on_sale` is kept per start day and per start hour by
    // triggers that fire only when a concert is created, deleted, moved, or crosses sold-out (a
    // purchase that leaves a concert on sale runs no trigger: the WHEN clause is false, and the
    // update stays HOT). The scrape sums the future days (bounded by how far ahead concerts are
    // sold, not by how many), the rest of today's hours, and counts the hour in progress exactly
    // through an index on starts_at, which purchases never change. The busiest concerts are a short
    // list that the API merges at scrape time with the concerts it sold since (see
    // ConcertsRepository.salesSnapshot): an index on tickets_sold would make every purchase update
    // non-HOT and write every index of the row again.
    sql: `
      CREATE FUNCTION concert_start_hour(starts_at timestamptz) RETURNS bigint
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT floor(extract(epoch FROM starts_at) / 3600)::bigint $$;

      CREATE INDEX concerts_by_start ON concerts (starts_at);

      -- Concerts with tickets left, by the UTC hour and day they start (since the Unix epoch).
      CREATE TABLE concerts_on_sale_by_hour (starts_hour bigint PRIMARY KEY, concerts bigint NOT NULL);
      CREATE TABLE concerts_on_sale_by_day (starts_day bigint PRIMARY KEY, concerts bigint NOT NULL);

      CREATE FUNCTION concerts_on_sale_add(hours bigint[], deltas bigint[]) RETURNS void LANGUAGE sql AS $$
        INSERT INTO concerts_on_sale_by_hour AS b (starts_hour, concerts)
          SELECT h, sum(d) FROM unnest(hours, deltas) AS u(h, d) GROUP BY h
          ON CONFLICT (starts_hour) DO UPDATE SET concerts = b.concerts + EXCLUDED.concerts;
        INSERT INTO concerts_on_sale_by_day AS b (starts_day, concerts)
          SELECT h / 24, sum(d) FROM unnest(hours, deltas) AS u(h, d) GROUP BY 1
          ON CONFLICT (starts_day) DO UPDATE SET concerts = b.concerts + EXCLUDED.concerts;
      $$;
      SELECT concerts_on_sale_add(array_agg(h), array_agg(n))
        FROM (SELECT concert_start_hour(starts_at) AS h, count(*) AS n FROM concerts WHERE tickets_sold < capacity GROUP BY 1) c;

      CREATE FUNCTION concerts_on_sale_add_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM concerts_on_sale_add(array_agg(h), array_agg(n))
          FROM (SELECT concert_start_hour(starts_at) AS h, count(*) AS n FROM inserted WHERE tickets_sold < capacity GROUP BY 1) c;
        RETURN NULL;
      END $$;
      CREATE FUNCTION concerts_on_sale_remove_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM concerts_on_sale_add(array_agg(h), array_agg(-n))
          FROM (SELECT concert_start_hour(starts_at) AS h, count(*) AS n FROM deleted WHERE tickets_sold < capacity GROUP BY 1) c;
        RETURN NULL;
      END $$;
      CREATE FUNCTION concerts_on_sale_move_updated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.tickets_sold < OLD.capacity THEN
          PERFORM concerts_on_sale_add(ARRAY[concert_start_hour(OLD.starts_at)], ARRAY[-1::bigint]);
        END IF;
        IF NEW.tickets_sold < NEW.capacity THEN
          PERFORM concerts_on_sale_add(ARRAY[concert_start_hour(NEW.starts_at)], ARRAY[1::bigint]);
        END IF;
        RETURN NULL;
      END $$;
      -- Statement-level with transition tables: a bulk INSERT … SELECT costs one upsert per hour, not per row.
      CREATE TRIGGER concerts_on_sale_insert AFTER INSERT ON concerts
        REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION concerts_on_sale_add_inserted();
      CREATE TRIGGER concerts_on_sale_delete AFTER DELETE ON concerts
        REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION concerts_on_sale_remove_deleted();
      CREATE TRIGGER concerts_on_sale_update AFTER UPDATE OF tickets_sold, capacity, starts_at ON concerts
        FOR EACH ROW
        WHEN ((OLD.tickets_sold < OLD.capacity) IS DISTINCT FROM (NEW.tickets_sold < NEW.capacity)
              OR OLD.starts_at IS DISTINCT FROM NEW.starts_at)
        EXECUTE FUNCTION concerts_on_sale_move_updated();

      -- The concerts with the most tickets sold, best first; one row shared by every replica.
      CREATE TABLE concert_sales_leaders (
        id          integer PRIMARY KEY CHECK (id = 1),
        concert_ids uuid[] NOT NULL
      );
      INSERT INTO concert_sales_leaders (id, concert_ids)
        VALUES (1, ARRAY(SELECT id FROM concerts WHERE tickets_sold > 0 ORDER BY tickets_sold DESC, id LIMIT 5));
    `,
  },
  {
    version: 3,
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
