// The one environment reader: each bad value is one line naming the variable, and never repeats a
// secret (by the variable's name) or a URL's credentials.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, quoteValue, readDuration, readInteger, readUrl } from '../../../packages/shared/env.js';

const message = (read: () => unknown): string => {
  try {
    read();
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    assert.doesNotMatch(error.message, /\n/);
    return error.message;
  }
  return assert.fail('expected a ConfigError');
};

describe('environment reader', () => {
  it('never echoes the value of a variable whose name says it is a secret', () => {
    const secret = 'hunter2-do-not-print';
    for (const name of ['ADMIN_TOKEN', 'SMTP_PASSWORD', 'DISCORD_WEBHOOK_URL', 'CLIENT_SECRET', 'api_token']) {
      const text = message(() => readInteger({ [name]: secret }, name, 1, 0, 10));
      assert.ok(text.startsWith(`${name} must be an integer`), text);
      assert.ok(!text.includes(secret), text);
      assert.match(text, /hidden because it is a secret/);
    }
    assert.equal(quoteValue('DISCORD_WEBHOOK_URL', `htps://discord.com/api/webhooks/1/${secret}`), 'a value starting with "htps:", the rest hidden because it is a secret');
  });

  it("shows other values, without a URL's or host's credentials", () => {
    assert.equal(message(() => readInteger({ PORT: 'eighty' }, 'PORT', 1, 0, 10)), 'PORT must be an integer from 0 to 10 (got "eighty")');
    const text = message(() => readUrl({ DATABASE_URL: 'postgres://app:s3cr3t@db.example:notaport/x' }, 'DATABASE_URL', undefined, ['postgres:']));
    assert.ok(!text.includes('s3cr3t'), text);
    assert.match(text, /^DATABASE_URL must be a URL \(got "postgres:\/\/\*\*\*@db\.example:notaport\/x"\)$/);
    assert.equal(quoteValue('SMTP_SMARTHOST', 'oncall:pw@smtp.example.com'), '"***@smtp.example.com"');
    const keepingUser = message(() => readUrl({ DATABASE_URL: 'postgres://app:s3cr3t@db:x/y' }, 'DATABASE_URL', undefined, ['postgres:'], { keepUser: true }));
    assert.equal(keepingUser, 'DATABASE_URL must be a URL (got "postgres://app:***@db:x/y")');
  });

  it('reads durations in Prometheus syntax, refusing zero when asked for a positive one', () => {
    assert.equal(readDuration({}, 'GROUP_WAIT', '10s', { positive: true }), '10s');
    assert.equal(readDuration({ GROUP_WAIT: ' 1m30s ' }, 'GROUP_WAIT', '10s'), '1m30s');
    assert.equal(readDuration({}, 'INTERVAL'), undefined);
    assert.equal(readDuration({ GROUP_WAIT: '0s' }, 'GROUP_WAIT', '10s'), '0s');
    assert.equal(message(() => readDuration({ GROUP_WAIT: '0s' }, 'GROUP_WAIT', '10s', { positive: true })), 'GROUP_WAIT must be a positive duration like 10s, 1m or 4h (got "0s")');
    assert.match(message(() => readDuration({ GROUP_WAIT: 'soon' }, 'GROUP_WAIT', '10s')), /^GROUP_WAIT must be a duration/);
  });
});
