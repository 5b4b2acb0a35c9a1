// The page's only network calls: all to its own server, which proxies Prometheus, Alertmanager and
// the API. A failure carries `unreachable` and the server's one-line message for the banner.

export class RequestError extends Error {
  constructor(message, { status, unreachable = false, service } = {}) {
    super(message);
    this.name = 'RequestError';
    this.status = status;
    this.unreachable = unreachable;
    this.service = service;
  }
}

async function call(path, init) {
  let response;
  try {
    response = await fetch(path, { cache: 'no-store', ...init });
  } catch {
    throw new RequestError(`Dashboard server unreachable at ${location.origin}`, { unreachable: true, service: 'Dashboard server' });
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new RequestError(`HTTP ${response.status} from ${path}`, { status: response.status });
  }
  if (!response.ok || body?.status === 'error') {
    throw new RequestError(body?.error ?? `HTTP ${response.status}`, {
      status: response.status,
      unreachable: body?.errorType === 'unreachable',
      service: body?.service,
    });
  }
  return body;
}

export const getJson = (path) => call(path);

// The server refuses changes without the token it put into this copy of the page (CSRF).
const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';

export function putJson(path, value) {
  return call(path, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken() },
    body: JSON.stringify(value),
  });
}

const params = (values) => new URLSearchParams(values).toString();

/** Matrix result of a range query: [{ metric, values: [[seconds, "text"], ...] }]. */
export async function queryRange(query, start, end, step) {
  const body = await call(`/api/prom/query_range?${params({ query, start, end, step })}`);
  return body.data.result;
}

/** Instant query at `time`; vectors and scalars both come back as [{ metric, value }]. */
export async function queryInstant(query, time) {
  const body = await call(`/api/prom/query?${params({ query, time })}`);
  if (body.data.resultType === 'scalar') return [{ metric: {}, value: body.data.result }];
  return body.data.result;
}

export async function labelValues(label, selector, start, end) {
  const search = new URLSearchParams({ start, end });
  if (selector) {
    search.append('match[]', selector);
    const body = await call(`/api/prom/series?${search}`);
    return [...new Set(body.data.map((series) => series[label]).filter((value) => value !== undefined))].sort();
  }
  const body = await call(`/api/prom/label/${encodeURIComponent(label)}/values?${search}`);
  return body.data;
}
