import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startApi } from '../../support/api-process.js';
import { validConcert } from '../../support/app.js';
import { tallyConcert } from '../../support/invariant.js';

describe('graceful shutdown', () => {
  it('when SIGTERM arrives with purchases in flight, they all complete and the process exits 0', async () => {
    const api = await startApi();
    const concert = await (
      await fetch(`${api.url}/api/concerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...validConcert, capacity: 1000 }),
      })
    ).json();
    // Every request now takes 1.5 s, so they are certainly in flight when the signal comes.
    await api.setChaos({ failureRate: 0, latencyMs: { min: 1500, max: 1500 } });

    const inFlight = Array.from({ length: 20 }, (_, i) =>
      fetch(`${api.url}/api/concerts/${concert.id}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ quantity: 1, customerEmail: `late${i}@example.com` }),
      }).then(async (response) => ({ status: response.status, body: await response.json() })),
    );
    await new Promise((resolve) => setTimeout(resolve, 400));
    const databaseUrl = api.databaseUrl!;
    const stopping = api.process;
    stopping.kill('SIGTERM');
    const exitCode = await new Promise<number | null>((resolve) => stopping.once('exit', (code) => resolve(code)));
    const answers = await Promise.all(inFlight);

    assert.equal(exitCode, 0, api.output().slice(-3000));
    assert.deepEqual(answers.map((a) => a.status), Array(20).fill(201), 'every in-flight purchase was confirmed');
    const tally = await tallyConcert(databaseUrl, concert.id);
    assert.equal(tally.ticketsSold, 20, 'every confirmed order is in the database');
    assert.equal(tally.sumOfConfirmedQuantities, 20);
    assert.match(api.output(), /shutting down/);
    await api.stop();
  });
});
