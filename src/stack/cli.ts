// `npm start`: the whole TicketPulse stack on this machine, without Docker (see docs/local-stack.md).
// Ctrl-C or SIGTERM stops every child within a few seconds; a second Ctrl-C kills them at once.
import { ConfigError } from '../shared/env.js';
import { createLogStream, useColour } from './log-stream.js';
import { USAGE, UsageError, parseStackOptions } from './options.js';
import { PortConflictError, PortInUseError } from './port-check.js';
import { Stack } from './stack.js';

async function main(): Promise<number> {
  const parsed = parseStackOptions(process.argv.slice(2));
  if (parsed === 'help') {
    console.log(USAGE);
    return 0;
  }
  const log = createLogStream((text) => process.stdout.write(text), useColour(process.stdout));
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

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      log.info(`${signal} again: killing every child now`);
      stack.killNow();
      process.exit(130);
    }
    log.info(`${signal}: stopping every part (press Ctrl-C again to kill them at once)…`);
    const started = Date.now();
    void stack.stop().then(() => {
      log.info(`stopped in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      resolveDone();
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A closed terminal: stop like Ctrl-C rather than leave children behind.
  process.on('SIGHUP', onSignal);

  log.info(`starting TicketPulse from ${parsed.dataDir} (Ctrl-C stops everything)`);
  try {
    await stack.start();
  } catch (error) {
    await stack.stop();
    throw error;
  }
  if (signals === 0) {
    log.raw(stack.table());
    log.info(stack.whatStillWorks());
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
    const known = error instanceof UsageError || error instanceof ConfigError || error instanceof PortInUseError || error instanceof PortConflictError;
    const message = error instanceof Error ? error.message : String(error);
    console.error(`ticketpulse: ${known ? message : `failed to start: ${message}`}`);
    process.exit(2);
  },
);
