/**
 * The numbers the alerts fire at, each written once. The rules (rules.ts) interpolate them and the
 * dashboards (observability/grafana/src/alert-thresholds.ts) colour their panels at the same values.
 * Why each number is what it is: the comment above its alert in rules.ts, and docs/alerts.md.
 */
const MiB = 1024 * 1024;

export const THRESHOLDS = {
  /** Purchases answered 5xx / purchases not answered 4xx, over 30 s (PurchaseFailureRateHigh). */
  purchaseFailureRatio: 0.1,
  /** Purchase attempts/s below which the failure share is not judged. */
  purchaseAttemptsFloor: 1,
  /** p95 latency of one route over 30 s, seconds (HighRequestLatency). */
  latencyP95Seconds: 0.5,
  /** Requests/s on a route below which its latency is not judged. */
  routeRequestsFloor: 1,
  /** Public GETs answered 5xx / public GETs, over 1 m (ReadErrorRateHigh). */
  readErrorRatio: 0.05,
  /** Public GETs/s below which the read error share is not judged. */
  readRequestsFloor: 1,
  /** Statements/s failing for lack of a database (DatabaseUnreachable). */
  dbUnavailableErrorsPerSecond: 0.1,
  /** p95 of the API's database statements, seconds (DatabaseSlow). */
  dbQueryP95Seconds: 0.1,
  dbQueriesFloor: 1,
  /** Statements waiting for a pool connection (DbPoolSaturated). */
  dbPoolWaiting: 5,
  /** Restarts of one replica within 5 minutes (ApiRestarting). */
  restartsIn5m: 2,
  /** Resident memory extrapolated one hour ahead, bytes (MemoryGrowing): the container limit. */
  memoryPredictedBytes: 1024 * MiB,
  /** Share of its 10-minute high the memory must still hold for MemoryGrowing: a drop (a heal, a restart) ends it. */
  memoryNearHighRatio: 0.8,
  /** Longest event-loop block within a minute, seconds (EventLoopStalls). */
  eventLoopStallSeconds: 0.5,
  /** Busy share of the host's CPUs (HostCpuHigh). */
  hostCpuRatio: 0.9,
  /** Available share of the host's memory (HostMemoryLow). */
  hostMemoryAvailableRatio: 0.1,
  /** CPU of one replica, in cores (HighCpu): Node runs JavaScript on one thread. */
  cpuCores: 0.9,
  /** Resident memory of one replica with PostgreSQL, bytes (HighMemory). */
  residentMemoryBytes: 512 * MiB,
  /** The same with the embedded PGlite (a whole PostgreSQL in WebAssembly in the process). */
  residentMemoryPgliteBytes: 1536 * MiB,
  /** p99 event-loop lag, seconds (EventLoopLag). */
  eventLoopLagSeconds: 0.2,
} as const;
