// Static proof of the Kubernetes manifests (no cluster here): every overlay builds with the real
// `kubectl kustomize`, every object validates against the Kubernetes API schemas, and the things a
// cluster would only reveal at run time — a ConfigMap that does not exist, a selector that matches
// no pod, an unpinned image, a pod that Pod Security "restricted" rejects — fail here instead.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  allContainers, buildKustomization, buildOverlay, find, matchesSelector, overlayNames, podTemplates, repoRoot,
  type K8sObject,
} from './helpers/manifests.js';
import { pinProblem } from './helpers/images.js';

/** Secrets created out of band (docs/deploy.md), never by a manifest: name → keys the pods read. */
const OUT_OF_BAND_SECRETS: Record<string, string[]> = {
  'ticketpulse-api': ['ADMIN_TOKEN'],
  'ticketpulse-postgres': ['POSTGRES_PASSWORD'],
  'ticketpulse-database': ['DATABASE_URL'],
  'ticketpulse-grafana': ['GF_SECURITY_ADMIN_PASSWORD'],
  'ticketpulse-alert-receivers': [],
};

async function modelFor(object: K8sObject): Promise<new (data: unknown) => { validate(): void }> {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  const module = group === 'monitoring.coreos.com'
    ? await import(`@kubernetes-models/prometheus-operator/${group}/${version}`)
    : await import(group === '' ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`);
  const model = module[object.kind];
  if (typeof model !== 'function') throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  return model;
}

test('the overlays are the three the docs describe', () => {
  assert.deepEqual(overlayNames, ['external-db', 'local', 'prometheus-operator']);
});

test('a broken manifest is caught: a Deployment with a string replica count does not validate', async () => {
  const deployment = structuredClone(find(buildOverlay('local'), 'Deployment', 'api'));
  deployment.spec.replicas = 'two';
  const Model = await modelFor(deployment);
  assert.throws(() => new Model(deployment).validate(), /replicas must be integer/);
});

for (const overlay of overlayNames) {
  describe(`overlay ${overlay}`, () => {
    const objects = () => buildOverlay(overlay);
    const pods = () => podTemplates(objects());

    test('builds with kubectl kustomize and every object validates against its API schema', async () => {
      assert.ok(objects().length > 10, 'too few objects');
      for (const object of objects()) {
        const Model = await modelFor(object);
        assert.doesNotThrow(() => new Model(object).validate(), `${object.kind}/${object.metadata.name}`);
      }
    });

    test('everything lands in the ticketpulse namespace', () => {
      for (const object of objects()) {
        if (object.kind === 'Namespace') continue;
        assert.equal(object.metadata.namespace, 'ticketpulse', `${object.kind}/${object.metadata.name}`);
      }
    });

    test('no Secret is committed: pods read only the documented out-of-band Secrets', () => {
      assert.deepEqual(objects().filter((object) => object.kind === 'Secret').map((object) => object.metadata.name), []);
      for (const { owner, spec } of pods()) {
        for (const container of allContainers(spec)) {
          for (const env of container.env ?? []) {
            const ref = env.valueFrom?.secretKeyRef;
            if (ref) {
              assert.ok(ref.name in OUT_OF_BAND_SECRETS, `${owner.metadata.name}: unknown Secret ${ref.name}`);
              assert.ok(OUT_OF_BAND_SECRETS[ref.name]!.includes(ref.key), `${owner.metadata.name}: ${ref.name} has no documented key ${ref.key}`);
            }
            if (/PASSWORD|TOKEN|SECRET|WEBHOOK_URL$/.test(env.name) && env.value !== undefined) {
              assert.fail(`${owner.metadata.name}/${container.name}: ${env.name} has a literal value; read it from a Secret`);
            }
          }
          for (const source of container.envFrom ?? []) {
            if (source.secretRef) assert.ok(source.secretRef.name in OUT_OF_BAND_SECRETS, `unknown Secret ${source.secretRef.name}`);
          }
        }
      }
    });

    test('every ConfigMap a pod mounts or reads exists in the build, with every key it names', () => {
      const configMaps = new Map(objects().filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name, o]));
      for (const { owner, spec } of pods()) {
        for (const volume of spec.volumes ?? []) {
          if (!volume.configMap) continue;
          const configMap = configMaps.get(volume.configMap.name);
          assert.ok(configMap, `${owner.kind}/${owner.metadata.name} mounts missing ConfigMap ${volume.configMap.name}`);
          assert.ok(Object.keys(configMap.data ?? {}).length > 0, `ConfigMap ${volume.configMap.name} is empty`);
          for (const container of allContainers(spec)) {
            for (const mount of container.volumeMounts ?? []) {
              if (mount.name === volume.name && mount.subPath) {
                assert.ok(mount.subPath in configMap.data!, `${volume.configMap.name} has no key ${mount.subPath}`);
              }
            }
          }
        }
        for (const container of allContainers(spec)) {
          for (const source of container.envFrom ?? []) {
            if (source.configMapRef) assert.ok(configMaps.has(source.configMapRef.name), `missing ConfigMap ${source.configMapRef.name}`);
          }
          const mounted = new Set((spec.volumes ?? []).map((volume: any) => volume.name));
          for (const mount of container.volumeMounts ?? []) {
            const claimed = (owner.spec.volumeClaimTemplates ?? []).some((claim: any) => claim.metadata.name === mount.name);
            assert.ok(mounted.has(mount.name) || claimed, `${owner.metadata.name}/${container.name} mounts undeclared volume ${mount.name}`);
          }
        }
      }
    });

    test('every object fits `kubectl apply` (its last-applied annotation is capped at 256 KiB)', () => {
      for (const object of objects()) {
        const size = Buffer.byteLength(JSON.stringify(object));
        assert.ok(size < 200 * 1024, `${object.kind}/${object.metadata.name} is ${size} bytes; split it or use --server-side`);
      }
    });

    test('every image is pinned to an exact version', () => {
      for (const { owner, spec } of pods()) {
        for (const container of allContainers(spec)) {
          assert.equal(pinProblem(container.image), undefined, `${owner.metadata.name}/${container.name}`);
        }
      }
    });

    test('every pod passes Pod Security "restricted" and runs with a read-only root filesystem', () => {
      for (const { owner, spec } of pods()) {
        const pod = spec.securityContext ?? {};
        assert.equal(pod.runAsNonRoot, true, `${owner.metadata.name}: runAsNonRoot`);
        assert.ok(pod.runAsUser > 0, `${owner.metadata.name}: numeric non-root runAsUser`);
        assert.equal(pod.seccompProfile?.type, 'RuntimeDefault', `${owner.metadata.name}: seccomp`);
        // "restricted" (and "baseline") forbid the host's namespaces and paths, node_exporter included.
        for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) assert.notEqual(spec[field], true, `${owner.metadata.name}: ${field}`);
        assert.ok(!(spec.volumes ?? []).some((volume: any) => volume.hostPath), `${owner.metadata.name}: hostPath volume`);
        for (const container of allContainers(spec)) {
          const context = container.securityContext ?? {};
          const where = `${owner.metadata.name}/${container.name}`;
          assert.equal(context.allowPrivilegeEscalation, false, `${where}: allowPrivilegeEscalation`);
          assert.deepEqual(context.capabilities?.drop, ['ALL'], `${where}: capabilities`);
          assert.equal(context.readOnlyRootFilesystem, true, `${where}: readOnlyRootFilesystem`);
          assert.ok(container.resources?.requests && container.resources?.limits, `${where}: resources`);
        }
      }
    });

    test('env $(VAR) references are defined earlier in the same container', () => {
      for (const { owner, spec } of pods()) {
        for (const container of allContainers(spec)) {
          const defined = new Set<string>();
          for (const env of container.env ?? []) {
            for (const [, name] of String(env.value ?? '').matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
              assert.ok(defined.has(name!), `${owner.metadata.name}/${container.name}: ${env.name} uses $(${name}) before it is defined`);
            }
            defined.add(env.name);
          }
        }
      }
    });

    test('Services, the PodDisruptionBudget and the autoscaler point at pods that exist', () => {
      for (const service of objects().filter((o) => o.kind === 'Service')) {
        const targets = pods().filter((pod) => pod.owner.kind !== 'Job' && matchesSelector(pod.labels, { matchLabels: service.spec.selector }));
        assert.equal(targets.length, 1, `Service ${service.metadata.name} selects ${targets.length} workloads`);
        for (const port of service.spec.ports) {
          if (typeof port.targetPort !== 'string') continue;
          const named = allContainers(targets[0]!.spec).flatMap((c) => c.ports ?? []).map((p: any) => p.name);
          assert.ok(named.includes(port.targetPort), `Service ${service.metadata.name}: no container port named ${port.targetPort}`);
        }
      }
      for (const budget of objects().filter((o) => o.kind === 'PodDisruptionBudget')) {
        assert.ok(pods().some((pod) => matchesSelector(pod.labels, budget.spec.selector)), `PDB ${budget.metadata.name}`);
      }
      for (const hpa of objects().filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
        const target = find(objects(), hpa.spec.scaleTargetRef.kind, hpa.spec.scaleTargetRef.name);
        assert.ok(allContainers(target.spec.template.spec).every((c) => c.resources?.requests?.cpu), 'CPU autoscaling needs CPU requests');
      }
    });

    test('every in-cluster address the pods are configured with is a Service and port of this overlay', () => {
      const services = objects().filter((o) => o.kind === 'Service');
      const addresses: string[] = [];
      for (const { spec } of pods()) {
        for (const container of allContainers(spec)) {
          for (const env of container.env ?? []) if (typeof env.value === 'string') addresses.push(env.value);
          const args = [...(container.args ?? []), ...(container.command ?? [])];
          for (const flag of ['--host', '--master-host']) if (args.includes(flag)) addresses.push(args[args.indexOf(flag) + 1]);
        }
      }
      // Only ConfigMaps some pod uses (the operator overlay generates Grafana datasources it never mounts).
      const used = new Set(pods().flatMap(({ spec }) => [
        ...(spec.volumes ?? []).map((v: any) => v.configMap?.name),
        ...allContainers(spec).flatMap((c) => (c.envFrom ?? []).map((e: any) => e.configMapRef?.name)),
      ]));
      for (const configMap of objects().filter((o) => o.kind === 'ConfigMap' && used.has(o.metadata.name) && /^(alertmanager-settings|grafana-datasources|prometheus-config)-/.test(o.metadata.name))) {
        for (const text of Object.values(configMap.data ?? {})) addresses.push(...(String(text).match(/(?:https?:\/\/|\b)[a-z][a-z0-9-]*:\d{2,5}\b/g) ?? []));
      }
      let checked = 0;
      for (const address of addresses) {
        const match = /^(?:[a-z]+:\/\/)?(?:[^@/]+@)?([a-z][a-z0-9-]*):(\d+)(?:\/|$)/.exec(address);
        if (!match || match[1] === 'localhost') continue; // plain values, or names with dots (other namespaces)
        const [, host, port] = match;
        if (host === 'locust-master' && port === undefined) continue;
        const service = services.find((s) => s.metadata.name === host);
        assert.ok(service, `${address}: no Service ${host} in overlay ${overlay}`);
        assert.ok(service.spec.ports.some((p: any) => p.port === Number(port)), `${address}: Service ${host} has no port ${port}`);
        checked++;
      }
      assert.ok(checked >= 3, `checked ${checked} addresses`);
      for (const name of addresses.filter((a) => /^[a-z][a-z0-9-]*$/.test(a) && a.startsWith('locust'))) {
        assert.ok(services.some((s) => s.metadata.name === name), `Service ${name}`);
      }
    });

    test('Grafana, if deployed, mounts dashboards where its provisioning provider looks', () => {
      const grafana = objects().find((o) => o.kind === 'Deployment' && o.metadata.name === 'grafana');
      if (!grafana) return;
      const provider = objects().find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('grafana-dashboard-providers-'))!;
      const path = parse(Object.values(provider.data!)[0]!).providers[0].options.path;
      const mounts = grafana.spec.template.spec.containers[0].volumeMounts;
      const volumes = grafana.spec.template.spec.volumes;
      const mountOf = (prefix: string) => mounts.find((m: any) => volumes.find((v: any) => v.name === m.name)?.configMap?.name.startsWith(prefix))?.mountPath;
      assert.equal(mountOf('grafana-dashboards-'), path);
      assert.equal(mountOf('grafana-dashboard-providers-'), '/etc/grafana/provisioning/dashboards');
      assert.equal(mountOf('grafana-datasources-'), '/etc/grafana/provisioning/datasources');
    });

    test('the API runs 2+ replicas with probes, graceful stop and topology spread', () => {
      const api = find(objects(), 'Deployment', 'api');
      assert.ok(api.spec.replicas >= 2);
      const container = api.spec.template.spec.containers.find((c: any) => c.name === 'api');
      assert.equal(container.readinessProbe.httpGet.path, '/readyz');
      assert.equal(container.livenessProbe.httpGet.path, '/healthz');
      assert.ok(container.env.some((env: any) => env.name === 'DATABASE_URL'), 'DATABASE_URL is set');
      assert.ok(api.spec.template.spec.topologySpreadConstraints.length > 0);
      assert.ok(find(objects(), 'HorizontalPodAutoscaler', 'api').spec.minReplicas >= 2);
      assert.ok(api.spec.template.spec.volumes.some((v: any) => v.emptyDir) && container.volumeMounts.some((m: any) => m.mountPath === '/tmp'));
    });
  });
}

test('the base alone builds (it is what every overlay starts from)', () => {
  const objects = buildKustomization('deploy/k8s/base');
  assert.ok(objects.some((object) => object.kind === 'Deployment' && object.metadata.name === 'api'));
});

test('the rules, dashboards, Alertmanager template and locustfile in the cluster are the repository files, byte for byte', () => {
  const local = buildOverlay('local');
  const byPrefix = (prefix: string) => local.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith(`${prefix}-`) && /-[a-z0-9]{10}$/.test(o.metadata.name))!;
  const expectations: Array<[string, string, string]> = [
    ['prometheus-rules', 'alerts.yml', 'observability/prometheus/rules/alerts.yml'],
    ['alertmanager-template', 'alertmanager.yml', 'observability/alertmanager/alertmanager.yml'],
    ['grafana-dashboards', 'ticketpulse-overview.json', 'observability/grafana/dashboards/ticketpulse-overview.json'],
    ['locustfile', 'locustfile.py', 'tools/load/locustfile.py'],
    ['blackbox-config', 'blackbox.yml', 'observability/blackbox/blackbox.yml'],
  ];
  for (const [configMap, key, file] of expectations) {
    assert.equal(byPrefix(configMap).data![key], readFileSync(join(repoRoot, file), 'utf8'), `${configMap}/${key}`);
  }
});

test('the prometheus-operator overlay has a ServiceMonitor, PrometheusRules and sidecar-labelled dashboards, and no own Prometheus', () => {
  const objects = buildOverlay('prometheus-operator');
  const monitor = find(objects, 'ServiceMonitor', 'ticketpulse-api');
  const api = find(objects, 'Service', 'api');
  assert.ok(matchesSelector(api.metadata.labels ?? {}, monitor.spec.selector), 'ServiceMonitor selects the API Service');
  assert.ok(api.spec.ports.some((port: any) => port.name === monitor.spec.endpoints[0].port), 'endpoint port name exists on the Service');
  assert.ok(objects.filter((o) => o.kind === 'PrometheusRule').length >= 1);
  const dashboards = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('grafana-dashboards-'))!;
  assert.equal(dashboards.metadata.labels?.grafana_dashboard, '1');
  assert.ok(!objects.some((o) => ['prometheus', 'alertmanager', 'grafana'].includes(o.metadata.name) && o.kind !== 'NetworkPolicy'));
});

describe('the exporters the in-cluster Prometheus scrapes (jobs postgres, node, blackbox)', () => {
  const containerOf = (objects: K8sObject[], kind: string, name: string) => find(objects, kind, name).spec.template.spec.containers[0];
  const envOf = (container: any, name: string) => container.env.find((env: any) => env.name === name);

  for (const overlay of ['local', 'external-db']) {
    test(`overlay ${overlay} runs postgres_exporter and blackbox_exporter as Deployments and node_exporter on every node`, () => {
      const objects = buildOverlay(overlay);
      for (const name of ['postgres-exporter', 'blackbox-exporter']) {
        find(objects, 'Deployment', name);
        find(objects, 'Service', name);
      }
      const nodeExporter = find(objects, 'DaemonSet', 'node-exporter');
      assert.ok(nodeExporter.spec.template.spec.tolerations.some((t: any) => t.operator === 'Exists'), 'tolerates tainted nodes');
      const blackbox = containerOf(objects, 'Deployment', 'blackbox-exporter');
      assert.ok(blackbox.args.includes('--config.file=/etc/blackbox/blackbox.yml'));
    });
  }

  test('postgres_exporter reads the database the API reads: in-cluster with the local overlay, DATABASE_URL with external-db', () => {
    const local = containerOf(buildOverlay('local'), 'Deployment', 'postgres-exporter');
    assert.match(envOf(local, 'DATA_SOURCE_NAME').value, /^postgres:\/\/ticketpulse:\$\(POSTGRES_PASSWORD\)@postgres:5432\/ticketpulse\b/);
    const external = containerOf(buildOverlay('external-db'), 'Deployment', 'postgres-exporter');
    assert.deepEqual(envOf(external, 'DATA_SOURCE_NAME').valueFrom.secretKeyRef, { name: 'ticketpulse-database', key: 'DATABASE_URL' });
    assert.equal(envOf(external, 'DATA_SOURCE_NAME').value, undefined);
    assert.equal(envOf(external, 'POSTGRES_PASSWORD'), undefined, 'no reference to the in-cluster database Secret');
  });

  test('the prometheus-operator overlay leaves node_exporter to kube-prometheus-stack', () => {
    assert.ok(!buildOverlay('prometheus-operator').some((o) => o.kind === 'DaemonSet'));
  });
});
