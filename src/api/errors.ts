/**
 * The API's error family. Each has a stable code, an HTTP status and a problem type; one error
 * handler turns them into RFC 9457 problem documents, so routes and services just throw.
 * @see https://www.rfc-editor.org/rfc/rfc9457
 */
export const PROBLEM_BASE = 'https://ticketpulse.dev/problems/';

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

export const errors = {
  invalidRequest: (detail: string) => new ApiError('invalid-request', 400, 'Invalid request', detail),
  unauthorized: (detail: string) => new ApiError('unauthorized', 401, 'Unauthorized', detail),
  concertNotFound: (id: string) => new ApiError('concert-not-found', 404, 'Concert not found', `No concert has id "${id}".`),
  orderNotFound: (id: string) => new ApiError('order-not-found', 404, 'Order not found', `No order has id "${id}".`),
  routeNotFound: (method: string, url: string) =>
    new ApiError('not-found', 404, 'Not found', `${method} ${url.split('?')[0]} is not part of this API.`),
  soldOut: (requested: number, available: number) =>
    new ApiError('sold-out', 409, 'Sold out', `Requested ${requested} tickets but only ${available} remain.`),
  idempotencyMismatch: () =>
    new ApiError(
      'idempotency-key-reused',
      422,
      'Idempotency key reused',
      'This Idempotency-Key was already used with a different concert or body.',
    ),
  paymentFailed: () =>
    new ApiError('payment-failed', 502, 'Payment failed', 'The payment provider declined or failed; no tickets were sold.'),
  databaseUnavailable: () =>
    new ApiError('service-unavailable', 503, 'Service unavailable', 'The database is unreachable; try again shortly.'),
  internal: () => new ApiError('internal-error', 500, 'Internal server error'),
} as const;
