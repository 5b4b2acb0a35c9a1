// The objectives the load test and the report judge against: the SLOs of docs/slo.md as one run
// sees them — p99 of every request within 250 ms (latency SLO: 99 % within 250 ms) and at most 3 %
// of purchase attempts failing (availability SLO 97 %; the 2 % background payment failures of the
// default chaos fit inside it). The numbers live in tools/load/objectives.json, which the locustfile's
// ramp reads too, so the ramp's stop and the report's verdict can never disagree on them.
import { readFileSync } from 'node:fs';

const file = new URL('../load/objectives.json', import.meta.url);
const raw = JSON.parse(readFileSync(file, 'utf8')) as { p99Ms: number; purchaseErrorRatio: number };

export const OBJECTIVES = {
  /** p99 request latency objective, milliseconds (all requests). */
  p99Ms: raw.p99Ms,
  /** Share of purchase attempts (POST /api/concerts/:id/orders) allowed to fail. */
  errorRatio: raw.purchaseErrorRatio,
} as const;
