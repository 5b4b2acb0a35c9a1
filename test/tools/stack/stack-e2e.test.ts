// The newcomer's journey, end to end, with real processes: `tools/stack/cli.ts` on free ports and a
// temporary data folder → the URL table → every URL answers → traffic shows up in Prometheus →
// a payment outage (chaos failure rate 1.0 through the admin API) → PurchaseFailureRateHigh reaches
// the local sink by email and Discord → Ctrl-C → every child gone, exit code 0.
//
// Timings: Prometheus scrapes and evaluates every 1 s and Alertmanager's group_wait is 1 s (the
// documented overrides); the rule itself is the shipped one (30 s window, `for: 30s`), so the alert
// needs about 40 s of failing purchases at >= 1 attempt/s. Bounded at 3 minutes overall.
//
// The CLI is started as `node --import tsx tools/stack/cli.ts` — what `npm start` runs — rather than
// through npm: on Ctrl-C npm ends by the same signal (130 in a shell) whatever its script returned, which
// would hide the stack's own exit code. (`npm start` itself is checked in stack-units.test.ts.)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanEnv, freePortFlags, runStackCli, waitAllGone, within, type StackCli, type TableEntry } from './stack-cli.js';
import { createPrometheusClient } from '../../../packages/shared/prometheus-client.js';

let dataDir: string;
let stack: StackCli | undefined;
let childPids: number[] = [];

before(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'tp-stack-e2e-'));
});

after(async () => {
  if (stack && stack.child.exitCode === null && stack.child.signalCode === null) {
    stack.interrupt();
    await within(stack.exited, 10_000);
  }
  stack?.kill(childPids);
  rmSync(dataDir, { recursive: true, force: true });
});

async function get(url: string, init?: RequestInit): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
}

/** Throws unless Prometheus answers the query with success. */
function promQuery(prometheus: string, expr: string) {
  return createPrometheusClient(prometheus, { timeoutMs: 10_000 }).query(expr);
}

interface SinkMessage {
  kind: 'email' | 'discord';
  subject: string;
  text: string;
  accepted: boolean;
}

test('npm start: URL table, every URL answers, traffic in Prometheus, a payment outage pages through the sink, Ctrl-C leaves nothing behind', { timeout: 200_000 }, async () => {
  const started = Date.now();
  const { ports, args } = await freePortFlags();
  stack = runStackCli([...args, '--data-dir', dataDir], cleanEnv({
    PROMETHEUS_SCRAPE_INTERVAL: '1s',
    PROMETHEUS_EVALUATION_INTERVAL: '1s',
    ALERTMANAGER_GROUP_WAIT: '1s',
    ALERTMANAGER_GROUP_INTERVAL: '5s',
  }));

  const { rows, adminToken } = await stack.table(90_000);
  childPids = Object.values(rows).flatMap((row) => (row.pid ? [row.pid] : []));
  for (const [label, row] of Object.entries(rows)) {
    assert.ok(row.pid, `${label} should be running, table says: ${row.status}`);
  }
  assert.equal(new Set(childPids).size, 5, 'five distinct child processes');
  assert.ok(adminToken.length >= 16, 'a generated admin token is printed');

  // Each row points at the port given on the command line.
  const expectPort = (row: TableEntry, port: number) => assert.equal(new URL(row.url).port, String(port), row.url);
  expectPort(rows['API docs']!, ports['api-port']);
  expectPort(rows['Live dashboard']!, ports['dashboard-port']);
  expectPort(rows.Prometheus!, ports['prometheus-port']);
  expectPort(rows.Alertmanager!, ports['alertmanager-port']);
  expectPort(rows['Captured notifications']!, ports['sink-http-port']);

  // Every URL in the table answers.
  for (const [label, row] of Object.entries(rows)) {
    const response = await get(row.url);
    assert.equal(response.status, 200, `${label} ${row.url} answered ${response.status}`);
    await response.arrayBuffer();
  }
  const api = new URL(rows['API docs']!.url).origin;
  const prometheus = new URL(rows.Prometheus!.url).origin;
  const alertmanager = new URL(rows.Alertmanager!.url).origin;
  const sink = new URL(rows['Captured notifications']!.url).origin;
  const dashboard = new URL(rows['Live dashboard']!.url).origin;
  assert.equal((await get(`${prometheus}/-/ready`)).status, 200);
  assert.equal((await get(`${alertmanager}/-/ready`)).status, 200);

  // The printed token opens the admin API; the dashboard was given the same token.
  const chaosNow = await get(`${api}/api/admin/chaos`, { headers: { authorization: `Bearer ${adminToken}` } });
  assert.equal(chaosNow.status, 200);
  const dashboardChaos = await get(`${dashboard}/api/chaos`);
  assert.equal(dashboardChaos.status, 200, 'the dashboard can read chaos settings with the token it was given');

  // A little traffic: one concert, a few purchases.
  const created = await get(`${api}/api/concerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Stack E2E', venue: 'Loopback Hall', startsAt: new Date(Date.now() + 86_400_000).toISOString(), capacity: 100_000, priceCents: 1500 }),
  });
  assert.equal(created.status, 201);
  const concert = (await created.json()) as { id: string };
  let purchases = 0;
  const buy = async () => {
    purchases += 1;
    const response = await get(`${api}/api/concerts/${concert.id}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ quantity: 1, customerEmail: `fan${purchases}@example.com` }),
    });
    await response.arrayBuffer();
    return response.status;
  };
  for (let i = 0; i < 5; i++) assert.ok([201, 502].includes(await buy()));

  // Prometheus scrapes it.
  const deadline = Date.now() + 30_000;
  let seen = 0;
  while (Date.now() < deadline) {
    const result = await promQuery(prometheus, 'sum(http_requests_total{job="ticketpulse-api", route="/api/concerts/:id/orders"})');
    seen = result.length ? Number(result[0]!.value[1]) : 0;
    if (seen >= 5) break;
    await sleep(500);
  }
  assert.ok(seen >= 5, `Prometheus should count the 5 purchases (saw ${seen})`);

  // The fault: the payment provider fails every purchase.
  const outage = await get(`${api}/api/admin/chaos`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ failureRate: 1, latencyMs: { min: 0, max: 5 } }),
  });
  assert.equal(outage.status, 200);

  // Keep buying (~5 attempts/s, above the rule's 1/s floor) until the page reaches the sink.
  const alertDeadline = started + 170_000;
  let messages: SinkMessage[] = [];
  const paged = () =>
    ['email', 'discord'].every((kind) =>
      messages.some((message) => message.kind === kind && message.accepted && /PurchaseFailureRateHigh/.test(message.subject + message.text)),
    );
  while (!paged() && Date.now() < alertDeadline) {
    const statuses = await Promise.all([buy(), buy()]);
    assert.ok(statuses.every((status) => status === 502), `purchases should fail during the outage, got ${statuses}`);
    messages = (await (await get(`${sink}/api/messages`)).json()) as SinkMessage[];
    await sleep(400);
  }
  assert.ok(paged(), `PurchaseFailureRateHigh should reach the sink by email and Discord; sink holds: ${JSON.stringify(messages.map((m) => [m.kind, m.subject]))}`);

  // Ctrl-C: everything stops, nothing is left, exit code 0.
  const interruptedAt = Date.now();
  stack.interrupt();
  const exit = await within(stack.exited, 20_000);
  assert.ok(exit, `the stack should exit within 20 s of Ctrl-C; output:\n${stack.output().slice(-3000)}`);
  assert.deepEqual(exit, { code: 0, signal: null }, stack.output().slice(-2000));
  const left = await waitAllGone([stack.child.pid!, ...childPids], 2_000);
  assert.deepEqual(left, [], `no child may outlive the stack (still alive: ${left})`);
  assert.ok(Date.now() - interruptedAt < 15_000, 'stopping takes seconds');
  assert.match(stack.output(), /stopped in \d+\.\d s/);
});
