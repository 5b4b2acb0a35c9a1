import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ApiError, errors } from '../errors.js';
import { IdParamsSchema, NewOrderSchema, OrderHeadersSchema, OrderSchema, problems } from '../http/schemas.js';

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
          'Sells `quantity` tickets or nothing. With an Idempotency-Key, a retry of a confirmed purchase returns the original order (same status and id); the same key with a different concert or body is a 422.',
        params: IdParamsSchema,
        headers: OrderHeadersSchema,
        body: NewOrderSchema,
        response: {
          201: Type.Ref(OrderSchema),
          ...problems(
            'invalid-request',
            'concert-not-found',
            'sold-out',
            'payload-too-large',
            'unsupported-media-type',
            'idempotency-key-reused',
            'payment-failed',
            'service-unavailable',
          ),
        },
      },
    },
    async (request, reply) => {
      try {
        const { order, replayed } = await purchases.purchase({
          concertId: request.params.id,
          quantity: request.body.quantity,
          customerEmail: request.body.customerEmail,
          idempotencyKey: request.headers['idempotency-key'],
        });
        if (replayed) reply.header('idempotent-replayed', 'true');
        else request.orderOutcome = { outcome: 'confirmed', quantity: order.quantity, totalCents: order.totalCents };
        return reply.code(201).header('location', `/api/orders/${order.id}`).send(order);
      } catch (error) {
        if (error instanceof ApiError && (error.code === 'sold-out' || error.code === 'payment-failed')) {
          const outcome = error.code === 'sold-out' ? 'sold_out' : 'payment_failed';
          request.orderOutcome = { outcome, quantity: request.body.quantity, totalCents: 0 };
        }
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
        response: { 200: Type.Ref(OrderSchema), ...problems('order-not-found', 'service-unavailable') },
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
