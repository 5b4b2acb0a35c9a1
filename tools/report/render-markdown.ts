// The report as Markdown for the repository; charts are referenced as SVG files next to it.
import type { ReportModel, Table } from './report-model.js';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(t: Table): string {
  const align = t.head.map((_, i) => (t.numeric?.[i] ? '---:' : '---'));
  return [t.head, align, ...t.rows].map((row, i) => `| ${(i === 1 ? row : row.map(cell)).join(' | ')} |`).join('\n');
}

export function renderMarkdown(model: ReportModel, chartDir: string): string {
  const parts = [`# ${model.title}`];
  for (const section of model.sections) {
    parts.push(`## ${section.title}`);
    parts.push(...section.paragraphs);
    parts.push(...section.charts.map((c) => `![${c.title}](${chartDir}/${c.id}.svg)`));
    parts.push(...section.tables.map(table));
  }
  return `${parts.join('\n\n')}\n`;
}
