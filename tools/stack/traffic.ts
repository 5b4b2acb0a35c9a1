// Steady, bounded traffic against the API, without Locust: what the demo drives, and what the
// alerting tests and the time-to-detect benchmark use. Enough purchase attempts per second for the
// alert rules' floors, far too few to load the machine.

export interface TrafficOptions {
  /** Purchase attempts per second (spread evenly; each buys 1 ticket). */
  purchasesPerSecond: number;
  /** GET /api/concerts/:id per second. */
  readsPerSecond: number;
  /** Hard stop, whatever happens (bounded load on a shared machine). */
  maxDurationMs: number;
  /** Requests allowed in flight at once; beyond it ticks are skipped (and counted). */
  maxInFlight?: number;
  concertName?: string;
  /** Called with the id of every order answered 201 (the scenario runner checks each one is stored). */
  onConfirmed?: (orderId: string) => void;
}

export interface Traffic {
  concertId: string;
  /** Answers by kind and status, e.g. `purchase 201`, `purchase 502`, `read 200`, `purchase error` (no HTTP answer), and `skipped` ticks. */
  counts(): Record<string, number>;
  stop(): Promise<void>;
}

/**
 * Steady, bounded load on one or more API replicas (round robin): a large concert created first,
 * then a fixed rate of purchases and reads — enough for the rules' minimum-rate guards (≥ 1
 * purchase attempt/s, ≥ 1 request/s per route) on a 2-core machine.
 */
export async function startTraffic(apiUrls: string[], options: TrafficOptions): Promise<Traffic> {
  const create = await fetch(`${apiUrls[0]}/api/concerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: options.concertName ?? 'Steady Traffic Festival',
      venue: 'Loopback Arena',
      startsAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      capacity: 1_000_000,
      priceCents: 4_500,
    }),
  });
  if (create.status !== 201) throw new Error(`creating the concert failed: ${create.status} ${await create.text()}`);
  const concertId = ((await create.json()) as { id: string }).id;

  const counts: Record<string, number> = {};
  const count = (key: string) => (counts[key] = (counts[key] ?? 0) + 1);
  const maxInFlight = options.maxInFlight ?? 200;
  const inFlight = new Set<Promise<void>>();
  let next = 0;
  let seq = 0;
  const send = (kind: 'purchase' | 'read', path: string, init?: RequestInit) => {
    if (inFlight.size >= maxInFlight) return count('skipped');
    const base = apiUrls[next++ % apiUrls.length];
    const request = fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(10_000) })
      .then(async (response) => {
        const body = await response.arrayBuffer();
        count(`${kind} ${response.status}`);
        if (kind === 'purchase' && response.status === 201 && options.onConfirmed) {
          options.onConfirmed((JSON.parse(Buffer.from(body).toString('utf8')) as { id: string }).id);
        }
      })
      .catch(() => void count(`${kind} error`))
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  };
  const purchase = () =>
    send('purchase', `/api/concerts/${concertId}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ quantity: 1, customerEmail: `fan${seq++}@bench.test` }),
    });
  const read = () => send('read', `/api/concerts/${concertId}`);

  const timers = [
    options.purchasesPerSecond > 0 ? setInterval(purchase, 1000 / options.purchasesPerSecond) : undefined,
    options.readsPerSecond > 0 ? setInterval(read, 1000 / options.readsPerSecond) : undefined,
  ];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const timer of timers) if (timer) clearInterval(timer);
    clearTimeout(deadline);
    await Promise.allSettled([...inFlight]);
  };
  const deadline = setTimeout(() => void stop(), options.maxDurationMs);
  return { concertId, counts: () => ({ ...counts }), stop };
}
