// The chaos admin API's shapes (GET/PUT /api/admin/chaos), their limits, the "min ≤ max" latency rule
// and the named presets. The API validates with these schemas, the dashboard server checks the page's
// changes with them and serves the presets to the page, and the launcher, demo, load runner and tests
// send these types. No Node-only import: the dashboard's page bundle imports this module too.
import { Type, type Static } from '@sinclair/typebox';

export const MAX_CHAOS_LATENCY_MS = 60_000;

/** Upper bounds of the staged faults (per replica). */
export const FAULT_LIMITS = {
  databaseSlowMs: 10_000,
  memoryLeakMbPerMinute: 1_000,
  cpuBurnThreads: 8,
  eventLoopStallMs: 10_000,
  eventLoopStallEverySeconds: { min: 0.1, max: 3_600 },
  crashExitAfterSeconds: 3_600,
} as const;

/** The staged faults with every one healed: zero, false, off (withFaultDefaults() proves it complete). */
export const NO_FAULTS = {
  database: { slowMs: 0, outage: false },
  memoryLeak: { mbPerMinute: 0 },
  cpuBurn: { threads: 0 },
  eventLoopStall: { ms: 0, everySeconds: 5 },
  crash: { exitAfterSeconds: 0 },
  readErrorRate: 0,
};

const LatencySchema = Type.Object(
  {
    min: Type.Integer({ minimum: 0, maximum: MAX_CHAOS_LATENCY_MS }),
    max: Type.Integer({ minimum: 0, maximum: MAX_CHAOS_LATENCY_MS }),
  },
  { additionalProperties: false },
);
export type LatencyRange = Static<typeof LatencySchema>;

/** The staged faults; each `default` is "healed" (NO_FAULTS), so an admin sends only the faults it wants. */
const faultSchemas = {
  database: Type.Object(
    {
      slowMs: Type.Integer({ minimum: 0, maximum: FAULT_LIMITS.databaseSlowMs, description: 'Time each statement keeps its transaction (and locks) open' }),
      outage: Type.Boolean({ description: 'The database is unreachable (real connection cuts with DATABASE_FAULT_PROXY on PostgreSQL)' }),
    },
    { additionalProperties: false, default: { ...NO_FAULTS.database } },
  ),
  memoryLeak: Type.Object(
    { mbPerMinute: Type.Number({ minimum: 0, maximum: FAULT_LIMITS.memoryLeakMbPerMinute, description: 'Memory retained per minute, per replica, until healed' }) },
    { additionalProperties: false, default: { ...NO_FAULTS.memoryLeak } },
  ),
  cpuBurn: Type.Object(
    { threads: Type.Integer({ minimum: 0, maximum: FAULT_LIMITS.cpuBurnThreads, description: 'Worker threads spinning at 100 % CPU, per replica' }) },
    { additionalProperties: false, default: { ...NO_FAULTS.cpuBurn } },
  ),
  eventLoopStall: Type.Object(
    {
      ms: Type.Integer({ minimum: 0, maximum: FAULT_LIMITS.eventLoopStallMs, description: 'How long each stall blocks the event loop' }),
      everySeconds: Type.Number({ minimum: FAULT_LIMITS.eventLoopStallEverySeconds.min, maximum: FAULT_LIMITS.eventLoopStallEverySeconds.max }),
    },
    { additionalProperties: false, default: { ...NO_FAULTS.eventLoopStall } },
  ),
  crash: Type.Object(
    {
      exitAfterSeconds: Type.Integer({
        minimum: 0,
        maximum: FAULT_LIMITS.crashExitAfterSeconds,
        description: 'Each replica exits this long after starting or learning it (0: off): a crash loop until healed',
      }),
    },
    { additionalProperties: false, default: { ...NO_FAULTS.crash } },
  ),
  readErrorRate: Type.Number({ minimum: 0, maximum: 1, default: NO_FAULTS.readErrorRate, description: 'Share of public GET requests answered with a 500' }),
};

export const ChaosSettingsSchema = Type.Object(
  { failureRate: Type.Number({ minimum: 0, maximum: 1 }), latencyMs: LatencySchema, ...faultSchemas },
  { additionalProperties: false, $id: 'ChaosSettings' },
);
/** The settings in force: payment failures, request latency and every staged fault. */
export type ChaosSettings = Static<typeof ChaosSettingsSchema>;

/** The staged faults besides payment failures and request latency; every zero/false means "healed". */
export type FaultSettings = Omit<ChaosSettings, 'failureRate' | 'latencyMs'>;

/** PUT body: the faults left out are healed (filled with their defaults by validation). */
export const ChaosInputSchema = Type.Object(
  {
    failureRate: Type.Number({ minimum: 0, maximum: 1 }),
    latencyMs: LatencySchema,
    database: Type.Optional(faultSchemas.database),
    memoryLeak: Type.Optional(faultSchemas.memoryLeak),
    cpuBurn: Type.Optional(faultSchemas.cpuBurn),
    eventLoopStall: Type.Optional(faultSchemas.eventLoopStall),
    crash: Type.Optional(faultSchemas.crash),
    readErrorRate: Type.Optional(faultSchemas.readErrorRate),
  },
  { additionalProperties: false },
);
/** What an admin sends: the faults left out are healed. */
export type ChaosInput = Static<typeof ChaosInputSchema>;

/** The full settings for an admin's input: every fault it leaves out is off. */
export function withFaultDefaults(input: ChaosInput): ChaosSettings {
  return { ...structuredClone(NO_FAULTS), ...input };
}

/**
 * The one "min ≤ max" rule for a latency range, which a JSON schema cannot state: the message when
 * `max` is below `min`, naming the two fields as the caller's input calls them; undefined when fine.
 */
export function latencyRangeError(latency: LatencyRange, names = { min: 'latencyMs.min', max: 'latencyMs.max' }): string | undefined {
  return latency.max < latency.min ? `${names.max} must be >= ${names.min} (${latency.max} < ${latency.min})` : undefined;
}

const usual = { failureRate: 0.02, latencyMs: { min: 5, max: 150 } };

/**
 * The named chaos settings for `npm start -- --chaos <preset>`, the demo script and the live
 * dashboard's buttons, so all of them mean the same thing by "flaky-payments". Applied through the
 * API's own admin endpoint (PUT /api/admin/chaos), exactly as an operator would. Faults left out of a
 * preset are healed by applying it (PUT replaces the whole set).
 */
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
  return [`payment failures ${Math.round(settings.failureRate * 100)}%`, `latency ${settings.latencyMs.min}-${settings.latencyMs.max} ms`, ...faultParts(settings)].join(', ');
}

/** The faults in force besides payments and latency, in a few words ('' when none). */
export function describeFaults(settings: ChaosInput): string {
  return faultParts(settings).join(', ');
}

function faultParts(settings: ChaosInput): string[] {
  const parts: string[] = [];
  const { database, memoryLeak, cpuBurn, eventLoopStall, crash, readErrorRate } = settings;
  if (database?.slowMs) parts.push(`database +${database.slowMs} ms per statement`);
  if (database?.outage) parts.push('database unreachable');
  if (memoryLeak?.mbPerMinute) parts.push(`memory leak ${memoryLeak.mbPerMinute} MB/min`);
  if (cpuBurn?.threads) parts.push(`CPU burn ${cpuBurn.threads} thread(s)`);
  if (eventLoopStall?.ms) parts.push(`event-loop stall ${eventLoopStall.ms} ms every ${eventLoopStall.everySeconds} s`);
  if (crash?.exitAfterSeconds) parts.push(`crash ${crash.exitAfterSeconds} s after start`);
  if (readErrorRate) parts.push(`read errors ${Math.round(readErrorRate * 100)}%`);
  return parts;
}
