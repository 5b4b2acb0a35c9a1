import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { startProcessFaults } from './chaos/process-faults.js';
import { loadApiConfig } from './config.js';
import { ConfigError } from '../../packages/shared/env.js';
import { redactCredentials } from '../../packages/shared/redact.js';

/** Starts the API: read config, build, listen, and close gracefully on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadApiConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`ticketpulse-api: invalid configuration: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }

  const app = await buildApp({ config });
  // Here, not in buildApp: a staged crash must end this process, never a test runner's.
  const faults = startProcessFaults(app.services.chaos, app.log, {
    exit: (code) => process.exit(code),
    onLeakRate: (bytesPerSecond) => app.services.metrics.chaosMemoryLeak.set(bytesPerSecond),
  });
  app.addHook('onClose', async () => faults.stop());
  closeWithGrace({ delay: config.shutdownTimeoutMs }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    await app.close();
  });

  await app.listen({ host: config.host, port: config.port });
  app.log.info(
    { database: app.services.db.kind, adminApi: Boolean(config.adminToken), chaos: app.services.chaos.settings },
    'ticketpulse api ready',
  );
}

main().catch((error) => {
  console.error(`ticketpulse-api: failed to start: ${redactCredentials(error instanceof Error ? error.message : String(error))}`);
  process.exit(1);
});
