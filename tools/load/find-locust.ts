// Finds the `locust` executable (LOCUST_BIN, else PATH) without running it: Debian's package
// runs under /usr/bin/python3 via its shebang, so it must be executed as is, never via a python3.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { execFileSync } from 'node:child_process';

export const LOCUST_INSTALL_HINT =
  'locust not found: install it with `apt-get install python3-locust` (Debian/Ubuntu), `pip install locust`, or `brew install locust` (or set LOCUST_BIN)';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findLocust(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.LOCUST_BIN) return isExecutable(env.LOCUST_BIN) ? env.LOCUST_BIN : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, 'locust'))) return join(dir, 'locust');
  }
  return undefined;
}

/** Best effort, for the run record: Debian's `locust --version` prints no number, dpkg knows it. */
export function locustVersion(binary: string): string {
  const attempts: Array<[string, string[]]> = [
    [binary, ['--version']],
    ['dpkg-query', ['-W', '-f=${Version}', 'python3-locust']],
  ];
  for (const [command, args] of attempts) {
    try {
      const output = execFileSync(command, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
      const version = /\d+\.\d+(\.\d+)?/.exec(output)?.[0];
      if (version) return version;
    } catch {
      // try the next source
    }
  }
  return 'unknown';
}
