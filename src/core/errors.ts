/**
 * Typed errors with a stable code, a message ("Failed to <verb> <object>: <reason>.") and a hint
 * saying what to do next. Only the CLI's entry point catches them and maps them to exit codes.
 */
export class BatchguardError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint: string,
    /** Process exit code the CLI should use: 2 for bad input or usage, 1 for an alarm, 3 for a bug. */
    readonly exitCode: 1 | 2 | 3 = 3,
  ) {
    super(message);
    this.name = 'BatchguardError';
  }
}

/** Bad input or usage: exit code 2, nothing written. */
export class UsageError extends BatchguardError {
  constructor(code: string, message: string, hint: string) {
    super(code, message, hint, 2);
    this.name = 'UsageError';
  }
}
