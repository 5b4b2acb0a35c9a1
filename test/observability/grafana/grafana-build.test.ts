// The committed Grafana JSON is exactly what `npm run dashboards:build` generates, `--check` notices when it
// is not, and the generated dashboards follow the rules the rest of the stack relies on (datasource uid,
// job/instance variables on every query, legends shown, thresholds equal to the alert thresholds).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parse } from 'yaml';
import { ALERT_THRESHOLDS, API_DOWN_ALERT, SLO } from '../../../observability/grafana/src/alert-thresholds.js';
import { DASHBOARDS_DIR, renderDashboards, staleFiles } from '../../../observability/grafana/src/dashboards.js';
import { EXPORTER_JOBS } from '../../../observability/grafana/src/exporter-panels.js';
import { repoRoot } from '../../../packages/shared/repo-root.js';

/** Metric name prefixes of the exporters and the Prometheus job that scrapes each. */
const EXPORTER_METRIC_JOBS: [prefix: string, job: string][] = [
  ['pg_', EXPORTER_JOBS.postgres],
  ['node_', EXPORTER_JOBS.node],
  ['probe_', EXPORTER_JOBS.blackbox],
];

const ROOT = repoRoot;
const BUILD = join(ROOT, 'observability/grafana/build.ts');
const PROVISIONING = join(ROOT, 'observability/grafana/provisioning');

interface Target {
  refId: string;
  expr: string;
  legendFormat?: string;
  datasource?: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
  options?: { legend?: { showLegend?: boolean } };
  fieldConfig?: { defaults: { unit?: string; thresholds?: { steps: Array<{ value: number | null; color: string }> } } };
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; includeAll?: boolean; query: unknown }> };
  annotations?: { list: Array<{ name: string; expr?: string; datasource?: { uid: string } }> };
}

const generated = renderDashboards();
const dashboards = [...generated].map(([file, text]) => ({ file, dashboard: JSON.parse(text) as Dashboard }));
const panelsOf = (dashboard: Dashboard) => dashboard.panels.filter((panel) => panel.type !== 'row');

function runBuild(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', BUILD, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
}

describe('generated Grafana JSON', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'tp-grafana-build-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test('the committed JSON is exactly what the TypeScript definitions generate', () => {
    assert.ok(generated.size > 0, 'no dashboard defined');
    assert.deepEqual(staleFiles(DASHBOARDS_DIR, generated), [], 'stale JSON: run `npm run dashboards:build`');
  });

  test('`dashboards:build --check` passes on the committed JSON', () => {
    const result = runBuild('--check');
    assert.equal(result.status, 0, result.stderr);
  });

  test('`--check` fails and names the file when a dashboard was edited by hand, and a build repairs it', () => {
    const dir = join(scratch, 'edited');
    cpSync(DASHBOARDS_DIR, dir, { recursive: true });
    const [file] = generated.keys();
    const edited = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    edited.title = 'edited in the Grafana UI';
    writeFileSync(join(dir, file), JSON.stringify(edited, null, 2));
    writeFileSync(join(dir, 'leftover.json'), '{}');

    const stale = runBuild('--check', '--dir', dir);
    assert.equal(stale.status, 1);
    assert.match(stale.stderr, new RegExp(file.replace('.', '\\.')));
    assert.match(stale.stderr, /leftover\.json/);
    assert.equal(stale.stderr.trim().split('\n').length, 1, 'one-line message, no stack trace');

    assert.equal(runBuild('--dir', dir).status, 0);
    assert.equal(runBuild('--check', '--dir', dir).status, 0);
  });

  test('a bad argument is one line on stderr and exit 2, as for every command', () => {
    const result = runBuild('--frobnicate');
    assert.equal(result.status, 2);
    assert.match(result.stderr, /unknown argument: --frobnicate/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });
});

describe('dashboard model', () => {
  for (const { file, dashboard } of dashboards) {
    test(`${file}: job and instance template variables, both multi-value with "All"`, () => {
      for (const name of ['job', 'instance']) {
        const variable = dashboard.templating.list.find((v) => v.name === name);
        assert.ok(variable, `variable ${name} missing`);
        assert.equal(variable.type, 'query');
        assert.equal(variable.includeAll, true);
      }
    });

    test(`${file}: panels have unique ids and fit the 24-column grid without overlapping`, () => {
      const ids = dashboard.panels.map((panel) => panel.id);
      assert.equal(new Set(ids).size, ids.length, 'duplicate panel ids');
      const taken = new Set<string>();
      for (const panel of dashboard.panels) {
        const { x, y, w, h } = panel.gridPos;
        assert.ok(x >= 0 && w > 0 && x + w <= 24 && h > 0, `${panel.title}: gridPos ${JSON.stringify(panel.gridPos)}`);
        for (let col = x; col < x + w; col++) {
          for (let row = y; row < y + h; row++) {
            const cell = `${col},${row}`;
            assert.ok(!taken.has(cell), `${panel.title} overlaps another panel at ${cell}`);
            taken.add(cell);
          }
        }
      }
    });

    test(`${file}: every panel queries the Prometheus datasource, is described, and has a unit`, () => {
      assert.ok(panelsOf(dashboard).length >= (file.includes('overview') ? 25 : 5), 'too few panels');
      for (const panel of panelsOf(dashboard)) {
        assert.equal(panel.datasource?.uid, 'prometheus', panel.title);
        assert.ok((panel.description ?? '').length > 20, `${panel.title}: describe what it shows`);
        assert.ok(panel.targets && panel.targets.length > 0, `${panel.title}: no query`);
        const refIds = panel.targets.map((target) => target.refId);
        assert.equal(new Set(refIds).size, refIds.length, `${panel.title}: duplicate refIds`);
        for (const target of panel.targets) {
          assert.ok(target.expr.trim().length > 0, `${panel.title}/${target.refId}: empty expr`);
          assert.equal(target.datasource?.uid, 'prometheus', `${panel.title}/${target.refId}`);
        }
        if (panel.type !== 'table') assert.ok(panel.fieldConfig?.defaults.unit, `${panel.title}: no unit`);
      }
    });

    test(`${file}: time-series panels show their legend (the SDK hides it by default)`, () => {
      for (const panel of panelsOf(dashboard).filter((p) => p.type === 'timeseries')) {
        assert.equal(panel.options?.legend?.showLegend, true, panel.title);
      }
    });

    test(`${file}: every selector of an API metric is narrowed by $job and $instance`, () => {
      const exprs = [
        ...panelsOf(dashboard).flatMap((panel) => panel.targets!.map((t) => ({ where: panel.title, expr: t.expr }))),
        ...(dashboard.annotations?.list ?? []).filter((a) => a.expr).map((a) => ({ where: a.name, expr: a.expr! })),
      ];
      let selectors = 0;
      for (const { where, expr } of exprs) {
        for (const match of expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g)) {
          const [, metric, matchers] = match;
          if (metric === 'ALERTS') continue;
          selectors++;
          // Exporter series (issue #12) are not the API's: narrowed by their own job, never by the
          // variables that pick API replicas.
          const exporterJob = EXPORTER_METRIC_JOBS.find(([prefix]) => metric!.startsWith(prefix))?.[1];
          if (exporterJob) {
            assert.match(matchers, new RegExp(`job="${exporterJob}"`), `${where}: ${metric} not narrowed by job="${exporterJob}"`);
            assert.doesNotMatch(matchers, /\$job|\$instance/, `${where}: ${metric} narrowed by the API's variables`);
            continue;
          }
          assert.match(matchers, /job=~"\$job"/, `${where}: ${metric} not narrowed by $job`);
          assert.match(matchers, /instance=~"\$instance"/, `${where}: ${metric} not narrowed by $instance`);
        }
      }
      assert.ok(selectors >= panelsOf(dashboard).length, `only ${selectors} selectors`);
    });
  }

  test('headline stats turn red exactly at the alert thresholds', () => {
    const overview = dashboards.find((d) => d.file === 'ticketpulse-overview.json')!.dashboard;
    const redAt = (title: string) => {
      const panel = overview.panels.find((p) => p.title === title);
      assert.ok(panel, `panel "${title}" missing`);
      return panel.fieldConfig!.defaults.thresholds!.steps.find((step) => step.color === 'red')?.value;
    };
    assert.equal(redAt('Purchase error ratio'), ALERT_THRESHOLDS.purchaseFailureRatio.value);
    assert.equal(redAt('p95 latency'), ALERT_THRESHOLDS.latencyP95Seconds.value);
    assert.equal(redAt('Replicas down'), 1);
    assert.equal(redAt('Active alerts'), 1);
  });

  test('every panel that names an alert threshold draws it at the alert threshold value', () => {
    const byAlert = new Map<string, number>(Object.values(ALERT_THRESHOLDS).map((t) => [t.alert, t.value]));
    let lines = 0;
    for (const { dashboard } of dashboards) {
      for (const panel of panelsOf(dashboard)) {
        const named = /(\w+) threshold/.exec(panel.description ?? '')?.[1];
        if (!named || !byAlert.has(named)) continue;
        const steps = panel.fieldConfig!.defaults.thresholds!.steps.map((step) => step.value);
        assert.ok(steps.includes(byAlert.get(named)!), `${panel.title}: no step at ${byAlert.get(named)} (${named})`);
        lines++;
      }
    }
    assert.ok(lines >= Object.keys(ALERT_THRESHOLDS).length);
  });
});

describe('dashboards agree with the alert rules (observability/prometheus/rules)', () => {
  const RULES_DIR = join(ROOT, 'observability/prometheus/rules');
  interface Rule {
    alert?: string;
    record?: string;
    expr: string;
    annotations?: Record<string, string>;
  }
  const rules: Rule[] = readdirSync(RULES_DIR)
    .filter((name) => name.endsWith('.yml') || name.endsWith('.yaml'))
    .flatMap((name) => parse(readFileSync(join(RULES_DIR, name), 'utf8')).groups.flatMap((g: { rules: Rule[] }) => g.rules));
  const alert = (name: string) => {
    const rule = rules.find((r) => r.alert === name);
    assert.ok(rule, `no alert ${name} in ${RULES_DIR}`);
    return rule;
  };
  /**
   * Every number an alert compares against with `>`, products such as 512 * 1024 * 1024 evaluated;
   * also a per-series threshold built as `… * 0 + N` on the right of the comparison (HighMemory).
   */
  const comparedWith = (expr: string) =>
    [...expr.matchAll(/(?:>=?|\*\s*0\s*\+)\s*([0-9.]+(?:\s*\*\s*[0-9.]+)*)/g)].map(([, product]) =>
      product!.split('*').reduce((total, factor) => total * Number(factor.trim()), 1),
    );
  const close = (a: number, b: number) => Math.abs(a - b) < 1e-9;

  for (const [key, threshold] of Object.entries(ALERT_THRESHOLDS)) {
    test(`${key} = ${threshold.value} is the threshold of ${threshold.alert}`, () => {
      const numbers = comparedWith(alert(threshold.alert).expr);
      assert.ok(numbers.some((n) => close(n, threshold.value)), `${threshold.alert} compares with ${numbers.join(', ')}`);
    });
  }

  test(`"Replicas down" counts exactly what ${API_DOWN_ALERT} fires on (up == 0)`, () => {
    assert.match(alert(API_DOWN_ALERT).expr, /up\{[^}]*\}\s*==\s*0/);
  });

  for (const sli of ['availability', 'latency'] as const) {
    test(`${sli} SLO: the burn-rate alerts use the same budget and window factors as the dashboards`, () => {
      const budget = 1 - SLO[sli].target;
      for (const window of SLO.burnRateWindows) {
        const name = window.alert === 'fast' ? SLO[sli].fastBurnAlert : SLO[sli].slowBurnAlert;
        const expr = alert(name).expr.replace(/\s+/g, ' ');
        for (const span of [window.long, window.short]) {
          const pattern = new RegExp(`ratio_rate${span} / ([0-9.]+) > ([0-9.]+)`);
          const match = pattern.exec(expr);
          assert.ok(match, `${name} has no ${span} burn-rate term: ${expr}`);
          assert.ok(close(Number(match[1]), budget), `${name}: budget ${match[1]}, dashboards ${budget}`);
          assert.equal(Number(match[2]), window.factor, `${name}: ${span} factor`);
        }
      }
    });
  }

  test('the latency SLI counts requests within the same histogram bucket as the recording rules', () => {
    const latencyRules = rules.filter((r) => r.record?.startsWith('job:slo_latency_errors:'));
    assert.ok(latencyRules.length > 0);
    for (const rule of latencyRules) assert.match(rule.expr, new RegExp(`le="${SLO.latency.thresholdSeconds}"`), rule.record);
  });

  test("every alert's dashboard_url points at a generated dashboard", () => {
    const uids = new Set(dashboards.map((d) => d.dashboard.uid));
    for (const rule of rules.filter((r) => r.annotations?.dashboard_url)) {
      const uid = /(?:^|\/)d\/([^/?#]+)/.exec(rule.annotations!.dashboard_url!)?.[1];
      assert.ok(uid && uids.has(uid), `${rule.alert}: ${rule.annotations!.dashboard_url} is not one of ${[...uids].join(', ')}`);
    }
  });
});

describe('Grafana provisioning', () => {
  const datasources = parse(readFileSync(join(PROVISIONING, 'datasources/datasources.yml'), 'utf8'));
  const providers = parse(readFileSync(join(PROVISIONING, 'dashboards/ticketpulse.yml'), 'utf8'));

  test('provisions Prometheus with the uid every dashboard uses, and Alertmanager', () => {
    assert.equal(datasources.apiVersion, 1);
    const prometheus = datasources.datasources.find((d: { type: string }) => d.type === 'prometheus');
    assert.equal(prometheus.uid, 'prometheus');
    assert.match(prometheus.url, /^http:\/\/prometheus:9090$/);
    const alertmanager = datasources.datasources.find((d: { type: string }) => d.type === 'alertmanager');
    assert.equal(alertmanager.jsonData.implementation, 'prometheus');
    assert.match(alertmanager.url, /^http:\/\/alertmanager:9093$/);

    const uids = new Set(datasources.datasources.map((d: { uid: string }) => d.uid));
    for (const { dashboard } of dashboards) {
      for (const panel of panelsOf(dashboard)) assert.ok(uids.has(panel.datasource!.uid), panel.title);
    }
  });

  test("Grafana's scrape interval (it derives $__rate_interval from it) equals the shipped Prometheus one", () => {
    const shipped = parse(readFileSync(join(ROOT, 'observability/prometheus/prometheus.yml'), 'utf8'));
    const prometheus = datasources.datasources.find((d: { type: string }) => d.type === 'prometheus');
    assert.equal(prometheus.jsonData.timeInterval, shipped.global.scrape_interval);
  });

  test('a file provider loads the dashboards into a TicketPulse folder, read-only', () => {
    assert.equal(providers.apiVersion, 1);
    const [provider] = providers.providers;
    assert.equal(provider.type, 'file');
    assert.equal(provider.folder, 'TicketPulse');
    assert.equal(provider.allowUiUpdates, false);
    assert.ok(provider.options.path.startsWith('/'));
  });
});
