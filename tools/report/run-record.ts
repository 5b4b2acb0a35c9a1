// run.json: what a run folder says about its run. Written by `npm run load`, read by `npm run report`.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { ChaosSettings } from '../../packages/contract/index.js';


export interface ChaosChange {
  /** ISO time the change was applied (answered 200). */
  at: string;
  offsetS: number;
  settings: ChaosSettings;
  /** 'scheduled' = --chaos step; 'restore' = putting the pre-run settings back at the end. */
  kind: 'scheduled' | 'restore';
}

export interface RunRecord {
  shape: string;
  durationS: number;
  peakUsers: number;
  hotCapacity?: number;
  /** The spike's hot concert(s) as the locustfile logged them (one per worker when distributed). */
  hotConcertIds?: string[];
  host: string;
  startedAt: string;
  endedAt?: string;
  locust: { binary: string; version: string; args: string[]; exitCode?: number | null };
  objectives: { p99Ms: number; errorRatio: number };
  chaosChanges: ChaosChange[];
  machine: { cpus: number; cpuModel: string; memoryGiB: number; os: string; node: string };
  /** `npm run load -- --gate`: each threshold checked at the end (tools/scenario/gate.ts). */
  gate?: { passed: boolean; checks: Array<{ name: string; limit?: string; met: boolean; measured: string }> };
}

export const RUN_FILE = 'run.json';
/** Prefix given to Locust's --csv: the folder then holds locust_stats.csv, locust_stats_history.csv, ... */
export const CSV_PREFIX = 'locust';

export function readRunRecord(runDir: string): RunRecord {
  return JSON.parse(readFileSync(join(runDir, RUN_FILE), 'utf8')) as RunRecord;
}

export function writeRunRecord(runDir: string, record: RunRecord): void {
  writeFileSync(join(runDir, RUN_FILE), `${JSON.stringify(record, null, 2)}\n`);
}
