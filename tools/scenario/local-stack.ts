// `npm start`'s parts (tools/stack) for one scenario run: free ports (so a run never collides with a
// stack someone else started on the defaults), fresh data (a new PGlite folder, or a new database on
// the given PostgreSQL server, dropped afterwards; Prometheus TSDB and Alertmanager state start
// empty), the shipped rules and intervals — only Alertmanager's group_interval shortened, like the
// demo, so a RESOLVED arrives within seconds of the clean window rather than at the next 1-minute tick.
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { pickFreePort } from '../stack/processes/binary-process.js';
import { createLogStream } from '../stack/log-stream.js';
import { MAX_REPLICAS, parseReplicaCount, parseStackOptions, portSettings, type PortName } from '../stack/options.js';
import { UsageError } from '../../packages/shared/usage-error.js';
import { Stack } from '../stack/stack.js';
import { apiOutage } from '../stack/api-outage.js';
import type { Targets } from './run-scenario.js';
import pg from 'pg';

export interface LocalStack {
  targets: Targets;
  stop(): Promise<void>;
  /** At once: SIGKILL to every part, then one bounded attempt (3 s) to drop the run's database. */
  kill(): Promise<void>;
}

/** Alertmanager's group_interval for scenarios and the demo: a RESOLVED within seconds of the clean window. */
export const SCENARIO_GROUP_INTERVAL = '15s';

export const REQUIRED_PARTS = ['api', 'prometheus', 'alertmanager', 'sink'] as const;

export interface LocalStackOptions {
  /**
   * A PostgreSQL server (any database on it, e.g. postgres://postgres@127.0.0.1:5432/postgres): each
   * run gets a database of its own there, so the API reaches it through the fault proxy and a database outage
   * is real. Without it: embedded PGlite (a database outage is simulated, docs/faults.md).
   */
  postgresUrl?: string;
  /** API replicas behind the balancer (more than 1 needs postgresUrl), as `npm start -- --replicas`. */
  replicas?: number;
  /** Give the start up (kill what started, drop the database) after this long; default START_DEADLINE_MS. */
  startDeadlineMs?: number;
}

/**
 * Each part has its own 60 s to answer its health URL; this catches a wait that never settles (the
 * --all run of 2026-12-02 sat 12 minutes in a start whose parts all answered).
 */
export const START_DEADLINE_MS = 120_000;

class StartDeadlineError extends Error {
  override name = 'StartDeadlineError';
}

/** The local stack's flags, shared by `npm run scenario` and `npm run scorecard`. */
export const LOCAL_STACK_FLAGS = {
  postgres: { type: 'string' },
  replicas: { type: 'string' },
} as const;

/** The usage lines of LOCAL_STACK_FLAGS, with descriptions starting at column `column`. */
export function localStackUsage(column: number): string {
  const line = (flag: string, ...text: string[]) => text.map((t, i) => `${(i === 0 ? `  ${flag}` : '').padEnd(column)}${t}`).join('\n');
  return [
    line('--postgres URL', 'a PostgreSQL server (postgres://postgres@127.0.0.1:5432/postgres): each run', 'gets a new database there, dropped afterwards, and a database outage is real', '(default: embedded PGlite, where it is simulated)'),
    line('--replicas N', `API replicas, 1 to ${MAX_REPLICAS} (default 1; more than 1 needs --postgres)`),
  ].join('\n');
}

export function localStackOptions(values: { postgres?: string; replicas?: string }): LocalStackOptions {
  const { postgres, replicas = '1' } = values;
  if (postgres !== undefined && !/^postgres(ql)?:\/\/\S+$/.test(postgres)) {
    throw new UsageError(`--postgres must be a URL like postgres://postgres@127.0.0.1:5432/postgres (got "${postgres}")`);
  }
  const count = parseReplicaCount(replicas);
  if (count > 1 && postgres === undefined) throw new UsageError('--replicas above 1 needs --postgres: an embedded PGlite database belongs to one process');
  return { postgresUrl: postgres, replicas: count };
}

/** One line for a report's header: what the stack ran on. */
export const describeLocalStack = ({ postgresUrl, replicas = 1 }: LocalStackOptions) =>
  `${postgresUrl ? 'PostgreSQL (a new database per run, through the fault proxy)' : 'embedded PGlite'}, ${replicas} API replica${replicas > 1 ? 's' : ''}`;

/**
 * `onKillable` receives the stack's kill as soon as there is something to kill (its database, then its
 * processes), before the start completes: a second Ctrl-C during a start must clean up too.
 */
export async function startLocalStack(
  logFile: string,
  { postgresUrl, replicas = 1, startDeadlineMs = START_DEADLINE_MS }: LocalStackOptions = {},
  env: NodeJS.ProcessEnv = process.env,
  onKillable?: (kill: () => Promise<void>) => void,
): Promise<LocalStack> {
  const ports = await Promise.all((Object.keys(portSettings) as PortName[]).map(async (name) => [portSettings[name].flag, await pickFreePort()] as const));
  const stackEnv: NodeJS.ProcessEnv = { ...env, ALERTMANAGER_GROUP_INTERVAL: env.ALERTMANAGER_GROUP_INTERVAL ?? SCENARIO_GROUP_INTERVAL };
  // An existing database would carry data from run to run: fresh data is a new PGlite folder or a new database.
  delete stackEnv.DATABASE_URL;
  let database: ScratchDatabase | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'ticketpulse-scenario-'));
  const args = [...ports.flatMap(([flag, port]) => [`--${flag}`, String(port)]), '--data-dir', dataDir, '--replicas', String(replicas)];
  const log = createWriteStream(logFile);
  let stack: Stack | undefined;
  let creating: Promise<ScratchDatabase> | undefined;
  // Set by a kill or a missed deadline: the start stops where it is and drops what it creates.
  let abandoned = false;
  // At once: SIGKILL to every part started so far; a second Ctrl-C must not leave a database behind
  // on someone's server (not even one still being created), and must not hang either.
  const kill = async () => {
    abandoned = true;
    stack?.killNow();
    const drop = async () => (database ?? (await creating?.catch(() => undefined)))?.drop().catch(() => undefined);
    await Promise.race([drop(), sleep(3_000, undefined, { ref: false })]);
  };
  onKillable?.(kill);
  let stopped: Promise<void> | undefined;
  // Once, however often it is called (an interrupted run and its finally both stop the stack).
  const cleanUp = () =>
    (stopped ??= (async () => {
      await stack?.stop();
      await new Promise<void>((done) => log.end(done));
      rmSync(dataDir, { recursive: true, force: true });
      await database?.drop();
    })());
  const start = async (): Promise<Stack> => {
    if (postgresUrl) {
      creating = createScratchDatabase(postgresUrl);
      const created = await creating;
      if (abandoned) {
        // Created after a kill or the deadline gave the start up: nobody else may drop it.
        await created.drop().catch(() => undefined);
        throw new Error('the start was given up (killed, or past its deadline)');
      }
      database = created;
      stackEnv.DATABASE_URL = created.url;
    }
    const options = parseStackOptions(args, stackEnv);
    if (options === 'help') throw new Error('unreachable: no --help given');
    stack = new Stack(options, stackEnv, createLogStream((text) => log.write(text), false));
    stack.command = 'npm run scenario';
    await stack.start();
    const running = stack;
    const missing = REQUIRED_PARTS.filter((name) => running.parts.get(name)?.state !== 'running');
    if (missing.length) {
      throw new Error(`the stack started without ${missing.join(', ')}: ${missing.map((name) => running.parts.get(name)?.reason ?? 'not running').join('; ')} (details in ${logFile})`);
    }
    return running;
  };
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StartDeadlineError(`the stack did not finish starting within ${Math.round(startDeadlineMs / 1000)} s`)), startDeadlineMs);
  });
  let started: Stack;
  try {
    started = await Promise.race([start(), late]);
  } catch (error) {
    if (error instanceof StartDeadlineError) {
      abandoned = true;
      const where = stack ? `${stack.startStage}; ${[...stack.parts.values()].map((part) => `${part.name} ${part.state}`).join(', ')}` : 'still creating its database';
      stack?.killNow();
      error.message = `${error.message} (${where}): what it started is killed (details in ${logFile})`;
      // What hung may hang its stop too: bounded, the kill above has done the essential.
      await Promise.race([cleanUp(), sleep(15_000, undefined, { ref: false })]);
    } else {
      await cleanUp();
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
  const replicaRunner = started.parts.get('api')?.child;
  return {
    targets: {
      apiUrl: started.apiUrl,
      prometheusUrl: started.prometheusUrl,
      alertmanagerUrl: started.url('alertmanager'),
      sinkUrl: started.sinkUrl,
      adminToken: started.adminToken,
      apiOutage: replicaRunner && apiOutage(replicaRunner, started.apiReplicaUrls),
    },
    stop: cleanUp,
    kill,
  };
}

interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A new, empty database on the given server, and how to drop it (connections and all) after the run. */
async function createScratchDatabase(serverUrl: string): Promise<ScratchDatabase> {
  const name = `ticketpulse_scenario_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = async <T>(work: (client: pg.Client) => Promise<T>) => {
    // Bounded: a CREATE or DROP DATABASE that waits on a lock must not hold a run forever.
    const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000, query_timeout: 30_000 });
    await client.connect().catch((error: Error) => {
      throw new Error(`PostgreSQL at ${redact(serverUrl)} did not answer: ${error.message}`);
    });
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // FORCE (PostgreSQL 13+) ends the connections a killed replica may have left behind.
    drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

const redact = (text: string) => text.replace(/\/\/[^@/]*@/, '//***@');
