import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildApp } from '../../../apps/api/app.js';
import { loadApiConfig } from '../../../apps/api/config.js';
import { migrations } from '../../../apps/api/db/migrations.js';
import { createTestDatabase, queryDatabase } from '../../support/postgres.js';

describe('migrations', () => {
  it('when four replicas start at once on an empty database, each version is applied exactly once and all serve', async () => {
    const database = await createTestDatabase('tp_migrate');
    const config = loadApiConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'silent' });
    try {
      const apps = await Promise.all(Array.from({ length: 4 }, () => buildApp({ config })));
      try {
        const rows = await queryDatabase<{ version: number }>(database.url, 'SELECT version FROM schema_migrations ORDER BY version');
        assert.deepEqual(rows.map((row) => row.version), migrations.map((migration) => migration.version));
        for (const app of apps) assert.equal((await app.inject({ url: '/api/concerts' })).statusCode, 200);
      } finally {
        await Promise.all(apps.map((app) => app.close()));
      }
    } finally {
      await database.drop();
    }
  });
});
