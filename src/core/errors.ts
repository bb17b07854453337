/**
 * One error type for everything a user can act on: what failed, why, and (in `hint`) what to
 * do about it. Layers add context on the way up with `withContext`; each front-end has one
 * top-level catch that prints it once.
 */
export class ActionError extends Error {
  readonly hint: string | undefined;
  /** What the user must read first, above any context the error gathers on its way up. */
  readonly headline: string | undefined;

  constructor(message: string, hint?: string, headline?: string) {
    super(message);
    this.name = 'ActionError';
    this.hint = hint;
    this.headline = headline;
  }
}

/**
 * A bad input: found before any request is made, named after the input. The command line names
 * the same input by its flag: `describeInputError` with its own label.
 */
export class InputError extends ActionError {
  constructor(
    readonly input: string,
    readonly expectation: string,
    hint?: string
  ) {
    super(`Input '${input}' ${expectation}`, hint);
    this.name = 'InputError';
  }
}

/**
 * A file the credential needs (a certificate, a federated token, an Arc key) is missing, is not
 * a regular file, or cannot be read: like a bad input, fixed where the job is set up.
 */
export class CredentialFileError extends ActionError {
  constructor(message: string, hint?: string) {
    super(message, hint);
    this.name = 'CredentialFileError';
  }
}

/** Prefixes `context` to an error's message, keeping its hint: "getting a token for X: <why>". */
export function withContext(context: string, error: unknown): ActionError {
  if (error instanceof ActionError) {
    const wrapped = new ActionError(`${context}: ${error.message}`, error.hint, error.headline);
    wrapped.name = error.name;
    return wrapped;
  }
  return new ActionError(`${context}: ${messageOf(error)}`);
}

/** The text a user reads for any thrown value: the message, then the hint on its own line. */
export function describeError(error: unknown): string {
  if (!(error instanceof ActionError)) return messageOf(error);
  return [error.headline, error.message, error.hint].filter(Boolean).join('\n');
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) {
    return error.message || error.name;
  }
  return String(error);
}
