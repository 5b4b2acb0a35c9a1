// The project image, built with podman from the real Dockerfile, run the way compose and Kubernetes
// run it: read-only root filesystem, non-root, no new privileges, all capabilities dropped. The
// three roles: the API on the machine's PostgreSQL, the live dashboard, the Alertmanager config
// renderer. Skips in one line when podman cannot run here.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from './helpers/manifests.js';
import { cleanUp, containersSkipReason, containerState, logsOf, podman, podmanOk, projectImage, runPrefix, waitForHttp } from './helpers/containers.js';
import { createTestDatabase, queryDatabase, type TestDatabase } from '../support/postgres.js';
import { freePort } from '../support/ports.js';
import { migrations } from '../../apps/api/db/migrations.js';

const skip = await containersSkipReason('container-run');
const prefix = runPrefix('run');
const ADMIN_TOKEN = 'container-test-token';
const compose = parse(readFileSync(join(repoRoot, 'compose.yaml'), 'utf8'), { merge: true });
/** What compose's x-app-image and the manifests' securityContext impose on every app container. */
const HARDENED = ['--read-only', '--tmpfs', '/tmp', '--security-opt', 'no-new-privileges', '--cap-drop', 'ALL', '--ulimit', 'host'];

let image = '';
let database: TestDatabase | undefined;
let apiPort = 0;
const api = `${prefix}api`;

describe('the project image run as compose and Kubernetes run it', { skip }, () => {
  before(async () => {
    await cleanUp(prefix);
    image = (await projectImage()).image;
    database = await createTestDatabase('tp_container');
    apiPort = await freePort();
    await podmanOk([
      'run', '--detach', '--name', api, '--network', 'host', ...HARDENED,
      '--env', 'HOST=127.0.0.1', '--env', `PORT=${apiPort}`, '--env', `DATABASE_URL=${database.url}`,
      '--env', `ADMIN_TOKEN=${ADMIN_TOKEN}`, '--env', 'CHAOS_FAILURE_RATE=0', '--env', 'CHAOS_LATENCY_MIN_MS=0', '--env', 'CHAOS_LATENCY_MAX_MS=0',
      image,
    ]);
    await waitForHttp(`http://127.0.0.1:${apiPort}/healthz`, 60_000).catch(async (error) => {
      throw new Error(`${error.message}\n${await logsOf(api)}`);
    });
  });

  after(async () => {
    await cleanUp(prefix);
    await database?.drop().catch(() => undefined);
  });

  test('the image: built from the Dockerfile on Node 20.20.2, size reported, no build-time npm settings left in it', async (t) => {
    const [inspected] = JSON.parse(await podmanOk(['image', 'inspect', image]));
    t.diagnostic(`image ${image}: ${(inspected.Size / 1e6).toFixed(0)} MB`);
    assert.ok(inspected.Size > 50e6 && inspected.Size < 1e9, `size ${inspected.Size}`);
    assert.equal(inspected.Config.User, 'node');
    assert.deepEqual(inspected.Config.Cmd, ['node', 'apps/api/server.js']);
    assert.equal(inspected.Config.StopSignal, 'SIGTERM');
    const env: string[] = inspected.Config.Env;
    assert.ok(!env.some((e) => /^(NODE_EXTRA_CA_CERTS|NPM_CONFIG_REGISTRY)=/i.test(e)), env.join(' '));
    const history = await podmanOk(['history', '--no-trunc', '--format', '{{.CreatedBy}}', image]);
    assert.doesNotMatch(history, /host-ca|NODE_EXTRA_CA_CERTS|NPM_CONFIG_REGISTRY/);
    const version = await podmanOk(['run', '--rm', '--network', 'none', ...HARDENED, image, 'node', '-p', 'process.version + " " + process.getuid()']);
    assert.equal(version.trim(), 'v20.20.2 1000');
  });

  test('no dev dependency, test file, source or CA file in the image', async () => {
    // Lists /app outside node_modules, and every installed package under node_modules.
    const script = `
      const fs = require('fs'), path = require('path');
      const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]);
      const app = walk('/app').filter((f) => !f.startsWith('/app/node_modules/'));
      const pkgs = [];
      const scan = (dir) => { for (const n of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
        if (n.startsWith('.')) continue;
        if (n.startsWith('@')) { for (const m of fs.readdirSync(path.join(dir, n))) { pkgs.push(path.join(dir, n, m)); scan(path.join(dir, n, m, 'node_modules')); } }
        else { pkgs.push(path.join(dir, n)); scan(path.join(dir, n, 'node_modules')); } } };
      scan('/app/node_modules');
      console.log(JSON.stringify({ app, pkgs: pkgs.map((p) => p.slice('/app/'.length)), ca: fs.existsSync('/host-ca.crt') ? fs.statSync('/host-ca.crt').size : 0 }));`;
    const listing = JSON.parse(await podmanOk(['run', '--rm', '--network', 'none', ...HARDENED, image, 'node', '-e', script]));
    // The build mounted the machine's CA bundle there; only buildah's empty mount point may remain.
    assert.equal(listing.ca, 0, 'no byte of the build-time CA bundle is in the image');
    const top = new Set(listing.app.map((f: string) => f.split('/')[2]));
    assert.deepEqual([...top].sort(), ['apps', 'docs', 'observability', 'package-lock.json', 'package.json', 'packages'].sort(), [...top].join(', '));
    // docs/ only for the runbooks the live dashboard serves (the alerts' runbook links).
    assert.deepEqual(listing.app.filter((f: string) => f.startsWith('/app/docs/') && !/^\/app\/docs\/runbooks\/[a-z0-9-]+\.md$/.test(f)), []);
    assert.deepEqual(listing.app.filter((f: string) => /\.test\.|\/test\/|\.ts$/.test(f) && !f.endsWith('.d.ts')), []);
    assert.ok(listing.app.includes('/app/apps/api/server.js'));
    const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8'));
    const installed = new Set<string>(listing.pkgs);
    const devOnly = Object.entries<any>(lock.packages).filter(([path, meta]) => path && meta.dev).map(([path]) => path);
    assert.ok(devOnly.some((p) => p === 'node_modules/typescript'), 'the lock file marks dev dependencies');
    assert.deepEqual(devOnly.filter((path) => installed.has(path)), [], 'dev dependencies in the image');
    const prod = Object.entries<any>(lock.packages).filter(([path, meta]) => path && !meta.dev && !meta.optional && !meta.devOptional).map(([path]) => path);
    assert.deepEqual(prod.filter((path) => !installed.has(path)), [], 'production dependencies missing from the image');
  });

  test('the API role: /healthz, /readyz, /metrics and migrations on the machine\'s PostgreSQL', async () => {
    const base = `http://127.0.0.1:${apiPort}`;
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    const applied = await queryDatabase<{ version: number }>(database!.url, 'SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(applied.map((r) => Number(r.version)), migrations.map((m) => m.version));
    const concert = await (await fetch(`${base}/api/concerts`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Container Night', venue: 'vfs hall', startsAt: '2027-05-01T20:00:00Z', capacity: 10, priceCents: 100 }),
    })).json() as { id: string };
    const order = await fetch(`${base}/api/concerts/${concert.id}/orders`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ quantity: 2, customerEmail: 'fan@example.com' }),
    });
    assert.equal(order.status, 201);
    const [stored] = await queryDatabase<{ tickets_sold: number }>(database!.url, 'SELECT tickets_sold FROM concerts WHERE id = $1', [concert.id]);
    assert.equal(stored!.tickets_sold, 2);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /^tickets_sold_total 2$/m);
    assert.match(metrics, /^http_requests_total\{[^}]*route="\/api\/concerts\/:id\/orders"[^}]*\} 1$/m);
  });

  test('hardening holds inside the container: uid 1000, read-only root, no new privileges, no capabilities', async () => {
    const out = await podmanOk(['exec', api, 'node', '-e', `
      const fs = require('fs');
      let write = 'written';
      try { fs.writeFileSync('/app/apps/x', ''); } catch (e) { write = e.code; }
      fs.writeFileSync('/tmp/ok', 'tmp is writable');
      const status = fs.readFileSync('/proc/self/status', 'utf8');
      console.log(JSON.stringify({ uid: process.getuid(), write, nnp: /NoNewPrivs:\\s+(\\d)/.exec(status)[1], capEff: /CapEff:\\s+(\\w+)/.exec(status)[1] }));`]);
    assert.deepEqual(JSON.parse(out), { uid: 1000, write: 'EROFS', nnp: '1', capEff: '0000000000000000' });
  });

  test('the Dockerfile\'s HEALTHCHECK runs and reports healthy', async () => {
    const [inspected] = JSON.parse(await podmanOk(['image', 'inspect', image]));
    assert.match(JSON.stringify(inspected.Healthcheck ?? inspected.Config.Healthcheck), /healthz/, 'the image carries the HEALTHCHECK');
    const check = await podman(['healthcheck', 'run', api]);
    assert.equal(check.code, 0, `healthcheck: ${check.stdout}${check.stderr}`);
    const health = await podmanOk(['inspect', '--format', '{{.State.Health.Status}}', api]);
    assert.equal(health.trim(), 'healthy');
  });

  test('the dashboard role serves the dashboards and reaches the API with the admin token', async () => {
    const port = await freePort();
    const name = `${prefix}dashboard`;
    const service = compose.services.dashboard;
    await podmanOk([
      'run', '--detach', '--name', name, '--network', 'host', ...HARDENED,
      '--volume', `${join(repoRoot, 'observability/grafana/dashboards')}:/app/observability/grafana/dashboards:ro`,
      '--env', 'DASHBOARD_HOST=127.0.0.1', '--env', `DASHBOARD_PORT=${port}`, '--env', `API_URL=http://127.0.0.1:${apiPort}`,
      '--env', `ADMIN_TOKEN=${ADMIN_TOKEN}`, '--env', `DASHBOARDS_DIR=${service.environment.DASHBOARDS_DIR}`,
      '--env', 'PROMETHEUS_URL=http://127.0.0.1:9', '--env', 'ALERTMANAGER_URL=http://127.0.0.1:9',
      image, ...service.command,
    ]);
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, 60_000).catch(async (error) => {
      throw new Error(`${error.message}\n${await logsOf(name)}`);
    });
    const listed = await (await fetch(`http://127.0.0.1:${port}/api/dashboards`)).json() as { dashboards: unknown[] };
    const files = readdirSync(join(repoRoot, 'observability/grafana/dashboards')).filter((f) => f.endsWith('.json'));
    assert.equal(listed.dashboards.length, files.length);
    const chaos = await fetch(`http://127.0.0.1:${port}/api/chaos`);
    assert.equal(chaos.status, 200, 'the dashboard reaches the API with the token from its environment');
    // compose's health check for this service, run inside the container (its port from the env here).
    const probe = service.healthcheck.test.slice(1).map((arg: string) => arg.replace('127.0.0.1:3000', `127.0.0.1:${port}`));
    assert.equal((await podman(['exec', name, ...probe])).code, 0);
  });

  test('the Alertmanager config renderer writes the config for Alertmanager\'s user only, and amtool accepts it', async () => {
    const service = compose.services['alertmanager-config'];
    const volume = `${prefix}am-config`;
    await podmanOk(['volume', 'create', volume]);
    const webhook = 'https://discord.invalid/api/webhooks/1/container-test';
    const result = await podman([
      'run', '--rm', '--name', `${prefix}am-render`, '--network', 'none', ...HARDENED, '--user', service.user,
      '--volume', `${join(repoRoot, 'observability/alertmanager')}:/app/observability/alertmanager:ro`, '--volume', `${volume}:/app/generated`,
      '--env', 'ALERT_EMAIL_TO=oncall@example.com', '--env', 'ALERT_EMAIL_FROM=am@example.com', '--env', 'SMTP_SMARTHOST=mail.invalid:1025',
      '--env', 'SMTP_REQUIRE_TLS=false', '--env', `DISCORD_WEBHOOK_URL=${webhook}`, '--env', 'DASHBOARD_URL=http://localhost:3000/',
      '--env', `ALERTMANAGER_TEMPLATES_GLOB=${join(repoRoot, 'observability/alertmanager/templates')}/*.tmpl`,
      image, ...service.command,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const mountpoint = (await podmanOk(['volume', 'inspect', '--format', '{{.Mountpoint}}', volume])).trim();
    const file = join(mountpoint, 'alertmanager.yml');
    const stat = statSync(file);
    assert.equal(stat.uid, 65534);
    assert.equal(stat.mode & 0o777, 0o600);
    const rendered = readFileSync(file, 'utf8');
    assert.ok(rendered.includes(webhook) && rendered.includes('mail.invalid:1025'), 'settings from the environment are rendered');
    execFileSync('amtool', ['check-config', file], { stdio: 'pipe' });
  });

  test('SIGTERM (podman stop): in-flight purchases complete and are stored, the process exits 0', async () => {
    const base = `http://127.0.0.1:${apiPort}`;
    const concert = await (await fetch(`${base}/api/concerts`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Last Orders', venue: 'vfs hall', startsAt: '2027-05-01T20:00:00Z', capacity: 100, priceCents: 100 }),
    })).json() as { id: string };
    // Slow every public request down, so the purchases are still in flight when SIGTERM arrives.
    const chaos = await fetch(`${base}/api/admin/chaos`, {
      method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ failureRate: 0, latencyMs: { min: 2000, max: 2000 } }),
    });
    assert.equal(chaos.status, 200);
    const purchases = Array.from({ length: 5 }, (_, i) => fetch(`${base}/api/concerts/${concert.id}/orders`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': `sigterm-${i}` },
      body: JSON.stringify({ quantity: 1, customerEmail: `fan${i}@example.com` }),
    }).then((r) => r.status, (e: Error) => e.message));
    await new Promise((resolve) => setTimeout(resolve, 600));
    const stopped = await podman(['stop', '--time', '25', api]);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.deepEqual(await Promise.all(purchases), [201, 201, 201, 201, 201]);
    const [sold] = await queryDatabase<{ orders: string; tickets: number }>(database!.url,
      'SELECT (SELECT count(*) FROM orders WHERE concert_id = $1) AS orders, (SELECT tickets_sold FROM concerts WHERE id = $1) AS tickets', [concert.id]);
    assert.deepEqual({ orders: Number(sold!.orders), tickets: sold!.tickets }, { orders: 5, tickets: 5 });
    const state = await containerState(api);
    assert.equal(state.Running, false);
    assert.equal(state.ExitCode, 0, await logsOf(api));
  });
});
