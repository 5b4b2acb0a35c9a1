// The stack's small pieces without processes: option parsing (flags over env over defaults, one-line
// errors naming the flag or variable), chaos presets, the install line for a tool missing from PATH,
// log-line formatting and the local receivers.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BinaryNotFoundError, installHint, locateBinary } from '../../../tools/stack/processes/binaries.js';
import { chaosPresetNames, chaosPresets } from '../../../packages/contract/index.js';
import { createLogStream, formatChildLine } from '../../../tools/stack/log-stream.js';
import { UsageError } from '../../../packages/shared/usage-error.js';
import { parseStackOptions, type StackOptions } from '../../../tools/stack/options.js';
import { checkPortsFree, PortInUseError } from '../../../tools/stack/port-check.js';
import { alertmanagerEnv } from '../../../tools/stack/runtime-configs.js';
import { missingBinaryLine } from '../../../tools/stack/stack.js';
import { repoRoot } from '../../../packages/shared/repo-root.js';

const parse = (argv: string[], env: Record<string, string> = {}) => parseStackOptions(argv, env, '/home/me/tp') as StackOptions;

test('conventional ports by default; flags beat env; PORT is a fallback for the API', () => {
  assert.deepEqual(parse([]).ports, { api: 8080, dashboard: 3000, prometheus: 9090, alertmanager: 9093, sinkSmtp: 1025, sinkHttp: 8025 });
  const options = parse(['--api-port', '9000', '--sink-smtp-port', '2525'], { API_PORT: '7000', DASHBOARD_PORT: '3100', PORT: '1234' });
  assert.equal(options.ports.api, 9000);
  assert.equal(options.ports.dashboard, 3100);
  assert.equal(options.ports.sinkSmtp, 2525);
  assert.equal(parse([], { PORT: '8181' }).ports.api, 8181);
  assert.equal(parse([], { PORT: '8181', API_PORT: '8282' }).ports.api, 8282);
});

test('data dir: --data-dir, else DATA_DIR, else ./data; configs go to <data>/.runtime', () => {
  assert.equal(parse([]).dataDir, '/home/me/tp/data');
  assert.equal(parse([], { DATA_DIR: 'state' }).dataDir, '/home/me/tp/state');
  const options = parse(['--data-dir', '/srv/tp'], { DATA_DIR: 'state' });
  assert.equal(options.dataDir, '/srv/tp');
  assert.equal(options.runtimeDir, '/srv/tp/.runtime');
});

test('bad values: one line naming the flag or variable', () => {
  const message = (argv: string[], env: Record<string, string> = {}) => {
    try {
      parse(argv, env);
    } catch (error) {
      assert.ok(error instanceof UsageError, String(error));
      assert.doesNotMatch(error.message, /\n/);
      return error.message;
    }
    assert.fail('expected a UsageError');
  };
  assert.match(message(['--api-port', '0']), /^--api-port must be a port number/);
  assert.match(message([], { SINK_HTTP_PORT: '70000' }), /^SINK_HTTP_PORT must be a port number/);
  assert.match(message(['--load', 'tsunami']), /^--load must be one of steady, ramp, spike, soak/);
  assert.match(message(['--load-duration', '5m']), /need --load/);
  assert.match(message(['--load', 'steady', '--load-duration', 'soon']), /^--load-duration/);
  assert.match(message(['--chaos', 'meltdown']), /^--chaos must be one of calm, flaky-payments, slow, outage/);
  assert.match(message(['--frobnicate']), /frobnicate/);
  assert.match(message([], { LOG_LEVEL: 'loud' }), /^LOG_LEVEL/);
  assert.match(message([], { PROMETHEUS_SCRAPE_INTERVAL: 'fast' }), /^PROMETHEUS_SCRAPE_INTERVAL/);
  assert.equal(parseStackOptions(['--help'], {}), 'help');
});

test('--load and --chaos are parsed', () => {
  const options = parse(['--load', 'spike', '--load-duration', '90s', '--load-users', '20', '--chaos', 'flaky-payments']);
  assert.deepEqual(options.load, { shape: 'spike', duration: '90s', users: 20 });
  assert.equal(options.chaos, 'flaky-payments');
});

test('chaos presets: the documented ones, each valid for PUT /api/admin/chaos', () => {
  assert.deepEqual(chaosPresetNames, [
    'calm',
    'flaky-payments',
    'slow',
    'outage',
    'db-slow',
    'db-outage',
    'memory-leak',
    'cpu-burn',
    'event-loop-stalls',
    'crash-loop',
    'read-errors',
  ]);
  for (const name of chaosPresetNames) {
    const { failureRate, latencyMs } = chaosPresets[name];
    assert.ok(failureRate >= 0 && failureRate <= 1, name);
    assert.ok(Number.isInteger(latencyMs.min) && latencyMs.min >= 0 && latencyMs.max >= latencyMs.min, name);
  }
  assert.equal(chaosPresets.calm.failureRate, 0);
  assert.equal(chaosPresets.outage.failureRate, 1);
  // flaky-payments must cross the PurchaseFailureRateHigh threshold (10 %) with margin.
  assert.ok(chaosPresets['flaky-payments'].failureRate >= 0.2);
});

test('a tool missing from PATH (or a bad override) gives one line with the install command for this OS', () => {
  const empty = mkdtempSync(join(tmpdir(), 'tp-empty-path-'));
  try {
    for (const env of [{ PATH: empty }, { PATH: empty, PROMETHEUS_BIN: '/nope/prometheus' }]) {
      let error: unknown;
      try {
        locateBinary('prometheus', env);
      } catch (caught) {
        error = caught;
      }
      assert.ok(error instanceof BinaryNotFoundError);
      const line = missingBinaryLine('prometheus', error);
      assert.doesNotMatch(line, /\n/);
      assert.ok(line.includes(installHint('prometheus')), line);
      assert.equal(line.split(installHint('prometheus')).length, 2, 'the hint appears once');
    }
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('pino JSON lines are shortened; other lines pass through; every line gets its prefix', () => {
  assert.equal(
    formatChildLine('{"level":40,"time":1,"pid":2,"hostname":"h","msg":"slow query","operation":"purchase","ms":812}'),
    'WARN slow query operation=purchase ms=812',
  );
  assert.equal(formatChildLine('ts=2026 level=warn msg="x"'), 'ts=2026 level=warn msg="x"');
  assert.equal(formatChildLine('{not json'), '{not json');
  let out = '';
  const log = createLogStream((text) => (out += text), false);
  log.line('sink', '[sink] 12:00:00 email to=a@b "subject"');
  log.line('api', '{"level":30,"msg":"ready"}');
  assert.equal(out, 'sink         | 12:00:00 email to=a@b "subject"\napi          | INFO ready\n');
});

test('alerts go to the local sink on the chosen ports unless real receivers are configured', () => {
  const addresses = { host: '127.0.0.1', apiPort: 1, prometheusPort: 2, alertmanagerPort: 3, sinkSmtpPort: 2525, sinkHttpPort: 8125, dashboardPort: 3100 };
  const local = alertmanagerEnv({}, addresses);
  assert.equal(local.env.SMTP_SMARTHOST, '127.0.0.1:2525');
  assert.equal(local.env.SMTP_REQUIRE_TLS, 'false');
  assert.equal(local.env.DISCORD_WEBHOOK_URL, 'http://127.0.0.1:8125/discord/webhook');
  assert.equal(local.env.DASHBOARD_URL, 'http://127.0.0.1:3100/');
  const real = alertmanagerEnv({ SMTP_SMARTHOST: 'smtp.example.com:587', ALERT_EMAIL_TO: 'ops@example.com', DISCORD_WEBHOOK_URL: 'https://discord.example/hook' }, addresses);
  assert.equal(real.env.SMTP_SMARTHOST, 'smtp.example.com:587');
  assert.equal(real.env.SMTP_REQUIRE_TLS, undefined, 'TLS stays at the renderer default for a real smarthost');
  assert.equal(real.env.DISCORD_WEBHOOK_URL, 'https://discord.example/hook');
  assert.match(real.receivers.email, /ops@example.com via smtp.example.com:587/);
  assert.doesNotMatch(real.receivers.discord, /discord\.example/, 'the webhook URL (a secret) is never printed');
});

test('checkPortsFree names the taken port', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    await assert.rejects(
      checkPortsFree('127.0.0.1', [{ service: 'Prometheus', port, override: '--prometheus-port or PROMETHEUS_PORT' }]),
      (error: unknown) => error instanceof PortInUseError && error.message.startsWith(`port ${port} (Prometheus) is already in use`),
    );
  } finally {
    server.close();
  }
});

test('npm start is wired to the stack CLI (--help prints the usage and exits 0)', { timeout: 60_000 }, async () => {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const { stdout } = await promisify(execFile)('npm', ['start', '--silent', '--', '--help'], { cwd: repoRoot, timeout: 50_000 });
  assert.match(stdout, /^usage: npm start -- \[options\]/m);
  assert.match(stdout, /--chaos PRESET/);
});

test('--replicas: 1 by default, several on PostgreSQL only, a one-line error otherwise', () => {
  assert.equal(parse([]).replicas, 1);
  const postgres = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x' };
  assert.equal(parse(['--replicas', '3'], postgres).replicas, 3);
  assert.equal(parse([], { ...postgres, API_REPLICAS: '2' }).replicas, 2);
  assert.throws(() => parse(['--replicas', '2']), /--replicas 2 needs DATABASE_URL/);
  for (const bad of ['0', '9', 'two', '1.5']) {
    assert.throws(() => parse(['--replicas', bad], postgres), new RegExp(`--replicas must be a whole number from 1 to 8 \\(got "${bad.replace('.', '\\.')}"\\)`));
  }
});
