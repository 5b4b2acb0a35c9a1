// <runtime>/stack.json: what a running stack wrote about itself (supervisor pid, each part's state,
// url and pid; never the admin token). Read by the next `npm start`/`npm run demo` on the same data
// folder, to leave a running stack alone (running-stack.ts) or clean up after a killed one
// (leftovers.ts).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive } from './supervised-process.js';

export interface StackStateFile {
  supervisorPid?: number;
  /** Which command wrote it: `npm start` or `npm run demo`. */
  command?: string;
  parts?: Record<string, { state?: string; url?: string; pid?: number; reason?: string }>;
}

export function stateFilePath(runtimeDir: string): string {
  return join(runtimeDir, 'stack.json');
}

export function readStateFile(runtimeDir: string): StackStateFile | undefined {
  try {
    return JSON.parse(readFileSync(stateFilePath(runtimeDir), 'utf8')) as StackStateFile;
  } catch {
    return undefined;
  }
}

/** The process's command line, or '' when it is gone or unreadable. */
export function commandLine(pid: number): string {
  try {
    return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

/** True while the supervisor that wrote the file still runs (a reused pid running something else does not count). */
export function supervisorAlive(state: StackStateFile): boolean {
  const pid = state.supervisorPid;
  return Boolean(pid && pid !== process.pid && alive(pid) && commandLine(pid).includes('stack/'));
}
