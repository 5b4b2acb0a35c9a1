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
}

export type NewMessage = Omit<SinkMessage, 'id' | 'receivedAt'>;

interface Waiter {
  predicate: (message: SinkMessage) => boolean;
  resolve: (message: SinkMessage) => void;
}

/** Bounded so a sink left running for days keeps a constant footprint. */
const MAX_MESSAGES = 1_000;

export class MessageStore {
  private readonly list: SinkMessage[] = [];
  private readonly waiters = new Set<Waiter>();
  private nextId = 1;

  add(message: NewMessage): SinkMessage {
    const stored: SinkMessage = { id: this.nextId++, receivedAt: new Date().toISOString(), ...message };
    this.list.push(stored);
    if (this.list.length > MAX_MESSAGES) this.list.shift();
    for (const waiter of [...this.waiters]) {
      if (waiter.predicate(stored)) {
        this.waiters.delete(waiter);
        waiter.resolve(stored);
      }
    }
    return stored;
  }

  all(): SinkMessage[] {
    return [...this.list];
  }

  /**
   * The first message (already received or arriving later) that matches; rejects after timeoutMs
   * with a list of what did arrive, which is what one wants to read when an end-to-end test fails.
   */
  waitFor(predicate: (message: SinkMessage) => boolean, timeoutMs: number): Promise<SinkMessage> {
    const existing = this.list.find(predicate);
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
        const seen = this.list.map((m) => `${m.kind}${m.accepted ? '' : ' (rejected)'}: ${m.subject}`);
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
