// `npm run demo`: the story for a presentation, on the real stack — calm traffic → payment failures
// injected → PurchaseFailureRateHigh fires and the email and Discord notifications land in the
// sink → heal → the RESOLVED notifications. The story is the payment-failures scenario, played by
// the scenario runner (tools/scenario), so it ends with a verdict and a timeline report. About 3 minutes.
// Accepts the same flags as `npm start` (ports, --data-dir), plus --exit-when-done; unlike
// `npm run scenario` it uses the usual ports and leaves the stack running for a presenter to explore.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findScenario } from '../scenario/catalogue.js';
import { runScenario } from '../scenario/run-scenario.js';
import { SCENARIO_GROUP_INTERVAL } from '../scenario/local-stack.js';
import { createLogStream, paint, useColour } from './log-stream.js';
import { UsageError } from '../../packages/shared/usage-error.js';
import { USAGE, parseStackOptions } from './options.js';
import { isUserError } from './start-errors.js';
import { demoBesideStackMessage, findRunningStack, StackRunningError } from './running-stack.js';
import { createSignalGate } from './signals.js';
import { Stack } from './stack.js';
import { repoRoot } from '../../packages/shared/repo-root.js';

const DEMO_SCENARIO = 'payment-failures';

class Interrupted extends Error {}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const exitWhenDone = argv.includes('--exit-when-done');
  const parsed = parseStackOptions(argv.filter((arg) => arg !== '--exit-when-done'));
  if (parsed === 'help') {
    console.log(`usage: npm run demo -- [npm start options] [--exit-when-done]\n${USAGE}`);
    return 0;
  }
  if (parsed.load || parsed.chaos) throw new UsageError('the demo drives its own traffic and chaos: drop --load and --chaos');
  const running = findRunningStack(parsed.runtimeDir, parsed.dataDir);
  if (running) throw new StackRunningError(demoBesideStackMessage(running), running);

  // Presentation timings: "resolved" is sent at the next group_interval tick, so a shorter one
  // lets the audience see it about a minute after the fix instead of up to two.
  const env = { ...process.env };
  env.ALERTMANAGER_GROUP_INTERVAL ??= SCENARIO_GROUP_INTERVAL;

  const colour = useColour(process.stdout);
  const log = createLogStream((text) => process.stdout.write(text), colour);
  const say = (text: string) => log.line('demo', paint(colour, '1', text));
  const stack = new Stack(parsed, env, log);
  stack.command = 'npm run demo';
  let interrupted = false;

  const shutdown = () => stack.stop();
  // One Ctrl-C stops the story and the stack gracefully, however many copies of it arrive (signals.ts).
  createSignalGate({
    onStop: () => {
      interrupted = true;
      say('stopping… (press Ctrl-C again to kill every part at once)');
    },
    onKill: () => {
      stack.killNow();
      process.exit(130);
    },
  });

  try {
    await stack.start();
    if (interrupted) throw new Interrupted();
    log.raw(stack.table());
    for (const name of ['api', 'prometheus', 'alertmanager', 'sink'] as const) {
      if (stack.parts.get(name)?.state !== 'running') {
        throw new Error(`the demo needs the ${name}, which is not running (see above)`);
      }
    }
    const dashboard = stack.parts.get('dashboard')?.url ?? stack.prometheusUrl;
    const alertsPage = stack.webUis.prometheus?.page('alerts') ?? `${stack.prometheusUrl}/api/v1/alerts`;
    say(`Open the live dashboard: ${dashboard} — Prometheus's alerts: ${alertsPage} — the notifications: ${stack.sinkUrl}/`);
    // The story is the payment-failures scenario (scenarios/payment-failures.yaml): one mechanism
    // plays it here and in `npm run scenario`, with its verdict and timeline report.
    const { verdict, runDir } = await runScenario(
      findScenario(DEMO_SCENARIO),
      { apiUrl: stack.apiUrl, prometheusUrl: stack.prometheusUrl, alertmanagerUrl: stack.url('alertmanager'), sinkUrl: stack.sinkUrl, adminToken: stack.adminToken },
      { runsDir: join(repoRoot, 'runs'), log: say, interrupted: () => interrupted },
    );
    if (interrupted) throw new Interrupted();
    say(`The end${verdict.passed ? '' : ' (an expectation was missed, see the report)'}. Report: ${join(runDir, 'report.html')}`);
    say(`Runbook for this alert: ${stack.parts.get('dashboard')?.state === 'running' ? `${stack.url('dashboard', '/runbooks/')}` : 'docs/runbooks/'}purchase-failure-rate-high.md`);
    const code = verdict.passed ? 0 : 1;
    if (exitWhenDone) {
      await shutdown();
      return code;
    }
    say('The stack keeps running for you to explore; Ctrl-C stops everything.');
    while (!interrupted) await sleep(250);
    await shutdown();
    return code;
  } catch (error) {
    if (!(error instanceof Interrupted)) say(`the demo stopped: ${(error as Error).message}`);
    await shutdown();
    return error instanceof Interrupted ? 0 : 1;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known = isUserError(error);
    console.error(`ticketpulse demo: ${known ? (error as Error).message : `failed: ${(error as Error).message}`}`);
    process.exit(2);
  },
);
