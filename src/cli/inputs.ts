/**
 * The action's inputs, as the command line finds them: a flag, then the credentials file that
 * `--creds @FILE` or ENTRA_SERVICE_PRINCIPAL names, then the generic AZURE_* variables. The
 * core reads and validates them (readConfig) exactly as it does the action's; this module only
 * says where each value came from, so that a bad one is reported under the flag, variable or
 * file the user has to fix.
 *
 * Why the file beats the variables: on AKS a webhook injects AZURE_CLIENT_ID (and
 * AZURE_TENANT_ID) into every pod of a workload-identity service account; a pod that was
 * handed a service principal's file means that app, not the injected one.
 */
import * as path from 'node:path';
import { type ConfigSource, type Env, parseCreds } from '../core/config.js';
import { externalText } from '../core/external-text.js';
import type { Log } from '../core/log.js';
import { FileReadError, type Machine } from '../core/machine.js';
import type { Masker } from '../core/masking.js';
import { InputError } from '../core/errors.js';
import { FLAGS, type Flags, UsageError } from './flags.js';

/** A service principal's file is a few hundred bytes; anything near this is not one. */
const MAX_CREDENTIALS_FILE_BYTES = 64 * 1024;

/** The variable each input falls back to when its flag is absent (and the file does not give it). */
const VARIABLE_OF: Readonly<Record<string, string>> = {
  'client-id': 'AZURE_CLIENT_ID',
  'tenant-id': 'AZURE_TENANT_ID',
  'client-secret': 'AZURE_CLIENT_SECRET',
  'client-certificate': 'AZURE_CLIENT_CERTIFICATE_PATH',
  'client-certificate-password': 'AZURE_CLIENT_CERTIFICATE_PASSWORD',
  'authority-host': 'AZURE_AUTHORITY_HOST',
  resource: 'AZURE_RESOURCE',
  'token-file': 'BEARER_TOKEN_FILE'
};

/** Inputs the command line has no flag for: their values come from variables or the file only. */
const NO_FLAG = new Set(['client-secret', 'client-certificate-password']);

/** Inputs the command line has a flag for, of the same name (`--creds` takes a file, not the input's JSON). */
const FLAG_INPUTS = new Set(
  FLAGS.filter(flag => flag.value !== undefined && flag.name !== 'creds' && flag.name !== 'output').map(flag => flag.name)
);

/** The inputs the action has that the command line leaves at their defaults. */
const ACTION_ONLY = new Set(['export-env', 'ignore-missing-secrets', 'job-summary', 'sign-in-later-steps']);

export interface CliInputs {
  readonly source: ConfigSource;
  /** How a message names an input: `--tenant-id`, `Environment variable AZURE_TENANT_ID`, `ENTRA_SERVICE_PRINCIPAL (/sp/sp.json)`. */
  readonly label: (input: string) => string;
  /** Rewrites the action's names for inputs in a message (`'client-id'`, `the keyvault input`) as flags and variables. */
  readonly translate: (text: string) => string;
}

interface InputsDeps {
  readonly env: Env;
  /** Where relative paths resolve. */
  readonly cwd: string;
  readonly machine: Machine;
  readonly masker: Masker;
  readonly log: Log;
}

type Origin = { readonly kind: 'flag' } | { readonly kind: 'variable'; readonly name: string } | { readonly kind: 'file' };

/** The credentials file: which one, and what it holds. */
interface CredentialsFile {
  /** `--creds @/sp/sp.json` or `ENTRA_SERVICE_PRINCIPAL (/sp/sp.json)`. */
  readonly label: string;
  readonly text: string;
  readonly fields: {
    readonly clientId: string | undefined;
    readonly clientSecret: string | undefined;
    readonly tenantId: string | undefined;
  };
}

export async function readInputs(flags: Flags, deps: InputsDeps): Promise<CliInputs> {
  const variable = (name: string): string | undefined => deps.env[name]?.trim() || undefined;
  // Mask what the environment holds before anything can fail and be reported.
  for (const name of ['AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PASSWORD']) {
    const secret = variable(name);
    if (secret) deps.masker.mask(secret);
  }
  const file = await readCredentialsFile(flags, deps);

  const origins = new Map<string, Origin>();
  const values = new Map<string, string>();
  const take = (input: string, value: string | undefined, origin: Origin): void => {
    if (value === undefined || values.has(input)) return;
    values.set(input, value);
    origins.set(input, origin);
  };
  for (const [name, value] of Object.entries(flags.values)) {
    if (name !== 'creds' && name !== 'output') take(name, value, { kind: 'flag' });
  }
  if (file) {
    values.set('creds', file.text);
    origins.set('creds', { kind: 'file' });
    // The file's own fields win over the variables: the core reads them from `creds` when the input is empty.
    if (file.fields.clientId) take('client-id', '', { kind: 'file' });
    if (file.fields.tenantId) take('tenant-id', '', { kind: 'file' });
    if (file.fields.clientSecret) take('client-secret', '', { kind: 'file' });
  }
  for (const [input, name] of Object.entries(VARIABLE_OF)) {
    // The core reads AZURE_AUTHORITY_HOST itself, and names it in its errors.
    if (input === 'authority-host') continue;
    // A stray passphrase without a certificate is ignored, as the Azure SDKs ignore it.
    if (input === 'client-certificate-password' && !values.get('client-certificate')) continue;
    take(input, variable(name), { kind: 'variable', name });
  }
  if (flags.replace && !values.get('token-file')) throw new UsageError('--replace needs --token-file (or BEARER_TOKEN_FILE).');

  const label = (input: string): string => {
    const origin = origins.get(input);
    if (origin?.kind === 'file' && file) return file.label;
    if (origin?.kind === 'flag') return `--${input}`;
    if (origin?.kind === 'variable') return `Environment variable ${origin.name}`;
    // Absent: name every place it could have come from.
    const variableName = VARIABLE_OF[input];
    if (NO_FLAG.has(input)) return variableName ?? input;
    return variableName ? `--${input} (or ${variableName})` : `--${input}`;
  };
  return {
    source: {
      input: name => (ACTION_ONLY.has(name) ? '' : (values.get(name) ?? '')),
      env: deps.env,
      workspace: deps.cwd
    },
    label,
    translate: translateInputNames
  };
}

/**
 * `--creds @FILE`, else the file ENTRA_SERVICE_PRINCIPAL names: read as a regular file (a FIFO
 * or a directory fails at once), masked whole, and parsed by the core's `creds` parser.
 * ENTRA_SERVICE_PRINCIPAL's file must hold all three of appId, password and tenant.
 */
async function readCredentialsFile(flags: Flags, deps: InputsDeps): Promise<CredentialsFile | undefined> {
  const fromFlag = flags.values['creds'];
  const fromVariable = deps.env['ENTRA_SERVICE_PRINCIPAL']?.trim() || undefined;
  if (fromFlag === undefined && fromVariable === undefined) return undefined;
  if (fromFlag !== undefined && fromVariable !== undefined) deps.log.debug('--creds is given: ENTRA_SERVICE_PRINCIPAL is not read.');
  const file = path.resolve(deps.cwd, fromFlag === undefined ? (fromVariable as string) : fromFlag.slice(1).trim());
  const shownFile = externalText(file, { maxLength: 200 });
  const label = fromFlag === undefined ? `ENTRA_SERVICE_PRINCIPAL (${shownFile})` : `--creds @${shownFile}`;

  let text: string;
  try {
    text = (await deps.machine.readRegularFile(file, MAX_CREDENTIALS_FILE_BYTES)).toString('utf8');
  } catch (error) {
    const why = error instanceof FileReadError ? error.message : String(error);
    throw new UsageError(`${label} cannot be read: ${why}.`);
  }
  const json = text.trim();
  if (!json)
    throw new UsageError(`${label} is empty: it must hold a JSON object such as {"appId": "...", "password": "...", "tenant": "..."}.`);
  deps.masker.mask(json);
  let fields: CredentialsFile['fields'];
  try {
    fields = parseCreds(json, deps.masker);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw new UsageError(`${label} ${translateInputNames(error.expectation)}`);
  }
  if (fromFlag === undefined) {
    const missing = [
      fields.clientId ? undefined : 'appId',
      fields.clientSecret ? undefined : 'password',
      fields.tenantId ? undefined : 'tenant'
    ].filter(Boolean);
    if (missing.length > 0) {
      throw new UsageError(
        `${label} has no ${missing.join(', no ')}: the file must hold appId, password and tenant (the output of az ad sp create-for-rbac).`
      );
    }
  }
  return { label, text: json, fields };
}

/**
 * The core's messages name inputs as the action's users know them (`'client-id'`, `the
 * keyvault input`); a command line user knows flags and variables.
 */
function translateInputNames(text: string): string {
  return text
    .replace(/'client-secret' input/g, 'AZURE_CLIENT_SECRET')
    .replace(/'client-secret'/g, 'AZURE_CLIENT_SECRET')
    .replace(/'?client-certificate-password'?/g, 'AZURE_CLIENT_CERTIFICATE_PASSWORD')
    .replace(/'creds'/g, '--creds @FILE')
    .replace(/the ([a-z-]+) input/g, (whole, name: string) => (FLAG_INPUTS.has(name) ? `--${name}` : whole))
    .replace(/'([a-z]+(?:-[a-z]+)*)'/g, (whole, name: string) => (FLAG_INPUTS.has(name) ? `--${name}` : whole));
}
