// No secret value is committed in the deployment files: credentials reach containers only from
// `.env` (compose) or out-of-band Secrets (Kubernetes). These patterns are the ones a pasted real
// value would have.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from './helpers/manifests.js';

const SECRET_PATTERNS: Array<[string, RegExp]> = [
  ['Discord webhook with id and token', /discord(?:app)?\.com\/api\/webhooks\/\d{5,}\/[\w-]{20,}/i],
  ['private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['URL with an inline password', /\b[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:/@$]+:(?!\$|[A-Z_]+@)[^\s@/$]{3,}@/],
  ['password, token or secret assigned a literal', /(?:^|[^a-z])(?:password|passwd|token|secret|api[_-]?key)\b["']?\s*[:=]\s*["']?(?![\s"'$]|\$\{|\$\(|<|…|\.\.\.|true\b|false\b|null\b)[^\s"']{6,}/i],
  ['Kubernetes Secret with data', /^kind:\s*Secret\s*$/m],
];

function files(path: string): string[] {
  const absolute = join(repoRoot, path);
  if (!statSync(absolute, { throwIfNoEntry: false })) return [];
  if (!statSync(absolute).isDirectory()) return [absolute];
  return readdirSync(absolute).flatMap((name) => files(join(path, name)));
}

const scanned = ['Dockerfile', '.dockerignore', 'compose.yaml', 'deploy', 'docs/deploy.md', 'observability/prometheus/kustomization.yaml',
  'observability/alertmanager/kustomization.yaml', 'observability/grafana/kustomization.yaml', 'tools/load/kustomization.yaml'].flatMap(files);

test('no deployment file contains a secret value', () => {
  assert.ok(scanned.length > 20, `scanned ${scanned.length} files`);
  for (const file of scanned) {
    const text = readFileSync(file, 'utf8');
    for (const [what, pattern] of SECRET_PATTERNS) {
      const match = pattern.exec(text);
      assert.equal(match, null, `${relative(repoRoot, file)}: ${what}: "${match?.[0]}"`);
    }
  }
});

test('the patterns recognise real-looking secrets and leave placeholders alone', () => {
  const flagged = (text: string) => SECRET_PATTERNS.some(([, pattern]) => pattern.test(text));
  for (const secret of [
    // Assembled at run time, so the repository itself holds nothing that looks like a webhook URL.
    ['DISCORD_WEBHOOK_URL=https://discord.com/api/webhooks', '123456789012345678', 'AbCdEfGhIjKlMnOpQrStUvWxYz0123'].join('/'),
    'DATABASE_URL: postgres://ticketpulse:hunter2hunter2@db:5432/ticketpulse',
    'postgres://app:lowercasepassword@db.internal:5432/app',
    'SMTP_PASSWORD: s3cr3t-value',
    'password = correct-horse-battery',
  ]) assert.equal(flagged(secret), true, secret);
  for (const placeholder of [
    'DATABASE_URL: postgres://ticketpulse:${POSTGRES_PASSWORD:?set it}@postgres:5432/ticketpulse',
    'value: postgres://ticketpulse:$(POSTGRES_PASSWORD)@postgres:5432/ticketpulse',
    "--from-literal=DATABASE_URL='postgres://USER:PASSWORD@HOST:5432/ticketpulse'",
    'GF_SECURITY_ADMIN_PASSWORD: ${GRAFANA_ADMIN_PASSWORD:?set GRAFANA_ADMIN_PASSWORD in .env}',
    '--from-literal=SMTP_PASSWORD=\'…\'',
  ]) assert.equal(flagged(placeholder), false, placeholder);
});
