import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../packages/shared/repo-root.js';

/** A fresh clone must hold what the docs point at: the contract above all (docs/api.md). */

const ROOT = repoRoot;
const markdownFiles = execFileSync('git', ['ls-files', '*.md'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);

describe('documentation links', () => {
  it('every relative link in a tracked Markdown file points at a file of the repository', () => {
    const broken: string[] = [];
    for (const file of markdownFiles) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1]!.split('#')[0]!;
        if (!target || /^[a-z]+:/i.test(target)) continue; // an anchor in the same file, or a URL
        if (!existsSync(join(ROOT, dirname(file), decodeURI(target)))) broken.push(`${file}: ${match[1]}`);
      }
    }
    assert.ok(markdownFiles.length > 10, `git ls-files lists ${markdownFiles.length} Markdown files`);
    assert.deepEqual(broken, [], `broken links:\n${broken.join('\n')}`);
  });

  it('the README and the locustfile point at the contract inside the repository', () => {
    assert.match(readFileSync(join(ROOT, 'README.md'), 'utf8'), /\]\(docs\/api\.md\)/);
    assert.match(readFileSync(join(ROOT, 'tools', 'load', 'locustfile.py'), 'utf8'), /docs\/api\.md/);
  });
});
