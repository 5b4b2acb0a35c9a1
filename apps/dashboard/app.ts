// The live dashboard's HTTP surface: the static page, the generated Grafana dashboards, and thin
// server-side proxies to Prometheus, Alertmanager and the API's chaos endpoint. The proxies exist so
// the browser talks to one origin only (no CORS on Prometheus), the admin token never leaves the
// server, and an unreachable service is reported by name and address.
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChaosInputSchema, chaosPresets, latencyRangeError, type ChaosInput } from '../../packages/contract/index.js';
import type { DashboardConfig } from './config.js';
import { DashboardNotFoundError, listDashboards, loadDashboard } from './dashboards.js';
import { createScrapeIntervalReader } from './prometheus-settings.js';
import { CSRF_HEADER, createPageTokens } from './csrf.js';
import { allowedHostNames, hostNameOf } from './host-allowlist.js';
import { loadPageScript } from './page-bundle.js';
import { localRunbookPath, registerRunbooks } from './runbooks.js';
import { createUpstream, UpstreamAnswerTooLargeError, UpstreamUnreachableError, type Upstream } from './upstream.js';

export const REFRESH_SECONDS = 5;
export const TIME_RANGES = ['5m', '15m', '1h', '6h'] as const;

/** index.html carries this where each served copy gets its own CSRF token. */
const CSRF_PLACEHOLDER = '{{csrfToken}}';

const PUBLIC_DIR = fileURLToPath(new URL('./public', import.meta.url));
/** The bundled page script (apps/dashboard/page-bundle.ts), as index.html loads it. */
const PAGE_SCRIPT = 'main.js';
const UPLOT_DIST_DIR = dirname(createRequire(import.meta.url).resolve('uplot'));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

// Only the page's own scripts and same-origin requests: the page needs nothing else.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'", // uPlot positions its legend and cursor with inline styles
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Query parameters forwarded to each Prometheus endpoint; anything else is dropped. */
const PROMETHEUS_ROUTES: Record<string, { path: string; params: string[] }> = {
  query: { path: '/api/v1/query', params: ['query', 'time', 'timeout'] },
  query_range: { path: '/api/v1/query_range', params: ['query', 'start', 'end', 'step', 'timeout'] },
  series: { path: '/api/v1/series', params: ['match[]', 'start', 'end'] },
  labels: { path: '/api/v1/labels', params: ['match[]', 'start', 'end'] },
};


export async function buildDashboardApp(config: DashboardConfig): Promise<FastifyInstance> {
  // Panels poll every 5 s: per-request logs would drown everything else.
  const app = Fastify({ logger: { level: config.logLevel }, logController: new LogController({ disableRequestLogging: true }) });
  const upstream = (service: string, url: string) => createUpstream(service, url, config.upstreamTimeoutMs, config.upstreamMaxBytes);
  const prometheus = upstream('Prometheus', config.prometheusUrl);
  const alertmanager = upstream('Alertmanager', config.alertmanagerUrl);
  const api = upstream('API', config.apiUrl);
  const scrapeInterval = createScrapeIntervalReader(prometheus);
  const staticFiles = await collectStaticFiles();
  const pageScript = await loadPageScript();
  const allowedHosts = allowedHostNames(config.host, config.allowedHosts);
  const pageTokens = createPageTokens();
  const indexHtml = await readFile(join(PUBLIC_DIR, 'index.html'), 'utf8');
  if (!indexHtml.includes(CSRF_PLACEHOLDER)) throw new Error(`index.html lacks the ${CSRF_PLACEHOLDER} placeholder`);

  // Before anything else, so a refused Host learns nothing and gets no token. /healthz is exempt:
  // probes (kubelet) address the pod by IP, and it tells nothing.
  app.addHook('onRequest', async (request, reply) => {
    if (request.url === '/healthz') return;
    const host = hostNameOf(request.headers.host);
    if (host === undefined || !allowedHosts.has(host)) {
      return reply.code(421).send({
        error: `host ${JSON.stringify(request.headers.host ?? '')} is not served here; add its name to DASHBOARD_ALLOWED_HOSTS`,
      });
    }
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('cache-control', 'no-store');
    return payload;
  });

  app.setErrorHandler((error: Error & { statusCode?: number; validation?: unknown }, request, reply) => {
    if (error instanceof UpstreamUnreachableError) return sendUnreachable(reply, error);
    if (error instanceof UpstreamAnswerTooLargeError) {
      return reply.code(502).send({ status: 'error', errorType: 'too_large', service: error.service, error: error.message });
    }
    if (error instanceof DashboardNotFoundError) return reply.code(404).send({ error: error.message });
    if (error.validation) return reply.code(400).send({ error: error.message });
    request.log.error({ err: error }, 'dashboard request failed');
    return reply.code(error.statusCode && error.statusCode < 500 ? error.statusCode : 500).send({ error: error.message });
  });

  app.get('/', async (_request, reply) =>
    reply.type(CONTENT_TYPES['.html']!).send(indexHtml.replace(CSRF_PLACEHOLDER, pageTokens.issue())),
  );
  app.get('/static/:name', async (request: FastifyRequest<{ Params: { name: string } }>, reply) => {
    if (request.params.name === PAGE_SCRIPT) return reply.type(CONTENT_TYPES['.js']!).send(pageScript);
    const path = staticFiles.get(request.params.name);
    if (!path) return reply.code(404).send({ error: 'not found' });
    return sendFile(reply, path);
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  await registerRunbooks(app);
  // Grafana's dashboard URLs (/d/<uid>/<slug>), as alert notifications link them, open here too.
  app.get('/d/:uid', async (request: FastifyRequest<{ Params: { uid: string } }>, reply) => redirectToDashboard(request, reply));
  app.get('/d/:uid/:slug', async (request: FastifyRequest<{ Params: { uid: string } }>, reply) => redirectToDashboard(request, reply));

  app.get('/api/config', async () => {
    const interval = await scrapeInterval();
    return {
      refreshSeconds: REFRESH_SECONDS,
      timeRanges: TIME_RANGES,
      prometheusUrl: config.prometheusUrl,
      alertmanagerUrl: config.alertmanagerUrl,
      apiUrl: config.apiUrl,
      chaosEnabled: config.adminToken !== undefined,
      scrapeIntervalSeconds: interval.seconds,
      scrapeIntervalKnown: interval.known,
    };
  });

  app.get('/api/dashboards', async () => ({ dashboards: await listDashboards(config.dashboardsDir) }));
  app.get('/api/dashboards/:uid', async (request: FastifyRequest<{ Params: { uid: string } }>) =>
    loadDashboard(config.dashboardsDir, request.params.uid),
  );

  for (const [name, route] of Object.entries(PROMETHEUS_ROUTES)) {
    app.get(`/api/prom/${name}`, async (request, reply) =>
      forward(reply, prometheus, `${route.path}?${pickParams(request, route.params)}`),
    );
  }
  app.get('/api/prom/label/:name/values', async (request: FastifyRequest<{ Params: { name: string } }>, reply) => {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(request.params.name)) {
      return reply.code(400).send({ status: 'error', errorType: 'bad_data', error: 'invalid label name' });
    }
    return forward(reply, prometheus, `/api/v1/label/${request.params.name}/values?${pickParams(request, ['match[]', 'start', 'end'])}`);
  });

  app.get('/api/alerts', async () => {
    const response = await alertmanager.request('/api/v2/alerts?active=true&silenced=false&inhibited=false');
    if (response.status !== 200) {
      throw new UpstreamUnreachableError('Alertmanager', alertmanager.baseUrl, `HTTP ${response.status}`);
    }
    const alerts = JSON.parse(response.body) as AlertmanagerAlert[];
    return { alerts: alerts.filter((alert) => alert.status?.state === 'active').map(toAlertView) };
  });

  app.get('/api/chaos', async (_request, reply) => {
    if (!config.adminToken) return { enabled: false, reason: 'ADMIN_TOKEN is not set for the dashboard server' };
    const response = await api.request('/api/admin/chaos', { headers: { authorization: `Bearer ${config.adminToken}` } });
    return relayChaos(reply, response.status, response.body);
  });

  // Checked before the body is validated: a forged request learns nothing, not even schema errors.
  const allowChaosChange = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!sameOrigin(request)) return reply.code(403).send({ error: 'cross-origin chaos changes are refused' });
    if (hasAdminToken(request, config.adminToken)) return;
    const token = request.headers[CSRF_HEADER];
    if (!pageTokens.verify(typeof token === 'string' ? token : undefined)) {
      return reply.code(403).send({
        error: `chaos changes need the page's token in ${CSRF_HEADER} (reload the page) or Authorization: Bearer <ADMIN_TOKEN>`,
      });
    }
  };

  // The API's own schema for PUT /api/admin/chaos: the page's mistakes are caught here, by the same rules.
  app.put('/api/chaos', { schema: { body: ChaosInputSchema }, preValidation: allowChaosChange }, async (request: FastifyRequest<{ Body: ChaosInput }>, reply) => {
    if (!config.adminToken) {
      return reply.code(409).send({ error: 'chaos control disabled: ADMIN_TOKEN is not set for the dashboard server' });
    }
    const latencyError = latencyRangeError(request.body.latencyMs);
    if (latencyError) return reply.code(400).send({ error: latencyError });
    const response = await api.request('/api/admin/chaos', {
      method: 'PUT',
      headers: { authorization: `Bearer ${config.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(request.body),
    });
    request.log.info({ chaos: request.body, status: response.status }, 'chaos settings changed from the dashboard');
    return relayChaos(reply, response.status, response.body);
  });

  return app;
}

function redirectToDashboard(request: FastifyRequest<{ Params: { uid: string } }>, reply: FastifyReply): FastifyReply {
  const search = new URLSearchParams(request.url.split('?')[1] ?? '');
  search.set('dashboard', request.params.uid);
  // Grafana's from=now-1h becomes the live dashboard's range=1h when it is one of the offered ranges.
  const range = /^now-(\w+)$/.exec(search.get('from') ?? '')?.[1];
  if (range && (TIME_RANGES as readonly string[]).includes(range)) search.set('range', range);
  search.delete('from');
  search.delete('to');
  return reply.redirect(`/?${search}`, 302);
}

function sendUnreachable(reply: FastifyReply, error: UpstreamUnreachableError): FastifyReply {
  // Prometheus-shaped, so the page handles it like any failed query, plus the service name for the banner.
  return reply.code(502).send({ status: 'error', errorType: 'unreachable', service: error.service, error: error.message });
}

async function forward(reply: FastifyReply, upstream: Upstream, path: string): Promise<FastifyReply> {
  const response = await upstream.request(path);
  return reply
    .code(response.status)
    .type(response.contentType.includes('json') ? 'application/json' : 'text/plain; charset=utf-8')
    .send(response.body);
}

function pickParams(request: FastifyRequest, allowed: string[]): string {
  const incoming = new URLSearchParams(request.url.split('?')[1] ?? '');
  const outgoing = new URLSearchParams();
  for (const [key, value] of incoming) if (allowed.includes(key)) outgoing.append(key, value);
  return outgoing.toString();
}

function relayChaos(reply: FastifyReply, status: number, body: string): FastifyReply {
  if (status === 401 || status === 403) {
    return reply.code(502).send({ error: `the API refused the dashboard's ADMIN_TOKEN (HTTP ${status})` });
  }
  let settings: unknown;
  try {
    settings = JSON.parse(body);
  } catch {
    return reply.code(502).send({ error: `the API answered HTTP ${status} with a non-JSON body` });
  }
  if (status !== 200) return reply.code(status >= 500 ? 502 : status).send({ error: describeProblem(settings, status) });
  return reply.send({ enabled: true, settings });
}

function describeProblem(problem: unknown, status: number): string {
  const { title, detail } = (problem ?? {}) as { title?: string; detail?: string };
  return `the API answered HTTP ${status}${title ? `: ${title}` : ''}${detail ? ` (${detail})` : ''}`;
}

/** Scripts may change chaos with the admin token itself instead of a page token. */
function hasAdminToken(request: FastifyRequest, adminToken: string | undefined): boolean {
  if (!adminToken) return false;
  // RFC 9110: the auth scheme is case-insensitive.
  const match = /^bearer +(\S+)$/i.exec(request.headers.authorization ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]!);
  const expected = Buffer.from(adminToken);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

// PUT already needs a CORS preflight cross-origin (which this server never grants); checking
// Origin as well keeps a page on another site from changing chaos settings by any other route.
function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

interface AlertmanagerAlert {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  fingerprint?: string;
  status?: { state?: string };
}

function toAlertView(alert: AlertmanagerAlert) {
  const labels = alert.labels ?? {};
  const annotations = alert.annotations ?? {};
  return {
    fingerprint: alert.fingerprint ?? '',
    name: labels.alertname ?? '(unnamed)',
    severity: labels.severity ?? 'none',
    summary: annotations.summary ?? '',
    description: annotations.description ?? '',
    runbookUrl: localRunbookPath(annotations.runbook_url),
    startsAt: alert.startsAt ?? '',
    labels,
  };
}

async function sendFile(reply: FastifyReply, path: string): Promise<FastifyReply> {
  const extension = path.slice(path.lastIndexOf('.'));
  return reply.type(CONTENT_TYPES[extension] ?? 'application/octet-stream').send(await readFile(path));
}

/**
 * name → absolute path, fixed at start: only these files are ever served (no path handling). The
 * stylesheets only: the page's script is the bundle (PAGE_SCRIPT, uPlot inside), never its sources.
 */
async function collectStaticFiles(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const name of await readdir(PUBLIC_DIR)) {
    if (name.endsWith('.css')) files.set(name, join(PUBLIC_DIR, name));
  }
  files.set('uPlot.min.css', join(UPLOT_DIST_DIR, 'uPlot.min.css'));
  return files;
}
