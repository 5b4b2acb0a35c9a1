// One log stream for the whole stack: every line prefixed with the part that wrote it, coloured on
// a terminal, so a newcomer sees at a glance which process says what. Pino JSON lines (API,
// dashboard) are shortened to "LEVEL message key=value" — raw JSON is unreadable interleaved.

const COLOURS = {
  stack: '1', // bold
  api: '36', // cyan
  dashboard: '34', // blue
  prometheus: '33', // yellow
  alertmanager: '35', // magenta
  sink: '32', // green
  'pg-exporter': '33', // the exporters share Prometheus's yellow
  'nd-exporter': '33',
  'bb-exporter': '33',
  load: '90', // grey
  demo: '1;32', // bold green
} as const;
export type Source = keyof typeof COLOURS;

const PREFIX_WIDTH = Math.max(...Object.keys(COLOURS).map((name) => name.length));

const PINO_LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const PINO_NOISE = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'v']);

/** A pino JSON line as "WARN message key=value …"; any other line unchanged. */
export function formatChildLine(line: string): string {
  if (!line.startsWith('{')) return line;
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof record.level !== 'number') return line;
  const extras = Object.entries(record)
    .filter(([key]) => !PINO_NOISE.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const level = PINO_LEVELS[record.level] ?? String(record.level);
  return [level, typeof record.msg === 'string' ? record.msg : '', ...extras].filter(Boolean).join(' ');
}

export interface LogStream {
  /** A line from a child (or the stack itself). */
  line(source: Source, text: string): void;
  /** The supervisor's own messages. */
  info(text: string): void;
  /** Printed without a prefix (the URL table). */
  raw(text: string): void;
  colour: boolean;
}

export function useColour(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

export function paint(colour: boolean, code: string, text: string): string {
  return colour ? `\u001b[${code}m${text}\u001b[0m` : text;
}

export function createLogStream(write: (text: string) => void, colour: boolean): LogStream {
  const line = (source: Source, text: string) => {
    // The sink and the load runner prefix their own lines; one prefix is enough.
    const body = formatChildLine(text.replace(/^\[(sink|load|report)\] /, ''));
    write(`${paint(colour, COLOURS[source], `${source.padEnd(PREFIX_WIDTH)} |`)} ${body}\n`);
  };
  return {
    colour,
    line,
    info: (text) => line('stack', text),
    raw: (text) => write(text.endsWith('\n') ? text : `${text}\n`),
  };
}
