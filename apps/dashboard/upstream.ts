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

/**
 * An answer longer than the cap: reading stopped there (so memory stays bounded) and the
 * connection was dropped. The page reports it like any failed query.
 */
export class UpstreamAnswerTooLargeError extends Error {
  override name = 'UpstreamAnswerTooLargeError';
  constructor(
    readonly service: string,
    readonly baseUrl: string,
    readonly maxBytes: number,
  ) {
    super(`${service} at ${baseUrl} answered more than ${maxBytes} bytes (DASHBOARD_UPSTREAM_MAX_BYTES); the answer was dropped`);
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

export function createUpstream(service: string, baseUrl: string, timeoutMs: number, maxBytes: number): Upstream {
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
        body = await readCapped(response, maxBytes);
      } catch (error) {
        if (error instanceof AnswerTooLarge) throw new UpstreamAnswerTooLargeError(service, baseUrl, maxBytes);
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

class AnswerTooLarge extends Error {}

/** The body as text, read chunk by chunk and abandoned as soon as it passes maxBytes. */
async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    void response.body?.cancel().catch(() => {});
    throw new AnswerTooLarge();
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      // Cancelling closes the connection, so the rest is never received.
      void reader.cancel().catch(() => {});
      throw new AnswerTooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total).toString('utf8');
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
