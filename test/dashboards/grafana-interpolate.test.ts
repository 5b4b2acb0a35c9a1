// The Grafana interpolation the panel-query test relies on: if it drifted from Grafana's, the query test
// would prove queries Grafana never sends.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { interpolation } from './grafana-interpolate.js';

const time = { rangeSeconds: 900, scrapeIntervalSeconds: 5 };

test('$__rate_interval is max($__interval + scrape interval, 4 × scrape interval)', () => {
  const short = interpolation({}, time);
  assert.equal(short.stepSeconds, 5, 'never below the scrape interval');
  assert.equal(short.expand('rate(x[$__rate_interval])'), 'rate(x[20s])');
  const long = interpolation({}, { rangeSeconds: 6 * 3600, scrapeIntervalSeconds: 5 });
  assert.equal(long.stepSeconds, 20, '21.6 s rounds to 20 s as in Grafana');
  assert.equal(long.expand('rate(x[$__rate_interval]) [$__interval] $__range $__range_s'), 'rate(x[25s]) [20s] 21600s 21600');
});

test('multi-value and single values are regex-escaped for =~, "All" becomes its allValue', () => {
  const vars = interpolation(
    {
      instance: { all: false, values: ['10.0.0.1:8080', '10.0.0.2:8080'] },
      one: { all: false, values: ['a.b'] },
      everything: { all: true, allValue: '.*' },
    },
    time,
  );
  assert.equal(vars.expand('{instance=~"$instance"}'), '{instance=~"(10\\\\.0\\\\.0\\\\.1:8080|10\\\\.0\\\\.0\\\\.2:8080)"}');
  assert.equal(vars.expand('${one} [[one]]'), 'a\\\\.b a\\\\.b');
  assert.equal(vars.expand('{job=~"$everything"}'), '{job=~".*"}');
});

test("unknown names, such as label_replace's ${1}, are left alone as Grafana does", () => {
  const vars = interpolation({}, time);
  assert.equal(vars.expand('label_replace(x, "c", "${1}xx", "s", "(.)..") $nope'), 'label_replace(x, "c", "${1}xx", "s", "(.)..") $nope');
});
