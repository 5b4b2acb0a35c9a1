import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../packages/shared/repo-root.js';

/**
 * No tracked file may name a place that exists only on one machine: a clone elsewhere would find
 * nothing there. The rule, applied to every absolute path in every tracked text file:
 *
 * Forbidden (a machine path):
 * - the checkout itself and the folder holding it (wherever this test runs, e.g. /work/wt-x and
 *   /work on the development machine, the CI clone's folder in CI), and `/work/`, the development
 *   machine's workspace of worktrees, the team's shared folder and its package library;
 * - a user's home: `/root/`, the home of whoever runs the test, and `/home/<name>/` for every
 *   account in this machine's /etc/passwd — an example user such as `/home/you/…` is not an account;
 * - a folder inside the temp directory (`/tmp/<folder>/…`): where one run on one machine kept its
 *   files (the leftover that `/tmp/tp5/final/…` in a committed run record was).
 *
 * Allowed (documentation and fixtures that mean the same on every machine):
 * - a file directly in /tmp (`--out /tmp/alertmanager.yml` in a command the docs show);
 * - a container's or a Debian package's paths (`/app`, `/etc/prometheus/…`, `/usr/bin/chromium`);
 * - anything inside a URL (`https://host/home/…`): the path must start a word, not continue one.
 */

const ROOT = repoRoot;

function accountHomes(): string[] {
  let passwd = '';
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return [];
  }
  return passwd
    .split('\n')
    .map((line) => line.split(':')[5] ?? '')
    .filter((home) => /^\/home\/[^/]+$/.test(home));
}

/** Folders whose own path, or anything under it, is a machine path. */
function machineFolders(): string[] {
  const checkout = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: ROOT, encoding: 'utf8' }).trim();
  const folders = new Set(['/work', '/root', checkout, homedir(), ...accountHomes()]);
  folders.add(dirname(checkout));
  // A home of `/` (some service accounts) would forbid every path; a clone made in the temp
  // directory (CI may clone there) must not forbid the documented files directly in /tmp: the
  // rule for folders inside the temp directory below still holds there.
  for (const root of ['/', '/tmp', tmpdir()]) folders.delete(root);
  return [...folders];
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A path starts a word: not inside a URL, a relative path or another name. */
const START = '(?<![A-Za-z0-9_.~/-])';

function machinePathPattern(): RegExp {
  const folders = machineFolders().map((folder) => `${escape(folder)}(?![A-Za-z0-9_.-])`);
  const temps = [...new Set(['/tmp', tmpdir()])].map((temp) => `${escape(temp)}/[^\\s/'"\`)]+/`);
  return new RegExp(`${START}(?:${[...folders, ...temps].join('|')})[^\\s'"\`)\\]},;]*`, 'g');
}

/** This file states the rule with the very paths it forbids, so it is the one file not scanned. */
const THIS_FILE = 'test/repo/machine-paths.test.ts';

function trackedTextFiles(): Array<{ file: string; text: string }> {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\0')
    .filter((file) => file && file !== THIS_FILE);
  return files.flatMap((file) => {
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(ROOT, file));
    } catch {
      return []; // deleted in the work tree but not yet in the index
    }
    return bytes.includes(0) ? [] : [{ file, text: bytes.toString('utf8') }];
  });
}

function findMachinePaths(files: Array<{ file: string; text: string }>, pattern: RegExp): string[] {
  const found: string[] = [];
  for (const { file, text } of files) {
    text.split('\n').forEach((line, index) => {
      for (const match of line.matchAll(pattern)) found.push(`${file}:${index + 1}: ${match[0]}`);
    });
  }
  return found;
}

describe('no absolute path of a machine in the repository', () => {
  const pattern = machinePathPattern();

  it('holds in every tracked text file', () => {
    const files = trackedTextFiles();
    assert.ok(files.length > 100, `git ls-files lists ${files.length} text files`);
    const found = findMachinePaths(files, pattern);
    assert.deepEqual(found, [], `machine paths (use a path relative to the repository, or an example such as /home/you):\n${found.join('\n')}`);
  });

  it('tells machine paths from documentation and URLs', () => {
    const checkout = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const flagged = [
      'docs in /work/shared/contract.md here',
      '"/work/main/load/locustfile.py",',
      '"--csv", "/tmp/tp5/final/20261128-041616-spike/locust"',
      `see ${checkout}/README.md`,
      `cat ${homedir()}/.npmrc`,
      'cd /root/project',
    ];
    const allowed = [
      'npx tsx apps/alertmanager-config/alertmanager-config.ts --out /tmp/alertmanager.yml',
      'Database: PGlite in /home/you/ticketpulse/data/pglite',
      'https://example.com/work/item and https://github.com/root/x',
      'COPY --from=build /app/dist ./dist',
      '/usr/bin/chromium --no-sandbox',
      'tools/load/locustfile.py and ./work/notes',
    ];
    for (const line of flagged) {
      assert.equal(findMachinePaths([{ file: 'x', text: line }], pattern).length, 1, `flags: ${line}`);
    }
    for (const line of allowed) {
      assert.deepEqual(findMachinePaths([{ file: 'x', text: line }], pattern), [], `allows: ${line}`);
    }
  });
});
