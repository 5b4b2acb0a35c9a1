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

const LatencySchema = Type.Object(
  {
    min: Type.Integer({ minimum: 0, maximum: 60_000 }),
    max: Type.Integer({ minimum: 0, maximum: 60_000 }),
  },
  { additionalProperties: false },
);

/** The staged faults; each `default` is "healed", so an admin sends only the faults it wants. */
const faultSchemas = {
  database: Type.Object(
    {
      slowMs: Type.Integer({ minimum: 0, maximum: 10_000, description: 'Time each statement keeps its transaction (and locks) open' }),
      outage: Type.Boolean({ description: 'The database is unreachable (real connection cuts with DATABASE_FAULT_PROXY on PostgreSQL)' }),
    },
    { additionalProperties: false, default: { slowMs: 0, outage: false } },
  ),
  memoryLeak: Type.Object(
    { mbPerMinute: Type.Number({ minimum: 0, maximum: 1_000, description: 'Memory retained per minute, per replica, until healed' }) },
    { additionalProperties: false, default: { mbPerMinute: 0 } },
  ),
  cpuBurn: Type.Object(
    { threads: Type.Integer({ minimum: 0, maximum: 8, description: 'Worker threads spinning at 100 % CPU, per replica' }) },
    { additionalProperties: false, default: { threads: 0 } },
  ),
  eventLoopStall: Type.Object(
    {
      ms: Type.Integer({ minimum: 0, maximum: 10_000, description: 'How long each stall blocks the event loop' }),
      everySeconds: Type.Number({ minimum: 0.1, maximum: 3_600 }),
    },
    { additionalProperties: false, default: { ms: 0, everySeconds: 5 } },
  ),
  crash: Type.Object(
    {
      exitAfterSeconds: Type.Integer({
        minimum: 0,
        maximum: 3_600,
        description: 'Each replica exits this long after starting or learning it (0: off): a crash loop until healed',
      }),
    },
    { additionalProperties: false, default: { exitAfterSeconds: 0 } },
  ),
  readErrorRate: Type.Number({ minimum: 0, maximum: 1, default: 0, description: 'Share of public GET requests answered with a 500' }),
};

export const ChaosSettingsSchema = Type.Object(
  { failureRate: Type.Number({ minimum: 0, maximum: 1 }), latencyMs: LatencySchema, ...faultSchemas },
  { additionalProperties: false, $id: 'ChaosSettings' },
);

/** PUT body: the faults left out are healed (filled with their defaults by validation). */
export const ChaosInputSchema = Type.Object(
  {
    failureRate: Type.Number({ minimum: 0, maximum: 1 }),
    latencyMs: LatencySchema,
    database: Type.Optional(faultSchemas.database),
    memoryLeak: Type.Optional(faultSchemas.memoryLeak),
    cpuBurn: Type.Optional(faultSchemas.cpuBurn),
    eventLoopStall: Type.Optional(faultSchemas.eventLoopStall),
    crash: Type.Optional(faultSchemas.crash),
    readErrorRate: Type.Optional(faultSchemas.readErrorRate),
  },
  { additionalProperties: false },
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
