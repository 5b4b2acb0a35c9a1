// The named chaos settings for `npm start -- --chaos <preset>` and the demo script. One place, so the
// README, the CLI's help and the demo all mean the same thing by "flaky-payments".
// Applied through the API's own admin endpoint (PUT /api/admin/chaos), exactly as an operator would.
// The figures match the live dashboard's chaos buttons (src/dashboard/public/chaos.js), so a demo
// driven from the command line and one driven from the page look the same.

import type { ChaosInput, ChaosSettings } from '../api/config.js';

export type { ChaosSettings };

const usual = { failureRate: 0.02, latencyMs: { min: 5, max: 150 } };

/** Faults left out of a preset are healed by applying it (PUT replaces the whole set). */
export const chaosPresets = {
  /** No failures, the API's usual latency: the baseline for a demo. */
  calm: { failureRate: 0, latencyMs: { min: 5, max: 150 } },
  /** One payment in five fails — twice PurchaseFailureRateHigh's 10 % threshold: it pages within about a minute under traffic. */
  'flaky-payments': { failureRate: 0.2, latencyMs: { min: 5, max: 150 } },
  /** Every API request takes 0.5–2 s longer: the latency panels and HighRequestLatency (p95 > 500 ms) light up. */
  slow: { failureRate: 0.02, latencyMs: { min: 500, max: 2000 } },
  /** The payment provider is down: every purchase fails. */
  outage: { failureRate: 1, latencyMs: { min: 5, max: 150 } },
  /** Each statement holds its transaction (and a hot concert's row lock) 200 ms longer: buyers queue. */
  'db-slow': { ...usual, database: { slowMs: 200, outage: false } },
  /** The API loses its database (real connection cuts behind DATABASE_FAULT_PROXY). */
  'db-outage': { ...usual, database: { slowMs: 0, outage: true } },
  /** Each replica retains 60 MB a minute until healed. */
  'memory-leak': { ...usual, memoryLeak: { mbPerMinute: 60 } },
  /** One thread per replica spins at 100 % CPU. */
  'cpu-burn': { ...usual, cpuBurn: { threads: 1 } },
  /** The event loop blocks for 500 ms every 2 s. */
  'event-loop-stalls': { ...usual, eventLoopStall: { ms: 500, everySeconds: 2 } },
  /** Every replica exits 20 s after it starts: the supervisor restarts it, and it crash-loops until healed. */
  'crash-loop': { ...usual, crash: { exitAfterSeconds: 20 } },
  /** One public read in four answers 500. */
  'read-errors': { ...usual, readErrorRate: 0.25 },
} as const satisfies Record<string, ChaosInput>;

export type ChaosPresetName = keyof typeof chaosPresets;

export const chaosPresetNames = Object.keys(chaosPresets) as ChaosPresetName[];

export function isChaosPresetName(name: string): name is ChaosPresetName {
  return Object.hasOwn(chaosPresets, name);
}

/** One line per preset, for --help and the docs. */
export function describeChaosPresets(): string[] {
  return chaosPresetNames.map((name) => `${name.padEnd(18)} ${describeChaos(chaosPresets[name])}`);
}

/** What a set of chaos settings stages, in a few words. */
export function describeChaos(settings: ChaosInput): string {
  const parts = [
    `payment failures ${Math.round(settings.failureRate * 100)}%`,
    `latency ${settings.latencyMs.min}-${settings.latencyMs.max} ms`,
  ];
  const { database, memoryLeak, cpuBurn, eventLoopStall, crash, readErrorRate } = settings;
  if (database?.slowMs) parts.push(`database +${database.slowMs} ms per statement`);
  if (database?.outage) parts.push('database unreachable');
  if (memoryLeak?.mbPerMinute) parts.push(`memory leak ${memoryLeak.mbPerMinute} MB/min`);
  if (cpuBurn?.threads) parts.push(`CPU burn ${cpuBurn.threads} thread(s)`);
  if (eventLoopStall?.ms) parts.push(`event-loop stall ${eventLoopStall.ms} ms every ${eventLoopStall.everySeconds} s`);
  if (crash?.exitAfterSeconds) parts.push(`crash ${crash.exitAfterSeconds} s after start`);
  if (readErrorRate) parts.push(`read errors ${Math.round(readErrorRate * 100)}%`);
  return parts.join(', ');
}

/** PUT /api/admin/chaos; throws with the API's answer when it refuses. */
export { putChaos as applyChaos } from '../shared/chaos-client.js';
