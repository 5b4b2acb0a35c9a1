// Shared by the container checks (test/deploy/container-*.test.ts): whether podman can run here,
// the image (built or reused from the cache), a per-file name prefix and its cleanup.
import { randomBytes } from 'node:crypto';
import { podman, podmanOk, podmanUnavailable, RESOURCE_PREFIX } from '../../../tools/containers/podman.js';
import { ensureProjectImage, type ProjectImage } from '../../../tools/containers/project-image.js';
import { leftovers, removeLeftovers } from '../../../tools/containers/cleanup.js';

export { podman, podmanOk, leftovers };

/**
 * Why the container checks cannot run here (said once, in one line), or undefined. Set
 * TP_SKIP_CONTAINERS=1 to skip them on a machine that could run them.
 */
export async function containersSkipReason(file: string): Promise<string | undefined> {
  const reason = process.env.TP_SKIP_CONTAINERS === '1' ? 'TP_SKIP_CONTAINERS=1' : await podmanUnavailable();
  if (reason) console.log(`# containers: ${file} skipped, ${reason}`);
  return reason;
}

let image: Promise<ProjectImage> | undefined;
/** The project image from the real Dockerfile (a cold build takes minutes with vfs storage). */
export function projectImage(): Promise<ProjectImage> {
  image ??= ensureProjectImage((line) => console.log(`# ${line}`));
  return image;
}

/** A prefix unique to one test file's run, inside the tp-ci- namespace the cleanup knows. */
export function runPrefix(what: string): string {
  return `${RESOURCE_PREFIX}${what}-${randomBytes(3).toString('hex')}-`;
}

export async function cleanUp(prefix: string): Promise<void> {
  await removeLeftovers(prefix);
}

/** Polls a URL until it answers with `status` (default any 2xx) or the time is up. */
export async function waitForHttp(url: string, timeoutMs: number, status?: number): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
      if (status === undefined ? response.ok : response.status === status) return response;
      last = `status ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${url}: ${last} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** A container's state from `podman inspect`. */
export async function containerState(name: string): Promise<{ Status: string; ExitCode: number; Running: boolean }> {
  return JSON.parse(await podmanOk(['inspect', '--format', '{{json .State}}', name]));
}

export async function logsOf(name: string): Promise<string> {
  const result = await podman(['logs', name]);
  return `${result.stdout}${result.stderr}`.slice(-4000);
}
