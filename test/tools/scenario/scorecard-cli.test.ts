// `npm run scorecard` is a long benchmark that rewrites the committed docs/alert-scorecard.md: a typo
// must be refused before anything runs or is written, in one line with exit 2.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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
