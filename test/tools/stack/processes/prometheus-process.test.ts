import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pickFreePort, startPrometheus, type PrometheusProcess } from '../../../../tools/stack/processes/prometheus-process.js';
import { createPrometheusClient } from '../../../../packages/shared/prometheus-client.js';

const workDir = mkdtempSync(join(tmpdir(), 'tp-prom-process-test-'));
const started: PrometheusProcess[] = [];

after(async () => {
  await Promise.allSettled(started.map((p) => p.stop()));
  rmSync(workDir, { recursive: true, force: true });
});

function selfScrapeConfig(port: number, scrapeInterval = '1s'): string {
  const file = join(workDir, `prometheus-${port}-${scrapeInterval}.yml`);
  writeFileSync(
    file,
    [
      'global:',
      `  scrape_interval: ${scrapeInterval}`,
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: prometheus',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${port}']`,
      '',
    ].join('\n'),
  );
  return file;
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

describe('startPrometheus', () => {
  it('when started on a free port, then it becomes ready, scrapes itself, reloads and stops', async () => {
    const port = await pickFreePort();
    const logs: string[] = [];
    const prometheus = await startPrometheus({ configFile: selfScrapeConfig(port), port, onLog: (l) => logs.push(l) });
    started.push(prometheus);

    assert.equal(prometheus.url, `http://127.0.0.1:${port}`);
    assert.ok(existsSync(prometheus.dataDir), 'the TSDB folder exists while running');
    assert.ok(logs.some((line) => line.includes('Server is ready')), 'log lines reach onLog');

    const up = await waitFor('up{job="prometheus"} == 1', 15_000, async () => {
      const result = await prometheus.query('up{job="prometheus"}');
      return result.length === 1 && result[0]!.value[1] === '1' ? result : undefined;
    });
    assert.equal(up[0]!.metric.instance, `127.0.0.1:${port}`);

    // A reload that picks up a changed interval proves --web.enable-lifecycle is on and the file is re-read.
    writeFileSync(selfScrapeConfig(port), (await import('node:fs')).readFileSync(selfScrapeConfig(port, '2s')));
    await prometheus.reload();
    const interval = await waitFor('reloaded scrape interval', 10_000, async () => {
      const yaml = await createPrometheusClient(prometheus.url).configYaml();
      return yaml.includes('scrape_interval: 2s') ? true : undefined;
    });
    assert.equal(interval, true);

    assert.deepEqual(await prometheus.alerts(), []);
    await assert.rejects(prometheus.query('sum(('), /prometheus \/api\/v1\/query/);

    await prometheus.stop();
    assert.equal(existsSync(prometheus.dataDir), false, 'the temporary TSDB folder is removed');
    await assert.rejects(fetch(`${prometheus.url}/-/ready`), 'nothing listens after stop()');
    await prometheus.stop(); // idempotent
  });

  it('when the config is invalid, then it rejects with Prometheus own error message', async () => {
    const bad = join(workDir, 'bad.yml');
    writeFileSync(bad, 'global:\n  scrape_interval: not-a-duration\n');
    await assert.rejects(startPrometheus({ configFile: bad }), (error: Error) => {
      assert.match(error.message, /exited with code \d+ before it was ready/);
      assert.match(error.message, /not-a-duration|not a valid duration/);
      return true;
    });
  });

  it('when the binary does not exist, then it rejects with a message naming it', async () => {
    await assert.rejects(
      startPrometheus({ configFile: selfScrapeConfig(1), binary: join(workDir, 'no-such-prometheus') }),
      /could not start/,
    );
  });
});
