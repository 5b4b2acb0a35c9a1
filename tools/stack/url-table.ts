// The one table a newcomer reads after `npm start`: where each part answers, whether it runs, the
// admin token and where alerts go. Plain text with fixed labels, so tests and scripts can read it too.
import { paint } from './log-stream.js';

export interface TableRow {
  label: string;
  value: string;
  /** "pid 1234", or why it is not running. */
  status?: string;
  ok?: boolean;
}

export const TABLE_TITLE = 'TicketPulse stack';

export function formatUrlTable(rows: TableRow[], colour: boolean, footer: string[]): string {
  const labelWidth = Math.max(...rows.map((row) => row.label.length));
  const valueWidth = Math.max(...rows.map((row) => row.value.length));
  const rule = '─'.repeat(Math.min(100, labelWidth + valueWidth + 24));
  const lines = rows.map((row) => {
    const status = row.status === undefined ? '' : `  ${paint(colour, row.ok === false ? '1;31' : '32', row.status)}`;
    return `  ${row.label.padEnd(labelWidth)}  ${paint(colour, '1', row.value.padEnd(valueWidth))}${status}`.trimEnd();
  });
  return ['', rule, `  ${paint(colour, '1', TABLE_TITLE)}`, ...lines, ...footer.map((line) => `  ${line}`), rule, ''].join('\n');
}
