// The sink's page at `/`: newest first, refreshed every few seconds, no scripts, readable on a phone.
import type { SinkMessage } from './message-store.js';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** Bare URLs in a message become links, so the runbook and dashboard are one tap away. */
const linkify = (escaped: string) => escaped.replace(/https?:\/\/[^\s<&]+/g, (url) => `<a href="${url}">${url}</a>`);

function renderMessage(message: SinkMessage): string {
  const badge = message.accepted ? message.kind : `${message.kind} — rejected: ${message.error ?? ''}`;
  const resolved = /^\[RESOLVED\]/.test(message.subject);
  return `<article class="${message.accepted ? (resolved ? 'resolved' : 'firing') : 'rejected'}">
<header><span class="kind">${escapeHtml(badge)}</span> <time>${escapeHtml(message.receivedAt)}</time>${
    message.to ? ` <span class="to">to ${escapeHtml(message.to.join(', '))}</span>` : ''
  }</header>
<h2>${escapeHtml(message.subject || '(no subject)')}</h2>
<pre>${linkify(escapeHtml(message.text))}</pre>
</article>`;
}

export function renderMessagesPage(messages: SinkMessage[]): string {
  const items = [...messages].reverse().map(renderMessage).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="3">
<title>TicketPulse notification sink (${messages.length})</title>
<style>
body{font:15px/1.4 system-ui,sans-serif;margin:0 auto;max-width:52rem;padding:1rem;background:#f6f7f9;color:#1b1f24}
article{background:#fff;border-left:6px solid #999;border-radius:6px;margin:.8rem 0;padding:.6rem .9rem;box-shadow:0 1px 2px #0002}
article.firing{border-color:#d33}article.resolved{border-color:#2a2}article.rejected{border-color:#f90;background:#fff8ec}
header{font-size:.8rem;color:#555}.kind{font-weight:600;text-transform:uppercase}
h2{font-size:1rem;margin:.3rem 0;overflow-wrap:anywhere}pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:0;font:13px/1.45 ui-monospace,monospace}
</style></head><body>
<h1>Notification sink</h1>
<p>${messages.length} message(s). SMTP mails and Discord webhook posts appear here; JSON at <a href="/api/messages">/api/messages</a>.</p>
${items || '<p><em>Nothing received yet.</em></p>'}
</body></html>
`;
}
