import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errors } from '../errors.js';
import { canonicalUuid } from '../http/canonical.js';
import { toApiError } from '../http/problem-handler.js';
import { IdParamsSchema, NewOrderSchema, OrderHeadersSchema, OrderSchema } from '../../../packages/contract/index.js';
import { problems } from '../http/schemas.js';
import type { OrderOutcome } from '../metrics/metrics.js';

/** The business outcome of a failed purchase, by the problem it answers; undefined: a rejection or a bug. */
const OUTCOME_BY_PROBLEM: Record<string, OrderOutcome> = {
  'sold-out': 'sold_out',
  'payment-failed': 'payment_failed',
  overloaded: 'shed',
  'database-timeout': 'unavailable',
  'service-unavailable': 'unavailable',
  'outcome-unknown': 'outcome_unknown',
};

const orderRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { purchases, orders } = app.services;

  app.post(
    '/api/concerts/:id/orders',
    {
      schema: {
        tags: ['orders'],
        summary: 'Buy tickets',
        operationId: 'buyTickets',
        security: [],
        description:
          'Sells `quantity` tickets or nothing. With an Idempotency-Key, a retry of a confirmed purchase returns the original order (same status and id); the same key with a different concert or body is a 422. ' +
          '503 (with Retry-After) means nothing was sold: the service is overloaded (`overloaded`), the database timed out (`database-timeout`) or is unreachable. ' +
          '504 `outcome-unknown` means the sale may have been committed: retry with the same Idempotency-Key to get the order.',
        params: IdParamsSchema,
        headers: OrderHeadersSchema,
        body: NewOrderSchema,
        response: {
          201: Type.Ref(OrderSchema),
          ...problems(
            'invalid-request',
            'concert-not-found',
            'request-timeout',
            'sold-out',
            'payload-too-large',
            'uri-too-long',
            'unsupported-media-type',
            'idempotency-key-reused',
            'headers-too-large',
            'payment-failed',
            'service-unavailable',
            'database-timeout',
            'overloaded',
            'outcome-unknown',
          ),
        },
      },
    },
    async (request, reply) => {
      const concertId = canonicalUuid(request.params.id);
      if (!concertId) throw errors.concertNotFound(request.params.id);
      try {
        const { order, replayed } = await purchases.purchase({
          concertId,
          quantity: request.body.quantity,
          customerEmail: request.body.customerEmail,
          idempotencyKey: request.headers['idempotency-key'],
        });
        if (replayed) reply.header('idempotent-replayed', 'true');
        else request.orderOutcome = { outcome: 'confirmed', quantity: order.quantity, totalCents: order.totalCents };
        return reply.code(201).header('location', `/api/orders/${order.id}`).send(order);
      } catch (error) {
        const outcome = OUTCOME_BY_PROBLEM[toApiError(error, request.method)?.code ?? ''];
        if (outcome) request.orderOutcome = { outcome, quantity: request.body.quantity, totalCents: 0 };
        throw error;
      }
    },
  );

  app.get(
    '/api/orders/:id',
    {
      schema: {
        tags: ['orders'],
        summary: 'Get one order',
        operationId: 'getOrder',
        security: [],
        params: IdParamsSchema,
        response: { 200: Type.Ref(OrderSchema), ...problems('invalid-request', 'order-not-found', 'uri-too-long', 'headers-too-large', 'service-unavailable', 'database-timeout', 'overloaded') },
      },
    },
    async (request) => {
      const order = await orders.findById(request.params.id);
      if (!order) throw errors.orderNotFound(request.params.id);
      return order;
    },
  );
};

export default orderRoutes;
