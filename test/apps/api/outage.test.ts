import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startApi, type RunningApi } from '../../support/api-process.js';
import { validConcert } from '../../support/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { waitUntil } from '../../support/ports.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';

describe('a database outage', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let api: RunningApi;
  before(async () => {
    database = await createTestDatabase('tp_outage');
    proxy = await startTcpProxy('127.0.0.1', 5432);
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port);
    api = await startApi({ databaseUrl: viaProxy.toString() });
  });
  after(async () => {
    await api?.stop();
    await proxy?.close();
    await database?.drop();
  });

  it('gets 503 problems and a failing readiness while it lasts, then recovers without a restart', async () => {
    const created = await fetch(`${api.url}/api/concerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(validConcert),
    });
    assert.equal(created.status, 201);
    const concert = await created.json();

    await proxy.cut();

    const ready = await fetch(`${api.url}/readyz`);
    assert.equal(ready.status, 503);
    assert.match(ready.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.equal((await fetch(`${api.url}/healthz`)).status, 200, 'the process itself stays alive');

    for (const request of [
      fetch(`${api.url}/api/concerts/${concert.id}`),
      fetch(`${api.url}/api/concerts`),
      fetch(`${api.url}/api/concerts/${concert.id}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ quantity: 1, customerEmail: 'outage@example.com' }),
      }),
    ]) {
      const response = await request;
      assert.equal(response.status, 503);
      assert.match(response.headers.get('content-type') ?? '', /application\/problem\+json/);
      const problem = await response.json();
      assert.equal(problem.status, 503);
      assert.doesNotMatch(JSON.stringify(problem), /ECONNREFUSED|at .*\.ts|stack/i, 'no internals leak');
    }

    await proxy.restore();
    await waitUntil(async () => (await fetch(`${api.url}/readyz`)).status === 200, 15_000, 'readiness to recover');
    const order = await fetch(`${api.url}/api/concerts/${concert.id}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ quantity: 1, customerEmail: 'after@example.com' }),
    });
    assert.equal(order.status, 201);
    assert.equal(api.process.exitCode, null, 'the API never exited');
    assert.doesNotMatch(api.output(), /"level":60/, 'nothing was logged as fatal');
  });
});
