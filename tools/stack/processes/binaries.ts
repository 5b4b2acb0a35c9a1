// Locates the monitoring binaries (Prometheus, Alertmanager and their CLIs) on this machine.
// Debian ships Alertmanager as `prometheus-alertmanager`, Homebrew and the upstream tarballs as
// `alertmanager`, so each tool has a list of candidate names; an env variable overrides the search.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export const MonitoringBinary = {
  prometheus: 'prometheus',
  promtool: 'promtool',
  alertmanager: 'alertmanager',
  amtool: 'amtool',
  postgresExporter: 'postgres_exporter',
  nodeExporter: 'node_exporter',
  blackboxExporter: 'blackbox_exporter',
} as const;
export type MonitoringBinary = (typeof MonitoringBinary)[keyof typeof MonitoringBinary];

interface BinarySpec {
  envVar: string;
  candidates: readonly string[];
  install: { linux: string; darwin: string; other: string };
}

const prometheusInstall = {
  linux: 'sudo apt-get install prometheus (Debian/Ubuntu; ships promtool too)',
  darwin: 'brew install prometheus (ships promtool too)',
  other: 'download it from https://prometheus.io/download/#prometheus',
};
const alertmanagerInstall = {
  linux: 'sudo apt-get install prometheus-alertmanager (Debian/Ubuntu; ships amtool too)',
  darwin: 'brew install alertmanager (ships amtool too)',
  other: 'download it from https://prometheus.io/download/#alertmanager',
};

const specs: Record<MonitoringBinary, BinarySpec> = {
  prometheus: { envVar: 'PROMETHEUS_BIN', candidates: ['prometheus'], install: prometheusInstall },
  promtool: { envVar: 'PROMTOOL_BIN', candidates: ['promtool'], install: prometheusInstall },
  alertmanager: {
    envVar: 'ALERTMANAGER_BIN',
    candidates: ['prometheus-alertmanager', 'alertmanager'],
    install: alertmanagerInstall,
  },
  amtool: { envVar: 'AMTOOL_BIN', candidates: ['amtool'], install: alertmanagerInstall },
  // Debian prefixes the exporters with prometheus-; Homebrew and the upstream tarballs do not.
  postgres_exporter: exporterSpec('POSTGRES_EXPORTER_BIN', 'postgres-exporter', 'postgres_exporter'),
  node_exporter: exporterSpec('NODE_EXPORTER_BIN', 'node-exporter', 'node_exporter'),
  blackbox_exporter: exporterSpec('BLACKBOX_EXPORTER_BIN', 'blackbox-exporter', 'blackbox_exporter'),
};

function exporterSpec(envVar: string, debianSuffix: string, upstreamName: string): BinarySpec {
  return {
    envVar,
    candidates: [`prometheus-${debianSuffix}`, upstreamName],
    install: {
      linux: `sudo apt-get install prometheus-${debianSuffix} (Debian/Ubuntu)`,
      darwin: `brew install ${upstreamName}`,
      other: `download it from https://prometheus.io/download/#${upstreamName}`,
    },
  };
}

export class BinaryNotFoundError extends Error {
  readonly binary: MonitoringBinary;
  constructor(binary: MonitoringBinary, message: string) {
    super(message);
    this.name = 'BinaryNotFoundError';
    this.binary = binary;
  }
}

/** One line telling how to install the tool on this OS. */
export function installHint(binary: MonitoringBinary, platform: NodeJS.Platform = process.platform): string {
  const { install } = specs[binary];
  if (platform === 'linux') return install.linux;
  if (platform === 'darwin') return install.darwin;
  return install.other;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function searchPath(names: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  const suffixes = process.platform === 'win32' ? ['.exe', ''] : [''];
  // Candidate order wins over PATH order: the Debian name is tried first everywhere.
  for (const name of names) {
    for (const dir of dirs) {
      for (const suffix of suffixes) {
        const path = join(dir, name + suffix);
        if (isExecutableFile(path)) return path;
      }
    }
  }
  return undefined;
}

/**
 * Absolute path of the binary, or a BinaryNotFoundError whose one-line message names the
 * override variable and says how to install the tool.
 */
export function locateBinary(binary: MonitoringBinary, env: NodeJS.ProcessEnv = process.env): string {
  const spec = specs[binary];
  const override = env[spec.envVar];
  if (override !== undefined && override !== '') {
    const path = isAbsolute(override) ? override : searchPath([override], env) ?? override;
    if (!isExecutableFile(path)) {
      throw new BinaryNotFoundError(binary, `${spec.envVar}=${override} is not an executable file`);
    }
    return path;
  }
  const found = searchPath(spec.candidates, env);
  if (found) return found;
  throw new BinaryNotFoundError(
    binary,
    `${spec.candidates.join(' / ')} not found on PATH (set ${spec.envVar} to its path); install: ${installHint(binary)}`,
  );
}

/** Like locateBinary, but undefined instead of an error (for "skip unless installed" decisions). */
export function findBinary(binary: MonitoringBinary, env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    return locateBinary(binary, env);
  } catch (error) {
    if (error instanceof BinaryNotFoundError) return undefined;
    throw error;
  }
}
