// Parses and validates `npm run load` arguments into one typed object (bad input → UsageError).
import { parseArgs } from 'node:util';
import type { Gate } from '../scenario/schema.js';
import { DEFAULT_GATE as GATE_DEFAULTS } from '../scenario/gate.js';
import { latencyRangeError } from '../../packages/contract/index.js';
import { parseRunLengthSeconds } from '../../packages/shared/durations.js';
import { UsageError } from '../../packages/shared/usage-error.js';

import { SHAPES, type ShapeName } from './shapes.js';


export interface ChaosStep {
  /** Seconds after the load starts. */
  offsetS: number;
  failureRate: number;
  latencyMs?: { min: number; max: number };
}

export interface LoadOptions {
  shape: ShapeName;
  durationS: number;
  peakUsers: number;
  host: string;
  outDir: string;
  hotCapacity?: number;
  chaos: ChaosStep[];
  report: boolean;
  /** `--gate`: thresholds checked at the end (tools/scenario/gate.ts); a miss exits 3. */
  gate?: Gate;
  locustArgs: string[];
}

export const USAGE = `usage: npm run load -- --shape <${SHAPES.join('|')}> [--duration 2m] [--users N] [--host URL] [--out runs/]
       [--hot-capacity N] [--chaos <at>=<failureRate>[:<minMs>-<maxMs>] ...] [--no-report]
       [--gate [--gate-p99-ms N] [--gate-error-ratio R] [--gate-budget R] [--gate-allow-pages]] [-- <extra locust args>]
  --chaos 60s=0.5        at 60 s into the run set the API's payment failure rate to 0.5 (needs ADMIN_TOKEN)
  --gate                 pass/fail at the end, from Prometheus (PROMETHEUS_URL): p99 ≤ 250 ms, 5xx ≤ 3 %,
                         ≤ 2 % of the month's error budget spent, no page; a miss exits 3
exit codes: 0 done (and the gate passed), 1 Locust failed, 2 usage error, 3 a gate threshold missed`;

const DEFAULT_USERS: Record<ShapeName, number> = { steady: 100, ramp: 400, spike: 300, soak: 100 };


export function parseChaosStep(text: string): ChaosStep {
  const match = /^([^=]+)=([0-9.]+)(?::(\d+)-(\d+))?$/.exec(text);
  if (!match) throw new UsageError(`bad --chaos "${text}" (use e.g. 60s=0.5 or 60s=0.1:200-800)`);
  const failureRate = Number(match[2]);
  if (!(failureRate >= 0 && failureRate <= 1)) throw new UsageError(`--chaos failure rate must be 0..1: "${text}"`);
  const step: ChaosStep = { offsetS: parseRunLengthSeconds(match[1]), failureRate };
  if (match[3] !== undefined) {
    const min = Number(match[3]);
    const max = Number(match[4]);
    const latencyError = latencyRangeError({ min, max }, { min: 'min', max: 'latency max' });
    if (latencyError) throw new UsageError(`--chaos ${latencyError}: "${text}"`);
    step.latencyMs = { min, max };
  }
  return step;
}

function positiveInt(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`--${name} must be a positive integer, got "${text}"`);
  return value;
}

/** The gate's defaults (tools/scenario/gate.ts DEFAULT_GATE) with the flags' overrides; undefined without --gate. */
function readGate(values: Record<string, string | boolean | (string | boolean)[] | undefined>): Gate | undefined {
  const flags = ['gate-p99-ms', 'gate-error-ratio', 'gate-budget', 'gate-allow-pages'];
  if (!values.gate) {
    const stray = flags.find((flag) => values[flag] !== undefined && values[flag] !== false);
    if (stray) throw new UsageError(`--${stray} needs --gate`);
    return undefined;
  }
  const ratio = (flag: string, fallback: number) => {
    const raw = values[flag] as string | undefined;
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!(value >= 0 && value <= 1)) throw new UsageError(`--${flag} must be a share from 0 to 1, got "${raw}"`);
    return value;
  };
  const p99Raw = values['gate-p99-ms'] as string | undefined;
  return {
    p99Ms: p99Raw === undefined ? GATE_DEFAULTS.p99Ms : positiveInt('gate-p99-ms', p99Raw),
    errorRatio: ratio('gate-error-ratio', GATE_DEFAULTS.errorRatio),
    budgetSpent: ratio('gate-budget', GATE_DEFAULTS.budgetSpent),
    noPage: !values['gate-allow-pages'],
  };
}

/** The options, or 'help' when --help was asked for (the usage then goes to stdout, exit 0). */
export function parseLoadOptions(argv: string[]): LoadOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        shape: { type: 'string' },
        duration: { type: 'string', default: '2m' },
        users: { type: 'string' },
        host: { type: 'string', default: process.env.API_URL ?? 'http://127.0.0.1:8080' },
        out: { type: 'string', default: 'runs' },
        'hot-capacity': { type: 'string' },
        chaos: { type: 'string', multiple: true, default: [] },
        'no-report': { type: 'boolean', default: false },
        gate: { type: 'boolean', default: false },
        'gate-p99-ms': { type: 'string' },
        'gate-error-ratio': { type: 'string' },
        'gate-budget': { type: 'string' },
        'gate-allow-pages': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const shape = values.shape as ShapeName | undefined;
  if (!shape || !SHAPES.includes(shape)) {
    throw new UsageError(`--shape must be one of ${SHAPES.join(', ')}${shape ? `, got "${shape}"` : ''}`);
  }
  const durationS = parseRunLengthSeconds(values.duration!);
  if (durationS < 5) throw new UsageError('--duration must be at least 5s');
  let host: URL;
  try {
    host = new URL(values.host!);
  } catch {
    throw new UsageError(`--host must be a URL like http://127.0.0.1:8080, got "${values.host}"`);
  }
  const chaos = (values.chaos ?? []).map(parseChaosStep).sort((a, b) => a.offsetS - b.offsetS);
  if (chaos.some((step) => step.offsetS >= durationS)) throw new UsageError('--chaos times must fall inside --duration');
  return {
    shape,
    durationS,
    peakUsers: values.users ? positiveInt('users', values.users) : DEFAULT_USERS[shape],
    host: host.origin,
    outDir: values.out!,
    hotCapacity: values['hot-capacity'] ? positiveInt('hot-capacity', values['hot-capacity']) : undefined,
    chaos,
    report: !values['no-report'],
    gate: readGate(values),
    locustArgs: positionals,
  };
}
