// The one way this project calls podman: Debian's podman 4.3 as root with runc and vfs storage, and
// the containers.conf beside this file (why: its comments, and docs/deploy.md "Verified on").
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CONTAINERS_CONF = fileURLToPath(new URL('./containers.conf', import.meta.url));
/** Every container, pod, network and volume the checks create starts with this, so cleanup finds them. */
export const RESOURCE_PREFIX = 'tp-ci-';

const GLOBAL_FLAGS = ['--runtime', 'runc', '--storage-driver', 'vfs'];

/** The environment every podman-family tool (podman, podman-compose) gets. */
export function podmanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, CONTAINERS_CONF, ...extra };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  timeoutMs?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Streams output to this process's stderr as it comes (long builds). */
  echo?: boolean;
}

/** Runs a program to completion; never throws for a non-zero exit (the caller decides). */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (options.echo) process.stderr.write(chunk);
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (options.echo) process.stderr.write(chunk);
    });
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: `${stderr}${error.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** `podman <global flags> …args`. */
export function podman(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return run('podman', [...GLOBAL_FLAGS, ...args], { ...options, env: podmanEnv(options.env) });
}

/** Like podman(), but a non-zero exit is an error carrying the command and its output. */
export async function podmanOk(args: string[], options: RunOptions = {}): Promise<string> {
  const result = await podman(args, options);
  if (result.code !== 0) {
    throw new Error(`podman ${args.join(' ')} exited ${result.code}:\n${result.stderr.slice(-4000)}${result.stdout.slice(-2000)}`);
  }
  return result.stdout;
}

/**
 * Why podman cannot run containers here, or undefined when it can. Checked: the binary, root (the
 * flags above are the root setup), and `podman info` with this configuration.
 */
export async function podmanUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return `podman checks run on Linux only (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'podman checks need root (rootful podman with runc and vfs storage)';
  const version = await run('podman', ['--version'], { timeoutMs: 10_000 });
  if (version.code !== 0) return 'podman is not installed (apt-get install podman runc netavark aardvark-dns)';
  const runtime = await run('runc', ['--version'], { timeoutMs: 10_000 });
  if (runtime.code !== 0) return 'runc is not installed (apt-get install runc)';
  const info = await podman(['info', '--format', '{{.Host.NetworkBackend}}'], { timeoutMs: 60_000 });
  if (info.code !== 0) return `podman info fails: ${info.stderr.trim().split('\n').at(-1)}`;
  if (info.stdout.trim() !== 'netavark') return `podman uses the ${info.stdout.trim()} network backend, not netavark (apt-get install netavark aardvark-dns)`;
  return undefined;
}
