// A second `npm start` or `npm run demo` on a data folder whose stack still runs must leave that
// stack alone: its stack.json is what the leftover cleanup relies on, and its ports are taken anyway.
// This finds such a stack and words what to do instead, in one line.
import { readStateFile, supervisorAlive, type StackStateFile } from './state-file.js';

export interface RunningStack {
  supervisorPid: number;
  command: string;
  dataDir: string;
  /** Origins of the running parts, e.g. api → http://127.0.0.1:8080. */
  origins: Partial<Record<string, string>>;
}

export class StackRunningError extends Error {
  override name = 'StackRunningError';
  constructor(message: string, readonly running: RunningStack) {
    super(message);
  }
}

function origin(url: string | undefined): string | undefined {
  try {
    return url ? new URL(url).origin : undefined;
  } catch {
    return undefined;
  }
}

export function findRunningStack(runtimeDir: string, dataDir: string): RunningStack | undefined {
  const state: StackStateFile | undefined = readStateFile(runtimeDir);
  if (!state || !supervisorAlive(state)) return undefined;
  const origins: RunningStack['origins'] = {};
  for (const [name, part] of Object.entries(state.parts ?? {})) {
    if (part.state === 'running') origins[name] = origin(part.url);
  }
  return { supervisorPid: state.supervisorPid!, command: state.command ?? 'npm start', dataDir, origins };
}

function identify(running: RunningStack): string {
  const api = running.origins.api ? `, API ${running.origins.api}` : '';
  return `a stack is already running from ${running.dataDir} (\`${running.command}\`, pid ${running.supervisorPid}${api})`;
}

const STOP_IT = (running: RunningStack) => `stop it with Ctrl-C in its terminal (or \`kill ${running.supervisorPid}\`)`;

/** For `npm start` without --load: nothing to add to a running stack. */
export function secondStartMessage(running: RunningStack): string {
  const api = running.origins.api ?? 'http://127.0.0.1:8080';
  return (
    `${identify(running)}; it is left alone. To add load to it: \`npm run load -- --shape steady --host ${api}\`` +
    ` (or \`npm start -- --load steady\`); to restart it, ${STOP_IT(running)} first;` +
    ' for a second stack beside it use another --data-dir and other ports'
  );
}

/** For `npm run demo`: the demo stages its incident on a stack of its own. */
export function demoBesideStackMessage(running: RunningStack): string {
  return (
    `${identify(running)}; the demo starts and stages faults on a stack of its own. Either ${STOP_IT(running)} and run \`npm run demo\`,` +
    ' or run it beside that stack on its own folder and ports: `npm run demo -- --data-dir data/demo --api-port 18080' +
    ' --dashboard-port 13000 --prometheus-port 19090 --alertmanager-port 19093 --sink-smtp-port 11025 --sink-http-port 18025`'
  );
}
