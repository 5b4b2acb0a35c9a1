// The project image, built with podman from the repository's own Dockerfile on the local base image
// (ARG NODE_IMAGE). npm inside the build must trust the same certificate authorities as this
// machine and use its registry: both are read here at build time (the CA bundle mounted read-only,
// the registry from `npm config get registry`) and passed as build arguments of the install stages
// only, so they are never committed and never in the runtime image.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildContextHash } from './build-context.js';
import { CACHE_KEY_LABEL, ensureBaseImage } from './base-image.js';
import { podman, podmanOk, run } from './podman.js';
import { repoRoot } from '../../packages/shared/repo-root.js';

/** What compose.yaml and the manifests name (`ticketpulse:0.1.0`); podman resolves it to localhost/. */
export const PROJECT_IMAGE = 'localhost/ticketpulse:0.1.0';
const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

export async function projectImageKey(baseImage: string): Promise<string> {
  return buildContextHash(repoRoot, baseImage);
}

async function labelOf(image: string): Promise<string | undefined> {
  const result = await podman(['image', 'inspect', '--format', `{{index .Labels "${CACHE_KEY_LABEL}"}}`, image]);
  return result.code === 0 ? result.stdout.trim() : undefined;
}

export interface ProjectImage {
  image: string;
  baseImage: string;
  key: string;
  built: { base: boolean; project: boolean };
}

/** Builds the base and the project image unless images with the same inputs exist. */
export async function ensureProjectImage(log: (line: string) => void = () => {}): Promise<ProjectImage> {
  const base = await ensureBaseImage(log);
  const key = await projectImageKey(base.image);
  const cached = `localhost/ticketpulse-ci/app:${key}`;
  if ((await labelOf(cached)) === key) {
    // The tag compose uses may have been moved by a build of other sources; point it back.
    await podmanOk(['tag', cached, PROJECT_IMAGE]);
    return { image: PROJECT_IMAGE, baseImage: base.image, key, built: { base: base.built, project: false } };
  }
  log(`building ${PROJECT_IMAGE} from the Dockerfile on ${base.image}`);
  const registry = (await run('npm', ['config', 'get', 'registry'])).stdout.trim() || 'https://registry.npmjs.org/';
  const caArgs = existsSync(HOST_CA_BUNDLE)
    ? ['--volume', `${HOST_CA_BUNDLE}:/host-ca.crt:ro`, '--build-arg', 'NODE_EXTRA_CA_CERTS=/host-ca.crt']
    : [];
  await podmanOk([
    'build',
    // One layer per stage: with vfs storage every layer is a full copy of the root filesystem.
    '--layers=false',
    // Docker's image format: the OCI format has no HEALTHCHECK, and podman would drop the Dockerfile's.
    '--format', 'docker',
    '--build-arg', `NODE_IMAGE=${base.image}`,
    '--build-arg', `NPM_CONFIG_REGISTRY=${registry}`,
    ...caArgs,
    '--label', `${CACHE_KEY_LABEL}=${key}`,
    '--tag', cached,
    '--tag', PROJECT_IMAGE,
    '--file', join(repoRoot, 'Dockerfile'),
    repoRoot,
  ], { timeoutMs: 40 * 60_000, echo: process.env.TP_CI_VERBOSE === '1' });
  await removeOlderBuilds(cached);
  return { image: PROJECT_IMAGE, baseImage: base.image, key, built: { base: base.built, project: true } };
}

/** With vfs every image is a full copy: keep only the newest build of the project image. */
async function removeOlderBuilds(keep: string): Promise<void> {
  const repository = keep.slice(0, keep.lastIndexOf(':'));
  const tags = (await podman(['images', '--format', '{{.Repository}}:{{.Tag}}', repository])).stdout.split('\n').map((l) => l.trim());
  for (const tag of tags) if (tag.startsWith(`${repository}:`) && tag !== keep) await podman(['rmi', tag]);
}
