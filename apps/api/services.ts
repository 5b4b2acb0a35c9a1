import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { ChaosSettingsStore } from './chaos/chaos-settings.js';
import { startDatabaseFaultProxy, viaProxy, type DatabaseFaultProxy } from './chaos/database-fault-proxy.js';
import { withDatabaseFaults } from './chaos/faulty-database.js';
import { ConcertsRepository } from './concerts/concerts-repository.js';
import type { ApiConfig } from './config.js';
import type { Database } from './db/database.js';
import { createPgliteDatabase } from './db/pglite-database.js';
import { migrate } from './db/migrations.js';
import { createPostgresDatabase } from './db/postgres-database.js';
import { countUnavailability } from './metrics/db-availability.js';
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

interface OpenDatabases {
  /** What the application's statements use. */
  app: Database;
  /** Migrations and the chaos settings: around the fault proxy, so a staged outage can be healed. */
  control: Database;
  proxy: DatabaseFaultProxy | undefined;
  close(): Promise<void>;
}

export async function openDatabases(config: ApiConfig, logger: Logger, metrics: Metrics): Promise<OpenDatabases> {
  const observe = (operation: string, seconds: number) => metrics.dbQueryDuration.observe({ operation }, seconds);
  if (!config.databaseUrl) {
    const db = await createPgliteDatabase({ dataDir: config.dataDir === ':memory:' ? undefined : config.dataDir, lockTimeoutMs: config.databaseLockTimeoutMs, observe });
    return { app: db, control: db, proxy: undefined, close: () => db.close() };
  }
  const url = config.databaseUrl;
  const postgresOptions = {
    poolSize: config.databasePoolSize,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
    lockTimeoutMs: config.databaseLockTimeoutMs,
    logger,
    observe,
  };
  if (!config.databaseFaultProxy) {
    const db = createPostgresDatabase({ url, ...postgresOptions });
    return { app: db, control: db, proxy: undefined, close: () => db.close() };
  }
  const target = new URL(url);
  const proxy = await startDatabaseFaultProxy(target.hostname || 'localhost', Number(target.port || 5432));
  const app = createPostgresDatabase({ url: viaProxy(url, proxy), ...postgresOptions });
  // Two connections: migrations hold one for their advisory lock and query on another. A name of
  // its own, so pg_stat_activity tells the application's connections from these.
  const controlUrl = new URL(url);
  controlUrl.searchParams.set('application_name', 'ticketpulse-api-control');
  const control = createPostgresDatabase({ ...postgresOptions, url: controlUrl.toString(), poolSize: 2 });
  return {
    app,
    control,
    proxy,
    async close() {
      await app.close();
      await control.close();
      await proxy.close();
    },
  };
}

/** Wires the database, repositories and services, migrates, and closes them with the app. */
async function servicesPlugin(app: FastifyInstance, { config }: { config: ApiConfig }): Promise<void> {
  const metrics = createMetrics();
  const databases = await openDatabases(config, app.log, metrics);
  metrics.databaseInfo.set({ kind: databases.app.kind }, 1);
  app.addHook('onClose', async () => {
    chaos.stopSync();
    await databases.close();
  });
  const applied = await migrate(databases.control);
  if (applied.length > 0) app.log.info({ versions: applied }, 'database migrated');

  const chaos = new ChaosSettingsStore(databases.control, config.chaosDefaults, app.log);
  await chaos.sync();
  chaos.startSync(config.chaosSyncIntervalMs);
  const { proxy } = databases;
  if (proxy) chaos.onChange((settings) => proxy.setOutage(settings.database.outage));
  const db = countUnavailability(withDatabaseFaults(databases.app, chaos, { simulateOutage: !proxy }), metrics.dbUnavailable);

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
