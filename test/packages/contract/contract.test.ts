// The contract module on its own: the presets obey the schema they are sent against, the healed
// defaults are the schema's own, the latency rule, the problem catalogue, and that a browser bundle
// can import it (no Node-only import), as the dashboard's page does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { build } from 'esbuild';
import {
  ChaosInputSchema,
  ChaosSettingsSchema,
  chaosPresetNames,
  chaosPresets,
  isProblemCode,
  latencyRangeError,
  NO_FAULTS,
  PROBLEM_CODES,
  PROBLEM_TYPES,
  problemTypeUri,
  withFaultDefaults,
} from '../../../packages/contract/index.js';

describe('chaos contract', () => {
  it('every preset is a valid PUT body whose latency range holds, and complete once healed faults are filled in', () => {
    for (const name of chaosPresetNames) {
      const preset = chaosPresets[name];
      assert.ok(Value.Check(ChaosInputSchema, preset), `${name}: ${[...Value.Errors(ChaosInputSchema, preset)].map((e) => e.path).join(', ')}`);
      assert.equal(latencyRangeError(preset.latencyMs), undefined, name);
      assert.ok(Value.Check(ChaosSettingsSchema, withFaultDefaults(preset)), name);
    }
  });

  it("fills left-out faults with the schema's own defaults, which are NO_FAULTS", () => {
    const input = { failureRate: 0.5, latencyMs: { min: 1, max: 2 } };
    assert.deepEqual(Value.Default(ChaosInputSchema, structuredClone(input)), { ...input, ...NO_FAULTS });
    assert.deepEqual(withFaultDefaults(input), { ...input, ...NO_FAULTS });
  });

  it('refuses a body the API refuses: unknown fields, out-of-range values, a missing latency', () => {
    assert.equal(Value.Check(ChaosInputSchema, { failureRate: 0.1, latencyMs: { min: 0, max: 0 }, extra: 1 }), false);
    assert.equal(Value.Check(ChaosInputSchema, { failureRate: 1.5, latencyMs: { min: 0, max: 0 } }), false);
    assert.equal(Value.Check(ChaosInputSchema, { failureRate: 0.1, latencyMs: { min: 0, max: 60_001 } }), false);
    assert.equal(Value.Check(ChaosInputSchema, { failureRate: 0.1 }), false);
  });

  it('states the min <= max rule once, in the names of the input that broke it', () => {
    assert.equal(latencyRangeError({ min: 5, max: 5 }), undefined);
    assert.equal(latencyRangeError({ min: 10, max: 5 }), 'latencyMs.max must be >= latencyMs.min (5 < 10)');
    assert.equal(
      latencyRangeError({ min: 100, max: 50 }, { min: 'CHAOS_LATENCY_MIN_MS', max: 'CHAOS_LATENCY_MAX_MS' }),
      'CHAOS_LATENCY_MAX_MS must be >= CHAOS_LATENCY_MIN_MS (50 < 100)',
    );
  });
});

describe('problem types', () => {
  it('are a closed set of codes, each with an HTTP error status and a title', () => {
    assert.deepEqual(PROBLEM_CODES, Object.keys(PROBLEM_TYPES));
    for (const code of PROBLEM_CODES) {
      const { status, title } = PROBLEM_TYPES[code];
      assert.ok(status >= 400 && status <= 599, code);
      assert.ok(title.length > 0, code);
      assert.equal(problemTypeUri(code), `https://ticketpulse.dev/problems/${code}`);
    }
    assert.equal(isProblemCode('sold-out'), true);
    assert.equal(isProblemCode('toString'), false);
    assert.equal(isProblemCode('no-such-problem'), false);
  });
});

describe('contract module', () => {
  it('bundles for the browser: nothing in it needs Node', async () => {
    const result = await build({
      entryPoints: [new URL('../../../packages/contract/index.ts', import.meta.url).pathname],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    assert.equal(result.errors.length, 0);
    assert.match(result.outputFiles[0]!.text, /flaky-payments/);
  });
});
