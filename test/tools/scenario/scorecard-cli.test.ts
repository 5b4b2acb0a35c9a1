// `npm run scorecard` is a long benchmark that rewrites the committed docs/alert-scorecard.md: a typo
// must be refused before anything runs or is written, in one line with exit 2.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, runCli } from '../load/cli-process.js';

const SCORECARD = join(ROOT, 'docs/alert-scorecard.md');

test('scorecard: --help is the usage on stdout (exit 0); unknown scenarios, bad trials and options are one line, exit 2, nothing written', async () => {
  const before = readFileSync(SCORECARD, 'utf8');
  const help = await runCli('tools/scenario/scorecard.ts', ['--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^usage: npm run scorecard --/);
  for (const [args, message] of [
    [['--only', 'no-such-scenario'], /no scenario named no-such-scenario/],
    [['--skip', 'payment-failures,typo'], /no scenario named typo/],
    [['--trials', '0'], /--trials must be a whole number from 1 to 20/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
  ] as const) {
    const result = await runCli('tools/scenario/scorecard.ts', [...args]);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, message);
  }
  assert.equal(readFileSync(SCORECARD, 'utf8'), before, 'the committed scorecard is untouched');
});

test('scorecard --merge onto a file that is not a scorecard: one line, exit 2, before any trial starts; the file is left as it was', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tp-scorecard-merge-'));
  try {
    writeFileSync(join(dir, 'card.json'), '{"rows": [');
    const result = await runCli('tools/scenario/scorecard.ts', ['--merge', '--only', 'noisy-calm', '--calm-soak', '0', '--out', join(dir, 'card'), '--runs', join(dir, 'runs')]);
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /card\.json is not a scorecard's JSON/);
    assert.doesNotMatch(result.stdout, /trial 1\/1/, 'no trial started');
    assert.equal(readFileSync(join(dir, 'card.json'), 'utf8'), '{"rows": [');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('scorecard --render: a row names what Alertmanager held back and by what; a row from before that was recorded says "not recorded"', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tp-scorecard-'));
  try {
    const trial = (heldBack: string[] | undefined) => ({
      detected: true,
      pageS: 21.4,
      resolveS: 40,
      unexpectedPages: [],
      ...(heldBack ? { heldBack } : {}),
      flaps: 0,
      notifications: { email: { firing: 1, resolved: 1 }, discord: { firing: 1, resolved: 1 } },
      passed: true,
      runDir: 'runs/x',
    });
    const rows = [
      { scenario: 'database-outage', fault: 'database.outage', alert: 'DatabaseUnreachable', trials: [trial(['ProbeFailing (by DatabaseUnreachable)', 'AvailabilitySLOFastBurn (by IncidentAftermath (aftermath))'])] },
      { scenario: 'payment-failures', fault: 'failureRate', alert: 'PurchaseFailureRateHigh', trials: [trial([])] },
      { scenario: 'latency', fault: 'latencyMs', alert: 'HighRequestLatency', trials: [trial(undefined)] },
      // A row records its outage kind when measured: a scenario since renamed (no file) keeps its goal.
      { scenario: 'api-down-since-renamed', fault: 'apiDown', alert: 'ApiDown', outage: 'total', trials: [trial([])] },
    ];
    writeFileSync(join(dir, 'card.json'), JSON.stringify({ meta: { status: 'complete' }, rows }));
    const result = await runCli('tools/scenario/scorecard.ts', ['--render', '--out', join(dir, 'card')]);
    assert.equal(result.code, 0, result.stderr);
    const table = readFileSync(join(dir, 'card.md'), 'utf8').split('\n');
    const header = table.find((line) => line.startsWith('| Fault |'))!.split('|').map((cell) => cell.trim());
    const column = header.indexOf('Fired, held back');
    assert.ok(column > 0, 'the column is there');
    const cell = (scenario: string) => table.find((line) => line.includes(`| ${scenario} |`))!.split('|').map((c) => c.trim())[column];
    assert.equal(cell('database-outage'), 'ProbeFailing (by DatabaseUnreachable), AvailabilitySLOFastBurn (by IncidentAftermath (aftermath))');
    assert.equal(cell('payment-failures'), 'none');
    assert.equal(cell('latency'), 'not recorded');
    // Which goal a row is held to comes from its scenario file (`outage: total` in database-outage.yaml).
    const goal = (prefix: string) => table.find((line) => line.startsWith(`| median time to page ≤ ${prefix}`))!;
    assert.match(goal('30 s for total outages'), /\| database-outage 21 s, api-down-since-renamed 21 s \|$/);
    assert.match(goal('60 s for partial faults'), /\| payment-failures 21 s, latency 21 s \|$/);
    const missing = await runCli('tools/scenario/scorecard.ts', ['--render', '--out', join(dir, 'none')]);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /^scorecard: no .*none\.json to render\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
