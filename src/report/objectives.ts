// The service-level objectives the load test and the report judge against, in one place.
// @see docs/slo.md (the monitoring engineer's SLOs); these are the values used until it says otherwise.
export const OBJECTIVES = {
  /** p99 request latency objective, milliseconds. */
  p99Ms: 300,
  /** Share of requests allowed to fail. */
  errorRatio: 0.005,
} as const;
