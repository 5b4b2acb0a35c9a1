import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errors } from '../errors.js';
import { HealthSchema, problems } from '../http/schemas.js';

const READINESS_TIMEOUT_MS = 1_500;

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.services;

  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process runs',
        operationId: 'getLiveness',
        security: [],
        response: { 200: HealthSchema },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: the database answers',
        operationId: 'getReadiness',
        security: [],
        response: { 200: HealthSchema, ...problems('service-unavailable') },
      },
    },
    async () => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('readiness check timed out')), READINESS_TIMEOUT_MS);
      });
      try {
        await Promise.race([db.query('readiness', 'SELECT 1'), timeout]);
      } catch {
        throw errors.databaseUnavailable();
      } finally {
        clearTimeout(timer);
      }
      return { status: 'ready' };
    },
  );
};

export default healthRoutes;
