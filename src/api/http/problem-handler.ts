import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { DatabaseUnavailableError } from '../db/database.js';
import { ApiError, errors, PROBLEM_BASE, PROBLEM_TYPES } from '../errors.js';

export function sendProblem(reply: FastifyReply, error: ApiError): FastifyReply {
  const body: Record<string, unknown> = { type: error.type, title: error.title, status: error.status };
  if (error.message !== error.title) body.detail = error.message;
  if (error.status === 503) reply.header('retry-after', '2');
  return reply.code(error.status).type('application/problem+json').send(body);
}

/** Maps every failure to a problem document. 5xx answers never carry internals; the log does. */
async function problemHandler(app: FastifyInstance): Promise<void> {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError) return sendProblem(reply, error);
    if (error instanceof DatabaseUnavailableError) {
      request.log.warn({ err: error }, 'database unavailable');
      return sendProblem(reply, errors.databaseUnavailable());
    }
    if (error.validation) {
      const where = error.validationContext ?? 'request';
      return sendProblem(reply, errors.invalidRequest(`${where}${error.message.replace(/^(body|querystring|params|headers)/, '')}`));
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      // Fastify's own client errors: malformed JSON, wrong content type, body too large, ...
      const code = error.statusCode === 415 ? 'unsupported-media-type' : error.statusCode === 413 ? 'payload-too-large' : 'invalid-request';
      return sendProblem(reply, new ApiError(code, error.statusCode, PROBLEM_TYPES[code].title, error.message));
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, errors.internal());
  });

  app.setNotFoundHandler((request, reply) => sendProblem(reply, errors.routeNotFound(request.method, request.url)));
}

export default fp(problemHandler, { name: 'problem-handler' });
export { PROBLEM_BASE };
