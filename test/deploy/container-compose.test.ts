// compose.yaml for real, with podman-compose: the project's own services (two API replicas, nginx,
// PostgreSQL, Prometheus, Alertmanager and its config renderer, the live dashboard, the Discord
// sink, Mailpit's ports) from the unchanged file — service names, env, mounts, health checks and
// depends_on as written. Third-party images come from Debian stand-ins through the file's image
// variables (tools/containers/standin-images.ts). Grafana and Locust are not started.
// Skips in one line when podman cannot run here.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { repoRoot } from './helpers/manifests.js';
import { cleanUp, containersSkipReason, leftovers, logsOf, podman, podmanOk, projectImage, runPrefix, waitForHttp } from './helpers/containers.js';
import { freePort, waitUntil } from '../support/ports.js';
import { run, podmanEnv } from '../../tools/containers/podman.js';
import { ensureStandinImages } from '../../tools/containers/standin-images.js';
import { createPrometheusClient } from '../../packages/shared/prometheus-client.js';
import { API_JOB_SELECTOR } from '../../packages/shared/prometheus-jobs.js';

const skip = await containersSkipReason('container-compose');
const project = runPrefix('compose').slice(0, -1);
/** podman-compose names everything `<project>_<name>` (containers, the network, the volumes). */
const prefix = `${project}_`;
const SERVICES = ['postgres', 'api', 'proxy', 'dashboard', 'prometheus', 'alertmanager-config', 'alertmanager', 'mailpit', 'discord-sink'];
const PORT_VARIABLES = ['API_PORT', 'DASHBOARD_PORT', 'PROMETHEUS_PORT', 'ALERTMANAGER_PORT', 'MAILPIT_HTTP_PORT', 'DISCORD_SINK_PORT', 'GRAFANA_PORT', 'LOCUST_PORT'] as const;
const ports: Record<string, number> = {};
const env: Record<string, string> = {};
const adminToken = randomBytes(12).toString('hex');
let dnsArgs = '';
const url = (variable: (typeof PORT_VARIABLES)[number], path: string) => `http://127.0.0.1:${ports[variable]}${path}`;

function compose(args: string[], timeoutMs = 10 * 60_000) {
  return run('podman-compose', [
    '--project-name', project, '--file', join(repoRoot, 'compose.yaml'),
    '--podman-args', '--runtime runc --storage-driver vfs', '--podman-run-args', `--ulimit host ${dnsArgs}`,
    ...args,
  ], { cwd: repoRoot, env: podmanEnv(env), timeoutMs });
}

async function replicaMetrics(container: string): Promise<string> {
  return podmanOk(['exec', container, 'node', '-e', "fetch('http://127.0.0.1:8080/metrics').then(r=>r.text()).then(t=>process.stdout.write(t))"]);
}

const orderRequests = (text: string) =>
  [...text.matchAll(/^http_requests_total\{([^}]*)\} (\d+)/gm)].filter(([, labels]) => labels!.includes('route="/api/concerts/:id"')).reduce((sum, [, , n]) => sum + Number(n), 0);

describe('compose.yaml run with podman-compose', { skip }, () => {
  before(async () => {
    await cleanUp(prefix);
    const image = (await projectImage()).image;
    Object.assign(env, await ensureStandinImages(image, (line) => console.log(`# ${line}`)));
    for (const variable of PORT_VARIABLES) ports[variable] = await freePort();
    Object.assign(env, Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])), {
      POSTGRES_PASSWORD: randomBytes(12).toString('hex'),
      ADMIN_TOKEN: adminToken,
      GRAFANA_ADMIN_PASSWORD: randomBytes(12).toString('hex'),
      CHAOS_FAILURE_RATE: '0', CHAOS_LATENCY_MIN_MS: '0', CHAOS_LATENCY_MAX_MS: '5',
    });
    // The project's default network, created first with a known subnet so every container can be
    // given the network's own DNS server (aardvark, the gateway) as its only resolver. Without it,
    // podman also lists the host's DNS servers in resolv.conf, nginx round-robins its `resolver`
    // over all of them, and every other lookup of `api` fails (502). Docker lists only 127.0.0.11.
    const subnet = `10.89.${100 + randomBytes(1)[0]! % 150}`;
    await podmanOk(['network', 'create', '--subnet', `${subnet}.0/24`, `${project}_default`]);
    dnsArgs = `--dns ${subnet}.1`;
    const up = await compose(['up', '--detach', '--no-build', ...SERVICES]);
    assert.equal(up.code, 0, `podman-compose up:\n${up.stderr.slice(-3000)}`);
    // podman-compose 1.0.3 orders by depends_on but does not wait for health: the API replicas restart
    // (restart: unless-stopped) until PostgreSQL accepts connections.
    await waitForHttp(url('API_PORT', '/readyz'), 240_000).catch(async (error) => {
      throw new Error(`${error.message}\n${await logsOf(`${project}_proxy_1`)}\n${await logsOf(`${project}_api_1`)}`);
    });
    // Both replicas, not just the first nginx reached (a non-idempotent request is not retried).
    for (const replica of ['api_1', 'api_2']) {
      await waitUntil(async () => (await podman(['exec', `${project}_${replica}`, 'node', '-e', "fetch('http://127.0.0.1:8080/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"])).code === 0, 120_000, `${replica} ready`);
    }
  });

  after(async () => {
    if ((await leftovers(prefix)).length > 0) await compose(['down', '--volumes'], 15 * 60_000).catch(() => undefined);
    await cleanUp(prefix);
  });

  test('the services run with their names, two API replicas, PostgreSQL healthy by its compose health check', async () => {
    const names = (await podmanOk(['ps', '--format', '{{.Names}}'])).split('\n').filter((n) => n.startsWith(prefix));
    for (const service of ['postgres_1', 'api_1', 'api_2', 'proxy_1', 'dashboard_1', 'prometheus_1', 'alertmanager_1', 'mailpit_1', 'discord-sink_1']) {
      assert.ok(names.includes(`${project}_${service}`), `${service} runs (running: ${names.join(', ')})`);
    }
    const health = await podman(['healthcheck', 'run', `${project}_postgres_1`]);
    assert.equal(health.code, 0, `pg_isready: ${health.stdout}${health.stderr}`);
    const rendered = await podman(['inspect', '--format', '{{.State.ExitCode}} {{.State.Status}}', `${project}_alertmanager-config_1`]);
    assert.equal(rendered.stdout.trim(), '0 exited', 'the one-shot config renderer completed');
  });

  test('nginx -t accepts the rendered config; its resolver is the engine\'s DNS; /metrics is not served outside', async () => {
    const check = await podman(['exec', `${project}_proxy_1`, 'nginx', '-t']);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stderr, /test is successful/);
    const conf = await podmanOk(['exec', `${project}_proxy_1`, 'cat', '/etc/nginx/conf.d/default.conf']);
    const resolver = /^resolver .*$/m.exec(conf)?.[0] ?? '';
    assert.match(resolver, /^resolver \d+\.\d+\.\d+\.\d+( \S+)* valid=10s/, 'the network\'s DNS server, filled in from resolv.conf');
    assert.doesNotMatch(conf, /\$\{/);
    assert.equal((await fetch(url('API_PORT', '/metrics'))).status, 404);
  });

  test('traffic through nginx reaches both API replicas', async () => {
    const created = await fetch(url('API_PORT', '/api/concerts'), {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Compose Live', venue: 'podman hall', startsAt: '2027-05-01T20:00:00Z', capacity: 100, priceCents: 100 }),
    });
    assert.equal(created.status, 201);
    const { id } = await created.json() as { id: string };
    const statuses = await Promise.all(Array.from({ length: 40 }, () => fetch(url('API_PORT', `/api/concerts/${id}`)).then((r) => r.status)));
    assert.deepEqual([...new Set(statuses)], [200]);
    const perReplica = [await replicaMetrics(`${project}_api_1`), await replicaMetrics(`${project}_api_2`)].map(orderRequests);
    assert.equal(perReplica[0]! + perReplica[1]!, 40);
    assert.ok(perReplica.every((n) => n > 0), `requests per replica: ${perReplica.join(', ')}`);
  });

  test('Prometheus discovers and scrapes both replicas through the name `api`', async () => {
    let instances: string[] = [];
    await waitUntil(async () => {
      const up = await createPrometheusClient(url('PROMETHEUS_PORT', '')).query(`up{${API_JOB_SELECTOR}} == 1`);
      instances = up.map((r) => r.metric.instance!);
      return instances.length === 2;
    }, 90_000, 'two scraped API instances').catch((error) => {
      throw new Error(`${error.message}; up: ${instances.join(', ')}`);
    });
    assert.equal(new Set(instances).size, 2);
  });

  test('a staged payment outage pages through Alertmanager to the Discord sink, and the dashboard sees the alert', async () => {
    const chaos = await fetch(url('API_PORT', '/api/admin/chaos'), {
      method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ failureRate: 1, latencyMs: { min: 0, max: 5 } }),
    });
    assert.equal(chaos.status, 200, `${await chaos.text()}\n${await logsOf(`${project}_proxy_1`)}`);
    const created = await fetch(url('API_PORT', '/api/concerts'), {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Outage Night', venue: 'podman hall', startsAt: '2027-05-01T20:00:00Z', capacity: 100000, priceCents: 100 }),
    });
    const { id } = await created.json() as { id: string };
    // The contract: settings take effect on every replica within 2 seconds.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    let purchasing = true;
    const statuses = new Map<number, number>();
    const traffic = (async () => {
      while (purchasing) {
        const status = await fetch(url('API_PORT', `/api/concerts/${id}/orders`), {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ quantity: 1, customerEmail: 'fan@example.com' }),
        }).then((r) => r.status, () => 0);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const started = Date.now();
    try {
      await waitUntil(async () => {
        const messages = await (await fetch(url('DISCORD_SINK_PORT', '/api/messages'))).json() as Array<{ subject: string; accepted: boolean }>;
        return messages.some((m) => m.accepted && /FIRING.*PurchaseFailureRateHigh/.test(m.subject));
      }, 240_000, 'the PurchaseFailureRateHigh page in the Discord sink');
    } finally {
      purchasing = false;
      await traffic;
    }
    console.log(`# compose: payment outage paged after ${((Date.now() - started) / 1000).toFixed(0)} s; purchase answers ${JSON.stringify(Object.fromEntries(statuses))}`);
    assert.ok((statuses.get(502) ?? 0) > 0 && !statuses.has(201), 'every purchase failed at the payment step');
    const alerts = await (await fetch(url('DASHBOARD_PORT', '/api/alerts'))).json();
    assert.match(JSON.stringify(alerts), /PurchaseFailureRateHigh/, 'the live dashboard reads the alert from Alertmanager');
  });

  test('nginx tells the truth when the replicas die mid-purchase: 504 outcome-unknown, 503 for a read, the replicas\' own 502 unchanged, nothing sold', async () => {
    const setChaos = (body: unknown) =>
      fetch(url('API_PORT', '/api/admin/chaos'), { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` }, body: JSON.stringify(body) });
    const created = await fetch(url('API_PORT', '/api/concerts'), {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Last Call', venue: 'podman hall', startsAt: '2027-05-01T20:00:00Z', capacity: 10, priceCents: 100 }),
    });
    const { id } = await created.json() as { id: string };
    const buy = () => fetch(url('API_PORT', `/api/concerts/${id}/orders`), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ quantity: 1, customerEmail: 'fan@example.com' }) });
    assert.equal((await setChaos({ failureRate: 1, latencyMs: { min: 0, max: 5 } })).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const declined = await buy();
    assert.equal(declined.status, 502);
    assert.match(((await declined.json()) as { type: string }).type, /\/payment-failed$/, 'a replica\'s own 502 passes through unchanged');

    // Every request held 4 s before its handler: the purchase is in flight when the replicas die.
    assert.equal((await setChaos({ failureRate: 0, latencyMs: { min: 4000, max: 4000 } })).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const inFlight = buy();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await podmanOk(['kill', `${project}_api_1`, `${project}_api_2`]);
    const cut = await inFlight;
    assert.equal(cut.status, 504, await cut.clone().text());
    assert.equal(cut.headers.get('content-type'), 'application/problem+json');
    assert.equal(cut.headers.get('retry-after'), '2');
    assert.equal(((await cut.json()) as { type: string }).type, 'https://ticketpulse.dev/problems/outcome-unknown');
    const read = await fetch(url('API_PORT', `/api/concerts/${id}`));
    assert.equal(read.status, 503);
    assert.equal(((await read.json()) as { type: string }).type, 'https://ticketpulse.dev/problems/service-unavailable');

    await podman(['start', `${project}_api_1`, `${project}_api_2`]);
    await waitForHttp(url('API_PORT', '/readyz'), 120_000);
    assert.equal((await setChaos({ failureRate: 0, latencyMs: { min: 0, max: 5 } })).status, 200);
    const after = await (await fetch(url('API_PORT', `/api/concerts/${id}`))).json() as { ticketsSold: number };
    assert.equal(after.ticketsSold, 0, 'the cut-off purchase had not reached its handler: nothing was sold');
  });

  test('down removes every container and volume (podman-compose 1.0.3 leaves the network)', async () => {
    // Slow with vfs storage: each container's root filesystem is a full copy to delete.
    const down = await compose(['down', '--volumes'], 15 * 60_000);
    assert.equal(down.code, 0, down.stderr.slice(-2000));
    assert.deepEqual(await leftovers(prefix), [`${project}_default`]);
    await podmanOk(['network', 'rm', `${project}_default`]);
    assert.deepEqual(await leftovers(prefix), []);
  });
});
