// The repository root: every module that reads a committed file (rules, dashboards, runbooks,
// templates, configs) resolves it from here, so no reader counts its own folder's depth. In the
// container image this is /app, which holds the runtime parts in the same layout (Dockerfile).
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** A path inside the repository, from its root: `repoPath('observability', 'blackbox', 'blackbox.yml')`. */
export function repoPath(...segments: string[]): string {
  return join(repoRoot, ...segments);
}
