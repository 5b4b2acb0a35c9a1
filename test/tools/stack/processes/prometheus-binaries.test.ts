import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BinaryNotFoundError, installHint, locateBinary } from '../../../../tools/stack/processes/binaries.js';

const root = mkdtempSync(join(tmpdir(), 'tp-binaries-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

function fakeBin(dir: string, name: string, executable = true): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, '#!/bin/sh\nexit 0\n');
  chmodSync(path, executable ? 0o755 : 0o644);
  return path;
}

describe('locateBinary', () => {
  it('finds Debian prometheus-alertmanager before Homebrew alertmanager, whatever the PATH order', () => {
    const brew = fakeBin(join(root, 'brew'), 'alertmanager');
    const debian = fakeBin(join(root, 'debian'), 'prometheus-alertmanager');
    assert.equal(locateBinary('alertmanager', { PATH: `${join(root, 'brew')}:${join(root, 'debian')}` }), debian);
    assert.equal(locateBinary('alertmanager', { PATH: join(root, 'brew') }), brew);
  });

  it('skips files that are not executable', () => {
    fakeBin(join(root, 'noexec'), 'promtool', false);
    const good = fakeBin(join(root, 'exec'), 'promtool');
    assert.equal(locateBinary('promtool', { PATH: `${join(root, 'noexec')}:${join(root, 'exec')}` }), good);
  });

  it('honours the override variable, and names it when it points nowhere', () => {
    const custom = fakeBin(join(root, 'custom'), 'my-prometheus');
    assert.equal(locateBinary('prometheus', { PATH: '', PROMETHEUS_BIN: custom }), custom);
    assert.throws(
      () => locateBinary('amtool', { PATH: '', AMTOOL_BIN: join(root, 'missing') }),
      (error: Error) => error instanceof BinaryNotFoundError && /^AMTOOL_BIN=.* is not an executable file$/.test(error.message),
    );
  });

  it('when missing, gives one line with the variable and an install hint', () => {
    assert.throws(
      () => locateBinary('alertmanager', { PATH: join(root, 'empty') }),
      (error: Error) => {
        assert.ok(error instanceof BinaryNotFoundError);
        assert.doesNotMatch(error.message, /\n/);
        assert.match(error.message, /prometheus-alertmanager \/ alertmanager not found on PATH \(set ALERTMANAGER_BIN/);
        assert.match(error.message, new RegExp(installHint('alertmanager').replace(/[()/.]/g, '\\$&')));
        return true;
      },
    );
    assert.match(installHint('prometheus', 'linux'), /apt-get install prometheus/);
    assert.match(installHint('alertmanager', 'darwin'), /brew install alertmanager/);
    assert.match(installHint('promtool', 'win32'), /prometheus\.io\/download/);
  });

  it('finds the real binaries this machine has installed', () => {
    for (const tool of ['prometheus', 'promtool', 'alertmanager', 'amtool'] as const) {
      assert.match(locateBinary(tool), /\//, tool);
    }
  });
});
