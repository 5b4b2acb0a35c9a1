// `npm run sink`: runs the notification sink in the foreground and prints one line per message.
// Env: SINK_HOST (127.0.0.1), SINK_SMTP_PORT (1025), SINK_HTTP_PORT (8025).
import { ConfigError, readInteger, readString } from '../../packages/shared/env.js';
import { startSink } from './sink.js';

async function main(): Promise<void> {
  const host = readString(process.env, 'SINK_HOST', '127.0.0.1');
  const smtpPort = readInteger(process.env, 'SINK_SMTP_PORT', 1025, 0, 65_535);
  const httpPort = readInteger(process.env, 'SINK_HTTP_PORT', 8025, 0, 65_535);
  const sink = await startSink({ host, smtpPort, httpPort });
  console.log(
    `[sink] SMTP on ${host}:${sink.smtpPort} (no TLS, any auth); Discord webhook ${sink.discordWebhookUrl}; messages at ${sink.url}/`,
  );
  const shutdown = () => {
    sink.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error);
  console.error(`sink: ${message}`);
  process.exit(1);
});
