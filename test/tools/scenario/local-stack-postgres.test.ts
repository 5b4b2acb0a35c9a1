// `npm run scenario -- --postgres URL --replicas N`: the runner's stack on the real PostgreSQL server,
// with fresh data each run. What matters is where the data goes and that nothing is left behind:
// a database of its own (the API's writes land there, through both replicas), and no database
// left on the server after the stop.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
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

/** Pids of the stack's kinds of process (Node parts, replicas, monitoring binaries) running now. */
function stackProcesses(): Map<number, string> {
  const found = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let command: string;
    try {
      command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      continue; // gone meanwhile
    }
    if (/api-replicas\.ts|apps\/api\/server\.ts|apps\/sink\/cli\.ts|apps\/dashboard\/server\.ts|\bprometheus\b|alertmanager|_exporter|-exporter\b/.test(command)) found.set(Number(entry), command);
  }
  return found;
}

describe('a start past its deadline', () => {
  it('is given up: the error says where the start was, what started is killed, the database dropped', { timeout: 90_000 }, async () => {
    const databasesBefore = await scratchDatabases();
    const processesBefore = stackProcesses();
    const logDir = mkdtempSync(join(tmpdir(), 'tp-local-stack-'));
    try {
      const started = Date.now();
      const error = await startLocalStack(join(logDir, 'stack.log'), { postgresUrl: SERVER, replicas: 2, startDeadlineMs: 1_500 }).then(
        () => assert.fail('a stack cannot start in 1.5 s on this machine'),
        (failure: Error) => failure,
      );
      assert.ok(Date.now() - started < 20_000, `given up promptly (${Date.now() - started} ms)`);
      assert.match(error.message, /^the stack did not finish starting within 2 s \((.+)\): what it started is killed \(details in .*stack\.log\)$/);
      // Where it was: still creating the database, or a stage of Stack.start with each part's state.
      const where = /within 2 s \((.+)\): what/.exec(error.message)![1]!;
      if (where !== 'still creating its database') assert.match(where, /^[a-z ,-]+; (?:[a-z-]+ (?:starting|running|failed|missing|stopped))(?:, [a-z-]+ (?:starting|running|failed|missing|stopped))*$/);
      let left: string[] = [];
      await waitUntil(
        async () => {
          left = [...stackProcesses()].filter(([pid]) => !processesBefore.has(pid)).map(([pid, command]) => `${pid} ${command}`);
          return left.length === 0;
        },
        10_000,
        'no process of the abandoned stack',
      ).catch(() => assert.fail(`processes left running: ${left.join('; ')}`));
      // A database created just after the deadline is dropped by the start itself, moments later.
      let databases: string[] = [];
      await waitUntil(
        async () => {
          databases = await scratchDatabases();
          return databases.length === databasesBefore.length;
        },
        35_000,
        'no database left behind',
      ).catch(() => assert.fail(`databases left: ${databases.filter((name) => !databasesBefore.includes(name)).join(', ')}`));
    } finally {
      rmSync(logDir, { recursive: true, force: true });
    }
  });
});

describe('a second Ctrl-C while the run\'s database is still being created', () => {
  it('leaves no database behind and starts nothing', { timeout: 60_000 }, async () => {
    const databasesBefore = await scratchDatabases();
    const processesBefore = stackProcesses();
    const logDir = mkdtempSync(join(tmpdir(), 'tp-local-stack-'));
    try {
      let killed: Promise<void> | undefined;
      // The kill is handed over before the database is created; called on the next turn, it lands
      // while the creation is under way.
      const failure = await startLocalStack(join(logDir, 'stack.log'), { postgresUrl: SERVER, replicas: 1 }, process.env, (kill) => {
        setImmediate(() => (killed = kill()));
      }).then(
        () => assert.fail('a killed start must not complete'),
        (error: Error) => error,
      );
      await killed;
      assert.equal(failure.message, 'the start was given up (killed, or past its deadline)');
      assert.deepEqual(await scratchDatabases(), databasesBefore, 'no database left behind');
      await sleep(1_000);
      const started = [...stackProcesses()].filter(([pid]) => !processesBefore.has(pid)).map(([pid, command]) => `${pid} ${command}`);
      assert.deepEqual(started, [], 'nothing of the stack runs');
    } finally {
      rmSync(logDir, { recursive: true, force: true });
    }
  });
});
