// Keeps what the sink received, in arrival order, and lets a test wait for a particular message.

export const MessageKind = { email: 'email', discord: 'discord' } as const;
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind];

export interface SinkMessage {
  id: number;
  kind: MessageKind;
  /** ISO-8601 time the sink finished receiving it. */
  receivedAt: string;
  /** Email Subject, or the first Discord embed's title (content when there is no embed). */
  subject: string;
  /** Email plain-text body, or the Discord content and embed descriptions joined by blank lines. */
  text: string;
  /** False when the Discord payload was refused (the sender got a 400, like Discord would answer). */
  accepted: boolean;
  /** Why it was refused. */
  error?: string;
  from?: string;
  to?: string[];
  /** HTML body of an email, when it has one. */
  html?: string;
  /** Discord: the request path (e.g. /discord/webhook/123/abc) and the JSON body as sent. */
  path?: string;
  payload?: unknown;
  /** True when a field was cut to SinkLimits.maxFieldBytes (or the payload dropped) to keep memory bounded. */
  truncated?: boolean;
}

export type NewMessage = Omit<SinkMessage, 'id' | 'receivedAt'>;

interface Waiter {
  predicate: (message: SinkMessage) => boolean;
  resolve: (message: SinkMessage) => void;
}

/** Bounded so a sink left running for days, or flooded, keeps a constant footprint. */
export interface SinkLimits {
  /** Messages kept; the oldest go first. */
  maxMessages: number;
  /** Bytes kept over all messages (as JSON); the oldest go first. */
  maxStoredBytes: number;
  /** Bytes kept of one text field (subject, text, HTML) or of one Discord payload (as JSON). */
  maxFieldBytes: number;
}

export const DEFAULT_SINK_LIMITS: SinkLimits = { maxMessages: 1_000, maxStoredBytes: 16 * 1024 * 1024, maxFieldBytes: 256 * 1024 };

const TRUNCATION_MARK = '…[truncated]';

/** The longest prefix of `text` within `maxBytes` of UTF-8 (no split character), marked as cut. */
function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const cut = Buffer.from(text).subarray(0, Math.max(0, maxBytes - Buffer.byteLength(TRUNCATION_MARK)));
  return cut.toString('utf8').replace(/\uFFFD+$/, '') + TRUNCATION_MARK;
}

/** The message with every field within the per-field limit. */
function bounded(message: NewMessage, maxFieldBytes: number): NewMessage {
  const result: NewMessage = { ...message };
  let truncated = false;
  for (const key of ['subject', 'text', 'html', 'error'] as const) {
    const value = result[key];
    if (typeof value !== 'string') continue;
    const cut = truncateUtf8(value, maxFieldBytes);
    if (cut !== value) {
      result[key] = cut;
      truncated = true;
    }
  }
  if (result.payload !== undefined) {
    const bytes = Buffer.byteLength(JSON.stringify(result.payload) ?? '');
    if (bytes > maxFieldBytes) {
      result.payload = { truncated: `the ${bytes}-byte payload was not kept (limit ${maxFieldBytes} bytes)` };
      truncated = true;
    }
  }
  if (truncated) result.truncated = true;
  return result;
}

export class MessageStore {
  private readonly list: { message: SinkMessage; bytes: number }[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly limits: SinkLimits;
  private storedBytes = 0;
  private nextId = 1;

  constructor(limits: Partial<SinkLimits> = {}) {
    this.limits = { ...DEFAULT_SINK_LIMITS, ...limits };
    for (const [key, value] of Object.entries(this.limits)) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`sink limit ${key} must be a positive integer (got ${String(value)})`);
    }
  }

  add(message: NewMessage): SinkMessage {
    const stored: SinkMessage = { id: this.nextId++, receivedAt: new Date().toISOString(), ...bounded(message, this.limits.maxFieldBytes) };
    const bytes = Buffer.byteLength(JSON.stringify(stored));
    this.list.push({ message: stored, bytes });
    this.storedBytes += bytes;
    // The newest message always stays, so a waiter can see it even when it alone is over the budget.
    while (this.list.length > 1 && (this.list.length > this.limits.maxMessages || this.storedBytes > this.limits.maxStoredBytes)) {
      this.storedBytes -= this.list.shift()!.bytes;
    }
    for (const waiter of [...this.waiters]) {
      if (waiter.predicate(stored)) {
        this.waiters.delete(waiter);
        waiter.resolve(stored);
      }
    }
    return stored;
  }

  all(): SinkMessage[] {
    return this.list.map((entry) => entry.message);
  }

  /** Bytes currently kept (the JSON size of all messages). */
  bytes(): number {
    return this.storedBytes;
  }

  /**
   * The first message (already received or arriving later) that matches; rejects after timeoutMs
   * with a list of what did arrive, which is what one wants to read when an end-to-end test fails.
   */
  waitFor(predicate: (message: SinkMessage) => boolean, timeoutMs: number): Promise<SinkMessage> {
    const existing = this.all().find(predicate);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const seen = this.all().map((m) => `${m.kind}${m.accepted ? '' : ' (rejected)'}: ${m.subject}`);
        reject(
          new Error(
            `no matching message within ${timeoutMs} ms; received ${seen.length}${seen.length ? `:\n  ${seen.join('\n  ')}` : ''}`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

}
