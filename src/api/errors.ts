/**
 * The API's error family. Each has a stable code, an HTTP status and a problem type; one error
 * handler turns them into RFC 9457 problem documents, so routes and services just throw.
 * @see https://www.rfc-editor.org/rfc/rfc9457
 */
export const PROBLEM_BASE = 'https://ticketpulse.dev/problems/';

/**
 * Every problem type the API can answer with: the OpenAPI document's examples and the contract in
 * docs/api.md are checked against this list (test/api/contract-drift.test.ts).
 */
export const PROBLEM_TYPES = {
  'invalid-request': { status: 400, title: 'Invalid request' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  'concert-not-found': { status: 404, title: 'Concert not found' },
  'order-not-found': { status: 404, title: 'Order not found' },
  'not-found': { status: 404, title: 'Not found' },
  'sold-out': { status: 409, title: 'Sold out' },
  'payload-too-large': { status: 413, title: 'Payload too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'idempotency-key-reused': { status: 422, title: 'Idempotency key reused' },
  'internal-error': { status: 500, title: 'Internal server error' },
  'payment-failed': { status: 502, title: 'Payment failed' },
  'service-unavailable': { status: 503, title: 'Service unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;
export type ProblemCode = keyof typeof PROBLEM_TYPES;

export class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    readonly title: string,
    detail?: string,
  ) {
    super(detail ?? title);
    this.name = 'ApiError';
  }
  get type(): string {
    return PROBLEM_BASE + this.code;
  }
}

function problem(code: ProblemCode, detail?: string): ApiError {
  const { status, title } = PROBLEM_TYPES[code];
  return new ApiError(code, status, title, detail);
}

export const errors = {
  invalidRequest: (detail: string) => problem('invalid-request', detail),
  unauthorized: (detail: string) => problem('unauthorized', detail),
  concertNotFound: (id: string) => problem('concert-not-found', `No concert has id "${id}".`),
  orderNotFound: (id: string) => problem('order-not-found', `No order has id "${id}".`),
  routeNotFound: (method: string, url: string) => problem('not-found', `${method} ${url.split('?')[0]} is not part of this API.`),
  soldOut: (requested: number, available: number) =>
    problem('sold-out', `Requested ${requested} tickets but only ${available} remain.`),
  idempotencyMismatch: () =>
    problem('idempotency-key-reused', 'This Idempotency-Key was already used with a different concert or body.'),
  paymentFailed: () => problem('payment-failed', 'The payment provider declined or failed; no tickets were sold.'),
  databaseUnavailable: () => problem('service-unavailable', 'The database is unreachable; try again shortly.'),
  internal: () => problem('internal-error'),
} as const;
