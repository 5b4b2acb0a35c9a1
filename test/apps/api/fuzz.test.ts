import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { TObject, TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { NewConcertSchema, NewOrderSchema } from '../../../packages/contract/index.js';
import { buildTestApp, validConcert, type DatabaseKind, type TestApp } from '../../support/app.js';

/**
 * Property-based fuzzing of the real API (in-process, real PostgreSQL and PGlite): thousands of
 * hostile requests generated from the route schemas. Every answer must be < 500, every error a
 * problem document, and what was sold must equal what the 201s confirmed.
 * Runs are sized so both databases together stay well under two minutes on the CI machine.
 */
const RUNS = { create: 1_000, purchase: 2_000, list: 600, read: 600 };

type Injected = Awaited<ReturnType<FastifyInstance['inject']>>;

function assertTruthful(response: Injected, what: string): void {
  assert.ok(response.statusCode < 500, `${what} → ${response.statusCode} ${response.body.slice(0, 300)}`);
  if (response.statusCode >= 400) {
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/, what);
    const problem = response.json();
    assert.equal(problem.status, response.statusCode, what);
    assert.equal(typeof problem.type, 'string', what);
    assert.equal(typeof problem.title, 'string', what);
  }
}

// --- hostile values ---------------------------------------------------------------------------

const pad = (n: number, width: number) => String(n).padStart(width, '0');
/** RFC 3339-shaped text with every field allowed to leave its range (year 0, +24:00 offsets, second 61). */
const dateText = fc
  .record({
    y: fc.integer({ min: 0, max: 9999 }),
    mo: fc.integer({ min: 0, max: 13 }),
    d: fc.integer({ min: 0, max: 32 }),
    h: fc.integer({ min: 0, max: 25 }),
    mi: fc.integer({ min: 0, max: 61 }),
    s: fc.integer({ min: 0, max: 61 }),
    frac: fc.constantFrom('', '.5', '.123456789'),
    zone: fc.oneof(
      fc.constantFrom('Z', 'z', '', '+00:00'),
      fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 60 })).map(
        ([sign, h, m]) => `${sign}${pad(h, 2)}:${pad(m, 2)}`,
      ),
    ),
    sep: fc.constantFrom('T', 't', ' '),
  })
  .map((p) => `${pad(p.y, 4)}-${pad(p.mo, 2)}-${pad(p.d, 2)}${p.sep}${pad(p.h, 2)}:${pad(p.mi, 2)}:${pad(p.s, 2)}${p.frac}${p.zone}`);

const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 10 }).map((s) => `${s}\u0000${s}`),
  fc.constantFrom('', ' ', '\u0000', '\ud800', "'; DROP TABLE concerts; --", '%00', '../../etc/passwd', 'x'.repeat(201), 'é'.repeat(200)),
);

/** Values for one schema property: mostly in range, often just outside it, sometimes anything. */
function valueFor(schema: TSchema): fc.Arbitrary<unknown> {
  const s = schema as { type?: string; minimum?: number; maximum?: number; minLength?: number; maxLength?: number; format?: string };
  const wild = fc.oneof(fc.anything(), hostileString, fc.double(), fc.constantFrom(null, true, [], {}, 1e308, -0, Number.MAX_SAFE_INTEGER + 2));
  if (s.type === 'integer') {
    const min = s.minimum ?? -1e6;
    const max = s.maximum ?? 1e6;
    return fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min, max: Math.min(max, min + 50) }) },
      { weight: 2, arbitrary: fc.constantFrom(min - 1, max + 1, min, max, 2 ** 31, -(2 ** 31) - 1) },
      { weight: 1, arbitrary: fc.double({ min: min - 2, max: max + 2 }) },
      { weight: 1, arbitrary: wild },
    );
  }
  if (s.format === 'date-time') return fc.oneof({ weight: 5, arbitrary: dateText }, { weight: 1, arbitrary: wild });
  if (s.format === 'email') {
    return fc.oneof({ weight: 5, arbitrary: fc.emailAddress() }, { weight: 1, arbitrary: hostileString.map((x) => `${x}@example.com`) }, { weight: 1, arbitrary: wild });
  }
  return fc.oneof({ weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 60 }) }, { weight: 3, arbitrary: hostileString }, { weight: 1, arbitrary: wild });
}

/** A body for an object schema: each property present (fuzzed) or missing, sometimes an extra one. */
function bodyFor(schema: TObject): fc.Arbitrary<unknown> {
  const fields = Object.fromEntries(Object.entries(schema.properties).map(([name, property]) => [name, valueFor(property)]));
  const object = fc.record(fields, { requiredKeys: [] });
  return fc.oneof(
    { weight: 8, arbitrary: fc.tuple(object, fc.option(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { maxKeys: 2 }))).map(([o, extra]) => ({ ...o, ...(extra ?? {}) })) },
    { weight: 1, arbitrary: fc.jsonValue() },
  );
}

const uuid = fc.uuid();
/** A path segment: real ids, upper-case ids, text, raw bytes (invalid UTF-8 too), long strings. */
function pathId(known: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...known) },
    { weight: 2, arbitrary: fc.constantFrom(...known).map((id) => id.toUpperCase()) },
    { weight: 1, arbitrary: uuid },
    { weight: 2, arbitrary: fc.string({ maxLength: 120 }).map(encodeURIComponent) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((bytes) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')) },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '..', '%2F', 'a'.repeat(101)) },
  );
}

/** Header values HTTP can carry: visible ASCII and obs-text. */
const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 220 });

// --- the properties ---------------------------------------------------------------------------

for (const kind of ['postgres', 'pglite'] as DatabaseKind[]) {
  describe(`fuzzing the API on ${kind}`, () => {
    let test: TestApp;
    let app: FastifyInstance;
    const concerts: string[] = [];
    /** Tickets confirmed by a fresh (not replayed) 201, per concert. */
    const confirmed = new Map<string, number>();

    before(async () => {
      test = await buildTestApp(kind);
      app = test.app;
      for (const capacity of [25, 60, 1_000]) {
        const concert = (await app.inject({ method: 'POST', url: '/api/concerts', payload: { ...validConcert, capacity } })).json();
        concerts.push(concert.id);
        confirmed.set(concert.id, 0);
      }
    });
    after(() => test?.close());

    it(`POST /api/concerts: ${RUNS.create} generated bodies`, async () => {
      let created = 0;
      await fc.assert(
        fc.asyncProperty(bodyFor(NewConcertSchema), fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded'), async (body, contentType) => {
          const response = await app.inject({ method: 'POST', url: '/api/concerts', payload: JSON.stringify(body), headers: { 'content-type': contentType } });
          assertTruthful(response, `POST /api/concerts ${JSON.stringify(body)}`);
          if (response.statusCode === 201) {
            created += 1;
            const concert = response.json();
            assert.equal(concert.ticketsSold, 0);
            assert.ok(!Number.isNaN(Date.parse(concert.startsAt)) && concert.startsAt.endsWith('Z'));
          }
        }),
        { numRuns: RUNS.create },
      );
      assert.ok(created > 0, 'the generators also produce valid concerts, so the happy path is fuzzed too');
    });

    it(`POST /api/concerts/:id/orders: ${RUNS.purchase} generated purchases, nothing sold by a rejected one`, async () => {
      const keys = ['k-1', 'k-2', 'k-3', 'k-4'];
      const idempotencyKey = fc.option(fc.oneof(fc.constantFrom(...keys), headerValue), { nil: undefined });
      await fc.assert(
        fc.asyncProperty(pathId(concerts), bodyFor(NewOrderSchema), idempotencyKey, async (id, body, key) => {
          const response = await app.inject({
            method: 'POST',
            url: `/api/concerts/${id}/orders`,
            payload: JSON.stringify(body),
            headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }) },
          });
          assertTruthful(response, `POST /api/concerts/${id}/orders ${JSON.stringify(body)} key=${JSON.stringify(key)}`);
          if (response.statusCode === 201 && response.headers['idempotent-replayed'] !== 'true') {
            const order = response.json();
            confirmed.set(order.concertId, (confirmed.get(order.concertId) ?? 0) + order.quantity);
          }
        }),
        { numRuns: RUNS.purchase },
      );
      assert.ok([...confirmed.values()].some((n) => n > 0), 'some generated purchases succeeded');
      // The invariant, straight from the database: sold = sum of orders = what the 201s confirmed.
      for (const id of concerts) {
        const [row] = await app.services.db.query<{ sold: number; capacity: number; total: number }>(
          'fuzz_tally',
          `SELECT c.tickets_sold AS sold, c.capacity, coalesce((SELECT sum(quantity) FROM orders WHERE concert_id = c.id), 0)::int AS total
           FROM concerts c WHERE c.id = $1`,
          [id],
        );
        assert.equal(row!.sold, row!.total, `tickets_sold equals the sum of orders for ${id}`);
        assert.ok(row!.sold <= row!.capacity);
        assert.equal(row!.sold, confirmed.get(id), `only confirmed purchases sold tickets for ${id}`);
      }
    });

    it(`GET /api/concerts: ${RUNS.list} generated limits and cursors`, async () => {
      const cursorText = fc.oneof(
        fc.tuple(fc.oneof(dateText, fc.string({ maxLength: 30 }), fc.constantFrom('1', '0', '-1', '2027-01-01T00:00:00.000Z')), fc.oneof(uuid, fc.string({ maxLength: 40 })), fc.option(fc.string({ maxLength: 5 }))).map(
          ([date, id, extra]) => Buffer.from(`${date}|${id}${extra === null ? '' : `|${extra}`}`).toString(fc.sample(fc.constantFrom('base64', 'base64url'), 1)[0] as BufferEncoding),
        ),
        fc.string({ maxLength: 60 }),
        fc.string({ minLength: 190, maxLength: 210 }),
      );
      const limit = fc.oneof(fc.integer({ min: -5, max: 300 }), fc.string({ maxLength: 8 }), fc.constantFrom('1e2', '0x10', '50.5', ' 5'));
      await fc.assert(
        fc.asyncProperty(fc.option(limit, { nil: undefined }), fc.option(cursorText, { nil: undefined }), fc.option(fc.string({ maxLength: 10 }), { nil: undefined }), async (l, c, extra) => {
          const params = new URLSearchParams();
          if (l !== undefined) params.set('limit', String(l));
          if (c !== undefined) params.set('cursor', c);
          if (extra !== undefined) params.set(extra || 'x', '1');
          const response = await app.inject({ method: 'GET', url: `/api/concerts?${params}` });
          assertTruthful(response, `GET /api/concerts?${params}`);
        }),
        { numRuns: RUNS.list },
      );
    });

    it(`GET /api/concerts/:id and /api/orders/:id: ${RUNS.read} generated ids`, async () => {
      await fc.assert(
        fc.asyncProperty(pathId(concerts), fc.constantFrom('/api/concerts/', '/api/orders/'), async (id, prefix) => {
          const response = await app.inject({ method: 'GET', url: `${prefix}${id}` });
          assertTruthful(response, `GET ${prefix}${id}`);
        }),
        { numRuns: RUNS.read },
      );
    });

    it('counted no request as a server failure', async () => {
      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.doesNotMatch(metrics, /http_requests_total\{[^}]*status_code="5\d\d"/);
    });
  });
}
