import type { FastifyInstance } from 'fastify';
import { errors } from '../errors.js';

/** Answers a share of public GET requests with a 500, as a failing dependency behind reads would. */
export function addChaosReadErrors(app: FastifyInstance): void {
  const { chaos } = app.services;
  app.addHook('preHandler', (request, _reply, done) => {
    if ((request.method === 'GET' || request.method === 'HEAD') && chaos.readFails()) done(errors.internal());
    else done();
  });
}
