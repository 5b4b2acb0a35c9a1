import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { ChaosSettingsStore } from './chaos/chaos-settings.js';
import { ConcertsRepository } from './concerts/concerts-repository.js';
import type { ApiConfig } from './config.js';
import type { Database } from './db/database.js';
import { createPgliteDatabase } from './db/pglite-database.js';
import { migrate } from './db/migrations.js';
import { createPostgresDatabase } from './db/postgres-database.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { OrdersRepository } from './orders/orders-repository.js';
import { PurchaseBatcher } from './orders/purchase-batcher.js';
import { PurchaseService } from './orders/purchase-service.js';

export interface Services {
  config: ApiConfig;
  metrics: Metrics;
  db: Database;
  concerts: ConcertsRepository;
  orders: OrdersRepository;
  purchases: PurchaseService;
  chaos: ChaosSettingsStore;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

export async function openDatabase(config: ApiConfig, logger: Logger, metrics: Metrics): Promise<Database> {
  const observe = (operation: string, seconds: number) => metrics.dbQueryDuration.observe({ operation }, seconds);
  return config.databaseUrl
    ? createPostgresDatabase({
        url: config.databaseUrl,
        poolSize: config.databasePoolSize,
        statementTimeoutMs: config.databaseStatementTimeoutMs,
        lockTimeoutMs: config.databaseLockTimeoutMs,
        logger,
        observe,
      })
    : createPgliteDatabase({ dataDir: config.dataDir === ':memory:' ? undefined : config.dataDir, lockTimeoutMs: config.databaseLockTimeoutMs, observe });
}

/** Wires the database, repositories and services, migrates, and closes them with the app. */
async function servicesPlugin(app: FastifyInstance, { config }: { config: ApiConfig }): Promise<void> {
  const metrics = createMetrics();
  const db = await openDatabase(config, app.log, metrics);
  metrics.databaseInfo.set({ kind: db.kind }, 1);
  app.addHook('onClose', async () => {
    chaos.stopSync();
    await db.close();
  });
  const applied = await migrate(db);
  if (applied.length > 0) app.log.info({ versions: applied }, 'database migrated');

  const chaos = new ChaosSettingsStore(db, config.chaosDefaults, app.log);
  await chaos.sync();
  chaos.startSync(config.chaosSyncIntervalMs);

  const concerts = new ConcertsRepository(db);
  const orders = new OrdersRepository(db);
  app.decorate('services', {
    config,
    metrics,
    db,
    concerts,
    orders,
    purchases: new PurchaseService(orders, new PurchaseBatcher(orders, { queueLimit: config.purchaseQueueLimit, queueTimeoutMs: config.purchaseQueueTimeoutMs }), chaos, concerts),
    chaos,
  } satisfies Services);
}

export default fp(servicesPlugin, { name: 'services' });
