import { Worker } from 'node:worker_threads';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { ChaosSettings } from '../../../packages/contract/index.js';
import type { ChaosSettingsStore } from './chaos-settings.js';

/**
 * The faults that hurt the process itself: a memory leak, CPU burn, event-loop stalls and a crash.
 * Each follows the shared chaos settings (so every replica within the sync interval) and stops,
 * releasing what it took, as soon as its setting goes back to zero.
 */
export interface ProcessFaults {
  stop(): void;
}

/** A leak never retains more than this per replica: enough to page, not enough to take the host down. */
export const MAX_LEAK_BYTES = 1024 * 1024 * 1024;
const LEAK_TICK_MS = 1_000;

export interface ProcessFaultOptions {
  /** How a staged crash ends the process; the server passes process.exit. */
  exit: (code: number) => void;
  /**
   * The leak actually running in this process, in bytes per second, each time it changes: staged,
   * healed, or stopped because its worker died (out of memory, an address-space limit) while the
   * shared settings still ask for it. The one source of `chaos_memory_leak_bytes_per_second`.
   */
  onLeakRate?: (bytesPerSecond: number) => void;
}

export function startProcessFaults(chaos: ChaosSettingsStore, logger: Logger, { exit, onLeakRate }: ProcessFaultOptions): ProcessFaults {
  const leak = memoryLeak(logger, onLeakRate);
  const burn = cpuBurn();
  const stall = eventLoopStall();
  let crashTimer: NodeJS.Timeout | undefined;
  let crashAfter = 0;

  const apply = (settings: ChaosSettings) => {
    leak.set(settings.memoryLeak.mbPerMinute);
    burn.set(settings.cpuBurn.threads);
    stall.set(settings.eventLoopStall.ms, settings.eventLoopStall.everySeconds);
    if (settings.crash.exitAfterSeconds !== crashAfter) {
      crashAfter = settings.crash.exitAfterSeconds;
      clearTimeout(crashTimer);
      crashTimer = undefined;
      if (crashAfter > 0) {
        crashTimer = setTimeout(() => {
          logger.fatal({ chaos: settings.crash }, 'chaos: crashing on purpose (crash.exitAfterSeconds)');
          exit(1);
        }, crashAfter * 1000);
        crashTimer.unref();
      }
    }
  };
  chaos.onChange(apply);

  return {
    stop() {
      clearTimeout(crashTimer);
      leak.set(0);
      burn.set(0);
      stall.set(0, 1);
    },
  };
}

/**
 * The leak lives in a worker thread because healing must give the memory back at once: buffers
 * dropped in the main isolate wait for a major garbage collection, which an idle API may not run
 * for many minutes (CI saw the resident memory stay up 9 minutes after a heal, so MemoryGrowing
 * never resolved). Terminating the worker frees its heap and buffers on the spot, as a restart would.
 *
 * It takes memory in 64 MiB blocks and writes into them a slice at a time: a block that large is
 * always its own mmap (above glibc's highest mmap threshold, 32 MiB), so freeing it returns it to
 * the system. Small blocks may come from malloc's arenas once an earlier large free has raised the
 * threshold, and then much of them can stay resident after the free (CI: MemoryGrowing resolved
 * 100 s after the heal with 1.7 MB blocks, 10 s with these).
 */
const LEAK_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const BLOCK = 64 * 1024 * 1024;
const blocks = [];
let used = BLOCK;
let bytes = 0;
let perTick = 0;
parentPort.on('message', (bytesPerTick) => { perTick = bytesPerTick; });
setInterval(() => {
  for (let left = Math.min(perTick, workerData.maxBytes - bytes); left > 0; ) {
    if (used === BLOCK) {
      // Reserved, not yet resident: the pages count once they are written below.
      blocks.push(Buffer.allocUnsafe(BLOCK));
      used = 0;
    }
    const slice = Math.min(left, BLOCK - used);
    blocks[blocks.length - 1].fill(1, used, used + slice);
    used += slice;
    bytes += slice;
    left -= slice;
  }
}, workerData.tickMs);
`;

function memoryLeak(logger: Logger, onRate?: (bytesPerSecond: number) => void) {
  let worker: Worker | undefined;
  let rate = 0;
  return {
    set(mbPerMinute: number) {
      if (mbPerMinute === rate) return;
      rate = mbPerMinute;
      onRate?.(rate > 0 ? (rate * 1024 * 1024) / 60 : 0);
      if (rate <= 0) {
        void worker?.terminate();
        worker = undefined;
        return;
      }
      // A new rate keeps what is already retained, as a leak that speeds up or slows down would.
      if (!worker) {
        const started = new Worker(LEAK_WORKER, { eval: true, workerData: { maxBytes: MAX_LEAK_BYTES, tickMs: LEAK_TICK_MS } });
        // A worker that dies (out of memory) must not take the API with it: the leak just stops,
        // and says so. Healing and staging it again starts a new one.
        started.on('error', (err) => {
          logger.error({ err }, 'chaos: the memory-leak worker died; the leak stops (heal and stage it again to restart it)');
          if (worker !== started) return;
          worker = undefined;
          // `rate` stays the staged one, so a change of another fault (same leak setting) does not
          // start it again: only a new leak setting, or a heal and a new stage, does.
          onRate?.(0);
        });
        started.on('exit', () => {
          if (worker === started) worker = undefined;
        });
        started.unref();
        worker = started;
      }
      worker.postMessage(Math.round((rate * 1024 * 1024 * LEAK_TICK_MS) / 60_000));
    },
  };
}

/** A spin loop in a worker thread: CPU is used without blocking the event loop (that is a stall). */
const SPIN = 'for (;;) {}';

function cpuBurn() {
  let workers: Worker[] = [];
  return {
    set(threads: number) {
      while (workers.length > threads) void workers.pop()!.terminate();
      while (workers.length < threads) {
        const worker = new Worker(SPIN, { eval: true });
        worker.unref();
        workers.push(worker);
      }
    },
  };
}

function eventLoopStall() {
  let timer: NodeJS.Timeout | undefined;
  let current = { ms: 0, everySeconds: 0 };
  return {
    set(ms: number, everySeconds: number) {
      if (ms === current.ms && everySeconds === current.everySeconds) return;
      current = { ms, everySeconds };
      clearInterval(timer);
      timer = undefined;
      if (ms <= 0) return;
      timer = setInterval(() => {
        // Synchronous on purpose: nothing else in this process runs until it ends.
        const until = performance.now() + ms;
        while (performance.now() < until);
      }, everySeconds * 1000);
      timer.unref();
    },
  };
}
