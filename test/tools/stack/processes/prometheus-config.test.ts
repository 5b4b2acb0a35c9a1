import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import {
  prometheusRulesDir,
  renderPrometheusConfig,
  shippedPrometheusConfigFile,
  writePrometheusConfig,
} from '../../../../tools/stack/processes/prometheus-config.js';

interface Job {
  job_name: string;
  static_configs?: Array<{ targets: string[] }>;
  dns_sd_configs?: unknown[];
  [key: string]: unknown;
}
interface Config {
  global: Record<string, string | Record<string, string>>;
  rule_files: string[];
  alerting?: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
  scrape_configs: Job[];
}

const shipped = parse(readFileSync(shippedPrometheusConfigFile, 'utf8')) as Config;
const local = {
  apiTargets: ['127.0.0.1:18080', '127.0.0.1:18081'],
  alertmanagerTargets: ['127.0.0.1:19093'],
  prometheusTarget: '127.0.0.1:19090',
};
const job = (config: Config, name: string) => config.scrape_configs.find((j) => j.job_name === name);

describe('the shipped prometheus.yml', () => {
  it('scrapes every API replica through compose DNS, Alertmanager and itself every 5 s, and says why', () => {
    assert.equal(shipped.global.scrape_interval, '5s');
    assert.equal(shipped.global.evaluation_interval, '5s');
    assert.match(readFileSync(shippedPrometheusConfigFile, 'utf8'), /# 5 s instead of the usual 1 m: .*real-time view/);
    assert.deepEqual(job(shipped, 'ticketpulse-api')?.dns_sd_configs, [
      { names: ['api'], type: 'A', port: 8080, refresh_interval: '10s' },
    ]);
    assert.deepEqual(job(shipped, 'alertmanager')?.static_configs, [{ targets: ['alertmanager:9093'] }]);
    assert.deepEqual(job(shipped, 'prometheus')?.static_configs, [{ targets: ['prometheus:9090'] }]);
    assert.deepEqual(shipped.alerting?.alertmanagers, [{ static_configs: [{ targets: ['alertmanager:9093'] }] }]);
    assert.deepEqual(shipped.rule_files, ['rules/*.yml']);
  });
});

describe('renderPrometheusConfig', () => {
  it('keeps everything from the shipped file except targets and rule paths', () => {
    const rendered = parse(renderPrometheusConfig(local)) as Config;
    assert.deepEqual(job(rendered, 'ticketpulse-api')?.static_configs, [{ targets: local.apiTargets }]);
    assert.equal(job(rendered, 'ticketpulse-api')?.dns_sd_configs, undefined, 'compose DNS discovery is replaced');
    assert.deepEqual(job(rendered, 'alertmanager')?.static_configs, [{ targets: local.alertmanagerTargets }]);
    assert.deepEqual(job(rendered, 'prometheus')?.static_configs, [{ targets: [local.prometheusTarget] }]);
    assert.deepEqual(rendered.alerting?.alertmanagers, [{ static_configs: [{ targets: local.alertmanagerTargets }] }]);
    assert.deepEqual(rendered.global, shipped.global, 'intervals, timeout and external labels unchanged');
    assert.equal(job(rendered, 'ticketpulse-api')?.metrics_path, '/metrics');

    assert.equal(rendered.rule_files.length, 1);
    const pattern = rendered.rule_files[0]!;
    assert.ok(isAbsolute(pattern), `${pattern} is absolute`);
    // Prometheus expands the glob itself; it must point at the shipped rules folder.
    assert.equal(pattern, join(prometheusRulesDir, '*.yml'));
    assert.ok(readdirSync(dirname(pattern)).filter((name) => name.endsWith('.yml')).length >= 2);
  });

  it('scrapes the exporters it is given, and leaves their jobs out otherwise', () => {
    const none = parse(renderPrometheusConfig(local)) as Config;
    for (const name of ['postgres', 'node', 'blackbox']) assert.equal(job(none, name), undefined, `no ${name} job without its exporter`);
    const probes = ['http://127.0.0.1:18080/readyz', 'http://127.0.0.1:18080/api/concerts?limit=1'];
    const rendered = parse(
      renderPrometheusConfig({
        ...local,
        postgresExporterTargets: ['127.0.0.1:19187'],
        nodeExporterTargets: ['127.0.0.1:19100'],
        blackbox: { exporter: '127.0.0.1:19115', probes },
      }),
    ) as Config;
    assert.deepEqual(job(rendered, 'postgres')?.static_configs, [{ targets: ['127.0.0.1:19187'] }]);
    assert.deepEqual(job(rendered, 'node')?.static_configs, [{ targets: ['127.0.0.1:19100'] }]);
    const blackbox = job(rendered, 'blackbox') as unknown as {
      static_configs: unknown;
      params: unknown;
      relabel_configs: Array<Record<string, unknown>>;
    };
    assert.deepEqual(blackbox.static_configs, [{ targets: probes }]);
    assert.deepEqual(blackbox.params, { module: ['http_2xx'] });
    assert.deepEqual(blackbox.relabel_configs?.at(-1), { target_label: '__address__', replacement: '127.0.0.1:19115' });
    assert.throws(() => renderPrometheusConfig({ ...local, nodeExporterTargets: ['no-port'] }), /nodeExporterTargets: "no-port" is not host:port/);
  });

  it('shortens intervals when asked, lowering the scrape timeout with them', () => {
    const rendered = parse(renderPrometheusConfig({ ...local, scrapeInterval: '1s', evaluationInterval: '2s' })) as Config;
    assert.equal(rendered.global.scrape_interval, '1s');
    assert.equal(rendered.global.scrape_timeout, '1s');
    assert.equal(rendered.global.evaluation_interval, '2s');
    const longer = parse(renderPrometheusConfig({ ...local, scrapeInterval: '15s' })) as Config;
    assert.equal(longer.global.scrape_timeout, '4s', 'a timeout below the interval is left alone');
  });

  it('takes explicit rule files, absolute or relative to the shipped folder', () => {
    const rendered = parse(renderPrometheusConfig({ ...local, ruleFiles: ['rules/alerts.yml', '/tmp/extra.yml'] })) as Config;
    assert.deepEqual(rendered.rule_files, [join(prometheusRulesDir, 'alerts.yml'), '/tmp/extra.yml']);
  });

  it('without Alertmanager, drops alerting and the alertmanager job', () => {
    const rendered = parse(renderPrometheusConfig({ ...local, alertmanagerTargets: [] })) as Config;
    assert.equal(rendered.alerting, undefined);
    assert.equal(job(rendered, 'alertmanager'), undefined);
    assert.ok(job(rendered, 'ticketpulse-api'));
  });

  it('refuses bad input with a message naming the option', () => {
    assert.throws(() => renderPrometheusConfig({ ...local, apiTargets: [] }), /^Error: apiTargets: at least one/);
    assert.throws(() => renderPrometheusConfig({ ...local, apiTargets: ['http://x:1'] }), /apiTargets: "http:\/\/x:1" is not host:port/);
    assert.throws(() => renderPrometheusConfig({ ...local, prometheusTarget: 'nope' }), /prometheusTarget/);
    assert.throws(() => renderPrometheusConfig({ ...local, scrapeInterval: '5 seconds' }), /scrapeInterval: "5 seconds" is not a Prometheus duration/);
  });

  it('writePrometheusConfig writes the same text and marks it as generated', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-prom-config-test-'));
    try {
      const file = writePrometheusConfig(join(dir, 'nested/prometheus.yml'), local);
      const text = readFileSync(file, 'utf8');
      assert.equal(text, renderPrometheusConfig(local));
      assert.match(text, /^# Rendered from .*prometheus\.yml by tools\/stack\/processes\/prometheus-config\.ts — do not edit\./);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
