// Preloaded (`--import`) into every Node child of the stack. The children run in their own process
// groups so the supervisor can stop each one with its own descendants (e.g. load → locust); the price
// is that a terminal's Ctrl-C no longer reaches them directly. If the supervisor itself dies without
// cleaning up (SIGKILL, a crash), the child notices it was re-parented and stops itself instead of
// lingering as an orphan holding a port.
const parentAtStart = process.ppid;

const timer = setInterval(() => {
  if (process.ppid === parentAtStart) return;
  clearInterval(timer);
  // Let the child's own SIGTERM handler close servers and flush; force the exit if it hangs.
  setTimeout(() => process.exit(1), 5_000).unref();
  process.kill(process.pid, 'SIGTERM');
}, 1_000);
timer.unref();

export {};
