import type { Order } from '../../../packages/contract/index.js';
import type { Database } from '../db/database.js';
import { canonicalUuid } from '../http/canonical.js';


interface OrderRow {
  id: string;
  concert_id: string;
  quantity: number;
  total_cents: number;
  customer_email: string;
  status: 'confirmed';
  created_at: Date;
}

const COLUMNS = 'id, concert_id, quantity, total_cents, customer_email, status, created_at';

function toOrder(row: OrderRow): Order {
  return {
    id: row.id,
    concertId: row.concert_id,
    quantity: row.quantity,
    totalCents: row.total_cents,
    customerEmail: row.customer_email,
    status: row.status,
    createdAt: row.created_at.toISOString(),
  };
}

/**
 * Why one statement: the conditional UPDATE takes the concert's row lock and only succeeds while
 * `capacity - tickets_sold >= quantity`; the INSERT of the order happens in the same statement, so
 * it is one implicit transaction — both happen or neither. Concurrent buyers queue on the row lock
 * and re-check the condition against the committed count (PostgreSQL's EvalPlanQual), so
 * `tickets_sold` never exceeds capacity and always equals the sum of confirmed quantities. One
 * round trip keeps the lock held for the shortest possible time, which is what bounds throughput
 * on a hot concert. A duplicate idempotency key makes the INSERT fail, which undoes the UPDATE too.
 */
const PURCHASE_SQL = `
  WITH sold AS (
    UPDATE concerts SET tickets_sold = tickets_sold + $2
    WHERE id = $1 AND capacity - tickets_sold >= $2
    RETURNING id, price_cents
  )
  INSERT INTO orders (id, concert_id, quantity, total_cents, customer_email, idempotency_key)
  SELECT $3, sold.id, $2, sold.price_cents * $2, $4, $5 FROM sold
  RETURNING ${COLUMNS}`;

/**
 * The same guarded sale for several orders of one concert at once: the UPDATE adds their total
 * only if all of them fit, and the INSERT writes every order — all or nothing, one commit. Why:
 * each commit waits for a WAL flush (~1 ms here) while holding the concert's row lock, which caps
 * single-order statements near 1,000 sales/s on a hot concert; a batch pays that flush once.
 */
const PURCHASE_BATCH_SQL = `
  WITH wanted AS (
    SELECT * FROM unnest($2::uuid[], $3::int[], $4::text[], $5::text[]) AS w(id, quantity, customer_email, idempotency_key)
  ),
  sold AS (
    UPDATE concerts SET tickets_sold = tickets_sold + (SELECT sum(quantity) FROM wanted)
    WHERE id = $1 AND capacity - tickets_sold >= (SELECT sum(quantity) FROM wanted)
    RETURNING id, price_cents
  )
  INSERT INTO orders (id, concert_id, quantity, total_cents, customer_email, idempotency_key)
  SELECT wanted.id, sold.id, wanted.quantity, sold.price_cents * wanted.quantity, wanted.customer_email, wanted.idempotency_key
  FROM wanted, sold
  RETURNING ${COLUMNS}`;

export interface PurchaseInput {
  id: string;
  concertId: string;
  quantity: number;
  customerEmail: string;
  idempotencyKey: string | undefined;
}

export class OrdersRepository {
  constructor(private readonly db: Database) {}

  /** Returns the confirmed order, or undefined when the concert is missing or lacks tickets. */
  async purchase(input: PurchaseInput): Promise<Order | undefined> {
    const [row] = await this.db.query<OrderRow>('purchase', PURCHASE_SQL, [
      input.concertId,
      input.quantity,
      input.id,
      input.customerEmail,
      input.idempotencyKey ?? null,
    ]);
    return row ? toOrder(row) : undefined;
  }

  /** Sells every order of the batch (all for one concert) or none; returns the orders sold. */
  async purchaseAll(concertId: string, batch: PurchaseInput[]): Promise<Order[]> {
    const rows = await this.db.query<OrderRow>('purchase_batch', PURCHASE_BATCH_SQL, [
      concertId,
      batch.map((p) => p.id),
      batch.map((p) => p.quantity),
      batch.map((p) => p.customerEmail),
      batch.map((p) => p.idempotencyKey ?? null),
    ]);
    return rows.map(toOrder);
  }

  async findById(anyCaseId: string): Promise<Order | undefined> {
    const id = canonicalUuid(anyCaseId);
    if (!id) return undefined;
    const [row] = await this.db.query<OrderRow>('get_order', `SELECT ${COLUMNS} FROM orders WHERE id = $1`, [id]);
    return row ? toOrder(row) : undefined;
  }

  async findByIdempotencyKey(key: string): Promise<Order | undefined> {
    const [row] = await this.db.query<OrderRow>(
      'get_order_by_idempotency_key',
      `SELECT ${COLUMNS} FROM orders WHERE idempotency_key = $1`,
      [key],
    );
    return row ? toOrder(row) : undefined;
  }

  /** Tickets still available, or undefined when the concert does not exist. */
  async ticketsAvailable(concertId: string): Promise<number | undefined> {
    if (!canonicalUuid(concertId)) return undefined;
    const [row] = await this.db.query<{ available: number }>(
      'tickets_available',
      'SELECT capacity - tickets_sold AS available FROM concerts WHERE id = $1',
      [concertId],
    );
    return row?.available;
  }
}
