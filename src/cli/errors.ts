/**
 * How the CLI ends: exit code 0 when the job succeeded, 1 for a user error (bad path, bad option,
 * a file that is not what it should be) printed as one line without a stack trace, 2 for an
 * internal error (a bug: the message, and the stack when AURALENS_DEBUG is set).
 */
import { AuralensError } from '../engine/index.js';

export const EXIT_OK = 0;
export const EXIT_USER = 1;
export const EXIT_INTERNAL = 2;

/** A mistake in how the CLI was called, found by the CLI itself. */
export class UsageError extends AuralensError {}

/** Where the CLI writes (injectable for tests). */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Show progress bars (default: stderr is a TTY). */
  progress?: boolean;
}

/** Prints an error the way its kind deserves and returns the exit code. */
export function reportError(e: unknown, io: CliIo): number {
  if (e instanceof AuralensError) {
    io.err(`auralens: error: ${e.message.split('\n')[0]}`);
    return EXIT_USER;
  }
  const msg = e instanceof Error ? e.message : String(e);
  io.err(`auralens: internal error: ${msg} (please report it; set AURALENS_DEBUG=1 for the stack)`);
  if (process.env.AURALENS_DEBUG && e instanceof Error && e.stack) io.err(e.stack);
  return EXIT_INTERNAL;
}
