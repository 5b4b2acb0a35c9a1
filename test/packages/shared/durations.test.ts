// The one duration parser: Prometheus's syntax, as Prometheus itself reads it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDuration, parseDurationSeconds, parseSecondsOrDuration } from '../../../packages/shared/durations.js';

describe('durations', () => {
  it('reads every unit, combined largest first', () => {
    assert.equal(parseDurationSeconds('15s'), 15);
    assert.equal(parseDurationSeconds('1m30s'), 90);
    assert.equal(parseDurationSeconds('500ms'), 0.5);
    assert.equal(parseDurationSeconds('4h'), 14_400);
    assert.equal(parseDurationSeconds('1d2h'), 93_600);
    assert.equal(parseDurationSeconds('1w'), 604_800);
    assert.equal(parseDurationSeconds('1y'), 31_536_000);
    assert.equal(parseDurationSeconds('0s'), 0);
  });

  it('refuses what Prometheus refuses: no unit, units out of order or repeated, other text', () => {
    for (const text of ['', '15', 's', '30s1m', '1m1m', '1.5s', '-1s', ' 1s', 'soon', '1M']) {
      assert.equal(parseDurationSeconds(text), undefined, JSON.stringify(text));
      assert.equal(isDuration(text), false, JSON.stringify(text));
    }
    assert.equal(parseDurationSeconds(undefined), undefined);
    assert.equal(parseDurationSeconds(15), undefined);
  });

  it('on a command line also takes whole seconds', () => {
    assert.equal(parseSecondsOrDuration('90'), 90);
    assert.equal(parseSecondsOrDuration('2m'), 120);
    assert.equal(parseSecondsOrDuration('1h30m'), 5_400);
    assert.equal(parseSecondsOrDuration('9O'), undefined);
  });
});
