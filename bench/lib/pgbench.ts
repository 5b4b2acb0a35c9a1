import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PgbenchRun {
  statement: string;
  clients: number;
  tps: number;
  ordersPerSecond: number;
  latencyAvgMs: number;
}

/**
 * pgbench (/usr/bin/pgbench, prepared statements) running the API's purchase statements of
 * apps/api/orders/orders-repository.ts verbatim but for the parameters, on one hot concert of its
 * own: `batch: 'single'` is the single-order statement, a number the batch statement with that many
 * orders of 1 ticket.
 */
export function pgbenchPurchase(databaseUrl: string, { seconds, batch, clients }: { seconds: number; batch: number | 'single'; clients: number }): PgbenchRun {
  const concertId = execFileSync('psql', [databaseUrl, '-Atc',
    `INSERT INTO concerts (id, name, venue, starts_at, capacity, price_cents) VALUES (gen_random_uuid(), 'pgbench', 'db', now() + interval '1 year', 100000000, 4200) RETURNING id`,
  ], { encoding: 'utf8' }).trim().split('\n')[0];
  const script = join(tmpdir(), `tp-bench-purchase-${process.pid}.sql`);
  const n = batch;
  const batchSql = `WITH wanted AS (SELECT * FROM unnest(array(SELECT gen_random_uuid() FROM generate_series(1, ${n})), array_fill(1, ARRAY[${n}]), array_fill('bench@example.com'::text, ARRAY[${n}]), array_fill(NULL::text, ARRAY[${n}])) AS w(id, quantity, customer_email, idempotency_key)),
sold AS (UPDATE concerts SET tickets_sold = tickets_sold + (SELECT sum(quantity) FROM wanted) WHERE id = '${concertId}' AND capacity - tickets_sold >= (SELECT sum(quantity) FROM wanted) RETURNING id, price_cents)
INSERT INTO orders (id, concert_id, quantity, total_cents, customer_email, idempotency_key)
SELECT wanted.id, sold.id, wanted.quantity, sold.price_cents * wanted.quantity, wanted.customer_email, wanted.idempotency_key FROM wanted, sold RETURNING id, concert_id, quantity, total_cents, customer_email, status, created_at;\n`;
  const singleSql = `WITH sold AS (UPDATE concerts SET tickets_sold = tickets_sold + 1 WHERE id = '${concertId}' AND capacity - tickets_sold >= 1 RETURNING id, price_cents)
INSERT INTO orders (id, concert_id, quantity, total_cents, customer_email, idempotency_key)
SELECT gen_random_uuid(), sold.id, 1, sold.price_cents * 1, 'bench@example.com', NULL FROM sold RETURNING id, concert_id, quantity, total_cents, customer_email, status, created_at;\n`;
  writeFileSync(script, batch === 'single' ? singleSql : batchSql);
  const threads = Math.min(2, clients);
  const out = execFileSync('pgbench', ['-n', '-c', String(clients), '-j', String(threads), '-T', String(seconds), '-M', 'prepared', '-f', script, databaseUrl], { encoding: 'utf8' });
  const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1]);
  return {
    statement: batch === 'single' ? 'single order' : `batch of ${batch}`,
    clients,
    tps,
    ordersPerSecond: tps * (batch === 'single' ? 1 : batch),
    latencyAvgMs: Number(/latency average = ([\d.]+) ms/.exec(out)?.[1]),
  };
}
