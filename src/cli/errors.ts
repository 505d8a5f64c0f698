// kubectl-like exit codes: 0 ok, 1 error (invalid manifests, missing files, server errors),
// 2 usage error (unknown command or flag, missing or malformed argument).
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

/** An error meant for the user: printed as `error: <message>` (plus a hint), never with a stack. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_ERROR,
    /** A line telling the user what to do next, printed after the message. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, EXIT_USAGE, hint);
    this.name = 'UsageError';
  }
}
