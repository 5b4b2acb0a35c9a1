import { bearerToken } from '../http/bearer-token.js';
import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errors } from '../errors.js';
import { ChaosInputSchema, ChaosSettingsSchema, latencyRangeError, withFaultDefaults } from '../../../packages/contract/index.js';
import { problems } from '../http/schemas.js';

function tokensMatch(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Runtime chaos control. Stored in the database, so every replica follows within its sync interval. */
const chaosRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { chaos, config } = app.services;

  app.addHook('onRequest', async (request) => {
    if (!config.adminToken) {
      throw errors.unauthorized('The admin API is disabled: start the API with ADMIN_TOKEN set to enable it.');
    }
    const token = bearerToken(request.headers.authorization) ?? '';
    if (!tokensMatch(token, config.adminToken)) {
      throw errors.unauthorized('Send "Authorization: Bearer <ADMIN_TOKEN>".');
    }
  });

  const security = [{ bearerAuth: [] }];

  app.get(
    '/api/admin/chaos',
    {
      schema: {
        tags: ['admin'],
        summary: 'Chaos settings in force',
        operationId: 'getChaosSettings',
        security,
        response: { 200: Type.Ref(ChaosSettingsSchema), ...problems('unauthorized') },
      },
    },
    async () => chaos.settings,
  );

  app.put(
    '/api/admin/chaos',
    {
      schema: {
        tags: ['admin'],
        summary: 'Stage or heal faults (payment failures, latency, database, memory, CPU, event loop, crash, read errors) on every replica',
        description: 'Faults left out of the body are healed. Every replica follows within CHAOS_SYNC_INTERVAL_MS.',
        operationId: 'updateChaosSettings',
        security,
        body: ChaosInputSchema,
        response: {
          200: Type.Ref(ChaosSettingsSchema),
          ...problems('invalid-request', 'unauthorized', 'payload-too-large', 'unsupported-media-type', 'service-unavailable', 'database-timeout', 'overloaded'),
        },
      },
    },
    async (request) => {
      const latencyError = latencyRangeError(request.body.latencyMs, { min: 'latencyMs.min', max: 'body/latencyMs/max' });
      if (latencyError) throw errors.invalidRequest(latencyError);
      const settings = await chaos.update(withFaultDefaults(request.body));
      request.log.info({ chaos: settings }, 'chaos settings updated by admin');
      return settings;
    },
  );
};

export default chaosRoutes;
