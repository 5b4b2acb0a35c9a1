// A small, steady trickle of real purchases for the demo: enough attempts per second for the
// purchase alerts to judge (their floor is 1 attempt/s), far too few to load the machine. No Locust
// needed, so the demo runs wherever the stack runs.
import { setTimeout as sleep } from 'node:timers/promises';

export interface TrafficCounts {
  attempts: number;
  confirmed: number;
  paymentFailed: number;
  other: number;
}

export interface Traffic {
  counts(): TrafficCounts;
  stop(): Promise<void>;
}

export async function startTraffic(apiUrl: string, purchasesPerSecond = 4): Promise<Traffic> {
  const created = await fetch(`${apiUrl}/api/concerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'Demo Night',
      venue: 'The Local Stack',
      startsAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      capacity: 1_000_000,
      priceCents: 4_500,
    }),
    signal: AbortSignal.timeout(10_000),
  });
  if (created.status !== 201) throw new Error(`could not create the demo concert: ${created.status} ${await created.text()}`);
  const concert = (await created.json()) as { id: string };
  const counts: TrafficCounts = { attempts: 0, confirmed: 0, paymentFailed: 0, other: 0 };
  let running = true;

  const buyOne = async () => {
    counts.attempts += 1;
    try {
      const response = await fetch(`${apiUrl}/api/concerts/${concert.id}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ quantity: 1 + (counts.attempts % 3), customerEmail: `fan${counts.attempts}@demo.example` }),
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      if (response.status === 201) counts.confirmed += 1;
      else if (response.status === 502) counts.paymentFailed += 1;
      else counts.other += 1;
      // Browsing as well, so the dashboard shows more than one route.
      await (await fetch(`${apiUrl}/api/concerts/${concert.id}`, { signal: AbortSignal.timeout(10_000) })).arrayBuffer();
    } catch {
      counts.other += 1;
    }
  };

  const loop = (async () => {
    const interval = 1000 / purchasesPerSecond;
    while (running) {
      const tick = Date.now();
      void buyOne();
      await sleep(Math.max(0, interval - (Date.now() - tick)));
    }
  })();

  return {
    counts: () => ({ ...counts }),
    async stop() {
      running = false;
      await loop;
    },
  };
}
