// The scenario runner's view of inhibitions (`--alertmanager-url`): from a real Alertmanager with the
// shipped config, which alert held which back — so a report can say "fired, and reached nobody,
// because DatabaseSlow already paged" instead of leaving a firing alert unexplained.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeAlertmanagerConfig } from '../../../apps/alertmanager-config/alertmanager-config.js';
import { startSink, type Sink } from '../../../apps/sink/sink.js';
import { startAlertmanager, type AlertmanagerProcess, type PostableAlert } from '../../../tools/stack/processes/alertmanager-process.js';
import { inhibitionsIn } from '../../../tools/scenario/observer.js';
import { judge, summarizeAlerts, type RunRecord } from '../../../tools/scenario/verdict.js';
import { renderReport } from '../../../tools/scenario/report-html.js';
import { parseScenario } from '../../../tools/scenario/schema.js';

let dir: string;
let sink: Sink;
let am: AlertmanagerProcess;

const firing = (labels: Record<string, string>): PostableAlert => ({
  labels: { job: 'ticketpulse-api', ...labels },
  startsAt: new Date(Date.now() - 30_000).toISOString(),
  endsAt: new Date(Date.now() + 5 * 60_000).toISOString(),
});

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tp-observer-'));
  sink = await startSink({ log: () => {} });
  const configFile = join(dir, 'alertmanager.yml');
  writeAlertmanagerConfig(configFile, { SMTP_SMARTHOST: sink.smtpSmarthost, DISCORD_WEBHOOK_URL: `${sink.discordWebhookUrl}/1/token` });
  am = await startAlertmanager({ configFile });
});

after(async () => {
  await am?.stop();
  await sink?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the observer reads inhibitions from Alertmanager', () => {
  it('names the cause that holds each alert back, the aftermath by its cause, and leaves free alerts out', async () => {
    // The causes first, as in an incident: the inhibitor must know them before the symptoms arrive.
    await am.postAlerts([
      firing({ alertname: 'DatabaseSlow', severity: 'page' }),
      firing({ alertname: 'IncidentAftermath', severity: 'none', cause: 'PurchaseFailureRateHigh', span: 'burns' }),
    ]);
    await sleep(1_000);
    await am.postAlerts([
      firing({ alertname: 'HighRequestLatency', severity: 'page', method: 'POST', route: '/api/concerts/:id/orders' }),
      firing({ alertname: 'AvailabilitySLOFastBurn', severity: 'page' }),
      firing({ alertname: 'HighCpu', severity: 'ticket', instance: '127.0.0.1:1' }),
    ]);
    let held = new Map<string, Set<string>>();
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await sleep(500)) {
      held = inhibitionsIn(await am.alerts());
      if (held.size >= 2) break;
    }
    assert.deepEqual(
      Object.fromEntries([...held].map(([alert, by]) => [alert, [...by].sort()])),
      { HighRequestLatency: ['DatabaseSlow'], AvailabilitySLOFastBurn: ['PurchaseFailureRateHigh (aftermath)'] },
    );
  });

  it('the verdict and the report carry it per alert, only for alerts that were held back', () => {
    const t = Date.parse('2026-12-02T10:00:00Z');
    const record: RunRecord = {
      startedAt: t,
      endedAt: t + 60_000,
      stepTimes: {},
      transitions: [
        { t: t + 10_000, alert: 'DatabaseSlow', state: 'firing', severity: 'page' },
        { t: t + 20_000, alert: 'HighRequestLatency', state: 'firing', severity: 'page' },
      ],
      notifications: [],
      severities: { DatabaseSlow: 'page', HighRequestLatency: 'page' },
      checks: [],
      sinkWatched: true,
      heldBack: { HighRequestLatency: ['DatabaseSlow'] },
    };
    const alerts = Object.fromEntries(summarizeAlerts(record).map((a) => [a.alert, a.heldBackBy]));
    assert.deepEqual(alerts, { DatabaseSlow: undefined, HighRequestLatency: ['DatabaseSlow'] });
    // …and the report's table says it in the alert's own row.
    const scenario = parseScenario('description: d\nload: { kind: steady, purchasesPerSecond: 1, readsPerSecond: 1 }\nduration: 1m\ntimeline: []\nexpect: { silent: [pages] }\n', 'held.yaml');
    const html = renderReport(judge(scenario, record), record, [], scenario);
    assert.match(html, /<tr><td>HighRequestLatency<\/td>(<td>[^<]*<\/td>){7}<td>DatabaseSlow<\/td><\/tr>/);
    assert.match(html, /<tr><td>DatabaseSlow<\/td>(<td>[^<]*<\/td>){7}<td><\/td><\/tr>/);
  });
});
