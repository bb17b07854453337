/**
 * Listing a vault for `VAULT/*`: every enabled secret whose `exp` is not past and whose `nbf`
 * is not ahead, following `nextLink` pages as given, empty pages included; certificate-backed
 * secrets (`managed: true`: they hold a certificate's private key) are left out
 * (docs/protocol.md#list-secrets). A hostile or broken vault cannot keep the step
 * listing forever: pages and items are bounded, and a page must be a page.
 */
import { ActionError } from '../errors.js';
import { externalText } from '../external-text.js';
import { jsonFields } from '../json.js';
import type { Log } from '../log.js';
import type { VaultClient } from './client.js';
import { KEY_VAULT_API_VERSION } from './client.js';
import type { Explainer, Failure } from './explanations.js';
import { isSecretName } from './references.js';

/** The largest page Key Vault serves (maxresults is 1-25). */
const LIST_PAGE_SIZE = 25;
/** A vault holds a few thousand secrets at most: a listing longer than this is broken or hostile. */
export const LIST_LIMITS: ListLimits = Object.freeze({ pages: 1_000, items: 100_000 });

export interface ListLimits {
  readonly pages: number;
  readonly items: number;
}

type Listing = { readonly ok: true; readonly names: readonly string[] } | { readonly ok: false; readonly failure: Failure };

interface ListingDeps {
  readonly client: VaultClient;
  readonly explainer: Explainer;
  readonly now: () => number;
  readonly log: Log;
  readonly limits?: ListLimits;
}

/** Lists `vault`, handing each page's usable names to `onPage` as soon as the page arrives. */
export async function listVault(vault: string, deps: ListingDeps, onPage: (names: readonly string[]) => void): Promise<Listing> {
  const names: string[] = [];
  const skipped: string[] = [];
  const certificates: string[] = [];
  const visited = new Set<string>();
  let items = 0;
  const limits = deps.limits ?? LIST_LIMITS;
  let url: string | undefined = `${vault}/secrets?api-version=${KEY_VAULT_API_VERSION}&maxresults=${LIST_PAGE_SIZE}`;
  while (url !== undefined) {
    if (visited.size >= limits.pages)
      throw new ActionError(`the listing went on past ${limits.pages} pages; stopping (a vault holds at most a few thousand secrets).`);
    visited.add(url);
    const response = await deps.client.get(vault, url, 'Key Vault listing', { first: true });
    if (response.status !== 200) return { ok: false, failure: deps.explainer.answer(response, vault, '*') };
    const page = jsonFields(response.json);
    const value = page['value'];
    if (!Array.isArray(value))
      throw new ActionError(`page ${visited.size} of the listing holds no 'value' array: it is not a Key Vault listing.`);
    items += value.length;
    if (items > limits.items) throw new ActionError(`the listing went on past ${limits.items} items; stopping.`);
    const found = names.length;
    for (const item of value) {
      const name = listedName(item);
      if (name === undefined) continue;
      const why = whyUnusable(item, deps.now());
      if (why === 'certificate') certificates.push(name);
      else if (why !== undefined) skipped.push(`${name} (${why})`);
      else names.push(name);
    }
    onPage(names.slice(found));
    url = nextPage(page['nextLink'], vault, visited);
  }
  report(vault, names.length, skipped, certificates, deps.log);
  return { ok: true, names };
}

function report(vault: string, count: number, skipped: readonly string[], certificates: readonly string[], log: Log): void {
  const skippedNote = skipped.length > 0 ? ` (skipped ${skipped.length} disabled, expired or not yet valid)` : '';
  log.info(`Listed ${count} ${count === 1 ? 'secret' : 'secrets'} in ${vault}${skippedNote}.`);
  if (skipped.length > 0) log.debug(`Skipped in ${vault}: ${skipped.join(', ')}`);
  if (certificates.length > 0) {
    log.notice(
      `Skipped ${certificates.length} certificate-backed ${certificates.length === 1 ? 'secret' : 'secrets'} of ${vault}/* ` +
        `(each holds a certificate's private key): ${certificates.join(', ')}. Name one in 'secrets' to load it.`
    );
  }
}

/** The secret name from a list item's id, `https://v.vault.azure.net/secrets/NAME`. */
function listedName(item: unknown): string | undefined {
  const id = jsonFields(item)['id'];
  if (typeof id !== 'string') return undefined;
  const name = /\/secrets\/([^/?#]+)\/?$/.exec(id)?.[1];
  return name !== undefined && isSecretName(name) ? name : undefined;
}

/** Why a listed secret is not loaded, or undefined when it is (`exp`, `nbf`: epoch seconds). */
function whyUnusable(item: unknown, now: number): string | undefined {
  const fields = jsonFields(item);
  if (fields['managed'] === true) return 'certificate';
  const attributes = jsonFields(fields['attributes']);
  if (attributes['enabled'] === false) return 'disabled';
  const { exp, nbf } = attributes;
  if (typeof exp === 'number' && exp * 1000 <= now) return 'expired';
  if (typeof nbf === 'number' && nbf * 1000 > now) return 'not yet valid';
  return undefined;
}

/** The next page's URL, taken as given, but only on the vault's own origin: the token goes nowhere else. */
function nextPage(nextLink: unknown, vault: string, visited: ReadonlySet<string>): string | undefined {
  if (typeof nextLink !== 'string' || nextLink === '') return undefined;
  let origin: string | undefined;
  try {
    // An explicit :443 (real Key Vault sends it) is the same origin: URL drops a scheme's default port.
    origin = new URL(nextLink).origin;
  } catch {
    origin = undefined;
  }
  if (origin !== vault) {
    throw new ActionError(
      `the listing's nextLink points to ${externalText(origin ?? nextLink)}, not to the vault; refusing to send it the vault token.`
    );
  }
  if (visited.has(nextLink)) throw new ActionError('the listing sent a nextLink to a page it had already sent; stopping.');
  return nextLink;
}
