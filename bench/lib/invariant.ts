import { queryDatabase } from '../../test/support/postgres.js';

/**
 * The platform's invariant over every concert at once, straight from the database:
 * tickets_sold = sum of confirmed quantities ≤ capacity. Returns the concerts that break it.
 */
export async function concertsBreakingInvariant(databaseUrl: string): Promise<number> {
  const [row] = await queryDatabase<{ broken: number }>(
    databaseUrl,
    `SELECT count(*)::int AS broken FROM concerts c
     LEFT JOIN (SELECT concert_id, sum(quantity) AS sold FROM orders WHERE status = 'confirmed' GROUP BY concert_id) o
       ON o.concert_id = c.id
     WHERE c.tickets_sold <> coalesce(o.sold, 0) OR c.tickets_sold > c.capacity`,
  );
  return row!.broken;
}
