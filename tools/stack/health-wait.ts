// Waits until a child answers its health URL — or reports why it never will (it exited, or the
// deadline passed), so a start-up failure names the part and shows its last words.
import { setTimeout as sleep } from 'node:timers/promises';
import type { SupervisedChild } from './supervised-process.js';

export class NotHealthyError extends Error {
  override name = 'NotHealthyError';
}

export async function waitForHealthy(child: SupervisedChild, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!child.running()) {
      const { code, signal } = await child.exited;
      throw new NotHealthyError(`${child.name} exited (${signal ?? `code ${code}`}) before ${url} answered`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new NotHealthyError(`${child.name}: ${url} did not answer 2xx within ${Math.round(timeoutMs / 1000)} s`);
    await sleep(150);
  }
}
