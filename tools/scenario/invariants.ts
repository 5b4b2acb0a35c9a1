// The business invariants a scenario can require, checked through the public API after the run:
// no concert oversold (0 ≤ sold ≤ capacity, sold + available = capacity), and every order the API
// answered 201 for can be read back (it is stored, not just acknowledged).
import type { Check } from './verdict.js';
import type { LoadDriver } from './load-driver.js';

interface Concert {
  id: string;
  name: string;
  capacity: number;
  ticketsSold: number;
  ticketsAvailable: number;
}

/** Checking every order of a long run would be a load test of its own: a spread sample is read. */
const MAX_ORDERS_READ = 300;

async function getJson<T>(url: string): Promise<{ status: number; body?: T }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  return { status: response.status, body: response.ok ? (JSON.parse(text) as T) : undefined };
}

/** The API may still be recovering from the last fault (a crash loop, a database outage): wait for /readyz. */
async function waitReady(apiUrl: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ready = await fetch(`${apiUrl}/readyz`, { signal: AbortSignal.timeout(3_000) }).then((r) => r.ok, () => false);
    if (ready) return true;
    await new Promise((done) => setTimeout(done, 1_000));
  }
  return false;
}

export async function checkInvariants(apiUrl: string, load: LoadDriver): Promise<Check[]> {
  if (!(await waitReady(apiUrl, 60_000))) {
    return [{ kind: 'invariant', name: 'API ready to check the invariants', met: false, measured: 'GET /readyz never answered 200 within 60 s' }];
  }
  const concerts: Concert[] = [];
  const list = await getJson<{ items: Concert[] }>(`${apiUrl}/api/concerts?limit=200`);
  concerts.push(...(list.body?.items ?? []));
  for (const id of load.concertIds) {
    if (concerts.some((c) => c.id === id)) continue;
    const one = await getJson<Concert>(`${apiUrl}/api/concerts/${id}`);
    if (one.body) concerts.push(one.body);
  }
  const oversold = concerts.filter((c) => c.ticketsSold > c.capacity || c.ticketsSold < 0 || c.ticketsSold + c.ticketsAvailable !== c.capacity);
  const checks: Check[] = [
    {
      kind: 'invariant',
      name: 'no oversell',
      met: concerts.length > 0 && oversold.length === 0,
      measured: oversold.length
        ? oversold.map((c) => `${c.name}: sold ${c.ticketsSold} of ${c.capacity}`).join('; ')
        : `${concerts.length} concerts, none oversold`,
    },
  ];
  if (load.concertIds.length > 0) {
    // Steady traffic buys one ticket per order: sold = confirmed, plus at most the ones whose outcome
    // the buyer was not told (no answer, or 504 outcome-unknown: a purchase committed while its
    // answer was lost still counts as sold). A 5xx that says "not sold" for a sold ticket is a lie, and a miss.
    const sold = concerts.filter((c) => load.concertIds.includes(c.id)).reduce((n, c) => n + c.ticketsSold, 0);
    const confirmed = load.confirmed();
    const unanswered = load.unanswered();
    checks.push({
      kind: 'invariant',
      name: 'tickets sold match the confirmed orders',
      met: sold >= confirmed && sold <= confirmed + unanswered,
      measured: `${sold} sold, ${confirmed} answered 201, ${unanswered} unanswered or outcome-unknown`,
    });
    const ids = load.confirmedOrderIds;
    const step = Math.max(1, Math.ceil(ids.length / MAX_ORDERS_READ));
    const sample = ids.filter((_, index) => index % step === 0);
    const missing: string[] = [];
    for (const id of sample) {
      const order = await getJson<{ id: string }>(`${apiUrl}/api/orders/${id}`);
      if (order.status !== 200) missing.push(`${id} (${order.status})`);
    }
    checks.push({
      kind: 'invariant',
      name: 'every 201 is a stored order',
      met: missing.length === 0,
      measured: missing.length ? `not found: ${missing.slice(0, 5).join(', ')}` : `${sample.length} of ${ids.length} orders read back, all stored`,
    });
  }
  return checks;
}
