// Calls to the services the dashboard reads from (Prometheus, Alertmanager, the API). A service that
// does not answer becomes an UpstreamUnreachableError whose message is what the page shows in its
// banner — "Prometheus unreachable at http://…" — instead of a generic fetch failure.

export class UpstreamUnreachableError extends Error {
  override name = 'UpstreamUnreachableError';
  constructor(
    readonly service: string,
    readonly baseUrl: string,
    reason: string,
  ) {
    super(`${service} unreachable at ${baseUrl} (${reason})`);
  }
}

export interface UpstreamResponse {
  status: number;
  contentType: string;
  body: string;
}

export interface Upstream {
  readonly service: string;
  readonly baseUrl: string;
  request(path: string, init?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<UpstreamResponse>;
}

export function createUpstream(service: string, baseUrl: string, timeoutMs: number): Upstream {
  return {
    service,
    baseUrl,
    async request(path, init = {}) {
      let response: Response;
      try {
        response = await fetch(`${baseUrl}${path}`, {
          method: init.method ?? 'GET',
          headers: init.headers,
          body: init.body,
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new UpstreamUnreachableError(service, baseUrl, describeFetchError(error, timeoutMs));
      }
      let body: string;
      try {
        body = await response.text();
      } catch (error) {
        throw new UpstreamUnreachableError(service, baseUrl, describeFetchError(error, timeoutMs));
      }
      // A 5xx from a proxy in front of the service, or an HTML page, is as good as no answer.
      if (response.status === 502 || response.status === 503 || response.status === 504) {
        const contentType = response.headers.get('content-type') ?? '';
        if (!contentType.includes('json')) {
          throw new UpstreamUnreachableError(service, baseUrl, `HTTP ${response.status}`);
        }
      }
      return { status: response.status, contentType: response.headers.get('content-type') ?? '', body };
    },
  };
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
    // undici hides the socket error (ECONNREFUSED, ENOTFOUND, …) in `cause`.
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code) return cause.code;
    if (cause?.message) return cause.message;
    return error.message;
  }
  return String(error);
}
