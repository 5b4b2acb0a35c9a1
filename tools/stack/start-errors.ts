// The errors a start of the stack or the demo can end with that are the user's to fix (bad options,
// a taken port, a stack already running): their message is the whole story, so both commands print
// it as one line without a "failed" prefix.
import { ConfigError } from '../../packages/shared/env.js';
import { UsageError } from '../../packages/shared/usage-error.js';
import { PortConflictError, PortInUseError } from './port-check.js';
import { StackRunningError } from './running-stack.js';

export function isUserError(error: unknown): error is Error {
  return (
    error instanceof UsageError ||
    error instanceof ConfigError ||
    error instanceof PortInUseError ||
    error instanceof PortConflictError ||
    error instanceof StackRunningError
  );
}
