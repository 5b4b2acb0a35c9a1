// `npm run scenario -- <name> | --all | --list [options]`: plays scenario files on the real stack
// (started here, fresh data for each scenario) or against given URLs, and grades them.
// Exit codes: 0 every expectation met; 1 an expectation missed; 2 usage or configuration error
// (bad flag, bad scenario file, a part that does not start or answer).
import { parseArgs } from 'node:util';
import { UsageError } from '../../packages/shared/usage-error.js';
import { ScenarioError, needsOwnStack, type Scenario } from './schema.js';
import { DEFAULT_SCENARIOS_DIR, findScenario, loadCatalogue } from './catalogue.js';
import { LOCAL_STACK_FLAGS, describeLocalStack, localStackUsage, localStackOptions, startLocalStack } from './local-stack.js';
import { summaryFileName, writeCatalogueSummary } from './catalogue-summary.js';
import { runScenario, type RunResult, type Targets } from './run-scenario.js';
import { exitUnlessQuitting, watchInterrupts } from './interrupts.js';
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';

export const USAGE = `usage: npm run scenario -- <name>|<file.yaml> ... | --all | --list [options]
  --all                     every scenario of the folder, one after the other
                            (more than one scenario: a summary page, runs/<time>-catalogue.md)
  --list                    the scenarios and what each one stages
  --scenarios DIR           scenario folder (default scenarios/)
  --runs DIR                where run folders go (default runs/)
  --api-url URL --prometheus-url URL --sink-url URL [--alertmanager-url URL]
                            play against running parts (compose, a cluster) instead of starting the
                            stack; needs ADMIN_TOKEN. Without --sink-url no notification is checked;
                            with --alertmanager-url the report names what held each alert back.
${localStackUsage(28)}
exit codes: 0 all expectations met, 1 an expectation missed, 2 usage/configuration error`;


function url(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return new URL(value).toString().replace(/\/$/, '');
  } catch {
    throw new UsageError(`--${name} must be a URL like http://127.0.0.1:8080 (got "${value}")`);
  }
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: {
        all: { type: 'boolean', default: false },
        list: { type: 'boolean', default: false },
        scenarios: { type: 'string' },
        runs: { type: 'string', default: 'runs' },
        'api-url': { type: 'string' },
        'prometheus-url': { type: 'string' },
        'alertmanager-url': { type: 'string' },
        'sink-url': { type: 'string' },
        ...LOCAL_STACK_FLAGS,
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (see npm run scenario -- --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const dir = values.scenarios ? resolve(values.scenarios) : DEFAULT_SCENARIOS_DIR;
  if (values.list) {
    for (const scenario of loadCatalogue(dir)) {
      console.log(`${scenario.name.padEnd(24)} ${Math.round(scenario.durationMs / 1000)}s  ${scenario.description.split(/(?<=\.) /)[0]}`);
    }
    return 0;
  }
  if (values.all === positionals.length > 0) throw new UsageError('name the scenarios or give --all, not both (see npm run scenario -- --help)');
  const chosen: Scenario[] = values.all ? loadCatalogue(dir) : positionals.map((name) => findScenario(name, dir));

  const given = {
    apiUrl: url('api-url', values['api-url']),
    prometheusUrl: url('prometheus-url', values['prometheus-url']),
    alertmanagerUrl: url('alertmanager-url', values['alertmanager-url']),
    sinkUrl: url('sink-url', values['sink-url']),
  };
  const external = Object.values(given).some(Boolean);
  if (external && (!given.apiUrl || !given.prometheusUrl)) throw new UsageError('against given parts, --api-url and --prometheus-url are both needed');
  if (external && (values.postgres !== undefined || values.replicas !== undefined)) {
    throw new UsageError('--postgres and --replicas shape the stack this runner starts; against given parts they do not apply');
  }
  const stackOptions = localStackOptions(values);
  const adminToken = process.env.ADMIN_TOKEN?.trim();
  if (external && !adminToken) throw new UsageError('against given parts, ADMIN_TOKEN (the API admin token) must be set');
  // Stopping the API needs its process: only the stack started here has it.
  const ownStackOnly = external ? chosen.filter(needsOwnStack) : [];
  if (ownStackOnly.length && !values.all) {
    throw new UsageError(`${ownStackOnly.map((s) => s.name).join(', ')} take${ownStackOnly.length === 1 ? 's' : ''} the API down (api: down), which only the stack this runner starts can do; run without --api-url`);
  }
  const skipped = ownStackOnly.map((scenario) => ({ scenario: scenario.name, reason: 'not run against given parts: it takes the API down (api: down), which needs the stack this runner starts' }));
  const scenarios = chosen.filter((scenario) => !ownStackOnly.includes(scenario));

  const runsDir = resolve(values.runs!);
  mkdirSync(runsDir, { recursive: true });
  const interrupts = watchInterrupts('scenario');
  const log = (line: string) => console.log(`[scenario ${new Date().toISOString().slice(11, 19)}] ${line}`);
  const failed: string[] = [];
  const runs: RunResult[] = [];
  const notStarted: Array<{ scenario: string; reason: string }> = [];
  const summary = join(runsDir, summaryFileName(new Date()));
  for (const { scenario, reason } of skipped) log(`${scenario}: ${reason}`);
  const summaryMeta = { command: `npm run scenario -- ${process.argv.slice(2).join(' ')}`, stack: external ? `given parts (API ${given.apiUrl})` : describeLocalStack(stackOptions) };
  const writeSummary = () =>
    writeCatalogueSummary(runs, summary, { ...summaryMeta, notStarted, skipped, complete: runs.length + notStarted.length === scenarios.length && !interrupts.interrupted() });
  for (const scenario of scenarios) {
    if (interrupts.interrupted()) break;
    let stack: Awaited<ReturnType<typeof startLocalStack>> | undefined;
    try {
      let targets: Targets;
      if (external) {
        targets = { ...given, apiUrl: given.apiUrl!, prometheusUrl: given.prometheusUrl!, adminToken: adminToken! };
      } else {
        log(`${scenario.name}: starting the stack (fresh data)…`);
        try {
          stack = await startLocalStack(join(runsDir, `stack-${scenario.name}.log`), stackOptions, process.env, (kill) => interrupts.track({ kill }));
        } catch (error) {
          const reason = `the stack did not start: ${(error as Error).message}`;
          if (scenarios.length === 1 || interrupts.interrupted()) throw new UsageError(reason);
          // One scenario's start must not cost the rest of the catalogue its runs.
          log(`${scenario.name}: ${reason}; going on with the next scenario`);
          failed.push(scenario.name);
          notStarted.push({ scenario: scenario.name, reason });
          writeSummary();
          continue;
        }
        targets = stack.targets;
      }
      interrupts.track({ targets, kill: stack?.kill });
      const result = await runScenario(scenario, targets, { runsDir, log, interrupted: interrupts.interrupted });
      if (!result.verdict.passed) failed.push(scenario.name);
      if (chosen.length > 1) {
        runs.push(result);
        writeSummary();
      }
    } finally {
      interrupts.track({});
      await stack?.stop();
    }
  }
  if (chosen.length > 1) {
    log(failed.length ? `${failed.length} of ${scenarios.length} failed: ${failed.join(', ')}` : `all ${scenarios.length} passed`);
    if (runs.length || notStarted.length) log(`summary of the runs: ${summary}`);
  }
  return failed.length ? 1 : 0;
}

main().then(
  (code) => exitUnlessQuitting(code),
  (error: unknown) => {
    const known = error instanceof UsageError || error instanceof ScenarioError;
    exitUnlessQuitting(2, `scenario: ${known ? (error as Error).message : `failed: ${(error as Error).message}`}`);
  },
);
