// A real SMTP server for development and tests: it accepts any sender, any recipient and any
// credentials (or none), speaks plain SMTP without STARTTLS, parses each mail with mailparser and
// hands it to the store. Alertmanager talks to it exactly as it would to a company smarthost.
import { SMTPServer } from 'smtp-server';
import { simpleParser, type AddressObject } from 'mailparser';
import type { NewMessage } from './message-store.js';

/** Alert mails are a few kilobytes; anything much larger is a bug worth refusing. Advertised as SIZE. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  return list.flatMap((entry) => entry.value.map((address) => address.address ?? '').filter(Boolean));
}

export interface SmtpReceiver {
  port: number;
  close(): Promise<void>;
}

export async function startSmtpReceiver(
  host: string,
  port: number,
  onMessage: (message: NewMessage) => void,
  onError: (error: Error) => void,
): Promise<SmtpReceiver> {
  const server = new SMTPServer({
    secure: false,
    // No TLS at all: Alertmanager must be configured with require_tls: false for this sink.
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    size: MAX_MESSAGE_BYTES,
    banner: 'TicketPulse notification sink',
    logger: false,
    // close() waits for open SMTP sessions this long before cutting them.
    closeTimeout: 2_000,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? 'anonymous' });
    },
    onData(stream, session, callback) {
      // smtp-server only advertises SIZE and counts; refusing is ours. The client sends the whole
      // mail anyway, so the stream is read to its end, but nothing past the limit is kept.
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        if (!stream.sizeExceeded) chunks.push(chunk);
      });
      stream.once('error', (error: Error) => callback(error));
      stream.once('end', () => {
        if (stream.sizeExceeded) {
          onError(new Error(`refused a mail of ${stream.byteLength} bytes (SIZE ${MAX_MESSAGE_BYTES}) with 552`));
          return callback(Object.assign(new Error(`Error: message exceeds fixed maximum message size ${MAX_MESSAGE_BYTES}`), { responseCode: 552 }));
        }
        simpleParser(Buffer.concat(chunks))
          .then((mail) => {
            const envelopeTo = session.envelope.rcptTo.map((rcpt) => rcpt.address);
            const mailFrom = session.envelope.mailFrom;
            onMessage({
              kind: 'email',
              accepted: true,
              subject: mail.subject ?? '',
              text: (mail.text ?? '').trim(),
              html: typeof mail.html === 'string' ? mail.html : undefined,
              from: addresses(mail.from)[0] ?? (mailFrom ? mailFrom.address : undefined),
              to: envelopeTo.length > 0 ? envelopeTo : addresses(mail.to),
            });
            callback();
          })
          .catch((error: Error) => callback(error));
      });
    },
  });
  server.on('error', onError);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;

  return {
    port: boundPort,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
