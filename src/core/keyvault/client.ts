/**
 * Requests to vaults: the bound on requests in flight, the bearer token, and the 401 challenge
 * (docs/protocol.md#challenge-authentication).
 */
import { ActionError } from '../errors.js';
import { externalText } from '../external-text.js';
import type { Http, HttpResponse } from '../http.js';
import { readClaims, stringClaim } from '../jwt.js';
import type { AccessToken } from '../token.js';
import type { TokenSource } from '../token-cache.js';
import { limiter } from './limiter.js';

export const KEY_VAULT_API_VERSION = '7.4';

export interface VaultClient {
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
 * a parent domain of the vault's host: the check the Azure SDK does, so a vault cannot obtain
 * a token for an unrelated resource.
 */
export function vaultClient(http: Http, tokens: TokenSource, scope: string, maxInFlight: number): VaultClient {
  const inFlight = limiter(maxInFlight);
  const challenged = new Map<string, Authority>();
  const send = (url: string, what: string, token: AccessToken): Promise<HttpResponse> =>
    http.request({ method: 'GET', url, what, bearerToken: token.token });

  return {
    // The authority is read once a slot is free, so requests queued behind a challenge use what it taught.
    get: (vault, url, what, options) =>
      inFlight(options?.first ?? false, async () => {
        const authority = challenged.get(vault) ?? { scope, tenantId: undefined };
        const token = await tokens(authority.scope, authority.tenantId);
        const response = await send(url, what, token);
        const challenge = response.status === 401 ? parseChallenge(response.headers['www-authenticate']) : undefined;
        if (!challenge || sameAuthority(challenge, authority, token)) return response;
        verifyChallengeResource(vault, challenge.scope);
        challenged.set(vault, challenge);
        return send(url, what, await tokens(challenge.scope, challenge.tenantId));
      })
  };
}

/**
 * `Bearer authorization="https://login.microsoftonline.com/<tenant>", resource="https://vault.azure.net"`
 * (or `scope=`): the scope and tenant a vault wants its token for.
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
    `The vault ${vault} answered 401 with a challenge for the resource '${externalText(scope.replace(/\/\.default$/, ''))}', ` +
      `whose host is not a parent domain of ${vaultHost}; refusing to get it a token for that resource.`,
    'A vault asks for a token for its own cloud (https://vault.azure.net). Check the vault URL, and any proxy in between.'
  );
}
