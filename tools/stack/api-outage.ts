// A whole-API outage on the stack's replica runner (tools/stack/api-replicas.ts), as after a failed
// deploy: SIGUSR2 stops every replica and holds it down, SIGHUP starts them again. What the
// scenario runner's `api: down` and `api: up` steps do; each resolves once it has really happened,
// so a step's time is when the API went away or answered again.
import { setTimeout as sleep } from 'node:timers/promises';
import type { SupervisedChild } from './supervised-process.js';

export interface ApiOutage {
  /** Resolves once no replica accepts a connection. */
  begin(): Promise<void>;
  /** Resolves once every replica answers its /readyz with 2xx. */
  end(): Promise<void>;
}

const DOWN_WITHIN_MS = 30_000;
const UP_WITHIN_MS = 90_000;

/** 'refused' when nothing listens, else the status it answered (or 'no answer' on a timeout). */
async function probe(url: string): Promise<number | 'refused' | 'no answer'> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status;
  } catch (error) {
    const code = ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code;
    return code === 'ECONNREFUSED' ? 'refused' : 'no answer';
  }
}

export function apiOutage(runner: Pick<SupervisedChild, 'pid' | 'running'>, replicaUrls: readonly string[]): ApiOutage {
  const until = async (what: string, withinMs: number, done: (states: Array<Awaited<ReturnType<typeof probe>>>) => boolean) => {
    const deadline = Date.now() + withinMs;
    for (;;) {
      if (!runner.running()) throw new Error(`the API replica runner (pid ${runner.pid}) is not running`);
      const states = await Promise.all(replicaUrls.map((url) => probe(`${url}/readyz`)));
      if (done(states)) return;
      if (Date.now() > deadline) throw new Error(`${what} within ${withinMs / 1000} s (replicas: ${states.join(', ')})`);
      await sleep(250);
    }
  };
  return {
    async begin() {
      process.kill(runner.pid, 'SIGUSR2');
      await until('the API replicas did not stop', DOWN_WITHIN_MS, (states) => states.every((state) => state === 'refused'));
    },
    async end() {
      process.kill(runner.pid, 'SIGHUP');
      await until('the API replicas did not answer again', UP_WITHIN_MS, (states) => states.every((state) => typeof state === 'number' && state < 300));
    },
  };
}
