// The API's problem documents (RFC 9457): the one catalogue of problem types, their status codes and
// titles. The API's error family, its OpenAPI examples and the tests all read this list.
// @see https://www.rfc-editor.org/rfc/rfc9457
// @see docs/timeouts-and-overload.md for the 408/413/414/415/431/503/504 types
import { Type, type Static } from '@sinclair/typebox';

export const PROBLEM_BASE = 'https://ticketpulse.dev/problems/';

/**
 * Every problem type the API can answer with: the OpenAPI document's examples and the contract in
 * docs/api.md are checked against this list (test/apps/api/contract-drift.test.ts). `retryAfterSeconds`
 * marks the temporary ones: their answers carry `Retry-After`.
 */
export const PROBLEM_TYPES = {
  'invalid-request': { status: 400, title: 'Invalid request' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  'concert-not-found': { status: 404, title: 'Concert not found' },
  'order-not-found': { status: 404, title: 'Order not found' },
  'not-found': { status: 404, title: 'Not found' },
  'request-timeout': { status: 408, title: 'Request timeout' },
  'sold-out': { status: 409, title: 'Sold out' },
  'payload-too-large': { status: 413, title: 'Payload too large' },
  'uri-too-long': { status: 414, title: 'URI too long' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'idempotency-key-reused': { status: 422, title: 'Idempotency key reused' },
  'headers-too-large': { status: 431, title: 'Request header fields too large' },
  'internal-error': { status: 500, title: 'Internal server error' },
  'payment-failed': { status: 502, title: 'Payment failed' },
  'service-unavailable': { status: 503, title: 'Service unavailable', retryAfterSeconds: 2 },
  'database-timeout': { status: 503, title: 'Database timeout', retryAfterSeconds: 2 },
  overloaded: { status: 503, title: 'Overloaded', retryAfterSeconds: 1 },
  'outcome-unknown': { status: 504, title: 'Outcome unknown', retryAfterSeconds: 2 },
} as const satisfies Record<string, ProblemTypeInfo>;

export interface ProblemTypeInfo {
  status: number;
  title: string;
  retryAfterSeconds?: number;
}

/** The problem codes as a union: a typo in a code is a compile error, not a new problem type. */
export type ProblemCode = keyof typeof PROBLEM_TYPES;

export const PROBLEM_CODES = Object.keys(PROBLEM_TYPES) as ProblemCode[];

export function isProblemCode(code: string): code is ProblemCode {
  return Object.hasOwn(PROBLEM_TYPES, code);
}

/** The `type` URI of a problem code. */
export function problemTypeUri(code: ProblemCode): string {
  return PROBLEM_BASE + code;
}

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
  },
  { $id: 'Problem', description: 'RFC 9457 problem document (application/problem+json)' },
);
export type Problem = Static<typeof ProblemSchema>;
