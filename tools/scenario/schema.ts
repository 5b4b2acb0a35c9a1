// The scenario file format (scenarios/*.yaml): one TypeBox schema, so the shape is written once and
// every bad file gets one line naming the file, the path inside it and the problem.
// Durations are strings (`30s`, `2m`, `1m30s`) read by the load runner's own parser, so a scenario and
// `npm run load -- --duration` mean the same thing by "90s".
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';
import { ChaosSettingsSchema, chaosPresetNames, chaosPresets, type ChaosPresetName } from '../../packages/contract/index.js';
import { SHAPES } from '../load/shapes.js';
import { parseRunLengthSeconds } from '../../packages/shared/durations.js';

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

const Duration = Type.String({ pattern: '^(\\d+h)?(\\d+m)?(\\d+s)?$', minLength: 2, description: 'e.g. 30s, 2m, 1m30s' });

/** The fault fields of PUT /api/admin/chaos, any subset: what a step changes, the rest stays as it is. */
const ChaosChangeSchema = Type.Partial(ChaosSettingsSchema, { additionalProperties: false });
/** A preset name (packages/contract/chaos.ts) or explicit fields. */
const ChaosRef = Type.Union([Type.Union(chaosPresetNames.map((name) => Type.Literal(name))), ChaosChangeSchema]);

export const FAULT_KEYS = ['failureRate', 'latencyMs', 'database', 'memoryLeak', 'cpuBurn', 'eventLoopStall', 'crash', 'readErrorRate'] as const;
export type FaultKey = (typeof FAULT_KEYS)[number];

const SteadyLoad = Type.Object(
  {
    kind: Type.Literal('steady'),
    purchasesPerSecond: Type.Number({ minimum: 0, maximum: 50, default: 4 }),
    readsPerSecond: Type.Number({ minimum: 0, maximum: 100, default: 4 }),
  },
  { additionalProperties: false },
);
const LocustLoad = Type.Object(
  {
    kind: Type.Literal('locust'),
    shape: Type.Union(SHAPES.map((shape) => Type.Literal(shape))),
    users: Type.Integer({ minimum: 1, maximum: 2_000 }),
  },
  { additionalProperties: false },
);

const Step = Type.Object(
  {
    at: Duration,
    /** Names the step for expectations (`after: <id>`); default: its position, e.g. "step-2". */
    id: Type.Optional(Type.String({ pattern: '^[a-z0-9-]+$' })),
    say: Type.Optional(Type.String({ maxLength: 300 })),
    set: Type.Optional(ChaosRef),
    heal: Type.Optional(Type.Union([Type.Literal('all'), Type.Array(Type.Union(FAULT_KEYS.map((key) => Type.Literal(key))), { minItems: 1 })])),
    /**
     * `down`: every API replica stops and stays down (a whole-API outage); `up`: they start again.
     * Only on the stack the runner starts (tools/stack/api-outage.ts), not against given parts.
     */
    api: Type.Optional(Type.Union([Type.Literal('down'), Type.Literal('up')])),
    load: Type.Optional(
      Type.Object(
        {
          purchasesPerSecond: Type.Optional(Type.Number({ minimum: 0, maximum: 50 })),
          readsPerSecond: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const Channel = Type.Union([Type.Literal('email'), Type.Literal('discord')]);

const FireExpectation = Type.Object(
  {
    alert: Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]*$' }),
    /** The step the clock starts at (default: the first step that sets a fault). */
    after: Type.Optional(Type.String()),
    /** Firing in Prometheus — and, with `notify`, the notification on each channel — within this of `after`. */
    within: Duration,
    notify: Type.Optional(Type.Array(Channel, { uniqueItems: true })),
    /** The step that heals it (default: the first heal after `after`); resolved (and RESOLVED notified) within `resolveWithin`. */
    healedBy: Type.Optional(Type.String()),
    resolveWithin: Type.Optional(Duration),
  },
  { additionalProperties: false },
);

export const GateSchema = Type.Object(
  {
    /** p99 of every API request over the run, milliseconds. */
    p99Ms: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    /** Share of API requests answered 5xx over the run. */
    errorRatio: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /** Share of the 30-day availability error budget the run's failed purchases consumed (0.01 = 1 %). */
    budgetSpent: Type.Optional(Type.Number({ minimum: 0 })),
    /** No alert with severity=page fired during the run (besides the expected ones). */
    noPage: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type Gate = Static<typeof GateSchema>;

const ScenarioSchema = Type.Object(
  {
    description: Type.String({ minLength: 1, maxLength: 2_000 }),
    /** The fault kind this scenario stages, for the scorecard (docs/faults.md field names). */
    fault: Type.Optional(Type.String()),
    /**
     * `total`: the fault takes a whole capability away (the API, the database, the payment provider), so the
     * scorecard holds it to the total-outage time-to-page goal; `partial` (the default): the partial-fault goal.
     */
    outage: Type.Union([Type.Literal('total'), Type.Literal('partial')], { default: 'partial' }),
    load: Type.Union([SteadyLoad, LocustLoad]),
    /** What is in force before the first step and what `heal` returns to (default: the calm preset). */
    baseline: Type.Optional(ChaosRef),
    duration: Duration,
    timeline: Type.Array(Step, { minItems: 0 }),
    expect: Type.Object(
      {
        fire: Type.Optional(Type.Array(FireExpectation)),
        /** Alerts that must never reach firing; `pages` = no page-severity alert besides those in `fire`. */
        silent: Type.Optional(Type.Array(Type.String())),
        invariants: Type.Optional(Type.Boolean({ description: 'no oversell, every 201 is a stored order' })),
        gate: Type.Optional(GateSchema),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
type ScenarioFile = Static<typeof ScenarioSchema>;

export type ChaosChange = Static<typeof ChaosChangeSchema>;
export type Channel = Static<typeof Channel>;

export interface ScenarioStep {
  id: string;
  atMs: number;
  say?: string;
  set?: ChaosChange;
  heal?: FaultKey[];
  api?: 'down' | 'up';
  load?: { purchasesPerSecond?: number; readsPerSecond?: number };
}

/** Whether a step starts a fault (the default clock start of an expectation) or ends one (its default heal). */
export const startsFault = (step: ScenarioStep) => Boolean(step.set) || step.api === 'down';
export const endsFault = (step: ScenarioStep) => Boolean(step.heal) || step.api === 'up';

/** Whether playing the scenario needs the stack the runner starts (it stops and starts the API). */
export const needsOwnStack = (scenario: Scenario) => scenario.steps.some((step) => step.api !== undefined);

export interface FireRule {
  alert: string;
  after: string;
  withinMs: number;
  notify: Channel[];
  healedBy?: string;
  resolveWithinMs?: number;
}

export interface Scenario {
  name: string;
  file: string;
  description: string;
  fault?: string;
  outage: 'total' | 'partial';
  load: ScenarioFile['load'];
  baseline: ChaosChange;
  durationMs: number;
  steps: ScenarioStep[];
  fire: FireRule[];
  silent: string[];
  /** `pages` in `silent`: no page-severity alert besides the expected ones. */
  noOtherPages: boolean;
  invariants: boolean;
  gate?: Gate;
}

function resolveChaos(ref: ChaosPresetName | ChaosChange): ChaosChange {
  return typeof ref === 'string' ? structuredClone(chaosPresets[ref]) : ref;
}

/** `/timeline/2/at` → `timeline[2].at`. */
function readablePath(pointer: string): string {
  const parts = pointer.split('/').filter(Boolean);
  if (parts.length === 0) return '(top level)';
  return parts.reduce((out, part) => (/^\d+$/.test(part) ? `${out}[${part}]` : out ? `${out}.${part}` : part), '');
}

type AnySchema = { anyOf?: AnySchema[]; const?: unknown; type?: string; properties?: Record<string, AnySchema>; pattern?: string } & Record<string, unknown>;

const typeOf = (value: unknown) => (Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value === 'number' ? 'number' : typeof value);

/** The union member a value was meant for: the one whose `kind` literal matches, else the first of its type. */
function intendedMember(members: AnySchema[], value: unknown): AnySchema | undefined {
  const kind = typeof value === 'object' && value !== null ? (value as Record<string, unknown>).kind : undefined;
  const byKind = members.find((m) => m.properties?.kind?.const !== undefined && m.properties.kind.const === kind);
  if (byKind) return byKind;
  const flat = members.flatMap((m) => (m.anyOf ? m.anyOf : [m]));
  return flat.find((m) => m.type === typeOf(value) || (m.type === 'integer' && typeof value === 'number'));
}

function literals(schema: AnySchema): unknown[] | undefined {
  const flat = (schema.anyOf ?? []).flatMap((m) => (m.anyOf ? m.anyOf : [m]));
  return flat.length > 0 && flat.every((m) => m.const !== undefined) ? flat.map((m) => m.const) : undefined;
}

/** One readable problem for the deepest schema error under `prefix` (a JSON pointer). */
function describe(schema: AnySchema, value: unknown, prefix: string): string | undefined {
  const errors = [...Value.Errors(schema as never, value)];
  if (errors.length === 0) return undefined;
  const deepest = errors.reduce((best, error) => (error.path.split('/').length > best.path.split('/').length ? error : best));
  const path = readablePath(prefix + deepest.path);
  const got = deepest.value === undefined ? '' : ` (got ${JSON.stringify(deepest.value)?.slice(0, 60)})`;
  const inner = deepest.schema as AnySchema;
  if (deepest.value === undefined) return `${path}: is required`;
  if (inner.anyOf) {
    const choices = literals(inner);
    if (choices && typeof deepest.value !== 'object') return `${path}: must be one of ${choices.join(', ')}${got}`;
    const kinds: unknown[] = inner.anyOf.map((m) => m.properties?.kind?.const).filter((k) => k !== undefined);
    const kind = typeof deepest.value === 'object' && deepest.value !== null ? (deepest.value as Record<string, unknown>).kind : undefined;
    if (kinds.length > 0 && !kinds.includes(kind)) return `${path}.kind: must be one of ${kinds.join(', ')}${kind === undefined ? '' : ` (got ${JSON.stringify(kind)})`}`;
    const member = intendedMember(inner.anyOf, deepest.value);
    if (member && member.const === undefined) {
      const deeper = describe(member, deepest.value, prefix + deepest.path);
      if (deeper) return deeper;
    }
    if (choices) return `${path}: must be one of ${choices.join(', ')}${got}`;
    const options = inner.anyOf.map((m) => (literals(m) ? `one of ${literals(m)!.join(', ')}` : m.type === 'array' ? 'a list' : m.type === 'object' ? 'fault fields (docs/faults.md)' : m.type)).join(', or ');
    return `${path}: must be ${options}${got}`;
  }
  if (inner.pattern === Duration.pattern) return `${path}: must be a duration like 30s, 2m or 1m30s${got}`;
  if (/additional/i.test(deepest.message) || /unexpected property/i.test(deepest.message)) return `${path}: is not a known field`;
  return `${path}: ${deepest.message.toLowerCase()}${got}`;
}

function firstSchemaError(data: unknown): string | undefined {
  return describe(ScenarioSchema as unknown as AnySchema, data, '');
}

/** Parses and checks one scenario's text; `file` only names it in errors. */
export function parseScenario(text: string, file: string): Scenario {
  const fail = (problem: string): never => {
    throw new ScenarioError(`${file}: ${problem}`);
  };
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    return fail(`not valid YAML: ${(error as Error).message.split('\n')[0]!.replace(/:$/, '')}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return fail('must be a YAML mapping (description, load, duration, timeline, expect)');
  const withDefaults = Value.Default(ScenarioSchema, structuredClone(data));
  const problem = firstSchemaError(withDefaults);
  if (problem) return fail(problem);
  const raw = withDefaults as ScenarioFile;

  const durationMs = parseRunLengthSeconds(raw.duration) * 1000;
  if (durationMs < 10_000) fail(`duration: must be at least 10s (got "${raw.duration}")`);
  const steps: ScenarioStep[] = raw.timeline.map((step, index) => {
    const where = `timeline[${index}]`;
    const atMs = parseRunLengthSeconds(step.at) * 1000;
    if (atMs >= durationMs) fail(`${where}.at: ${step.at} is not before the end of the scenario (duration ${raw.duration})`);
    if (!step.set && !step.heal && !step.api && !step.load && !step.say) fail(`${where}: does nothing (give set, heal, api, load or say)`);
    if (step.load && raw.load.kind !== 'steady') fail(`${where}.load: only the steady load can change its rate (this scenario uses Locust)`);
    const heal = step.heal === 'all' ? [...FAULT_KEYS] : step.heal;
    return { id: step.id ?? `step-${index + 1}`, atMs, say: step.say, set: step.set ? resolveChaos(step.set) : undefined, heal, api: step.api, load: step.load };
  });
  // The chaos settings live in the API: while it is down nothing can change them.
  let downSince: number | undefined;
  steps.forEach((step, index) => {
    const where = `timeline[${index}]`;
    if (step.api && (step.set || step.heal)) fail(`${where}: api and set/heal in one step; give each its own step (the same at: is fine)`);
    if (step.api === 'down' && downSince !== undefined) fail(`${where}.api: the API is already down (since timeline[${downSince}])`);
    if (step.api === 'up' && downSince === undefined) fail(`${where}.api: up, but no earlier step takes the API down`);
    if (downSince !== undefined && step.api !== 'up' && (step.set || step.heal)) {
      fail(`${where}: set and heal go through the API, which is down since timeline[${downSince}]; bring it up first (api: up)`);
    }
    if (step.api === 'down') downSince = index;
    if (step.api === 'up') downSince = undefined;
  });
  steps.forEach((step, index) => {
    if (index > 0 && step.atMs < steps[index - 1]!.atMs) fail(`timeline[${index}].at: steps must be in time order`);
    if (steps.findIndex((other) => other.id === step.id) !== index) fail(`timeline[${index}].id: "${step.id}" is used twice`);
  });

  const fire = (raw.expect.fire ?? []).map((rule, index): FireRule => {
    const where = `expect.fire[${index}]`;
    const byId = (id: string, key: string) => steps.find((step) => step.id === id) ?? fail(`${where}.${key}: no timeline step has id "${id}"`);
    const after = rule.after ? byId(rule.after, 'after') : steps.find(startsFault);
    if (!after) return fail(`${where}.after: the timeline sets no fault, so name the step the clock starts at`);
    const healedBy = rule.healedBy ? byId(rule.healedBy, 'healedBy') : steps.find((step) => endsFault(step) && step.atMs >= after.atMs);
    if (rule.resolveWithin && !healedBy) fail(`${where}.resolveWithin: no step heals after "${after.id}"`);
    return {
      alert: rule.alert,
      after: after.id,
      withinMs: parseRunLengthSeconds(rule.within) * 1000,
      notify: rule.notify ?? [],
      healedBy: rule.resolveWithin ? healedBy!.id : undefined,
      resolveWithinMs: rule.resolveWithin ? parseRunLengthSeconds(rule.resolveWithin) * 1000 : undefined,
    };
  });
  const silent = raw.expect.silent ?? [];
  const clash = silent.find((name) => fire.some((rule) => rule.alert === name));
  if (clash) fail(`expect.silent: ${clash} is also expected to fire`);
  if (raw.expect.gate && raw.load.kind !== 'steady' && raw.load.kind !== 'locust') fail('expect.gate: unknown load');

  const name = basename(file).replace(/\.ya?ml$/, '');
  return {
    name,
    file,
    description: raw.description.trim(),
    fault: raw.fault,
    outage: raw.outage,
    load: raw.load,
    baseline: resolveChaos(raw.baseline ?? 'calm'),
    durationMs,
    steps,
    fire,
    silent: silent.filter((entry) => entry !== 'pages'),
    noOtherPages: silent.includes('pages'),
    invariants: raw.expect.invariants ?? false,
    gate: raw.expect.gate,
  };
}

export function loadScenario(file: string, shownAs = file): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ScenarioError(`${shownAs}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseScenario(text, shownAs);
}
