import type { FastifyInstance } from 'fastify';

/** Delays each public API request by the chaos latency in force, before its handler runs. */
export function addChaosLatency(app: FastifyInstance): void {
  const { chaos } = app.services;
  // A callback hook: with chaos latency off it costs no timer and no promise.
  app.addHook('preHandler', (_request, _reply, done) => {
    const delayMs = chaos.sampleLatencyMs();
    if (delayMs >= 1) setTimeout(done, delayMs);
    else done();
  });
}
