// The scorecard's saved form: a scorecard measured in parts (`--merge`, e.g. the slow ticket
// scenarios on another stack) must say which run measured each row, replace only the rows it
// measured, and never list a run nothing points at; a JSON from before `runs` still reads.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { markdown, merge, readSaved, type Row } from '../../../tools/scenario/scorecard-file.js';
import { UsageError } from '../../../packages/shared/usage-error.js';

const trial = (pageS: number) => ({
  detected: true,
  pageS,
  resolveS: 30,
  unexpectedPages: [],
  heldBack: [],
  flaps: 0,
  notifications: { email: { firing: 1, resolved: 1 }, discord: { firing: 0, resolved: 0 } },
  passed: true,
  runDir: 'runs/x',
});
const row = (scenario: string, pageS: number, extra: Partial<Row> = {}): Row => ({ scenario, fault: scenario, alert: `${scenario}-alert`, trials: [trial(pageS)], ...extra });
const order = (name: string) => ['api-down', 'latency', 'cpu-burn', 'memory-leak'].indexOf(name);

test('readSaved: a scorecard from before --merge (one meta) reads as one run; a missing file is undefined; a broken one a one-line usage error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tp-scorecard-file-'));
  try {
    writeFileSync(join(dir, 'old.json'), JSON.stringify({ meta: { status: 'complete', date: 'then' }, rows: [row('api-down', 43)], soak: { minutes: 30, unexpectedPages: [], notifications: 0 } }));
    const old = readSaved(join(dir, 'old.json'))!;
    assert.deepEqual(old.runs, [{ status: 'complete', date: 'then' }]);
    assert.equal(old.rows.length, 1);
    assert.equal(old.soak?.minutes, 30);
    assert.equal(readSaved(join(dir, 'none.json')), undefined);
    writeFileSync(join(dir, 'broken.json'), '{"rows": [');
    assert.throws(() => readSaved(join(dir, 'broken.json')), (error: Error) => error instanceof UsageError && /is not a scorecard's JSON/.test(error.message) && !error.message.includes('\n'));
    writeFileSync(join(dir, 'other.json'), '{"something": 1}');
    assert.throws(() => readSaved(join(dir, 'other.json')), /it has no rows/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('merge: the new run replaces its scenarios\' rows, keeps the others and the soak, in catalogue order, and drops a run left measuring nothing', () => {
  const first = merge(undefined, { runs: [{ date: 'A' }], rows: [row('api-down', 43), row('latency', 49)], soak: { minutes: 30, unexpectedPages: [], notifications: 0 } }, order);
  assert.deepEqual(first.runs, [{ date: 'A' }]);
  assert.deepEqual(first.rows.map((r) => [r.scenario, r.run]), [['api-down', 0], ['latency', 0]]);

  // The slow ticket scenarios, measured on another stack, and latency again.
  const second = merge(first, { runs: [{ date: 'B' }], rows: [row('memory-leak', 560), row('latency', 47), row('cpu-burn', 334)] }, order);
  assert.deepEqual(second.runs, [{ date: 'A' }, { date: 'B' }]);
  assert.deepEqual(second.rows.map((r) => [r.scenario, r.run, r.trials[0]!.pageS]), [['api-down', 0, 43], ['latency', 1, 47], ['cpu-burn', 1, 334], ['memory-leak', 1, 560]]);
  assert.deepEqual(second.soak, { minutes: 30, unexpectedPages: [], notifications: 0, run: 0 }, 'the soak stays with the run that made it');

  // Run A's last row and its soak are measured again: A is gone from the list and B is run 0.
  const third = merge(second, { runs: [{ date: 'C' }], rows: [row('api-down', 41)], soak: { minutes: 30, unexpectedPages: ['ApiDown'], notifications: 2 } }, order);
  assert.deepEqual(third.runs, [{ date: 'B' }, { date: 'C' }]);
  assert.deepEqual(third.rows.map((r) => [r.scenario, r.run]), [['api-down', 1], ['latency', 0], ['cpu-burn', 0], ['memory-leak', 0]]);
  assert.equal(third.soak?.run, 1);
});

test('markdown: one run has no Run column; a merged scorecard lists its runs, names the run of each row and of the soak', () => {
  const card = merge(
    merge(undefined, { runs: [{ date: 'A', stack: 'two replicas' }], rows: [row('api-down', 43, { outage: 'total' })], soak: { minutes: 30, unexpectedPages: [], notifications: 0 } }, order),
    { runs: [{ date: 'B', stack: 'one replica' }], rows: [row('cpu-burn', 334, { outage: 'partial' })] },
    order,
  );
  const single = markdown({ runs: [card.runs[0]!], rows: card.rows.filter((r) => r.run === 0), soak: card.soak }, new Set());
  assert.doesNotMatch(single, /\| Run \|/);
  assert.match(single, /^- stack: two replicas$/m);

  const page = markdown(card, new Set());
  const lines = page.split('\n');
  const header = lines.find((line) => line.startsWith('| Fault |'))!.split('|').map((c) => c.trim());
  const runColumn = header.indexOf('Run');
  assert.ok(runColumn > 0, 'a Run column');
  const runOf = (scenario: string) => lines.find((line) => line.includes(`| ${scenario} |`))!.split('|').map((c) => c.trim())[runColumn];
  assert.equal(runOf('api-down'), '1');
  assert.equal(runOf('cpu-burn'), '2');
  assert.match(page, /Run 1:\n\n- date: A\n- stack: two replicas/);
  assert.match(page, /Run 2:\n\n- date: B\n- stack: one replica/);
  assert.match(page, /^Calm soak \(run 1\): 30 min/m);
  // The recorded outage kind decides the goal row, not the (empty) set of today's files.
  assert.match(lines.find((line) => line.startsWith('| median time to page ≤ 30 s'))!, /\| api-down 43 s \|$/);
});
