import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { addChaosLatency } from './chaos/chaos-latency.js';
import chaosRoutes from './chaos/chaos-routes.js';
import { addChaosReadErrors } from './chaos/read-errors.js';
import concertRoutes from './concerts/concert-routes.js';
import type { ApiConfig } from './config.js';
import { API_CONTRACT_VERSION } from './contract-version.js';
import problemHandler, { clientErrorHandler, frameworkErrors } from './http/problem-handler.js';
import { ChaosSettingsSchema, ConcertSchema, OrderSchema, ProblemSchema } from '../../packages/contract/index.js';
import { createValidatorCompiler } from './http/validation.js';
import metricsPlugin from './metrics/metrics-plugin.js';
import healthRoutes from './ops/health-routes.js';
import orderRoutes from './orders/order-routes.js';
import servicesPlugin from './services.js';

export interface BuildOptions {
  config: ApiConfig;
  logger?: FastifyServerOptions['logger'];
}

/** Builds the whole API without listening, so tests can `inject()` and the server can `listen()`. */
export async function buildApp({ config, logger }: BuildOptions): Promise<FastifyInstance> {
  const sharedSchemas = [ProblemSchema, ConcertSchema, OrderSchema, ChaosSettingsSchema];
  const app = Fastify({
    logger: logger ?? { level: config.logLevel },
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // Access logs for every request cost ~15% of throughput; errors are logged where they happen.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    return503OnClosing: true,
    // Opening PGlite (WASM) and migrating take seconds, tens of seconds on a busy 2-core machine.
    pluginTimeout: 60_000,
    // Slow clients: a request must arrive whole within requestTimeout (checked every second, not
    // Node's default 30 s), and an idle keep-alive socket closes after keepAliveTimeout.
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // Node enforces requestTimeout on a body only when headersTimeout is no longer than it.
    http: { connectionsCheckingInterval: 1_000, headersTimeout: config.requestTimeoutMs },
    // Answers before routing and from Node's HTTP parser are problems too (414, 431, 408, 400).
    frameworkErrors,
    clientErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(createValidatorCompiler(sharedSchemas));
  for (const schema of sharedSchemas) app.addSchema(schema);
  // While closing, answer in-flight requests with `Connection: close`, so keep-alive sockets end
  // with their last response instead of holding the shutdown open until its timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Callback hooks, not async ones: no promise per request on the hot path.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    request.log.debug({ method: request.method, url: request.url, statusCode: reply.statusCode, ms: reply.elapsedTime }, 'request completed');
    done();
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'TicketPulse API',
        version: API_CONTRACT_VERSION,
        description: 'Concerts and ticket orders. The contract in words, with its changelog: docs/api.md in the repository.',
        // No licence has been chosen for the project yet; the document says so instead of guessing one.
        license: { name: 'Proprietary: no licence granted' },
      },
      // Relative: the API that served this document is the one to call.
      servers: [{ url: '/', description: 'the API that served this document' }],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN of the API, for the chaos admin API only' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(servicesPlugin, { config });
  await app.register(problemHandler);
  await app.register(metricsPlugin);
  await app.register(healthRoutes);
  await app.register(async (publicApi) => {
    addChaosLatency(publicApi);
    addChaosReadErrors(publicApi);
    await publicApi.register(concertRoutes);
    await publicApi.register(orderRoutes);
  });
  await app.register(chaosRoutes);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  return app;
}
