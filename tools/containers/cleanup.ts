// Removes what the container checks created: every pod, container, network, volume and secret whose name
// starts with the prefix (all carry RESOURCE_PREFIX). Safe to run after a crash or a timeout.
import { podman, RESOURCE_PREFIX } from './podman.js';

async function names(args: string[], prefix: string): Promise<string[]> {
  const result = await podman(args, { timeoutMs: 60_000 });
  return result.stdout.split('\n').map((l) => l.trim()).filter((name) => name.startsWith(prefix));
}

/** Removes the prefix's pods, containers, networks and volumes; returns what it removed. */
export async function removeLeftovers(prefix = RESOURCE_PREFIX): Promise<string[]> {
  if (!prefix.startsWith(RESOURCE_PREFIX)) throw new Error(`refusing to remove resources outside ${RESOURCE_PREFIX}*`);
  const removed: string[] = [];
  const kinds: Array<[list: string[], remove: (name: string) => string[]]> = [
    [['pod', 'ps', '--all', '--format', '{{.Name}}'], (name) => ['pod', 'rm', '--force', '--time', '0', name]],
    [['ps', '--all', '--format', '{{.Names}}'], (name) => ['rm', '--force', '--time', '0', '--volumes', name]],
    [['network', 'ls', '--format', '{{.Name}}'], (name) => ['network', 'rm', '--force', name]],
    [['volume', 'ls', '--format', '{{.Name}}'], (name) => ['volume', 'rm', '--force', name]],
    // `podman kube play` turns the YAML's Secrets into podman secrets.
    [['secret', 'ls', '--format', '{{.Name}}'], (name) => ['secret', 'rm', name]],
  ];
  for (const [list, remove] of kinds) {
    for (const name of await names(list, prefix)) {
      const result = await podman(remove(name), { timeoutMs: 120_000 });
      if (result.code === 0) removed.push(name);
    }
  }
  return removed;
}

/** What is left with the prefix (for tests that prove `down` leaves nothing behind). */
export async function leftovers(prefix: string): Promise<string[]> {
  return [
    ...(await names(['pod', 'ps', '--all', '--format', '{{.Name}}'], prefix)),
    ...(await names(['ps', '--all', '--format', '{{.Names}}'], prefix)),
    ...(await names(['network', 'ls', '--format', '{{.Name}}'], prefix)),
    ...(await names(['volume', 'ls', '--format', '{{.Name}}'], prefix)),
    ...(await names(['secret', 'ls', '--format', '{{.Name}}'], prefix)),
  ];
}
