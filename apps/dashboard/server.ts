// The live dashboard server: its own process and port, so it keeps showing what Prometheus saw
// while the API is down. `npm run dashboard` runs this file; other code calls startDashboardServer().
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { buildDashboardApp } from './app.js';
import { loadDashboardConfig, resolveDashboardConfig, type DashboardConfig } from './config.js';
import { ConfigError } from '../../packages/shared/env.js';

export interface DashboardServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startDashboardServer(options: Partial<DashboardConfig> = {}): Promise<DashboardServer> {
  const config = resolveDashboardConfig(options);
  const app = await buildDashboardApp(config);
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // A wildcard bind is reachable on loopback; print an address a person can click.
  const host = ['0.0.0.0', '::', ''].includes(config.host) ? '127.0.0.1' : config.host;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () => app.close(),
  };
}

async function main(): Promise<void> {
  let config: DashboardConfig;
  try {
    config = loadDashboardConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`dashboard: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  let server: DashboardServer;
  try {
    server = await startDashboardServer(config);
  } catch (error) {
    console.error(`dashboard: cannot start on ${config.host}:${config.port}: ${(error as Error).message}`);
    process.exit(1);
  }
  console.log(
    `live dashboard at ${server.url} (Prometheus ${config.prometheusUrl}, Alertmanager ${config.alertmanagerUrl}, ` +
      `API ${config.apiUrl}, chaos control ${config.adminToken ? 'enabled' : 'disabled: ADMIN_TOKEN not set'})`,
  );
  const shutdown = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

function isMainModule(): boolean {
  if (!process.argv[1]) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

if (isMainModule()) await main();
