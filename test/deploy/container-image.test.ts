// The Dockerfile, checked without a Docker engine: its instructions statically, its build context
// through .dockerignore, and its app stage by running the same commands outside Docker — `npm run
// build` into a scratch folder laid out as the image's /app, the BUILD-ASSET copies, then the image's
// CMD (`node apps/api/server.js`)
// against a real PostgreSQL database, stopped with the image's STOPSIGNAL.
import { test, after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { builtinModules } from 'node:module';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { buildOverlay, podTemplates, allContainers, repoRoot } from './helpers/manifests.js';
import { pinProblem } from './helpers/images.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { buildContextFiles, dockerignorePatterns, ignoredByDockerignore as ignoredBy } from '../../tools/containers/build-context.js';
import { freePort } from '../support/ports.js';

const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
/** Instructions with continuation lines joined and comments dropped. */
const instructions = dockerfile.replace(/\\\n/g, ' ').split('\n').filter((line) => line.trim() && !line.trim().startsWith('#'));
const stages = instructions.reduce<string[][]>((all, line) => {
  if (/^FROM /i.test(line)) all.push([]);
  all.at(-1)?.push(line);
  return all;
}, []);
const finalStage = stages.at(-1)!;

test('every base image is pinned to an exact Node 20 bookworm-slim release', () => {
  const nodeImage = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
  assert.ok(nodeImage, 'ARG NODE_IMAGE');
  assert.equal(pinProblem(nodeImage), undefined);
  assert.match(nodeImage, /^node:20\.\d+\.\d+-bookworm-slim$/);
  for (const line of instructions.filter((l) => /^FROM /i.test(l))) assert.match(line, /^FROM \$\{NODE_IMAGE\} AS \w/, line);
});

test('the runtime stage has production dependencies only, a non-root user, a health check and a graceful stop', () => {
  assert.ok(stages.some((stage) => stage.some((l) => /npm ci --omit=dev/.test(l))), 'npm ci --omit=dev');
  assert.ok(finalStage.some((l) => /COPY --from=prod-deps \/app\/node_modules/.test(l)), 'node_modules from the prod-deps stage');
  assert.ok(!finalStage.some((l) => /^RUN npm (ci|install)/.test(l)), 'no install in the runtime stage');
  const user = finalStage.filter((l) => /^USER /.test(l)).at(-1);
  assert.ok(user && !/^USER (root|0)(:|$)/.test(user), 'runs as a non-root user');
  assert.ok(finalStage.some((l) => /^HEALTHCHECK .*\/healthz/.test(l)), 'HEALTHCHECK on /healthz');
  assert.ok(finalStage.includes('STOPSIGNAL SIGTERM'));
  // Exec form: node is PID 1 and receives SIGTERM itself (a shell or npm would not forward it).
  assert.ok(finalStage.includes('CMD ["node", "apps/api/server.js"]'));
});

const ignoredByDockerignore = (path: string) => ignoredBy(dockerignorePatterns(repoRoot), path);

test('the build context holds what the Dockerfile copies and nothing secret', () => {
  const sources = instructions.filter((l) => /^COPY /.test(l) && !/--from=/.test(l)).flatMap((l) => l.split(/\s+/).slice(1, -1).filter((p) => !p.startsWith('--')));
  assert.ok(sources.length >= 4);
  for (const source of sources) {
    assert.ok(existsSync(join(repoRoot, source)), `COPY ${source}: exists`);
    assert.equal(ignoredByDockerignore(source), false, `COPY ${source} is excluded by .dockerignore`);
  }
  for (const path of ['.env', 'node_modules/pg/package.json', '.git/config', 'data/pglite', 'test/apps/api/x.test.ts', 'apps/api/app.test.ts', 'runs/x', 'dist/api/server.js']) {
    assert.equal(ignoredByDockerignore(path), true, `${path} is kept out of the image`);
  }
  // The files the image cache is keyed on (tools/containers/build-context.ts) are exactly these.
  const context = buildContextFiles(repoRoot);
  assert.ok(context.includes('package-lock.json') && context.includes('apps/api/server.ts'), 'lock file and sources are in the context');
  assert.deepEqual(context.filter((file) => /\.test\.ts$|^test\/|^\.env/.test(file)), [], 'no test file or .env in the context');
});

// --- the app stage, outside Docker
// The runtime stage copies the build's dist/ to /app, so the scratch folder is both: the build's
// output and the image's /app.
const scratch = join(repoRoot, '.runtime', `deploy-build-${process.pid}`);
const outDir = scratch;
let database: TestDatabase | undefined;
const children: ChildProcess[] = [];

describe('the app stage, built and run outside Docker', () => {
before(() => {
  // Inside the repository so Node resolves node_modules and package.json ("type": "module") as in /app.
  mkdirSync(scratch, { recursive: true });
  try {
    execFileSync('npm', ['run', 'build', '--', '--outDir', outDir], { cwd: repoRoot, stdio: 'pipe', timeout: 240_000, encoding: 'utf8' });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`npm run build (the Dockerfile's build step) failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
  for (const [, from, to] of dockerfile.matchAll(/^# BUILD-ASSET: (\S+) -> (\S+)$/gm)) {
    assert.match(dockerfile, new RegExp(`^RUN cp -R ${from} ${to}$`, 'm'), `BUILD-ASSET ${from} has its RUN line`);
    cpSync(join(repoRoot, from!), join(outDir, to!.replace(/^dist\//, '')), { recursive: true });
  }
});

after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await database?.drop().catch(() => {});
  rmSync(scratch, { recursive: true, force: true });
});

test('`npm run build` produces every entry point that compose.yaml and the manifests run', () => {
  const entries = new Set<string>(['apps/api/server.js']);
  const compose = parse(readFileSync(join(repoRoot, 'compose.yaml'), 'utf8'), { merge: true });
  for (const service of Object.values<any>(compose.services)) if (service.command?.[0] === 'node') entries.add(service.command[1]);
  for (const overlay of ['local', 'prometheus-operator']) {
    for (const { spec } of podTemplates(buildOverlay(overlay))) {
      for (const container of allContainers(spec)) if (container.command?.[0] === 'node' && container.command[1] !== '-e') entries.add(container.command[1]);
    }
  }
  assert.ok(entries.size >= 4, [...entries].join(', '));
  for (const entry of entries) assert.ok(existsSync(join(scratch, entry)), `${entry} is built`);
});

test('the build holds the runtime apps only: no launcher, report generator, binary starters or observability code', () => {
  const folders = (dir: string) => readdirSync(dir).filter((name) => statSync(join(dir, name)).isDirectory()).sort();
  assert.deepEqual(folders(outDir), ['apps', 'packages'], 'only apps/ and packages/ are compiled (tools/, observability/ and test/ stay out)');
  assert.deepEqual(folders(join(outDir, 'apps')), ['alertmanager-config', 'api', 'dashboard', 'sink']);
});

test('the built code imports only production dependencies (the runtime stage has no devDependencies)', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  const allowed = new Set([...Object.keys(pkg.dependencies ?? {}), ...builtinModules]);
  const files: string[] = [];
  const walk = (dir: string) => readdirSync(dir).forEach((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : name.endsWith('.js') && files.push(join(dir, name))));
  walk(outDir);
  for (const file of files) {
    if (file.includes(`${join('dashboard', 'public')}`)) continue; // browser code, served as files
    const text = readFileSync(file, 'utf8');
    for (const [, specifier] of text.matchAll(/(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm)) {
      if (!specifier || specifier.startsWith('.') || specifier.startsWith('node:')) continue;
      const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
      assert.ok(allowed.has(name), `${relative(scratch, file)} imports ${name}, which is not in "dependencies"`);
    }
  }
});

test('the image CMD serves /healthz against PostgreSQL and exits 0 on SIGTERM', async () => {
  database = await createTestDatabase('tp_deploy');
  const port = await freePort();
  const child = spawn(process.execPath, [join(outDir, 'apps/api/server.js')], {
    cwd: scratch,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: database.url, ADMIN_TOKEN: 'deploy-test-token', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 30_000;
  let healthy = false;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (response.ok) { healthy = true; break; }
    } catch { /* not listening yet */ }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.ok(healthy, `no healthy /healthz within 30 s:\n${output}`);
  const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
  assert.equal(ready.status, 200, 'ready with migrations applied');
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  const code = await Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 15_000))]);
  assert.equal(code, 0, `exit after SIGTERM:\n${output}`);
});
});
