import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { lintOpenApi, OPENAPI_FILE, writeOpenApi } from '../../../tools/openapi-lint.js';
import { buildTestApp, type TestApp } from '../../support/app.js';

/** `redocly lint --format json`: what the test reads of it. */
interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: Array<{ ruleId: string; severity: string; message: string; location: Array<{ pointer: string }> }>;
}

function lint(file: string): { status: number | null; report: LintReport } {
  const result = lintOpenApi(file, ['--format', 'json'], 'pipe');
  assert.equal(result.error, undefined, `redocly ran: ${result.error}`);
  // The JSON report is on stdout; Redocly's Node 20 deprecation notice goes to stderr.
  return { status: result.status, report: JSON.parse(result.stdout) as LintReport };
}

const describeProblems = (report: LintReport) =>
  report.problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer ?? ''}: ${p.message}`).join('\n');

describe("the OpenAPI document passes Redocly's recommended rules (npm run openapi:lint)", () => {
  let test: TestApp;
  let scratch: string;
  before(async () => {
    test = await buildTestApp('postgres');
    scratch = mkdtempSync(join(tmpdir(), 'tp-openapi-'));
  });
  after(async () => {
    await test?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('reports no error and no warning, with only the two documented exceptions', async () => {
    const file = await writeOpenApi(test.app, OPENAPI_FILE);
    const { status, report } = lint(file);
    assert.equal(report.totals.errors, 0, describeProblems(report));
    assert.equal(report.totals.warnings, 0, describeProblems(report));
    // .redocly.lint-ignore.yaml: the probes have no client error of their own.
    assert.equal(report.totals.ignored, 2);
    assert.equal(status, 0);
  });

  it('fails a document that breaks the rules, so the check above can fail', async () => {
    const document = JSON.parse(readFileSync(await writeOpenApi(test.app, join(scratch, 'openapi.json')), 'utf8'));
    delete document.paths['/api/concerts'].post.operationId;
    delete document.paths['/api/concerts'].post.security;
    delete document.info.license;
    const broken = join(scratch, 'broken.json');
    writeFileSync(broken, JSON.stringify(document));
    const { status, report } = lint(broken);
    assert.notEqual(status, 0);
    const rules = new Set(report.problems.map((p) => p.ruleId));
    for (const rule of ['operation-operationId', 'security-defined', 'info-license']) {
      assert.ok(rules.has(rule), `${rule} is reported:\n${describeProblems(report)}`);
    }
  });
});
