// The report as one self-contained HTML file: inline SVG charts, inline CSS, no scripts, no fetches.
import type { ReportModel, Table } from './report-model.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The only Markdown the sections use: **bold**. */
const inline = (text: string) => escapeHtml(text).replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>');

function table(t: Table): string {
  const td = (text: string, i: number, tag: 'td' | 'th') =>
    `<${tag}${t.numeric?.[i] ? ' class="num"' : ''}>${escapeHtml(text)}</${tag}>`;
  return `<table><thead><tr>${t.head.map((h, i) => td(h, i, 'th')).join('')}</tr></thead><tbody>${t.rows
    .map((row) => `<tr>${row.map((c, i) => td(c, i, 'td')).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
figure{margin:1em 0}figure svg{max-width:100%;height:auto;border:1px solid #eee}
table{border-collapse:collapse;font-size:.85em;margin:1em 0}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left}
th{background:#f5f5f5}.num{text-align:right;font-variant-numeric:tabular-nums}`;

export function renderHtml(model: ReportModel): string {
  const body = model.sections
    .map(
      (section) =>
        `<section><h2>${escapeHtml(section.title)}</h2>${section.paragraphs.map((p) => `<p>${inline(p)}</p>`).join('')}${section.charts
          .map((c) => `<figure id="chart-${c.id}">${c.svg}</figure>`)
          .join('')}${section.tables.map(table).join('')}</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(model.title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(model.title)}</h1>
${body}
</body></html>
`;
}
