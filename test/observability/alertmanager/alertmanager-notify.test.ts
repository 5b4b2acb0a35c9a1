// The real Alertmanager with the project's rendered config, pointed at the local sink: alerts
// posted to its API (exactly what Prometheus posts) must come out as readable email and Discord
// messages on the right channels, inhibited and resolved as the config says, and within Discord's
// size limits even for oversized alerts. Timings are shortened only through the documented env
// overrides (ALERTMANAGER_GROUP_WAIT / _GROUP_INTERVAL) of the same template.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeAlertmanagerConfig } from '../../../apps/alertmanager-config/alertmanager-config.js';
import { startAlertmanager, type AlertmanagerProcess, type PostableAlert } from '../../../tools/stack/processes/alertmanager-process.js';
import { startSink, type Sink, type SinkMessage } from '../../../apps/sink/sink.js';

// Rules carry relative links (observability/alerts/links.ts); messages prefix RUNBOOK_BASE_URL / DASHBOARD_URL.
const RUNBOOK = 'https://wiki.ticketpulse.test/runbooks';
const DASHBOARD = 'https://grafana.ticketpulse.test/';
// Longer than the 200 characters the plain-text part used to keep.
const LONG_DESCRIPTION = `PurchaseFailureRateHigh: current value 42% — ${'the normal background rate is about 2 %, '.repeat(8)}end of description.`;
let dir: string;
let sink: Sink;
let am: AlertmanagerProcess;

function alert(alertname: string, severity: string, extra: Partial<PostableAlert> & { labels?: Record<string, string> } = {}): PostableAlert {
  const startsAt = extra.startsAt ?? new Date(Date.now() - 30_000).toISOString();
  return {
    ...extra,
    startsAt,
    // Prometheus keeps pushing firing alerts with an end a few minutes ahead; same here.
    endsAt: extra.endsAt ?? new Date(Date.now() + 5 * 60_000).toISOString(),
    labels: { alertname, severity, ...extra.labels },
    annotations: {
      summary: `${alertname} summary`,
      description: `${alertname}: current value 42%`,
      runbook_url: `${alertname.toLowerCase()}.md`,
      dashboard_url: 'd/ticketpulse-overview',
      ...extra.annotations,
    },
  };
}

const about = (name: string, kind: SinkMessage['kind'], status = 'FIRING') => (m: SinkMessage) =>
  m.kind === kind && m.subject.startsWith(`[${status}`) && m.subject.includes(name);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tp-am-notify-'));
  sink = await startSink({ log: () => {} });
  const configFile = join(dir, 'alertmanager.yml');
  writeAlertmanagerConfig(configFile, {
    SMTP_SMARTHOST: sink.smtpSmarthost,
    DISCORD_WEBHOOK_URL: `${sink.discordWebhookUrl}/123/token`,
    ALERT_EMAIL_TO: 'oncall@ticketpulse.test',
    DASHBOARD_URL: DASHBOARD,
    RUNBOOK_BASE_URL: RUNBOOK,
    ALERTMANAGER_GROUP_WAIT: '1s',
    ALERTMANAGER_GROUP_INTERVAL: '2s',
  });
  am = await startAlertmanager({ configFile });
});

after(async () => {
  await am?.stop();
  await sink?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('alertmanager → sink', () => {
  it('a page reaches email and Discord with name, severity, summary, current value, since when, runbook and dashboard', async () => {
    const startsAt = '2026-01-02T03:04:05.000Z';
    await am.postAlerts([alert('PurchaseFailureRateHigh', 'page', { startsAt, labels: { instance: 'api-1:8080' }, annotations: { description: LONG_DESCRIPTION } })]);
    const email = await sink.waitFor(about('PurchaseFailureRateHigh', 'email'), 20_000);
    const discord = await sink.waitFor(about('PurchaseFailureRateHigh', 'discord'), 20_000);

    assert.equal(email.subject, '[FIRING:1] PAGE PurchaseFailureRateHigh — PurchaseFailureRateHigh summary');
    assert.deepEqual(email.to, ['oncall@ticketpulse.test']);
    for (const message of [email, discord]) {
      assert.match(message.text, /FIRING since 2026-01-02 03:04:05 UTC · api-1:8080/);
      assert.match(message.text, /Summary: PurchaseFailureRateHigh summary/);
      assert.match(message.text, /Now: PurchaseFailureRateHigh: current value 42%/);
      // Plain words only: no emoji (boxes where no emoji font exists).
      assert.doesNotMatch(message.subject + message.text, /\p{Extended_Pictographic}/u);
      assert.match(message.text, new RegExp(`Runbook: ${RUNBOOK}/purchasefailureratehigh\\.md`));
      assert.match(message.text, new RegExp(`Dashboard: ${DASHBOARD}d/ticketpulse-overview$`));
    }
    assert.ok(email.text.includes(`Now: ${LONG_DESCRIPTION}\n`), `the email's plain-text part keeps the whole description:\n${email.text}`);
    assert.ok((email.html ?? '').includes('end of description.'), 'and so does its HTML part');
    assert.equal(discord.accepted, true, discord.error);
    assert.equal(discord.subject, email.subject);
    const embed = (discord.payload as { embeds: Array<{ color: number }> }).embeds[0]!;
    assert.equal(embed.color, 10038562, 'red while firing');
    assert.match(email.html ?? '', new RegExp(`<a href="${RUNBOOK}/purchasefailureratehigh.md">Runbook</a>`));
    assert.match(email.html ?? '', new RegExp(`<a href="${DASHBOARD}d/ticketpulse-overview">Open the dashboard</a>`));
  });

  it('when the page resolves, resolved notifications arrive on both channels', async () => {
    const fired = alert('PurchaseFailureRateHigh', 'page', { startsAt: '2026-01-02T03:04:05.000Z', labels: { instance: 'api-1:8080' } });
    await am.postAlerts([{ ...fired, endsAt: new Date().toISOString() }]);
    const email = await sink.waitFor(about('PurchaseFailureRateHigh', 'email', 'RESOLVED'), 20_000);
    const discord = await sink.waitFor(about('PurchaseFailureRateHigh', 'discord', 'RESOLVED'), 20_000);
    assert.match(email.subject, /^\[RESOLVED\] PAGE PurchaseFailureRateHigh/);
    assert.match(discord.text, /RESOLVED 03:04:05 → \d\d:\d\d:\d\d UTC/);
    for (const message of [email, discord]) {
      assert.match(message.text, /Last while firing: PurchaseFailureRateHigh summary/, 'the stale figures are labelled as such');
      assert.match(message.text, /Why resolved: the rule's condition no longer holds\. The figures above are the last ones while it was firing\./);
    }
    assert.equal((discord.payload as { embeds: Array<{ color: number }> }).embeds[0]!.color, 3066993, 'green when resolved');
  });

  it("a resolution says why in the rule's own words (its `resolved` annotation)", async () => {
    const why = 'recovered: purchases succeed again, under 10% failing at 1 attempt/s or more over 30s.';
    const fired = alert('RecoveryWording', 'ticket', { annotations: { resolved: why } });
    await am.postAlerts([fired]);
    await sink.waitFor(about('RecoveryWording', 'email'), 20_000);
    await am.postAlerts([{ ...fired, endsAt: new Date().toISOString() }]);
    const resolved = await sink.waitFor(about('RecoveryWording', 'email', 'RESOLVED'), 20_000);
    assert.ok(resolved.text.includes(`Why resolved: ${why} The figures above`), resolved.text);
    assert.ok((resolved.html ?? '').includes(`Why resolved: ${why}`), 'the HTML part says it too');
  });

  it('a ticket is emailed but not posted to Discord; the Watchdog notifies nobody', async () => {
    await am.postAlerts([alert('HighMemory', 'ticket'), alert('Watchdog', 'none')]);
    const email = await sink.waitFor(about('HighMemory', 'email'), 20_000);
    assert.match(email.subject, /^\[FIRING:1\] TICKET HighMemory/);
    // group_wait 1 s and group_interval 2 s: anything else routed would have arrived by now.
    await sleep(5_000);
    assert.equal(sink.messages().filter((m) => m.subject.includes('HighMemory') && m.kind === 'discord').length, 0);
    assert.equal(sink.messages().filter((m) => m.subject.includes('Watchdog')).length, 0);
    const watchdog = (await am.alerts()).find((a) => a.labels.alertname === 'Watchdog');
    assert.deepEqual(watchdog?.receivers.map((r) => r.name), ['null']);
  });

  it('ApiDown inhibits the symptoms it causes: only the down alert notifies', async () => {
    // In that order, as in a real outage: the down alert is known before the symptoms it causes.
    // (Alertmanager's inhibitor learns about alerts asynchronously, so a symptom that reaches a
    // flush first is not inhibited — Prometheus's `for: 30s` on ApiDown vs `for: 30s+` on the
    // symptoms, evaluated on data that stopped arriving, gives the same order in practice.)
    await am.postAlerts([alert('ApiDown', 'page', { labels: { instance: 'api-2:8080', job: 'ticketpulse-api' } })]);
    await sink.waitFor(about('ApiDown', 'email'), 20_000);
    await sink.waitFor(about('ApiDown', 'discord'), 20_000);
    await am.postAlerts([
      alert('HighRequestLatency', 'page', { labels: { route: '/api/concerts/:id/orders' } }),
      alert('AvailabilitySLOFastBurn', 'page'),
      alert('PurchaseFailureRateHigh', 'page', { labels: { marker: 'during-outage' } }),
    ]);
    await sleep(5_000);
    const symptoms = sink.messages().filter((m) => /HighRequestLatency|AvailabilitySLOFastBurn/.test(m.subject) || /FIRING.*PurchaseFailureRateHigh/.test(m.subject) && m.text.includes('during-outage'));
    assert.deepEqual(symptoms.map((m) => m.subject), []);
    const inhibited = (await am.alerts()).filter((a) => a.status.inhibitedBy.length > 0).map((a) => a.labels.alertname).sort();
    assert.deepEqual(inhibited, ['AvailabilitySLOFastBurn', 'HighRequestLatency', 'PurchaseFailureRateHigh']);
  });

  it('oversized alerts in a big group still fit Discord limits (title ≤ 256, description ≤ 4096)', async () => {
    const huge = 'x'.repeat(3_000);
    const alerts = Array.from({ length: 12 }, (_, i) =>
      alert(`LongNamedAlert${'Z'.repeat(200)}`, 'page', {
        labels: { instance: `api-${i}-${'i'.repeat(200)}`, route: `/r/${'r'.repeat(200)}` },
        annotations: { summary: `S${i} ${huge}`, description: `D${i} ${huge}`, runbook_url: `https://x.test/${huge}` },
      }),
    );
    await am.postAlerts(alerts);
    // Alertmanager ingests a batch one alert at a time, so an early flush may carry part of it;
    // the next group_interval brings the full group of 12.
    const discord = await sink.waitFor((m) => m.kind === 'discord' && m.subject.startsWith('[FIRING:12]'), 20_000);
    assert.equal(discord.accepted, true, `Discord would refuse it: ${discord.error}`);
    const embed = (discord.payload as { embeds: Array<{ title: string; description: string }> }).embeds[0]!;
    assert.ok(embed.title.length <= 256, `title ${embed.title.length}`);
    assert.ok(embed.description.length <= 4096, `description ${embed.description.length}`);
    assert.match(embed.description, /\(3 of 12 firing alerts shown\)/);
    assert.match(embed.title, /^\[FIRING:12\] PAGE LongNamedAlertZ+…/);
    const email = await sink.waitFor((m) => m.kind === 'email' && m.subject.startsWith('[FIRING:12]'), 20_000);
    assert.ok(email.subject.length < 256);
    assert.equal(sink.messages().filter((m) => !m.accepted).length, 0, 'no payload was ever rejected');
  });
});
