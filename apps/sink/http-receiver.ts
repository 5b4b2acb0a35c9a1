// The HTTP half of the sink: a Discord-compatible webhook endpoint, a JSON list of everything
// received, and a small self-refreshing page to watch notifications arrive.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { validateDiscordPayload, type DiscordPayload } from './discord-payload.js';
import type { NewMessage, SinkMessage } from './message-store.js';
import { renderMessagesPage } from './messages-page.js';

/** Discord refuses bodies over 8 MiB (with attachments); a text-only webhook body is far smaller. */
const MAX_BODY_BYTES = 256 * 1024;
const WEBHOOK_PATH = /^\/discord\/webhook(\/[^?]*)?$/;

export interface HttpReceiver {
  port: number;
  close(): Promise<void>;
}

class BodyTooLarge extends Error {}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** Subject and text of a Discord body; tolerant, because rejected bodies are recorded too. */
function describeDiscord(body: unknown): Pick<NewMessage, 'subject' | 'text'> {
  const payload = (typeof body === 'object' && body !== null ? body : {}) as DiscordPayload;
  const asText = (value: unknown) => (typeof value === 'string' ? value : '');
  const embeds = Array.isArray(payload.embeds) ? payload.embeds.filter((e) => typeof e === 'object' && e !== null) : [];
  const subject = embeds.map((embed) => asText(embed.title)).find(Boolean) ?? asText(payload.content);
  const parts = [asText(payload.content), ...embeds.map((embed) => asText(embed.description))];
  return { subject, text: parts.filter((part) => part.trim() !== '').join('\n\n').trim() };
}

export async function startHttpReceiver(
  host: string,
  port: number,
  store: { add(message: NewMessage): SinkMessage; all(): SinkMessage[] },
): Promise<HttpReceiver> {
  const handleWebhook = async (request: IncomingMessage, response: ServerResponse, path: string) => {
    let raw: string;
    try {
      raw = await readBody(request);
    } catch (error) {
      if (error instanceof BodyTooLarge) return sendJson(response, 413, { message: 'Request entity too large', code: 40005 });
      throw error;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      store.add({ kind: 'discord', accepted: false, error: 'body is not JSON', subject: '', text: raw.slice(0, 500), path });
      return sendJson(response, 400, { message: 'The request body contains invalid JSON.', code: 50109 });
    }
    const result = validateDiscordPayload(body);
    if (!result.ok) {
      const partial = describeDiscord(body);
      store.add({
        kind: 'discord',
        accepted: false,
        error: result.error,
        subject: partial.subject.slice(0, 300),
        text: partial.text.slice(0, 500),
        path,
        payload: body,
      });
      // Discord answers 400 "Invalid Form Body" with error code 50035 for the same mistakes.
      return sendJson(response, 400, { message: 'Invalid Form Body', code: 50035, error: result.error });
    }
    store.add({ kind: 'discord', accepted: true, ...describeDiscord(result.payload), path, payload: body });
    response.writeHead(204);
    response.end();
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://sink');
    const path = url.pathname;
    const route = async () => {
      if (WEBHOOK_PATH.test(path)) {
        if (request.method !== 'POST') return sendJson(response, 405, { message: '405: Method Not Allowed', code: 0 });
        return handleWebhook(request, response, path);
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') return sendJson(response, 405, { error: 'method not allowed' });
      if (path === '/api/messages') return sendJson(response, 200, store.all());
      if (path === '/') {
        const html = renderMessagesPage(store.all());
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) });
        return response.end(html);
      }
      return sendJson(response, 404, { error: `no route ${request.method} ${path}` });
    };
    route().catch((error: Error) => {
      if (!response.headersSent) sendJson(response, 500, { error: error.message });
      else response.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;

  return {
    port: boundPort,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
