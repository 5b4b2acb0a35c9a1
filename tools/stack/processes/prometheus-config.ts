// Renders the shipped observability/prometheus/prometheus.yml for runs outside docker compose (tests,
// the one-command stack, benchmarks): same rules, same alerting, same jobs — only the addresses, the
// rule-file paths and, when asked, the intervals change. There is deliberately no second copy of
// the configuration: every mode starts from the shipped file.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { isMap, isSeq, parseDocument, type Document, type YAMLMap, type YAMLSeq } from 'yaml';
import { parseDurationSeconds } from '../../../packages/shared/durations.js';
import { PrometheusJob } from '../../../packages/shared/prometheus-jobs.js';
import { repoRoot } from '../../../packages/shared/repo-root.js';


/** The shipped configuration file (docker compose DNS names). */
export const shippedPrometheusConfigFile = join(repoRoot, 'observability/prometheus/prometheus.yml');
/** The folder of recording and alerting rule files shared by every mode. */
export const prometheusRulesDir = join(repoRoot, 'observability/prometheus/rules');


export interface RenderPrometheusConfigOptions {
  /** host:port of every API replica, e.g. ['127.0.0.1:41234']. */
  apiTargets: string[];
  /** host:port of Alertmanager; [] = no alerting section and no alertmanager job. */
  alertmanagerTargets: string[];
  /** host:port Prometheus itself listens on (its self-scrape target). */
  prometheusTarget: string;
  /** host:port of postgres_exporter; omitted or [] = no postgres job (e.g. on PGlite). */
  postgresExporterTargets?: string[];
  /** host:port of node_exporter; omitted or [] = no node job. */
  nodeExporterTargets?: string[];
  /** blackbox_exporter's host:port and the URLs it probes; omitted = no blackbox job. */
  blackbox?: { exporter: string; probes: string[] };
  /** Rule files or globs; default: the shipped `rule_files`, made absolute. */
  ruleFiles?: string[];
  /** e.g. '1s' to shorten a test; default: the shipped 5s. */
  scrapeInterval?: string;
  /** e.g. '1s'; default: the shipped 5s. */
  evaluationInterval?: string;
  /** The file to render from; default: the shipped one. */
  sourceFile?: string;
}

const HOST_PORT = /^[^\s/]+:\d{1,5}$/;

function checkTargets(name: string, targets: string[]): void {
  for (const target of targets) {
    if (!HOST_PORT.test(target)) throw new Error(`${name}: "${target}" is not host:port`);
  }
}

function findJob(doc: Document, jobName: string): YAMLMap | undefined {
  const jobs = doc.get('scrape_configs');
  if (!isSeq(jobs)) return undefined;
  return (jobs as YAMLSeq).items.find((job): job is YAMLMap => isMap(job) && job.get('job_name') === jobName);
}

// Replaces every kind of service discovery of the job by one static list, so compose DNS names
// (or dns_sd_configs) never leak into a local run.
function setStaticTargets(doc: Document, job: YAMLMap, targets: string[]): void {
  for (const key of [...job.items.map((pair) => String(pair.key))]) {
    if (key.endsWith('_sd_configs') || key === 'static_configs') job.delete(key);
  }
  job.set('static_configs', doc.createNode([{ targets }]));
}

/** The shipped config with local targets, absolute rule paths and optional intervals, as YAML text. */
export function renderPrometheusConfig(options: RenderPrometheusConfigOptions): string {
  const sourceFile = resolve(options.sourceFile ?? shippedPrometheusConfigFile);
  checkTargets('apiTargets', options.apiTargets);
  checkTargets('alertmanagerTargets', options.alertmanagerTargets);
  checkTargets('prometheusTarget', [options.prometheusTarget]);
  checkTargets('postgresExporterTargets', options.postgresExporterTargets ?? []);
  checkTargets('nodeExporterTargets', options.nodeExporterTargets ?? []);
  if (options.blackbox) checkTargets('blackbox.exporter', [options.blackbox.exporter]);
  if (options.apiTargets.length === 0) throw new Error('apiTargets: at least one API target is needed');
  for (const [name, value] of [
    ['scrapeInterval', options.scrapeInterval],
    ['evaluationInterval', options.evaluationInterval],
  ] as const) {
    if (value !== undefined && parseDurationSeconds(value) === undefined) throw new Error(`${name}: "${value}" is not a Prometheus duration`);
  }

  const doc = parseDocument(readFileSync(sourceFile, 'utf8'));
  if (doc.errors.length > 0) throw new Error(`${sourceFile}: ${doc.errors[0]!.message}`);

  if (options.scrapeInterval) {
    doc.setIn(['global', 'scrape_interval'], options.scrapeInterval);
    const timeout = doc.getIn(['global', 'scrape_timeout']);
    // Prometheus refuses a timeout longer than the interval.
    if (typeof timeout === 'string' && parseDurationSeconds(timeout)! > parseDurationSeconds(options.scrapeInterval)!) {
      doc.setIn(['global', 'scrape_timeout'], options.scrapeInterval);
    }
  }
  if (options.evaluationInterval) doc.setIn(['global', 'evaluation_interval'], options.evaluationInterval);

  const baseDir = dirname(sourceFile);
  const shippedRuleFiles = (doc.get('rule_files') as YAMLSeq | undefined)?.toJSON() as string[] | undefined;
  const ruleFiles = (options.ruleFiles ?? shippedRuleFiles ?? []).map((file) =>
    isAbsolute(file) ? file : resolve(baseDir, file),
  );
  doc.set('rule_files', doc.createNode(ruleFiles));

  const jobs: Array<[string, string[]]> = [
    [PrometheusJob.api, options.apiTargets],
    [PrometheusJob.alertmanager, options.alertmanagerTargets],
    [PrometheusJob.prometheus, [options.prometheusTarget]],
    [PrometheusJob.postgres, options.postgresExporterTargets ?? []],
    [PrometheusJob.node, options.nodeExporterTargets ?? []],
    [PrometheusJob.blackbox, options.blackbox?.probes ?? []],
  ];
  for (const [jobName, targets] of jobs) {
    const job = findJob(doc, jobName);
    if (!job) throw new Error(`${sourceFile}: no scrape job "${jobName}"`);
    if (targets.length === 0) {
      const list = doc.get('scrape_configs') as YAMLSeq;
      list.items.splice(list.items.indexOf(job), 1);
    } else {
      setStaticTargets(doc, job, targets);
    }
  }

  const blackboxJob = findJob(doc, PrometheusJob.blackbox);
  if (options.blackbox && blackboxJob) {
    // The last relabelling sends every probe to the exporter: point it at this run's exporter.
    const relabels = blackboxJob.get('relabel_configs') as YAMLSeq<YAMLMap>;
    const toExporter = relabels.items.find((rule) => rule.get('target_label') === '__address__');
    if (!toExporter) throw new Error(`${sourceFile}: the blackbox job has no __address__ relabelling`);
    toExporter.set('replacement', options.blackbox.exporter);
  }

  if (options.alertmanagerTargets.length === 0) {
    doc.delete('alerting');
  } else {
    doc.setIn(['alerting', 'alertmanagers'], doc.createNode([{ static_configs: [{ targets: options.alertmanagerTargets }] }]));
  }

  return `# Rendered from ${sourceFile} by tools/stack/processes/prometheus-config.ts — do not edit.\n${doc.toString()}`;
}

/** Renders and writes the config to `file` (folders created); returns the absolute path. */
export function writePrometheusConfig(file: string, options: RenderPrometheusConfigOptions): string {
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, renderPrometheusConfig(options));
  return path;
}
