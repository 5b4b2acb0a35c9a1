// `npm run demo`: the story for a presentation, on the real stack — calm traffic → payment failures
// injected → PurchaseFailureRateHigh fires and the email and Discord notifications land in the
// sink → heal → the RESOLVED notifications. Takes about 3 minutes; every wait is bounded.
// Accepts the same flags as `npm start` (ports, --data-dir), plus --exit-when-done.
import { setTimeout as sleep } from 'node:timers/promises';
import { chaosPresets } from '../contract/index.js';
import { putChaos as applyChaos } from '../shared/chaos-client.js';
import { createLogStream, paint, useColour } from './log-stream.js';
import { UsageError } from '../shared/usage-error.js';
import { USAGE, parseStackOptions } from './options.js';
import { isUserError } from './start-errors.js';
import { demoBesideStackMessage, findRunningStack, StackRunningError } from './running-stack.js';
import { createSignalGate } from './signals.js';
import { Stack } from './stack.js';
import { startTraffic, type Traffic } from './traffic.js';

/** The story takes about three minutes; the traffic stops by itself well after, whatever happens. */
const DEMO_TRAFFIC_LIMIT_MS = 15 * 60_000;

const ALERT = 'PurchaseFailureRateHigh';

interface SinkMessage {
  kind: 'email' | 'discord';
  subject: string;
  receivedAt: string;
}

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
  env.ALERTMANAGER_GROUP_INTERVAL ??= '15s';

  const colour = useColour(process.stdout);
  const log = createLogStream((text) => process.stdout.write(text), colour);
  const say = (text: string) => log.line('demo', paint(colour, '1', text));
  const stack = new Stack(parsed, env, log);
  stack.command = 'npm run demo';
  let traffic: Traffic | undefined;
  let interrupted = false;

  const shutdown = async () => {
    await traffic?.stop();
    await stack.stop();
  };
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

  const pause = async (ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (interrupted) throw new Interrupted();
      await sleep(Math.min(250, until - Date.now()));
    }
  };
  const waitForMessages = async (what: string, match: (message: SinkMessage) => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const messages = (await (await fetch(`${stack.sinkUrl}/api/messages`)).json()) as SinkMessage[];
      const found = messages.filter(match);
      if (['email', 'discord'].every((kind) => found.some((message) => message.kind === kind))) return found;
      if (Date.now() > deadline) throw new Error(`no ${what} notification reached the sink within ${timeoutMs / 1000} s`);
      await pause(2_000);
    }
  };
  const progress = () => {
    const counts = traffic!.counts();
    const attempts = Object.entries(counts)
      .filter(([key]) => key.startsWith('purchase '))
      .reduce((sum, [, n]) => sum + n, 0);
    return `${attempts} purchases so far: ${counts['purchase 201'] ?? 0} confirmed, ${counts['purchase 502'] ?? 0} payment failures`;
  };

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

    say(`1/4 Calm: fans buy tickets, nothing fails. Open the live dashboard: ${dashboard}`);
    await applyChaos(stack.apiUrl, stack.adminToken, chaosPresets.calm);
    traffic = await startTraffic([stack.apiUrl], {
      purchasesPerSecond: 4,
      readsPerSecond: 4,
      maxDurationMs: DEMO_TRAFFIC_LIMIT_MS,
      concertName: 'Demo Night',
    });
    await pause(30_000);
    say(`    ${progress()}`);

    const started = Date.now();
    say('2/4 The payment provider gets flaky: one payment in five fails (chaos preset "flaky-payments").');
    const alertsPage = stack.webUis.prometheus?.page('alerts') ?? `${stack.prometheusUrl}/api/v1/alerts`;
    say(`    Watch the purchase failure panel, then Prometheus's alerts page: ${alertsPage}`);
    await applyChaos(stack.apiUrl, stack.adminToken, chaosPresets['flaky-payments']);
    const firing = await waitForMessages('firing', (m) => m.subject.includes(ALERT) && !/RESOLVED/.test(m.subject), 180_000);
    const seconds = Math.round((Date.now() - started) / 1000);
    say(`3/4 Paged ${seconds} s after the fault — email and Discord, captured by the sink: ${stack.sinkUrl}/`);
    for (const message of firing.slice(0, 2)) say(`    ${message.kind.padEnd(7)} ${message.subject}`);
    say(`    ${progress()}`);

    const healedAt = Date.now();
    say('4/4 The provider recovers (chaos preset "calm"). The alert resolves once the 30 s window is clean…');
    await applyChaos(stack.apiUrl, stack.adminToken, chaosPresets.calm);
    const resolved = await waitForMessages('resolved', (m) => m.subject.includes(ALERT) && /RESOLVED/.test(m.subject), 240_000);
    say(`    Resolved ${Math.round((Date.now() - healedAt) / 1000)} s after the fix:`);
    for (const message of resolved.slice(0, 2)) say(`    ${message.kind.padEnd(7)} ${message.subject}`);
    say(`The end. Runbook for this alert: ${stack.parts.get('dashboard')?.state === 'running' ? `${stack.url('dashboard', '/runbooks/')}` : 'docs/runbooks/'}purchase-failure-rate-high.md`);
    await traffic.stop();
    traffic = undefined;
    if (exitWhenDone) {
      await shutdown();
      return 0;
    }
    say('The stack keeps running for you to explore; Ctrl-C stops everything.');
    while (!interrupted) await sleep(250);
    await shutdown();
    return 0;
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
