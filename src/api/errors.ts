/**
 * The API's error family. Each has a stable code, an HTTP status and a problem type; one error
 * handler turns them into RFC 9457 problem documents, so routes and services just throw.
 * @see https://www.rfc-editor.org/rfc/rfc9457
 * @see docs/timeouts-and-overload.md for the 408/413/414/415/431/503/504 types
 */
export const PROBLEM_BASE = 'https://ticketpulse.dev/problems/';

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

export const errors = {
  invalidRequest: (detail: string) => new ApiError('invalid-request', 400, 'Invalid request', detail),
  unauthorized: (detail: string) => new ApiError('unauthorized', 401, 'Unauthorized', detail),
  concertNotFound: (id: string) => new ApiError('concert-not-found', 404, 'Concert not found', `No concert has id "${id}".`),
  orderNotFound: (id: string) => new ApiError('order-not-found', 404, 'Order not found', `No order has id "${id}".`),
  routeNotFound: (method: string, url: string) =>
    new ApiError('not-found', 404, 'Not found', `${method} ${url.split('?')[0]} is not part of this API.`),
  requestTimeout: () =>
    new ApiError('request-timeout', 408, 'Request timeout', 'The request was not received completely in time.'),
  soldOut: (requested: number, available: number) =>
    new ApiError('sold-out', 409, 'Sold out', `Requested ${requested} tickets but only ${available} remain.`),
  payloadTooLarge: (detail: string) => new ApiError('payload-too-large', 413, 'Payload too large', detail),
  uriTooLong: (detail: string) => new ApiError('uri-too-long', 414, 'URI too long', detail),
  unsupportedMediaType: (detail: string) => new ApiError('unsupported-media-type', 415, 'Unsupported media type', detail),
  idempotencyMismatch: () =>
    new ApiError(
      'idempotency-key-reused',
      422,
      'Idempotency key reused',
      'This Idempotency-Key was already used with a different concert or body.',
    ),
  headersTooLarge: () =>
    new ApiError('headers-too-large', 431, 'Request header fields too large', 'The request headers exceed the size this API accepts.'),
  paymentFailed: () =>
    new ApiError('payment-failed', 502, 'Payment failed', 'The payment provider declined or failed; no tickets were sold.'),
  databaseUnavailable: () =>
    new ApiError('service-unavailable', 503, 'Service unavailable', 'The database is unreachable; try again shortly.', 2),
  databaseTimeout: () =>
    new ApiError(
      'database-timeout',
      503,
      'Database timeout',
      'The database did not finish in time and cancelled the statement; nothing was changed. Try again shortly.',
      2,
    ),
  overloaded: (detail: string) => new ApiError('overloaded', 503, 'Overloaded', `${detail} Nothing was changed; try again shortly.`, 1),
  outcomeUnknown: () =>
    new ApiError(
      'outcome-unknown',
      504,
      'Outcome unknown',
      'The connection to the database was lost after the change was sent: it may or may not have taken effect. Retry with the same Idempotency-Key to get the committed order, or check before buying again.',
      2,
    ),
  internal: () => new ApiError('internal-error', 500, 'Internal server error'),
} as const;
