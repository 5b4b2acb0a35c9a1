// `npm start`: the whole TicketPulse stack on this machine, without Docker (see docs/local-stack.md).
// Ctrl-C or SIGTERM stops every child within a few seconds; a second, deliberate Ctrl-C kills them
// at once (signals.ts tells the copies of one keypress apart from a second one). With a stack
// already running from the same data folder, `npm start -- --load <shape>` adds the load to it and
// anything else is refused without touching it (running-stack.ts).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createLogStream, useColour, type LogStream } from './log-stream.js';
import { UsageError } from '../../packages/shared/usage-error.js';
import { USAGE, parseStackOptions, type StackOptions } from './options.js';
import { isUserError } from './start-errors.js';
import { findRunningStack, secondStartMessage, StackRunningError, type RunningStack } from './running-stack.js';
import { createSignalGate } from './signals.js';
import { Stack } from './stack.js';
import { repoRoot } from '../../packages/shared/repo-root.js';

/** `npm start -- --load …` beside a running stack: the load runner against that stack's API, in this terminal. */
async function addLoadTo(running: RunningStack, options: StackOptions, log: LogStream): Promise<number> {
  if (options.chaos) {
    throw new UsageError(
      `--chaos cannot be applied to the running stack from here (its admin token is in its own terminal): use the live dashboard's chaos control (${running.origins.dashboard ?? 'its URL is in that table'})`,
    );
  }
  const load = options.load!;
  const api = running.origins.api;
  if (!api) throw new StackRunningError(`${secondStartMessage(running)} (its API is not running, so there is nothing to load)`, running);
  log.info(`a stack is already running from ${running.dataDir} (pid ${running.supervisorPid}): adding the "${load.shape}" load to it, in this terminal`);
  const args = ['--shape', load.shape, '--duration', load.duration, '--host', api];
  if (load.users !== undefined) args.push('--users', String(load.users));
  const env = { ...process.env, API_URL: api, ...(running.origins.prometheus ? { PROMETHEUS_URL: running.origins.prometheus } : {}) };
  // Same process group: a Ctrl-C reaches Locust directly, which stops and still writes its files.
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'tools/load/cli.ts'), ...args], { cwd: repoRoot, env, stdio: 'inherit' });
  const ignore = () => undefined;
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', ignore);
  process.on('SIGTERM', forward);
  process.on('SIGHUP', forward);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 130 : 1))));
}

async function main(): Promise<number> {
  const parsed = parseStackOptions(process.argv.slice(2));
  if (parsed === 'help') {
    console.log(USAGE);
    return 0;
  }
  const log = createLogStream((text) => process.stdout.write(text), useColour(process.stdout));
  const running = findRunningStack(parsed.runtimeDir, parsed.dataDir);
  if (running) {
    if (parsed.load) return addLoadTo(running, parsed, log);
    throw new StackRunningError(secondStartMessage(running), running);
  }

  let exitCode = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));

  const stack = new Stack(parsed, process.env, log, {
    onAllGone: () => {
      log.info('every part of the stack has stopped: exiting');
      exitCode = 1;
      void stack.stop().then(resolveDone);
    },
  });

  const signals = createSignalGate({
    onStop: (signal) => {
      log.info(`${signal}: stopping every part (press Ctrl-C again to kill them at once)…`);
      const started = Date.now();
      void stack.stop().then(() => {
        log.info(`stopped in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        resolveDone();
      });
    },
    onKill: (signal) => {
      log.info(`${signal} again: killing every child now`);
      stack.killNow();
      process.exit(130);
    },
  });

  log.info(`starting TicketPulse from ${parsed.dataDir} (Ctrl-C stops everything)`);
  try {
    await stack.start();
  } catch (error) {
    await stack.stop();
    throw error;
  }
  if (!signals.stopping) {
    log.raw(stack.table());
    // Only when something is missing: on a normal start the table says it all.
    if (!stack.everythingRunning()) log.info(stack.whatStillWorks());
    if (!stack.anythingRunning()) {
      log.info('nothing is running: exiting');
      await stack.stop();
      return 1;
    }
  }
  await done;
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known = isUserError(error);
    const message = error instanceof Error ? error.message : String(error);
    console.error(`ticketpulse: ${known ? message : `failed to start: ${message}`}`);
    process.exit(2);
  },
);
