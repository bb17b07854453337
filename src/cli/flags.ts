/**
 * The command line's flags: what each one is, and argv parsed into them. Nothing here reads the
 * environment or loads the core, so `--help`, `--version` and a bad flag cost no more than
 * this file. A flag's value is never echoed: a user who typed a secret after the wrong flag
 * must not find it in a log.
 */
import { externalText } from '../core/external-text.js';

interface FlagSpec {
  /** Without the leading `--`; the same as the action input it stands for, when there is one. */
  readonly name: string;
  /** The value's placeholder in --help (`R`, `@FILE`); undefined for a switch. */
  readonly value?: string;
  /** The variable read when the flag is absent, shown in --help. */
  readonly env?: string;
  readonly help: string;
}

/** Every flag, in the contract's order (--verbose added after --quiet). */
export const FLAGS: readonly FlagSpec[] = [
  {
    name: 'resource',
    value: 'R',
    env: 'AZURE_RESOURCE',
    help: 'what the token is for: a resource URI, a .default scope, an app ID, or arm, graph, keyvault, storage, devops (default: arm)'
  },
  { name: 'auth-type', value: 'T', help: 'auto (default), secret, certificate, workload-identity, managed-identity, azure-cli or oidc' },
  {
    name: 'client-id',
    value: 'ID',
    env: 'AZURE_CLIENT_ID',
    help: 'application (client) ID; for managed-identity, a user-assigned identity'
  },
  { name: 'tenant-id', value: 'T', env: 'AZURE_TENANT_ID', help: 'tenant GUID or domain (contoso.onmicrosoft.com)' },
  { name: 'environment', value: 'CLOUD', help: 'AzureCloud (default), AzureUSGovernment or AzureChinaCloud' },
  { name: 'authority-host', value: 'URL', env: 'AZURE_AUTHORITY_HOST', help: "Entra ID authority (default: the cloud's)" },
  { name: 'audience', value: 'A', help: 'audience of the GitHub OIDC token (inside a workflow)' },
  {
    name: 'client-certificate',
    value: 'PEM-PATH',
    env: 'AZURE_CLIENT_CERTIFICATE_PATH',
    help: 'path of a PEM file holding the certificate and its private key'
  },
  {
    name: 'creds',
    value: '@FILE',
    env: 'ENTRA_SERVICE_PRINCIPAL',
    help: "a JSON file: az ad sp create-for-rbac's {appId,password,tenant} or azure/login's {clientId,clientSecret,tenantId}"
  },
  { name: 'keyvault', value: 'V', help: 'default vault (name or URL) for --secrets entries that name none' },
  {
    name: 'secrets',
    value: 'LIST',
    help:
      'Key Vault secrets, separated by , or ; or newlines: VAULT/SECRET[/VERSION] or SECRET, each with an ' +
      'optional | NAME, or VAULT/* with an optional | PREFIX'
  },
  {
    name: 'token-file',
    value: 'PATH',
    env: 'BEARER_TOKEN_FILE',
    help: 'also write the token (its bytes, no newline) to this new file, mode 0600'
  },
  { name: 'replace', help: 'with --token-file: replace the file if it exists (a temporary file renamed over it)' },
  { name: 'output', value: 'token|json|env', help: 'what stdout gets (default: token; env with --secrets; nothing with --token-file)' },
  { name: 'quiet', help: 'log errors only' },
  { name: 'verbose', env: 'AZURE_TOKEN_DEBUG=1', help: 'also log every request and decision (never a secret)' },
  { name: 'help', help: 'show this help' },
  { name: 'version', help: 'show the version' }
];

const OUTPUT_FORMS = ['token', 'json', 'env'] as const;
export type OutputForm = (typeof OUTPUT_FORMS)[number];

export interface Flags {
  /** Flags that take a value, by name (`tenant-id`), trimmed and never empty. */
  readonly values: Readonly<Record<string, string>>;
  readonly output: OutputForm | undefined;
  readonly replace: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly help: boolean;
  readonly version: boolean;
}

/** A bad flag or a bad combination of flags: exit 2, one line, before anything else happens. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const VISIBLE = 'a command line is visible to every user of the machine';
const SECRET_HINT = 'Put the client secret in AZURE_CLIENT_SECRET, or in a file given with --creds @FILE.';
const PASSWORD_HINT = "Put the certificate's passphrase in AZURE_CLIENT_CERTIFICATE_PASSWORD.";

/**
 * Flags people reach for that would put a secret on the command line. Any other unknown flag
 * that names a secret or a password gets the same answer.
 */
function secretFlagHint(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (/(cert|certificate).*(password|passphrase)|passphrase/.test(lower)) return PASSWORD_HINT;
  if (/secret/.test(lower)) return SECRET_HINT;
  if (/password|passwd/.test(lower)) {
    return (
      'Put a client secret in AZURE_CLIENT_SECRET (or a file given with --creds @FILE), a ' +
      "certificate's passphrase in AZURE_CLIENT_CERTIFICATE_PASSWORD."
    );
  }
  return undefined;
}

/** A flag as typed, for a message: escaped, cut, and never with its `=value`. */
function shown(arg: string): string {
  return externalText(arg, { maxLength: 60 });
}

export function parseFlags(argv: readonly string[]): Flags {
  const values: Record<string, string> = {};
  const switches = new Set<string>();
  for (let at = 0; at < argv.length; at++) {
    const arg = argv[at] as string;
    if (!arg.startsWith('-') || arg === '-' || arg === '--') {
      throw new UsageError(`Argument ${at + 1} is not a flag: azure-token takes flags only (see azure-token --help).`);
    }
    const equals = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, equals === -1 ? undefined : equals) : '';
    const spec = FLAGS.find(flag => flag.name === name);
    if (!spec) throw unknownFlag(equals === -1 ? arg : arg.slice(0, equals), name);
    if (values[name] !== undefined || switches.has(name)) throw new UsageError(`--${name} is given more than once.`);
    if (spec.value === undefined) {
      if (equals !== -1) throw new UsageError(`--${name} takes no value.`);
      switches.add(name);
      continue;
    }
    let value: string | undefined;
    if (equals !== -1) value = arg.slice(equals + 1);
    else if (at + 1 < argv.length && !looksLikeFlag(argv[at + 1] as string)) value = argv[++at];
    values[name] = checkedValue(spec, value);
  }
  return finish(values, switches);
}

/** `--tenant-id --client-id X` is a missing value, not a tenant named `--client-id`; `-----BEGIN` is a value. */
function looksLikeFlag(arg: string): boolean {
  return /^--[a-z]/i.test(arg);
}

function unknownFlag(arg: string, name: string): UsageError {
  const hint = secretFlagHint(name || arg);
  if (hint) return new UsageError(`${shown(arg)} is not a flag: ${VISIBLE}. ${hint}`);
  return new UsageError(`${shown(arg)} is not a flag of azure-token (see azure-token --help).`);
}

function checkedValue(spec: FlagSpec, raw: string | undefined): string {
  const value = raw?.trim();
  if (!value) throw new UsageError(`--${spec.name} needs a value: --${spec.name} ${spec.value}.`);
  if (spec.name === 'creds' && (!value.startsWith('@') || !value.slice(1).trim())) {
    throw new UsageError(`--creds takes only @FILE, the path of a JSON file after an @: ${VISIBLE}, so credentials never go on it.`);
  }
  if (spec.name === 'client-certificate' && /-----BEGIN|PRIVATE KEY/.test(value)) {
    throw new UsageError(
      `--client-certificate takes the path of a PEM file, not PEM text: ${VISIBLE}. Or put the path in AZURE_CLIENT_CERTIFICATE_PATH.`
    );
  }
  if (spec.name === 'output' && !OUTPUT_FORMS.some(form => form === value)) {
    throw new UsageError('--output must be token, json or env.');
  }
  return value;
}

function finish(values: Record<string, string>, switches: Set<string>): Flags {
  if (switches.has('quiet') && switches.has('verbose')) throw new UsageError('--quiet and --verbose cannot be given together.');
  return {
    values,
    output: values['output'] as OutputForm | undefined,
    replace: switches.has('replace'),
    quiet: switches.has('quiet'),
    verbose: switches.has('verbose'),
    help: switches.has('help'),
    version: switches.has('version')
  };
}
