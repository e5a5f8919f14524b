/**
 * One error class for everything regcert reports to a user.
 *
 * exitCode 2: bad usage or bad input (the user must change what they typed
 * or the file they gave). exitCode 1: the operation ran and failed (a
 * verification failed, a server refused us, a file already exists).
 * Anything that is not a RegcertError is an internal error (a bug).
 */
export type ExitCode = 1 | 2;

export class RegcertError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: string,
    message: string,
    opts: { hint?: string; exitCode?: ExitCode; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'RegcertError';
    this.code = code;
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? 1;
    this.details = opts.details;
  }
}

/** Bad usage or bad input: exit 2. */
export function inputError(
  code: string,
  message: string,
  hint?: string,
  extra: { cause?: unknown; details?: Record<string, unknown> } = {},
): RegcertError {
  return new RegcertError(code, message, { hint, exitCode: 2, ...extra });
}

/** The operation ran and failed: exit 1. */
export function operationError(
  code: string,
  message: string,
  hint?: string,
  extra: { cause?: unknown; details?: Record<string, unknown> } = {},
): RegcertError {
  return new RegcertError(code, message, { hint, exitCode: 1, ...extra });
}

export function isRegcertError(e: unknown): e is RegcertError {
  return e instanceof RegcertError;
}
