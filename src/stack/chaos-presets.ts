// The named chaos settings for `npm start -- --chaos <preset>` and the demo script. One place, so the
// README, the CLI's help and the demo all mean the same thing by "flaky-payments".
// Applied through the API's own admin endpoint (PUT /api/admin/chaos), exactly as an operator would.
// The figures match the live dashboard's chaos buttons (src/dashboard/public/chaos.js), so a demo
// driven from the command line and one driven from the page look the same.

import type { ChaosSettings } from '../api/config.js';

export type { ChaosSettings };

export const chaosPresets = {
  /** No failures, the API's usual latency: the baseline for a demo. */
  calm: { failureRate: 0, latencyMs: { min: 5, max: 150 } },
  /** One payment in five fails — twice PurchaseFailureRateHigh's 10 % threshold: it pages within about a minute under traffic. */
  'flaky-payments': { failureRate: 0.2, latencyMs: { min: 5, max: 150 } },
  /** Every API request takes 0.5–2 s longer: the latency panels and HighRequestLatency (p95 > 500 ms) light up. */
  slow: { failureRate: 0.02, latencyMs: { min: 500, max: 2000 } },
  /** The payment provider is down: every purchase fails. */
  outage: { failureRate: 1, latencyMs: { min: 5, max: 150 } },
} as const satisfies Record<string, ChaosSettings>;

export type ChaosPresetName = keyof typeof chaosPresets;

export const chaosPresetNames = Object.keys(chaosPresets) as ChaosPresetName[];

export function isChaosPresetName(name: string): name is ChaosPresetName {
  return Object.hasOwn(chaosPresets, name);
}

/** One line per preset, for --help and the docs. */
export function describeChaosPresets(): string[] {
  return chaosPresetNames.map((name) => {
    const { failureRate, latencyMs } = chaosPresets[name];
    return `${name.padEnd(15)} payment failures ${Math.round(failureRate * 100)}%, latency ${latencyMs.min}-${latencyMs.max} ms`;
  });
}

/** PUT /api/admin/chaos; throws with the API's answer when it refuses. */
export { putChaos as applyChaos } from '../shared/chaos-client.js';
