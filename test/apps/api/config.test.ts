import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { loadApiConfig } from '../../../apps/api/config.js';
import { NO_FAULTS } from '../../../packages/contract/index.js';
import { repoRoot } from '../../../packages/shared/repo-root.js';

const ROOT = repoRoot;

describe('API configuration', () => {
  it('has documented defaults', () => {
    const config = loadApiConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.dataDir, './data');
    assert.equal(config.adminToken, undefined);
    assert.deepEqual(config.chaosDefaults, { failureRate: 0.02, latencyMs: { min: 5, max: 150 }, ...NO_FAULTS });
    assert.equal(config.host, '127.0.0.1', 'loopback unless HOST says otherwise (the image sets 0.0.0.0)');
    assert.equal(config.databaseStatementTimeoutMs, 5_000);
    assert.equal(config.databaseLockTimeoutMs, 2_000);
    assert.equal(config.purchaseQueueLimit, 400);
    assert.equal(config.purchaseQueueTimeoutMs, 1_000);
    assert.equal(config.requestTimeoutMs, 10_000);
  });

  it('never repeats a DATABASE_URL password in its error message', () => {
    for (const url of ['postgres://app:s3cr3t-pw@db.example:notaport/tickets', 'mysql://app:s3cr3t-pw@db.example/tickets']) {
      assert.throws(
        () => loadApiConfig({ DATABASE_URL: url }),
        (error: Error) => /DATABASE_URL/.test(error.message) && !error.message.includes('s3cr3t-pw'),
      );
    }
  });

  it('rejects a lock timeout longer than the statement timeout', () => {
    assert.throws(
      () => loadApiConfig({ DATABASE_STATEMENT_TIMEOUT_MS: '1000', DATABASE_LOCK_TIMEOUT_MS: '2000' }),
      /DATABASE_LOCK_TIMEOUT_MS must be <= DATABASE_STATEMENT_TIMEOUT_MS/,
    );
  });

  for (const [name, value, message] of [
    ['PORT', 'eighty', /PORT must be an integer/],
    ['PORT', '70000', /PORT must be an integer from 0 to 65535/],
    ['CHAOS_FAILURE_RATE', '1.5', /CHAOS_FAILURE_RATE must be a number from 0 to 1/],
    ['CHAOS_LATENCY_MIN_MS', '-5', /CHAOS_LATENCY_MIN_MS/],
    ['DATABASE_URL', 'mysql://localhost/db', /DATABASE_URL must use postgres:/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of/],
    ['ADMIN_TOKEN', 'short', /ADMIN_TOKEN must be at least 8/],
    ['PURCHASE_QUEUE_LIMIT', '0', /PURCHASE_QUEUE_LIMIT must be an integer/],
    ['PURCHASE_QUEUE_TIMEOUT_MS', 'soon', /PURCHASE_QUEUE_TIMEOUT_MS must be an integer/],
    ['REQUEST_TIMEOUT_MS', '5', /REQUEST_TIMEOUT_MS must be an integer/],
    ['DATABASE_STATEMENT_TIMEOUT_MS', '-1', /DATABASE_STATEMENT_TIMEOUT_MS must be an integer/],
  ] as const) {
    it(`rejects ${name}=${value} with a message naming the variable`, () => {
      assert.throws(() => loadApiConfig({ [name]: value }), message);
    });
  }

  it('rejects a latency maximum below the minimum', () => {
    assert.throws(() => loadApiConfig({ CHAOS_LATENCY_MIN_MS: '100', CHAOS_LATENCY_MAX_MS: '50' }), /CHAOS_LATENCY_MAX_MS must be >=/);
  });

  it('the server exits non-zero with one line, no stack trace, on a bad value', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'apps/api/server.ts'], {
      cwd: ROOT,
      env: { ...process.env, PORT: 'eighty' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(result.status, 2);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /invalid configuration: PORT must be an integer/);
  });

  it('the server prints a bad DATABASE_URL without its password', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'apps/api/server.ts'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: 'postgres://app:s3cr3t-pw@db.example:notaport/tickets' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /invalid configuration: DATABASE_URL/);
    assert.match(result.stderr, /app:\*\*\*@db\.example/, 'user and host stay, for diagnosis');
    assert.doesNotMatch(result.stderr + result.stdout, /s3cr3t-pw/);
  });
});
