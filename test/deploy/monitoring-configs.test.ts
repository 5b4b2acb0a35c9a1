// The Prometheus and Alertmanager configs each deployment mode ships, checked by the real tools on
// the files exactly as the containers would see them (mount paths included): promtool check
// config (which also loads every rule file), promtool check rules on the generated PrometheusRules,
// and amtool check-config on the Alertmanager config rendered with dummy secrets.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { locateBinary } from '../../tools/stack/processes/binaries.js';
import { buildOverlay, find, repoRoot } from './helpers/manifests.js';
import { interpolate, layOutComposeMounts, layOutPodMounts } from './helpers/container-fs.js';

const scratch = mkdtempSync(join(tmpdir(), 'tp-deploy-monitoring-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let counter = 0;
const freshRoot = () => join(scratch, String(counter++));

const ruleFileCount = readdirSync(join(repoRoot, 'observability/prometheus/rules')).filter((f) => f.endsWith('.yml')).length;
const DUMMY_SECRETS = {
  SMTP_USERNAME: 'alerts@example.test',
  SMTP_PASSWORD: 'dummy-password-for-tests',
  DISCORD_WEBHOOK_URL: 'https://discord.example.test/apps/api/webhooks/1/dummy-token',
};

function run(binary: 'promtool' | 'amtool', args: string[]): string {
  const result = spawnSync(locateBinary(binary), args, { encoding: 'utf8', timeout: 60_000 });
  const output = `${result.stdout}${result.stderr}`;
  assert.equal(result.status, 0, `${binary} ${args.join(' ')}:\n${output}`);
  return output;
}

const SD_ROLES = ['node', 'service', 'pod', 'endpoints', 'endpointslice', 'ingress'];

/**
 * Debian's promtool is built without Kubernetes service discovery ("field kubernetes_sd_configs
 * not found"), unlike the prom/prometheus image. So the discovery block is checked here against
 * Prometheus' documented fields, then swapped for a static target: everything else — relabelling
 * regexes, rule files, alerting — is still checked by promtool itself.
 */
function replaceKubernetesDiscovery(config: any): void {
  for (const job of config.scrape_configs ?? []) {
    if (!job.kubernetes_sd_configs) continue;
    for (const sd of job.kubernetes_sd_configs) {
      assert.ok(SD_ROLES.includes(sd.role), `${job.job_name}: kubernetes_sd_configs role ${sd.role}`);
      for (const key of Object.keys(sd)) assert.ok(['role', 'namespaces', 'selectors', 'attach_metadata'].includes(key), `${job.job_name}: unknown kubernetes_sd_configs field ${key}`);
      for (const key of Object.keys(sd.namespaces ?? {})) assert.ok(['own_namespace', 'names'].includes(key), `${job.job_name}: unknown namespaces field ${key}`);
    }
    delete job.kubernetes_sd_configs;
    job.static_configs = [{ targets: ['discovered-by-kubernetes:8080'] }];
  }
}

/** Rewrites the config's absolute paths (rule_files) to the laid-out container root, then checks it. */
function promtoolCheckConfig(root: string, configPath: string): string {
  const file = join(root, configPath);
  const config = parse(readFileSync(file, 'utf8'));
  replaceKubernetesDiscovery(config);
  config.rule_files = (config.rule_files ?? []).map((p: string) => (p.startsWith('/') ? join(root, p) : p));
  writeFileSync(file, stringify(config));
  return run('promtool', ['check', 'config', file]);
}

const flag = (args: string[], name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];

describe('Kubernetes (overlays local and external-db share components/monitoring-stack)', () => {
  const objects = () => buildOverlay('local');

  test('the Prometheus config passes promtool check config with every rule file loaded from its mount', () => {
    const prometheus = find(objects(), 'StatefulSet', 'prometheus');
    const spec = prometheus.spec.template.spec;
    const container = spec.containers[0];
    const root = freshRoot();
    layOutPodMounts(root, objects(), spec, container);
    const output = promtoolCheckConfig(root, flag(container.args, 'config.file')!);
    assert.match(output, new RegExp(`SUCCESS: ${ruleFileCount} rule files found`), output);
  });

  test('it scrapes every API pod through Kubernetes pod discovery under the job name the rules use', () => {
    const config = parse(find(objects(), 'ConfigMap', objects().find((o) => o.metadata.name.startsWith('prometheus-config-'))!.metadata.name).data!['prometheus.yml']!);
    const job = config.scrape_configs.find((j: any) => j.job_name === 'ticketpulse-api');
    assert.equal(job.kubernetes_sd_configs[0].role, 'pod');
    // The same jobs and cadence as the compose config, so rules and dashboards mean the same thing.
    const compose = parse(readFileSync(join(repoRoot, 'observability/prometheus/prometheus.yml'), 'utf8'));
    assert.deepEqual(
      config.scrape_configs.map((j: any) => j.job_name).sort(),
      compose.scrape_configs.map((j: any) => j.job_name).sort(),
    );
    assert.deepEqual(config.global, compose.global);
    assert.deepEqual(config.alerting, compose.alerting);
    // The exporters are reached under their compose names, which are Services here; the nodes'
    // exporters are found like the API pods, one target per node.
    const jobOf = (c: any, name: string) => c.scrape_configs.find((j: any) => j.job_name === name);
    for (const name of ['postgres', 'blackbox']) assert.deepEqual(jobOf(config, name), jobOf(compose, name), name);
    const node = jobOf(config, 'node');
    assert.equal(node.kubernetes_sd_configs[0].role, 'pod');
    assert.ok(node.relabel_configs.some((r: any) => r.action === 'keep' && r.regex === 'node-exporter'));
    assert.equal(find(objects(), 'DaemonSet', 'node-exporter').spec.template.metadata.labels['app.kubernetes.io/name'], 'node-exporter');
  });

  test('the Alertmanager config rendered by the init container (settings + dummy Secret) passes amtool check-config', () => {
    const deployment = find(objects(), 'Deployment', 'alertmanager');
    const spec = deployment.spec.template.spec;
    const init = spec.initContainers.find((c: any) => c.name === 'render-config');
    const main = spec.containers[0];
    const root = freshRoot();
    layOutPodMounts(root, objects(), spec, init);
    layOutPodMounts(root, objects(), spec, main);
    const settings = find(objects(), 'ConfigMap', init.envFrom[0].configMapRef.name).data!;
    const env = { ...settings, ...DUMMY_SECRETS, ALERTMANAGER_TEMPLATES_GLOB: join(root, settings.ALERTMANAGER_TEMPLATES_GLOB!) };
    const [node, script, ...args] = init.command as string[];
    assert.equal(node, 'node');
    assert.equal(script, 'apps/alertmanager-config/alertmanager-config.js', 'the init container runs the renderer from the image');
    const rooted = args.map((a) => (a.startsWith('/') ? join(root, a) : a));
    execFileSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'apps/alertmanager-config/alertmanager-config.ts'), ...rooted], {
      env: { PATH: process.env.PATH, ...env }, cwd: repoRoot, stdio: 'pipe',
    });
    // Alertmanager reads the file the init container wrote (same volume, same path).
    const configFile = flag(main.args, 'config.file')!;
    assert.equal(configFile, args[args.indexOf('--out') + 1]);
    const output = run('amtool', ['check-config', join(root, configFile)]);
    assert.match(output, /SUCCESS/);
    assert.doesNotMatch(output, /- 0 templates/, 'the message templates are found at their mount path');
    const rendered = readFileSync(join(root, configFile), 'utf8');
    assert.ok(rendered.includes(DUMMY_SECRETS.DISCORD_WEBHOOK_URL), 'the Secret overrides the default webhook');
  });

  test('the PrometheusRules of the prometheus-operator overlay pass promtool check rules', () => {
    const rules = buildOverlay('prometheus-operator').filter((o) => o.kind === 'PrometheusRule');
    assert.equal(rules.length, ruleFileCount);
    for (const rule of rules) {
      const file = `${freshRoot()}-${rule.metadata.name}.yml`;
      writeFileSync(file, stringify({ groups: rule.spec.groups }));
      const output = run('promtool', ['check', 'rules', file]);
      assert.match(output, /SUCCESS: [1-9]\d* rules found/);
    }
  });
});

describe('docker compose', () => {
  const compose = () => parse(readFileSync(join(repoRoot, 'compose.yaml'), 'utf8'), { merge: true });

  test('the Prometheus config as mounted passes promtool check config with every rule file', () => {
    const service = compose().services.prometheus;
    const root = freshRoot();
    layOutComposeMounts(root, service.volumes);
    const output = promtoolCheckConfig(root, flag(service.command, 'config.file')!);
    assert.match(output, new RegExp(`SUCCESS: ${ruleFileCount} rule files found`), output);
  });

  test('Prometheus discovers every API replica through Docker DNS (one target per A record)', () => {
    const config = parse(readFileSync(join(repoRoot, 'observability/prometheus/prometheus.yml'), 'utf8'));
    const job = config.scrape_configs.find((j: any) => j.job_name === 'ticketpulse-api');
    assert.deepEqual(job.dns_sd_configs?.[0]?.names, ['api'], 'dns_sd_configs on the compose service name');
    assert.equal(job.dns_sd_configs[0].type, 'A');
    assert.ok(compose().services.api.deploy.replicas >= 2);
  });

  test('the Alertmanager config rendered by the alertmanager-config service from .env passes amtool check-config', () => {
    const services = compose().services;
    const init = services['alertmanager-config'];
    const root = freshRoot();
    layOutComposeMounts(root, init.volumes);
    layOutComposeMounts(root, services.alertmanager.volumes);
    const dotEnv = { ...DUMMY_SECRETS, POSTGRES_PASSWORD: 'x', ADMIN_TOKEN: 'x', GRAFANA_ADMIN_PASSWORD: 'x' };
    const env = Object.fromEntries(Object.entries(init.environment as Record<string, string>).map(([k, v]) => [k, interpolate(String(v), dotEnv)]));
    env.ALERTMANAGER_TEMPLATES_GLOB = join(root, env.ALERTMANAGER_TEMPLATES_GLOB!);
    const [, script, ...args] = init.command as string[];
    assert.equal(script, 'apps/alertmanager-config/alertmanager-config.js');
    const rooted = args.map((a) => (a.startsWith('/') ? join(root, a) : a));
    execFileSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'apps/alertmanager-config/alertmanager-config.ts'), ...rooted], {
      env: { PATH: process.env.PATH, ...env }, cwd: repoRoot, stdio: 'pipe',
    });
    // The init service writes into the volume Alertmanager mounts; same file name on both sides.
    const out = args[args.indexOf('--out') + 1]!;
    const volume = init.volumes.find((v: string) => out.startsWith(v.split(':')[1] + '/')).split(':')[0];
    const amMount = services.alertmanager.volumes.find((v: string) => v.startsWith(`${volume}:`)).split(':')[1];
    const configFile = flag(services.alertmanager.command, 'config.file')!;
    assert.equal(configFile, `${amMount}/${out.split('/').pop()}`);
    const output = run('amtool', ['check-config', join(root, out)]);
    assert.match(output, /SUCCESS/);
    assert.doesNotMatch(output, /- 0 templates/);
    assert.match(readFileSync(join(root, out), 'utf8'), /smarthost: "?mailpit:1025/, 'alert e-mail goes to Mailpit by default');
  });
});
