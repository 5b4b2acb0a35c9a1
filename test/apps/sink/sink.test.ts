// The notification sink, exercised the way Alertmanager uses it: a real SMTP conversation over TCP
// and real HTTP POSTs of Discord webhook bodies (good and bad).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { startSink, type Sink } from '../../../apps/sink/sink.js';

/** A minimal SMTP client: send a line, wait for the complete reply, check its code. */
class SmtpDialogue {
  private buffer = '';
  private waiting?: { resolve: (reply: string) => void };
  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.flush();
    });
  }

  static async open(port: number): Promise<{ dialogue: SmtpDialogue; greeting: string }> {
    const socket = connect(port, '127.0.0.1');
    const dialogue = new SmtpDialogue(socket);
    const greeting = await dialogue.reply();
    return { dialogue, greeting };
  }

  private flush(): void {
    // A reply is complete at a line "NNN text" (a space after the code, not a dash).
    const match = /(^|\r\n)(\d{3}) [^\r\n]*\r\n/.exec(this.buffer);
    if (!match || !this.waiting) return;
    const end = match.index + match[0].length;
    const reply = this.buffer.slice(0, end);
    this.buffer = this.buffer.slice(end);
    const { resolve } = this.waiting;
    this.waiting = undefined;
    resolve(reply);
  }

  reply(): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no SMTP reply; buffer: ${this.buffer}`)), 5_000);
      this.waiting = {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
      };
      this.flush();
    });
  }

  async send(line: string, expectCode: number): Promise<string> {
    this.socket.write(`${line}\r\n`);
    const reply = await this.reply();
    const lastLine = reply.trimEnd().split('\r\n').at(-1) ?? '';
    assert.equal(Number(lastLine.slice(0, 3)), expectCode, `${line} → ${reply}`);
    return reply;
  }

  end(): void {
    this.socket.end();
  }
}

async function postJson(url: string, body: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

describe('notification sink', () => {
  let sink: Sink;
  const logged: string[] = [];

  before(async () => {
    sink = await startSink({ host: '127.0.0.1', smtpPort: 0, httpPort: 0, log: (line) => logged.push(line) });
  });
  after(async () => {
    await sink?.close();
  });

  it('listens on ephemeral ports when asked for port 0', () => {
    assert.ok(sink.smtpPort > 0 && sink.httpPort > 0);
    assert.notEqual(sink.smtpPort, 1025);
    assert.equal(sink.url, `http://127.0.0.1:${sink.httpPort}`);
  });

  it('when a client speaks SMTP with AUTH PLAIN and sends a mail, then it is stored parsed and logged', async () => {
    const { dialogue, greeting } = await SmtpDialogue.open(sink.smtpPort);
    assert.match(greeting, /^220 /);
    const ehlo = await dialogue.send('EHLO alertmanager.test', 250);
    assert.doesNotMatch(ehlo, /STARTTLS/, 'the sink offers no TLS');
    assert.match(ehlo, /AUTH/);
    const credentials = Buffer.from('\0oncall\0any-password').toString('base64');
    await dialogue.send(`AUTH PLAIN ${credentials}`, 235);
    await dialogue.send('MAIL FROM:<alertmanager@ticketpulse.test>', 250);
    await dialogue.send('RCPT TO:<oncall@ticketpulse.test>', 250);
    await dialogue.send('RCPT TO:<backup@ticketpulse.test>', 250);
    await dialogue.send('DATA', 354);
    const mail = [
      'From: Alertmanager <alertmanager@ticketpulse.test>',
      'To: oncall@ticketpulse.test, backup@ticketpulse.test',
      'Subject: [FIRING:1] PurchaseFailureRateHigh page',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'PurchaseFailureRateHigh is firing',
      '..a line that starts with a dot (dot-stuffed)',
      'Runbook: https://example.test/runbook',
      '.',
    ].join('\r\n');
    await dialogue.send(mail, 250);
    await dialogue.send('QUIT', 221);
    dialogue.end();

    const message = await sink.waitFor((m) => m.kind === 'email' && m.subject.includes('PurchaseFailureRateHigh'), 5_000);
    assert.equal(message.accepted, true);
    assert.equal(message.subject, '[FIRING:1] PurchaseFailureRateHigh page');
    assert.equal(message.from, 'alertmanager@ticketpulse.test');
    assert.deepEqual(message.to, ['oncall@ticketpulse.test', 'backup@ticketpulse.test']);
    assert.match(message.text, /^PurchaseFailureRateHigh is firing\n\.a line that starts with a dot/);
    assert.match(message.text, /Runbook: https:\/\/example\.test\/runbook/);
    assert.ok(!Number.isNaN(Date.parse(message.receivedAt)));
    assert.ok(logged.some((line) => line.includes('email') && line.includes('PurchaseFailureRateHigh')), logged.join('\n'));
  });

  it('when a client sends mail without authenticating, then it is accepted too', async () => {
    const { dialogue } = await SmtpDialogue.open(sink.smtpPort);
    await dialogue.send('HELO plain-client', 250);
    await dialogue.send('MAIL FROM:<a@test>', 250);
    await dialogue.send('RCPT TO:<b@test>', 250);
    await dialogue.send('DATA', 354);
    await dialogue.send('Subject: no auth\r\n\r\nhello\r\n.', 250);
    await dialogue.send('QUIT', 221);
    dialogue.end();
    const message = await sink.waitFor((m) => m.subject === 'no auth', 5_000);
    assert.equal(message.text, 'hello');
  });

  it('when Alertmanager-shaped Discord JSON is posted (any webhook suffix), then it answers 204 and stores it', async () => {
    const body = {
      content: '',
      embeds: [{ title: '[FIRING:1] HighRequestLatency page', description: 'p95 is 1.2 s\nRunbook: https://x.test/r', color: 10038562 }],
    };
    const { status, text } = await postJson(`${sink.url}/discord/webhook/123456/secret-token`, body);
    assert.equal(status, 204);
    assert.equal(text, '');
    const message = await sink.waitFor((m) => m.kind === 'discord' && m.subject.includes('HighRequestLatency'), 2_000);
    assert.equal(message.accepted, true);
    assert.equal(message.path, '/discord/webhook/123456/secret-token');
    assert.equal(message.text, 'p95 is 1.2 s\nRunbook: https://x.test/r');
    assert.deepEqual(message.payload, body);
  });

  it('when a Discord payload breaks Discord limits or shape, then it answers 400 with a JSON error and records a rejection', async () => {
    const cases: Array<{ body: unknown; error: RegExp }> = [
      { body: { embeds: [{ title: 'x'.repeat(257), description: 'd', color: 1 }] }, error: /title is 257 characters, the limit is 256/ },
      { body: { embeds: [{ title: 'long', description: 'y'.repeat(4097) }] }, error: /description is 4097 characters/ },
      { body: { content: 42, embeds: [] }, error: /content must be a string/ },
      { body: { embeds: 'nope' }, error: /embeds must be an array/ },
      { body: { embeds: [{ title: 't', color: 'red' }] }, error: /color must be an integer/ },
      { body: { content: '' }, error: /needs content or at least one embed/ },
    ];
    for (const { body, error } of cases) {
      const { status, text } = await postJson(`${sink.url}/discord/webhook`, body);
      assert.equal(status, 400, JSON.stringify(body).slice(0, 80));
      const parsed = JSON.parse(text) as { error: string; code: number };
      assert.match(parsed.error, error);
      assert.equal(parsed.code, 50035);
    }
    const notJson = await postJson(`${sink.url}/discord/webhook`, '{not json');
    assert.equal(notJson.status, 400);
    const rejected = sink.messages().filter((m) => m.kind === 'discord' && !m.accepted);
    assert.equal(rejected.length, cases.length + 1);
    assert.match(rejected[0]!.error ?? '', /title is 257/);
    assert.ok(logged.some((line) => line.includes('REJECTED')));
  });

  it('lists everything at GET /api/messages and on the HTML page', async () => {
    const response = await fetch(`${sink.url}/api/messages`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /application\/json/);
    const list = (await response.json()) as Array<{ kind: string; subject: string; receivedAt: string; text: string; accepted: boolean }>;
    assert.deepEqual(
      list.filter((m) => m.accepted).map((m) => [m.kind, m.subject]),
      [
        ['email', '[FIRING:1] PurchaseFailureRateHigh page'],
        ['email', 'no auth'],
        ['discord', '[FIRING:1] HighRequestLatency page'],
      ],
    );
    const page = await fetch(`${sink.url}/`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<meta http-equiv="refresh"/);
    assert.match(html, /HighRequestLatency/);
    assert.match(html, /<a href="https:\/\/x.test\/r">/);
    assert.ok(html.indexOf('HighRequestLatency') < html.indexOf('PurchaseFailureRateHigh'), 'newest first');
    assert.equal((await fetch(`${sink.url}/nope`)).status, 404);
    assert.equal((await fetch(`${sink.url}/discord/webhook`)).status, 405);
  });

  it('waitFor rejects after its timeout with what did arrive', async () => {
    await assert.rejects(sink.waitFor((m) => m.subject === 'never sent', 200), /no matching message within 200 ms; received \d+/);
  });
});

describe('notification sink limits', () => {
  let sink: Sink;
  const logged: string[] = [];
  const limits = { maxStoredBytes: 300_000, maxFieldBytes: 20_000 };

  before(async () => {
    sink = await startSink({ host: '127.0.0.1', smtpPort: 0, httpPort: 0, limits, log: (line) => logged.push(line) });
  });
  after(async () => {
    await sink?.close();
  });

  it('refuses a mail over the SIZE it advertises with 552, keeps nothing of it, and goes on serving', async () => {
    const { dialogue } = await SmtpDialogue.open(sink.smtpPort);
    const ehlo = await dialogue.send('EHLO big-sender.test', 250);
    const size = Number(/SIZE (\d+)/.exec(ehlo)?.[1]);
    assert.equal(size, 1024 * 1024, ehlo);
    // A declared size over the limit is refused at MAIL FROM already.
    await dialogue.send(`MAIL FROM:<big@test> SIZE=${size + 1}`, 552);
    // Undeclared: the whole mail is sent, 1 MB over the limit, and refused at the end of DATA.
    await dialogue.send('MAIL FROM:<big@test>', 250);
    await dialogue.send('RCPT TO:<oncall@test>', 250);
    await dialogue.send('DATA', 354);
    const line = `${'x'.repeat(998)}\r\n`;
    const body = line.repeat(Math.ceil((size + 1024 * 1024) / line.length));
    const reply = await dialogue.send(`Subject: oversized\r\n\r\n${body}.`, 552);
    assert.match(reply, /exceeds fixed maximum message size 1048576/);
    // The same session still delivers a normal mail.
    await dialogue.send('MAIL FROM:<small@test>', 250);
    await dialogue.send('RCPT TO:<oncall@test>', 250);
    await dialogue.send('DATA', 354);
    await dialogue.send('Subject: after the big one\r\n\r\nsmall\r\n.', 250);
    await dialogue.send('QUIT', 221);
    dialogue.end();
    await sink.waitFor((m) => m.subject === 'after the big one', 5_000);
    assert.deepEqual(
      sink.messages().filter((m) => m.kind === 'email').map((m) => m.subject),
      ['after the big one'],
      'the refused mail is not stored',
    );
    assert.ok(logged.some((entry) => /refused a mail of \d+ bytes \(SIZE 1048576\) with 552/.test(entry)), logged.join('\n'));
  });

  it('cuts long fields of a mail within the size limit to the per-field cap', async () => {
    const { dialogue } = await SmtpDialogue.open(sink.smtpPort);
    await dialogue.send('HELO long-sender', 250);
    await dialogue.send('MAIL FROM:<long@test>', 250);
    await dialogue.send('RCPT TO:<oncall@test>', 250);
    await dialogue.send('DATA', 354);
    const text = `${'é'.repeat(70)}\r\n`.repeat(3_000); // ≈ 430 KB of two-byte characters, under SIZE
    await dialogue.send(`Subject: long text\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${text}.`, 250);
    await dialogue.send('QUIT', 221);
    dialogue.end();
    const message = await sink.waitFor((m) => m.subject === 'long text', 5_000);
    assert.equal(message.truncated, true);
    assert.ok(Buffer.byteLength(message.text) <= limits.maxFieldBytes, `${Buffer.byteLength(message.text)} bytes kept`);
    assert.ok(Buffer.byteLength(message.text) > limits.maxFieldBytes - 100, 'as much as fits is kept');
    assert.match(message.text, /^é+/);
    assert.match(message.text, /…\[truncated\]$/);
    assert.doesNotMatch(message.text, /\uFFFD/, 'no character is cut in half');
  });

  it('keeps at most its byte budget of Discord payloads, dropping the oldest first', async () => {
    // Each is refused (content over Discord's 2,000 characters) and recorded with its payload:
    // 18 KB ones whole, 150 KB ones (over the per-field cap) without it.
    const posts = 40;
    const contentLength = (index: number) => (index % 2 === 0 ? 18_000 : 150_000);
    for (let index = 0; index < posts; index += 1) {
      const { status } = await postJson(`${sink.url}/discord/webhook`, { content: `flood ${index} ${'z'.repeat(contentLength(index))}` });
      assert.equal(status, 400);
    }
    const accepted = { embeds: [{ title: '[FIRING:1] AfterTheFlood', description: 'small' }] };
    assert.equal((await postJson(`${sink.url}/discord/webhook`, accepted)).status, 204);

    const listed = await (await fetch(`${sink.url}/api/messages`)).text();
    assert.ok(Buffer.byteLength(listed) <= limits.maxStoredBytes + 1_000, `${Buffer.byteLength(listed)} bytes listed`);
    const messages = JSON.parse(listed) as Array<{ subject: string; payload?: unknown; truncated?: boolean; text: string }>;
    const floods = messages.filter((m) => m.text.startsWith('flood'));
    assert.ok(floods.length > 0 && floods.length < posts, `${floods.length} of ${posts} floods kept`);
    for (const flood of floods) {
      const index = Number(/^flood (\d+) /.exec(flood.text)?.[1]);
      assert.ok(Buffer.byteLength(JSON.stringify(flood.payload)) <= limits.maxFieldBytes);
      if (contentLength(index) > limits.maxFieldBytes) {
        assert.equal(flood.truncated, true, `flood ${index}`);
        assert.match(JSON.stringify(flood.payload), /payload was not kept \(limit 20000 bytes\)/);
      } else {
        assert.equal((flood.payload as { content: string }).content.length, `flood ${index} `.length + contentLength(index));
      }
    }
    // The newest are the ones kept, and the small accepted one is whole.
    assert.match(floods.at(-1)!.text, new RegExp(`^flood ${posts - 1} `));
    const last = messages.at(-1)!;
    assert.equal(last.subject, '[FIRING:1] AfterTheFlood');
    assert.deepEqual(last.payload, accepted);
    assert.equal(last.truncated, undefined);
  });
});
