import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import {
  DatabaseBusyError,
  DatabaseOutcomeUnknownError,
  DatabaseTimeoutError,
  DatabaseUnavailableError,
} from '../db/database.js';
import { ApiError, errors, PROBLEM_BASE } from '../errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function sendProblem(reply: FastifyReply, error: ApiError): FastifyReply {
  const body: Record<string, unknown> = { type: error.type, title: error.title, status: error.status };
  if (error.message !== error.title) body.detail = error.message;
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  return reply.code(error.status).type('application/problem+json').send(body);
}

/** Fastify's own client errors (parsing, content type, size, bad URL), by status. */
function frameworkClientError(error: FastifyError): ApiError {
  switch (error.statusCode) {
    case 413:
      return errors.payloadTooLarge(error.message);
    case 414:
      return errors.uriTooLong('A path segment is longer than this API accepts.');
    case 415:
      return errors.unsupportedMediaType(error.message);
    case 400:
      return errors.invalidRequest(error.message);
    default:
      return new ApiError('invalid-request', error.statusCode!, STATUS_CODES[error.statusCode!] ?? 'Client error', error.message);
  }
}

/**
 * What a failure means for the caller. Database failures are told apart by whether anything can
 * have changed: refused or cancelled statements changed nothing (503, retry freely); a statement
 * whose answer was lost may have committed (504 outcome-unknown for a change; a read just failed).
 * Returns undefined for a bug, which stays a 500.
 */
export function toApiError(error: unknown, method: string): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof DatabaseUnavailableError) return errors.databaseUnavailable();
  if (error instanceof DatabaseBusyError) return errors.overloaded('Every database connection is busy.');
  if (error instanceof DatabaseTimeoutError) return errors.databaseTimeout();
  if (error instanceof DatabaseOutcomeUnknownError) {
    return SAFE_METHODS.has(method) ? errors.databaseUnavailable() : errors.outcomeUnknown();
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const where = fastifyError.validationContext ?? 'request';
    return errors.invalidRequest(`${where}${fastifyError.message.replace(/^(body|querystring|params|headers)/, '')}`);
  }
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return frameworkClientError(fastifyError);
  }
  return undefined;
}

/** Maps every failure to a problem document. 5xx answers never carry internals; the log does. */
async function problemHandler(app: FastifyInstance): Promise<void> {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = toApiError(error, request.method);
    if (!problem) {
      request.log.error({ err: error }, 'unhandled error');
      return sendProblem(reply, errors.internal());
    }
    // Database failures are worth a line each; a problem a route threw on purpose (shed, payment
    // failed) is not, and logging every shed purchase would slow down shedding itself.
    if (problem.status >= 500 && !(error instanceof ApiError)) request.log.warn({ err: error }, problem.title);
    return sendProblem(reply, problem);
  });

  app.setNotFoundHandler((request, reply) => sendProblem(reply, errors.routeNotFound(request.method, request.url)));
}

/** Errors Fastify raises before routing (a path parameter over maxParamLength, a malformed URL). */
export const frameworkErrors: NonNullable<FastifyServerOptions['frameworkErrors']> = (
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
) => {
  sendProblem(reply, frameworkClientError(error));
};

/**
 * Errors Node's HTTP parser raises before Fastify sees a request (headers too large, a request
 * that did not arrive within requestTimeout, malformed HTTP): answered as problems on the raw
 * socket, which is then closed, as Node itself would.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const problem =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? errors.requestTimeout()
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? errors.headersTooLarge()
        : errors.invalidRequest('The request is not valid HTTP.');
  // Node's own rule: never write into a response that has already begun.
  const responding = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (socket.writable && !responding) {
    const body = JSON.stringify({ type: problem.type, title: problem.title, status: problem.status, detail: problem.message });
    socket.write(
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

export default fp(problemHandler, { name: 'problem-handler' });
export { PROBLEM_BASE };
