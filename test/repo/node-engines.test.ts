import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import semver from 'semver';
import { repoRoot } from '../../packages/shared/repo-root.js';

/**
 * `npm ci` warns EBADENGINE when an installed package's `engines.node` rejects the running Node.
 * The README promises what package.json's `engines.node` says, so every package in the lock file
 * must accept the oldest Node that range allows and the Node running here (what CI uses).
 * (cookie 2, through Fastify's light-my-request, wants Node 22: package.json overrides it with
 * cookie 1.1, which has the same `stringifySetCookie` and runs on Node 18+.)
 */

const ROOT = repoRoot;
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
};

describe('every installed package accepts the Node.js versions package.json promises', () => {
  const promised = manifest.engines.node;
  const oldest = semver.minVersion(promised)!.version;
  const versions = [...new Set([oldest, process.versions.node])];

  it(`holds for ${versions.join(' and ')} (engines.node ${promised})`, () => {
    assert.ok(semver.satisfies(process.versions.node, promised), `this Node ${process.versions.node} is within ${promised}`);
    const refusals: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (!path || !range) continue;
      for (const version of versions) {
        if (!semver.satisfies(version, range)) refusals.push(`${path.replace(/^.*node_modules\//, '')}@${entry.version} wants node ${range}, not ${version}`);
      }
    }
    assert.ok(Object.keys(lock.packages).length > 100, 'package-lock.json lists the installed packages');
    assert.deepEqual(refusals, [], `npm ci would warn EBADENGINE:\n${refusals.join('\n')}`);
  });
});
