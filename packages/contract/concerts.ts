// Concerts: what a client sends to create one, what the API answers, and the list page.
import { Type, type Static } from '@sinclair/typebox';
import { NO_NUL_PATTERN } from './text.js';

/** The bounds a new concert is validated against (docs/api.md states the same figures). */
export const CONCERT_LIMITS = {
  textMaxLength: 200,
  capacityMax: 1_000_000,
  priceCentsMax: 10_000_000,
} as const;

/** GET /api/concerts?limit=N: the page size bounds and default; a cursor is opaque text. */
export const CONCERT_PAGE_LIMITS = { min: 1, max: 200, default: 50, cursorMaxLength: 200 } as const;

/** Path ids longer than this are refused before any lookup. */
export const ID_MAX_LENGTH = 100;

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
export type Concert = Static<typeof ConcertSchema>;

export const NewConcertSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: CONCERT_LIMITS.textMaxLength, pattern: NO_NUL_PATTERN }),
    venue: Type.String({ minLength: 1, maxLength: CONCERT_LIMITS.textMaxLength, pattern: NO_NUL_PATTERN }),
    startsAt: Type.String({ format: 'date-time' }),
    capacity: Type.Integer({ minimum: 1, maximum: CONCERT_LIMITS.capacityMax }),
    priceCents: Type.Integer({ minimum: 0, maximum: CONCERT_LIMITS.priceCentsMax }),
  },
  { additionalProperties: false },
);
export type NewConcertBody = Static<typeof NewConcertSchema>;

export const ConcertPageSchema = Type.Object({
  items: Type.Array(Type.Ref(ConcertSchema)),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type ConcertPage = Static<typeof ConcertPageSchema>;

export const ConcertListQuerySchema = Type.Object(
  {
    limit: Type.Integer({ minimum: CONCERT_PAGE_LIMITS.min, maximum: CONCERT_PAGE_LIMITS.max, default: CONCERT_PAGE_LIMITS.default }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: CONCERT_PAGE_LIMITS.cursorMaxLength })),
  },
  { additionalProperties: false },
);

export const IdParamsSchema = Type.Object({ id: Type.String({ maxLength: ID_MAX_LENGTH }) });
