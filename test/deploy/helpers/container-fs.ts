// Lays out, under a temporary folder, the files a container would see at its mount paths, so the
// real tools (promtool, amtool, the renderer) can check exactly what a pod or compose service gets.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { K8sObject } from './manifests.js';
import { repoRoot } from './manifests.js';

/** Writes a pod container's ConfigMap mounts under `root`; emptyDir/PVC mounts become empty folders. */
export function layOutPodMounts(root: string, objects: K8sObject[], podSpec: any, container: any): void {
  for (const mount of container.volumeMounts ?? []) {
    const volume = (podSpec.volumes ?? []).find((v: any) => v.name === mount.name);
    const target = join(root, mount.mountPath);
    if (volume?.configMap) {
      const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === volume.configMap.name);
      if (!configMap) throw new Error(`ConfigMap ${volume.configMap.name} not in the build`);
      if (mount.subPath) {
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, configMap.data![mount.subPath]!);
      } else {
        mkdirSync(target, { recursive: true });
        for (const [key, value] of Object.entries(configMap.data ?? {})) writeFileSync(join(target, key), value);
      }
    } else {
      mkdirSync(target, { recursive: true });
    }
  }
}

/** Copies a compose service's bind mounts (`./host/path:/container/path[:ro]`) under `root`; named volumes become empty folders. */
export function layOutComposeMounts(root: string, volumes: string[]): void {
  for (const spec of volumes) {
    const [source, target] = spec.split(':');
    if (!source!.startsWith('.')) {
      mkdirSync(join(root, target!), { recursive: true });
      continue;
    }
    mkdirSync(dirname(join(root, target!)), { recursive: true });
    cpSync(join(repoRoot, source!), join(root, target!), { recursive: true });
  }
}

/**
 * Compose variable interpolation (${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error},
 * ${VAR?error}, $$), as `docker compose` applies it from .env.
 */
export function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])((?:[^{}]|\{[^{}]*\})*))?\}/g, (match, name, operator, argument) => {
    if (match === '$$') return '$';
    const value = env[name];
    const unset = value === undefined || (operator?.startsWith(':') && value === '');
    if (operator?.endsWith('-')) return unset ? interpolate(argument ?? '', env) : value!;
    if (operator?.endsWith('?')) {
      if (unset) throw new Error(`compose: required variable ${name} is missing: ${argument}`);
      return value!;
    }
    return value ?? '';
  });
}
