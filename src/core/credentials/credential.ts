/** The one interface every credential kind implements, and what each is handed. */
import type { AuthType } from '../input-values.js';
import type { Http } from '../http.js';
import type { Log } from '../log.js';
import type { Machine } from '../machine.js';
import type { Masker } from '../masking.js';
import type { AccessToken } from '../token.js';

interface TokenOptions {
  /** Another tenant than the configured one, when a Key Vault challenge names it. */
  readonly tenantId?: string;
}

export interface Credential {
  readonly kind: AuthType;
  /** A token for a v2 scope (`https://vault.azure.net/.default`); its value is already masked. */
  getToken(scope: string, options?: TokenOptions): Promise<AccessToken>;
  /** The federated subject last presented (OIDC, workload identity), for the job summary. */
  readonly subject?: () => string | undefined;
  /** The https origin every token request goes to (Entra ID's token endpoint): connected to ahead of need. */
  readonly tokenOrigin?: string;
}

export interface CredentialDeps {
  readonly http: Http;
  readonly machine: Machine;
  readonly masker: Masker;
  readonly log: Log;
}

/** The resource a v1-style endpoint (managed identity, Azure CLI) wants for a v2 scope. */
export function scopeToResource(scope: string): string {
  return scope.endsWith('/.default') ? scope.slice(0, -'/.default'.length) : scope;
}
