import { randomUUID } from 'node:crypto';
import type { Concert, NewConcertBody } from '../../../packages/contract/index.js';
import type { Database } from '../db/database.js';
import { canonicalUuid, storableInstant } from '../http/canonical.js';


interface ConcertRow {
  id: string;
  name: string;
  venue: string;
  starts_at: Date;
  capacity: number;
  price_cents: number;
  tickets_sold: number;
  created_at: Date;
}

const COLUMNS = 'id, name, venue, starts_at, capacity, price_cents, tickets_sold, created_at';

function toConcert(row: ConcertRow): Concert {
  return {
    id: row.id,
    name: row.name,
    venue: row.venue,
    startsAt: row.starts_at.toISOString(),
    capacity: row.capacity,
    priceCents: row.price_cents,
    ticketsSold: row.tickets_sold,
    ticketsAvailable: row.capacity - row.tickets_sold,
    createdAt: row.created_at.toISOString(),
  };
}

/** Pagination cursor: the (createdAt, id) of the last item seen, opaque to clients. */
export function encodeCursor(concert: Concert): string {
  return Buffer.from(`${concert.createdAt}|${concert.id}`).toString('base64url');
}

/** Only a cursor this API could have issued: its timestamp exactly as encodeCursor writes it. */
export function decodeCursor(cursor: string): { createdAt: string; id: string } | undefined {
  const [createdAt, rawId, extra] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const id = canonicalUuid(rawId ?? '');
  if (extra !== undefined || !id || !createdAt || storableInstant(createdAt) !== createdAt) return undefined;
  return { createdAt, id };
}

export class ConcertsRepository {
  /**
   * Reads of one concert that are already on their way to the database. A hot concert during an
   * on-sale gets thousands of identical reads a second; concurrent ones share a single query
   * (request coalescing), so reads cost the database per round trip, not per request.
   */
  private readonly pendingReads = new Map<string, Promise<Concert | undefined>>();

  constructor(private readonly db: Database) {}

  async create(input: NewConcertBody): Promise<Concert> {
    const [row] = await this.db.query<ConcertRow>(
      'create_concert',
      `INSERT INTO concerts (id, name, venue, starts_at, capacity, price_cents)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [randomUUID(), input.name, input.venue, input.startsAt, input.capacity, input.priceCents],
    );
    return toConcert(row!);
  }

  findById(anyCaseId: string): Promise<Concert | undefined> {
    // A malformed id cannot name a concert: "not found" without asking the database.
    const id = canonicalUuid(anyCaseId);
    if (!id) return Promise.resolve(undefined);
    let read = this.pendingReads.get(id);
    if (!read) {
      read = this.db
        .query<ConcertRow>('get_concert', `SELECT ${COLUMNS} FROM concerts WHERE id = $1`, [id])
        .then(([row]) => (row ? toConcert(row) : undefined))
        .finally(() => {
          if (this.pendingReads.get(id) === read) this.pendingReads.delete(id);
        });
      this.pendingReads.set(id, read);
    }
    return read;
  }

  /**
   * Called after this process sold tickets of a concert: a read that started before the sale must
   * not answer anyone who asks after it (read-your-writes for the buyer), so later reads start afresh.
   */
  forgetPendingRead(id: string): void {
    this.pendingReads.delete(id);
  }

  /** Newest first, keyset-paginated so deep pages cost the same as the first. */
  async list(limit: number, after?: { createdAt: string; id: string }): Promise<Concert[]> {
    const rows = after
      ? await this.db.query<ConcertRow>(
          'list_concerts_after',
          `SELECT ${COLUMNS} FROM concerts WHERE (created_at, id) < ($1::timestamptz, $2::uuid)
           ORDER BY created_at DESC, id DESC LIMIT $3`,
          [after.createdAt, after.id, limit],
        )
      : await this.db.query<ConcertRow>(
          'list_concerts',
          `SELECT ${COLUMNS} FROM concerts ORDER BY created_at DESC, id DESC LIMIT $1`,
          [limit],
        );
    return rows.map(toConcert);
  }

  /**
   * For the business gauges, at a cost that does not grow with the number of concerts or orders
   * (schema: migration 2). `soldSince` names the concerts this process sold tickets of since its
   * last call: tickets_sold only grows, so the new leaders are among the stored leaders and those
   * concerts — a few primary-key lookups, merged into the list every replica shares.
   */
  async salesSnapshot(top: number, soldSince: readonly string[]): Promise<{ onSale: number; busiest: Concert[] }> {
    const [counts] = await this.db.query<{ on_sale: string }>('concerts_on_sale', CONCERTS_ON_SALE_SQL);
    const rows =
      soldSince.length > 0
        ? await this.db.query<ConcertRow>('merge_busiest_concerts', MERGE_BUSIEST_SQL, [soldSince, top])
        : await this.db.query<ConcertRow>('busiest_concerts', BUSIEST_SQL);
    return { onSale: Number(counts?.on_sale ?? 0), busiest: rows.map(toConcert) };
  }
}

/**
 * Future days and the rest of today's hours from the per-day and per-hour counts, plus the hour in
 * progress counted through concerts_by_start: rows read are bounded by how far ahead concerts are
 * sold and by the concerts of one hour, not by the size of the table.
 */
export const CONCERTS_ON_SALE_SQL = `
  SELECT (SELECT coalesce(sum(concerts), 0) FROM concerts_on_sale_by_day WHERE starts_day > concert_start_hour(now()) / 24)
       + (SELECT coalesce(sum(concerts), 0) FROM concerts_on_sale_by_hour
          WHERE starts_hour > concert_start_hour(now()) AND starts_hour < (concert_start_hour(now()) / 24 + 1) * 24)
       + (SELECT count(*) FROM concerts
          WHERE starts_at > now() AND starts_at < to_timestamp((concert_start_hour(now()) + 1) * 3600)
            AND tickets_sold < capacity) AS on_sale`;

export const BUSIEST_SQL = `
  SELECT ${COLUMNS} FROM concerts WHERE id = ANY ((SELECT concert_ids FROM concert_sales_leaders WHERE id = 1)::uuid[])
  ORDER BY tickets_sold DESC, id`;

/**
 * One statement, so replicas merging at the same time cannot lose each other's concerts: the
 * second waits for the first's row lock and then recomputes the list from the row it committed.
 */
export const MERGE_BUSIEST_SQL = `
  WITH merged AS (
    UPDATE concert_sales_leaders l SET concert_ids = ARRAY(
      SELECT c.id FROM concerts c WHERE c.id = ANY (l.concert_ids || $1::uuid[]) AND c.tickets_sold > 0
      ORDER BY c.tickets_sold DESC, c.id LIMIT $2)
    WHERE l.id = 1 RETURNING l.concert_ids
  )
  SELECT ${COLUMNS} FROM concerts WHERE id = ANY ((SELECT concert_ids FROM merged)::uuid[])
  ORDER BY tickets_sold DESC, id`;
