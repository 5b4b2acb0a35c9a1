// The Kubernetes pod specs for real, where podman can run them: `podman kube play` of the kustomize
// output (overlay external-db) for the API and live-dashboard Deployments with their ConfigMap and
// Secrets, on the real image. Proves env (values and secretKeyRefs), mounts (the dashboards ConfigMap,
// the emptyDir /tmp), the securityContext (runAsNonRoot/runAsUser, readOnlyRootFilesystem,
// allowPrivilegeEscalation false, capabilities dropped) and the probes' paths and ports, probed from
// the host at the pod's address as a kubelet does. The database is the PostgreSQL stand-in on the
// same podman network (the DATABASE_URL Secret names it). Not run here: Services/DNS, HPA, PDB,
// NetworkPolicies, the Prometheus Operator's CRDs (see docs/deploy.md). Skips in one line when
// podman cannot run here.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { get } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { buildOverlay, find, type K8sObject } from './helpers/manifests.js';
import { cleanUp, containersSkipReason, leftovers, logsOf, podman, podmanOk, projectImage, runPrefix, waitForHttp } from './helpers/containers.js';
import { waitUntil } from '../support/ports.js';
import { ensureStandinImages } from '../../tools/containers/standin-images.js';

const skip = await containersSkipReason('container-kube');
const prefix = runPrefix('kube');
const network = `${prefix}net`;
const postgres = `${prefix}postgres`;
const adminToken = randomBytes(12).toString('hex');
const password = randomBytes(12).toString('hex');
const databaseUrl = `postgres://ticketpulse:${password}@${postgres}:5432/ticketpulse`;
const work = mkdtempSync(join(tmpdir(), 'tp-ci-kube-'));
const playFile = join(work, 'play.yaml');

const objects = buildOverlay('external-db');
const deployments = { api: find(objects, 'Deployment', 'api'), dashboard: find(objects, 'Deployment', 'live-dashboard') };
const podSpec = (d: K8sObject) => (d as any).spec.template.spec;
/** The pod (and its container) podman created for a Deployment, and the pod's address. */
const pods: Record<'api' | 'dashboard', { container: string; ip: string }> = { api: { container: '', ip: '' }, dashboard: { container: '', ip: '' } };

const rename = (name: string) => `${prefix}${name}`;
/** The Secrets the Deployments reference (created out of band, as docs/deploy.md says). */
const secrets = { 'ticketpulse-api': { ADMIN_TOKEN: adminToken }, 'ticketpulse-database': { DATABASE_URL: databaseUrl } };

/**
 * podman 4.3 resolves a secretKeyRef to a podman secret of the same name holding the Secret's `data`
 * as JSON (key → base64 value; a Secret object inside the played YAML fails to parse), so the
 * Secrets are created first — out of band, as docs/deploy.md has them created for a cluster.
 */
async function createSecrets(): Promise<void> {
  for (const [name, data] of Object.entries(secrets)) {
    const file = join(work, `${name}.json`);
    writeFileSync(file, JSON.stringify(Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]))), { mode: 0o600 });
    await podmanOk(['secret', 'create', rename(name), file]);
    rmSync(file);
  }
}

/**
 * What podman plays: the two Deployments as kustomize built them, except names carry the run's
 * prefix (so nothing collides) and one replica each, with the ConfigMaps they mount (prefixed too).
 */
function playObjects(): unknown[] {
  const out: unknown[] = [];
  for (const deployment of Object.values(deployments)) {
    const copy = structuredClone(deployment) as any;
    copy.metadata = { name: rename(copy.metadata.name), labels: copy.metadata.labels };
    copy.spec.replicas = 1;
    for (const container of copy.spec.template.spec.containers) {
      for (const entry of container.env ?? []) if (entry.valueFrom?.secretKeyRef) entry.valueFrom.secretKeyRef.name = rename(entry.valueFrom.secretKeyRef.name);
    }
    for (const volume of copy.spec.template.spec.volumes ?? []) {
      if (!volume.configMap) continue;
      // podman 4.3 turns a played ConfigMap into a volume of the same name: prefixed, so clean-up finds it.
      const configMap = structuredClone(objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === volume.configMap.name)!);
      configMap.metadata = { name: rename(configMap.metadata.name) };
      volume.configMap.name = configMap.metadata.name;
      out.push(configMap);
    }
    out.push(copy);
  }
  return out;
}

async function inPod(which: 'api' | 'dashboard', script: string): Promise<any> {
  return JSON.parse(await podmanOk(['exec', pods[which].container, 'node', '-e', script]));
}

/** A probe's URL at the pod's address, its named port resolved from the container's ports. */
function probeUrl(which: 'api' | 'dashboard', probe: any): string {
  const container = podSpec(deployments[which]).containers[0];
  const port = typeof probe.httpGet.port === 'number' ? probe.httpGet.port : container.ports.find((p: any) => p.name === probe.httpGet.port).containerPort;
  return `http://${pods[which].ip}:${port}${probe.httpGet.path}`;
}

describe('the Kubernetes Deployments played by podman kube play', { skip }, () => {
  before(async () => {
    await cleanUp(prefix);
    const image = (await projectImage()).image;
    const { POSTGRES_IMAGE } = await ensureStandinImages(image, (line) => console.log(`# ${line}`));
    await podmanOk(['network', 'create', network]);
    await podmanOk(['run', '--detach', '--name', postgres, '--network', network, '--ulimit', 'host',
      '--env', 'POSTGRES_USER=ticketpulse', '--env', 'POSTGRES_DB=ticketpulse', '--env', `POSTGRES_PASSWORD=${password}`, POSTGRES_IMAGE]);
    await waitUntil(async () => (await podman(['exec', postgres, 'pg_isready', '-U', 'ticketpulse', '-d', 'ticketpulse'])).code === 0, 90_000, 'PostgreSQL stand-in');
    await createSecrets();
    writeFileSync(playFile, playObjects().map((o) => stringify(o)).join('---\n'));
    const played = await podman(['kube', 'play', '--network', network, playFile], { timeoutMs: 5 * 60_000 });
    assert.equal(played.code, 0, `podman kube play:\n${played.stderr}${played.stdout}`);
    const names = (await podmanOk(['ps', '--all', '--format', '{{.Names}}'])).split('\n').filter((n) => n.startsWith(prefix));
    pods.api.container = names.find((n) => n.endsWith('-api'))!;
    pods.dashboard.container = names.find((n) => n.endsWith('-live-dashboard'))!;
    assert.ok(pods.api.container && pods.dashboard.container, `containers: ${names.join(', ')}`);
    for (const which of ['api', 'dashboard'] as const) {
      pods[which].ip = (await inPod(which, "console.log(JSON.stringify(Object.values(require('os').networkInterfaces()).flat().find((i) => i.family === 'IPv4' && !i.internal).address))"));
    }
  });

  after(async () => {
    await podman(['kube', 'down', playFile], { timeoutMs: 5 * 60_000 }).catch(() => undefined);
    await cleanUp(prefix);
    rmSync(work, { recursive: true, force: true });
  });

  test('the probes answer at the pod address: startup and liveness /healthz, readiness /readyz (migrated database), dashboard /', async () => {
    const api = podSpec(deployments.api).containers[0];
    await waitForHttp(probeUrl('api', api.startupProbe), 60_000).catch(async (error) => {
      throw new Error(`${error.message}\n${await logsOf(pods.api.container)}`);
    });
    assert.equal((await fetch(probeUrl('api', api.livenessProbe))).status, 200);
    assert.equal((await waitForHttp(probeUrl('api', api.readinessProbe), 30_000)).status, 200);
    const dashboard = podSpec(deployments.dashboard).containers[0];
    assert.equal((await waitForHttp(probeUrl('dashboard', dashboard.readinessProbe), 60_000)).status, 200);
  });

  test('env: plain values and secretKeyRefs reach the process; the API stores a purchase in the database the Secret names', async () => {
    const env = await inPod('api', 'console.log(JSON.stringify(process.env))');
    assert.equal(env.DATABASE_URL, databaseUrl);
    assert.equal(env.ADMIN_TOKEN, adminToken);
    assert.equal(env.CHAOS_FAILURE_RATE, '0.02');
    const base = `http://${pods.api.ip}:8080`;
    const created = await fetch(`${base}/api/concerts`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Pod Play', venue: 'kube hall', startsAt: '2027-05-01T20:00:00Z', capacity: 10, priceCents: 100 }),
    });
    const { id } = await created.json() as { id: string };
    const chaos = await fetch(`${base}/api/admin/chaos`, {
      method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ failureRate: 0, latencyMs: { min: 0, max: 0 } }),
    });
    assert.equal(chaos.status, 200, 'the admin token from the Secret is the one the API checks');
    assert.equal((await fetch(`${base}/api/concerts/${id}/orders`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ quantity: 3, customerEmail: 'fan@example.com' }),
    })).status, 201);
    const sold = await podmanOk(['exec', postgres, 'psql', '-U', 'ticketpulse', '-d', 'ticketpulse', '-tAc', `SELECT tickets_sold FROM concerts WHERE id = '${id}'`]);
    assert.equal(sold.trim(), '3');
  });

  test('securityContext: uid/gid 1000, read-only root filesystem with a writable emptyDir /tmp, no privilege escalation, no capabilities', async () => {
    const script = `
      const fs = require('fs');
      let root = 'written';
      try { fs.writeFileSync('/app/x', ''); } catch (e) { root = e.code; }
      fs.writeFileSync('/tmp/probe', 'ok');
      const status = fs.readFileSync('/proc/self/status', 'utf8');
      const tmp = fs.readFileSync('/proc/mounts', 'utf8').split('\\n').find((l) => l.split(' ')[1] === '/tmp');
      console.log(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), root, tmpMounted: Boolean(tmp), nnp: /NoNewPrivs:\\s+(\\d)/.exec(status)[1], capEff: /CapEff:\\s+(\\w+)/.exec(status)[1] }));`;
    for (const which of ['api', 'dashboard'] as const) {
      assert.deepEqual(await inPod(which, script), { uid: 1000, gid: 1000, root: 'EROFS', tmpMounted: true, nnp: '1', capEff: '0000000000000000' }, which);
    }
  });

  test('mounts: the dashboard serves every dashboard of the ConfigMap mounted at DASHBOARDS_DIR', async () => {
    const volume = podSpec(deployments.dashboard).volumes.find((v: any) => v.configMap);
    const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === volume.configMap.name)!;
    const keys = Object.keys(configMap.data ?? {}).filter((k) => k.endsWith('.json'));
    assert.ok(keys.length > 0);
    // As a user reaches it through `kubectl port-forward`: the dashboard answers only the host names
    // it allows (DNS-rebinding guard), and a port-forward's Host is localhost.
    const listed = await new Promise<{ dashboards: unknown[] }>((resolve, reject) => {
      get({ host: pods.dashboard.ip, port: 3000, path: '/api/dashboards', headers: { host: 'localhost:3000' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          try {
            resolve(JSON.parse(body) as { dashboards: unknown[] });
          } catch (error) {
            reject(new Error(`status ${res.statusCode}: ${body.slice(0, 200)}`, { cause: error }));
          }
        });
      }).on('error', reject);
    });
    assert.equal(listed.dashboards.length, keys.length);
  });

  test('kube down removes the pods', async () => {
    const down = await podman(['kube', 'down', playFile], { timeoutMs: 5 * 60_000 });
    assert.equal(down.code, 0, down.stderr);
    const left = await leftovers(prefix);
    assert.deepEqual(left.filter((name) => name.includes('-pod-')), [], 'no pod or pod container is left');
    // What this test created itself: the PostgreSQL stand-in, the network, the secrets, and the
    // volumes podman made of the ConfigMaps (kube down keeps those).
    for (const name of left.filter((n) => n.includes('grafana-dashboards'))) await podmanOk(['volume', 'rm', name]);
    await podmanOk(['rm', '--force', '--time', '0', postgres]);
    await podmanOk(['network', 'rm', network]);
    for (const name of Object.keys(secrets)) await podmanOk(['secret', 'rm', rename(name)]);
    assert.deepEqual(await leftovers(prefix), []);
  });
});
