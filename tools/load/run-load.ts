// Runs one named load shape with Locust headless into a fresh run folder, applying any scheduled
// chaos changes on the way, and records the run in run.json.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OBJECTIVES } from '../report/objectives.js';
import { RAMP_STAIRS_FILE } from '../report/ramp-stairs.js';
import { getChaos, putChaos } from '../../packages/shared/chaos-client.js';
import { findLocust, locustVersion, LOCUST_INSTALL_HINT } from './find-locust.js';
import type { ChaosSettings } from '../../packages/contract/index.js';
import { CSV_PREFIX, writeRunRecord, type ChaosChange, type RunRecord } from '../report/run-record.js';
import type { LoadOptions } from './run-options.js';
import { UsageError } from '../../packages/shared/usage-error.js';
import { repoRoot } from '../../packages/shared/repo-root.js';

export const LOCUSTFILE = join(dirname(fileURLToPath(import.meta.url)), 'locustfile.py');

/** Locust gets this long past the shape's end to seed data, stop users and write its files. */
const OVERRUN_GRACE_MS = 120_000;

export interface RunLoadIo {
  /** Where Locust's output goes besides locust.log (the terminal by default). */
  echo?: (chunk: Buffer) => void;
  env?: NodeJS.ProcessEnv;
}

export interface LoadRun {
  runDir: string;
  record: RunRecord;
}

function folderTimestamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
}

/**
 * Locust's arguments as run.json keeps them: paths relative to the run folder (its files) or to the
 * repository (the locustfile), so a run folder can be moved, shared or committed without naming the
 * machine it ran on.
 */
export function portableArgs(args: readonly string[], runDir: string): string[] {
  return args.map((arg) => {
    if (arg === runDir || arg.startsWith(`${runDir}/`)) return relative(runDir, arg) || '.';
    if (arg.startsWith(`${repoRoot}/`)) return relative(repoRoot, arg);
    return arg;
  });
}

export function locustArgs(options: LoadOptions, runDir: string): string[] {
  return [
    '-f', LOCUSTFILE,
    '--headless',
    '--host', options.host,
    '--shape', options.shape,
    '--shape-duration', `${options.durationS}s`,
    '--peak-users', String(options.peakUsers),
    ...(options.hotCapacity ? ['--hot-capacity', String(options.hotCapacity)] : []),
    '--p99-objective-ms', String(OBJECTIVES.p99Ms),
    '--error-objective', String(OBJECTIVES.errorRatio),
    ...(options.shape === 'ramp' ? ['--ramp-stairs-file', join(runDir, RAMP_STAIRS_FILE)] : []),
    '--csv', join(runDir, CSV_PREFIX),
    '--csv-full-history',
    '--html', join(runDir, 'locust.html'),
    // Payment failures are expected under chaos; the report judges the run, not Locust's exit code.
    '--exit-code-on-error', '0',
    ...options.locustArgs,
  ];
}

/** Before a run folder exists: an API that does not answer is one line, not an empty run. */
export async function checkApiAnswers(host: string): Promise<void> {
  let status: number;
  try {
    const response = await fetch(`${host}/readyz`, { signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
    status = response.status;
  } catch (error) {
    const reason = ((error as Error).cause as Error | undefined)?.message ?? (error as Error).message;
    throw new UsageError(`no API answers at ${host} (${reason}): start it (npm start, or npm run serve) or point --host at it; nothing was run`);
  }
  if (status !== 200) throw new UsageError(`the API at ${host} is not ready (GET /readyz answered ${status}); nothing was run`);
}

export async function runLoad(options: LoadOptions, io: RunLoadIo = {}): Promise<LoadRun> {
  const env = io.env ?? process.env;
  const echo = io.echo ?? ((chunk: Buffer) => process.stdout.write(chunk));
  const binary = findLocust(env);
  if (!binary) throw new UsageError(LOCUST_INSTALL_HINT);
  const adminToken = env.ADMIN_TOKEN;
  if (options.chaos.length > 0 && !adminToken) throw new UsageError('--chaos needs ADMIN_TOKEN (the API admin token) in the environment');

  const started = new Date();
  const runDir = resolve(options.outDir, `${folderTimestamp(started)}-${options.shape}`);
  mkdirSync(runDir, { recursive: true });
  const args = locustArgs(options, runDir);
  const record: RunRecord = {
    shape: options.shape,
    durationS: options.durationS,
    peakUsers: options.peakUsers,
    hotCapacity: options.hotCapacity,
    host: options.host,
    startedAt: started.toISOString(),
    locust: { binary, version: locustVersion(binary), args: portableArgs(args, runDir) },
    objectives: { p99Ms: OBJECTIVES.p99Ms, errorRatio: OBJECTIVES.errorRatio },
    chaosChanges: [],
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      os: `${type()} ${release()}`,
      node: process.version,
    },
  };
  writeRunRecord(runDir, record);

  const log = createWriteStream(join(runDir, 'locust.log'));
  const child = spawn(binary, args, { env: { ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const hotConcertIds = new Set<string>();
  const tee = (chunk: Buffer) => {
    log.write(chunk);
    echo(chunk);
    // The locustfile logs "hot concert <id> on sale: N tickets"; the report follows its sell-through.
    for (const match of chunk.toString('utf8').matchAll(/hot concert (\S+) on sale/g)) hotConcertIds.add(match[1]);
  };
  child.stdout.on('data', tee);
  child.stderr.on('data', tee);
  const exited = new Promise<number | null>((done, fail) => {
    child.once('error', fail);
    child.once('exit', (code, signal) => done(code ?? (signal ? 128 : null)));
  });

  // Ctrl-C reaches Locust too (same process group); it then stops and still writes its CSV and HTML.
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  const onInterrupt = () => undefined;
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', forward);
  const overrun = setTimeout(() => child.kill('SIGINT'), options.durationS * 1000 + OVERRUN_GRACE_MS);
  const hardStop = setTimeout(() => child.kill('SIGKILL'), options.durationS * 1000 + OVERRUN_GRACE_MS + 30_000);

  let before: ChaosSettings | undefined;
  const chaosTimers: NodeJS.Timeout[] = [];
  const applyChaos = async (settings: ChaosSettings, offsetS: number, kind: ChaosChange['kind']) => {
    try {
      const applied = await putChaos(options.host, adminToken!, settings);
      const change: ChaosChange = { at: new Date().toISOString(), offsetS, settings: applied, kind };
      record.chaosChanges.push(change);
      writeRunRecord(runDir, record);
      echo(Buffer.from(`[load] chaos → failure rate ${applied.failureRate}, latency ${applied.latencyMs.min}-${applied.latencyMs.max} ms\n`));
    } catch (error) {
      echo(Buffer.from(`[load] chaos change failed: ${(error as Error).message}\n`));
    }
  };
  if (options.chaos.length > 0) {
    before = await getChaos(options.host, adminToken!);
    for (const step of options.chaos) {
      const settings = { ...before, failureRate: step.failureRate, latencyMs: step.latencyMs ?? before.latencyMs };
      chaosTimers.push(setTimeout(() => void applyChaos(settings, step.offsetS, 'scheduled'), step.offsetS * 1000));
    }
  }

  let exitCode: number | null;
  try {
    exitCode = await exited;
  } finally {
    clearTimeout(overrun);
    clearTimeout(hardStop);
    chaosTimers.forEach(clearTimeout);
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', forward);
    await new Promise<void>((done) => log.end(done));
  }
  record.endedAt = new Date().toISOString();
  const last = record.chaosChanges[record.chaosChanges.length - 1]?.settings;
  if (before && last && JSON.stringify(last) !== JSON.stringify(before)) {
    await applyChaos(before, (Date.parse(record.endedAt) - started.getTime()) / 1000, 'restore');
  }
  record.locust.exitCode = exitCode;
  if (hotConcertIds.size > 0) record.hotConcertIds = [...hotConcertIds];
  writeRunRecord(runDir, record);
  return { runDir, record };
}
