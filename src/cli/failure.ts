/**
 * What a failure tells the user, and the exit status that goes with it: 2 for what the user
 * fixes where the command is set up (a bad flag or input, a credential file that is missing or
 * unreadable), in one line naming the flag, variable or file; 1 for everything else, with the
 * core's whole explanation (what failed, why, what to do).
 */
import { ActionError, describeError, InputError, messageOf } from '../core/errors.js';
import { UsageError } from './flags.js';
import type { CliInputs } from './inputs.js';

export type ExitCode = 0 | 1 | 2;

interface Failure {
  readonly exitCode: 1 | 2;
  readonly text: string;
}

/** An error found while reading the configuration: a bad input, whatever its type (a bad AZURE_AUTHORITY_HOST is an ActionError). */
export class BadInputError extends ActionError {
  constructor(error: unknown) {
    super(messageOf(error), error instanceof ActionError ? error.hint : undefined);
    this.name = 'BadInputError';
  }
}

/** Errors that the core may wrap on the way up (`withContext` keeps the name, not the class). */
const BAD_INPUT_NAMES = new Set(['InputError', 'CredentialFileError', 'BadInputError']);

export function failureOf(error: unknown, inputs: CliInputs | undefined): Failure {
  if (error instanceof UsageError) return { exitCode: 2, text: error.message };
  const translate = inputs?.translate ?? ((text: string) => text);
  if (error instanceof InputError && inputs) {
    return {
      exitCode: 2,
      text: oneLine(`${inputs.label(error.input)} ${translate(error.expectation)}`, error.hint && translate(error.hint))
    };
  }
  if (error instanceof Error && BAD_INPUT_NAMES.has(error.name)) {
    // `Input 'client-certificate' ...` inside a wrapped message: name the flag or variable instead.
    const message = error.message.replace(/Input '([a-z-]+)'/g, (whole, input: string) => (inputs ? inputs.label(input) : whole));
    return {
      exitCode: 2,
      text: oneLine(translate(message), error instanceof ActionError && error.hint ? translate(error.hint) : undefined)
    };
  }
  return { exitCode: 1, text: describeError(error) };
}

/**
 * The message and the first line of its hint, on one line. Later lines of a hint are context
 * that `auto` adds (which credentials it ruled out): not what a missing file needs.
 */
function oneLine(message: string, hint: string | undefined): string {
  const fix = hint?.split('\n')[0];
  return [message.split('\n').join(' '), fix].filter(Boolean).join(' ');
}
