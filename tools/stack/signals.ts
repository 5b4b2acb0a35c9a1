// One Ctrl-C is one request to stop, however many copies of the signal arrive. A terminal's Ctrl-C
// reaches every process in the foreground group, and the wrappers in front of the launcher pass it
// on as well: npm forwards SIGINT/SIGTERM to its script, and tsx's CLI relays a signal its child has
// not acknowledged within 30 ms. So the launcher sees the same keypress two or three times within a
// few tens of milliseconds. Copies that arrive within ECHO_WINDOW_MS of the first are echoes; only a
// signal after that window is a second, deliberate request (kill now).
export const ECHO_WINDOW_MS = 1_000;

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface SignalGateHandlers {
  /** The first signal: stop gracefully. */
  onStop(signal: NodeJS.Signals): void;
  /** A signal after the echo window: the user insists. */
  onKill(signal: NodeJS.Signals): void;
}

export interface SignalGate {
  /** Feeds one signal through the gate (what the process listeners call). */
  receive(signal: NodeJS.Signals): 'stop' | 'echo' | 'kill';
  /** Whether a stop was requested. */
  readonly stopping: boolean;
  /** Removes the process listeners. */
  dispose(): void;
}

export function createSignalGate(
  handlers: SignalGateHandlers,
  { windowMs = ECHO_WINDOW_MS, now = () => Date.now(), listen = true }: { windowMs?: number; now?: () => number; listen?: boolean } = {},
): SignalGate {
  let firstAt: number | undefined;
  const receive = (signal: NodeJS.Signals): 'stop' | 'echo' | 'kill' => {
    const at = now();
    if (firstAt === undefined) {
      firstAt = at;
      handlers.onStop(signal);
      return 'stop';
    }
    if (at - firstAt < windowMs) return 'echo';
    handlers.onKill(signal);
    return 'kill';
  };
  const listener = (signal: NodeJS.Signals) => void receive(signal);
  if (listen) for (const signal of STOP_SIGNALS) process.on(signal, listener);
  return {
    receive,
    get stopping() {
      return firstAt !== undefined;
    },
    dispose() {
      for (const signal of STOP_SIGNALS) process.off(signal, listener);
    },
  };
}
