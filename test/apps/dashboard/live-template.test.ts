// The live dashboard's Grafana semantics that need no browser: template variables, interval
// variables, units and threshold colours (the same modules the page bundles). template.ts is also
// what the panel-query test sends every query through: if it drifted from Grafana's, that test
// would prove queries Grafana never sends.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ALL,
  builtinVariables,
  computeIntervals,
  interpolate,
  legendName,
  parseDuration,
  parseLabelValuesQuery,
  roundInterval,
  variableText,
} from '../../../apps/dashboard/public/template.js';
import { formatValue, thresholdColor, thresholdLines } from '../../../apps/dashboard/public/units.js';

describe('template variables', () => {
  const job = { name: 'job', multi: true, includeAll: true, allValue: '.*' };

  it('replaces $var, ${var}, ${var:format} and [[var]], and leaves unknown names for Prometheus to report', () => {
    const values = { job: 'api', instance: '.*' };
    assert.equal(
      interpolate('up{job=~"$job", instance=~"${instance}", a="${job:regex}", b="[[job]]", c="$unknown"}', values),
      'up{job=~"api", instance=~".*", a="api", b="api", c="$unknown"}',
    );
  });

  it('does not let $job swallow a longer name such as $jobs', () => {
    assert.equal(interpolate('$jobs $job', { job: 'x' }), '$jobs x');
  });

  it('turns All into the allValue, or .* when the dashboard sets none', () => {
    assert.equal(variableText(job, ALL), '.*');
    assert.equal(variableText({ name: 'job', includeAll: true }, ALL, ['ticketpulse-api', 'api.v2']), '(ticketpulse-api|api\\\\.v2)', 'All = every option, as Grafana does');
    assert.equal(variableText({ name: 'instance', includeAll: true }, ALL), '.*');
    assert.equal(variableText({ name: 'instance', includeAll: true, allValue: 'api-.*' }, [ALL]), 'api-.*');
  });

  it('escapes regex characters of chosen values and joins several as an alternation', () => {
    assert.equal(variableText(job, ['127.0.0.1:8080']), '127\\\\.0\\\\.0\\\\.1:8080');
    assert.equal(variableText(job, ['a', 'b.c']), '(a|b\\\\.c)');
    assert.equal(variableText({ name: 'plain' }, 'x.y'), 'x.y');
  });

  it('derives $__interval, $__rate_interval and $__range like Grafana', () => {
    // 15 minutes over 300 points = 3 s, rounded to the nearest readable interval as Grafana does
    // (rangeutil.roundInterval: below 3.5 s → 2 s; the page used to round up to 5 s); scrape 1 s.
    const intervals = computeIntervals({ rangeSeconds: 900, maxDataPoints: 300, scrapeIntervalSeconds: 1 });
    assert.deepEqual(intervals, { stepSeconds: 2, intervalSeconds: 2, rateIntervalSeconds: 4 });
    // Never below the scrape interval; rate window at least four scrapes.
    const short = computeIntervals({ rangeSeconds: 300, maxDataPoints: 600, scrapeIntervalSeconds: 15 });
    assert.deepEqual(short, { stepSeconds: 15, intervalSeconds: 15, rateIntervalSeconds: 60 });
    // A panel's own min interval wins over the scrape interval.
    assert.equal(computeIntervals({ rangeSeconds: 300, maxDataPoints: 600, scrapeIntervalSeconds: 5, minInterval: '30s' }).stepSeconds, 30);
    const builtins = builtinVariables({ rangeSeconds: 3600, intervalSeconds: 15, rateIntervalSeconds: 60 });
    assert.equal(interpolate('rate(x[$__rate_interval]) $__interval $__range $__range_s', builtins), 'rate(x[60s]) 15s 3600s 3600');
  });

  it("rounds intervals to the nearest step of Grafana's rangeutil.roundInterval ladder", () => {
    assert.equal(roundInterval(3_499), 2_000);
    assert.equal(roundInterval(3_500), 5_000, 'half-way rounds up');
    assert.equal(roundInterval(21_600), 20_000, '21.6 s rounds down to 20 s');
    assert.equal(roundInterval(5), 1);
    assert.equal(roundInterval(2 * 86_400_000), 86_400_000, 'beyond 12 h the ladder goes on (1 d, 1 w, 30 d, 1 y)');
    assert.equal(roundInterval(10 * 365 * 86_400_000), 31_536_000_000);
  });

  it('$__rate_interval is max($__interval + scrape interval, 4 × scrape interval)', () => {
    // Moved here when the panel-query test stopped keeping its own copy of Grafana's interpolation.
    const short = computeIntervals({ rangeSeconds: 900, maxDataPoints: 1000, scrapeIntervalSeconds: 5 });
    assert.equal(short.stepSeconds, 5, 'never below the scrape interval');
    assert.equal(interpolate('rate(x[$__rate_interval])', builtinVariables({ rangeSeconds: 900, ...short })), 'rate(x[20s])');
    const long = computeIntervals({ rangeSeconds: 6 * 3600, maxDataPoints: 1000, scrapeIntervalSeconds: 5 });
    assert.equal(long.stepSeconds, 20, '21.6 s rounds to 20 s as in Grafana');
    assert.equal(
      interpolate('rate(x[$__rate_interval]) [$__interval] $__range $__range_s', builtinVariables({ rangeSeconds: 6 * 3600, ...long })),
      'rate(x[25s]) [20s] 21600s 21600',
    );
  });

  it('escapes values as Grafana\'s Prometheus datasource does, and leaves label_replace\'s ${1} alone', () => {
    const instance = { name: 'instance', multi: true, includeAll: true };
    assert.equal(
      interpolate('{instance=~"$instance"}', { instance: variableText(instance, ['10.0.0.1:8080', '10.0.0.2:8080']) }),
      '{instance=~"(10\\\\.0\\\\.0\\\\.1:8080|10\\\\.0\\\\.0\\\\.2:8080)"}',
    );
    const one = variableText(instance, ['a.b']);
    assert.equal(interpolate('${one} [[one]]', { one }), 'a\\\\.b a\\\\.b');
    // A backslash in a regex value: four in the query text, as Grafana's prometheusSpecialRegexEscape.
    assert.equal(variableText(instance, ['a\\b']), 'a\\\\\\\\b');
    // Neither multi nor All: the regular escape (backslash doubled, quote escaped), no regex escaping.
    assert.equal(variableText({ name: 'plain' }, "a.b\\c'"), "a.b\\\\c\\\\'");
    assert.equal(
      interpolate('label_replace(x, "c", "${1}xx", "s", "(.)..") $nope', {}),
      'label_replace(x, "c", "${1}xx", "s", "(.)..") $nope',
    );
  });

  it('parses durations and label_values queries', () => {
    assert.equal(parseDuration('1m30s'), 90);
    assert.equal(parseDuration('500ms'), 0.5);
    assert.equal(parseDuration('soon'), undefined);
    assert.deepEqual(parseLabelValuesQuery('label_values(http_requests_total{job=~"$job"}, instance)'), {
      selector: 'http_requests_total{job=~"$job"}',
      label: 'instance',
    });
    assert.deepEqual(parseLabelValuesQuery({ query: 'label_values(job)' }), { selector: undefined, label: 'job' });
    assert.equal(parseLabelValuesQuery('query_result(up)'), undefined);
  });

  it('fills legend formats from series labels', () => {
    assert.equal(legendName('{{route}} {{status_class}}', { route: '/api/concerts', status_class: '2xx' }), '/api/concerts 2xx');
    assert.equal(legendName(undefined, { __name__: 'up', job: 'api' }), 'up{job="api"}');
    assert.equal(legendName('__auto', {}), 'value');
  });
});

describe('units and thresholds', () => {
  it('formats the units our dashboards use', () => {
    assert.equal(formatValue(0.0183, 'percentunit', 2), '1.83%');
    assert.equal(formatValue(54.6, 'reqps', 1), '54.6 req/s');
    assert.equal(formatValue(0.023311, 's', 3), '23.311 ms');
    assert.equal(formatValue(1.5, 's'), '1.5 s');
    assert.equal(formatValue(100 * 1024 * 1024, 'bytes'), '100 MiB');
    assert.equal(formatValue(1700, 'short', 1), '1.7 k');
    assert.equal(formatValue(3, 'short', 0), '3');
    assert.equal(formatValue(null, 'reqps'), 'No data');
    assert.equal(formatValue(12, 'suffix: tickets'), '12 tickets');
  });

  it('colours a value by the last threshold step it reaches', () => {
    const thresholds = { mode: 'absolute' as const, steps: [{ color: 'green', value: null }, { color: 'orange', value: 0.9 }, { color: 'red', value: 1 }] };
    assert.equal(thresholdColor(0.5, thresholds), '#73BF69');
    assert.equal(thresholdColor(0.9, thresholds), '#FF9830');
    assert.equal(thresholdColor(1, thresholds), '#F2495C');
    assert.equal(thresholdColor(null, thresholds), undefined);
    const percentage = { mode: 'percentage' as const, steps: [{ color: 'green', value: null }, { color: 'red', value: 50 }] };
    assert.equal(thresholdColor(0.6, percentage, { min: 0, max: 1 }), '#F2495C');
    assert.deepEqual(thresholdLines(thresholds), [
      { value: 0.9, color: '#FF9830' },
      { value: 1, color: '#F2495C' },
    ]);
  });
});
