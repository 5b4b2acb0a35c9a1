import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildTestApp, validConcert, type TestApp } from '../../support/app.js';

function seriesOf(exposition: string, metric: string): string[] {
  return exposition.split('\n').filter((line) => line.startsWith(`${metric}{`) || line.startsWith(`${metric} `));
}

function value(exposition: string, series: string): number {
  const line = exposition.split('\n').find((l) => l.startsWith(series + ' '));
  assert.ok(line, `${series} is exposed`);
  return Number(line.split(' ').pop());
}

describe('/metrics', () => {
  let test: TestApp;
  let app: FastifyInstance;
  const metrics = async () => (await app.inject({ url: '/metrics' })).body;
  before(async () => {
    test = await buildTestApp('postgres');
    app = test.app;
  });
  after(() => test?.close());

  it('exposes the contract metrics, process metrics and the chaos settings in force', async () => {
    const text = await metrics();
    for (const name of [
      'http_requests_total',
      'http_request_duration_seconds',
      'tickets_sold_total',
      'ticket_orders_total',
      'ticket_revenue_cents_total',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_p99_seconds',
      'db_pool_connections_in_use',
      'db_query_duration_seconds',
      'chaos_failure_rate',
      'concerts_on_sale',
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), `${name} is exposed`);
    }
    // HighMemory judges a replica by its database mode.
    assert.match(text, /^database_info\{kind="postgres"\} 1$/m, 'the database mode is exposed');
    await app.inject({
      method: 'PUT',
      url: '/api/admin/chaos',
      headers: { authorization: 'Bearer test-admin-token' },
      payload: { failureRate: 0.3, latencyMs: { min: 0, max: 40 } },
    });
    const after = await metrics();
    assert.equal(value(after, 'chaos_failure_rate'), 0.3);
    assert.equal(value(after, 'chaos_latency_max_seconds'), 0.04);
    await app.inject({
      method: 'PUT',
      url: '/api/admin/chaos',
      headers: { authorization: 'Bearer test-admin-token' },
      payload: { failureRate: 0, latencyMs: { min: 0, max: 0 } },
    });
  });

  it('counts purchases by business outcome, tickets sold and revenue', async () => {
    const before = await metrics();
    const concert = (await app.inject({ method: 'POST', url: '/api/concerts', payload: { ...validConcert, capacity: 3, priceCents: 1000 } })).json();
    const buy = (quantity: number, extra: object = {}) =>
      app.inject({ method: 'POST', url: `/api/concerts/${concert.id}/orders`, payload: { quantity, customerEmail: 'm@example.com', ...extra } });
    assert.equal((await buy(2)).statusCode, 201);
    assert.equal((await buy(2)).statusCode, 409);
    assert.equal((await buy(0)).statusCode, 400);
    const text = await metrics();
    const delta = (series: string) => value(text, series) - value(before, series);
    assert.equal(delta('ticket_orders_total{outcome="confirmed"}'), 1);
    assert.equal(delta('ticket_orders_total{outcome="sold_out"}'), 1);
    assert.equal(delta('ticket_orders_total{outcome="rejected"}'), 1);
    assert.equal(delta('tickets_sold_total'), 2);
    assert.equal(delta('ticket_revenue_cents_total'), 2000);
    assert.ok(
      text.includes(`concert_sell_through_ratio{concert_id="${concert.id}"`),
      'the concert with sales shows its sell-through',
    );
    assert.ok(
      text.includes('http_requests_total{method="POST",route="/api/concerts/:id/orders",status_code="409"}'),
      'the route label is the template',
    );
  });

  it('keeps cardinality bounded after thousands of distinct ids and unknown paths', async () => {
    const warmup = await metrics();
    for (let i = 0; i < 50; i++) {
      await app.inject({ url: `/api/concerts/${randomUUID()}` });
      await app.inject({ url: `/unknown/${randomUUID()}` });
      await app.inject({ url: `/api/orders/${randomUUID()}` });
    }
    const baseline = await metrics();
    const baselineCount = seriesOf(baseline, 'http_requests_total').length;
    for (let i = 0; i < 3000; i++) {
      await app.inject({ url: `/api/concerts/${randomUUID()}` });
      await app.inject({ url: `/unknown/${randomUUID()}?q=${i}` });
      await app.inject({ method: 'PROPFIND', url: `/x${i}` });
    }
    const text = await metrics();
    assert.ok(warmup.length > 0);
    assert.ok(seriesOf(text, 'http_requests_total').length <= baselineCount + 1, 'only the OTHER method may add one series');
    assert.ok(seriesOf(text, 'http_request_duration_seconds_bucket').length < 300);
    assert.doesNotMatch(text, /route="\/unknown/, 'no raw path becomes a label');
    assert.match(text, /route="__unmatched__"/);
    assert.equal(seriesOf(text, 'concert_sell_through_ratio').length <= 5, true);
  });

  it('leaves probes and scrapes out of the traffic figures', async () => {
    await app.inject({ url: '/healthz' });
    await app.inject({ url: '/readyz' });
    const text = await metrics();
    assert.doesNotMatch(text, /route="\/(healthz|readyz|metrics)"/);
  });
});
