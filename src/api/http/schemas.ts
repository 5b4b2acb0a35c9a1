import { Type, type Static } from '@sinclair/typebox';
import { PROBLEM_BASE, PROBLEM_TYPES, type ProblemCode } from '../errors.js';
import { NO_NUL_PATTERN } from './canonical.js';

/** Request and response schemas: validation, OpenAPI and fast serialization from one source. */

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
  },
  { $id: 'Problem', description: 'RFC 9457 problem document (application/problem+json)' },
);

export const ConcertSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    venue: Type.String(),
    startsAt: Type.String({ format: 'date-time' }),
    capacity: Type.Integer(),
    priceCents: Type.Integer(),
    ticketsSold: Type.Integer(),
    ticketsAvailable: Type.Integer(),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Concert' },
);

export const NewConcertSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, pattern: NO_NUL_PATTERN }),
    venue: Type.String({ minLength: 1, maxLength: 200, pattern: NO_NUL_PATTERN }),
    startsAt: Type.String({ format: 'date-time' }),
    capacity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    priceCents: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
  },
  { additionalProperties: false },
);
export type NewConcertBody = Static<typeof NewConcertSchema>;

export const ConcertPageSchema = Type.Object({
  items: Type.Array(Type.Ref(ConcertSchema)),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const ConcertListQuerySchema = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const IdParamsSchema = Type.Object({ id: Type.String({ maxLength: 100 }) });

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

export const NewOrderSchema = Type.Object(
  {
    quantity: Type.Integer({ minimum: 1, maximum: 10 }),
    customerEmail: Type.String({ format: 'email', maxLength: 320 }),
  },
  { additionalProperties: false },
);
export type NewOrderBody = Static<typeof NewOrderSchema>;

export const OrderHeadersSchema = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});

export const ChaosSettingsSchema = Type.Object(
  {
    failureRate: Type.Number({ minimum: 0, maximum: 1 }),
    latencyMs: Type.Object(
      {
        min: Type.Integer({ minimum: 0, maximum: 60_000 }),
        max: Type.Integer({ minimum: 0, maximum: 60_000 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, $id: 'ChaosSettings' },
);

export const HealthSchema = Type.Object({ status: Type.String() });

/**
 * The problem responses a route can give, for its OpenAPI entry: one response per status, typed
 * application/problem+json, with one example per problem type so that clients (and the drift test
 * against docs/api.md) can read which types each status carries. Name problem types; a bare
 * status (a problem answer not in PROBLEM_TYPES yet) lists no type, which the drift test reports.
 */
export function problems(...answers: Array<ProblemCode | number>): Record<number, object> {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const answer of answers) {
    const status = typeof answer === 'number' ? answer : PROBLEM_TYPES[answer].status;
    const codes = byStatus.get(status) ?? [];
    if (typeof answer !== 'number') codes.push(answer);
    byStatus.set(status, codes);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, codes]) => [
      status,
      {
        description: codes.length > 0 ? `Problem: ${codes.join(', ')}` : 'Problem',
        ...(codes.some((code) => 'retryAfterSeconds' in PROBLEM_TYPES[code]) ? { headers: { 'Retry-After': RetryAfterHeader } } : {}),
        content: {
          'application/problem+json': {
            schema: Type.Ref(ProblemSchema),
            ...(codes.length > 0 ? { examples: Object.fromEntries(codes.map((code) => [code, { value: problemExample(code) }])) } : {}),
          },
        },
      },
    ]),
  );
}

const RetryAfterHeader = Type.Integer({ minimum: 0, description: 'Seconds to wait before retrying' });

function problemExample(code: ProblemCode): { type: string; title: string; status: number } {
  const { status, title } = PROBLEM_TYPES[code];
  return { type: PROBLEM_BASE + code, title, status };
}
