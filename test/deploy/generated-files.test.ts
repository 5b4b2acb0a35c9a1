// The kustomize components beside the observability and tools/load files and the PrometheusRules are generated
// by deploy/k8s/generate.ts; a new rule file, dashboard or locust module must show up in them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { renderGeneratedFiles, staleGeneratedFiles } from '../../deploy/k8s/generate.js';
import { repoRoot } from './helpers/manifests.js';

test('the committed generated files are up to date (run `tsx deploy/k8s/generate.ts`)', () => {
  assert.deepEqual(staleGeneratedFiles(), []);
});

test('the PrometheusRules carry the rule files\' groups unchanged', () => {
  const generated = renderGeneratedFiles().get('deploy/k8s/components/prometheus-operator/prometheus-rules.yaml')!;
  const rules = parseAllDocuments(generated).map((d) => d.toJS()).filter(Boolean);
  for (const file of ['alerts.yml', 'recording.yml']) {
    const source = parse(readFileSync(join(repoRoot, 'observability/prometheus/rules', file), 'utf8'));
    const rule = rules.find((r: any) => r.metadata.name === `ticketpulse-${file.replace('.yml', '')}`);
    assert.ok(rule, file);
    assert.deepEqual(rule.spec.groups, source.groups);
    assert.equal(rule.metadata.labels.release, 'kube-prometheus-stack');
  }
});

test('every dashboard JSON, rule file and locust module is listed in its component', () => {
  const files = renderGeneratedFiles();
  const listed = (path: string, generator: string) => parse(files.get(path)!).configMapGenerator.find((g: any) => g.name === generator).files;
  assert.ok(listed('observability/grafana/kustomization.yaml', 'grafana-dashboards').includes('dashboards/ticketpulse-overview.json'));
  assert.ok(listed('observability/prometheus/kustomization.yaml', 'prometheus-rules').includes('rules/alerts.yml'));
  assert.deepEqual(listed('tools/load/kustomization.yaml', 'locustfile').filter((f: string) => ['locustfile.py', 'shapes.py'].includes(f)), ['locustfile.py', 'shapes.py']);
});
