// Assembles a run's report from Locust's CSVs and Prometheus: the charts and the document's sections.
// The sections are format-neutral; render-markdown.ts and render-html.ts turn them into files.
import type { RunRecord } from './run-record.js';
import {
  alertIntervals,
  chaosChanges,
  detections,
  findKnee,
  type AlertInterval,
  type ChaosPoint,
  type Detection,
  type Knee,
} from './analysis.js';
import { renderAlertTimeline, renderChart, type RenderedChart } from './charts.js';
import type { EndpointStats, FailureKind, LocustResults } from './locust-csv.js';
import type { NamedSeries, Points, PrometheusData } from './prometheus-data.js';
import { kneeFromJudgement, type RampJudgement } from './ramp-stairs.js';

export interface Table {
  head: string[];
  rows: string[][];
  /** Columns to right-align (numbers). */
  numeric?: boolean[];
}

export interface Section {
  title: string;
  paragraphs: string[];
  tables: Table[];
  charts: RenderedChart[];
}

export interface ReportModel {
  title: string;
  sections: Section[];
  charts: RenderedChart[];
  knee?: Knee;
  alerts: AlertInterval[];
  chaos: ChaosPoint[];
  detections: Detection[];
  /** The endpoint table's figures as numbers, for checks against Locust's own totals. */
  endpointFigures: Array<{ method: string; name: string; requests: number; failures: number }>;
}

/** "met" or which objective the whole run broke. */
function verdictWord(p99: number | null, p99Objective: number, purchaseRatio: number, errorObjective: number): string {
  const broken = [
    ...(p99 !== null && p99 > p99Objective ? ['p99'] : []),
    ...(purchaseRatio > errorObjective ? ['purchase failures'] : []),
  ];
  return broken.length ? `**broken (${broken.join(', ')})**` : '**met**';
}

const fmtMs = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${Math.round(v)}`);
const fmtInt = (v: number) => Math.round(v).toLocaleString('en-US');
const fmtPct = (v: number) => `${(v * 100).toFixed(2)}%`;
const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function failuresByKind(failures: FailureKind[], endpoint?: EndpointStats): string {
  const counts = new Map<string, number>();
  for (const failure of failures) {
    if (endpoint && (failure.method !== endpoint.method || failure.name !== endpoint.name)) continue;
    counts.set(failure.kind, (counts.get(failure.kind) ?? 0) + failure.occurrences);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${kind} × ${fmtInt(n)}`).join('; ') || '—';
}

function hotConcertSentence(sellThrough: Points, startMs: number): string {
  if (sellThrough.length === 0) return 'The hot concert was not among the busiest concerts Prometheus tracks, so when it sold out is not known.';
  const soldOut = sellThrough.find(([, ratio]) => ratio >= 1);
  return soldOut
    ? `**The hot concert sold out at ${clock(soldOut[0])}**, ${seconds(soldOut[0] - startMs)} into the run; from then on buyers got 409 sold-out.`
    : `The hot concert did not sell out: ${fmtPct(Math.max(...sellThrough.map(([, r]) => r)))} of its tickets were sold.`;
}

function endpointTable(locust: LocustResults): Table {
  const row = (e: EndpointStats, label: string) => [
    label,
    fmtInt(e.requests),
    fmtInt(e.failures),
    failuresByKind(locust.failures, e.name === 'Aggregated' ? undefined : e),
    fmtMs(e.percentilesMs['50%']),
    fmtMs(e.percentilesMs['95%']),
    fmtMs(e.percentilesMs['99%']),
    fmtMs(e.maxMs),
    e.requestsPerS.toFixed(1),
  ];
  return {
    head: ['Endpoint', 'Requests', 'Failures', 'Failures by kind', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'req/s'],
    rows: [...locust.endpoints.map((e) => row(e, `${e.method} ${e.name}`)), row(locust.total, 'All endpoints')],
    numeric: [false, true, true, false, true, true, true, true, true],
  };
}

const PURCHASE_ENDPOINT = { method: 'POST', name: '/api/concerts/:id/orders' };

/** What actually ran, from Locust's per-second history: seconds with users, and the most users at once. */
function actualRun(history: LocustResults['history']): { seconds: number; peakUsers: number } {
  const active = history.filter((p) => p.users > 0);
  if (active.length === 0) return { seconds: 0, peakUsers: 0 };
  return { seconds: active[active.length - 1].t - active[0].t + 1, peakUsers: Math.max(...active.map((p) => p.users)) };
}

export function buildReportModel(run: RunRecord, locust: LocustResults, prom: PrometheusData, ramp?: RampJudgement): ReportModel {
  const startMs = prom.window.startS * 1000;
  const endMs = prom.window.endS * 1000;
  const history = locust.history.filter((p) => p.t * 1000 >= startMs - 1000 && p.t * 1000 <= endMs + 1000);
  const users: Points = history.map((p) => [p.t * 1000, p.users]);
  const fromHistory = (name: string, pick: (p: (typeof history)[number]) => number | null): NamedSeries => ({
    name,
    points: history.filter((p) => pick(p) !== null).map((p) => [p.t * 1000, pick(p)!]),
  });

  // Watchdog-style alerts (severity none) always fire: they prove the pipeline, not the service.
  const alerts = alertIntervals(prom.alerts, prom.alertStepS, prom.window.startS, prom.window.endS).filter((a) => a.severity !== 'none');
  const recorded: ChaosPoint[] = run.chaosChanges.map((c) => ({
    at: Date.parse(c.at),
    failureRate: c.settings.failureRate,
    latencyMs: c.settings.latencyMs,
    source: 'run.json',
  }));
  const chaos = chaosChanges(recorded, prom.chaosFailureRate, (prom.window.scrapeIntervalS + prom.window.stepS) * 2000);
  const detected = detections(alerts, chaos);
  const common = { users, alerts, chaos, startMs, endMs };
  const o = run.objectives;

  const charts = [
    renderChart({
      ...common,
      id: 'requests',
      title: 'Requests per second',
      unit: 'req/s',
      series: [
        fromHistory('Locust requests/s', (p) => p.requestsPerS),
        fromHistory('Locust failures/s', (p) => p.failuresPerS),
        ...prom.requestsPerS,
      ],
    }),
    renderChart({
      ...common,
      id: 'latency',
      title: 'Latency (Locust: last 10 s window; API: histogram)',
      unit: 'ms',
      series: [
        fromHistory('p50', (p) => p.p50),
        fromHistory('p95', (p) => p.p95),
        fromHistory('p99', (p) => p.p99),
        ...prom.p99Ms,
      ],
      objective: { value: o.p99Ms, label: `p99 objective ${o.p99Ms} ms` },
    }),
    renderChart({
      ...common,
      id: 'errors',
      title: 'Error ratio (objective: share of purchase attempts failing)',
      unit: '%',
      series: [
        fromHistory('Locust failures % (all requests)', (p) => (p.requestsPerS > 0 ? (p.failuresPerS / p.requestsPerS) * 100 : 0)),
        ...prom.errorRatio,
      ],
      objective: { value: o.errorRatio * 100, label: `purchase failures objective ${o.errorRatio * 100}%` },
    }),
    renderChart({ ...common, id: 'cpu', title: 'API CPU', unit: 'cores', series: prom.cpuCores }),
    renderChart({ ...common, id: 'memory', title: 'API memory', unit: 'MiB', series: prom.memoryMiB }),
    renderChart({
      ...common,
      id: 'tickets',
      title: 'Tickets sold during the run',
      unit: 'tickets',
      series: prom.ticketsSold,
    }),
  ];

  const t = locust.total;
  const failureRatio = t.requests > 0 ? t.failures / t.requests : 0;
  const purchases = locust.endpoints.find((e) => e.method === PURCHASE_ENDPOINT.method && e.name === PURCHASE_ENDPOINT.name);
  const purchaseRatio = purchases && purchases.requests > 0 ? purchases.failures / purchases.requests : 0;
  const ran = actualRun(locust.history);
  const stoppedEarly = ramp?.stoppedAfterStair ? ` — the ramp stopped after stair ${ramp.stoppedAfterStair}, which broke an objective` : '';
  const m = run.machine;
  const summary: Section = {
    title: 'Run',
    paragraphs: [
      `Shape **${run.shape}**: **ran ${ran.seconds} s with at most ${ran.peakUsers} users**${stoppedEarly} (planned: ${run.durationS} s up to ${run.peakUsers} users)${run.hotCapacity ? `, hot concert capacity ${run.hotCapacity}` : ''}, against ${run.host}.`,
      `Window ${run.startedAt} → ${run.endedAt ?? '?'} (UTC). Locust ${run.locust.version}; Prometheus step ${prom.window.stepS} s, rate window ${prom.window.rateWindowS} s, scrape interval ${prom.window.scrapeIntervalS} s.`,
      `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB RAM, ${m.os}, Node ${m.node}. Locust and the API share these CPUs, so the figures are a lower bound of what the API alone could do.`,
      ...(run.hotConcertIds?.length ? [hotConcertSentence(prom.hotSellThrough, startMs)] : []),
      `**${fmtInt(t.requests)} requests, ${fmtInt(t.failures)} failures (${fmtPct(failureRatio)}); purchases ${fmtInt(purchases?.requests ?? 0)}, of which ${fmtPct(purchaseRatio)} failed**; p99 ${fmtMs(t.percentilesMs['99%'])} ms — objectives (the SLOs, docs/slo.md): p99 ≤ ${o.p99Ms} ms, purchase failures ≤ ${fmtPct(o.errorRatio)}: ${verdictWord(t.percentilesMs['99%'] ?? null, o.p99Ms, purchaseRatio, o.errorRatio)}. A 409 sold-out counts as a success (the business working); 502 payment-failed and every other 5xx are failures.`,
      ...(run.gate
        ? [`**Gate: ${run.gate.passed ? 'PASS' : 'FAIL'}** — ${run.gate.checks.map((c) => `${c.name}${c.limit ? ` ${c.limit}` : ''}: ${c.measured} (${c.met ? 'met' : 'MISSED'})`).join('; ')}. From Prometheus over the run's window (\`npm run load -- --gate\`).`]
        : []),
      "Totals and percentiles are Locust's own (its `locust_stats.csv`, the same statistics as its terminal summary and `locust.html`); Locust's percentiles are rounded to its response-time buckets, and the Prometheus series on the charts come from the API's histogram, so they differ by up to a bucket.",
    ],
    tables: [],
    charts: [],
  };
  const sections: Section[] = [
    summary,
    { title: 'Load and response', paragraphs: [], tables: [], charts: charts.slice(0, 3) },
    { title: 'Resources and business', paragraphs: [], tables: [], charts: charts.slice(3) },
    {
      title: 'Endpoints',
      paragraphs: ["From Locust's own statistics (milliseconds, whole run)."],
      tables: [endpointTable(locust)],
      charts: [],
    },
  ];

  let knee: Knee | undefined;
  if (run.shape === 'ramp') {
    // The shape's own judgement when the run has one (every run since it is recorded): one stop
    // criterion, so the log's "ramp stopped: stair N" and this verdict name the same stair.
    const requestsBetween = (startS: number, endS: number) => {
      const inside = locust.history.filter((p) => p.t >= Math.floor(startS) && p.t <= Math.ceil(endS));
      return inside.length ? inside[inside.length - 1].totalRequests - inside[0].totalRequests : 0;
    };
    knee = ramp ? kneeFromJudgement(ramp, requestsBetween) : findKnee(history, o);
    const verdict = knee.knee && !knee.broken
      ? `**No knee within this run**: every stair up to ${knee.knee.users} users (${knee.knee.requestsPerS.toFixed(0)} req/s) met p99 ≤ ${o.p99Ms} ms and purchase failures ≤ ${fmtPct(o.errorRatio)}; ramp higher to find it.`
      : knee.knee
      ? `**Knee: ${knee.knee.users} users, ${knee.knee.requestsPerS.toFixed(0)} req/s** — the highest stair with p99 ≤ ${o.p99Ms} ms and purchase failures ≤ ${fmtPct(o.errorRatio)}; the next stair (${knee.broken!.users} users, ${knee.broken!.requestsPerS.toFixed(0)} req/s) broke an objective${ramp?.stoppedAfterStair ? ', and the ramp stopped there' : ''}.`
      : knee.broken
        ? `**No stair met the objectives**: already ${knee.broken.users} users broke them.`
        : 'No stair was held long enough to measure.';
    sections.push({
      title: 'Knee',
      paragraphs: [
        verdict,
        ramp
          ? "Each stair as the ramp judged it live, at the stair's end (`ramp-stairs.json`): p99 is Locust's p99 of the last 10 s of the stair (all requests), errors are the stair's failed share of purchase attempts."
          : 'This run predates the ramp\'s recorded judgement: each stair is judged here from Locust\'s history (p99: the median of its 10-second windows; errors: every failure).',
      ],
      tables: [
        {
          head: ['Users', 'From', 'To', 'Requests', 'req/s', ramp ? 'Purchase failures' : 'Errors', 'p99 ms', 'Within objectives'],
          rows: knee.stairs.map((s) => [
            String(s.users),
            clock(s.startS * 1000),
            clock(s.endS * 1000),
            fmtInt(s.requests),
            s.requestsPerS.toFixed(1),
            fmtPct(s.errorRatio),
            fmtMs(s.p99Ms),
            s.withinObjectives ? 'yes' : 'no',
          ]),
          numeric: [true, false, false, true, true, true, true, false],
        },
      ],
      charts: [],
    });
  }

  const alertTimeline = alerts.length ? renderAlertTimeline(alerts, chaos, users, startMs, endMs) : undefined;
  sections.push({
    title: 'Alerts and time to detect',
    paragraphs: [
      alerts.length === 0
        ? 'No alert fired during the run.'
        : `${alerts.length} alert firing interval(s): on every chart a faint red band, a red line when it started firing and a green one when it resolved.`,
      chaos.length === 0
        ? 'No chaos change during the run.'
        : `${chaos.length} chaos change(s) (dashed lines on the charts). Time to detect = chaos change → alert firing (resolution ${prom.alertStepS} s).`,
    ],
    charts: alertTimeline ? [alertTimeline] : [],
    tables: [
      ...(alerts.length
        ? [
            {
              head: ['Alert', 'Severity', 'Pending', 'Firing', 'Resolved'],
              rows: alerts.map((a) => [
                a.alertname,
                a.severity ?? '—',
                a.pendingAt ? clock(a.pendingAt) : '—',
                a.firingBeforeWindow ? 'before the run' : clock(a.firingAt),
                a.resolvedAt ? clock(a.resolvedAt) : 'still firing',
              ]),
            },
          ]
        : []),
      ...(chaos.length
        ? [
            {
              head: ['Chaos change', 'Failure rate', 'Latency', 'Source', 'Alerts that fired after it (time to detect)'],
              rows: chaos.map((c) => [
                clock(c.at),
                String(c.failureRate),
                c.latencyMs ? `${c.latencyMs.min}–${c.latencyMs.max} ms` : '—',
                c.source,
                detected
                  .filter((d) => d.change === c)
                  .map((d) => `${d.alert.alertname} ${seconds(d.timeToDetectMs)}`)
                  .join('; ') || 'none',
              ]),
            },
          ]
        : []),
    ],
  });

  return {
    title: `Stress test report — ${run.shape}, ${run.startedAt.slice(0, 16).replace('T', ' ')} UTC`,
    sections,
    charts,
    knee,
    alerts,
    chaos,
    detections: detected,
    endpointFigures: [...locust.endpoints, locust.total].map((e) => ({
      method: e.method,
      name: e.name,
      requests: e.requests,
      failures: e.failures,
    })),
  };
}
