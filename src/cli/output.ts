/**
 * What stdout gets: `token` (the token and a newline), `json` (one object: the contract's keys,
 * and `secrets` when secrets were asked for), or `env` (one `export NAME='value'` per secret,
 * for `eval`). Nothing else is ever written to stdout, so a script can capture it whole.
 */
import type { Acquired } from '../core/acquire.js';
import { ActionError } from '../core/errors.js';
import { formatExpiry } from '../core/identity.js';
import { isRefusedEnvName } from '../core/keyvault/env-names.js';
import type { LoadedSecret } from '../core/keyvault/load.js';
import { labelOf } from '../core/keyvault/explanations.js';
import type { OutputForm } from './flags.js';

/** What stdout gets: one of the forms, or nothing (`--token-file` without `--output`). */
export type Printed = OutputForm | 'nothing';

/** The default: `token`, or `env` when secrets are asked for, or nothing besides a token file. */
export function printedForm(output: OutputForm | undefined, secretsAsked: boolean, tokenFile: boolean): Printed {
  if (output !== undefined) return output;
  if (secretsAsked) return 'env';
  return tokenFile ? 'nothing' : 'token';
}

export interface Result {
  readonly acquired: Acquired;
  readonly authType: string;
  /** The resource as configured (no `/.default`). */
  readonly resource: string;
  readonly secretsAsked: boolean;
}

interface FormattedOutput {
  readonly text: string;
  /** Secrets left out of `env` output, each with the reason, for a warning. */
  readonly omitted: readonly string[];
}

export function formatOutput(form: Printed, result: Result): FormattedOutput {
  switch (form) {
    case 'nothing':
      return { text: '', omitted: [] };
    case 'token':
      return { text: `${result.acquired.token.token}\n`, omitted: [] };
    case 'json':
      return { text: jsonText(result), omitted: [] };
    case 'env':
      return envText(result.acquired.secrets);
  }
}

/**
 * The contract's keys in its order, `null` for a claim the token lacks. Every secret is in
 * `secrets`, also one whose name `env` output refuses (like the action's outputs, which hold it
 * too): JSON is data, read by name, never evaluated as a shell's variables.
 */
function jsonText(result: Result): string {
  const { token, identity, secrets } = result.acquired;
  const object: Record<string, unknown> = {
    accessToken: token.token,
    expiresOn: formatExpiry(token.expiresOn),
    tokenType: 'Bearer',
    tenantId: identity.tenantId ?? null,
    clientId: identity.clientId ?? null,
    objectId: identity.objectId ?? null,
    authType: result.authType,
    resource: result.resource
  };
  if (result.secretsAsked) object['secrets'] = Object.fromEntries(secrets.map(secret => [secret.envName, secret.value]));
  return `${JSON.stringify(object)}\n`;
}

/** A shell variable's name: nothing else may stand left of the `=` in a line that is eval'ed. */
const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * One `export NAME='value'` line per secret. Names the `secrets` rules refuse to export (found
 * by `VAULT/*` without a prefix: PATH, LD_PRELOAD, ...) are left out, as the action leaves
 * them out of the environment: an eval would set them in the user's shell.
 */
function envText(secrets: readonly LoadedSecret[]): FormattedOutput {
  const omitted: string[] = [];
  const lines: string[] = [];
  for (const secret of secrets) {
    if (!secret.exportable || isRefusedEnvName(secret.envName) || !SHELL_NAME.test(secret.envName)) {
      omitted.push(
        `${labelOf(secret.vault, secret.name)} is left out of the env output: ${secret.envName} would run ` +
          `code in, steer, or redirect the shell that evals it. ` +
          'Give the vault a prefix (VAULT/* | APP_), or read it with --output json.'
      );
      continue;
    }
    if (secret.value.includes('\0')) {
      throw new ActionError(
        `${labelOf(secret.vault, secret.name)} holds a NUL character, which no shell variable can hold.`,
        'Read it with --output json instead.'
      );
    }
    lines.push(`export ${secret.envName}=${shellQuote(secret.value)}\n`);
  }
  return { text: lines.join(''), omitted };
}

/**
 * POSIX single quotes: every character stands for itself inside them, newlines, `$`, backticks
 * and backslashes included, except `'` itself, which closes the quotes, is escaped, and
 * reopens them: `it's` → `'it'\''s'`.
 */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}
