// `npm start -- --replicas N`: N API processes behind one address, each restarted when it crashes.
// The stack runs this program as its "api" part; it in turn runs apps/api/server.ts N times, each on
// its own port (API_REPLICA_PORTS, chosen by the stack so Prometheus scrapes every replica), and the
// round-robin balancer on PORT. A replica that exits on its own with an error (a crash, a staged
// crash loop) is restarted with a growing delay, as compose's `restart:` or a Kubernetes Deployment
// would; one stopped by a signal (someone staging an outage with kill) stays down.
// A whole-API outage, as after a failed deploy: SIGUSR2 to the runner stops every replica and holds
// them down (the balancer answers 503, Prometheus sees each replica down); SIGHUP starts them again.
// (Not SIGUSR1: Node keeps it for the inspector.)
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readInteger, readString } from '../../packages/shared/env.js';
import { startApiBalancer } from './api-balancer.js';
import { spawnNodeChild, type SupervisedChild } from './supervised-process.js';
import { repoRoot } from '../../packages/shared/repo-root.js';

const FIRST_RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;
/** A replica that ran this long before crashing starts over from the first delay. */
const STABLE_AFTER_MS = 60_000;

function say(message: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), msg: message, ...fields })}\n`);
}

/** The replica's own log line, tagged with its number (pino JSON gets a `replica` field). */
function relay(replica: number, line: string): void {
  try {
    const record = JSON.parse(line) as Record<string, unknown>;
    process.stdout.write(`${JSON.stringify({ ...record, replica })}\n`);
  } catch {
    process.stdout.write(`[replica ${replica}] ${line}\n`);
  }
}

function readPorts(raw: string | undefined): number[] {
  const ports = (raw ?? '').split(',').map((port) => Number(port.trim()));
  if (ports.length === 0 || ports.some((port) => !Number.isInteger(port) || port < 1 || port > 65_535)) {
    console.error(`ticketpulse-api-replicas: API_REPLICA_PORTS must be a comma-separated list of ports (got "${raw ?? ''}")`);
    process.exit(2);
  }
  return ports;
}

async function main(): Promise<void> {
  const host = readString(process.env, 'HOST', '127.0.0.1');
  const port = readInteger(process.env, 'PORT', 8080, 0, 65_535);
  const replicaPorts = readPorts(process.env.API_REPLICA_PORTS);
  let stopping = false;
  const running = new Map<number, SupervisedChild>();
  // While held, no replica is started; `released` settles on SIGHUP (or the runner's stop).
  let held = false;
  let release = () => {};
  let released = Promise.resolve();
  // Stopped by a hold: it starts again on release even if SIGHUP comes before it has exited.
  const stoppedByHold = new WeakSet<SupervisedChild>();

  const run = async (replica: number) => {
    let delay = FIRST_RESTART_DELAY_MS;
    while (!stopping) {
      if (held) {
        await released;
        continue;
      }
      const startedAt = Date.now();
      const child = spawnNodeChild({
        name: 'api',
        file: join(repoRoot, 'apps/api/server.ts'),
        env: { ...process.env, PORT: String(replicaPorts[replica - 1]) },
        cwd: repoRoot,
        onLine: (line) => relay(replica, line),
      });
      running.set(replica, child);
      const exit = await child.exited;
      running.delete(replica);
      if (stopping) return;
      if (held || stoppedByHold.has(child)) {
        delay = FIRST_RESTART_DELAY_MS;
        continue;
      }
      if (exit.signal || exit.code === 0) {
        say(`replica ${replica} was stopped (${exit.signal ?? 'exit code 0'}); not restarting it`, { replica });
        return;
      }
      if (Date.now() - startedAt > STABLE_AFTER_MS) delay = FIRST_RESTART_DELAY_MS;
      say(`replica ${replica} crashed (exit code ${exit.code}); restarting it in ${delay / 1000} s`, { replica, pid: child.pid });
      await sleep(delay);
      delay = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
    }
  };

  const hold = async () => {
    if (held || stopping) return;
    held = true;
    released = new Promise((resolve) => (release = resolve));
    say(`holding every replica down (SIGUSR2): the API is out until SIGHUP (kill -HUP ${process.pid})`);
    const children = [...running.values()];
    for (const child of children) stoppedByHold.add(child);
    await Promise.all(children.map((child) => child.stop(5_000)));
    if (held) say('every replica is down');
  };
  const resume = () => {
    if (!held || stopping) return;
    held = false;
    say('starting every replica again (SIGHUP)');
    release();
  };
  process.on('SIGUSR2', () => void hold());
  process.on('SIGHUP', resume);

  const balancer = await startApiBalancer(host, port, replicaPorts);
  const replicas = replicaPorts.map((_, index) => run(index + 1));
  say(`${replicaPorts.length} API replicas on ports ${replicaPorts.join(', ')}, balanced on ${host}:${port}`);

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    release();
    await balancer.close();
    await Promise.all([...running.values()].map((child) => child.stop(5_000)));
    await Promise.all(replicas);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  // Every replica gone for good (each stopped by a signal): nothing left to balance.
  await Promise.all(replicas);
  if (!stopping) {
    say('every replica was stopped; exiting');
    await balancer.close();
    process.exit(1);
  }
}

main().catch((error) => {
  console.error(`ticketpulse-api-replicas: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
