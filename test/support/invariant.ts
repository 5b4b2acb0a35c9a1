import { queryDatabase } from './postgres.js';

export interface ConcertTally {
  id: string;
  capacity: number;
  ticketsSold: number;
  sumOfConfirmedQuantities: number;
  orders: number;
}

/** Reads the invariant's two sides straight from the database, not through the API. */
export async function tallyConcert(databaseUrl: string, concertId: string): Promise<ConcertTally> {
  const [row] = await queryDatabase<{ capacity: number; tickets_sold: number; total: number; orders: number }>(
    databaseUrl,
    `SELECT c.capacity, c.tickets_sold,
            coalesce(sum(o.quantity) FILTER (WHERE o.status = 'confirmed'), 0)::int AS total,
            count(o.id)::int AS orders
     FROM concerts c LEFT JOIN orders o ON o.concert_id = c.id
     WHERE c.id = $1 GROUP BY c.id`,
    [concertId],
  );
  if (!row) throw new Error(`concert ${concertId} not found in the database`);
  return { id: concertId, capacity: row.capacity, ticketsSold: row.tickets_sold, sumOfConfirmedQuantities: row.total, orders: row.orders };
}
