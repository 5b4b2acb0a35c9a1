// The scenario file format: every catalogue file is valid, and each kind of mistake is one line that
// names the file, the path inside it and the problem.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCatalogue } from '../../../tools/scenario/catalogue.js';
import { needsOwnStack, parseScenario, ScenarioError } from '../../../tools/scenario/schema.js';

const VALID = `description: payment failures
load: { kind: steady }
duration: 2m
timeline:
  - { at: 10s, id: flaky, set: flaky-payments }
  - { at: 40s, heal: all }
expect:
  fire: [{ alert: PurchaseFailureRateHigh, within: 1m, notify: [email], resolveWithin: 1m }]
  silent: [pages, ApiDown]
`;

const API_DOWN = `description: the API goes away
load: { kind: steady }
duration: 2m
timeline:
  - { at: 10s, id: gone, api: down }
  - { at: 40s, api: up }
expect:
  fire: [{ alert: ApiDown, within: 1m, resolveWithin: 1m }]
`;

test('api: down starts the clock and api: up is the heal an expectation waits for', () => {
  const scenario = parseScenario(API_DOWN, 'scenarios/api.yaml');
  assert.deepEqual(scenario.steps.map((step) => step.api), ['down', 'up']);
  assert.deepEqual(scenario.fire, [{ alert: 'ApiDown', after: 'gone', withinMs: 60_000, notify: [], healedBy: 'step-2', resolveWithinMs: 60_000 }]);
  assert.equal(needsOwnStack(scenario), true);
  assert.equal(needsOwnStack(parseScenario(VALID, 'scenarios/payment.yaml')), false);
});

test('a valid file becomes a scenario with times in ms, defaults filled and the heal step found', () => {
  const scenario = parseScenario(VALID, 'scenarios/payment.yaml');
  assert.equal(scenario.name, 'payment');
  assert.equal(scenario.durationMs, 120_000);
  assert.deepEqual(scenario.load, { kind: 'steady', purchasesPerSecond: 4, readsPerSecond: 4 });
  assert.equal(scenario.steps[0]!.set!.failureRate, 0.2, 'the preset is resolved to its settings');
  assert.equal(scenario.steps[1]!.heal!.length, 8, '"all" heals every fault kind');
  assert.deepEqual(scenario.fire, [{ alert: 'PurchaseFailureRateHigh', after: 'flaky', withinMs: 60_000, notify: ['email'], healedBy: 'step-2', resolveWithinMs: 60_000 }]);
  assert.deepEqual(scenario.silent, ['ApiDown']);
  assert.equal(scenario.noOtherPages, true);
  assert.equal(scenario.outage, 'partial', 'held to the partial-fault goal unless the file says total');
});

test('every file of the catalogue is valid, and each fault kind of docs/faults.md has a scenario', () => {
  const catalogue = loadCatalogue();
  const faults = new Set(catalogue.map((s) => s.fault?.split(' ')[0]));
  for (const kind of ['failureRate', 'latencyMs', 'database.slowMs', 'database.outage', 'memoryLeak', 'cpuBurn', 'eventLoopStall', 'crash.exitAfterSeconds', 'readErrorRate']) {
    assert.ok(faults.has(kind), `a scenario stages ${kind}`);
  }
  assert.ok(catalogue.some((s) => s.name === 'payment-failures'), 'the demo scenario');
  assert.ok(catalogue.some((s) => s.steps.some((step) => step.api === 'down')), 'a whole-API outage');
  // The total outages: payment provider down, database down, API down.
  assert.deepEqual(catalogue.filter((s) => s.outage === 'total').map((s) => s.name).sort(), ['api-down', 'database-outage', 'on-sale-spike-payment-outage']);
});

const BAD: Array<[string, string, string]> = [
  ['not YAML', 'description: [unclosed', 'scenarios/x.yaml: not valid YAML: '],
  ['a list, not a mapping', '- 1\n- 2', 'scenarios/x.yaml: must be a YAML mapping'],
  ['a required field missing', VALID.replace('description: payment failures\n', ''), 'scenarios/x.yaml: description: is required'],
  ['a bad duration', VALID.replace('at: 10s', 'at: soon'), 'scenarios/x.yaml: timeline[0].at: must be a duration like 30s, 2m or 1m30s (got "soon")'],
  ['an unknown field', VALID.replace('duration: 2m', 'duration: 2m\ncolour: red'), 'scenarios/x.yaml: colour: is not a known field'],
  ['an unknown field in a step', VALID.replace('set: flaky-payments', 'set: flaky-payments, colour: red'), 'scenarios/x.yaml: timeline[0].colour: is not a known field'],
  ['a step after the end', VALID.replace('at: 40s', 'at: 3m'), 'scenarios/x.yaml: timeline[1].at: 3m is not before the end of the scenario (duration 2m)'],
  ['steps out of order', VALID.replace('at: 40s', 'at: 5s'), 'scenarios/x.yaml: timeline[1].at: steps must be in time order'],
  ['an unknown preset', VALID.replace('set: flaky-payments', 'set: nope'), 'scenarios/x.yaml: timeline[0].set: must be one of calm, flaky-payments'],
  ['a fault value out of range', VALID.replace('set: flaky-payments', 'set: { failureRate: 2 }'), 'scenarios/x.yaml: timeline[0].set.failureRate: expected number to be less or equal to 1 (got 2)'],
  ['an unknown fault to heal', VALID.replace('heal: all', 'heal: [everything]'), 'scenarios/x.yaml: timeline[1].heal[0]: must be one of failureRate, latencyMs'],
  ['an unknown load kind', VALID.replace('kind: steady', 'kind: bogus'), 'scenarios/x.yaml: load.kind: must be one of steady, locust (got "bogus")'],
  ['an unknown channel', VALID.replace('notify: [email]', 'notify: [pager]'), 'scenarios/x.yaml: expect.fire[0].notify[0]: must be one of email, discord (got "pager")'],
  ['an unknown step id', VALID.replace('within: 1m,', 'within: 1m, after: nowhere,'), 'scenarios/x.yaml: expect.fire[0].after: no timeline step has id "nowhere"'],
  ['an alert both expected and silent', VALID.replace('[pages, ApiDown]', '[PurchaseFailureRateHigh]'), 'scenarios/x.yaml: expect.silent: PurchaseFailureRateHigh is also expected to fire'],
  ['a step that does nothing', VALID.replace('{ at: 40s, heal: all }', '{ at: 40s }'), 'scenarios/x.yaml: timeline[1]: does nothing (give set, heal, api, load or say)'],
  ['an unknown API action', VALID.replace('heal: all', 'api: sideways'), 'scenarios/x.yaml: timeline[1].api: must be one of down, up (got "sideways")'],
  ['the API brought up that was never down', VALID.replace('heal: all', 'api: up'), 'scenarios/x.yaml: timeline[1].api: up, but no earlier step takes the API down'],
  ['the API taken down twice', API_DOWN.replace('api: up', 'api: down'), 'scenarios/x.yaml: timeline[1].api: the API is already down (since timeline[0])'],
  ['a fault set while the API is down', API_DOWN.replace('{ at: 40s, api: up }', '{ at: 20s, set: flaky-payments }\n  - { at: 40s, api: up }'), 'scenarios/x.yaml: timeline[1]: set and heal go through the API, which is down since timeline[0]'],
  ['api and heal in one step', API_DOWN.replace('api: up', 'api: up, heal: all'), 'scenarios/x.yaml: timeline[1]: api and set/heal in one step'],
  ['an unknown outage kind', VALID.replace('duration: 2m', 'duration: 2m\noutage: most'), 'scenarios/x.yaml: outage: must be one of total, partial (got "most")'],
  ['a rate change under Locust', VALID.replace('kind: steady', 'kind: locust, shape: spike, users: 5').replace('heal: all', 'load: { purchasesPerSecond: 2 }'), 'scenarios/x.yaml: timeline[1].load: only the steady load can change its rate'],
];

for (const [what, text, message] of BAD) {
  test(`a file with ${what} is refused with one line naming the file and the path`, () => {
    assert.throws(
      () => parseScenario(text, 'scenarios/x.yaml'),
      (error: unknown) => {
        assert.ok(error instanceof ScenarioError, `a ScenarioError, not ${(error as Error).name}`);
        assert.ok(error.message.startsWith(message), `"${error.message}" starts with "${message}"`);
        assert.ok(!error.message.includes('\n'), 'one line');
        return true;
      },
    );
  });
}
