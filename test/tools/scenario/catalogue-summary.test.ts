// The one page of a multi-scenario run: a scenario left out on purpose is listed as not run (with
// why) and is not counted among the failed; one whose stack did not start is.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderCatalogueSummary } from '../../../tools/scenario/catalogue-summary.js';

test('the summary lists scenarios that did not start (counted) and those not run on purpose (not counted)', () => {
  const text = renderCatalogueSummary([], 'runs/x-catalogue.md', {
    command: 'npm run scenario -- --all --api-url http://127.0.0.1:8080',
    stack: 'given parts',
    complete: true,
    notStarted: [{ scenario: 'latency', reason: 'the stack did not start: no PostgreSQL' }],
    skipped: [{ scenario: 'api-down', reason: 'it takes the API down | needs the stack' }],
  });
  assert.match(text, /^# Scenario catalogue: 0 of 1 passed\n/);
  assert.match(text, /^\| latency \| \*\*did not start\*\* \| – \| – \| the stack did not start: no PostgreSQL \|$/m);
  assert.match(text, /^\| api-down \| not run \| – \| – \| it takes the API down \\\| needs the stack \|$/m);
});
