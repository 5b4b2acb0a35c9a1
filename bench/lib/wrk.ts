import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const execFileAsync = promisify(execFile);

/** One wrk run (/usr/bin/wrk): loopback only, bounded by its duration. */
export interface WrkResult {
  /** CPU time the API process spent per request served (from its own process_cpu_seconds_total). */
  cpuMicrosPerRequest?: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  requests: number;
}

export function toMs(text: string): number {
  const match = /([\d.]+)(us|ms|s)/.exec(text);
  if (!match) return NaN;
  const n = Number(match[1]);
  return match[2] === 'us' ? n / 1000 : match[2] === 's' ? n * 1000 : n;
}

function wrkArgs(url: string, seconds: number, script: string | undefined, threads: number, connections: number): string[] {
  return [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', ...(script ? ['-s', script] : []), url];
}

function parseWrk(out: string): WrkResult {
  const line = (label: string) => new RegExp(`^\\s*${label}\\s+(\\S+)`, 'm').exec(out)?.[1] ?? '';
  return {
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    p50Ms: toMs(line('50%')),
    p99Ms: toMs(line('99%')),
    non2xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0),
    requests: Number(/(\d+) requests in/.exec(out)?.[1]),
  };
}

export function wrk(url: string, seconds: number, script?: string, { threads = 2, connections = 64 } = {}): WrkResult {
  return parseWrk(execFileSync('wrk', wrkArgs(url, seconds, script, threads, connections), { encoding: 'utf8' }));
}

/** The same, without blocking: several wrk processes at once, e.g. one per replica. */
export async function wrkAsync(url: string, seconds: number, script?: string, { threads = 1, connections = 16 } = {}): Promise<WrkResult> {
  const { stdout } = await execFileAsync('wrk', wrkArgs(url, seconds, script, threads, connections), { encoding: 'utf8' });
  return parseWrk(stdout);
}

/**
 * A wrk Lua script whose every request picks one of `paths` at random, optionally POSTing `body`
 * (JSON): many concerts rather than one hot row, so lookups really go through the indexes.
 */
export function randomPathsScript(name: string, paths: readonly string[], body?: string): string {
  const file = join(tmpdir(), `tp-bench-${name}-${process.pid}.lua`);
  const list = paths.map((p) => `"${p}"`).join(',\n');
  writeFileSync(
    file,
    `local paths = {\n${list}\n}\n` +
      (body ? `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = '${body}'\n` : '') +
      `math.randomseed(os.time())\nrequest = function()\n  return wrk.format(nil, paths[math.random(#paths)])\nend\n`,
  );
  return file;
}
