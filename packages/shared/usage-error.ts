/**
 * Bad command-line input. Every CLI prints its message as one line (with its usage) and exits
 * non-zero, never with a stack trace.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}
