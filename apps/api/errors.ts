/**
 * The API's error family. Each has a stable code, an HTTP status and a problem type; one error
 * handler turns them into RFC 9457 problem documents, so routes and services just throw.
 * The catalogue of problem types is the contract's (packages/contract/problems.ts).
 * @see https://www.rfc-editor.org/rfc/rfc9457
 */
import { PROBLEM_TYPES, problemTypeUri, type ProblemCode, type ProblemTypeInfo } from '../../packages/contract/index.js';

// Re-exported for the code that reads the catalogue beside the error family (the drift test).
export { PROBLEM_BASE, PROBLEM_TYPES, type ProblemCode } from '../../packages/contract/index.js';

export class ApiError extends Error {
  constructor(
    readonly code: ProblemCode,
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
    return problemTypeUri(this.code);
  }
}

function problem(code: ProblemCode, detail?: string): ApiError {
  const type: ProblemTypeInfo = PROBLEM_TYPES[code];
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
