// run.json: what a run folder says about its run. Written by `npm run load`, read by `npm run report`.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
export const RUN_FILE = 'run.json';
/** Prefix given to Locust's --csv: the folder then holds locust_stats.csv, locust_stats_history.csv, ... */
export const CSV_PREFIX = 'locust';
export function readRunRecord(runDir) {
    return JSON.parse(readFileSync(join(runDir, RUN_FILE), 'utf8'));
}
export function writeRunRecord(runDir, record) {
    writeFileSync(join(runDir, RUN_FILE), `${JSON.stringify(record, null, 2)}\n`);
}
//# sourceMappingURL=run-record.js.map