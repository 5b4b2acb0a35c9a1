/**
 * An image reference is pinned when it names an exact release: a digest, or a tag that is neither
 * `latest` nor a floating major/minor line (`15`, `1.27`, `20-slim`), i.e. it has at least
 * major.minor.patch (e.g. `v2.42.0`, `20.20.2-bookworm-slim`, `0.1.0`). PostgreSQL numbers its
 * releases major.minor (`15.10` is one exact release), so there two parts are exact.
 */
const TWO_PART_RELEASES = new Set(['postgres']);

export function pinProblem(reference: string): string | undefined {
  if (/@sha256:[0-9a-f]{64}$/.test(reference)) return undefined;
  const lastSlash = reference.lastIndexOf('/');
  const colon = reference.indexOf(':', lastSlash + 1);
  if (colon === -1) return `${reference}: no tag (means :latest)`;
  const tag = reference.slice(colon + 1);
  if (tag === 'latest') return `${reference}: :latest`;
  const repository = reference.slice(0, colon).split('/').pop()!;
  const exact = TWO_PART_RELEASES.has(repository) ? /^\d+\.\d+(?:-[A-Za-z0-9.-]+)?$/ : /^v?\d+\.\d+\.\d+(?:[-.][A-Za-z0-9.-]+)?$/;
  if (!exact.test(tag)) return `${reference}: tag "${tag}" is not an exact version (major.minor.patch)`;
  return undefined;
}
