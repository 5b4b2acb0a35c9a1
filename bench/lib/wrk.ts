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
  /** Responses by status code, when the run used a statusTallyScript(). */
  statuses?: Record<string, number>;
  /** wrk's socket errors, when the run used a statusTallyScript(). */
  socketErrors?: { connect: number; read: number; write: number; timeout: number };
}

export function toMs(text: string): number {
  const match = /([\d.]+)(us|ms|s)/.exec(text);
  if (!match) return NaN;
  const n = Number(match[1]);
  return match[2] === 'us' ? n / 1000 : match[2] === 's' ? n * 1000 : n;
}

interface WrkOptions {
  threads?: number;
  connections?: number;
  /** wrk's per-request timeout (its default, 2 s, counts slow answers as socket errors). */
  timeout?: string;
}

function wrkArgs(url: string, seconds: number, script: string | undefined, { threads, connections, timeout }: Required<Omit<WrkOptions, 'timeout'>> & WrkOptions): string[] {
  return [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, ...(timeout ? ['--timeout', timeout] : []), '--latency', ...(script ? ['-s', script] : []), url];
}

function parseWrk(out: string): WrkResult {
  const line = (label: string) => new RegExp(`^\\s*${label}\\s+(\\S+)`, 'm').exec(out)?.[1] ?? '';
  const tallied = [...out.matchAll(/^status (\d+) (\d+)$/gm)];
  const errors = /errors connect (\d+) read (\d+) write (\d+) timeout (\d+)/.exec(out);
  return {
    ...(tallied.length ? { statuses: Object.fromEntries(tallied.map(([, code, n]) => [code!, Number(n)])) } : {}),
    ...(errors ? { socketErrors: { connect: +errors[1]!, read: +errors[2]!, write: +errors[3]!, timeout: +errors[4]! } } : {}),
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    p50Ms: toMs(line('50%')),
    p99Ms: toMs(line('99%')),
    non2xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0),
    requests: Number(/(\d+) requests in/.exec(out)?.[1]),
  };
}

export function wrk(url: string, seconds: number, script?: string, { threads = 2, connections = 64, timeout }: WrkOptions = {}): WrkResult {
  return parseWrk(execFileSync('wrk', wrkArgs(url, seconds, script, { threads, connections, timeout }), { encoding: 'utf8' }));
}

/** The same, without blocking: several wrk processes at once, e.g. one per replica. */
export async function wrkAsync(url: string, seconds: number, script?: string, { threads = 1, connections = 16, timeout }: WrkOptions = {}): Promise<WrkResult> {
  const { stdout } = await execFileAsync('wrk', wrkArgs(url, seconds, script, { threads, connections, timeout }), { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
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

/**
 * A wrk Lua script that POSTs `body` (JSON) and tallies the responses by status code across all
 * threads, plus wrk's socket errors: under overload the split 201 / 503 / other is the result.
 */
export function statusTallyScript(name: string, body: string): string {
  const file = join(tmpdir(), `tp-bench-${name}-${process.pid}.lua`);
  writeFileSync(
    file,
    `wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '${body}'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do total[code] = (total[code] or 0) + n end
  end
  for code, n in pairs(total) do io.write(string.format("status %d %d\\n", code, n)) end
  io.write(string.format("errors connect %d read %d write %d timeout %d\\n", summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
`,
  );
  return file;
}
