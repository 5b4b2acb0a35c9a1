// Renders observability/alertmanager/alertmanager.yml (a template with ${VAR} placeholders) into the
// file Alertmanager loads, from environment variables read once and validated.
//
// Why render at all: Alertmanager 0.25 cannot read the Discord webhook URL from a file
// (webhook_url_file arrived in 0.27) nor expand environment variables, and the SMTP settings and
// timings differ between a laptop (local sink), CI (shortened timings) and production.
//
// Values are substituted into the parsed YAML (never pasted into YAML text), so a value can never
// change the structure of the config. CLI: `tsx apps/alertmanager-config/alertmanager-config.ts --out FILE`.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isScalar, parseDocument, visit, type Document } from 'yaml';
import { ConfigError, quoteValue, readBoolean, readDuration, readOptionalString, type Env } from '../../packages/shared/env.js';
import { repoPath } from '../../packages/shared/repo-root.js';

export const alertmanagerTemplateFile = repoPath('observability', 'alertmanager', 'alertmanager.yml');
export const alertmanagerTemplatesGlob = repoPath('observability', 'alertmanager', 'templates', '*.tmpl');

/** The local notification sink (apps/sink), so a fresh checkout alerts somewhere visible. */
export const alertmanagerDefaults = {
  ALERT_EMAIL_TO: 'oncall@ticketpulse.local',
  ALERT_EMAIL_FROM: 'alertmanager@ticketpulse.local',
  SMTP_SMARTHOST: '127.0.0.1:1025',
  SMTP_REQUIRE_TLS: false,
  DISCORD_WEBHOOK_URL: 'http://127.0.0.1:8025/discord/webhook',
  DASHBOARD_URL: 'http://127.0.0.1:3000/',
  // Shipped timings (see the comments in alertmanager.yml). Tests may shorten them with the
  // same-named variables; the benchmark never does.
  ALERTMANAGER_GROUP_WAIT: '10s',
  ALERTMANAGER_GROUP_INTERVAL: '1m',
  ALERTMANAGER_REPEAT_INTERVAL: '4h',
} as const;

export interface AlertmanagerSettings {
  ALERT_EMAIL_TO: string;
  ALERT_EMAIL_FROM: string;
  SMTP_SMARTHOST: string;
  SMTP_USERNAME?: string;
  SMTP_PASSWORD?: string;
  SMTP_PASSWORD_FILE?: string;
  SMTP_REQUIRE_TLS: boolean;
  DISCORD_WEBHOOK_URL: string;
  DASHBOARD_URL: string;
  /** Where the runbooks are; a message's link is this + the rule's runbook file name. */
  RUNBOOK_BASE_URL: string;
  ALERTMANAGER_GROUP_WAIT: string;
  ALERTMANAGER_GROUP_INTERVAL: string;
  ALERTMANAGER_REPEAT_INTERVAL: string;
  ALERTMANAGER_TEMPLATES_GLOB: string;
}


// "Name <a@b.c>" or "a@b.c"; a comma-separated list for the recipients.
const MAILBOX = /^(?:[^<>,\n]*<[^\s@<>,]+@[^\s@<>,]+>|[^\s@<>,]+@[^\s@<>,]+)$/;
const SMARTHOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;

function readMailboxes(env: Env, name: string, fallback: string, allowList: boolean): string {
  const raw = readOptionalString(env, name) ?? fallback;
  const parts = allowList ? raw.split(',').map((part) => part.trim()) : [raw];
  for (const part of parts) {
    if (!MAILBOX.test(part)) throw new ConfigError(`${name} must be an email address${allowList ? ' (or a comma-separated list)' : ''} (got ${quoteValue(name, raw)})`);
  }
  return parts.join(', ');
}

function readSmarthost(env: Env, name: string, fallback: string): string {
  const raw = readOptionalString(env, name) ?? fallback;
  const match = SMARTHOST.exec(raw);
  const port = match ? Number(match[2]) : 0;
  if (!match || port < 1 || port > 65_535) throw new ConfigError(`${name} must be host:port, e.g. smtp.example.com:587 (got ${quoteValue(name, raw)})`);
  return raw;
}

function checkUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL (got ${quoteValue(name, raw)})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${name} must be an http(s) URL (got ${quoteValue(name, raw)})`);
  // The URL lands inside a Go template string; "{{" would be executed, and a long URL eats into
  // Discord's 4096-character budget.
  if (raw.includes('{{') || raw.includes('}}')) throw new ConfigError(`${name} must not contain "{{" or "}}"`);
  if (raw.length > 300) throw new ConfigError(`${name} is ${raw.length} characters, at most 300 are allowed`);
  return url.href;
}

function readDiscordWebhook(env: Env): string {
  const direct = readOptionalString(env, 'DISCORD_WEBHOOK_URL');
  const file = readOptionalString(env, 'DISCORD_WEBHOOK_URL_FILE');
  if (direct && file) throw new ConfigError('DISCORD_WEBHOOK_URL and DISCORD_WEBHOOK_URL_FILE are both set; set only one');
  if (file) {
    let content: string;
    try {
      content = readFileSync(file, 'utf8').trim();
    } catch (error) {
      throw new ConfigError(`DISCORD_WEBHOOK_URL_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    return checkUrl('DISCORD_WEBHOOK_URL_FILE', content);
  }
  return checkUrl('DISCORD_WEBHOOK_URL', direct ?? alertmanagerDefaults.DISCORD_WEBHOOK_URL);
}

const withSlash = (url: string): string => (url.endsWith('/') ? url : `${url}/`);

/** Reads and validates every setting; throws a ConfigError naming the first bad variable. */
export function readAlertmanagerSettings(env: Env = process.env): AlertmanagerSettings {
  const password = readOptionalString(env, 'SMTP_PASSWORD');
  const passwordFile = readOptionalString(env, 'SMTP_PASSWORD_FILE');
  if (password && passwordFile) throw new ConfigError('SMTP_PASSWORD and SMTP_PASSWORD_FILE are both set; set only one');
  const username = readOptionalString(env, 'SMTP_USERNAME');
  if ((password || passwordFile) && !username) throw new ConfigError('SMTP_USERNAME must be set when SMTP_PASSWORD or SMTP_PASSWORD_FILE is');
  const dashboardUrl = checkUrl('DASHBOARD_URL', readOptionalString(env, 'DASHBOARD_URL') ?? alertmanagerDefaults.DASHBOARD_URL);
  return {
    ALERT_EMAIL_TO: readMailboxes(env, 'ALERT_EMAIL_TO', alertmanagerDefaults.ALERT_EMAIL_TO, true),
    ALERT_EMAIL_FROM: readMailboxes(env, 'ALERT_EMAIL_FROM', alertmanagerDefaults.ALERT_EMAIL_FROM, false),
    SMTP_SMARTHOST: readSmarthost(env, 'SMTP_SMARTHOST', alertmanagerDefaults.SMTP_SMARTHOST),
    SMTP_USERNAME: username,
    SMTP_PASSWORD: password,
    SMTP_PASSWORD_FILE: passwordFile ? resolve(passwordFile) : undefined,
    SMTP_REQUIRE_TLS: readBoolean(env, 'SMTP_REQUIRE_TLS', alertmanagerDefaults.SMTP_REQUIRE_TLS),
    DISCORD_WEBHOOK_URL: readDiscordWebhook(env),
    DASHBOARD_URL: dashboardUrl,
    // Default: the live dashboard, which serves docs/runbooks/ at /runbooks/ (the runbooks this checkout has).
    RUNBOOK_BASE_URL: withSlash(checkUrl('RUNBOOK_BASE_URL', readOptionalString(env, 'RUNBOOK_BASE_URL') ?? `${withSlash(dashboardUrl)}runbooks/`)),
    ALERTMANAGER_GROUP_WAIT: readDuration(env, 'ALERTMANAGER_GROUP_WAIT', alertmanagerDefaults.ALERTMANAGER_GROUP_WAIT, { positive: true }),
    ALERTMANAGER_GROUP_INTERVAL: readDuration(env, 'ALERTMANAGER_GROUP_INTERVAL', alertmanagerDefaults.ALERTMANAGER_GROUP_INTERVAL, { positive: true }),
    ALERTMANAGER_REPEAT_INTERVAL: readDuration(env, 'ALERTMANAGER_REPEAT_INTERVAL', alertmanagerDefaults.ALERTMANAGER_REPEAT_INTERVAL, { positive: true }),
    ALERTMANAGER_TEMPLATES_GLOB: readOptionalString(env, 'ALERTMANAGER_TEMPLATES_GLOB') ?? alertmanagerTemplatesGlob,
  };
}

const PLACEHOLDER = /\$\{([A-Z0-9_]+)\}/g;
const WHOLE_PLACEHOLDER = /^\$\{([A-Z0-9_]+)\}$/;

/** The template with every placeholder filled; an unknown placeholder is a bug in the template. */
function substitute(document: Document, settings: AlertmanagerSettings, templateFile: string): void {
  const lookup = (name: string): string | boolean | undefined => {
    if (!(name in settings) && !['SMTP_USERNAME', 'SMTP_PASSWORD', 'SMTP_PASSWORD_FILE'].includes(name)) {
      throw new Error(`${templateFile}: unknown placeholder \${${name}}`);
    }
    return settings[name as keyof AlertmanagerSettings];
  };
  visit(document, {
    Pair(_key, pair) {
      // An optional setting left unset removes its key (e.g. no SMTP auth at all).
      const node = pair.value;
      if (!isScalar(node) || typeof node.value !== 'string') return;
      const whole = WHOLE_PLACEHOLDER.exec(node.value);
      if (whole && lookup(whole[1]!) === undefined) return visit.REMOVE;
    },
    Scalar(_key, node) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      const whole = WHOLE_PLACEHOLDER.exec(node.value);
      if (whole) {
        const resolved = lookup(whole[1]!) ?? '';
        node.value = resolved;
        node.type = typeof resolved === 'string' ? 'QUOTE_DOUBLE' : undefined;
        return;
      }
      node.value = node.value.replace(PLACEHOLDER, (_match, name: string) => String(lookup(name) ?? ''));
    },
  });
}

export interface RenderOptions {
  /** The template to render; default observability/alertmanager/alertmanager.yml of this checkout. */
  templateFile?: string;
}

/**
 * The Alertmanager config as YAML text, rendered from the template and the environment.
 * Throws a ConfigError (one line, naming the variable) on a bad value.
 */
export function renderAlertmanagerConfig(env: Env = process.env, options: RenderOptions = {}): string {
  const templateFile = options.templateFile ?? alertmanagerTemplateFile;
  const settings = readAlertmanagerSettings(env);
  const document = parseDocument(readFileSync(templateFile, 'utf8'));
  if (document.errors.length > 0) throw new Error(`${templateFile}: ${document.errors[0]!.message}`);
  substitute(document, settings, templateFile);
  const header = `# Rendered by apps/alertmanager-config/alertmanager-config.ts from ${templateFile} at ${new Date().toISOString()}.\n# Do not edit: it holds secrets from the environment and is regenerated at every start.\n`;
  return header + document.toString({ lineWidth: 0 });
}

/** Renders and writes the config readable by its owner only (it may hold the SMTP password and webhook URL). */
export function writeAlertmanagerConfig(outFile: string, env: Env = process.env, options: RenderOptions = {}): string {
  const text = renderAlertmanagerConfig(env, options);
  writeFileSync(outFile, text, { mode: 0o600 });
  chmodSync(outFile, 0o600);
  return outFile;
}

/** Every variable the renderer reads (for docs, the stack launcher and compose files). */
export const alertmanagerVariables = Object.freeze([
  'ALERT_EMAIL_TO', 'ALERT_EMAIL_FROM', 'SMTP_SMARTHOST', 'SMTP_USERNAME', 'SMTP_PASSWORD', 'SMTP_PASSWORD_FILE',
  'SMTP_REQUIRE_TLS', 'DISCORD_WEBHOOK_URL', 'DISCORD_WEBHOOK_URL_FILE', 'DASHBOARD_URL', 'RUNBOOK_BASE_URL', 'ALERTMANAGER_GROUP_WAIT',
  'ALERTMANAGER_GROUP_INTERVAL', 'ALERTMANAGER_REPEAT_INTERVAL', 'ALERTMANAGER_TEMPLATES_GLOB',
] as const);

function runCli(argv: string[]): void {
  const usage = 'usage: tsx apps/alertmanager-config/alertmanager-config.ts [--out FILE] [--template FILE]   (stdout without --out)';
  let values: { out?: string; template?: string; help?: boolean };
  try {
    // The same option parser as the other CLIs (node:util parseArgs): one way to read argv.
    ({ values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: { out: { type: 'string' }, template: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}; ${usage}`);
  }
  if (values.help) {
    console.log(usage);
    return;
  }
  const { out, template: templateFile } = values;
  if (out) {
    writeAlertmanagerConfig(out, process.env, { templateFile });
    console.error(`alertmanager-config: wrote ${out}`);
  } else {
    process.stdout.write(renderAlertmanagerConfig(process.env, { templateFile }));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    runCli(process.argv.slice(2));
  } catch (error) {
    console.error(`alertmanager-config: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
}
