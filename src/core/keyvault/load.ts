/**
 * Key Vault secrets in, values out. Every secret is fetched (concurrently, with a bound) before
 * anything is returned, so a failing step exports nothing; every failure is reported in one
 * error. Values are masked the moment they are parsed from an answer.
 * Wire format: docs/protocol.md#5-key-vault-secrets.
 */
import type { Cloud } from '../clouds.js';
import { messageOf } from '../errors.js';
import type { Http, HttpResponse } from '../http.js';
import { jsonFields } from '../json.js';
import type { Log } from '../log.js';
import type { Masker } from '../masking.js';
import type { TokenSource } from '../token-cache.js';
import { KEY_VAULT_API_VERSION, vaultClient, type VaultClient } from './client.js';
import { isRefusedEnvName } from './env-names.js';
import { createExplainer, type Explainer, type Failure, failuresError, labelOf } from './explanations.js';
import { type ListLimits, listVault } from './listing.js';
import { type AllSecretsReference, defaultEnvName, type SecretReference } from './references.js';

/**
 * Vault requests in flight at once, for all vaults together. Measured (bench/, issue 12): 64 load
 * 100 secrets in two waves of round trips where 16 took seven, and 1,000 in a third of the time;
 * a step still sends at most a few hundred requests a second, and Key Vault allows 4,000 per
 * 10 s per vault (docs/protocol.md#throttling), so one step stays far inside it, and a throttled
 * matrix is waited out.
 */
export const MAX_REQUESTS_IN_FLIGHT = 64;

/** Key Vault stores values of at most 25 KB: anything larger is not a secret it sent. */
const MAX_SECRET_BYTES = 25 * 1024;

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
  /** False for a name that would steer later steps (found by `VAULT/*`): an output only, never an environment variable. */
  readonly exportable: boolean;
}

export interface SecretsLoad {
  readonly secrets: readonly LoadedSecret[];
  /** Missing or disabled secrets skipped under ignore-missing-secrets, expired ones loaded anyway, names not exported. */
  readonly warnings: readonly string[];
}

export interface KeyVaultDeps {
  readonly http: Http;
  readonly now: () => number;
  readonly masker: Masker;
  /** Tokens, cached per tenant and scope: the vault token is usually already on its way. */
  readonly tokens: TokenSource;
  readonly log: Log;
}

interface LoadOptions {
  /** The vault token's scope for the selected cloud (see vaultScope). */
  readonly scope: string;
  readonly ignoreMissing: boolean;
  /** The identity's object id, for the role assignment and access policy commands in hints. */
  readonly assignee: string | undefined;
  readonly maxInFlight?: number;
  /** Bounds on a `VAULT/*` listing; listing.ts's LIST_LIMITS unless a test sets smaller ones. */
  readonly listLimits?: ListLimits;
}

/** One secret to fetch: a named one, or one found by listing a vault. */
interface Target {
  readonly reference: SecretReference;
  readonly vault: string;
  readonly name: string;
  readonly version: string | undefined;
  readonly envName: string;
}

type Outcome<T> = { readonly ok: true; readonly value: T; readonly warning?: string } | { readonly ok: false; readonly failure: Failure };

/** What every fetch and listing of one load shares. */
interface Load {
  readonly client: VaultClient;
  readonly explainer: Explainer;
  readonly deps: KeyVaultDeps;
  readonly listLimits: ListLimits | undefined;
}

/** Loads every referenced secret, or throws one ActionError listing every failure. */
export async function loadSecrets(references: readonly SecretReference[], deps: KeyVaultDeps, options: LoadOptions): Promise<SecretsLoad> {
  const load: Load = {
    client: vaultClient(deps.http, deps.tokens, options.scope, options.maxInFlight ?? MAX_REQUESTS_IN_FLIGHT),
    explainer: createExplainer(options.assignee, text => deps.masker.redact(text)),
    deps,
    listLimits: options.listLimits
  };
  const fetchOnce = fetcher(load);
  // Listed secrets are fetched page by page while the listing goes on: it never waits for the last page.
  // (The fetches are remembered by fetchOnce, which never rejects: the loop below collects them.)
  const startFetches = (page: readonly Target[]): void => {
    for (const target of page) void fetchOnce(target);
  };
  const listed = await Promise.all(references.map(reference => expand(load, reference, startFetches)));
  const expanded = listed.flatMap(outcome => (outcome.ok ? outcome.value : []));
  const { targets, collisions } = separateCollisions(expanded);
  const fetched = await Promise.all(targets.map(fetchOnce));

  const failures = [...listed, ...fetched].flatMap(outcome => (outcome.ok ? [] : [outcome.failure]));
  failures.push(...collisions);
  const warnings = fetched.flatMap(outcome => (outcome.ok && outcome.warning !== undefined ? [outcome.warning] : []));
  const ignorable = (failure: Failure): boolean => options.ignoreMissing && (failure.kind === 'missing' || failure.kind === 'disabled');
  const ignored = failures.filter(ignorable);
  const fatal = failures.filter(failure => !ignorable(failure));
  if (fatal.length > 0) throw failuresError(fatal, options.ignoreMissing);
  warnings.push(...ignored.map(failure => `Skipped, as ignore-missing-secrets is true: ${failure.text}`));
  const secrets = fetched.flatMap(outcome => (outcome.ok ? [outcome.value] : []));
  warnings.push(...secrets.filter(secret => !secret.exportable).map(notExportedWarning));
  return { secrets, warnings };
}

function notExportedWarning(secret: LoadedSecret): string {
  const reference = secret.reference as AllSecretsReference;
  return (
    `${labelOf(secret.vault, secret.name)} is set as the output ${secret.envName} only, not exported: ` +
    'that environment variable would run code in, steer, or redirect the later steps. To export it, give the vault a prefix:' +
    `\n    ${reference.entry.split('|')[0]?.trim()} | APP_`
  );
}

/**
 * Fetches each secret (vault, name, version) once, however many targets name it: a secret both
 * listed by `VAULT/*` and named, or named twice under two env names, costs one request.
 */
function fetcher(load: Load): (target: Target) => Promise<Outcome<LoadedSecret>> {
  const fetches = new Map<string, Promise<Outcome<LoadedSecret>>>();
  return async target => {
    const key = secretKey(target);
    let fetch = fetches.get(key);
    if (!fetch) {
      fetch = fetchSecret(load, target);
      fetches.set(key, fetch);
    }
    const outcome = await fetch;
    if (!outcome.ok) return outcome;
    const exportable = target.reference.kind === 'secret' || !isRefusedEnvName(target.envName);
    return { ...outcome, value: { ...outcome.value, reference: target.reference, envName: target.envName, exportable } };
  };
}

function secretKey(target: Target): string {
  return `${target.vault} ${target.name.toLowerCase()} ${target.version ?? ''}`;
}

async function expand(load: Load, reference: SecretReference, onPage: (targets: readonly Target[]) => void): Promise<Outcome<Target[]>> {
  if (reference.kind === 'secret') {
    const target = { reference, vault: reference.vault, name: reference.name, version: reference.version, envName: reference.envName };
    onPage([target]);
    return { ok: true, value: [target] };
  }
  const toTargets = (names: readonly string[]): Target[] =>
    names.map(name => ({ reference, vault: reference.vault, name, version: undefined, envName: defaultEnvName(name, reference.prefix) }));
  try {
    const deps = {
      client: load.client,
      explainer: load.explainer,
      now: load.deps.now,
      log: load.deps.log,
      ...(load.listLimits ? { limits: load.listLimits } : {})
    };
    const listing = await listVault(reference.vault, deps, names => onPage(toTargets(names)));
    return listing.ok ? { ok: true, value: toTargets(listing.names) } : listing;
  } catch (error) {
    return { ok: false, failure: { kind: 'error', text: `${labelOf(reference.vault, '*')}: ${messageOf(error)}` } };
  }
}

/**
 * Secrets found twice (a `VAULT/*` and a named entry for the same secret) are fetched once;
 * two different secrets for one env name are a failure: the contract allows one value per name.
 * Linear in the number of targets, however many repeat.
 */
function separateCollisions(targets: readonly Target[]): { targets: Target[]; collisions: Failure[] } {
  const byName = new Map<string, Map<string, Target>>();
  for (const target of targets) {
    const key = target.envName.toUpperCase();
    let group = byName.get(key);
    if (!group) byName.set(key, (group = new Map<string, Target>()));
    // A named entry wins over a listed one for the same secret: it carries the user's own name.
    const earlier = group.get(secretKey(target));
    if (!earlier || (target.reference.kind === 'secret' && earlier.reference.kind !== 'secret')) group.set(secretKey(target), target);
  }
  const kept = new Set<Target>();
  const collisions: Failure[] = [];
  for (const group of byName.values()) {
    const distinct = [...group.values()];
    if (distinct.length === 1) {
      kept.add(distinct[0] as Target);
      continue;
    }
    const holders = distinct.map(target => `${labelOf(target.vault, target.name, target.version)} (entry '${target.reference.entry}')`);
    collisions.push({
      kind: 'error',
      text:
        `${distinct[0]?.envName}: more than one secret maps to this name: ${holders.join(', ')}. ` +
        'Give one its own name (VAULT/SECRET | NAME), or the vault a prefix (VAULT/* | PREFIX_).'
    });
  }
  return { targets: targets.filter(target => kept.has(target)), collisions };
}

/** `GET {vault}/secrets/{name}[/{version}]`; the value is masked at once. */
async function fetchSecret(load: Load, target: Target): Promise<Outcome<LoadedSecret>> {
  const { deps } = load;
  const label = labelOf(target.vault, target.name, target.version);
  const path = `/secrets/${encodeURIComponent(target.name)}${target.version === undefined ? '' : `/${encodeURIComponent(target.version)}`}`;
  let response: HttpResponse;
  try {
    response = await load.client.get(target.vault, `${target.vault}${path}?api-version=${KEY_VAULT_API_VERSION}`, 'Key Vault');
  } catch (error) {
    return { ok: false, failure: { kind: 'error', text: `${label}: ${messageOf(error)}` } };
  }
  if (response.status !== 200) return { ok: false, failure: load.explainer.answer(response, target.vault, target.name, target.version) };
  const body = jsonFields(response.json);
  const value = body['value'];
  if (typeof value !== 'string')
    return { ok: false, failure: { kind: 'error', text: `${label}: Key Vault answered 200 without a value.` } };
  deps.masker.mask(value);
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_SECRET_BYTES) {
    return {
      ok: false,
      failure: {
        kind: 'error',
        text: `${label}: the answer's value has ${bytes} bytes, more than the 25 KB a Key Vault secret can hold; refusing to export it.`
      }
    };
  }
  const secret: LoadedSecret = {
    reference: target.reference,
    name: target.name,
    envName: target.envName,
    vault: target.vault,
    value,
    exportable: true
  };
  const expiry = jsonFields(body['attributes'])['exp'];
  if (typeof expiry === 'number' && expiry * 1000 <= deps.now()) {
    const when = new Date(expiry * 1000).toISOString().replace('.000Z', 'Z');
    return { ok: true, value: secret, warning: `${label} expired at ${when}; loaded anyway, as named. Set a new version of it.` };
  }
  return { ok: true, value: secret };
}
