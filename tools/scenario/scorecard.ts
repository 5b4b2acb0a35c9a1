// `npm run scorecard -- [--trials 1] [--only a,b] [--skip a,b] [--calm-soak 30m]`: the alert-quality
// benchmark. Plays the catalogue (each trial on a fresh stack, exactly as `npm run scenario` does),
// then a calm soak, and writes docs/alert-scorecard.md + docs/alert-scorecard.json: per fault, was
// it caught by the alert meant for it, how fast it paged and resolved (median and spread over the
// trials), what else paged, flaps, and notifications per incident per channel. Not part of CI.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { repoRoot } from '../../packages/shared/repo-root.js';
import { parseArgs } from 'node:util';
import { parseRunLengthSeconds } from '../../packages/shared/durations.js';
import { UsageError } from '../../packages/shared/usage-error.js';
import { loadCatalogue } from './catalogue.js';
import { LOCAL_STACK_FLAGS, localStackUsage, describeLocalStack, localStackOptions, startLocalStack } from './local-stack.js';
import { runScenario } from './run-scenario.js';
import { exitUnlessQuitting, watchInterrupts } from './interrupts.js';
import { parseScenario, type Scenario } from './schema.js';
import type { Verdict } from './verdict.js';
import { markdown, median, merge, readSaved, type Row, type Soak, type Trial } from './scorecard-file.js';

function trialOf(scenario: Scenario, verdict: Verdict, runDir: string): Trial {
  const rule = scenario.fire[0];
  const alert = verdict.alerts.find((a) => a.alert === rule?.alert);
  const find = (kind: string) => verdict.expectations.filter((e) => e.kind === kind && e.what.startsWith(`${rule?.alert} `));
  const fired = find('fire')[0];
  // Time to page: the first notification of the intended alert (the person is reached), else firing.
  const pages = find('page').map((e) => e.seconds).filter((s): s is number => s !== undefined);
  const resolved = [...find('resolved-notice'), ...find('resolve')].map((e) => e.seconds).filter((s): s is number => s !== undefined);
  return {
    detected: fired?.seconds !== undefined,
    pageS: pages.length ? Math.min(...pages) : fired?.seconds,
    resolveS: resolved.length ? Math.max(...resolved) : undefined,
    unexpectedPages: verdict.unexpectedPages,
    heldBack: verdict.alerts
      .filter((a) => a.alert !== rule?.alert && a.firstFiringS !== undefined && a.heldBackBy)
      .map((a) => `${a.alert} (by ${a.heldBackBy!.join(', ')})`),
    flaps: alert?.flaps ?? 0,
    notifications: alert?.notifications ?? { email: { firing: 0, resolved: 0 }, discord: { firing: 0, resolved: 0 } },
    passed: verdict.passed,
    // Relative: the JSON is committed, and a machine's paths do not belong in the repository.
    runDir: relative(repoRoot, runDir),
  };
}

function calmSoak(durationText: string): Scenario {
  return parseScenario(
    `description: Calm soak — the API's usual background (2 % payment failures, 5–150 ms latency) for ${durationText}; nothing may page.
load: { kind: steady, purchasesPerSecond: 4, readsPerSecond: 4 }
baseline: { failureRate: 0.02, latencyMs: { min: 5, max: 150 } }
duration: ${durationText}
timeline: []
expect:
  silent: [pages]
`,
    'calm-soak.yaml',
  );
}

/** The scenarios held to the total-outage goal: their files say `outage: total` (read again on --render). */
const totalOutageNames = (catalogue: Scenario[] = loadCatalogue()) => new Set(catalogue.filter((s) => s.outage === 'total').map((s) => s.name));

const USAGE = `usage: npm run scorecard -- [--trials 1] [--only a,b] [--skip a,b] [--calm-soak 30m] [--out docs/alert-scorecard] [--runs runs] [--merge] [--render]
  --trials N      trials per scenario, 1 to 20 (the median and spread are over them)
  --only, --skip  scenario names (npm run scenario -- --list)
  --calm-soak D   the calm soak after the catalogue (0: none)
  --out PATH      where <PATH>.md and <PATH>.json go (default: the committed docs/alert-scorecard)
  --runs DIR      where each trial's run folder goes
  --merge         keep the rows (and soak) of <out>.json that this run does not measure, and say
                  which run measured each row (e.g. the slow ticket scenarios on another stack)
  --render        re-render <out>.md from <out>.json without running anything
${localStackUsage(18)}
exit codes: 0 written, 2 usage error, 130 interrupted by Ctrl-C (the trials that finished stay written)`;

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      options: {
        trials: { type: 'string', default: '1' },
        only: { type: 'string' },
        skip: { type: 'string' },
        'calm-soak': { type: 'string', default: '30m' },
        out: { type: 'string', default: 'docs/alert-scorecard' },
        runs: { type: 'string', default: 'runs' },
        // Re-renders the Markdown from a scorecard's JSON (after a change to the page's layout), without rerunning.
        render: { type: 'boolean', default: false },
        merge: { type: 'boolean', default: false },
        ...LOCAL_STACK_FLAGS,
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (npm run scorecard -- --help)`);
  }
  const { values } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.render) {
    const out = resolve(values.out!);
    const saved = readSaved(`${out}.json`);
    if (!saved) throw new UsageError(`no ${relative(process.cwd(), out)}.json to render`);
    writeFileSync(`${out}.md`, markdown(saved, totalOutageNames()));
    console.log(`rendered ${out}.md from ${out}.json`);
    return 0;
  }
  const stackOptions = localStackOptions(values);
  const trials = Number(values.trials);
  if (!Number.isInteger(trials) || trials < 1 || trials > 20) throw new UsageError('--trials must be a whole number from 1 to 20');
  const only = values.only?.split(',').filter(Boolean);
  const skip = values.skip?.split(',').filter(Boolean) ?? [];
  const all = loadCatalogue();
  // A misspelt name would filter the catalogue down to nothing and overwrite the committed scorecard.
  const unknown = [...(only ?? []), ...skip].filter((name) => !all.some((s) => s.name === name));
  if (unknown.length > 0) throw new UsageError(`no scenario named ${unknown.join(', ')} (npm run scenario -- --list shows them)`);
  const catalogue = all.filter((s) => (!only || only.includes(s.name)) && !skip.includes(s.name));
  if (catalogue.length === 0) throw new UsageError('--only/--skip leave no scenario to run');
  const soakMs = values['calm-soak'] === '0' ? 0 : parseRunLengthSeconds(values['calm-soak']!) * 1000;
  const runsDir = resolve(values.runs!);
  mkdirSync(runsDir, { recursive: true });
  const log = (line: string) => console.log(`[scorecard ${new Date().toISOString().slice(11, 19)}] ${line}`);
  const loads: number[] = [];
  const interrupts = watchInterrupts('scorecard');
  const play = async (scenario: Scenario) => {
    const stack = await startLocalStack(join(runsDir, `stack-${scenario.name}.log`), stackOptions, process.env, (kill) => interrupts.track({ kill }));
    interrupts.track({ targets: stack.targets, kill: stack.kill });
    try {
      loads.push(loadavg()[0]!);
      const result = await runScenario(scenario, stack.targets, { runsDir, log, progressEveryMs: 30_000, interrupted: interrupts.interrupted });
      loads.push(loadavg()[0]!);
      return result;
    } finally {
      interrupts.track({});
      await stack.stop();
    }
  };
  const started = new Date();
  const rows: Row[] = [];
  let soak: Soak | undefined;
  const out = resolve(values.out!);
  // --merge: this run is appended to the saved ones; the rows it measures replace theirs.
  const earlier = values.merge ? readSaved(`${out}.json`) : undefined;
  const order = (name: string) => {
    const index = all.findIndex((s) => s.name === name);
    return index < 0 ? all.length : index;
  };
  // Written after every trial: an interrupted benchmark still leaves the figures it measured.
  const write = (complete: boolean) => {
    const meta = {
      status: complete ? 'complete' : 'incomplete (interrupted or still running)',
      date: `${started.toISOString()} → ${new Date().toISOString()}`,
      command: `npm run scorecard -- ${process.argv.slice(2).join(' ')}`.trim(),
      trials: String(trials),
      stack: describeLocalStack(stackOptions),
      machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), shared with other engineers' test runs`,
      'load average (1 min) during the runs': loads.length
        ? `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} (median ${median(loads)!.toFixed(1)})`
        : 'n/a',
    };
    const saved = merge(earlier, { runs: [meta], rows, soak }, order);
    writeFileSync(`${out}.json`, `${JSON.stringify(saved, null, 2)}\n`);
    writeFileSync(`${out}.md`, markdown(saved, totalOutageNames(all)));
  };
  // A trial cut short by Ctrl-C is not a measurement: it is dropped, and the figures measured so far stay written.
  const stopped = () => {
    log(`interrupted: ${out}.md and .json keep the trials that finished (status incomplete)`);
    return 130;
  };
  for (const scenario of catalogue) {
    const row: Row = { scenario: scenario.name, fault: scenario.fault ?? '(background noise)', alert: scenario.fire[0]?.alert ?? '', outage: scenario.outage, trials: [] };
    for (let trial = 1; trial <= trials; trial++) {
      log(`${scenario.name} trial ${trial}/${trials}`);
      const { verdict, runDir } = await play(scenario);
      if (interrupts.interrupted()) return stopped();
      if (row.trials.length === 0) rows.push(row);
      row.trials.push(trialOf(scenario, verdict, runDir));
      write(false);
    }
  }
  if (soakMs > 0) {
    const scenario = calmSoak(values['calm-soak']!);
    const { verdict } = await play(scenario);
    if (interrupts.interrupted()) return stopped();
    soak = { minutes: soakMs / 60_000, unexpectedPages: verdict.unexpectedPages, notifications: verdict.alerts.reduce((n, a) => n + a.notifications.email.firing + a.notifications.discord.firing, 0) };
  }
  write(true);
  log(`wrote ${out}.md and ${out}.json`);
  return 0;
}

main().then(
  (code) => exitUnlessQuitting(code),
  (error: unknown) => {
    exitUnlessQuitting(error instanceof UsageError ? 2 : 1, error instanceof UsageError ? `scorecard: ${error.message}` : `scorecard failed: ${(error as Error).message}`);
  },
);
