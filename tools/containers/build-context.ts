// What `podman build .` / `docker build .` sends as the build context, by the rules of .dockerignore:
// patterns in order, the last match wins, `!` re-includes. Used to key the image cache on exactly
// the files that can reach the image, and by the tests that check secrets stay out of it.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function dockerignorePatterns(root: string): string[] {
  return readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

/** Whether `path` (relative, with `/`) is left out of the build context. */
export function ignoredByDockerignore(patterns: string[], path: string): boolean {
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const pattern = (negate ? raw.slice(1) : raw).replace(/\/$/, '');
    const regex = new RegExp(`^${pattern.split('**/').map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')).join('(?:.*/)?')}(?:/.*)?$`);
    if (regex.test(path)) ignored = !negate;
  }
  return ignored;
}

/** The files of the build context: git's tracked and untracked (not git-ignored) files that .dockerignore lets through. */
export function buildContextFiles(root: string): string[] {
  const patterns = dockerignorePatterns(root);
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return [...new Set(listed.split('\0').filter(Boolean))].filter((path) => !ignoredByDockerignore(patterns, path)).sort();
}

/** Hash of the Dockerfile, .dockerignore and every context file (path and content). */
export function buildContextHash(root: string, extra: string): string {
  const hash = createHash('sha256').update(extra);
  for (const file of ['Dockerfile', '.dockerignore', ...buildContextFiles(root)]) {
    let content: Buffer;
    try {
      content = readFileSync(join(root, file));
    } catch {
      continue; // deleted in the work tree but still in git's index
    }
    hash.update(`\0${file}\0`).update(content);
  }
  return hash.digest('hex').slice(0, 16);
}
