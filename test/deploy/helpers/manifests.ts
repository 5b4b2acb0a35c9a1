// Builds the kustomize overlays with the real `kubectl kustomize` and hands the objects to tests.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export { repoRoot } from '../../../packages/shared/repo-root.js';
import { repoRoot } from '../../../packages/shared/repo-root.js';
export const overlaysDir = join(repoRoot, 'deploy/k8s/overlays');
export const overlayNames = readdirSync(overlaysDir).sort();

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  [key: string]: any;
}

/** CI installs kubectl (see .ci/run); a missing binary is a failure, not a skip. */
export function kubectl(args: string[]): string {
  const binary = process.env.KUBECTL ?? 'kubectl';
  try {
    return execFileSync(binary, args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error(`${binary} not found: install kubectl (v1.27+, with kustomize v5) — see docs/deploy.md`);
    throw new Error(`${binary} ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(document.errors[0]!.message);
      return document.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}

const cache = new Map<string, K8sObject[]>();

/** `kubectl kustomize <dir>` (relative to the repository), parsed; cached per test process. */
export function buildKustomization(dir: string): K8sObject[] {
  if (!cache.has(dir)) cache.set(dir, parseObjects(kubectl(['kustomize', dir])));
  return cache.get(dir)!;
}

export const buildOverlay = (name: string) => buildKustomization(`deploy/k8s/overlays/${name}`);

export const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job']);

export interface PodTemplate {
  owner: K8sObject;
  labels: Record<string, string>;
  spec: any;
}

export function podTemplates(objects: K8sObject[]): PodTemplate[] {
  return objects
    .filter((object) => WORKLOAD_KINDS.has(object.kind))
    .map((owner) => ({ owner, labels: owner.spec.template.metadata?.labels ?? {}, spec: owner.spec.template.spec }));
}

export const allContainers = (spec: any): any[] => [...(spec.initContainers ?? []), ...(spec.containers ?? [])];

export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}

/** A generated ConfigMap is named `<name>-<hash>`; look it up by the name in the kustomization. */
export function findConfigMap(objects: K8sObject[], name: string): K8sObject {
  const found = objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name === name);
  if (found) return found;
  throw new Error(`no ConfigMap ${name}`);
}

export function matchesSelector(labels: Record<string, string>, selector: { matchLabels?: Record<string, string>; matchExpressions?: any[] } | undefined): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const expression of selector.matchExpressions ?? []) {
    const has = expression.key in labels;
    const value = labels[expression.key];
    switch (expression.operator) {
      case 'In': if (!has || !expression.values.includes(value)) return false; break;
      case 'NotIn': if (has && expression.values.includes(value)) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: throw new Error(`unknown selector operator ${expression.operator}`);
    }
  }
  return true;
}
