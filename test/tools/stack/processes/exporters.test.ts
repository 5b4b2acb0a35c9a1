// The three exporters the stack starts, as real Debian binaries against the machine's PostgreSQL and
// a real HTTP target: the series the alerts and the docs rely on are there under these names.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { installHint } from '../../../../tools/stack/processes/binaries.js';
import { startBlackboxExporter, startNodeExporter, startPostgresExporter, type ExporterProcess } from '../../../../tools/stack/processes/exporter-process.js';
import { createTestDatabase, type TestDatabase } from '../../../support/postgres.js';

const scrape = async (exporter: ExporterProcess, path = '/metrics') => (await fetch(`${exporter.url}${path}`)).text();
const has = (text: string, series: RegExp) => text.split('\n').some((line) => series.test(line));

describe('the exporters', () => {
  let database: TestDatabase;
  const started: ExporterProcess[] = [];
  before(async () => {
    database = await createTestDatabase('tp_exporters');
  });
  after(async () => {
    await Promise.all(started.map((exporter) => exporter.stop()));
    await database?.drop();
  });

  it('postgres_exporter: up, connections by state, locks, transactions, deadlocks, the longest transaction', async () => {
    const exporter = await startPostgresExporter({ databaseUrl: database.url });
    started.push(exporter);
    const text = await scrape(exporter);
    assert.ok(has(text, /^pg_up 1$/), 'pg_up 1');
    for (const series of [/^pg_stat_activity_count\{/, /^pg_locks_count\{/, /^pg_stat_database_xact_commit\{/, /^pg_stat_database_deadlocks\{/, /^pg_stat_activity_max_tx_duration\{/]) {
      assert.ok(has(text, series), String(series));
    }
  });

  it('node_exporter: CPU, memory, disk, network, without the systemd collector', async () => {
    const exporter = await startNodeExporter({});
    started.push(exporter);
    const text = await scrape(exporter);
    for (const series of [/^node_cpu_seconds_total\{.*mode="idle"/, /^node_memory_MemAvailable_bytes /, /^node_memory_MemTotal_bytes /, /^node_filesystem_avail_bytes\{/, /^node_network_receive_bytes_total\{/]) {
      assert.ok(has(text, series), String(series));
    }
    // Debian's build enables the systemd collector, which fails every scrape where systemd is not PID 1.
    assert.ok(!has(text, /^node_scrape_collector_success\{collector="systemd"\}/), 'the systemd collector is off');
  });

  it('blackbox_exporter: probe_success 1 for a 200, 0 for a 503', async () => {
    const target = createServer((request, response) => response.writeHead(request.url === '/ok' ? 200 : 503).end()).listen(0, '127.0.0.1');
    await new Promise((resolve) => target.once('listening', resolve));
    const { port } = target.address() as { port: number };
    const exporter = await startBlackboxExporter({});
    started.push(exporter);
    try {
      const probe = (path: string) => scrape(exporter, `/probe?module=http_2xx&target=${encodeURIComponent(`http://127.0.0.1:${port}${path}`)}`);
      assert.ok(has(await probe('/ok'), /^probe_success 1$/));
      assert.ok(has(await probe('/down'), /^probe_success 0$/));
    } finally {
      target.close();
    }
  });

  it('a missing exporter gets the same one-line install hint as Prometheus', () => {
    assert.equal(installHint('node_exporter', 'linux'), 'sudo apt-get install prometheus-node-exporter (Debian/Ubuntu)');
    assert.equal(installHint('postgres_exporter', 'darwin'), 'brew install postgres_exporter');
    assert.match(installHint('blackbox_exporter', 'win32'), /prometheus\.io\/download/);
  });
});
