// One self-contained HTML page per scenario run, readable without knowing the code: what was staged
// when (shaded bands), what the buyers saw (traffic, errors, latency), what the monitoring did
// (each alert's pending/firing time, each notification's arrival), then the expectations as a table.
// Plain SVG drawn here: no script, so it opens from a CI artifact or a mail attachment as it is.
import type { Notification } from './observer.js';
import type { Scenario } from './schema.js';
import type { Series } from './series.js';
import type { RunRecord, Verdict } from './verdict.js';

const WIDTH = 1000;
const LEFT = 150;
const PLOT = WIDTH - LEFT - 20;

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

interface Band {
  label: string;
  from: number;
  to: number;
}

/** A band from each step that sets a fault (or takes the API down) to the step that heals it (or the end of the run). */
function faultBands(scenario: Scenario, record: RunRecord): Band[] {
  return scenario.steps.flatMap((step, index) => {
    const from = record.stepTimes[step.id];
    if (from === undefined) return [];
    if (step.api === 'down') {
      const up = scenario.steps.slice(index + 1).find((later) => later.api === 'up');
      return [{ label: step.say ?? `${step.id}: API down`, from, to: (up && record.stepTimes[up.id]) ?? record.endedAt }];
    }
    if (!step.set) return [];
    const keys = Object.keys(step.set);
    const healer = scenario.steps.slice(index + 1).find((later) => later.heal?.some((key) => keys.includes(key)) || (later.set && keys.every((key) => key in later.set!)));
    const to = (healer && record.stepTimes[healer.id]) ?? record.endedAt;
    return [{ label: step.say ?? `${step.id}: ${keys.join(', ')}`, from, to }];
  });
}

function x(record: RunRecord, t: number): number {
  const span = Math.max(1, record.endedAt - record.startedAt);
  return LEFT + (Math.min(Math.max(t, record.startedAt), record.endedAt) - record.startedAt) / span * PLOT;
}

function bandRects(record: RunRecord, bands: Band[], height: number): string {
  return bands
    .map((band) => `<rect x="${x(record, band.from)}" y="0" width="${Math.max(1, x(record, band.to) - x(record, band.from))}" height="${height}" fill="#f4a261" opacity="0.18"><title>${escape(band.label)}</title></rect>`)
    .join('');
}

function timeAxis(record: RunRecord, y: number): string {
  const spanS = (record.endedAt - record.startedAt) / 1000;
  const tick = [10, 15, 30, 60, 120, 300, 600].find((s) => spanS / s <= 12) ?? 1200;
  const ticks: string[] = [];
  for (let s = 0; s <= spanS; s += tick) {
    const px = x(record, record.startedAt + s * 1000);
    ticks.push(`<line x1="${px}" x2="${px}" y1="0" y2="${y}" stroke="#eee"/><text x="${px}" y="${y + 14}" font-size="11" text-anchor="middle">${s >= 60 ? `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}` : `${s}s`}</text>`);
  }
  return ticks.join('');
}

function lineChart(series: Series, record: RunRecord, bands: Band[]): string {
  const height = 110;
  const max = Math.max(1e-9, ...series.points.map(([, v]) => v));
  const niceMax = max * 1.1;
  const y = (v: number) => height - (v / niceMax) * height;
  const path = series.points.map(([t, v], i) => `${i ? 'L' : 'M'}${x(record, t).toFixed(1)},${y(v).toFixed(1)}`).join('');
  const last = series.points.length ? '' : `<text x="${LEFT + 10}" y="${height / 2}" fill="#999">no data</text>`;
  return `<svg width="${WIDTH}" height="${height + 22}" role="img" aria-label="${escape(series.title)}">
${bandRects(record, bands, height)}${timeAxis(record, height)}
<text x="0" y="14" font-weight="bold" font-size="13">${escape(series.title)}</text>
<text x="0" y="32" font-size="11" fill="#555">max ${max.toFixed(max < 10 ? 2 : 0)} ${escape(series.unit)}</text>
<line x1="${LEFT}" x2="${LEFT + PLOT}" y1="${height}" y2="${height}" stroke="#999"/>
<path d="${path}" fill="none" stroke="#1d3557" stroke-width="1.5"/>${last}
</svg>`;
}

function alertLanes(verdict: Verdict, record: RunRecord, bands: Band[]): string {
  const names = verdict.alerts.map((a) => a.alert);
  const row = 22;
  const height = (names.length + 1) * row + 4;
  const colour = { pending: '#e9c46a', firing: '#e63946' } as const;
  const lanes = names.map((name, index) => {
    const top = index * row + 4;
    const mine = record.transitions.filter((t) => t.alert === name);
    const rects = mine.flatMap((t, i) => {
      if (t.state === 'inactive') return [];
      const end = mine[i + 1]?.t ?? record.endedAt;
      return [`<rect x="${x(record, t.t)}" y="${top}" width="${Math.max(2, x(record, end) - x(record, t.t))}" height="${row - 6}" fill="${colour[t.state]}"><title>${escape(`${name} ${t.state} from +${Math.round((t.t - record.startedAt) / 1000)} s`)}</title></rect>`];
    });
    const severity = record.severities[name] ? ` (${record.severities[name]})` : '';
    return `<text x="0" y="${top + 13}" font-size="11">${escape(name + severity)}</text>${rects.join('')}`;
  });
  const top = names.length * row + 4;
  const marks = record.notifications.map((n: Notification) => {
    const px = x(record, n.t);
    const fill = n.status === 'resolved' ? '#2a9d8f' : '#e63946';
    const shape = n.channel === 'email' ? `<rect x="${px - 4}" y="${top + 2}" width="8" height="8" fill="${fill}"/>` : `<circle cx="${px}" cy="${top + 12}" r="4" fill="${fill}"/>`;
    return `<g><title>${escape(`${n.channel} at +${Math.round((n.t - record.startedAt) / 1000)} s: ${n.subject}`)}</title>${shape}</g>`;
  });
  return `<svg width="${WIDTH}" height="${height + 22}" role="img" aria-label="alert states and notifications">
${bandRects(record, bands, height)}${timeAxis(record, height)}
${lanes.join('\n')}
<text x="0" y="${top + 13}" font-size="11">notifications</text>${marks.join('')}
</svg>`;
}

export function renderReport(verdict: Verdict, record: RunRecord, series: Series[], scenario: Scenario): string {
  const bands = faultBands(scenario, record);
  const rows = verdict.expectations
    .map((e) => `<tr class="${e.met ? 'met' : 'missed'}"><td>${e.met ? 'met' : 'MISSED'}</td><td>${escape(e.what)}</td><td>${escape(e.measured)}</td></tr>`)
    .join('\n');
  const alertRows = verdict.alerts
    .map((a) => {
      const n = a.notifications;
      return `<tr><td>${escape(a.alert)}</td><td>${escape(a.severity ?? '')}</td><td>${a.firstPendingS ?? '–'}</td><td>${a.firstFiringS ?? '–'}</td><td>${a.lastResolvedS ?? '–'}</td><td>${a.flaps}</td><td>${n.email.firing} / ${n.email.resolved}</td><td>${n.discord.firing} / ${n.discord.resolved}</td><td>${escape(a.heldBackBy?.join(', ') ?? '')}</td></tr>`;
    })
    .join('\n');
  const steps = verdict.steps.map((s) => `<li>+${s.atS} s <b>${escape(s.id)}</b>${s.say ? ` — ${escape(s.say)}` : ''}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Scenario ${escape(verdict.scenario)}: ${verdict.passed ? 'PASS' : 'FAIL'}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; max-width: 1040px; }
h1 span { padding: 0 .4em; border-radius: 4px; color: white; background: ${verdict.passed ? '#2a9d8f' : '#e63946'}; }
table { border-collapse: collapse; margin: 1rem 0; } td, th { border: 1px solid #ddd; padding: 4px 8px; text-align: left; font-size: 14px; }
tr.missed td { background: #fde2e4; } tr.met td:first-child { color: #2a9d8f; } tr.missed td:first-child { color: #e63946; font-weight: bold; }
.legend span { display: inline-block; margin-right: 1.2em; font-size: 13px; }
.sw { display: inline-block; width: 12px; height: 12px; vertical-align: middle; margin-right: 4px; }
</style></head><body>
<h1>Scenario ${escape(verdict.scenario)} <span>${verdict.passed ? 'PASS' : 'FAIL'}</span></h1>
<p>${escape(verdict.description)}</p>
<p>${escape(verdict.startedAt)} → ${escape(verdict.endedAt)} (${verdict.durationS} s). Steps:</p><ul>${steps || '<li>none</li>'}</ul>
<h2>Timeline</h2>
<p class="legend"><span><i class="sw" style="background:#f4a261;opacity:.4"></i>fault in force</span><span><i class="sw" style="background:#e9c46a"></i>alert pending</span><span><i class="sw" style="background:#e63946"></i>alert firing</span><span><i class="sw" style="background:#e63946"></i>■ email / ● Discord notification (red firing, green resolved)</span></p>
${series.map((s) => lineChart(s, record, bands)).join('\n')}
${alertLanes(verdict, record, bands)}
<h2>Expectations</h2>
<table><tr><th>result</th><th>expected</th><th>measured</th></tr>
${rows || '<tr><td colspan="3">none</td></tr>'}
</table>
<h2>Alerts seen</h2>
<p>Seconds from the start of the scenario; notifications counted firing / resolved. <i>Held back by</i>: Alertmanager inhibited the alert while that one fired (one root cause pages once; "(aftermath)" is IncidentAftermath, the cause's shadow after it resolved), so it fired and reached nobody.</p>
<table><tr><th>alert</th><th>severity</th><th>pending at</th><th>firing at</th><th>resolved at</th><th>flaps</th><th>email</th><th>Discord</th><th>held back by</th></tr>
${alertRows || '<tr><td colspan="9">no alert left inactive</td></tr>'}
</table>
</body></html>
`;
}
