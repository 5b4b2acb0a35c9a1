// Reads Locust's CSV output (--csv PREFIX --csv-full-history). Columns are looked up by header name,
// so the same code reads Locust 2.12 and later versions that add columns.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type CsvRow = Record<string, string>;

/** RFC 4180 CSV (quoted fields, doubled quotes); Locust quotes names and errors that contain commas. */
export function parseCsv(text: string): CsvRow[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...data] = rows.filter((r) => r.length > 1 || r[0] !== '');
  if (!header) return [];
  return data.map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ''])));
}

export const PERCENTILES = ['50%', '66%', '75%', '80%', '90%', '95%', '98%', '99%', '99.9%', '99.99%', '100%'] as const;

export interface EndpointStats {
  method: string;
  name: string;
  requests: number;
  failures: number;
  medianMs: number;
  averageMs: number;
  minMs: number;
  maxMs: number;
  requestsPerS: number;
  percentilesMs: Record<string, number | null>;
}

export interface HistoryPoint {
  /** Unix seconds. */
  t: number;
  users: number;
  requestsPerS: number;
  failuresPerS: number;
  /** Percentiles over Locust's last-10-second window, ms (null before any response). */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  totalRequests: number;
  totalFailures: number;
}

export interface FailureKind {
  method: string;
  name: string;
  /** The bounded failure name the locustfile gave (e.g. "payment-failed"), unwrapped. */
  kind: string;
  occurrences: number;
}

export interface LocustResults {
  endpoints: EndpointStats[];
  total: EndpointStats;
  history: HistoryPoint[];
  failures: FailureKind[];
}

const num = (text: string | undefined): number => (text === undefined || text === '' || text === 'N/A' ? 0 : Number(text));
const numOrNull = (text: string | undefined): number | null =>
  text === undefined || text === '' || text === 'N/A' ? null : Number(text);

function toEndpoint(row: CsvRow): EndpointStats {
  return {
    method: row.Type ?? '',
    name: row.Name ?? '',
    requests: num(row['Request Count']),
    failures: num(row['Failure Count']),
    medianMs: num(row['Median Response Time']),
    averageMs: num(row['Average Response Time']),
    minMs: num(row['Min Response Time']),
    maxMs: num(row['Max Response Time']),
    requestsPerS: num(row['Requests/s']),
    percentilesMs: Object.fromEntries(PERCENTILES.map((p) => [p, numOrNull(row[p])])),
  };
}

/** `CatchResponseError('payment-failed')` → `payment-failed`; other exceptions stay as Locust wrote them. */
export function unwrapFailure(error: string): string {
  const match = /^CatchResponseError\((['"])(.*)\1\)$/s.exec(error);
  return match ? match[2] : error;
}

export function readLocustResults(runDir: string, prefix = 'locust'): LocustResults {
  const file = (suffix: string) => join(runDir, `${prefix}_${suffix}.csv`);
  for (const suffix of ['stats', 'stats_history', 'failures']) {
    if (!existsSync(file(suffix))) throw new Error(`${file(suffix)} is missing: is ${runDir} a run folder of npm run load?`);
  }
  const stats = parseCsv(readFileSync(file('stats'), 'utf8'));
  const totalRow = stats.find((row) => row.Name === 'Aggregated');
  if (!totalRow) throw new Error(`${file('stats')} has no Aggregated row`);
  const history = parseCsv(readFileSync(file('stats_history'), 'utf8'))
    .filter((row) => row.Name === 'Aggregated')
    .map((row) => ({
      t: num(row.Timestamp),
      users: num(row['User Count']),
      requestsPerS: num(row['Requests/s']),
      failuresPerS: num(row['Failures/s']),
      p50: numOrNull(row['50%']),
      p95: numOrNull(row['95%']),
      p99: numOrNull(row['99%']),
      totalRequests: num(row['Total Request Count']),
      totalFailures: num(row['Total Failure Count']),
    }));
  const failures = parseCsv(readFileSync(file('failures'), 'utf8')).map((row) => ({
    method: row.Method ?? '',
    name: row.Name ?? '',
    kind: unwrapFailure(row.Error ?? ''),
    occurrences: num(row.Occurrences),
  }));
  return {
    endpoints: stats.filter((row) => row.Name !== 'Aggregated').map(toEndpoint),
    total: toEndpoint(totalRow),
    history,
    failures,
  };
}
