// kubernetes-models' validators accept unknown fields, so a misspelt key (`readinessProbes`) would
// pass them and be dropped silently by the API server. Here every built object is type-checked as
// an object literal against the same models' TypeScript interfaces, where an unknown property is an
// error (TS2561/TS2353) naming the field.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOverlay, overlayNames, repoRoot, type K8sObject } from './helpers/manifests.js';

// Inside the repository so the type-check resolves node_modules.
const scratch = join(repoRoot, '.runtime', `deploy-fields-${process.pid}`);
after(() => rmSync(scratch, { recursive: true, force: true }));

function modulePath(apiVersion: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === 'monitoring.coreos.com') return `@kubernetes-models/prometheus-operator/${group}/${version}`;
  return group === '' ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`;
}

/**
 * @kubernetes-models/prometheus-operator 4.4.4 was generated before prometheus-operator 0.66 added a
 * rule's `keep_firing_for`, and the 5.x models depend on packages that want Node 22 (package.json
 * promises 20). So a PrometheusRule is checked against 4.4.4's type widened by that one field only:
 * any other unknown key is still an error.
 */
const PROMETHEUS_RULE_TYPE = `
type RuleGroup = NonNullable<IPrometheusRule['spec']['groups']>[number];
type Rule = NonNullable<RuleGroup['rules']>[number] & { keep_firing_for?: string };
type IPrometheusRuleWithKeepFiringFor = Omit<IPrometheusRule, 'spec'> & { spec: { groups?: Array<Omit<RuleGroup, 'rules'> & { rules?: Rule[] }> } };
`;

function typeName(kind: string): string {
  return kind === 'PrometheusRule' ? 'IPrometheusRuleWithKeepFiringFor' : `I${kind}`;
}

/** Type-checks the objects; returns tsc's diagnostics (empty when every field is known). */
function typeCheck(name: string, objects: K8sObject[]): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  const imports = new Map<string, Set<string>>();
  const lines = objects.map((object, index) => {
    const path = modulePath(object.apiVersion);
    if (!imports.has(path)) imports.set(path, new Set());
    imports.get(path)!.add(`I${object.kind}`);
    return `// ${object.kind}/${object.metadata.name}\nexport const object${index}: ${typeName(object.kind)} = ${JSON.stringify(object, null, 1)};`;
  });
  const source = [...imports].map(([path, types]) => `import type { ${[...types].join(', ')} } from '${path}';`).join('\n') + '\n'
    + (objects.some((o) => o.kind === 'PrometheusRule') ? PROMETHEUS_RULE_TYPE : '')
    + lines.join('\n');
  writeFileSync(join(dir, 'objects.ts'), source);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: [] },
    files: ['objects.ts'],
  }));
  const result = spawnSync(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8', timeout: 120_000 });
  return `${result.stdout}${result.stderr}`.trim();
}

for (const overlay of overlayNames) {
  test(`overlay ${overlay}: no object has a field the Kubernetes API does not know`, () => {
    assert.equal(typeCheck(overlay, buildOverlay(overlay)), '');
  });
}

test('a misspelt field is reported with its name', () => {
  const deployment = structuredClone(buildOverlay('local').find((o) => o.kind === 'Deployment' && o.metadata.name === 'api')!);
  deployment.spec.template.spec.containers[0].readinessProbes = deployment.spec.template.spec.containers[0].readinessProbe;
  assert.match(typeCheck('misspelt', [deployment]), /'"?readinessProbes"?' does not exist/);
});

test('a misspelt field of an alerting rule is reported with its name (keep_firing_for is the one addition)', () => {
  const rules = structuredClone(buildOverlay('prometheus-operator').find((o) => o.kind === 'PrometheusRule')!);
  const kept = rules.spec.groups.flatMap((g: { rules: Array<Record<string, unknown>> }) => g.rules).find((r: Record<string, unknown>) => r.keep_firing_for);
  assert.ok(kept, 'the generated rules use keep_firing_for');
  kept.keep_firing_fro = kept.keep_firing_for;
  assert.match(typeCheck('misspelt-rule', [rules]), /'"?keep_firing_fro"?' does not exist/);
});
