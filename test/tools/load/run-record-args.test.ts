// run.json keeps Locust's command line without machine paths: a run folder must stay meaningful
// when it is moved, shared or committed (test/repo/machine-paths.test.ts scans committed files).
import assert from 'node:assert/strict';
import { isAbsolute, join } from 'node:path';
import { test } from 'node:test';
import { LOCUSTFILE, locustArgs, portableArgs } from '../../../tools/load/run-load.js';
import { parseLoadOptions } from '../../../tools/load/run-options.js';
import { runCli } from './cli-process.js';

test('run.json args name the run folder\'s files and the locustfile relative, never by absolute path', () => {
  const runDir = join('/srv/somewhere', 'runs', '20261202-010000-ramp');
  const options = parseLoadOptions(['--shape', 'ramp', '--duration', '30s', '--host', 'http://127.0.0.1:8080']);
  assert.notEqual(options, 'help');
  if (options === 'help') return;
  const args = locustArgs(options, runDir);
  assert.ok(args.some((arg) => arg.startsWith(runDir)), 'Locust itself is given absolute paths');
  assert.ok(args.includes(LOCUSTFILE));
  const recorded = portableArgs(args, runDir);
  assert.deepEqual(recorded.filter((arg) => isAbsolute(arg)), [], recorded.join(' '));
  assert.equal(recorded[recorded.indexOf('-f') + 1], 'tools/load/locustfile.py');
  assert.equal(recorded[recorded.indexOf('--csv') + 1], 'locust');
  assert.equal(recorded[recorded.indexOf('--html') + 1], 'locust.html');
  assert.equal(recorded[recorded.indexOf('--host') + 1], 'http://127.0.0.1:8080', 'other arguments are kept as given');
  assert.equal(recorded.length, args.length);
});

test('npm run load -- --help prints the usage on stdout and exits 0; a bad option is one line and exit 2', async () => {
  const help = await runCli('tools/load/cli.ts', ['--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^usage: npm run load -- --shape/);
  assert.equal(help.stderr, '');
  const bad = await runCli('tools/load/cli.ts', ['--shape', 'nonsense']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  assert.match(bad.stderr, /--shape must be one of/);
});
