// `npm start`'s parts (tools/stack) for one scenario run: free ports (so a run never collides with a
// stack someone else started on the defaults), a fresh data folder (PGlite, Prometheus TSDB and
// Alertmanager state start empty), the shipped rules and intervals — only Alertmanager's
// group_interval shortened, like the demo, so a RESOLVED arrives within seconds of the clean window
// rather than at the next 1-minute tick.
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pickFreePort } from '../stack/processes/binary-process.js';
import { createLogStream } from '../stack/log-stream.js';
import { parseStackOptions, portSettings, type PortName } from '../stack/options.js';
import { Stack } from '../stack/stack.js';
import type { Targets } from './run-scenario.js';

export interface LocalStack {
  targets: Targets;
  stop(): Promise<void>;
  kill(): void;
}

/** Alertmanager's group_interval for scenarios and the demo: a RESOLVED within seconds of the clean window. */
export const SCENARIO_GROUP_INTERVAL = '15s';

export const REQUIRED_PARTS = ['api', 'prometheus', 'alertmanager', 'sink'] as const;

export async function startLocalStack(logFile: string, env: NodeJS.ProcessEnv = process.env): Promise<LocalStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ticketpulse-scenario-'));
  const ports = await Promise.all((Object.keys(portSettings) as PortName[]).map(async (name) => [portSettings[name].flag, await pickFreePort()] as const));
  const args = [...ports.flatMap(([flag, port]) => [`--${flag}`, String(port)]), '--data-dir', dataDir];
  const stackEnv: NodeJS.ProcessEnv = { ...env, ALERTMANAGER_GROUP_INTERVAL: env.ALERTMANAGER_GROUP_INTERVAL ?? SCENARIO_GROUP_INTERVAL };
  // PostgreSQL would carry data from run to run; a fresh PGlite folder is fresh data by construction.
  delete stackEnv.DATABASE_URL;
  const options = parseStackOptions(args, stackEnv);
  if (options === 'help') throw new Error('unreachable: no --help given');
  const log = createWriteStream(logFile);
  const stack = new Stack(options, stackEnv, createLogStream((text) => log.write(text), false));
  stack.command = 'npm run scenario';
  const cleanUp = async () => {
    await stack.stop();
    await new Promise<void>((done) => log.end(done));
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await stack.start();
    const missing = REQUIRED_PARTS.filter((name) => stack.parts.get(name)?.state !== 'running');
    if (missing.length) {
      throw new Error(`the stack started without ${missing.join(', ')}: ${missing.map((name) => stack.parts.get(name)?.reason ?? 'not running').join('; ')} (details in ${logFile})`);
    }
  } catch (error) {
    await cleanUp();
    throw error;
  }
  return {
    targets: {
      apiUrl: stack.apiUrl,
      prometheusUrl: stack.prometheusUrl,
      alertmanagerUrl: stack.url('alertmanager'),
      sinkUrl: stack.sinkUrl,
      adminToken: stack.adminToken,
    },
    stop: cleanUp,
    kill: () => stack.killNow(),
  };
}
