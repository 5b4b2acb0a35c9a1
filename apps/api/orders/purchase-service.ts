import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '../db/database.js';
import { errors } from '../errors.js';
import type { ChaosSettingsStore } from '../chaos/chaos-settings.js';
import type { ConcertsRepository } from '../concerts/concerts-repository.js';
import type { Order } from '../../../packages/contract/index.js';
import type { OrdersRepository } from './orders-repository.js';
import type { PurchaseBatcher } from './purchase-batcher.js';

export interface PurchaseRequest {
  concertId: string;
  quantity: number;
  customerEmail: string;
  idempotencyKey: string | undefined;
}

export interface PurchaseResult {
  order: Order;
  /** True when this answers a retry of an Idempotency-Key: nothing new was sold. */
  replayed: boolean;
}

/**
 * Buys tickets. Only confirmed orders are remembered under their Idempotency-Key: a sold-out or a
 * failed payment sold nothing, so a retry with the same key is a fresh attempt (what a buyer whose
 * card was declined expects), while a retry after success returns the original order.
 */
export class PurchaseService {
  constructor(
    private readonly orders: OrdersRepository,
    private readonly batcher: PurchaseBatcher,
    private readonly chaos: ChaosSettingsStore,
    private readonly concerts: ConcertsRepository,
  ) {}

  async purchase(request: PurchaseRequest): Promise<PurchaseResult> {
    if (request.idempotencyKey !== undefined) {
      const earlier = await this.orders.findByIdempotencyKey(request.idempotencyKey);
      if (earlier) return { order: this.sameRequestOrThrow(earlier, request), replayed: true };
    }

    if (this.chaos.paymentFails()) {
      // The provider is asked only for a purchase that could succeed, so 404 and 409 keep priority.
      await this.ensurePurchasable(request);
      throw errors.paymentFailed();
    }

    let order: Order | undefined;
    try {
      order = await this.batcher.purchase({ id: randomUUID(), ...request });
    } catch (error) {
      if (request.idempotencyKey !== undefined && isUniqueViolation(error)) {
        // A concurrent request with the same key won the race; its order is the answer.
        const winner = await this.orders.findByIdempotencyKey(request.idempotencyKey);
        if (winner) return { order: this.sameRequestOrThrow(winner, request), replayed: true };
      }
      throw error;
    }
    if (order) {
      this.concerts.forgetPendingRead(order.concertId);
      return { order, replayed: false };
    }
    await this.ensurePurchasable(request);
    // Available a moment ago but gone now: sold to a concurrent buyer in between.
    throw errors.soldOut(request.quantity, 0);
  }

  private async ensurePurchasable(request: PurchaseRequest): Promise<void> {
    const available = await this.orders.ticketsAvailable(request.concertId);
    if (available === undefined) throw errors.concertNotFound(request.concertId);
    if (available < request.quantity) throw errors.soldOut(request.quantity, available);
  }

  private sameRequestOrThrow(order: Order, request: PurchaseRequest): Order {
    const same =
      order.concertId === request.concertId &&
      order.quantity === request.quantity &&
      order.customerEmail === request.customerEmail;
    if (!same) throw errors.idempotencyMismatch();
    return order;
  }
}
