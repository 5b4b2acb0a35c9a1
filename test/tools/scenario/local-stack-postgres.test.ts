// `npm run scenario -- --postgres URL --replicas N`: the runner's stack on the real PostgreSQL server,
// with fresh data each run. What matters is where the data goes and that nothing is left behind:
// a database of its own (the API's writes land there, through both replicas), and no database
// left on the server after the stop.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startLocalStack, type LocalStack } from '../../../tools/scenario/local-stack.js';
import { createPrometheusClient } from '../../../packages/shared/prometheus-client.js';
import { waitUntil } from '../../support/ports.js';
import { POSTGRES_ADMIN_URL } from '../../support/postgres.js';

const SERVER = POSTGRES_ADMIN_URL;

async function scratchDatabases(): Promise<string[]> {
  const client = new pg.Client({ connectionString: SERVER });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'ticketpulse_scenario_%' ORDER BY datname");
    return rows.map((row) => row.datname);
  } finally {
    await client.end();
  }
}

describe('the scenario stack on PostgreSQL with two replicas', () => {
  let stack: LocalStack;
  let logDir: string;
  let before_: string[];
  before(async () => {
    before_ = await scratchDatabases();
    logDir = mkdtempSync(join(tmpdir(), 'tp-local-stack-'));
    stack = await startLocalStack(join(logDir, 'stack.log'), { postgresUrl: SERVER, replicas: 2 });
  });
  after(async () => {
    await stack?.stop();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('gives the run a new database of its own, and the API writes there', async () => {
    const created = (await scratchDatabases()).filter((name) => !before_.includes(name));
    assert.equal(created.length, 1, `one new database: ${created.join(', ')}`);
    const response = await fetch(`${stack.targets.apiUrl}/api/concerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Scratch', venue: 'Loopback', startsAt: '2027-01-01T20:00:00Z', capacity: 10, priceCents: 100 }),
    });
    assert.equal(response.status, 201);
    const { id } = (await response.json()) as { id: string };
    const url = new URL(SERVER);
    url.pathname = `/${created[0]}`;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT name FROM concerts WHERE id = $1', [id]);
      assert.deepEqual(rows, [{ name: 'Scratch' }]);
    } finally {
      await client.end();
    }
  });

  it('runs both replicas, each scraped by Prometheus', async () => {
    const prometheus = createPrometheusClient(stack.targets.prometheusUrl);
    let up: number[] = [];
    await waitUntil(
      async () => {
        up = (await prometheus.query('up{job="ticketpulse-api"}')).map((sample) => Number(sample.value[1]));
        return up.length === 2 && up.every((value) => value === 1);
      },
      30_000,
      'two API targets up',
    ).catch((error: Error) => assert.fail(`${error.message}: up = ${JSON.stringify(up)}`));
  });

  it('drops its database when it stops', async () => {
    await stack.stop();
    assert.deepEqual(await scratchDatabases(), before_);
  });
});

describe('a second Ctrl-C (kill) on PostgreSQL', () => {
  it('kills the parts at once and still drops the run\'s database', async () => {
    const before_ = await scratchDatabases();
    const logDir = mkdtempSync(join(tmpdir(), 'tp-local-stack-'));
    try {
      const stack = await startLocalStack(join(logDir, 'stack.log'), { postgresUrl: SERVER, replicas: 1 });
      assert.equal((await scratchDatabases()).length, before_.length + 1, 'the run has its database');
      const started = Date.now();
      await stack.kill();
      assert.ok(Date.now() - started < 5_000, `kill is bounded (${Date.now() - started} ms)`);
      assert.deepEqual(await scratchDatabases(), before_, 'no database left behind');
      await assert.rejects(fetch(`${stack.targets.apiUrl}/healthz`), 'the API is gone');
    } finally {
      rmSync(logDir, { recursive: true, force: true });
    }
  });
});
