/** Reading the API's own /metrics in benchmarks: one sample of the figures they follow. */
export interface ProcessSample {
  at: number;
  rssBytes: number;
  heapUsedBytes: number;
  eventLoopLagP99Seconds: number;
  cpuSeconds: number;
  /** http_requests_total summed by status code. */
  requestsByStatus: Record<string, number>;
  /** Lines of the exposition that are samples (not comments): the time series this replica exposes. */
  series: number;
}

export function valueOf(exposition: string, series: string): number {
  const line = exposition.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? NaN : Number(line.slice(series.length + 1));
}

export function parseSample(exposition: string, at = Date.now()): ProcessSample {
  const requestsByStatus: Record<string, number> = {};
  for (const match of exposition.matchAll(/^http_requests_total\{[^}]*status_code="(\d+)"[^}]*\} (\S+)$/gm)) {
    requestsByStatus[match[1]!] = (requestsByStatus[match[1]!] ?? 0) + Number(match[2]);
  }
  return {
    at,
    rssBytes: valueOf(exposition, 'process_resident_memory_bytes'),
    heapUsedBytes: valueOf(exposition, 'nodejs_heap_size_used_bytes'),
    eventLoopLagP99Seconds: valueOf(exposition, 'nodejs_eventloop_lag_p99_seconds'),
    cpuSeconds: valueOf(exposition, 'process_cpu_seconds_total'),
    requestsByStatus,
    series: exposition.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length,
  };
}

export async function sampleApi(url: string): Promise<ProcessSample> {
  const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  return parseSample(await response.text());
}
