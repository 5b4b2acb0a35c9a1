// The scenario's load: the built-in steady traffic (tools/stack/traffic.ts, whose rate a step can
// change) or one of the Locust shapes (tools/load/run-load.ts, the same runner as `npm run load`).
// It remembers every concert it created and every order answered 201, for the invariants check.
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { runLoad } from '../load/run-load.js';
import { startTraffic, type Traffic } from '../stack/traffic.js';
import type { Scenario } from './schema.js';

export interface LoadDriver {
  /** Concerts the steady traffic created (Locust's are found by the invariants check through the API). */
  concertIds: string[];
  confirmedOrderIds: string[];
  /** Purchases that got no HTTP answer or a 504 outcome-unknown: they may or may not have sold a ticket. */
  unanswered(): number;
  confirmed(): number;
  setRate(rate: { purchasesPerSecond?: number; readsPerSecond?: number }): Promise<void>;
  /** One line for progress output. */
  describe(): string;
  stop(): Promise<void>;
}

export async function startLoad(scenario: Scenario, apiUrl: string, runDir: string, adminToken: string): Promise<LoadDriver> {
  const limitMs = scenario.durationMs + 120_000;
  if (scenario.load.kind === 'locust') {
    const log = createWriteStream(join(runDir, 'locust-output.log'));
    const run = runLoad(
      {
        shape: scenario.load.shape,
        durationS: Math.ceil(scenario.durationMs / 1000),
        peakUsers: scenario.load.users,
        host: apiUrl,
        outDir: runDir,
        chaos: [],
        report: false,
        locustArgs: [],
      },
      { echo: (chunk) => log.write(chunk), env: { ...process.env, ADMIN_TOKEN: adminToken } },
    );
    return {
      concertIds: [],
      confirmedOrderIds: [],
      unanswered: () => 0,
      confirmed: () => 0,
      setRate: async () => undefined,
      describe: () => `locust ${scenario.load.kind === 'locust' ? scenario.load.shape : ''}`,
      async stop() {
        // Locust stops at the end of its shape; the runner waits for its files.
        await run.catch(() => undefined);
        await new Promise<void>((done) => log.end(done));
      },
    };
  }

  let rate = { purchasesPerSecond: scenario.load.purchasesPerSecond, readsPerSecond: scenario.load.readsPerSecond };
  const concertIds: string[] = [];
  const confirmedOrderIds: string[] = [];
  const finished: Array<Record<string, number>> = [];
  let traffic: Traffic;
  const begin = async () => {
    traffic = await startTraffic([apiUrl], {
      ...rate,
      maxDurationMs: limitMs,
      concertName: `Scenario ${scenario.name}`,
      onConfirmed: (id) => confirmedOrderIds.push(id),
    });
    concertIds.push(traffic.concertId);
  };
  await begin();
  const totals = () => {
    const all = [...finished, traffic.counts()];
    const sum = (key: string) => all.reduce((n, counts) => n + (counts[key] ?? 0), 0);
    return { confirmed: sum('purchase 201'), unanswered: sum('purchase error') + sum('purchase 504'), purchases: all.reduce((n, c) => n + Object.entries(c).filter(([k]) => k.startsWith('purchase ')).reduce((m, [, v]) => m + v, 0), 0) };
  };
  return {
    concertIds,
    confirmedOrderIds,
    unanswered: () => totals().unanswered,
    confirmed: () => totals().confirmed,
    async setRate(change) {
      // A new rate is a new traffic (a new concert): the old one's counts are kept.
      await traffic.stop();
      finished.push(traffic.counts());
      rate = { ...rate, ...change };
      await begin();
    },
    describe: () => {
      const t = totals();
      return `${t.purchases} purchases, ${t.confirmed} confirmed`;
    },
    stop: () => traffic.stop(),
  };
}
