import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildTestApp, validConcert, type DatabaseKind, type TestApp } from '../../support/app.js';

type Injected = Awaited<ReturnType<FastifyInstance['inject']>>;

function assertProblem(response: Injected, status: number, typeSuffix: string) {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const body = response.json();
  assert.equal(body.status, status);
  assert.ok(body.type.endsWith(`/${typeSuffix}`), `type ${body.type} should end with /${typeSuffix}`);
  return body;
}

/** Sends raw bytes and returns everything the server wrote before closing the socket. */
function rawHttp(port: number, chunks: string[], { gapMs = 0, timeoutMs = 10_000 } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${timeoutMs} ms; got: ${received.slice(0, 200)}`));
    }, timeoutMs);
    socket.on('data', (data) => (received += data));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        if (socket.destroyed) break;
        socket.write(chunk);
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      }
    });
  });
}

function problemFromRaw(raw: string): { status: number; contentType: string; body: any } {
  const [head, body] = raw.split('\r\n\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head ?? '')?.[1]);
  const contentType = /content-type: ([^\r\n]+)/i.exec(head ?? '')?.[1] ?? '';
  return { status, contentType, body: JSON.parse(body ?? 'null') };
}

for (const kind of ['postgres', 'pglite'] as DatabaseKind[]) {
  describe(`hostile input on ${kind} is a 4xx problem, never a 500`, () => {
    let test: TestApp;
    let app: FastifyInstance;
    let concert: { id: string };
    before(async () => {
      test = await buildTestApp(kind);
      app = test.app;
      concert = (await app.inject({ method: 'POST', url: '/api/concerts', payload: validConcert })).json();
    });
    after(() => test?.close());

    it('a concert id that is not a UUID: purchase answers 404, nothing is sent to the database', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/api/concerts/not-a-uuid/orders',
        payload: { quantity: 1, customerEmail: 'fan@example.com' },
      });
      assertProblem(response, 404, 'concert-not-found');
    });

    it('a name or venue with a NUL byte (PostgreSQL text cannot hold it) is a 400', async () => {
      for (const field of ['name', 'venue']) {
        const response = await app.inject({ method: 'POST', url: '/api/concerts', payload: { ...validConcert, [field]: 'Rock\u0000Night' } });
        assertProblem(response, 400, 'invalid-request');
      }
    });

    it('a startsAt in year 0000 is a 400; an offset of +23:59 is stored as its UTC instant', async () => {
      assertProblem(
        await app.inject({ method: 'POST', url: '/api/concerts', payload: { ...validConcert, startsAt: '0000-01-01T00:00:00Z' } }),
        400,
        'invalid-request',
      );
      const offset = await app.inject({ method: 'POST', url: '/api/concerts', payload: { ...validConcert, startsAt: '2030-01-01T00:00:00+23:59' } });
      assert.equal(offset.statusCode, 201, offset.body);
      assert.equal(offset.json().startsAt, '2029-12-31T00:01:00.000Z');
      const stored = await app.inject({ method: 'GET', url: `/api/concerts/${offset.json().id}` });
      assert.equal(stored.json().startsAt, '2029-12-31T00:01:00.000Z');
      for (const startsAt of ['9999-12-31T23:59:59-01:00', '2027-06-30T23:59:60Z']) {
        assertProblem(await app.inject({ method: 'POST', url: '/api/concerts', payload: { ...validConcert, startsAt } }), 400, 'invalid-request');
      }
    });

    it('a cursor this API never issued (base64 of "1|<uuid>", year 0, garbage) is a 400', async () => {
      for (const text of [`1|${concert.id}`, `0000-01-01T00:00:00.000Z|${concert.id}`, 'garbage', `2027-01-01T00:00:00Z|${concert.id}`]) {
        const cursor = Buffer.from(text).toString('base64');
        assertProblem(await app.inject({ method: 'GET', url: `/api/concerts?cursor=${encodeURIComponent(cursor)}` }), 400, 'invalid-request');
      }
    });

    it('an idempotent retry through the upper-case concert id replays the order', async () => {
      const key = `upper-${kind}-${Date.now()}`;
      const body = { quantity: 1, customerEmail: 'case@example.com' };
      const first = await app.inject({ method: 'POST', url: `/api/concerts/${concert.id}/orders`, payload: body, headers: { 'idempotency-key': key } });
      assert.equal(first.statusCode, 201);
      const retry = await app.inject({
        method: 'POST',
        url: `/api/concerts/${concert.id.toUpperCase()}/orders`,
        payload: body,
        headers: { 'idempotency-key': key },
      });
      assert.equal(retry.statusCode, 201, retry.body);
      assert.equal(retry.headers['idempotent-replayed'], 'true');
      assert.equal(retry.json().id, first.json().id);
      const read = await app.inject({ method: 'GET', url: `/api/concerts/${concert.id.toUpperCase()}` });
      assert.equal(read.json().ticketsSold, 1, 'the replay sold nothing more');
      assert.equal(read.json().id, concert.id, 'ids are answered in their canonical lower case');
    });

    it('a path id longer than 100 characters is a 414 problem', async () => {
      assertProblem(await app.inject({ method: 'GET', url: `/api/concerts/${'a'.repeat(150)}` }), 414, 'uri-too-long');
      assertProblem(
        await app.inject({ method: 'POST', url: `/api/concerts/${'a'.repeat(150)}/orders`, payload: { quantity: 1, customerEmail: 'a@b.co' } }),
        414,
        'uri-too-long',
      );
    });

    it('framework errors are problems: 413 body too large, 415 content type, 400 bad JSON, bad percent-encoding', async () => {
      const json = { 'content-type': 'application/json' };
      assertProblem(await app.inject({ method: 'POST', url: '/api/concerts', payload: 'x'.repeat(70_000), headers: json }), 413, 'payload-too-large');
      assertProblem(
        await app.inject({ method: 'POST', url: '/api/concerts', payload: '<concert/>', headers: { 'content-type': 'application/xml' } }),
        415,
        'unsupported-media-type',
      );
      assertProblem(await app.inject({ method: 'POST', url: '/api/concerts', payload: '{"name":', headers: json }), 400, 'invalid-request');
      assertProblem(await app.inject({ method: 'POST', url: '/api/concerts', payload: '', headers: json }), 400, 'invalid-request');
      assertProblem(await app.inject({ method: 'GET', url: '/api/concerts/%E0%A4%A' }), 400, 'invalid-request');
    });

    it('the Bearer scheme is case-insensitive (RFC 9110)', async () => {
      for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
        const response = await app.inject({ method: 'GET', url: '/api/admin/chaos', headers: { authorization: `${scheme} test-admin-token` } });
        assert.equal(response.statusCode, 200, `${scheme}: ${response.body}`);
      }
      assertProblem(await app.inject({ method: 'GET', url: '/api/admin/chaos', headers: { authorization: 'Basic test-admin-token' } }), 401, 'unauthorized');
    });

    it('counted none of it as a server failure: no 5xx in the metrics, purchases rejected as 4xx', async () => {
      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.doesNotMatch(metrics, /http_requests_total\{[^}]*status_code="5\d\d"/);
      assert.match(metrics, /http_requests_total\{method="POST",route="\/api\/concerts\/:id\/orders",status_code="404"\} [1-9]/);
    });
  });
}

describe('the OpenAPI document', () => {
  it('lists every status the routes can now answer', async () => {
    const test = await buildTestApp('postgres');
    try {
      const document = (await test.app.inject({ method: 'GET', url: '/openapi.json' })).json();
      const statuses = (path: string, method: string) => Object.keys(document.paths[path][method].responses).map(Number);
      for (const status of [400, 404, 408, 409, 413, 414, 415, 422, 431, 502, 503, 504]) {
        assert.ok(statuses('/api/concerts/{id}/orders', 'post').includes(status), `POST orders lists ${status}`);
      }
      for (const status of [400, 408, 413, 415, 431, 503, 504]) assert.ok(statuses('/api/concerts', 'post').includes(status), `POST concerts lists ${status}`);
      for (const status of [400, 404, 414, 431, 503]) assert.ok(statuses('/api/concerts/{id}', 'get').includes(status), `GET concert lists ${status}`);
      for (const status of [400, 431, 503]) assert.ok(statuses('/api/concerts', 'get').includes(status), `GET concerts lists ${status}`);
    } finally {
      await test.close();
    }
  });
});

describe('answers from before routing are problems too (real sockets)', () => {
  let test: TestApp;
  let port: number;
  before(async () => {
    test = await buildTestApp('postgres', { env: { REQUEST_TIMEOUT_MS: '1000' } });
    await test.app.listen({ host: '127.0.0.1', port: 0 });
    port = (test.app.server.address() as { port: number }).port;
  });
  after(() => test?.close());

  it('a 20 kB header is a 431 problem', async () => {
    const raw = await rawHttp(port, [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`]);
    const answer = problemFromRaw(raw);
    assert.equal(answer.status, 431);
    assert.match(answer.contentType, /^application\/problem\+json/);
    assert.match(answer.body.type, /\/headers-too-large$/);
  });

  it('a body that never finishes is cut off with a 408 problem after REQUEST_TIMEOUT_MS', async () => {
    const started = Date.now();
    const raw = await rawHttp(port, [
      `POST /api/concerts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"name":`,
    ]);
    const answer = problemFromRaw(raw);
    assert.equal(answer.status, 408, raw);
    assert.match(answer.contentType, /^application\/problem\+json/);
    assert.match(answer.body.type, /\/request-timeout$/);
    assert.ok(Date.now() - started < 6_000, `cut off near the 1 s timeout, took ${Date.now() - started} ms`);
  });

  it('headers sent byte by byte (slowloris) are cut off too', async () => {
    const started = Date.now();
    const request = 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(40);
    const raw = await rawHttp(port, request.split(''), { gapMs: 100 });
    assert.equal(problemFromRaw(raw).status, 408, raw);
    assert.ok(Date.now() - started < 6_000);
  });

  it('malformed HTTP is a 400 problem', async () => {
    const answer = problemFromRaw(await rawHttp(port, ['NOT HTTP AT ALL\r\n\r\n']));
    assert.equal(answer.status, 400);
    assert.match(answer.contentType, /^application\/problem\+json/);
  });
});
