import { isUniqueViolation } from '../db/database.js';
import { errors } from '../errors.js';
import type { Order } from '../../../packages/contract/index.js';
import type { OrdersRepository, PurchaseInput } from './orders-repository.js';

interface Pending {
  input: PurchaseInput;
  enqueuedAt: number;
  resolve(order: Order | undefined): void;
  reject(error: unknown): void;
}

const MAX_BATCH = 200;

export interface QueueBounds {
  /** Purchases of one concert that may wait behind the one in flight; more are shed at once. */
  queueLimit: number;
  /** A purchase that waited this long for its turn is shed instead of sent. */
  queueTimeoutMs: number;
}

/**
 * Group commit for purchases of the same concert. While one sale statement for a concert is in
 * flight, later buyers of that concert queue; when it returns, the queue goes to the database as
 * one batch. A lone buyer is never delayed (no timer), and under load batches grow by themselves.
 *
 * A batch is all-or-nothing. When it cannot be sold whole because the concert is nearly sold out,
 * the orders that a sequential run would still sell go as one smaller batch (sellWhatFits); when
 * that fails too, or an Idempotency-Key collides, they are retried one by one, in arrival order,
 * with the single-order statement — so each buyer gets exactly the answer a sequential run would give.
 *
 * Waiting is bounded, so an on-sale far past capacity degrades into fast refusals instead of
 * seconds-long queues: past `queueLimit` waiting buyers a new one is shed at once, and a buyer
 * whose turn comes after `queueTimeoutMs` is shed then. A shed purchase never reached the database.
 */
export class PurchaseBatcher {
  private readonly queues = new Map<string, Pending[]>();

  constructor(
    private readonly orders: OrdersRepository,
    private readonly bounds: QueueBounds,
  ) {}

  purchase(input: PurchaseInput): Promise<Order | undefined> {
    return new Promise((resolve, reject) => {
      const enqueuedAt = performance.now();
      const queue = this.queues.get(input.concertId);
      if (queue) {
        if (queue.length >= this.bounds.queueLimit) {
          reject(errors.overloaded(`${queue.length} purchases of this concert are already waiting.`));
          return;
        }
        queue.push({ input, enqueuedAt, resolve, reject });
        return;
      }
      this.queues.set(input.concertId, []);
      void this.drain(input.concertId, [{ input, enqueuedAt, resolve, reject }]);
    });
  }

  private async drain(concertId: string, first: Pending[]): Promise<void> {
    let batch = first;
    while (batch.length > 0) {
      await this.sell(concertId, batch);
      batch = this.nextBatch(this.queues.get(concertId)!);
    }
    this.queues.delete(concertId);
  }

  /** Takes the next batch from the queue, shedding the purchases that waited too long. */
  private nextBatch(queue: Pending[]): Pending[] {
    const oldestAllowed = performance.now() - this.bounds.queueTimeoutMs;
    let expired = 0;
    while (expired < queue.length && queue[expired]!.enqueuedAt < oldestAllowed) expired += 1;
    for (const pending of queue.splice(0, expired)) {
      pending.reject(errors.overloaded(`The purchase waited more than ${this.bounds.queueTimeoutMs} ms for its turn.`));
    }
    return queue.splice(0, MAX_BATCH);
  }

  private async sell(concertId: string, batch: Pending[]): Promise<void> {
    if (batch.length > 1) {
      try {
        const sold = await this.orders.purchaseAll(concertId, batch.map((p) => p.input));
        if (sold.length === batch.length) {
          resolveWith(batch, sold);
          return;
        }
        if (await this.sellWhatFits(concertId, batch)) return;
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

  /**
   * The batch did not fit: with the tickets left, pick the orders a sequential run would sell (in
   * arrival order, each if it still fits) and sell them as one batch; the rest are sold out. Two
   * statements instead of one per order, which is what keeps a sell-out fast under load. False
   * when another replica sold in between (the guard refuses the batch): then go one by one.
   */
  private async sellWhatFits(concertId: string, batch: Pending[]): Promise<boolean> {
    const available = await this.orders.ticketsAvailable(concertId);
    if (available === undefined) {
      for (const pending of batch) pending.resolve(undefined);
      return true;
    }
    let left = available;
    const fitting = batch.filter((pending) => {
      if (pending.input.quantity > left) return false;
      left -= pending.input.quantity;
      return true;
    });
    const sold = fitting.length > 0 ? await this.orders.purchaseAll(concertId, fitting.map((p) => p.input)) : [];
    if (sold.length !== fitting.length) return false;
    resolveWith(batch, sold);
    return true;
  }
}

/** Answers each purchase of the batch with its order, or undefined (not sold) when it has none. */
function resolveWith(batch: Pending[], sold: Order[]): void {
  const byId = new Map(sold.map((order) => [order.id, order]));
  for (const pending of batch) pending.resolve(byId.get(pending.input.id));
}
