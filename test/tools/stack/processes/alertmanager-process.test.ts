// startAlertmanager: the real binary on an ephemeral port, no cluster gossip, a clear error on a
// bad config, and nothing left behind after stop().
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAlertmanagerConfig } from '../../../../apps/alertmanager-config/alertmanager-config.js';
import { startAlertmanager, type AlertmanagerProcess } from '../../../../tools/stack/processes/alertmanager-process.js';

const dir = mkdtempSync(join(tmpdir(), 'tp-am-process-'));
const started: AlertmanagerProcess[] = [];

after(async () => {
  await Promise.allSettled(started.map((am) => am.stop()));
  rmSync(dir, { recursive: true, force: true });
});

describe('startAlertmanager', () => {
  it('starts the real binary on a free loopback port, ready, without gossip, and cleans up on stop', async () => {
    const configFile = writeAlertmanagerConfig(join(dir, 'ok.yml'), {});
    const am = await startAlertmanager({ configFile });
    started.push(am);
    assert.match(am.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(am.port, 9093);
    const ready = await fetch(`${am.url}/-/ready`);
    assert.equal(ready.status, 200);
    const status = (await (await fetch(`${am.url}/api/v2/status`)).json()) as { cluster: { status: string }; config: { original: string } };
    assert.equal(status.cluster.status, 'disabled', '--cluster.listen-address= disables gossip');
    assert.match(status.config.original, /discord_configs/);
    assert.deepEqual(await am.alerts(), []);
    assert.ok(existsSync(am.dataDir));

    await am.stop();
    assert.equal(existsSync(am.dataDir), false, 'its own data folder is removed');
    await assert.rejects(fetch(`${am.url}/-/ready`), 'no longer listening');
    await am.stop(); // idempotent
  });

  it('a config Alertmanager refuses → rejects with the binary\'s own log lines', async () => {
    const configFile = join(dir, 'bad.yml');
    writeFileSync(configFile, 'route:\n  receiver: nowhere\nreceivers: []\n');
    await assert.rejects(startAlertmanager({ configFile }), (error: Error) => {
      assert.match(error.message, /exited with code \d+ before it was ready/);
      assert.match(error.message, /nowhere/);
      return true;
    });
  });

  it('a missing binary → a clear error', async () => {
    const configFile = writeAlertmanagerConfig(join(dir, 'ok2.yml'), {});
    await assert.rejects(startAlertmanager({ configFile, binary: join(dir, 'no-such-alertmanager') }), /could not start/);
  });
});
