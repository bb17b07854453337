/**
 * Tokens for the endpoint's requests: one cached per resource until five minutes before it
 * expires, and one mint at a time per resource, however many requests wait for it (Azure CLI
 * 2.45 asks twice per command, a test matrix many times at once). The credential mints afresh
 * every time it is asked: OIDC fetches a new GitHub token for each exchange, workload identity
 * re-reads its token file, secret and certificate make a new assertion.
 */
import type { Credential } from '../core/credentials/credential.js';
import { withContext } from '../core/errors.js';
import type { Clock } from '../core/machine.js';
import type { AccessToken } from '../core/token.js';

/** A cached token is handed out until this long before it expires, then replaced. */
const REFRESH_BEFORE_MS = 5 * 60 * 1000;

export interface Minter {
  /** A token for a resource as a managed identity request names it (`https://vault.azure.net`). */
  token(resource: string): Promise<AccessToken>;
}

export function createMinter(credential: Credential, clock: Pick<Clock, 'now'>): Minter {
  const cached = new Map<string, AccessToken>();
  const minting = new Map<string, Promise<AccessToken>>();

  async function mint(resource: string): Promise<AccessToken> {
    try {
      const token = await credential.getToken(scopeOf(resource));
      cached.set(resource, token);
      return token;
    } catch (error) {
      throw withContext(`Getting a token for ${resource} with auth-type '${credential.kind}'`, error);
    }
  }

  return {
    token(resource) {
      const token = cached.get(resource);
      if (token !== undefined && token.expiresOn.getTime() - clock.now() > REFRESH_BEFORE_MS) return Promise.resolve(token);
      let pending = minting.get(resource);
      if (pending === undefined) {
        pending = mint(resource).finally(() => minting.delete(resource));
        minting.set(resource, pending);
      }
      return pending;
    }
  };
}

/**
 * The v2 scope of a v1 resource, the resource kept exactly as asked: `https://management.core.windows.net/`
 * (Azure CLI's) becomes `https://management.core.windows.net//.default`, whose token has the
 * audience with the trailing `/`, as a managed identity endpoint would give it.
 */
export function scopeOf(resource: string): string {
  return resource.endsWith('/.default') ? resource : `${resource}/.default`;
}
