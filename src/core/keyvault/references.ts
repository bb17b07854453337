/**
 * The `secrets` and `keyvault` inputs, parsed into references to Key Vault secrets.
 * Syntax: the README's "Key Vault secrets". Name rules and DNS suffixes:
 * docs/protocol.md#names-and-dns and #clouds.
 *
 * Every problem is a bad input that names the input and quotes the entry: entries name
 * secrets, they never hold one. A vault host outside the cloud's Key Vault domain is refused
 * here, before any request, so the vault token can never be sent anywhere else.
 */
import { type Cloud, CLOUDS } from '../clouds.js';
import { InputError } from '../errors.js';
import { quoted } from '../input-values.js';
import { isLoopbackHost } from '../loopback.js';
import { isRefusedEnvName, isRefusedPrefix } from './env-names.js';

interface ReferenceBase {
  /** The entry as the user wrote it, for messages. */
  readonly entry: string;
  /** The vault's origin: `https://my-vault.vault.azure.net` (or loopback `http://127.0.0.1:PORT`). */
  readonly vault: string;
}

/** One secret: `VAULT/SECRET[/VERSION] [| ENV_NAME]`, `SECRET`, or a secret identifier URL. */
interface OneSecretReference extends ReferenceBase {
  readonly kind: 'secret';
  readonly name: string;
  /** A version id; the latest version when undefined. */
  readonly version: string | undefined;
  /** The output and environment variable the value goes to. */
  readonly envName: string;
}

/** Every enabled, unexpired secret of a vault: `VAULT/* [| PREFIX]`. */
export interface AllSecretsReference extends ReferenceBase {
  readonly kind: 'all';
  /** Prepended to each secret's default env name; '' for none. */
  readonly prefix: string;
}

export type SecretReference = OneSecretReference | AllSecretsReference;

/** 3-24 characters, letters, digits and dashes, starting with a letter, ending with a letter or digit, no `--` . */
const VAULT_NAME = /^(?!.*--)[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;
/** What the service enforces, which is looser than its docs: a leading digit or dash is accepted . */
const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;
/** Versions are 32 hex characters in practice; letters and digits keep a version a single path segment. */
const SECRET_VERSION = /^[0-9a-zA-Z]{1,64}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

const SYNTAX_HINT =
  'Write VAULT/SECRET[/VERSION] [| ENV_NAME], SECRET (with the keyvault input), a secret identifier URL ' +
  '(https://my-vault.vault.azure.net/secrets/NAME), or VAULT/* [| PREFIX].';

/**
 * Parses the `secrets` input. Entries are separated by newlines, `;` or `,`; a `#` starts a
 * comment that runs to the end of its line (no part of an entry can contain `#`).
 */
export function parseSecretsInput(text: string, defaultVault: string | undefined, cloud: Cloud): readonly SecretReference[] {
  const fallbackVault = defaultVault === undefined ? undefined : parseKeyvaultInput(defaultVault, cloud);
  const references = splitEntries(text).map(entry => parseEntry(entry, fallbackVault, cloud));
  rejectCollisions(references);
  return Object.freeze(references);
}

/**
 * The environment variable a secret goes to unless named: upper case, `-` as `_`, and a `_`
 * in front when it would start with a digit (`db-password` → `DB_PASSWORD`, `1st` → `_1ST`).
 */
export function defaultEnvName(secretName: string, prefix = ''): string {
  const name = `${prefix}${secretName.toUpperCase().replace(/-/g, '_')}`;
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** True when a secret name is one Key Vault accepts. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

function splitEntries(text: string): string[] {
  return text
    .split(/\r\n|\r|\n/)
    .map(line => line.replace(/#.*$/, ''))
    .flatMap(line => line.split(/[;,]/))
    .map(entry => entry.trim())
    .filter(entry => entry !== '');
}

function badEntry(entry: string, problem: string, hint: string = SYNTAX_HINT): InputError {
  return new InputError('secrets', `entry ${quoted(entry)} ${problem}`, hint);
}

/** The `keyvault` input: a vault name, a vault host, or a vault URL with no path. */
function parseKeyvaultInput(text: string, cloud: Cloud): string {
  const fail = (problem: string, hint?: string): InputError => new InputError('keyvault', problem, hint);
  const { origin, path } = parseVault(text, cloud, fail);
  if (path !== '' && path !== '/') {
    throw fail(
      `must be a vault name or URL with no path, such as my-vault or https://my-vault.${cloud.keyVaultSuffix}; got ${quoted(text)}.`
    );
  }
  return origin;
}

function parseEntry(entry: string, fallbackVault: string | undefined, cloud: Cloud): SecretReference {
  const parts = entry.split('|').map(part => part.trim());
  if (parts.length > 2) throw badEntry(entry, "has more than one '|'.");
  const [target = '', alias] = parts;
  if (alias === '') throw badEntry(entry, "has a '|' with no name after it.");
  if (target === '') throw badEntry(entry, "names no secret before its '|'.");

  const fail = (problem: string, hint?: string): InputError => badEntry(entry, problem, hint);
  if (URL_LIKE.test(target)) {
    const { origin, path } = parseVault(target, cloud, fail);
    return parseTarget(entry, origin, urlSegments(path), alias);
  }
  const segments = target.split('/').map(segment => segment.trim());
  if (segments.length === 1) {
    if (fallbackVault === undefined) {
      throw badEntry(
        entry,
        'names no vault, and the keyvault input is empty.',
        `Write it as VAULT/${target}, or set the keyvault input to the vault's name.`
      );
    }
    return parseTarget(entry, fallbackVault, segments, alias);
  }
  const [vault = '', ...rest] = segments;
  return parseTarget(entry, parseVault(vault, cloud, fail).origin, rest, alias);
}

/**
 * The path of a URL entry as VAULT/... segments. `/secrets/NAME[/VERSION]` is a secret
 * identifier, as the portal shows it; it wins over reading `secrets` as a secret's name.
 */
function urlSegments(path: string): string[] {
  const segments = path.split('/').filter(segment => segment !== '');
  return segments[0] === 'secrets' && segments.length >= 2 ? segments.slice(1) : segments;
}

function parseTarget(entry: string, vault: string, segments: readonly string[], alias: string | undefined): SecretReference {
  if (segments.length === 1 && segments[0] === '*') {
    const prefix = alias ?? '';
    if (prefix !== '' && !ENV_NAME.test(prefix)) {
      throw badEntry(entry, `has the prefix ${quoted(prefix)}, which must be letters, digits and '_', not starting with a digit.`);
    }
    if (isRefusedPrefix(prefix)) {
      throw badEntry(
        entry,
        `has the prefix '${prefix}', which would make every name one that steers later steps (${prefix}...).`,
        REFUSED_HINT
      );
    }
    return Object.freeze({ kind: 'all', entry, vault, prefix });
  }
  const [name, version, ...extra] = segments;
  if (name === undefined || name === '' || extra.length > 0) {
    throw badEntry(entry, 'is not VAULT/SECRET[/VERSION].');
  }
  if (!SECRET_NAME.test(name)) {
    throw badEntry(entry, `has the secret name ${quoted(name)}, which must be 1-127 letters, digits and dashes.`);
  }
  if (version !== undefined && !SECRET_VERSION.test(version)) {
    throw badEntry(entry, `has the version ${quoted(version)}, which must be a version id (32 hex characters).`);
  }
  if (alias !== undefined && !ENV_NAME.test(alias)) {
    throw badEntry(
      entry,
      `has the environment variable name ${quoted(alias)}, which must be letters, digits and '_', not starting with a digit.`,
      'Environment variable names match ^[A-Za-z_][A-Za-z0-9_]*$.'
    );
  }
  const envName = alias ?? defaultEnvName(name);
  if (isRefusedEnvName(envName)) {
    throw badEntry(
      entry,
      `maps to the environment variable '${envName}', which would run code in, steer, or redirect the job's later steps.`,
      REFUSED_HINT
    );
  }
  return Object.freeze({ kind: 'secret', entry, vault, name, version, envName });
}

const REFUSED_HINT =
  'Give the secret another name: VAULT/SECRET | APP_NAME (or the vault a prefix: VAULT/* | APP_). ' +
  'Names such as PATH, BASH_ENV, NODE_OPTIONS, LD_*, GITHUB_*, HTTPS_PROXY or IDENTITY_* are refused.';

type Fail = (problem: string, hint?: string) => InputError;

/**
 * A vault name (`my-vault`), host (`my-vault.vault.azure.net`) or URL, as its origin and the
 * URL's path. Names get the cloud's suffix; hosts and URLs must already be in the cloud's
 * Key Vault domain, or be loopback http:// with a port (tests, local fakes).
 */
function parseVault(text: string, cloud: Cloud, fail: Fail): { origin: string; path: string } {
  if (!URL_LIKE.test(text) && !text.includes('.')) {
    if (!VAULT_NAME.test(text)) {
      throw fail(
        `has the vault name ${quoted(text)}, which must be 3-24 letters, digits and dashes, start ` +
          `with a letter, end with a letter or digit, and have no '--'.`,
        "Use the vault's name as the portal shows it (my-vault), or its URL."
      );
    }
    return { origin: `https://${text.toLowerCase()}.${cloud.keyVaultSuffix}`, path: '' };
  }
  let url: URL;
  try {
    url = new URL(URL_LIKE.test(text) ? text : `https://${text}`);
  } catch {
    throw fail(`has the vault ${quoted(text)}, which is not a vault name or URL.`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw fail(
      `has a vault URL with a user, query or fragment (${url.origin === 'null' ? 'not shown' : url.host}); a vault URL is https://NAME.${cloud.keyVaultSuffix}.`
    );
  }
  checkVaultHost(url, cloud, fail);
  return { origin: url.origin, path: url.pathname };
}

/** Refuses any host that is not a vault of the selected cloud, naming the likely fix. */
function checkVaultHost(url: URL, cloud: Cloud, fail: Fail): void {
  const host = url.hostname;
  if (url.protocol === 'http:') {
    if (isLoopbackHost(host) && url.port !== '') return;
    throw fail(
      `has the vault '${url.origin}': Key Vault is reached over https:// only (plain http:// is accepted for loopback hosts with a port, for tests).`,
      `Use https://NAME.${cloud.keyVaultSuffix}, or just the vault's name.`
    );
  }
  if (url.protocol !== 'https:') {
    throw fail(`has the vault '${url.origin}', which is not an https:// URL.`);
  }
  if (Object.values(CLOUDS).some(each => host.endsWith(`.${each.managedHsmSuffix}`))) {
    throw fail(`has the Managed HSM '${host}': a Managed HSM holds keys only, never secrets.`, 'Name a key vault (*.vault.*) instead.');
  }
  const suffix = `.${cloud.keyVaultSuffix}`;
  if (host.endsWith(suffix)) {
    const name = host.slice(0, -suffix.length);
    if (VAULT_NAME.test(name)) return;
    throw fail(`has the vault host '${host}', whose vault name ${quoted(name)} must be 3-24 letters, digits and dashes.`);
  }
  const otherCloud = Object.values(CLOUDS).find(each => host.endsWith(`.${each.keyVaultSuffix}`));
  if (otherCloud) {
    throw fail(
      `has the vault host '${host}', which is in ${otherCloud.name}, not in ${cloud.name}.`,
      `Set the environment input to ${otherCloud.name}, or name a vault in ${cloud.name}.`
    );
  }
  throw fail(
    `has the host '${host}', which is not a Key Vault in ${cloud.name}: vault hosts end in ${suffix}.`,
    'The vault token is sent to Key Vault hosts only. Give the vault name (my-vault) or its URL as the portal shows it.'
  );
}

/**
 * Two entries mapping to one name is a bad input. Names are compared ignoring case: environment
 * variables are case-insensitive on Windows runners, and so are step output names.
 */
function rejectCollisions(references: readonly SecretReference[]): void {
  const seen = new Map<string, SecretReference>();
  for (const reference of references) {
    const key = (reference.kind === 'secret' ? reference.envName : `${reference.vault}/* ${reference.prefix}`).toUpperCase();
    const earlier = seen.get(key);
    if (earlier) {
      const what = reference.kind === 'secret' ? `the environment variable '${reference.envName}'` : 'the same vault and prefix';
      throw new InputError(
        'secrets',
        `entries ${quoted(earlier.entry)} and ${quoted(reference.entry)} both map to ${what}; names are compared ignoring case.`,
        'Give one of them its own name: VAULT/SECRET | ENV_NAME (or VAULT/* | PREFIX_).'
      );
    }
    seen.set(key, reference);
  }
}
