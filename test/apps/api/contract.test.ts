import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { NO_FAULTS } from '../../../packages/contract/index.js';
import { buildTestApp, validConcert, type DatabaseKind, type TestApp } from '../../support/app.js';

const ADMIN = { authorization: 'Bearer test-admin-token' };

function assertProblem(response: { statusCode: number; headers: Record<string, unknown>; json(): any }, status: number, typeSuffix?: string) {
  assert.equal(response.statusCode, status, JSON.stringify(response.json()));
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const body = response.json();
  assert.equal(body.status, status);
  assert.equal(typeof body.title, 'string');
  assert.equal(typeof body.type, 'string');
  if (typeSuffix) assert.ok(body.type.endsWith(typeSuffix), `type ${body.type} should end with ${typeSuffix}`);
  return body;
}

async function createConcert(app: FastifyInstance, overrides: Partial<typeof validConcert> = {}) {
  const response = await app.inject({ method: 'POST', url: '/api/concerts', payload: { ...validConcert, ...overrides } });
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}

async function buy(app: FastifyInstance, concertId: string, body: object = { quantity: 2, customerEmail: 'fan@example.com' }, key?: string) {
  return app.inject({
    method: 'POST',
    url: `/api/concerts/${concertId}/orders`,
    payload: body,
    headers: key ? { 'idempotency-key': key } : {},
  });
}

for (const kind of ['postgres', 'pglite'] as DatabaseKind[]) {
  describe(`the HTTP contract on ${kind}`, () => {
    let test: TestApp;
    let app: FastifyInstance;
    before(async () => {
      test = await buildTestApp(kind);
      app = test.app;
    });
    after(() => test?.close());

    describe('POST /api/concerts', () => {
      it('creates a concert with a Location header and zero tickets sold', async () => {
        const response = await app.inject({ method: 'POST', url: '/api/concerts', payload: validConcert });
        assert.equal(response.statusCode, 201);
        const concert = response.json();
        assert.equal(response.headers.location, `/api/concerts/${concert.id}`);
        assert.deepEqual(
          { ...concert, id: undefined, createdAt: undefined },
          { ...validConcert, startsAt: '2027-06-01T19:30:00.000Z', ticketsSold: 0, ticketsAvailable: 100, id: undefined, createdAt: undefined },
        );
        assert.ok(!Number.isNaN(Date.parse(concert.createdAt)));
      });

      const badBodies: Array<[string, unknown]> = [
        ['a missing field', { ...validConcert, venue: undefined }],
        ['an unknown field', { ...validConcert, genre: 'rock' }],
        ['a number sent as a string', { ...validConcert, capacity: '100' }],
        ['a fractional capacity', { ...validConcert, capacity: 1.5 }],
        ['capacity 0', { ...validConcert, capacity: 0 }],
        ['capacity above 1,000,000', { ...validConcert, capacity: 1_000_001 }],
        ['a negative price', { ...validConcert, priceCents: -1 }],
        ['a price above 10,000,000', { ...validConcert, priceCents: 10_000_001 }],
        ['an empty name', { ...validConcert, name: '' }],
        ['a 201-character venue', { ...validConcert, venue: 'x'.repeat(201) }],
        ['a startsAt that is not a date-time', { ...validConcert, startsAt: 'next friday' }],
        ['a startsAt without a time zone', { ...validConcert, startsAt: '2027-06-01T19:30:00' }],
        ['an array body', [validConcert]],
      ];
      for (const [what, payload] of badBodies) {
        it(`rejects ${what} with a 400 problem`, async () => {
          const response = await app.inject({ method: 'POST', url: '/api/concerts', payload: payload as object });
          const problem = assertProblem(response, 400, '/invalid-request');
          assert.ok(problem.detail, 'the problem says what is wrong');
        });
      }

      it('rejects malformed JSON and a non-JSON content type with problems', async () => {
        const malformed = await app.inject({
          method: 'POST',
          url: '/api/concerts',
          headers: { 'content-type': 'application/json' },
          payload: '{"name": ',
        });
        assertProblem(malformed, 400);
        const text = await app.inject({ method: 'POST', url: '/api/concerts', headers: { 'content-type': 'text/plain' }, payload: 'hi' });
        assertProblem(text, 400);
        const xml = await app.inject({ method: 'POST', url: '/api/concerts', headers: { 'content-type': 'application/xml' }, payload: '<a/>' });
        assertProblem(xml, 415);
      });
    });

    describe('GET /api/concerts', () => {
      it('pages through every concert newest first, without gaps or repeats', async () => {
        const created: Array<{ id: string; createdAt: string }> = [];
        for (let i = 0; i < 7; i++) {
          created.push(await createConcert(app, { name: `Paging ${i}` }));
          // Timestamps have millisecond precision; a pause keeps creation order observable.
          await new Promise((resolve) => setTimeout(resolve, 3));
        }
        const seen: Array<{ id: string; createdAt: string }> = [];
        let cursor: string | null = null;
        do {
          const response: { statusCode: number; json(): any } = await app.inject({ url: `/api/concerts?limit=3${cursor ? `&cursor=${cursor}` : ''}` });
          assert.equal(response.statusCode, 200);
          const page = response.json();
          assert.ok(page.items.length <= 3);
          seen.push(...page.items);
          cursor = page.nextCursor;
        } while (cursor);
        const ids = seen.map((c) => c.id);
        assert.equal(new Set(ids).size, ids.length, 'no concert is listed twice');
        for (let i = 1; i < seen.length; i++) {
          const [newer, older] = [seen[i - 1]!, seen[i]!];
          assert.ok(
            newer.createdAt > older.createdAt || (newer.createdAt === older.createdAt && newer.id > older.id),
            `ordered by (createdAt, id) descending at position ${i}`,
          );
        }
        const ours = ids.filter((id) => created.some((c) => c.id === id));
        assert.deepEqual(ours, created.map((c) => c.id).reverse(), 'newest first');
      });

      it('defaults to 50 items and accepts limit 1..200', async () => {
        const response = await app.inject({ url: '/api/concerts?limit=200' });
        assert.equal(response.statusCode, 200);
        assert.ok(Array.isArray(response.json().items));
      });

      for (const limit of ['0', '201', 'abc', '1.5', '-3']) {
        it(`rejects limit=${limit} with a 400 problem`, async () => {
          assertProblem(await app.inject({ url: `/api/concerts?limit=${limit}` }), 400);
        });
      }

      it('rejects a cursor it did not issue', async () => {
        assertProblem(await app.inject({ url: '/api/concerts?cursor=bogus' }), 400);
      });
    });

    describe('GET /api/concerts/:id', () => {
      it('returns the concert', async () => {
        const concert = await createConcert(app);
        const response = await app.inject({ url: `/api/concerts/${concert.id}` });
        assert.equal(response.statusCode, 200);
        assert.deepEqual(response.json(), concert);
      });
      it('answers 404 for an unknown id and for a malformed one', async () => {
        assertProblem(await app.inject({ url: '/api/concerts/00000000-0000-4000-8000-000000000000' }), 404, '/concert-not-found');
        assertProblem(await app.inject({ url: '/api/concerts/not-a-uuid' }), 404);
      });
    });

    describe('POST /api/concerts/:id/orders', () => {
      it('sells tickets and counts them on the concert', async () => {
        const concert = await createConcert(app, { capacity: 10, priceCents: 1_250 });
        const response = await buy(app, concert.id, { quantity: 3, customerEmail: 'ann@example.com' });
        assert.equal(response.statusCode, 201);
        const order = response.json();
        assert.equal(order.concertId, concert.id);
        assert.equal(order.quantity, 3);
        assert.equal(order.totalCents, 3_750);
        assert.equal(order.status, 'confirmed');
        assert.equal(order.customerEmail, 'ann@example.com');
        const after = (await app.inject({ url: `/api/concerts/${concert.id}` })).json();
        assert.equal(after.ticketsSold, 3);
        assert.equal(after.ticketsAvailable, 7);
        const fetched = await app.inject({ url: `/api/orders/${order.id}` });
        assert.equal(fetched.statusCode, 200);
        assert.deepEqual(fetched.json(), order);
      });

      const badOrders: Array<[string, unknown]> = [
        ['quantity 0', { quantity: 0, customerEmail: 'a@example.com' }],
        ['quantity 11', { quantity: 11, customerEmail: 'a@example.com' }],
        ['a quantity sent as a string', { quantity: '2', customerEmail: 'a@example.com' }],
        ['an invalid email', { quantity: 1, customerEmail: 'not-an-email' }],
        ['a missing email', { quantity: 1 }],
        ['an unknown field', { quantity: 1, customerEmail: 'a@example.com', seat: 'A1' }],
      ];
      for (const [what, body] of badOrders) {
        it(`rejects ${what} with a 400 problem and sells nothing`, async () => {
          const concert = await createConcert(app);
          assertProblem(await buy(app, concert.id, body as object), 400);
          assert.equal((await app.inject({ url: `/api/concerts/${concert.id}` })).json().ticketsSold, 0);
        });
      }

      it('rejects an Idempotency-Key longer than 200 characters', async () => {
        const concert = await createConcert(app);
        assertProblem(await buy(app, concert.id, undefined, 'k'.repeat(201)), 400);
      });

      it('answers 404 for an unknown concert', async () => {
        assertProblem(await buy(app, '00000000-0000-4000-8000-000000000000'), 404, '/concert-not-found');
      });

      it('answers 409 sold-out when fewer tickets remain than asked, and sells nothing', async () => {
        const concert = await createConcert(app, { capacity: 3 });
        assert.equal((await buy(app, concert.id, { quantity: 2, customerEmail: 'a@example.com' })).statusCode, 201);
        assertProblem(await buy(app, concert.id, { quantity: 2, customerEmail: 'b@example.com' }), 409, '/sold-out');
        assert.equal((await app.inject({ url: `/api/concerts/${concert.id}` })).json().ticketsSold, 2);
        assert.equal((await buy(app, concert.id, { quantity: 1, customerEmail: 'c@example.com' })).statusCode, 201);
        assertProblem(await buy(app, concert.id, { quantity: 1, customerEmail: 'd@example.com' }), 409, '/sold-out');
      });

      it('replays the original order for a repeated Idempotency-Key and sells nothing more', async () => {
        const concert = await createConcert(app, { capacity: 10 });
        const body = { quantity: 2, customerEmail: 'replay@example.com' };
        const first = await buy(app, concert.id, body, 'key-replay-1');
        const second = await buy(app, concert.id, body, 'key-replay-1');
        assert.equal(first.statusCode, 201);
        assert.equal(second.statusCode, 201);
        assert.equal(second.json().id, first.json().id);
        assert.equal(second.headers['idempotent-replayed'], 'true');
        assert.equal((await app.inject({ url: `/api/concerts/${concert.id}` })).json().ticketsSold, 2);
      });

      it('answers 422 when an Idempotency-Key is reused with a different body or concert', async () => {
        const concert = await createConcert(app);
        const other = await createConcert(app);
        assert.equal((await buy(app, concert.id, { quantity: 1, customerEmail: 'k@example.com' }, 'key-mismatch')).statusCode, 201);
        assertProblem(await buy(app, concert.id, { quantity: 2, customerEmail: 'k@example.com' }, 'key-mismatch'), 422);
        assertProblem(await buy(app, other.id, { quantity: 1, customerEmail: 'k@example.com' }, 'key-mismatch'), 422);
        assert.equal((await app.inject({ url: `/api/concerts/${concert.id}` })).json().ticketsSold, 1);
        assert.equal((await app.inject({ url: `/api/concerts/${other.id}` })).json().ticketsSold, 0);
      });
    });

    describe('GET /api/orders/:id', () => {
      it('answers 404 for unknown and malformed ids', async () => {
        assertProblem(await app.inject({ url: '/api/orders/00000000-0000-4000-8000-000000000000' }), 404, '/order-not-found');
        assertProblem(await app.inject({ url: '/api/orders/123' }), 404);
      });
    });

    describe('chaos', () => {
      it('fails every purchase with 502 payment-failed at failure rate 1, selling nothing, and none at 0', async () => {
        const concert = await createConcert(app, { capacity: 50 });
        const put = (failureRate: number) =>
          app.inject({ method: 'PUT', url: '/api/admin/chaos', headers: ADMIN, payload: { failureRate, latencyMs: { min: 0, max: 0 } } });
        assert.equal((await put(1)).statusCode, 200);
        for (let i = 0; i < 5; i++) assertProblem(await buy(app, concert.id), 502, '/payment-failed');
        assert.equal((await app.inject({ url: `/api/concerts/${concert.id}` })).json().ticketsSold, 0);
        assert.equal((await put(0)).statusCode, 200);
        for (let i = 0; i < 5; i++) assert.equal((await buy(app, concert.id)).statusCode, 201);
        assert.equal((await app.inject({ url: `/api/concerts/${concert.id}` })).json().ticketsSold, 10);
      });

      it('delays requests by the configured latency', async () => {
        const concert = await createConcert(app);
        const put = await app.inject({ method: 'PUT', url: '/api/admin/chaos', headers: ADMIN, payload: { failureRate: 0, latencyMs: { min: 200, max: 200 } } });
        assert.equal(put.statusCode, 200);
        const started = Date.now();
        assert.equal((await app.inject({ url: `/api/concerts/${concert.id}` })).statusCode, 200);
        assert.ok(Date.now() - started >= 190, 'the request took at least the minimum latency');
        await app.inject({ method: 'PUT', url: '/api/admin/chaos', headers: ADMIN, payload: { failureRate: 0, latencyMs: { min: 0, max: 0 } } });
      });

      it('reports the settings in force and validates changes', async () => {
        const settings = { failureRate: 0.25, latencyMs: { min: 10, max: 40 } };
        const put = await app.inject({ method: 'PUT', url: '/api/admin/chaos', headers: ADMIN, payload: settings });
        // The staged faults it leaves out are healed, and shown so.
        assert.deepEqual(put.json(), { ...NO_FAULTS, ...settings });
        assert.deepEqual((await app.inject({ url: '/api/admin/chaos', headers: ADMIN })).json(), { ...NO_FAULTS, ...settings });
        for (const bad of [
          { failureRate: 1.5, latencyMs: { min: 0, max: 0 } },
          { failureRate: 0, latencyMs: { min: 50, max: 10 } },
          { failureRate: 0, latencyMs: { min: -1, max: 10 } },
          { failureRate: 0 },
        ]) {
          assertProblem(await app.inject({ method: 'PUT', url: '/api/admin/chaos', headers: ADMIN, payload: bad }), 400);
        }
        await app.inject({ method: 'PUT', url: '/api/admin/chaos', headers: ADMIN, payload: { failureRate: 0, latencyMs: { min: 0, max: 0 } } });
      });

      it('refuses the admin API without the right token', async () => {
        assertProblem(await app.inject({ url: '/api/admin/chaos' }), 401, '/unauthorized');
        assertProblem(await app.inject({ url: '/api/admin/chaos', headers: { authorization: 'Bearer wrong-token' } }), 401);
        assertProblem(
          await app.inject({ method: 'PUT', url: '/api/admin/chaos', headers: { authorization: 'Basic abc' }, payload: { failureRate: 1, latencyMs: { min: 0, max: 0 } } }),
          401,
        );
      });
    });

    describe('operations', () => {
      it('answers /healthz and /readyz', async () => {
        assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
        assert.equal((await app.inject({ url: '/readyz' })).statusCode, 200);
      });

      it('serves the OpenAPI document and browsable docs', async () => {
        const openapi = await app.inject({ url: '/openapi.json' });
        assert.equal(openapi.statusCode, 200);
        const paths = Object.keys(openapi.json().paths);
        for (const path of ['/api/concerts', '/api/concerts/{id}', '/api/concerts/{id}/orders', '/api/orders/{id}', '/api/admin/chaos']) {
          assert.ok(paths.includes(path), `${path} is documented`);
        }
        const docs = await app.inject({ url: '/docs/' });
        assert.equal(docs.statusCode, 200);
        assert.match(docs.body, /swagger/i);
      });

      it('answers an unknown path with a 404 problem', async () => {
        assertProblem(await app.inject({ url: '/nope' }), 404);
      });
    });
  });
}

describe('the admin API without ADMIN_TOKEN', () => {
  it('refuses every call with a message saying how to enable it', async () => {
    const test = await buildTestApp('pglite', { adminToken: null });
    try {
      const problem = assertProblem(
        await test.app.inject({ url: '/api/admin/chaos', headers: { authorization: 'Bearer anything-at-all' } }),
        401,
      );
      assert.match(problem.detail, /ADMIN_TOKEN/);
    } finally {
      await test.close();
    }
  });
});
