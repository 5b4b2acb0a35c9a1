// Ctrl-C for the tools that play scenarios (`npm run scenario`, `npm run scorecard`), one behaviour for
// both: the first stops the current run at its next tick (it is still judged and written, and its stack
// stopped as usual); the second quits at once, but must not leave a fault staged (against given URLs that
// is someone's real API) nor a stack's processes and its scratch database behind.
import { putChaos } from '../../packages/shared/chaos-client.js';
import { CALM, type Targets } from './run-scenario.js';

export interface InterruptWatch {
  /** True once Ctrl-C was pressed: stop after the current tick, start nothing new. */
  interrupted(): boolean;
  /** What a second Ctrl-C must clean up: the faults staged on `targets`, and the local stack (`kill`), also while it starts. */
  track(current: Tracked): void;
}

export interface Tracked {
  targets?: Targets;
  kill?: () => Promise<void>;
}

/** Set by the second Ctrl-C: that path cleans up and exits 130, and nothing may exit before it. */
let quitting = false;

/**
 * The tools' own exit, with its last words: skipped while a second Ctrl-C is cleaning up (a start it
 * cut short fails too, and neither its message nor its exit code is the story then).
 */
export function exitUnlessQuitting(code: number, message?: string): void {
  if (quitting) return;
  if (message) console.error(message);
  process.exit(code);
}

export function watchInterrupts(tool: string): InterruptWatch {
  let interrupted = false;
  let current: Tracked = {};
  process.on('SIGINT', () => {
    if (!interrupted) {
      interrupted = true;
      console.log(`[${tool}] stopping after this tick… (Ctrl-C again to quit at once)`);
      return;
    }
    // One bounded attempt to heal, then the local stack's children are killed and its database dropped.
    if (quitting) return;
    quitting = true;
    const { targets, kill } = current;
    void (targets ? putChaos(targets.apiUrl, targets.adminToken, CALM, 3_000) : Promise.resolve(undefined))
      .then(
        () => targets && console.log(`[${tool}] quitting: every fault healed`),
        (error: Error) => console.error(`[${tool}] quitting: the heal did not land (${error.message}); heal by hand: PUT ${targets!.apiUrl}/api/admin/chaos`),
      )
      .finally(async () => {
        await kill?.();
        process.exit(130);
      });
  });
  return {
    interrupted: () => interrupted,
    track: (next) => {
      current = next;
    },
  };
}
