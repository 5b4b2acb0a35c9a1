// The alert source in observability/alerts/ is what the rule files say: the SLO windows, factors and
// budgets come out of slo.ts into every burn-rate alert, the thresholds out of thresholds.ts, and the
// generated files say they are generated. (That the committed files are up to date is
// test/deploy/generated-files.test.ts.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ALERTS_DOC, RULE_FILES, RULES_DIR, renderAlertsDoc } from '../../../observability/alerts/files.js';
import { ALL_ALERTS } from '../../../observability/alerts/rules.js';
import { AVAILABILITY_SLO, BURN_RATE_WINDOWS, LATENCY_SLO, errorBudget } from '../../../observability/alerts/slo.js';
import { THRESHOLDS } from '../../../observability/alerts/thresholds.js';
import { ALERT_THRESHOLDS } from '../../../observability/grafana/src/alert-thresholds.js';
import { repoRoot } from '../../../packages/shared/repo-root.js';

const committed = (file: string) => readFileSync(join(repoRoot, RULES_DIR, file), 'utf8');
const alertExpr = (name: string) => ALL_ALERTS.find((alert) => alert.alert === name)?.expr ?? assert.fail(`no alert ${name}`);

/** "A|B|.+SLO(Fast|Slow)Burn" → ["A", "B", ".+SLO(Fast|Slow)Burn"]: splits on `|` outside parentheses. */
function topLevelAlternatives(regex: string): string[] {
  const parts = [''];
  let depth = 0;
  for (const char of regex) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === '|' && depth === 0) parts.push('');
    else parts[parts.length - 1] += char;
  }
  return parts;
}

describe('the alert source', () => {
  it('every generated rule file opens with a "do not edit" header naming the source', () => {
    for (const file of RULE_FILES) {
      assert.match(committed(file.file).split('\n')[0]!, /^# GENERATED from observability\/alerts\/ — do not edit/, file.file);
    }
  });

  for (const slo of [AVAILABILITY_SLO, LATENCY_SLO]) {
    it(`${slo.name}: each burn-rate alert checks every window pair of its speed at factor × budget ${errorBudget(slo.target)}`, () => {
      for (const [speed, name] of [['fast', slo.fastBurnAlert], ['slow', slo.slowBurnAlert]] as const) {
        const expr = alertExpr(name);
        const pairs = BURN_RATE_WINDOWS.filter((w) => w.alert === speed);
        assert.ok(pairs.length >= 2, `${speed}: two window pairs`);
        for (const { long, short, factor } of pairs) {
          for (const window of [long, short]) {
            assert.ok(expr.includes(`job:slo_${slo.name}_errors:ratio_rate${window} / ${errorBudget(slo.target)} > ${factor}`), `${name}: ${window} at ${factor}x\n${expr}`);
          }
        }
        // 6h is both a fast long window and a slow short one: compare window and factor together.
        for (const other of BURN_RATE_WINDOWS.filter((w) => w.alert !== speed)) {
          const condition = `ratio_rate${other.long} / ${errorBudget(slo.target)} > ${other.factor}`;
          assert.ok(!expr.includes(condition), `${name} does not check the ${other.alert} burn ${condition}`);
        }
      }
    });
  }

  it('every SLI window an alert reads is recorded', () => {
    const recorded = new Set(parse(committed('recording.yml')).groups.flatMap((g: any) => g.rules.map((r: any) => r.record)));
    for (const slo of [AVAILABILITY_SLO, LATENCY_SLO]) {
      for (const { long, short } of BURN_RATE_WINDOWS) {
        for (const window of [long, short]) assert.ok(recorded.has(`job:slo_${slo.name}_errors:ratio_rate${window}`), `${slo.name} ${window}`);
      }
    }
  });

  it('the dashboards colour at the thresholds the rules fire at', () => {
    const alerts = parse(committed('alerts.yml')).groups.flatMap((g: any) => g.rules);
    for (const { alert, value } of Object.values(ALERT_THRESHOLDS)) {
      const rule = alerts.find((r: any) => r.alert === alert);
      assert.ok(rule, alert);
      const written = alert === 'HighMemory' ? `${value / 1024 / 1024} * 1024 * 1024` : String(value);
      assert.ok(rule.expr.includes(written), `${alert}: ${written} in\n${rule.expr}`);
    }
    assert.equal(ALERT_THRESHOLDS.purchaseFailureRatio.value, THRESHOLDS.purchaseFailureRatio);
  });

  it("every alert name Alertmanager's inhibitions match is an alert of the source (a rename cannot leave one behind)", () => {
    const names = ALL_ALERTS.map((alert) => alert.alert);
    const config = parse(readFileSync(join(repoRoot, 'observability/alertmanager/alertmanager.yml'), 'utf8'));
    let checked = 0;
    for (const rule of config.inhibit_rules) {
      for (const matcher of [...(rule.source_matchers ?? []), ...(rule.target_matchers ?? [])] as string[]) {
        const match = /^alertname\s*(=~|=)\s*"(.+)"$/.exec(matcher);
        if (!match) continue;
        for (const alternative of match[1] === '=' ? [match[2]!] : topLevelAlternatives(match[2]!)) {
          const pattern = new RegExp(`^(?:${match[1] === '=' ? alternative.replace(/[.*+?^${}()[\]\\]/g, '\\$&') : alternative})$`);
          assert.ok(names.some((name) => pattern.test(name)), `inhibition matcher ${matcher}: "${alternative}" matches no alert`);
          checked++;
        }
      }
    }
    assert.ok(checked >= 10, `checked ${checked} alternatives`);
  });

  it('the alerts table is rewritten only between its markers, and a doc without them is a one-line error', () => {
    const doc = readFileSync(join(repoRoot, ALERTS_DOC), 'utf8');
    assert.equal(renderAlertsDoc(doc), doc, 'committed table is current');
    for (const alert of ALL_ALERTS) assert.ok(doc.includes(`| \`${alert.alert}\` | ${alert.severity} |`), alert.alert);
    assert.throws(() => renderAlertsDoc('# Alerts\n'), /^Error: docs\/alerts\.md: markers "<!-- BEGIN alerts table -->" … "<!-- END alerts table -->" not found$/);
  });
});
