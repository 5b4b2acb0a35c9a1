/**
 * Every recording and alerting rule, as data: the source observability/prometheus/rules/*.yml are
 * generated from (generate.ts). Thresholds come from thresholds.ts, the SLO rules from slo.ts, the
 * links from links.ts; the comments become the rule files' comments.
 * Unit tests of the generated rules: observability/prometheus/tests/ (promtool test rules).
 */
import { aftermathAlert } from './aftermath.js';
import { DashboardUid } from './links.js';
import { sloAlertGroup, sloRecordingGroups } from './slo.js';
import { THRESHOLDS as T } from './thresholds.js';
import type { AlertingRule, RecordingRule, RuleFile, RuleGroup } from './types.js';
import { API_JOB_SELECTOR } from '../../packages/shared/prometheus-jobs.js';

const API = API_JOB_SELECTOR;
const PURCHASES = `${API}, route="/api/concerts/:id/orders", method="POST"`;
/** Public reads: the GET routes the `readErrorRate` fault answers with a 500 (apps/api/chaos/read-errors.ts). */
const READS = `${API}, route=~"/api/(concerts|orders).*", method="GET"`;

const MiB = 1024 * 1024;
/** Bytes as PromQL a reader recognises: 512 * 1024 * 1024 rather than 536870912. */
const bytes = (value: number) => (value % (1024 * MiB) === 0 && value / (1024 * MiB) === 1 ? '1024 * 1024 * 1024' : `${value / MiB} * 1024 * 1024`);
const percent = (ratio: number) => `${Math.round(ratio * 100)}%`;
const ms = (seconds: number) => `${Math.round(seconds * 1000)}ms`;

const redGroup: RuleGroup<RecordingRule> = {
  name: 'ticketpulse-red',
  rules: [
    { record: 'route:http_requests:rate1m', expr: `sum by (job, route, method) (rate(http_requests_total{${API}}[1m]))`, comment: '--- Rate, errors, duration per route template (all replicas summed) ---' },
    { record: 'route:http_requests_errors:rate1m', expr: `sum by (job, route, method) (rate(http_requests_total{${API}, status_code=~"5.."}[1m]))` },
    {
      record: 'route:http_requests_errors:ratio_rate1m',
      expr: '(route:http_requests_errors:rate1m or route:http_requests:rate1m * 0)\n/ route:http_requests:rate1m\n',
      comment: 'A route that never failed has no 5xx series at all; `or … * 0` gives it a ratio of 0\ninstead of a gap on the dashboard.',
    },
    { record: 'route:http_request_duration_seconds_bucket:rate1m', expr: `sum by (job, route, method, le) (rate(http_request_duration_seconds_bucket{${API}}[1m]))` },
    { record: 'route:http_request_duration_seconds:p50_1m', expr: 'histogram_quantile(0.50, route:http_request_duration_seconds_bucket:rate1m)' },
    { record: 'route:http_request_duration_seconds:p95_1m', expr: 'histogram_quantile(0.95, route:http_request_duration_seconds_bucket:rate1m)' },
    { record: 'route:http_request_duration_seconds:p99_1m', expr: 'histogram_quantile(0.99, route:http_request_duration_seconds_bucket:rate1m)' },
    {
      record: 'route:http_requests:rate30s',
      expr: `sum by (job, route, method) (rate(http_requests_total{${API}}[30s]))`,
      comment: '30 s variants for HighRequestLatency: a slow burst shorter than one scrape interval leaves\na 30 s window before `for: 30s` has elapsed, so it cannot page (docs/alerts.md).',
    },
    { record: 'route:http_request_duration_seconds:p95_30s', expr: `histogram_quantile(0.95, sum by (job, route, method, le) (rate(http_request_duration_seconds_bucket{${API}}[30s])))` },
    { record: 'job:http_requests:rate1m', expr: 'sum by (job) (route:http_requests:rate1m)', comment: '--- The same for the whole API ---' },
    { record: 'job:http_requests_errors:rate1m', expr: 'sum by (job) (route:http_requests_errors:rate1m)' },
    { record: 'job:http_requests_errors:ratio_rate1m', expr: '(job:http_requests_errors:rate1m or job:http_requests:rate1m * 0) / job:http_requests:rate1m' },
    { record: 'job:http_request_duration_seconds:p95_1m', expr: 'histogram_quantile(0.95, sum by (job, le) (route:http_request_duration_seconds_bucket:rate1m))' },
    { record: 'job:http_request_duration_seconds:p99_1m', expr: 'histogram_quantile(0.99, sum by (job, le) (route:http_request_duration_seconds_bucket:rate1m))' },
    {
      record: 'job:http_reads:rate1m',
      expr: `sum by (job) (rate(http_requests_total{${READS}}[1m]))`,
      comment: '--- Public reads (concert and order GETs), for ReadErrorRateHigh ---',
    },
    {
      record: 'job:http_reads_errors:ratio_rate1m',
      expr: `(sum by (job) (rate(http_requests_total{${READS}, status_code=~"5.."}[1m])) or job:http_reads:rate1m * 0)\n/ job:http_reads:rate1m\n`,
    },
  ],
};

const purchaseAttempts = (window: string) => `sum by (job) (rate(http_requests_total{${PURCHASES}, status_code!~"4.."}[${window}]))\n`;
const purchaseFailures = (window: string) =>
  `sum by (job) (rate(http_requests_total{${PURCHASES}, status_code=~"5.."}[${window}]))\nor job:purchase_attempts:rate${window} * 0\n`;

const purchasesGroup: RuleGroup<RecordingRule> = {
  name: 'ticketpulse-purchases',
  rules: [
    {
      record: 'job:purchase_attempts:rate1m',
      expr: purchaseAttempts('1m'),
      comment: 'Purchase attempts the service is answerable for: POST …/orders minus 4xx answers (invalid\ninput, unknown concert and sold-out — a business outcome, not a failure).',
    },
    { record: 'job:purchase_failures:rate1m', expr: purchaseFailures('1m'), comment: 'Failed purchases: every 5xx, which includes payment failures (answered 502).' },
    { record: 'job:purchase_failures:ratio_rate1m', expr: 'job:purchase_failures:rate1m / job:purchase_attempts:rate1m' },
    { record: 'job:purchase_attempts:rate30s', expr: purchaseAttempts('30s'), comment: '30 s variants for PurchaseFailureRateHigh (same reasoning as route:…:p95_30s).' },
    { record: 'job:purchase_failures:rate30s', expr: purchaseFailures('30s') },
    { record: 'job:purchase_failures:ratio_rate30s', expr: 'job:purchase_failures:rate30s / job:purchase_attempts:rate30s' },
    { record: 'outcome:ticket_orders:rate1m', expr: `sum by (job, outcome) (rate(ticket_orders_total{${API}}[1m]))`, comment: '--- Business figures ---' },
    { record: 'job:tickets_sold:rate1m', expr: `sum by (job) (rate(tickets_sold_total{${API}}[1m]))` },
    { record: 'job:ticket_revenue_cents:rate1m', expr: `sum by (job) (rate(ticket_revenue_cents_total{${API}}[1m]))` },
  ],
};

const saturationGroup: RuleGroup<RecordingRule> = {
  name: 'ticketpulse-saturation',
  rules: [
    { record: 'instance:process_cpu_seconds:rate1m', expr: `rate(process_cpu_seconds_total{${API}}[1m])` },
    {
      record: 'job:db_unavailable_errors:rate30s',
      expr: `sum by (job) (rate(db_unavailable_errors_total{${API}}[30s]))`,
      comment: '--- The database, as the API meets it (docs/faults.md stages each of these) ---',
    },
    { record: 'job:db_queries:rate30s', expr: `sum by (job) (rate(db_query_duration_seconds_count{${API}}[30s]))` },
    { record: 'job:db_query_duration_seconds:p95_30s', expr: `histogram_quantile(0.95, sum by (job, le) (rate(db_query_duration_seconds_bucket{${API}}[30s])))` },
    {
      record: 'instance:node_cpu_utilisation:ratio_rate2m',
      expr: '1 - avg by (job, instance) (rate(node_cpu_seconds_total{job="node", mode="idle"}[2m]))',
      comment: '--- The host, from node_exporter ---',
    },
    { record: 'instance:node_memory_available:ratio', expr: 'node_memory_MemAvailable_bytes{job="node"} / node_memory_MemTotal_bytes{job="node"}' },
  ],
};

const symptomGroup: RuleGroup<AlertingRule> = {
  name: 'ticketpulse-symptom-alerts',
  rules: [
    {
      alert: 'PurchaseFailureRateHigh',
      comment:
        'Fast symptom alert for purchases, over a 30 s window held for 30 s:\n' +
        '- 10 % is five times the default background failure rate (CHAOS_FAILURE_RATE=0.02); a hard\n' +
        '  fault (50 % failures) crosses it ~5 s after its first failed purchase is scraped;\n' +
        '- a burst shorter than one scrape interval (5 s) leaves the 30 s window before `for: 30s`\n' +
        '  has elapsed, so it cannot page;\n' +
        '- below 1 attempt/s the window holds fewer than 30 attempts and a few unlucky ones would\n' +
        '  cross 10 %; such traffic is left to the SLO alerts.\n' +
        '- once firing, it HOLDS while purchases stop (under 1 attempt/s; the value is then -1): fewer\n' +
        '  purchases prove nothing about the fault, so RESOLVED always means "recovered" (back under\n' +
        '  10 % with traffic), never "the traffic went away" with a stale failure share in the message;\n' +
        '- `keep_firing_for: 30s`: a partial fault at twice the threshold (20 % failing at 4 purchases/s)\n' +
        '  dips under 10 % for a single evaluation now and then (2.7 standard deviations in a 30 s\n' +
        '  window); without the hold that sent a RESOLVED mid-incident (docs/scenarios.md). Costs 30 s\n' +
        '  on every RESOLVED.',
      expr:
        '(\n' +
        `  job:purchase_failures:ratio_rate30s > ${T.purchaseFailureRatio}\n` +
        `  and on (job) job:purchase_attempts:rate30s >= ${T.purchaseAttemptsFloor}\n` +
        ')\n' +
        'or\n' +
        '(\n' +
        `  (job:purchase_attempts:rate30s < ${T.purchaseAttemptsFloor}) * 0 - 1\n` +
        '  and on (job) ALERTS{alertname="PurchaseFailureRateHigh", alertstate="firing"}\n' +
        ')\n',
      for: '30s',
      keepFiringFor: '30s',
      severity: 'page',
      summary: '{{ if lt $value 0.0 }}Purchases stopped while failing{{ else }}{{ $value | humanizePercentage }} of ticket purchases are failing{{ end }}',
      description:
        `{{ if lt $value 0.0 }}Fewer than ${T.purchaseAttemptsFloor} purchase attempt/s over the last 30s, after a failure share above ${percent(T.purchaseFailureRatio)}: ` +
        'the alert stays open until purchases succeed again, since no traffic proves nothing. ' +
        '{{- else }}{{ $value | humanizePercentage }} of purchase attempts (POST /api/concerts/:id/orders, sold-out and other 4xx excluded) ' +
        `answered 5xx over the last 30s, payment failures (502) included. Threshold ${percent(T.purchaseFailureRatio)}; the normal background rate is about 2%.{{ end }}`,
      resolved: `recovered: purchases succeed again, under ${percent(T.purchaseFailureRatio)} failing at ${T.purchaseAttemptsFloor} attempt/s or more over 30s.`,
      dashboard: DashboardUid.overview,
      doc: {
        firesWhen: `\`job:purchase_failures:ratio_rate30s > ${T.purchaseFailureRatio}\` — 5xx (payment failures are 502) / purchase attempts (4xx incl. sold-out excluded)`,
        window: '30 s',
        floor: `\`job:purchase_attempts:rate30s >= ${T.purchaseAttemptsFloor}\` /s`,
      },
    },
    {
      alert: 'HighRequestLatency',
      comment:
        'p95 per route over 30 s (same window logic as above). The default injected latency is\n' +
        '5..150 ms (normal p95 about 100 ms), so 500 ms is a real degradation, not the usual tail. The\n' +
        '1 request/s floor keeps one slow request on a quiet route (5 % of a handful) from paging.\n' +
        '`keep_firing_for: 30s` for the same reason as PurchaseFailureRateHigh: a partial slowdown\n' +
        'wanders around the threshold, and one evaluation under it must not send a RESOLVED.',
      expr:
        `route:http_request_duration_seconds:p95_30s{route!="__unmatched__"} > ${T.latencyP95Seconds}\n` +
        `and on (job, route, method) route:http_requests:rate30s >= ${T.routeRequestsFloor}\n`,
      for: '30s',
      keepFiringFor: '30s',
      severity: 'page',
      summary: 'p95 latency of {{ $labels.method }} {{ $labels.route }} is {{ $value | humanizeDuration }}',
      description:
        '95th percentile latency of {{ $labels.method }} {{ $labels.route }} over the last 30s is ' +
        `{{ $value | humanizeDuration }} (limit ${ms(T.latencyP95Seconds)}; normally about 100ms).`,
      resolved: `the p95 of this route is back under ${ms(T.latencyP95Seconds)}, or its traffic fell under ${T.routeRequestsFloor} request/s (then latency is not judged: check the dashboard).`,
      dashboard: DashboardUid.overview,
      doc: {
        firesWhen: `\`route:http_request_duration_seconds:p95_30s > ${T.latencyP95Seconds}\` (${ms(T.latencyP95Seconds).replace('ms', ' ms')}), per \`method\`+\`route\`, \`__unmatched__\` excluded`,
        window: '30 s',
        floor: `\`route:http_requests:rate30s >= ${T.routeRequestsFloor}\` /s on that route`,
      },
    },
    {
      alert: 'ReadErrorRateHigh',
      comment:
        'Concert and order reads answering 5xx (docs/faults.md: error bursts on reads). Reads fail\n' +
        'nowhere else in normal traffic (the background failure rate is the payment provider\'s, on\n' +
        'purchases), so 5 % over a minute held for a minute is a fault, not noise; the availability SLO\n' +
        'counts purchases only and a probe fails only when every read in a minute does. The 1 read/s\n' +
        'floor keeps one failed read of a quiet minute from paging.',
      expr:
        `job:http_reads_errors:ratio_rate1m > ${T.readErrorRatio}\n` +
        `and on (job) job:http_reads:rate1m >= ${T.readRequestsFloor}\n`,
      for: '1m',
      severity: 'page',
      summary: '{{ $value | humanizePercentage }} of concert and order reads fail',
      description:
        '{{ $value | humanizePercentage }} of public reads (GET /api/concerts…, /api/orders/:id) answered 5xx ' +
        `over the last minute (limit ${percent(T.readErrorRatio)}; normally none): buyers cannot see concerts or their orders.`,
      resolved: `reads succeed again (under ${percent(T.readErrorRatio)} failing), or read traffic fell under ${T.readRequestsFloor} request/s.`,
      dashboard: DashboardUid.overview,
      doc: {
        firesWhen: `\`job:http_reads_errors:ratio_rate1m > ${T.readErrorRatio}\` — 5xx / GETs of concerts and orders`,
        window: '1 m',
        floor: `\`job:http_reads:rate1m >= ${T.readRequestsFloor}\` /s`,
      },
    },
  ],
};

const availabilityGroup: RuleGroup<AlertingRule> = {
  name: 'ticketpulse-availability-alerts',
  rules: [
    {
      alert: 'ApiDown',
      comment: 'A failed scrape is seen within 5 s; 30 s rides out a restart (the API is back in a few\nseconds) while still reaching the inbox well inside a minute.',
      expr: `up{${API}} == 0`,
      for: '30s',
      severity: 'page',
      summary: 'API replica {{ $labels.instance }} is down',
      description:
        'Prometheus has failed to scrape {{ $labels.instance }} (job {{ $labels.job }}) for at least ' +
        '30 s (up = {{ $value }}): the process is not running, not listening or not answering /metrics.',
      dashboard: DashboardUid.overview,
      doc: { firesWhen: `\`up{${API}} == 0\` (per replica)`, window: '—', floor: '—' },
    },
    {
      alert: 'ApiAbsent',
      comment: 'No target at all (every replica gone from DNS / service discovery): `up == 0` has nothing to\ncompare, so only absent() notices.',
      expr: `absent(up{${API}})`,
      for: '30s',
      severity: 'page',
      summary: 'No API replica is being scraped',
      description:
        'Prometheus has no target for job ticketpulse-api (absent = {{ $value }}) for at least 30 s: ' +
        'service discovery finds no replica, or the scrape config lost the job.',
      dashboard: DashboardUid.overview,
      doc: { firesWhen: `\`absent(up{${API}})\` — no target at all`, window: '—', floor: '—' },
    },
    {
      alert: 'DatabaseUnreachable',
      comment:
        'The API has lost its database (docs/faults.md: database outage). Counted from the API\'s own\n' +
        'failed statements, so it also sees a network cut that postgres_exporter (pg_up) cannot.\n' +
        'The blackbox probe of /readyz runs a statement every 5 s, so it fires without traffic too;\n' +
        '0.1/s over 30 s held 30 s means errors for a minute, not one lost connection.',
      expr: `job:db_unavailable_errors:rate30s > ${T.dbUnavailableErrorsPerSecond}`,
      for: '30s',
      severity: 'page',
      summary: 'The API cannot reach its database',
      description:
        '{{ $value | printf "%.2f" }} statements per second failed over the last 30s because the ' +
        'database could not be reached; readiness fails and nothing can be sold.',
      dashboard: DashboardUid.saturation,
      doc: {
        firesWhen: `\`job:db_unavailable_errors:rate30s > ${T.dbUnavailableErrorsPerSecond}\` — the API's statements fail for lack of a database`,
        window: '30 s',
        floor: '— (the `/readyz` probe runs a statement every 5 s)',
      },
    },
    {
      alert: 'ApiRestarting',
      comment: 'A replica that keeps starting over (docs/faults.md: crash): each restart is a new\nprocess_start_time_seconds. Two in 5 minutes is a loop, not a deploy.',
      expr: `changes(process_start_time_seconds{${API}}[5m]) >= ${T.restartsIn5m}`,
      severity: 'page',
      summary: 'API replica {{ $labels.instance }} is crash-looping',
      description:
        '{{ $labels.instance }} restarted {{ $value }} times in the last 5 minutes: it exits and ' +
        'its supervisor starts it again.',
      dashboard: DashboardUid.saturation,
      doc: { firesWhen: `\`changes(process_start_time_seconds[5m]) >= ${T.restartsIn5m}\` (per replica): a crash loop`, window: '5 m', floor: '—' },
    },
    {
      alert: 'ProbeFailing',
      comment: 'Seen from outside, as a user: blackbox_exporter\'s probes of /readyz and a concert read.',
      expr: 'probe_success{job="blackbox"} == 0',
      for: '1m',
      severity: 'page',
      summary: 'Probe of {{ $labels.instance }} fails',
      description:
        'blackbox_exporter has failed to get a 200 from {{ $labels.instance }} for 1 minute ' +
        '(probe_success = {{ $value }}).',
      dashboard: DashboardUid.saturation,
      doc: { firesWhen: '`probe_success{job="blackbox"} == 0` — `/readyz` or a concert read, from outside', window: '—', floor: '—' },
    },
  ],
};

const saturationAlerts: RuleGroup<AlertingRule> = {
  name: 'ticketpulse-saturation-alerts',
  rules: [
    {
      alert: 'DatabaseSlow',
      comment:
        'Statements normally take 1–5 ms (p95); 100 ms means purchases hold the concert\'s row lock\n' +
        'that much longer and buyers queue (docs/faults.md: database slowness). A 30 s window and\n' +
        '`for: 15s`, shorter than HighRequestLatency\'s 30 s: the cause must reach Alertmanager before\n' +
        'the slow requests it explains, or they page first and the inhibition comes too late.\n' +
        'The 1 statement/s floor keeps a quiet window\'s one slow statement from paging.',
      expr: `job:db_query_duration_seconds:p95_30s > ${T.dbQueryP95Seconds}\nand on (job) job:db_queries:rate30s >= ${T.dbQueriesFloor}\n`,
      for: '15s',
      severity: 'page',
      summary: 'Database statements take {{ $value | humanizeDuration }} (p95)',
      description:
        'The 95th percentile of the API\'s database statements is {{ $value | humanizeDuration }} ' +
        `over the last 30s (limit ${ms(T.dbQueryP95Seconds)}; normally a few ms): locks are held longer, requests queue.`,
      dashboard: DashboardUid.saturation,
      doc: {
        firesWhen: `\`job:db_query_duration_seconds:p95_30s > ${T.dbQueryP95Seconds}\` (${ms(T.dbQueryP95Seconds).replace('ms', ' ms')})`,
        window: '30 s',
        floor: `\`job:db_queries:rate30s >= ${T.dbQueriesFloor}\` /s`,
      },
    },
    {
      alert: 'DbPoolSaturated',
      comment: 'Statements waiting for one of the pool\'s connections (DATABASE_POOL_SIZE) for 2 minutes.',
      expr: `max by (job, instance) (db_pool_connections_waiting{${API}}) > ${T.dbPoolWaiting}`,
      for: '2m',
      severity: 'ticket',
      summary: 'Database pool of {{ $labels.instance }} is saturated',
      description:
        '{{ $value }} statements on {{ $labels.instance }} are waiting for a database connection ' +
        `(limit ${T.dbPoolWaiting}) for 2 minutes.`,
      dashboard: DashboardUid.saturation,
      doc: { firesWhen: `\`db_pool_connections_waiting > ${T.dbPoolWaiting}\` (per replica)`, window: '—', floor: '—' },
    },
    {
      alert: 'MemoryGrowing',
      comment:
        'A leak, not a level: resident memory extrapolated 1 h ahead from the last 10 minutes\n' +
        'crosses 1 GiB (the container limit in deploy/), held for 5 minutes so a burst of\n' +
        'allocations that the garbage collector takes back does not count.\n' +
        'The second clause (still within 80 % of its 10-minute high: a leak is always at its high)\n' +
        'resolves it as soon as the memory comes back (a fix, a restart); the trend alone would still\n' +
        'point up for minutes after a drop (CI measured 475 s).',
      expr:
        `predict_linear(process_resident_memory_bytes{${API}}[10m], 3600) > ${bytes(T.memoryPredictedBytes)}\n` +
        `  and process_resident_memory_bytes{${API}} > ${T.memoryNearHighRatio} * max_over_time(process_resident_memory_bytes{${API}}[10m])`,
      for: '5m',
      severity: 'ticket',
      summary: 'Memory of {{ $labels.instance }} grows toward 1GiB',
      description:
        'At its rate of the last 10 minutes, {{ $labels.instance }} would hold {{ $value | humanize1024 }}B ' +
        'within an hour (limit 1GiB).',
      dashboard: DashboardUid.saturation,
      doc: { firesWhen: '`predict_linear(process_resident_memory_bytes[10m], 3600) > 1 GiB`, and the memory within 80 % of its 10-minute high (per replica)', window: '10 m', floor: '—' },
    },
    {
      alert: 'EventLoopStalls',
      comment:
        'The longest single block of the event loop between two scrapes (prom-client resets it at\n' +
        'every scrape): a stall the p99 of EventLoopLag averages away. 500 ms in every minute for\n' +
        '2 minutes is a pattern, not one slow garbage collection.',
      expr: `max_over_time(nodejs_eventloop_lag_max_seconds{${API}}[1m]) > ${T.eventLoopStallSeconds}`,
      for: '2m',
      severity: 'ticket',
      summary: 'Event loop of {{ $labels.instance }} stalls for {{ $value | humanizeDuration }}',
      description:
        'The event loop of {{ $labels.instance }} was blocked for up to {{ $value | humanizeDuration }} ' +
        `at a time in each of the last minutes (limit ${ms(T.eventLoopStallSeconds)}).`,
      dashboard: DashboardUid.saturation,
      doc: { firesWhen: `\`max_over_time(nodejs_eventloop_lag_max_seconds[1m]) > ${T.eventLoopStallSeconds}\` (per replica)`, window: '1 m', floor: '—' },
    },
    {
      alert: 'HostCpuHigh',
      expr: `instance:node_cpu_utilisation:ratio_rate2m > ${T.hostCpuRatio}`,
      for: '10m',
      severity: 'ticket',
      summary: 'Host {{ $labels.instance }} CPU is {{ $value | humanizePercentage }} busy',
      description: `The host's CPUs have been {{ $value | humanizePercentage }} busy (limit ${percent(T.hostCpuRatio)}) for 10 minutes.`,
      dashboard: DashboardUid.saturation,
      doc: { firesWhen: `\`instance:node_cpu_utilisation:ratio_rate2m > ${T.hostCpuRatio}\` (node_exporter)`, window: '2 m', floor: '—' },
    },
    {
      alert: 'HostMemoryLow',
      expr: `instance:node_memory_available:ratio < ${T.hostMemoryAvailableRatio}`,
      for: '5m',
      severity: 'ticket',
      summary: 'Host {{ $labels.instance }} has {{ $value | humanizePercentage }} of its memory left',
      description: `Only {{ $value | humanizePercentage }} of the host's memory is available (limit ${percent(T.hostMemoryAvailableRatio)}) for 5 minutes.`,
      dashboard: DashboardUid.saturation,
      doc: { firesWhen: `\`instance:node_memory_available:ratio < ${T.hostMemoryAvailableRatio}\` (node_exporter)`, window: '—', floor: '—' },
    },
    {
      alert: 'HighCpu',
      comment: 'Node runs JavaScript on one thread: 90 % of one core sustained means requests queue.',
      expr: `instance:process_cpu_seconds:rate1m > ${T.cpuCores}`,
      for: '5m',
      severity: 'ticket',
      summary: 'API replica {{ $labels.instance }} uses {{ $value | humanizePercentage }} of a CPU core',
      description:
        '{{ $labels.instance }} has used {{ $value | humanizePercentage }} of one core (limit 90 %) ' +
        'for 5 minutes; its event loop has no headroom left.',
      dashboard: DashboardUid.saturation,
      doc: { firesWhen: `\`instance:process_cpu_seconds:rate1m > ${T.cpuCores}\` (cores, per replica)`, window: '1 m', floor: '—' },
    },
    {
      alert: 'HighMemory',
      comment:
        'Thresholds per database mode (database_info from the API), measured on the development\n' +
        'machine (docs/alerts.md, "HighMemory thresholds"): with PostgreSQL a replica holds ~105 MiB\n' +
        'idle and ~125 MiB under 50 Locust users, so 512 MiB held for 5 minutes points at a leak or an\n' +
        'unbounded cache well before an OOM kill. The embedded PGlite (a whole PostgreSQL compiled to\n' +
        'WebAssembly inside the API process) sits at 500-510 MiB steady and ~900 MiB for a while after\n' +
        'start, so there the line is 1.5 GiB. A replica without database_info gets 512 MiB.',
      expr:
        `process_resident_memory_bytes{${API}}\n` +
        '  > on (job, instance)\n' +
        '  (\n' +
        `      max by (job, instance) (database_info{${API}, kind="pglite"}) * ${bytes(T.residentMemoryPgliteBytes)}\n` +
        '    or\n' +
        `      max by (job, instance) (process_resident_memory_bytes{${API}}) * 0 + ${bytes(T.residentMemoryBytes)}\n` +
        '  )\n',
      for: '5m',
      severity: 'ticket',
      summary: 'API replica {{ $labels.instance }} uses {{ $value | humanize1024 }}B of memory',
      description:
        'Resident memory of {{ $labels.instance }} is {{ $value | humanize1024 }}B for 5 minutes (limit ' +
        '512MiB with PostgreSQL, 1.5GiB with the embedded PGlite).',
      dashboard: DashboardUid.saturation,
      doc: { firesWhen: '`process_resident_memory_bytes` > 512 MiB with PostgreSQL, > 1.5 GiB with PGlite (per replica, `database_info`)', window: '—', floor: '—' },
    },
    {
      alert: 'EventLoopLag',
      comment: 'p99 event-loop delay (prom-client measures it between scrapes). 200 ms means every request\non that replica waits that long before its handler even starts.',
      expr: `nodejs_eventloop_lag_p99_seconds{${API}} > ${T.eventLoopLagSeconds}`,
      for: '1m',
      severity: 'ticket',
      summary: 'Event loop of {{ $labels.instance }} lags {{ $value | humanizeDuration }} (p99)',
      description:
        'The p99 event-loop delay of {{ $labels.instance }} is {{ $value | humanizeDuration }} ' +
        `(limit ${ms(T.eventLoopLagSeconds)}) for 1 minute: something blocks the JavaScript thread.`,
      dashboard: DashboardUid.saturation,
      doc: { firesWhen: `\`nodejs_eventloop_lag_p99_seconds > ${T.eventLoopLagSeconds}\` (${ms(T.eventLoopLagSeconds).replace('ms', ' ms')}, per replica)`, window: 'between scrapes', floor: '—' },
    },
  ],
};

/**
 * Alerts with this severity are not for people and are not counted as active: the Watchdog (always
 * firing on purpose) and IncidentAftermath (a cause's shadow that holds its symptoms back).
 */
export const HEARTBEAT_SEVERITY = 'none';

const metaGroup: RuleGroup<AlertingRule> = {
  name: 'ticketpulse-meta-alerts',
  rules: [
    {
      alert: 'Watchdog',
      comment:
        'Always firing. Alertmanager routes it to a null receiver; its absence from Alertmanager\n' +
        '(or from a dead-man\'s-switch service) means the pipeline itself is broken.',
      expr: 'vector(1)',
      severity: HEARTBEAT_SEVERITY,
      summary: 'Alerting pipeline heartbeat (always firing)',
      description:
        'This alert fires all the time (value {{ $value }}) to prove Prometheus evaluates rules and ' +
        'reaches Alertmanager. If it is missing, no other alert can be trusted.',
      dashboard: DashboardUid.overview,
      doc: { firesWhen: 'always (`vector(1)`); routed to a null receiver', window: '—', floor: '—' },
    },
    aftermathAlert,
  ],
};

export const RECORDING_RULES: RuleFile<RecordingRule> = {
  file: 'recording.yml',
  comment:
    'Recording rules: the RED figures per route, the purchase failure ratio, business rates and the\n' +
    'SLIs at every window the burn-rate alerts need. Named level:metric:operations\n' +
    '(https://prometheus.io/docs/practices/rules/#naming-and-aggregation); the level lists the labels\n' +
    'kept besides `job`. Alerts read these series; the dashboards read the same SLI series.',
  groups: [redGroup, purchasesGroup, saturationGroup, ...sloRecordingGroups()],
};

export const ALERTING_RULES: RuleFile<AlertingRule> = {
  file: 'alerts.yml',
  comment:
    'Alerting rules. Every alert has `severity` (page = wake someone now; ticket = look during working\n' +
    'hours; none = Watchdog only), a `summary`, a `description` with the current value, a `runbook_url`\n' +
    '(docs/runbooks/<alert-name-in-kebab-case>.md) and a `dashboard_url`, both built by\n' +
    'observability/alerts/links.ts. Thresholds, `for:` durations and the time-to-detect budget are explained\n' +
    'in docs/alerts.md; the SLOs behind the burn-rate alerts in docs/slo.md.\n' +
    'Unit tests: observability/prometheus/tests/.',
  groups: [symptomGroup, sloAlertGroup(), availabilityGroup, saturationAlerts, metaGroup],
};

export const ALL_ALERTS: readonly AlertingRule[] = ALERTING_RULES.groups.flatMap((group) => group.rules);
