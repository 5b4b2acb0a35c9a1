// The one Prometheus client against a real Prometheus: queries, alerts, its loaded config and the
// scrape interval in it, readiness, and Prometheus's own error passed on in one line.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startPrometheus, type PrometheusProcess } from '../../../tools/stack/processes/prometheus-process.js';
import { createPrometheusClient, prometheusUrlFromEnv, scrapeIntervalFromConfig } from '../../../packages/shared/prometheus-client.js';
import { ConfigError } from '../../../packages/shared/env.js';
import { API_JOB } from '../../../packages/shared/prometheus-jobs.js';

describe('Prometheus client', () => {
  let prometheus: PrometheusProcess;
  const dir = mkdtempSync(join(tmpdir(), 'tp-prom-client-'));
  before(async () => {
    const configFile = join(dir, 'prometheus.yml');
    // The API's job scrapes at its own interval, unlike the global one: the client must pick the job's.
    writeFileSync(
      configFile,
      `global: {scrape_interval: 1s}\nscrape_configs: [{job_name: ${API_JOB}, scrape_interval: 2s, static_configs: [{targets: ['127.0.0.1:9']}]}]\n`,
    );
    prometheus = await startPrometheus({ configFile });
  });
  after(async () => {
    await prometheus?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers an instant query, a range query and the alerts list', async () => {
    const client = createPrometheusClient(`${prometheus.url}/`);
    assert.equal(await client.ready(), true);
    const [sample] = await client.query('vector(42)');
    assert.equal(sample?.value[1], '42');
    const now = Math.floor(Date.now() / 1000);
    const [series] = await client.queryRange('vector(7)', now - 60, now, 15);
    assert.ok(series && series.values.length >= 4, JSON.stringify(series));
    assert.ok(series.values.every(([, v]) => v === 7));
    assert.ok(Array.isArray(await client.alerts()));
  });

  it("passes Prometheus's own error on, naming the query", async () => {
    const client = createPrometheusClient(prometheus.url);
    await assert.rejects(client.query('sum(('), (error: Error) => /^prometheus \/api\/v1\/query failed: 400 .*parse error.*\(sum\(\(\)$/.test(error.message));
    await assert.rejects(client.query('{__name__=~".+"}[1m]'), /not a vector/);
  });

  it('sends other calls with params as GETs (label values answers 405 to a POST)', async () => {
    const jobs = await createPrometheusClient(prometheus.url).api<string[]>('/api/v1/label/job/values', { 'match[]': 'up' });
    assert.ok(Array.isArray(jobs), `jobs: ${JSON.stringify(jobs)}`); // a POST here is rejected with 405
  });

  it('reads the scrape interval from the loaded config', async () => {
    const client = createPrometheusClient(prometheus.url);
    assert.match(await client.configYaml(), /scrape_configs/);
    assert.equal(await client.scrapeIntervalSeconds(), 2);
    assert.equal(await client.scrapeIntervalSeconds('no-such-job'), 1);
  });

  it('is not ready where nothing listens, without throwing', async () => {
    assert.equal(await createPrometheusClient('http://127.0.0.1:9').ready(), false);
  });
});

describe('scrape interval in a config', () => {
  it("takes the job's own interval, else the global one, else Prometheus's default of 1m", () => {
    const config = (job: string) => `global: {scrape_interval: 15s}\nscrape_configs: [{job_name: ${API_JOB}${job}}]`;
    assert.equal(scrapeIntervalFromConfig(config(', scrape_interval: 5s')), 5);
    assert.equal(scrapeIntervalFromConfig(config('')), 15);
    assert.equal(scrapeIntervalFromConfig('scrape_configs: []'), 60);
    assert.equal(scrapeIntervalFromConfig(''), undefined);
    assert.equal(scrapeIntervalFromConfig('{ not yaml'), undefined);
  });

  it('reads PROMETHEUS_URL once, naming it when it is bad', () => {
    assert.equal(prometheusUrlFromEnv({}), 'http://127.0.0.1:9090');
    assert.equal(prometheusUrlFromEnv({ PROMETHEUS_URL: 'http://prom:9090/' }), 'http://prom:9090');
    assert.throws(() => prometheusUrlFromEnv({ PROMETHEUS_URL: 'prom' }), (error: Error) => error instanceof ConfigError && /^PROMETHEUS_URL must be a URL/.test(error.message));
  });
});
