// The local notification sink: where Alertmanager's email and Discord notifications land in
// development and in tests, so the whole alerting pipeline runs without real accounts.
import { MessageStore, type SinkLimits, type SinkMessage } from './message-store.js';
import { startSmtpReceiver } from './smtp-receiver.js';
import { startHttpReceiver } from './http-receiver.js';

export type { SinkLimits, SinkMessage } from './message-store.js';

export interface SinkOptions {
  /** Listen address for both servers (default 127.0.0.1). */
  host?: string;
  /** 0 or omitted = an ephemeral port (what tests want). */
  smtpPort?: number;
  httpPort?: number;
  /** What is kept in memory; the defaults (DEFAULT_SINK_LIMITS) suit everything but tests of the limits. */
  limits?: Partial<SinkLimits>;
  /** One line per received message; default console.log, pass () => {} to silence. */
  log?: (line: string) => void;
}

export interface Sink {
  smtpPort: number;
  httpPort: number;
  /** Base URL of the HTTP server, e.g. http://127.0.0.1:8025 */
  url: string;
  /** Where Alertmanager's discord_configs.webhook_url should point. */
  discordWebhookUrl: string;
  /** host:port for Alertmanager's smarthost. */
  smtpSmarthost: string;
  messages(): SinkMessage[];
  waitFor(predicate: (message: SinkMessage) => boolean, timeoutMs: number): Promise<SinkMessage>;
  close(): Promise<void>;
}

export function formatLogLine(message: SinkMessage): string {
  const time = message.receivedAt.slice(11, 19);
  const kind = message.kind.padEnd(7);
  const status = message.accepted ? '' : ` REJECTED (${message.error})`;
  const to = message.to ? ` to=${message.to.join(',')}` : '';
  return `[sink] ${time} ${kind}${to} ${JSON.stringify(message.subject)}${status}`;
}

export async function startSink(options: SinkOptions = {}): Promise<Sink> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? ((line: string) => console.log(line));
  const store = new MessageStore(options.limits);
  const record = {
    add: (message: Parameters<MessageStore['add']>[0]) => {
      const stored = store.add(message);
      log(formatLogLine(stored));
      return stored;
    },
    all: () => store.all(),
  };

  const smtp = await startSmtpReceiver(host, options.smtpPort ?? 0, record.add, (error) =>
    log(`[sink] smtp error: ${error.message}`),
  );
  let http;
  try {
    http = await startHttpReceiver(host, options.httpPort ?? 0, record);
  } catch (error) {
    await smtp.close();
    throw error;
  }
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = `http://${urlHost}:${http.port}`;

  return {
    smtpPort: smtp.port,
    httpPort: http.port,
    url,
    discordWebhookUrl: `${url}/discord/webhook`,
    smtpSmarthost: `${urlHost.replace(/^\[|\]$/g, '')}:${smtp.port}`,
    messages: () => store.all(),
    waitFor: (predicate, timeoutMs) => store.waitFor(predicate, timeoutMs),
    async close() {
      await Promise.all([smtp.close(), http.close()]);
    },
  };
}
