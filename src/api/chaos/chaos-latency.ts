import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';

/** Delays each public API request by the chaos latency in force, before its handler runs. */
export function addChaosLatency(app: FastifyInstance): void {
  const { chaos } = app.services;
  app.addHook('preHandler', async () => {
    const delayMs = chaos.sampleLatencyMs();
    if (delayMs >= 1) await sleep(delayMs);
  });
}
