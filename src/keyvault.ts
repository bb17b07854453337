/**
 * Key Vault secrets in, values out. Every secret is fetched (concurrently, with a bound) before
 * anything is returned, so a failing step exports nothing; every failure is reported in one
 * error. Values are masked the moment they are parsed from an answer.
 * Wire format: ../shared/reference/azure-protocol.md §5 (get, list, errors, challenge).
 */
import type { Cloud } from './clouds.js';
import { ActionError, messageOf } from './errors.js';
import { type Http, type HttpResponse, jsonFields } from './http.js';
import { readClaims, stringClaim } from './jwt.js';
import {
  type AllSecretsReference,
  defaultEnvName,
  isSecretName,
  type OneSecretReference,
  type SecretReference
} from './secret-references.js';
import type { AccessToken } from './token.js';
import type { TokenSource } from './token-cache.js';

export const KEY_VAULT_API_VERSION = '7.4';

/**
 * Vault requests in flight at once, for all vaults together. Key Vault allows 4,000 requests
 * per 10 s per vault (§5 Throttling): 16 parallel requests of ~50 ms each stay far below that,
 * load a hundred secrets in well under a second, and leave sockets for the rest of the runner.
 */
export const MAX_REQUESTS_IN_FLIGHT = 16;

/** The largest page Key Vault serves (§5 List secrets: maxresults is 1-25). */
const LIST_PAGE_SIZE = 25;

/** The scope of the vault token in a cloud: `https://vault.azure.net/.default`. */
export function vaultScope(cloud: Cloud): string {
  return `${cloud.keyVaultResource}/.default`;
}

export interface LoadedSecret {
  readonly reference: SecretReference;
  readonly name: string;
  readonly envName: string;
  /** The vault's origin. */
  readonly vault: string;
  /** Already masked. */
  readonly value: string;
}

export interface SecretsLoad {
  readonly secrets: readonly LoadedSecret[];
  /** Missing or disabled secrets skipped under ignore-missing-secrets, and expired secrets loaded anyway. */
  readonly warnings: readonly string[];
}

export interface KeyVaultDeps {
  readonly http: Http;
  readonly now: () => number;
  readonly mask: (value: string) => void;
  /** Tokens, cached per tenant and scope: the vault token is usually already on its way. */
  readonly tokens: TokenSource;
  readonly log: (message: string) => void;
}

export interface LoadOptions {
  /** The vault token's scope for the selected cloud (see vaultScope). */
  readonly scope: string;
  readonly ignoreMissing: boolean;
  /** The identity's object id, for the role assignment and access policy commands in hints. */
  readonly assignee: string | undefined;
  readonly maxInFlight?: number;
}

/** One secret to fetch: a named one, or one found by listing a vault. */
interface Target {
  readonly reference: SecretReference;
  readonly vault: string;
  readonly name: string;
  readonly version: string | undefined;
  readonly envName: string;
}

type FailureKind = 'missing' | 'disabled' | 'forbidden' | 'error';

interface Failure {
  readonly kind: FailureKind;
  /** One line: what, where, Key Vault's code, and what to do. */
  readonly line: string;
}

type Outcome<T> = { readonly ok: true; readonly value: T; readonly warning?: string } | { readonly ok: false; readonly failure: Failure };

/** Loads every referenced secret, or throws one ActionError listing every failure. */
export async function loadSecrets(references: readonly SecretReference[], deps: KeyVaultDeps, options: LoadOptions): Promise<SecretsLoad> {
  const client = vaultClient(deps, options.scope, options.maxInFlight ?? MAX_REQUESTS_IN_FLIGHT);
  const fetchOnce = fetcher(client, deps, options.assignee);
  // Listed secrets are fetched page by page while the listing goes on: it never waits for the last page.
  const listed = await Promise.all(references.map(reference => expand(client, reference, deps, options.assignee, page => page.forEach(fetchOnce))));
  const expanded = listed.flatMap(outcome => (outcome.ok ? outcome.value : []));
  const { targets, collisions } = separateCollisions(expanded);
  const fetched = await Promise.all(targets.map(fetchOnce));

  const failures = [...listed, ...fetched].flatMap(outcome => (outcome.ok ? [] : [outcome.failure]));
  failures.push(...collisions);
  const warnings = fetched.flatMap(outcome => (outcome.ok && outcome.warning !== undefined ? [outcome.warning] : []));
  const ignored = options.ignoreMissing ? failures.filter(failure => failure.kind === 'missing' || failure.kind === 'disabled') : [];
  const fatal = failures.filter(failure => !ignored.includes(failure));
  if (fatal.length > 0) throw failuresError(fatal, options.ignoreMissing);
  warnings.push(...ignored.map(failure => `${failure.line} Skipped: ignore-missing-secrets is true.`));
  return { secrets: fetched.flatMap(outcome => (outcome.ok ? [outcome.value] : [])), warnings };
}

/**
 * Fetches each secret (vault, name, version) once, however many targets name it: a secret both
 * listed by `VAULT/*` and named, or named twice under two env names, costs one request.
 */
function fetcher(client: VaultClient, deps: KeyVaultDeps, assignee: string | undefined): (target: Target) => Promise<Outcome<LoadedSecret>> {
  const fetches = new Map<string, Promise<Outcome<LoadedSecret>>>();
  return async target => {
    const key = `${target.vault} ${target.name.toLowerCase()} ${target.version ?? ''}`;
    let fetch = fetches.get(key);
    if (!fetch) {
      fetch = fetchSecret(client, target, deps, assignee);
      fetches.set(key, fetch);
    }
    const outcome = await fetch;
    return outcome.ok ? { ...outcome, value: { ...outcome.value, reference: target.reference, envName: target.envName } } : outcome;
  };
}

function failuresError(failures: readonly Failure[], ignoreMissing: boolean): ActionError {
  const skippable = failures.some(failure => failure.kind === 'missing' || failure.kind === 'disabled');
  return new ActionError(
    `Could not load ${failures.length === 1 ? 'a Key Vault secret' : `${failures.length} Key Vault secrets`}, so none was exported:\n` +
      failures.map(failure => `- ${failure.line}`).join('\n'),
    skippable && !ignoreMissing ? 'To load the others and only warn about missing or disabled secrets, set ignore-missing-secrets: true.' : undefined
  );
}

// ---------------------------------------------------------------------------------------------
// Requests: the bound on requests in flight, the bearer token, and the challenge (§5 Challenge auth)

interface VaultClient {
  /** `first`: ahead of the queued gets, so a listing's next page is never stuck behind them. */
  get(vault: string, url: string, what: string, options?: { readonly first?: boolean }): Promise<HttpResponse>;
}

interface Authority {
  readonly scope: string;
  readonly tenantId: string | undefined;
}

/**
 * Sends GETs to vaults with the vault token. A 401 whose challenge names another tenant or
 * resource is followed once, and remembered for the vault, but only if the resource's host is
 * a parent domain of the vault's host: the check the Azure SDK does (§5 point 4), so a vault
 * cannot obtain a token for an unrelated resource.
 */
function vaultClient(deps: KeyVaultDeps, scope: string, maxInFlight: number): VaultClient {
  const inFlight = limiter(maxInFlight);
  const challenged = new Map<string, Authority>();
  const send = (url: string, what: string, token: AccessToken): Promise<HttpResponse> =>
    deps.http.request({ method: 'GET', url, what, bearerToken: token.token });

  return {
    // The authority is read once a slot is free, so requests queued behind a challenge use what it taught.
    get: (vault, url, what, options) =>
      inFlight(options?.first ?? false, async () => {
        const authority = challenged.get(vault) ?? { scope, tenantId: undefined };
        const token = await deps.tokens(authority.scope, authority.tenantId);
        const response = await send(url, what, token);
        const challenge = response.status === 401 ? parseChallenge(response.headers['www-authenticate']) : undefined;
        if (!challenge || sameAuthority(challenge, authority, token)) return response;
        verifyChallengeResource(vault, challenge.scope);
        challenged.set(vault, challenge);
        return send(url, what, await deps.tokens(challenge.scope, challenge.tenantId));
      })
  };
}

/** Runs at most `limit` tasks at once; the others wait their turn in order, `first` ones at the front. */
function limiter(limit: number): <T>(first: boolean, task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (first, task) => {
    if (running < limit) {
      running++;
    } else {
      // The finishing task hands its slot over, so `running` stays as it is.
      await new Promise<void>(resolve => (first ? waiting.unshift(resolve) : waiting.push(resolve)));
    }
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

/**
 * `Bearer authorization="https://login.microsoftonline.com/<tenant>", resource="https://vault.azure.net"`
 * (or `scope=`): the scope and tenant a vault wants its token for (§5 Challenge auth, points 2-3).
 */
export function parseChallenge(header: string | string[] | undefined): Authority | undefined {
  const text = Array.isArray(header) ? header.join(', ') : header;
  if (!text || !/^\s*Bearer\s/i.test(text)) return undefined;
  const parameters = new Map<string, string>();
  for (const [, key = '', value = ''] of text.matchAll(/([A-Za-z_]+)="([^"]*)"/g)) parameters.set(key.toLowerCase(), value);
  const resource = parameters.get('resource');
  const scope = resource ? `${resource.replace(/\/+$/, '')}/.default` : parameters.get('scope');
  if (!scope) return undefined;
  const authorization = parameters.get('authorization') ?? parameters.get('authorization_uri') ?? parameters.get('authorization_url');
  return { scope, tenantId: authorization === undefined ? undefined : tenantOf(authorization) };
}

function tenantOf(authorization: string): string | undefined {
  try {
    const tenant = new URL(authorization).pathname.split('/').find(segment => segment !== '');
    return tenant !== undefined && /^[0-9a-zA-Z.-]+$/.test(tenant) ? tenant : undefined;
  } catch {
    return undefined;
  }
}

/** True when the challenge asks for the token that was just refused: following it would not help. */
function sameAuthority(challenge: Authority, used: Authority, token: AccessToken): boolean {
  if (challenge.scope !== used.scope) return false;
  const usedTenant = stringClaim(readClaims(token.token), 'tid') ?? used.tenantId;
  return challenge.tenantId === undefined || challenge.tenantId.toLowerCase() === usedTenant?.toLowerCase();
}

function verifyChallengeResource(vault: string, scope: string): void {
  const vaultHost = new URL(vault).hostname;
  let resourceHost: string | undefined;
  try {
    resourceHost = new URL(scope).hostname;
  } catch {
    resourceHost = undefined;
  }
  if (resourceHost && vaultHost.endsWith(`.${resourceHost}`)) return;
  throw new ActionError(
    `The vault ${vault} answered 401 with a challenge for the resource '${scope.replace(/\/\.default$/, '')}', ` +
      `whose host is not a parent domain of ${vaultHost}; refusing to get it a token for that resource.`,
    'A vault asks for a token for its own cloud (https://vault.azure.net). Check the vault URL, and any proxy in between.'
  );
}

// ---------------------------------------------------------------------------------------------
// Listing a vault (`VAULT/*`) and fetching secrets

async function expand(
  client: VaultClient,
  reference: SecretReference,
  deps: KeyVaultDeps,
  assignee: string | undefined,
  onPage: (targets: readonly Target[]) => void
): Promise<Outcome<Target[]>> {
  if (reference.kind === 'secret') {
    onPage([targetOf(reference)]);
    return { ok: true, value: [targetOf(reference)] };
  }
  try {
    return await listVault(client, reference, deps, assignee, onPage);
  } catch (error) {
    return { ok: false, failure: { kind: 'error', line: `${labelOf(reference.vault, '*')}: ${messageOf(error)}` } };
  }
}

function targetOf(reference: OneSecretReference): Target {
  return { reference, vault: reference.vault, name: reference.name, version: reference.version, envName: reference.envName };
}

/** Every enabled, unexpired secret of a vault, following `nextLink` verbatim (§5 List secrets). */
async function listVault(
  client: VaultClient,
  reference: AllSecretsReference,
  deps: KeyVaultDeps,
  assignee: string | undefined,
  onPage: (targets: readonly Target[]) => void
): Promise<Outcome<Target[]>> {
  const targets: Target[] = [];
  const visited = new Set<string>();
  let skipped = 0;
  let url: string | undefined = `${reference.vault}/secrets?api-version=${KEY_VAULT_API_VERSION}&maxresults=${LIST_PAGE_SIZE}`;
  while (url !== undefined) {
    visited.add(url);
    const response = await client.get(reference.vault, url, `Key Vault ${reference.vault} (listing secrets)`, { first: true });
    if (response.status !== 200) {
      return { ok: false, failure: explainVaultAnswer(response, reference.vault, '*', assignee) };
    }
    const page = jsonFields(response.json);
    const found = targets.length;
    for (const item of Array.isArray(page['value']) ? (page['value'] as unknown[]) : []) {
      const name = listedName(item);
      if (name === undefined) continue;
      if (!isUsable(item, deps.now())) {
        skipped++;
        continue;
      }
      targets.push({ reference, vault: reference.vault, name, version: undefined, envName: defaultEnvName(name, reference.prefix) });
    }
    onPage(targets.slice(found));
    url = nextPage(page['nextLink'], reference.vault, visited);
  }
  deps.log(
    `Listed ${targets.length} ${targets.length === 1 ? 'secret' : 'secrets'} in ${reference.vault}` +
      (skipped > 0 ? ` (skipped ${skipped} disabled or expired).` : '.')
  );
  return { ok: true, value: targets };
}

/** The secret name from a list item's id, `https://v.vault.azure.net/secrets/NAME`. */
function listedName(item: unknown): string | undefined {
  const id = (item as { id?: unknown } | null)?.id;
  if (typeof id !== 'string') return undefined;
  const name = /\/secrets\/([^/?#]+)\/?$/.exec(id)?.[1];
  return name !== undefined && isSecretName(name) ? name : undefined;
}

/** Enabled, and not past its expiry (`exp` is epoch seconds, §5). */
function isUsable(item: unknown, now: number): boolean {
  const attributes = (item as { attributes?: { enabled?: unknown; exp?: unknown } } | null)?.attributes;
  if (attributes?.enabled === false) return false;
  return typeof attributes?.exp !== 'number' || attributes.exp * 1000 > now;
}

/** The next page's URL, taken as given, but only on the vault's own origin: the token goes nowhere else. */
function nextPage(nextLink: unknown, vault: string, visited: ReadonlySet<string>): string | undefined {
  if (typeof nextLink !== 'string' || nextLink === '') return undefined;
  let origin: string | undefined;
  try {
    origin = new URL(nextLink).origin;
  } catch {
    origin = undefined;
  }
  if (origin !== vault) {
    throw new ActionError(`the listing's nextLink points to ${origin ?? `'${nextLink}'`}, not to the vault; refusing to send it the vault token.`);
  }
  if (visited.has(nextLink)) {
    throw new ActionError('the listing sent a nextLink to a page it had already sent; stopping.');
  }
  return nextLink;
}

/**
 * Secrets found twice (a `VAULT/*` and a named entry for the same secret) are fetched once;
 * two different secrets for one env name are a failure: the spec allows one value per name.
 */
function separateCollisions(targets: readonly Target[]): { targets: Target[]; collisions: Failure[] } {
  const byName = new Map<string, Target[]>();
  for (const target of targets) {
    const key = target.envName.toUpperCase();
    byName.set(key, [...(byName.get(key) ?? []), target]);
  }
  const kept: Target[] = [];
  const collisions: Failure[] = [];
  for (const group of byName.values()) {
    const distinct = new Map(group.map(target => [`${target.vault} ${target.name.toLowerCase()} ${target.version ?? ''}`, target]));
    if (distinct.size === 1) {
      kept.push(group.find(target => target.reference.kind === 'secret') ?? (group[0] as Target));
      continue;
    }
    const holders = [...distinct.values()].map(target => `${labelOf(target.vault, target.name, target.version)} (entry '${target.reference.entry}')`);
    collisions.push({
      kind: 'error',
      line:
        `${group[0]?.envName}: more than one secret maps to this name: ${holders.join(', ')}. ` +
        'Give one its own name (VAULT/SECRET | NAME), or the vault a prefix (VAULT/* | PREFIX_).'
    });
  }
  return { targets: targets.filter(target => kept.includes(target)), collisions };
}

/** `GET {vault}/secrets/{name}[/{version}]` (§5 Get a secret); the value is masked at once. */
async function fetchSecret(client: VaultClient, target: Target, deps: KeyVaultDeps, assignee: string | undefined): Promise<Outcome<LoadedSecret>> {
  const label = labelOf(target.vault, target.name, target.version);
  const path = `/secrets/${encodeURIComponent(target.name)}${target.version === undefined ? '' : `/${encodeURIComponent(target.version)}`}`;
  let response: HttpResponse;
  try {
    response = await client.get(target.vault, `${target.vault}${path}?api-version=${KEY_VAULT_API_VERSION}`, `Key Vault ${target.vault}`);
  } catch (error) {
    return { ok: false, failure: { kind: 'error', line: `${label}: ${messageOf(error)}` } };
  }
  if (response.status !== 200) {
    return { ok: false, failure: explainVaultAnswer(response, target.vault, target.name, assignee, target.version) };
  }
  const body = jsonFields(response.json);
  const value = body['value'];
  if (typeof value !== 'string') {
    return { ok: false, failure: { kind: 'error', line: `${label}: Key Vault answered 200 without a value.` } };
  }
  deps.mask(value);
  const secret = { reference: target.reference, name: target.name, envName: target.envName, vault: target.vault, value };
  const expiry = (body['attributes'] as { exp?: unknown } | undefined)?.exp;
  if (typeof expiry === 'number' && expiry * 1000 <= deps.now()) {
    const when = new Date(expiry * 1000).toISOString().replace('.000Z', 'Z');
    return { ok: true, value: secret, warning: `${label} expired at ${when}; loaded anyway, as named. Set a new version of it.` };
  }
  return { ok: true, value: secret };
}

// ---------------------------------------------------------------------------------------------
// Explaining Key Vault's error answers (§5 Errors)

/** `db-password in https://my-vault.vault.azure.net` (or `listing https://...`), the way every line names a secret. */
function labelOf(vault: string, name: string, version?: string): string {
  if (name === '*') return `listing ${vault}`;
  return `${name}${version === undefined ? '' : `/${version}`} in ${vault}`;
}

function explainVaultAnswer(response: HttpResponse, vault: string, name: string, assignee: string | undefined, version?: string): Failure {
  const error = ((response.json as { error?: unknown } | undefined)?.error ?? {}) as { code?: unknown; message?: unknown; innererror?: { code?: unknown } };
  const outer = typeof error.code === 'string' ? error.code : undefined;
  const inner = typeof error.innererror?.code === 'string' ? error.innererror.code : undefined;
  const message = typeof error.message === 'string' ? (error.message.split(/\r?\n/)[0] ?? '').trim() : '';
  const code = inner ?? outer;
  const kind: FailureKind =
    response.status === 404 && name !== '*' ? 'missing'
    : code === 'SecretDisabled' ? 'disabled'
    : response.status === 401 || response.status === 403 ? 'forbidden'
    : 'error';
  const context = { vaultName: new URL(vault).hostname.split('.')[0] ?? vault, name, assignee: assignee ?? '<object-id>', message, status: response.status };
  const accessPolicy = response.status === 403 && (inner === 'AccessDenied' || /access polic/i.test(message));
  const why = kind === 'missing' ? whyMissing(context) : accessPolicy ? whyAccessPolicy(context) : whyOther(code, context);
  const status = code === undefined ? `HTTP ${response.status}` : `${code} (HTTP ${response.status})`;
  return { kind, line: `${labelOf(vault, name, version)}: ${status}: ${why}` };
}

interface ErrorContext {
  readonly vaultName: string;
  readonly name: string;
  readonly assignee: string;
  /** The first line of Key Vault's message: later lines repeat caller details. */
  readonly message: string;
  readonly status: number;
}

function whyMissing(c: ErrorContext): string {
  return (
    'the vault has no such secret (or version). Check the name; a secret deleted recently can be recovered: ' +
    `az keyvault secret recover --vault-name ${c.vaultName} --name ${c.name}`
  );
}

function whyAccessPolicy(c: ErrorContext): string {
  return (
    'the vault uses access policies, and none lets this identity read secrets. Add one: ' +
    `az keyvault set-policy --name ${c.vaultName} --object-id ${c.assignee} --secret-permissions get list`
  );
}

function whyOther(code: string | undefined, c: ErrorContext): string {
  const roleCommand =
    `az role assignment create --role "Key Vault Secrets User" --assignee ${c.assignee} ` +
    `--scope $(az keyvault show --name ${c.vaultName} --query id --output tsv)`;
  switch (code) {
    case 'SecretDisabled':
      return `the secret is disabled. Enable it: az keyvault secret set-attributes --vault-name ${c.vaultName} --name ${c.name} --enabled true`;
    case 'ForbiddenByRbac':
      return `the identity has no role that may read secrets in this vault. Assign it 'Key Vault Secrets User': ${roleCommand}`;
    case 'ForbiddenByFirewall':
      return (
        "the vault's firewall refused the runner's address. GitHub-hosted runners have no fixed address: run on a " +
        'self-hosted runner in a network the vault allows (or behind a private endpoint), or allow the runner\'s IP ' +
        `for the job: az keyvault network-rule add --name ${c.vaultName} --ip-address <runner-ip>`
      );
    default:
      break;
  }
  if (c.status === 403) {
    return `access denied (${c.message || 'Forbidden'}). Give the identity the role 'Key Vault Secrets User' (${roleCommand}), or, on a vault with access policies, a policy with secret get and list.`;
  }
  if (c.status === 401) {
    return `Key Vault refused the token (${c.message || 'Unauthorized'}). Check that the vault is in the identity's tenant and in the cloud set by 'environment'.`;
  }
  if (c.message) return c.message;
  return c.status >= 500 || c.status === 429
    ? 'Key Vault kept failing through the retries, with no explanation. Re-run the job; if it persists, check Azure status for Key Vault in the vault\'s region.'
    : 'Key Vault gave no explanation.';
}
