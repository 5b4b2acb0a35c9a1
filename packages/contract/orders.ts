// Orders (ticket purchases): the purchase body, its optional Idempotency-Key, and the order answered.
import { Type, type Static } from '@sinclair/typebox';

export const ORDER_LIMITS = {
  quantityMax: 10,
  /** A local part (64) + "@" + a domain (255), the most an address can hold. */
  emailMaxLength: 320,
  idempotencyKeyMaxLength: 200,
} as const;

export const OrderSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    concertId: Type.String({ format: 'uuid' }),
    quantity: Type.Integer(),
    totalCents: Type.Integer(),
    customerEmail: Type.String(),
    status: Type.Literal('confirmed'),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Order' },
);
export type Order = Static<typeof OrderSchema>;

export const NewOrderSchema = Type.Object(
  {
    quantity: Type.Integer({ minimum: 1, maximum: ORDER_LIMITS.quantityMax }),
    customerEmail: Type.String({ format: 'email', maxLength: ORDER_LIMITS.emailMaxLength }),
  },
  { additionalProperties: false },
);
export type NewOrderBody = Static<typeof NewOrderSchema>;

export const OrderHeadersSchema = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: ORDER_LIMITS.idempotencyKeyMaxLength })),
});
