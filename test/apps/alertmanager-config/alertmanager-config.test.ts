// The shipped Alertmanager template, rendered from the environment, checked by Alertmanager's own
// tooling: `amtool check-config` must accept it and `amtool config routes test` proves routing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  alertmanagerTemplateFile,
  readAlertmanagerSettings,
  renderAlertmanagerConfig,
  writeAlertmanagerConfig,
} from '../../../apps/alertmanager-config/alertmanager-config.js';
import { locateBinary } from '../../../tools/stack/processes/binaries.js';

const amtool = locateBinary('amtool');
let dir: string;

function renderTo(name: string, env: Record<string, string>): string {
  const file = join(dir, name);
  writeAlertmanagerConfig(file, env);
  return file;
}

function checkConfig(file: string): { ok: boolean; output: string } {
  const result = spawnSync(amtool, ['check-config', file], { encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

/** The receiver(s) amtool resolves for a label set. */
function routeOf(file: string, labels: Record<string, string>): string {
  const args = ['config', 'routes', 'test', `--config.file=${file}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)];
  return execFileSync(amtool, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tp-am-config-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('alertmanager config rendering', () => {
  it('with no environment, renders a config that amtool accepts and that points at the local sink without TLS', () => {
    const file = renderTo('defaults.yml', {});
    const check = checkConfig(file);
    assert.ok(check.ok, check.output);
    assert.match(check.output, /3 receivers/);
    assert.match(check.output, /1 templates/);
    const config = parse(readFileSync(file, 'utf8'));
    assert.equal(config.global.smtp_smarthost, '127.0.0.1:1025');
    assert.equal(config.global.smtp_require_tls, false);
    assert.equal('smtp_auth_username' in config.global, false, 'no auth keys when SMTP_USERNAME is unset');
    const page = config.receivers.find((r: { name: string }) => r.name === 'page');
    assert.equal(page.discord_configs[0].webhook_url, 'http://127.0.0.1:8025/discord/webhook');
    assert.equal(page.email_configs[0].send_resolved, true, 'email send_resolved defaults to false in 0.25');
    assert.equal(page.discord_configs[0].send_resolved, true);
    assert.equal(config.route.group_wait, '10s');
    assert.equal(config.route.group_interval, '1m');
    assert.equal(config.route.repeat_interval, '4h');
    assert.deepEqual(config.route.group_by, ['alertname', 'severity']);
    assert.match(page.email_configs[0].text, /Dashboard: http:\/\/127\.0\.0\.1:3000\//);
    assert.equal(statSync(file).mode & 0o777, 0o600, 'the rendered file may hold secrets');
  });

  it('renders production-like settings (auth, TLS, real webhook, several recipients) into a valid config', () => {
    const env = {
      ALERT_EMAIL_TO: 'oncall@example.com, Backup Person <backup@example.com>',
      ALERT_EMAIL_FROM: 'alerts@example.com',
      SMTP_SMARTHOST: 'smtp.example.com:587',
      SMTP_USERNAME: 'alerts',
      SMTP_PASSWORD: `pa'ss"word: {x}`,
      SMTP_REQUIRE_TLS: 'true',
      DISCORD_WEBHOOK_URL: 'https://discord.com/api/webhooks/123/abc-DEF_ghi',
      DASHBOARD_URL: 'https://grafana.example.com/d/ticketpulse',
    };
    const file = renderTo('prod.yml', env);
    const check = checkConfig(file);
    assert.ok(check.ok, check.output);
    const config = parse(readFileSync(file, 'utf8'));
    assert.equal(config.global.smtp_auth_username, 'alerts');
    assert.equal(config.global.smtp_auth_password, env.SMTP_PASSWORD, 'quotes and colons survive as data');
    assert.equal(config.global.smtp_require_tls, true);
    assert.equal(config.receivers[1].email_configs[0].to, 'oncall@example.com, Backup Person <backup@example.com>');
    assert.equal(config.receivers[1].discord_configs[0].webhook_url, env.DISCORD_WEBHOOK_URL);
    assert.match(config.receivers[1].discord_configs[0].message, /Dashboard: https:\/\/grafana\.example\.com\/d\/ticketpulse\{\{ template "ticketpulse.dashboard.path" \. \}\}$/);
  });

  it('reads the webhook URL and the SMTP password from mounted files', () => {
    const webhookFile = join(dir, 'webhook');
    writeFileSync(webhookFile, 'https://discord.com/api/webhooks/9/from-file\n');
    const file = renderTo('files.yml', {
      DISCORD_WEBHOOK_URL_FILE: webhookFile,
      SMTP_USERNAME: 'u',
      SMTP_PASSWORD_FILE: '/run/secrets/smtp-password',
    });
    const config = parse(readFileSync(file, 'utf8'));
    assert.equal(config.receivers[1].discord_configs[0].webhook_url, 'https://discord.com/api/webhooks/9/from-file');
    assert.equal(config.global.smtp_auth_password_file, '/run/secrets/smtp-password');
    assert.equal('smtp_auth_password' in config.global, false);
  });

  it('applies the documented timing overrides through the same template', () => {
    const file = renderTo('fast.yml', { ALERTMANAGER_GROUP_WAIT: '1s', ALERTMANAGER_GROUP_INTERVAL: '5s', ALERTMANAGER_REPEAT_INTERVAL: '1h' });
    assert.ok(checkConfig(file).ok);
    const config = parse(readFileSync(file, 'utf8'));
    assert.deepEqual([config.route.group_wait, config.route.group_interval, config.route.repeat_interval], ['1s', '5s', '1h']);
  });

  it('refuses bad values with one line naming the variable', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ ALERT_EMAIL_TO: 'not-an-address' }, /^ALERT_EMAIL_TO must be an email address/],
      [{ ALERT_EMAIL_FROM: 'a@b.c, d@e.f' }, /^ALERT_EMAIL_FROM must be an email address/],
      [{ SMTP_SMARTHOST: 'smtp.example.com' }, /^SMTP_SMARTHOST must be host:port/],
      [{ SMTP_SMARTHOST: 'smtp.example.com:70000' }, /^SMTP_SMARTHOST must be host:port/],
      [{ SMTP_REQUIRE_TLS: 'maybe' }, /^SMTP_REQUIRE_TLS must be true or false/],
      [{ DISCORD_WEBHOOK_URL: 'ftp://x' }, /^DISCORD_WEBHOOK_URL must be an http\(s\) URL/],
      [{ DISCORD_WEBHOOK_URL: 'https://x/a', DISCORD_WEBHOOK_URL_FILE: '/tmp/x' }, /^DISCORD_WEBHOOK_URL and DISCORD_WEBHOOK_URL_FILE are both set/],
      [{ DISCORD_WEBHOOK_URL_FILE: '/nonexistent/tp-webhook' }, /^DISCORD_WEBHOOK_URL_FILE: cannot read/],
      [{ DASHBOARD_URL: 'https://x/?q={{ .Alerts }}' }, /^DASHBOARD_URL must not contain/],
      [{ SMTP_PASSWORD: 'secret' }, /^SMTP_USERNAME must be set/],
      [{ ALERTMANAGER_GROUP_WAIT: '10 seconds' }, /^ALERTMANAGER_GROUP_WAIT must be a positive duration/],
      [{ ALERTMANAGER_REPEAT_INTERVAL: '0h' }, /^ALERTMANAGER_REPEAT_INTERVAL must be a positive duration/],
    ];
    for (const [env, message] of cases) {
      assert.throws(() => readAlertmanagerSettings(env), (error: Error) => {
        assert.equal(error.name, 'ConfigError');
        assert.match(error.message, message);
        assert.doesNotMatch(error.message, /\n/);
        return true;
      });
    }
  });

  it('never shows the Discord webhook secret or an SMTP password in an error', () => {
    const token = 'Tk3nS3cr3t-do-not-print';
    const password = 'Pa55w0rd-do-not-print';
    const webhookFile = join(dir, 'bad-webhook');
    writeFileSync(webhookFile, `discord.com/api/webhooks/123/${token}\n`);
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ DISCORD_WEBHOOK_URL: `discord.com/api/webhooks/123/${token}` }, /^DISCORD_WEBHOOK_URL must be an http\(s\) URL \(got a value hidden because it is a secret\)$/],
      [{ DISCORD_WEBHOOK_URL: `htps://discord.com/api/webhooks/123/${token}` }, /^DISCORD_WEBHOOK_URL must be an http\(s\) URL \(got a value starting with "htps:", the rest hidden because it is a secret\)$/],
      [{ DISCORD_WEBHOOK_URL: `https://discord.com/api/webhooks/123/${token}?x={{ . }}` }, /^DISCORD_WEBHOOK_URL must not contain/],
      [{ DISCORD_WEBHOOK_URL: `https://discord.com/api/webhooks/123/${token}${'x'.repeat(300)}` }, /^DISCORD_WEBHOOK_URL is \d+ characters/],
      [{ DISCORD_WEBHOOK_URL_FILE: webhookFile }, /^DISCORD_WEBHOOK_URL_FILE must be an http\(s\) URL \(got a value hidden because it is a secret\)$/],
      [{ SMTP_SMARTHOST: `oncall:${password}@smtp.example.com` }, /^SMTP_SMARTHOST must be host:port, e\.g\. smtp\.example\.com:587 \(got "\*\*\*@smtp\.example\.com"\)$/],
      [{ DASHBOARD_URL: `ftp://viewer:${password}@dash.example/` }, /^DASHBOARD_URL must be an http\(s\) URL \(got "ftp:\/\/\*\*\*@dash\.example\/"\)$/],
      [{ SMTP_PASSWORD: password, SMTP_PASSWORD_FILE: '/run/secrets/smtp' }, /^SMTP_PASSWORD and SMTP_PASSWORD_FILE are both set/],
      [{ SMTP_PASSWORD: password }, /^SMTP_USERNAME must be set/],
    ];
    for (const [env, message] of cases) {
      assert.throws(() => readAlertmanagerSettings(env), (error: Error) => {
        assert.equal(error.name, 'ConfigError');
        assert.match(error.message, message);
        assert.ok(!error.message.includes(token) && !error.message.includes(password), error.message);
        return true;
      });
    }
    // The CLI (what compose and Kubernetes run) prints the same redacted line.
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'apps/alertmanager-config/alertmanager-config.ts'], {
      encoding: 'utf8',
      env: { ...process.env, DISCORD_WEBHOOK_URL: `discord.com/api/webhooks/123/${token}`, SMTP_USERNAME: 'oncall', SMTP_PASSWORD: password },
    });
    assert.equal(cli.status, 2);
    assert.equal(cli.stdout, '');
    assert.ok(!cli.stderr.includes(token) && !cli.stderr.includes(password), cli.stderr);
    assert.match(cli.stderr, /^alertmanager-config: DISCORD_WEBHOOK_URL must be an http\(s\) URL/);
  });

  it('the CLI writes the file, and a bad value exits non-zero with one line and no stack trace', () => {
    const out = join(dir, 'cli.yml');
    const ok = spawnSync(process.execPath, ['--import', 'tsx', 'apps/alertmanager-config/alertmanager-config.ts', '--out', out], {
      encoding: 'utf8',
      env: { ...process.env, ALERT_EMAIL_TO: 'cli@example.com' },
    });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(readFileSync(out, 'utf8'), /to: "cli@example\.com"/);
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'apps/alertmanager-config/alertmanager-config.ts', '--out', out], {
      encoding: 'utf8',
      env: { ...process.env, SMTP_SMARTHOST: 'nope' },
    });
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    assert.match(bad.stderr, /^alertmanager-config: SMTP_SMARTHOST must be host:port/);
  });

  it('keeps secrets out of the committed template', () => {
    const template = readFileSync(alertmanagerTemplateFile, 'utf8');
    assert.doesNotMatch(template, /discord(app)?\.com\/api\/webhooks/);
    assert.match(template, /webhook_url: \$\{DISCORD_WEBHOOK_URL\}/);
    assert.match(template, /smtp_auth_password: \$\{SMTP_PASSWORD\}/);
    assert.doesNotThrow(() => renderAlertmanagerConfig({}));
  });
});

describe('alertmanager routing (amtool config routes test)', () => {
  let file: string;
  before(() => {
    file = renderTo('routes.yml', {});
  });

  it('sends pages to the page receiver (email and Discord)', () => {
    assert.equal(routeOf(file, { alertname: 'PurchaseFailureRateHigh', severity: 'page' }), 'page');
    const config = parse(readFileSync(file, 'utf8'));
    const page = config.receivers.find((r: { name: string }) => r.name === 'page');
    assert.equal(page.email_configs.length, 1);
    assert.equal(page.discord_configs.length, 1);
  });

  it('sends tickets by email only', () => {
    assert.equal(routeOf(file, { alertname: 'HighMemoryUsage', severity: 'ticket' }), 'email');
    const config = parse(readFileSync(file, 'utf8'));
    const email = config.receivers.find((r: { name: string }) => r.name === 'email');
    assert.equal(email.email_configs.length, 1);
    assert.equal(email.discord_configs, undefined);
  });

  it('sends the Watchdog and severity "none" to the null receiver, whatever their other labels', () => {
    assert.equal(routeOf(file, { alertname: 'Watchdog', severity: 'none' }), 'null');
    assert.equal(routeOf(file, { alertname: 'Watchdog', severity: 'page' }), 'null');
    assert.equal(routeOf(file, { alertname: 'Anything', severity: 'none' }), 'null');
  });

  it('still emails an alert that has no (or an unknown) severity', () => {
    assert.equal(routeOf(file, { alertname: 'Mystery' }), 'email');
    assert.equal(routeOf(file, { alertname: 'Mystery', severity: 'critical' }), 'email');
  });
});
