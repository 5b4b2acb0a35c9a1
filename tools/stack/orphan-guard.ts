// Preloaded (`--import`) into every Node child of the stack. The children run in their own process
// groups so the supervisor can stop each one with its own descendants (e.g. load → locust); the price
// is that a terminal's Ctrl-C no longer reaches them directly. If the supervisor itself dies without
// cleaning up (SIGKILL, a crash), the child notices it was re-parented and stops itself instead of
// lingering as an orphan holding a port.
//
// The supervisor's pid comes from the environment (spawnNodeChild sets it), not from the ppid seen
// here: a supervisor killed in the moment between the spawn and this preload (a replica restarted in
// a crash loop just as its runner is killed) has already left the child re-parented, and a guard
// that took that ppid as its parent would never fire.
import { SUPERVISOR_PID_ENV } from './supervisor-env.js';

const supervisor = Number(process.env[SUPERVISOR_PID_ENV]) || process.ppid;
// Its own children get their own supervisor (this process) from spawnNodeChild.
delete process.env[SUPERVISOR_PID_ENV];

const check = () => {
  if (process.ppid === supervisor) return;
  clearInterval(timer);
  // Let the child's own SIGTERM handler close servers and flush; force the exit if it hangs.
  setTimeout(() => process.exit(1), 5_000).unref();
  process.kill(process.pid, 'SIGTERM');
};
const timer = setInterval(check, 1_000);
timer.unref();
// Already orphaned at start: nothing is served yet, so SIGTERM's default (exit at once) is right.
setImmediate(check);
