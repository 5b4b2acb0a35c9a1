import type { FastifyInstance, FastifyRequest, onResponseHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { OrderOutcome } from './metrics.js';
import { SoldConcerts } from './sold-concerts.js';

/** Paths that are not traffic: they would drown the RED figures in scrapes and probes. */
const UNTRACKED_ROUTES = new Set(['/metrics', '/healthz', '/readyz']);
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
export const UNMATCHED_ROUTE = '__unmatched__';
const ORDER_ROUTE = '/api/concerts/:id/orders';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the order route when a purchase attempt reached a business outcome. */
    orderOutcome?: { outcome: OrderOutcome; quantity: number; totalCents: number };
  }
}

/**
 * All HTTP and business instrumentation in one place: routes only tag the request with what
 * happened; this plugin turns it into metrics when the response is sent.
 */
async function metricsPlugin(app: FastifyInstance): Promise<void> {
  const { metrics, db, chaos, concerts, config } = app.services;
  const httpMetrics = config.httpMetrics;
  const soldConcerts = new SoldConcerts();

  chaos.onChange((settings) => {
    metrics.chaosFailureRate.set(settings.failureRate);
    metrics.chaosLatencyMin.set(settings.latencyMs.min / 1000);
    metrics.chaosLatencyMax.set(settings.latencyMs.max / 1000);
    metrics.chaosDatabaseSlow.set(settings.database.slowMs / 1000);
    metrics.chaosDatabaseOutage.set(settings.database.outage ? 1 : 0);
    metrics.chaosCpuBurn.set(settings.cpuBurn.threads);
    metrics.chaosEventLoopStall.set(settings.eventLoopStall.ms / 1000);
    metrics.chaosEventLoopStallInterval.set(settings.eventLoopStall.everySeconds);
    metrics.chaosCrashAfter.set(settings.crash.exitAfterSeconds);
    metrics.chaosReadErrorRate.set(settings.readErrorRate);
  });

  // One pair of labelled children per (method, route, status): prom-client then skips hashing the
  // label set on every request. Bounded, since all three labels are.
  const children = new Map<string, { requests: { inc(): void }; duration: { observe(seconds: number): void } }>();
  const childrenFor = (method: string, route: string, statusCode: number) => {
    const key = `${method} ${route} ${statusCode}`;
    let child = children.get(key);
    if (!child) {
      const labels = { method, route, status_code: String(statusCode) };
      child = { requests: metrics.httpRequests.labels(labels), duration: metrics.httpDuration.labels(labels) };
      children.set(key, child);
    }
    return child;
  };

  // Each route gets its own response hook that already knows its template, so the hot path never
  // calls Fastify's request.routeOptions getter (it builds an object per call). Callback hooks, not
  // async ones: no promise per request. Routes registered before this plugin (the /docs UI) are
  // not traffic and stay out.
  app.addHook('onRoute', (routeOptions) => {
    if (UNTRACKED_ROUTES.has(routeOptions.url)) return;
    const route = routeOptions.url;
    const hook: onResponseHookHandler = (request, reply, done) => {
      if (httpMetrics) record(request, route, reply.statusCode, reply.elapsedTime);
      done();
    };
    const existing = routeOptions.onResponse;
    routeOptions.onResponse = existing === undefined ? [hook] : [...(Array.isArray(existing) ? existing : [existing]), hook];
  });
  app.addHook('onResponse', (request, reply, done) => {
    if (httpMetrics && request.is404) record(request, UNMATCHED_ROUTE, reply.statusCode, reply.elapsedTime);
    done();
  });

  function record(request: FastifyRequest, route: string, statusCode: number, elapsedMs: number): void {
    const child = childrenFor(
      KNOWN_METHODS.has(request.method) ? request.method : 'OTHER',
      route,
      statusCode,
    );
    child.requests.inc();
    child.duration.observe(elapsedMs / 1000);

    if (route !== ORDER_ROUTE || request.method !== 'POST') return;
    const tagged = request.orderOutcome;
    if (tagged) {
      metrics.orders.inc({ outcome: tagged.outcome });
      if (tagged.outcome === 'confirmed') {
        soldConcerts.note((request.params as { id: string }).id);
        metrics.ticketsSold.inc(tagged.quantity);
        metrics.revenue.inc(tagged.totalCents);
      }
    } else if (statusCode >= 400 && statusCode < 500) {
      metrics.orders.inc({ outcome: 'rejected' });
    }
  }

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const pool = db.poolStats();
    metrics.dbInUse.set(pool.inUse);
    metrics.dbWaiting.set(pool.waiting);
    const sold = soldConcerts.take();
    try {
      // Under overload the scrape must not queue behind purchases: the gauges keep their values.
      if (pool.waiting > 0) throw new Error(`${pool.waiting} statements are waiting for the database`);
      const snapshot = await concerts.salesSnapshot(5, sold);
      metrics.concertsOnSale.set(snapshot.onSale);
      metrics.sellThrough.reset();
      for (const concert of snapshot.busiest) {
        metrics.sellThrough.set(
          { concert_id: concert.id, concert_name: concert.name.slice(0, 60) },
          concert.ticketsSold / concert.capacity,
        );
      }
    } catch (error) {
      soldConcerts.restore(sold);
      // Sales gauges keep their last values; the process metrics still matter most in an outage.
      app.log.warn({ err: error }, 'could not refresh sales gauges');
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}

export default fp(metricsPlugin, { name: 'metrics', dependencies: ['services'] });
