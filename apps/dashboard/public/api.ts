// The page's only network calls: all to its own server, which proxies Prometheus, Alertmanager and
// the API. A failure carries `unreachable` and the server's one-line message for the banner.

/** The services the page depends on, as the server names them in its answers and banners. */
export type ServiceName = 'Prometheus' | 'Alertmanager' | 'API' | 'Dashboard server';

export class RequestError extends Error {
  readonly status: number | undefined;
  readonly unreachable: boolean;
  readonly service: ServiceName | undefined;

  constructor(message: string, { status, unreachable = false, service }: { status?: number; unreachable?: boolean; service?: ServiceName | undefined } = {}) {
    super(message);
    this.name = 'RequestError';
    this.status = status;
    this.unreachable = unreachable;
    this.service = service;
  }

  /** A caught value as a RequestError: the page's own bugs become one too, so banners can show them. */
  static from(error: unknown): RequestError {
    if (error instanceof RequestError) return error;
    return new RequestError(error instanceof Error ? error.message : String(error));
  }
}

/** The error fields the dashboard server and Prometheus put into a refusal. */
interface ErrorBody {
  status?: string;
  error?: string;
  errorType?: string;
  service?: ServiceName;
}

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { cache: 'no-store', ...init });
  } catch {
    throw new RequestError(`Dashboard server unreachable at ${location.origin}`, { unreachable: true, service: 'Dashboard server' });
  }
  let body: (T & ErrorBody) | undefined;
  try {
    body = (await response.json()) as T & ErrorBody;
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
  return body as T;
}

export const getJson = <T>(path: string): Promise<T> => call<T>(path);

// The server refuses changes without the token it put into this copy of the page (CSRF).
const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';

export function putJson<T>(path: string, value: unknown): Promise<T> {
  return call<T>(path, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken() },
    body: JSON.stringify(value),
  });
}

const params = (values: Record<string, string | number>): string =>
  new URLSearchParams(Object.entries(values).map(([key, value]) => [key, String(value)])).toString();

/** A sample as Prometheus's HTTP API writes it: [unix seconds, "value as text"]. */
export type Sample = [seconds: number, text: string];
export type Labels = Record<string, string>;
export interface RangeSeries {
  metric: Labels;
  values: Sample[];
}
export interface InstantSample {
  metric: Labels;
  value: Sample;
}

/** Matrix result of a range query: [{ metric, values: [[seconds, "text"], ...] }]. */
export async function queryRange(query: string, start: number, end: number, step: number): Promise<RangeSeries[]> {
  const body = await call<{ data: { result: RangeSeries[] } }>(`/api/prom/query_range?${params({ query, start, end, step })}`);
  return body.data.result;
}

/** Instant query at `time`; vectors and scalars both come back as [{ metric, value }]. */
export async function queryInstant(query: string, time: number): Promise<InstantSample[]> {
  const body = await call<{ data: { resultType: string; result: InstantSample[] | Sample } }>(`/api/prom/query?${params({ query, time })}`);
  if (body.data.resultType === 'scalar') return [{ metric: {}, value: body.data.result as Sample }];
  return body.data.result as InstantSample[];
}

export async function labelValues(label: string, selector: string | undefined, start: number, end: number): Promise<string[]> {
  const search = new URLSearchParams({ start: String(start), end: String(end) });
  if (selector) {
    search.append('match[]', selector);
    const body = await call<{ data: Labels[] }>(`/api/prom/series?${search}`);
    return [...new Set(body.data.map((series) => series[label]).filter((value): value is string => value !== undefined))].sort();
  }
  const body = await call<{ data: string[] }>(`/api/prom/label/${encodeURIComponent(label)}/values?${search}`);
  return body.data;
}
