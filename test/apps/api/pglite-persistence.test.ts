import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildApp } from '../../../apps/api/app.js';
import { loadApiConfig } from '../../../apps/api/config.js';
import { NO_FAULTS } from '../../../packages/contract/index.js';
import { validConcert } from '../../support/app.js';

describe('embedded PGlite', () => {
  it('keeps concerts, sales and chaos settings across a restart on the same DATA_DIR', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tp-persist-'));
    const config = loadApiConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ADMIN_TOKEN: 'test-admin-token', CHAOS_FAILURE_RATE: '0' });
    try {
      const first = await buildApp({ config });
      const concert = (await first.inject({ method: 'POST', url: '/api/concerts', payload: validConcert })).json();
      const order = await first.inject({
        method: 'POST',
        url: `/api/concerts/${concert.id}/orders`,
        payload: { quantity: 4, customerEmail: 'keep@example.com' },
      });
      assert.equal(order.statusCode, 201);
      await first.inject({
        method: 'PUT',
        url: '/api/admin/chaos',
        headers: { authorization: 'Bearer test-admin-token' },
        payload: { failureRate: 0.5, latencyMs: { min: 0, max: 10 }, database: { slowMs: 1, outage: false } },
      });
      await first.close();

      const second = await buildApp({ config });
      const again = (await second.inject({ url: `/api/concerts/${concert.id}` })).json();
      assert.equal(again.ticketsSold, 4);
      assert.equal((await second.inject({ url: `/api/orders/${order.json().id}` })).statusCode, 200);
      assert.deepEqual((await second.inject({ url: '/api/admin/chaos', headers: { authorization: 'Bearer test-admin-token' } })).json(), {
        ...NO_FAULTS,
        failureRate: 0.5,
        latencyMs: { min: 0, max: 10 },
        database: { slowMs: 1, outage: false },
      });
      await second.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
