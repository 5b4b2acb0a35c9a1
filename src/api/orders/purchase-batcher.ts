import { isUniqueViolation } from '../db/database.js';
import type { Order, OrdersRepository, PurchaseInput } from './orders-repository.js';

interface Pending {
  input: PurchaseInput;
  resolve(order: Order | undefined): void;
  reject(error: unknown): void;
}

const MAX_BATCH = 200;

/**
 * Group commit for purchases of the same concert. While one sale statement for a concert is in
 * flight, later buyers of that concert queue; when it returns, the queue goes to the database as
 * one batch. A lone buyer is never delayed (no timer), and under load batches grow by themselves.
 *
 * A batch is all-or-nothing. When it cannot be sold whole (the concert is nearly sold out, or an
 * Idempotency-Key collides), its orders are retried one by one, in arrival order, with the
 * single-order statement — so each buyer gets exactly the answer a sequential run would give.
 */
export class PurchaseBatcher {
  private readonly queues = new Map<string, Pending[]>();

  constructor(private readonly orders: OrdersRepository) {}

  purchase(input: PurchaseInput): Promise<Order | undefined> {
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(input.concertId);
      if (queue) {
        queue.push({ input, resolve, reject });
        return;
      }
      this.queues.set(input.concertId, []);
      void this.drain(input.concertId, [{ input, resolve, reject }]);
    });
  }

  private async drain(concertId: string, first: Pending[]): Promise<void> {
    let batch = first;
    while (batch.length > 0) {
      await this.sell(concertId, batch);
      const queue = this.queues.get(concertId)!;
      batch = queue.splice(0, MAX_BATCH);
    }
    this.queues.delete(concertId);
  }

  private async sell(concertId: string, batch: Pending[]): Promise<void> {
    if (batch.length > 1) {
      try {
        const sold = await this.orders.purchaseAll(concertId, batch.map((p) => p.input));
        if (sold.length === batch.length) {
          const byId = new Map(sold.map((order) => [order.id, order]));
          for (const pending of batch) pending.resolve(byId.get(pending.input.id));
          return;
        }
      } catch (error) {
        if (!isUniqueViolation(error)) {
          for (const pending of batch) pending.reject(error);
          return;
        }
      }
    }
    for (const pending of batch) {
      try {
        pending.resolve(await this.orders.purchase(pending.input));
      } catch (error) {
        pending.reject(error);
      }
    }
  }
}
