// The NetworkPolicies evaluated the way a cluster's network plugin applies them (same namespace,
// pod selectors, numeric or named ports): the connections the stack needs are allowed, and the
// fences the issue asks for hold — only Prometheus (and the API's callers) reach the API port that
// serves /metrics, and only the API reaches the database.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { buildOverlay, matchesSelector, podTemplates, type K8sObject } from './helpers/manifests.js';

interface Pod { name: string; labels: Record<string, string>; namespace: string; namespaceLabels: Record<string, string>; ports: Map<string, number> }

function podsOf(objects: K8sObject[]): Map<string, Pod> {
  const pods = new Map<string, Pod>();
  for (const { owner, labels, spec } of podTemplates(objects)) {
    const ports = new Map<string, number>();
    for (const container of spec.containers) for (const port of container.ports ?? []) if (port.name) ports.set(port.name, port.containerPort);
    pods.set(owner.metadata.name, { name: owner.metadata.name, labels, namespace: owner.metadata.namespace!, namespaceLabels: { 'kubernetes.io/metadata.name': owner.metadata.namespace! }, ports });
  }
  return pods;
}

/** Whether `from` may open a TCP connection to `to`:`port`, per the policies (ingress only). */
export function allowed(policies: K8sObject[], from: Pod, to: Pod, port: number): boolean {
  const selecting = policies.filter((policy) => policy.metadata.namespace === to.namespace
    && (policy.spec.policyTypes ?? ['Ingress']).includes('Ingress') && matchesSelector(to.labels, policy.spec.podSelector));
  if (selecting.length === 0) return true;
  return selecting.some((policy) => (policy.spec.ingress ?? []).some((rule: any) => {
    const portOk = !rule.ports || rule.ports.some((p: any) => (typeof p.port === 'string' ? to.ports.get(p.port) : p.port) === port && (p.protocol ?? 'TCP') === 'TCP');
    const peerOk = !rule.from || rule.from.some((peer: any) => {
      if (peer.ipBlock) return false;
      const namespaceOk = peer.namespaceSelector ? matchesSelector(from.namespaceLabels, peer.namespaceSelector) : from.namespace === policy.metadata.namespace;
      const podOk = peer.podSelector ? matchesSelector(from.labels, peer.podSelector) : true;
      return namespaceOk && podOk;
    });
    return portOk && peerOk;
  }));
}

const connections = {
  needed: [
    ['prometheus', 'api', 8080], ['locust-worker', 'api', 8080], ['live-dashboard', 'api', 8080],
    ['api', 'postgres', 5432], ['grafana', 'prometheus', 9090], ['live-dashboard', 'prometheus', 9090],
    ['prometheus', 'alertmanager', 9093], ['live-dashboard', 'alertmanager', 9093], ['alertmanager', 'mailpit', 1025],
    ['alertmanager', 'discord-sink', 8025], ['locust-worker', 'locust-master', 5557],
    // The exporters (issue #12): Prometheus scrapes them, they reach what they watch.
    ['prometheus', 'postgres-exporter', 9187], ['prometheus', 'node-exporter', 9100], ['prometheus', 'blackbox-exporter', 9115],
    ['postgres-exporter', 'postgres', 5432], ['blackbox-exporter', 'api', 8080],
  ],
  fenced: [
    ['grafana', 'api', 8080], ['mailpit', 'api', 8080], ['locust-master', 'api', 8080], ['alertmanager', 'api', 8080],
    ['prometheus', 'postgres', 5432], ['locust-worker', 'postgres', 5432], ['live-dashboard', 'postgres', 5432],
    ['grafana', 'postgres', 5432], ['locust-worker', 'prometheus', 9090], ['api', 'alertmanager', 9093],
    ['api', 'mailpit', 1025],
    ['locust-worker', 'postgres-exporter', 9187], ['api', 'node-exporter', 9100], ['grafana', 'blackbox-exporter', 9115],
    ['blackbox-exporter', 'postgres', 5432], ['node-exporter', 'api', 8080],
  ],
} as const;

describe('overlay local', () => {
  const objects = () => buildOverlay('local');
  const policies = () => objects().filter((o) => o.kind === 'NetworkPolicy');
  const pod = (name: string) => podsOf(objects()).get(name) ?? assert.fail(`no pod ${name}`);

  for (const [from, to, port] of connections.needed) {
    test(`${from} → ${to}:${port} is allowed`, () => assert.equal(allowed(policies(), pod(from), pod(to), port), true));
  }
  for (const [from, to, port] of connections.fenced) {
    test(`${from} → ${to}:${port} is denied`, () => assert.equal(allowed(policies(), pod(from), pod(to), port), false));
  }

  test('without the default deny, the fences fall (the evaluator sees the difference)', () => {
    const withoutDeny = policies().filter((p) => p.metadata.name !== 'default-deny-ingress' && p.metadata.name !== 'postgres-ingress');
    assert.equal(allowed(withoutDeny, pod('locust-worker'), pod('postgres'), 5432), true);
  });
});

describe('overlay prometheus-operator', () => {
  test('the operator\'s Prometheus in namespace monitoring may scrape the API; other namespaces may not', () => {
    const objects = buildOverlay('prometheus-operator');
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    const api = podsOf(objects).get('api')!;
    const operatorPrometheus: Pod = { name: 'prometheus-kube-prometheus-stack-prometheus-0', labels: { 'app.kubernetes.io/name': 'prometheus' }, namespace: 'monitoring', namespaceLabels: { 'kubernetes.io/metadata.name': 'monitoring' }, ports: new Map() };
    const stranger: Pod = { ...operatorPrometheus, namespace: 'default', namespaceLabels: { 'kubernetes.io/metadata.name': 'default' } };
    assert.equal(allowed(policies, operatorPrometheus, api, 8080), true);
    assert.equal(allowed(policies, stranger, api, 8080), false);
    const postgres = podsOf(objects).get('postgres')!;
    assert.equal(allowed(policies, operatorPrometheus, postgres, 5432), false);
  });
});
