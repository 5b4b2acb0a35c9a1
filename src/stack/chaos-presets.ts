// The named chaos settings for `npm start -- --chaos <preset>` and the demo script. One place, so the
// README, the CLI's help and the demo all mean the same thing by "flaky-payments".
// Applied through the API's own admin endpoint (PUT /api/admin/chaos), exactly as an operator would.

export interface ChaosSettings {
  /** Share of purchases whose (simulated) payment fails with a 502, 0..1. */
  failureRate: number;
  /** Extra latency added to each purchase, drawn uniformly from min..max milliseconds. */
  latencyMs: { min: number; max: number };
}

export const chaosPresets = {
  /** No failures and little latency: the baseline for a demo. */
  calm: { failureRate: 0, latencyMs: { min: 5, max: 50 } },
  /** A third of payments fail: the purchase failure alert pages within about a minute under traffic. */
  'flaky-payments': { failureRate: 0.3, latencyMs: { min: 5, max: 150 } },
  /** Payments succeed but take 0.8–2.5 s: latency panels and the latency alert light up. */
  slow: { failureRate: 0.02, latencyMs: { min: 800, max: 2500 } },
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
export async function applyChaos(apiUrl: string, adminToken: string, settings: ChaosSettings): Promise<ChaosSettings> {
  const response = await fetch(`${apiUrl}/api/admin/chaos`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(settings),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`PUT /api/admin/chaos answered ${response.status}: ${text.trim().slice(0, 200)}`);
  return JSON.parse(text) as ChaosSettings;
}
