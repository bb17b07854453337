/** The one interface every credential kind implements, and what they are handed. */
import type { AuthType } from '../config.js';
import type { Http } from '../http.js';
import type { AccessToken } from '../token.js';

export interface TokenOptions {
  /** Another tenant than the configured one, when a Key Vault challenge names it. */
  readonly tenantId?: string;
}

export interface Credential {
  readonly kind: AuthType;
  /** A token for a v2 scope (`https://vault.azure.net/.default`); its value is already masked. */
  getToken(scope: string, options?: TokenOptions): Promise<AccessToken>;
}

export interface CredentialDeps {
  readonly http: Http;
  readonly now: () => number;
  /** Registers a secret with the runner's log masker. */
  readonly mask: (value: string) => void;
  readonly log: (message: string) => void;
}

/** The resource a v1-style endpoint (managed identity, Azure CLI) wants for a v2 scope. */
export function scopeToResource(scope: string): string {
  return scope.endsWith('/.default') ? scope.slice(0, -'/.default'.length) : scope;
}
