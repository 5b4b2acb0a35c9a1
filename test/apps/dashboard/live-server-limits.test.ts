// The dashboard's upstream size cap, against an upstream that answers 200 MB (a runaway query, a
// hostile or broken service behind PROMETHEUS_URL). The dashboard runs as its own process, as
// `npm run dashboard` does, so its peak memory (VmHWM) is its own and nothing else's.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pickFreePort } from '../../../tools/stack/processes/prometheus-process.js';
import { waitUntil } from '../../support/ports.js';
import { repoRoot } from '../../../packages/shared/repo-root.js';

const ROOT = repoRoot;
const ANSWER_BYTES = 200 * 1024 * 1024;
const CAP_BYTES = 16 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, '[1,"1"],');

/** Peak resident memory of a process so far, in bytes (Linux). */
function peakRss(pid: number): number {
  const line = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(line, 'VmHWM in /proc/<pid>/status');
  return Number(line[1]) * 1024;
}

/** Answers every request with 200 MB of JSON-looking bytes, chunked or with a Content-Length. */
function startRunawayUpstream(): Promise<{ server: Server; url: string; sent: () => number }> {
  let sent = 0;
  const server = createServer((request, response) => {
    const declare = request.url?.includes('query=declared');
    response.writeHead(200, { 'content-type': 'application/json', ...(declare ? { 'content-length': ANSWER_BYTES } : {}) });
    let remaining = ANSWER_BYTES;
    const write = () => {
      while (remaining > 0 && !response.destroyed) {
        const chunk = CHUNK.subarray(0, Math.min(CHUNK.length, remaining));
        remaining -= chunk.length;
        sent += chunk.length;
        if (!response.write(chunk)) return void response.once('drain', write);
      }
      if (remaining === 0) response.end();
    };
    write();
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ server, url: `http://127.0.0.1:${port}`, sent: () => sent });
    });
  });
}

describe('live dashboard upstream size cap', () => {
  let upstream: Awaited<ReturnType<typeof startRunawayUpstream>>;
  let dashboard: ChildProcess;
  let dashboardUrl: string;

  before(async () => {
    upstream = await startRunawayUpstream();
    const port = await pickFreePort();
    dashboardUrl = `http://127.0.0.1:${port}`;
    dashboard = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'apps/dashboard/server.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        DASHBOARD_HOST: '127.0.0.1',
        DASHBOARD_PORT: String(port),
        PROMETHEUS_URL: upstream.url,
        ALERTMANAGER_URL: upstream.url,
        API_URL: upstream.url,
        DASHBOARD_UPSTREAM_MAX_BYTES: String(CAP_BYTES),
        DASHBOARD_UPSTREAM_TIMEOUT_MS: '20000',
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitUntil(async () => (await fetch(`${dashboardUrl}/healthz`)).ok, 30_000, 'the dashboard server');
  });

  after(async () => {
    if (dashboard && dashboard.exitCode === null) {
      dashboard.kill('SIGTERM');
      await once(dashboard, 'exit');
    }
    upstream?.server.closeAllConnections();
    await new Promise((resolve) => upstream?.server.close(resolve));
  });

  for (const [name, query] of [
    ['streamed without a length', 'streamed'],
    ['declared in Content-Length', 'declared'],
  ] as const) {
    it(`answers 502 to a 200 MB answer ${name}, and its memory stays bounded`, async () => {
      // Warm up (first request compiles routes and schemas), then take the baseline peak.
      assert.equal((await fetch(`${dashboardUrl}/api/dashboards`)).status, 200);
      const peakBefore = peakRss(dashboard.pid!);
      const sentBefore = upstream.sent();

      const response = await fetch(`${dashboardUrl}/api/prom/query?query=${query}`, { signal: AbortSignal.timeout(30_000) });
      assert.equal(response.status, 502);
      const body = (await response.json()) as { errorType: string; service: string; error: string };
      assert.equal(body.errorType, 'too_large');
      assert.equal(body.service, 'Prometheus');
      assert.match(body.error, new RegExp(`more than ${CAP_BYTES} bytes`));

      const growth = peakRss(dashboard.pid!) - peakBefore;
      // Reading it all takes ≥ 400 MB (bytes, then a string); with the cap ≈ 60 MB was measured
      // (16 MB of chunks plus garbage not yet collected). The margin is for a busy machine.
      assert.ok(growth < 150 * 1024 * 1024, `peak RSS grew by ${(growth / 1048576).toFixed(0)} MB`);
      // It stopped reading: far less than the 200 MB left the upstream (socket buffers aside).
      const sent = upstream.sent() - sentBefore;
      assert.ok(sent < 100 * 1024 * 1024, `the upstream sent ${(sent / 1048576).toFixed(0)} MB before the dashboard hung up`);
      // And it still serves.
      assert.equal((await fetch(`${dashboardUrl}/healthz`)).status, 200);
    });
  }
});
