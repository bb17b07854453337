/**
 * One token per (tenant, scope) per step: the resource token, the vault token, and any token a
 * vault's challenge asks for. Requests made together share one answer, so several vaults (or a
 * `resource` that is Key Vault itself) cost a single token request.
 */
import type { Credential } from './credentials/credential.js';
import { withContext } from './errors.js';
import type { Log } from './log.js';
import type { AccessToken } from './token.js';

/** A token for a v2 scope, from the configured tenant or the one named. */
export type TokenSource = (scope: string, tenantId?: string) => Promise<AccessToken>;

export function cachedTokenSource(credential: Credential, log?: Log): TokenSource {
  const tokens = new Map<string, Promise<AccessToken>>();
  return (scope, tenantId) => {
    const key = `${tenantId?.toLowerCase() ?? ''} ${scope}`;
    let token = tokens.get(key);
    if (!token) {
      token = requestToken(credential, scope, tenantId);
      tokens.set(key, token);
    } else {
      log?.debug(`Token for ${scope}${tenantId === undefined ? '' : ` in tenant ${tenantId}`}: the one this step already asked for.`);
    }
    return token;
  };
}

async function requestToken(credential: Credential, scope: string, tenantId: string | undefined): Promise<AccessToken> {
  try {
    return await credential.getToken(scope, tenantId === undefined ? undefined : { tenantId });
  } catch (error) {
    const tenant = tenantId === undefined ? '' : ` in tenant ${tenantId}`;
    throw withContext(`Getting a token for ${scope}${tenant} with auth-type '${credential.kind}'`, error);
  }
}
