// Checks the Prometheus configuration and rules with the real promtool, runs every rule unit test,
// and checks what promtool cannot: every alert is labelled, annotated, linked to a runbook that
// exists, and has unit tests that see it fire, stay silent and resolve.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { locateBinary } from '../../../tools/stack/processes/binaries.js';
import { prometheusRulesDir, shippedPrometheusConfigFile, writePrometheusConfig } from '../../../tools/stack/processes/prometheus-config.js';
import { repoRoot } from '../../../packages/shared/repo-root.js';

const run = promisify(execFile);
const testsDir = join(repoRoot, 'observability/prometheus/tests');
// Rules carry relative links: the runbook's file name (messages prefix RUNBOOK_BASE_URL) and the
// dashboard's path (messages prefix DASHBOARD_URL), docs/alerting-pipeline.md.

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleGroup {
  name: string;
  interval?: string;
  rules: Rule[];
}
interface AlertTest {
  eval_time: string;
  alertname: string;
  exp_alerts?: unknown[];
}
interface TestFile {
  rule_files: string[];
  group_eval_order?: string[];
  tests: Array<{ name: string; alert_rule_test?: AlertTest[] }>;
}

const ruleFiles = readdirSync(prometheusRulesDir)
  .filter((name) => name.endsWith('.yml'))
  .map((name) => join(prometheusRulesDir, name));
const groups: RuleGroup[] = ruleFiles.flatMap((file) => (parse(readFileSync(file, 'utf8')) as { groups: RuleGroup[] }).groups);
const alerts = groups.flatMap((group) => group.rules.filter((rule) => rule.alert));
const recordings = groups.flatMap((group) => group.rules.filter((rule) => rule.record));
const testFiles = readdirSync(testsDir)
  .filter((name) => name.endsWith('.yml'))
  .sort()
  .map((name) => join(testsDir, name));

/** Alert names in kebab case, as runbook files are named: AvailabilitySLOFastBurn → availability-slo-fast-burn. */
function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

function durationSeconds(text: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)(ms|s|m|h|d)/g)) total += Number(n) * units[unit!]!;
  return total;
}

let promtool = '';
let workDir = '';

before(() => {
  // CI installs Prometheus (which ships promtool); a missing one is a failure with the install hint.
  promtool = locateBinary('promtool');
  workDir = mkdtempSync(join(tmpdir(), 'tp-rules-test-'));
});
after(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

async function promtoolOk(args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(promtool, args, { timeout: 150_000, maxBuffer: 16 * 1024 * 1024 });
    return stdout + stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    assert.fail(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
}

describe('Prometheus configuration', () => {
  it('the shipped config passes promtool check config (and its rule files load)', async () => {
    const output = await promtoolOk(['check', 'config', shippedPrometheusConfigFile]);
    assert.match(output, /SUCCESS/);
    for (const file of ruleFiles) assert.ok(output.includes(file.replace(`${repoRoot}/`, '')) || output.includes(file), `${file} checked`);
  });

  it('the config rendered for a local run passes promtool check config', async () => {
    const file = writePrometheusConfig(join(workDir, 'prometheus.yml'), {
      apiTargets: ['127.0.0.1:18080', '127.0.0.1:18081'],
      alertmanagerTargets: ['127.0.0.1:19093'],
      prometheusTarget: '127.0.0.1:19090',
      scrapeInterval: '1s',
      evaluationInterval: '1s',
    });
    const output = await promtoolOk(['check', 'config', file]);
    assert.match(output, /SUCCESS: \d+ rules found/);
  });

  it('the rules pass promtool check rules with every lint, lint errors fatal', async () => {
    const output = await promtoolOk(['check', 'rules', '--lint=all', '--lint-fatal', ...ruleFiles]);
    assert.doesNotMatch(output, /FAILED|lint/i);
  });
});

describe('promtool unit tests of the rules', () => {
  for (const file of testFiles) {
    it(`${file.replace(`${repoRoot}/`, '')} passes`, { timeout: 180_000 }, async () => {
      const output = await promtoolOk(['test', 'rules', file]);
      assert.match(output, /SUCCESS/);
    });
  }
});

describe('every alert', () => {
  it('has unique names and the expected set', () => {
    const names = alerts.map((rule) => rule.alert!);
    assert.equal(new Set(names).size, names.length, 'alert names are unique');
    for (const required of [
      'PurchaseFailureRateHigh', 'HighRequestLatency', 'AvailabilitySLOFastBurn', 'AvailabilitySLOSlowBurn',
      'LatencySLOFastBurn', 'LatencySLOSlowBurn', 'ApiDown', 'ApiAbsent', 'HighCpu', 'HighMemory',
      'EventLoopLag', 'Watchdog', 'DatabaseUnreachable', 'DatabaseSlow', 'DbPoolSaturated', 'ApiRestarting',
      'MemoryGrowing', 'EventLoopStalls', 'HostCpuHigh', 'HostMemoryLow', 'ProbeFailing', 'ReadErrorRateHigh',
    ]) {
      assert.ok(names.includes(required), `${required} exists`);
    }
  });

  for (const rule of alerts) {
    it(`${rule.alert} has severity, summary, description with the value, runbook and dashboard links`, () => {
      const severity = rule.labels?.severity;
      // Not for people: the heartbeat, and a cause's shadow that only feeds the inhibitions.
      if (rule.alert === 'Watchdog' || rule.alert === 'IncidentAftermath') assert.equal(severity, 'none');
      else assert.ok(severity === 'page' || severity === 'ticket', `severity page|ticket, got ${severity}`);
      const annotations = rule.annotations ?? {};
      assert.ok(annotations.summary?.trim(), 'summary');
      assert.match(annotations.description ?? '', /\{\{ *\$value/, 'description shows the current value');
      assert.match(annotations.dashboard_url ?? '', /^d\/[a-z0-9-]+$/, 'dashboard_url, relative to DASHBOARD_URL');
      const runbook = annotations.runbook_url ?? '';
      assert.equal(runbook, `${kebab(rule.alert!)}.md`, 'runbook_url, relative to RUNBOOK_BASE_URL');
      const path = join(repoRoot, 'docs/runbooks', runbook);
      assert.ok(existsSync(path), `runbook ${path} exists`);
      const text = readFileSync(path, 'utf8');
      assert.match(text, new RegExp(`^# ${rule.alert}\\b`, 'm'), 'the runbook is titled with the alert name');
      for (const section of ['## What it means', '## What to check', '## What to do']) {
        assert.ok(text.includes(section), `runbook has "${section}"`);
      }
    });

    it(`${rule.alert} is unit-tested firing, silent and (unless Watchdog) resolving`, () => {
      const cases = testFiles.flatMap((file) =>
        (parse(readFileSync(file, 'utf8')) as TestFile).tests.map((test) =>
          (test.alert_rule_test ?? [])
            .filter((check) => check.alertname === rule.alert)
            .sort((a, b) => durationSeconds(a.eval_time) - durationSeconds(b.eval_time)),
        ),
      );
      const fires = cases.some((checks) => checks.some((check) => (check.exp_alerts ?? []).length > 0));
      assert.ok(fires, 'some test expects it firing');
      if (rule.alert === 'Watchdog') return;
      const silent = cases.some((checks) => checks.length > 0 && checks.every((check) => (check.exp_alerts ?? []).length === 0));
      assert.ok(silent, 'some test expects it to stay silent throughout');
      const resolves = cases.some((checks) => {
        const firstFiring = checks.findIndex((check) => (check.exp_alerts ?? []).length > 0);
        return firstFiring >= 0 && checks.slice(firstFiring + 1).some((check) => (check.exp_alerts ?? []).length === 0);
      });
      assert.ok(resolves, 'some test sees it firing, then resolved');
    });
  }
});

describe('rule files and test files', () => {
  it('recording rules are named level:metric:operations and defined once', () => {
    const names = recordings.map((rule) => rule.record!);
    assert.equal(new Set(names).size, names.length);
    for (const name of names) assert.match(name, /^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/, name);
  });

  it('alert expressions only use recording rules that exist', () => {
    const defined = new Set(recordings.map((rule) => rule.record!));
    for (const rule of [...alerts, ...recordings]) {
      for (const used of rule.expr.match(/\b[a-z_]+:[a-z0-9_]+:[a-z0-9_]+\b/g) ?? []) {
        assert.ok(defined.has(used), `${rule.alert ?? rule.record} uses undefined ${used}`);
      }
    }
  });

  it('every test file loads all rule files and pins the evaluation order of every group', () => {
    const groupNames = groups.map((group) => group.name);
    assert.equal(new Set(groupNames).size, groupNames.length, 'group names are unique across files');
    for (const file of testFiles) {
      const test = parse(readFileSync(file, 'utf8')) as TestFile;
      const loaded = test.rule_files.map((ruleFile) => resolve(testsDir, ruleFile)).sort();
      assert.deepEqual(loaded, [...ruleFiles].sort(), `${file} rule_files`);
      const order = test.group_eval_order ?? [];
      assert.deepEqual([...order].sort(), [...groupNames].sort(), `${file} group_eval_order names every group`);
      // Recording groups first, so an alert sees the value recorded at the same instant.
      const lastRecording = Math.max(...groups.filter((g) => g.rules.some((r) => r.record)).map((g) => order.indexOf(g.name)));
      const firstAlerting = Math.min(...groups.filter((g) => g.rules.some((r) => r.alert)).map((g) => order.indexOf(g.name)));
      assert.ok(lastRecording < firstAlerting, `${file}: recording groups come before alerting groups`);
    }
  });
});
