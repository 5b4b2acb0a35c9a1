/**
 * The API's error family. Each has a stable code, an HTTP status and a problem type; one error
 * handler turns them into RFC 9457 problem documents, so routes and services just throw.
 * @see https://www.rfc-editor.org/rfc/rfc9457
 * @see docs/timeouts-and-overload.md for the 408/413/414/415/431/503/504 types
 */
export const PROBLEM_BASE = 'https://ticketpulse.dev/problems/';

/**
 * Every problem type the API can answer with: the OpenAPI document's examples and the contract in
 * docs/api.md are checked against this list (test/api/contract-drift.test.ts). `retryAfterSeconds`
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
} as const satisfies Record<string, { status: number; title: string; retryAfterSeconds?: number }>;
export type ProblemCode = keyof typeof PROBLEM_TYPES;

export class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    readonly title: string,
    detail?: string,
    /** Sent as `Retry-After` (seconds): the answer is temporary and a retry is expected to help. */
    readonly retryAfterSeconds?: number,
  ) {
    super(detail ?? title);
    this.name = 'ApiError';
  }
  get type(): string {
    return PROBLEM_BASE + this.code;
  }
}

function problem(code: ProblemCode, detail?: string): ApiError {
  const type: { status: number; title: string; retryAfterSeconds?: number } = PROBLEM_TYPES[code];
  return new ApiError(code, type.status, type.title, detail, type.retryAfterSeconds);
}

export const errors = {
  invalidRequest: (detail: string) => problem('invalid-request', detail),
  unauthorized: (detail: string) => problem('unauthorized', detail),
  concertNotFound: (id: string) => problem('concert-not-found', `No concert has id "${id}".`),
  orderNotFound: (id: string) => problem('order-not-found', `No order has id "${id}".`),
  routeNotFound: (method: string, url: string) => problem('not-found', `${method} ${url.split('?')[0]} is not part of this API.`),
  requestTimeout: () => problem('request-timeout', 'The request was not received completely in time.'),
  soldOut: (requested: number, available: number) =>
    problem('sold-out', `Requested ${requested} tickets but only ${available} remain.`),
  payloadTooLarge: (detail: string) => problem('payload-too-large', detail),
  uriTooLong: (detail: string) => problem('uri-too-long', detail),
  unsupportedMediaType: (detail: string) => problem('unsupported-media-type', detail),
  idempotencyMismatch: () =>
    problem('idempotency-key-reused', 'This Idempotency-Key was already used with a different concert or body.'),
  headersTooLarge: () => problem('headers-too-large', 'The request headers exceed the size this API accepts.'),
  paymentFailed: () => problem('payment-failed', 'The payment provider declined or failed; no tickets were sold.'),
  databaseUnavailable: () => problem('service-unavailable', 'The database is unreachable; try again shortly.'),
  databaseTimeout: () =>
    problem(
      'database-timeout',
      'The database did not finish in time and cancelled the statement; nothing was changed. Try again shortly.',
    ),
  overloaded: (detail: string) => problem('overloaded', `${detail} Nothing was changed; try again shortly.`),
  outcomeUnknown: () =>
    problem(
      'outcome-unknown',
      'The connection to the database was lost after the change was sent: it may or may not have taken effect. Retry with the same Idempotency-Key to get the committed order, or check before buying again.',
    ),
  internal: () => problem('internal-error'),
} as const;
