/**
 * The core's one job, for every front-end: the token for `resource` and every requested Key
 * Vault secret, the vault token requested alongside the resource token (one request when they
 * are the same), and Key Vault started the moment its token arrives.
 */
import type { Config } from './config.js';
import type { Credential } from './credentials/credential.js';
import type { Http } from './http.js';
import { formatExpiry, type Identity, identityOf } from './identity.js';
import { type LoadedSecret, loadSecrets, MAX_REQUESTS_IN_FLIGHT, type SecretsLoad, vaultScope } from './keyvault/load.js';
import type { Log } from './log.js';
import type { Machine } from './machine.js';
import type { Masker } from './masking.js';
import type { AccessToken } from './token.js';
import { cachedTokenSource, type TokenSource } from './token-cache.js';

interface CoreDeps {
  readonly http: Http;
  readonly machine: Machine;
  readonly masker: Masker;
  readonly log: Log;
}

export interface Acquired {
  readonly token: AccessToken;
  readonly identity: Identity;
  readonly secrets: readonly LoadedSecret[];
}

export async function acquire(config: Config, credential: Credential, deps: CoreDeps): Promise<Acquired> {
  warmConnections(config, credential, deps.http);
  const tokens = cachedTokenSource(credential, deps.log);
  const [token, loaded] = await Promise.all([tokens(config.scope), loadConfiguredSecrets(config, deps, tokens)]);
  const identity = identityOf(token.token, config);
  for (const warning of loaded.warnings) deps.log.warning(warning);
  if (config.secrets.length > 0) {
    const names = loaded.secrets.map(secret => secret.envName).join(', ') || 'none';
    deps.log.info(`Loaded ${loaded.secrets.length} Key Vault ${loaded.secrets.length === 1 ? 'secret' : 'secrets'}: ${names}.`);
  }
  deps.log.info(
    `Signed in with auth-type '${credential.kind}' as client ${identity.clientId ?? '-'} (object ` +
      `${identity.objectId ?? '-'}) in tenant ${identity.tenantId ?? '-'}.`
  );
  deps.log.info(`Token for ${config.resource} expires at ${formatExpiry(token.expiresOn)}.`);
  return { token, identity, secrets: loaded.secrets };
}

/**
 * Opens the connections the step will need while its first request is on its way (issue 12):
 * Entra ID's token endpoint (two when the vault token is asked for alongside the resource token)
 * and each https vault, as many as its secrets will use at once. Only hosts of the credential
 * that was chosen: never IMDS, never a host behind a credential the step will not use.
 */
function warmConnections(config: Config, credential: Credential, http: Http): void {
  const vaultToken = vaultScope(config.cloud);
  if (credential.tokenOrigin) http.preconnect(credential.tokenOrigin, config.secrets.length > 0 && config.scope !== vaultToken ? 2 : 1);
  const perVault = new Map<string, number>();
  for (const reference of config.secrets) {
    // A listing's first page brings up to 25 secrets to fetch at once.
    perVault.set(reference.vault, (perVault.get(reference.vault) ?? 0) + (reference.kind === 'all' ? 25 : 1));
  }
  for (const [vault, count] of perVault) http.preconnect(vault, Math.min(count, MAX_REQUESTS_IN_FLIGHT));
}

/** The `secrets` input's values, all fetched and masked, or one error listing every failure. */
async function loadConfiguredSecrets(config: Config, deps: CoreDeps, tokens: TokenSource): Promise<SecretsLoad> {
  if (config.secrets.length === 0) return { secrets: [], warnings: [] };
  const scope = vaultScope(config.cloud);
  // The vault token's identity names the assignee in the role assignment commands of error hints.
  const assignee = identityOf((await tokens(scope)).token, config).objectId;
  return loadSecrets(
    config.secrets,
    { http: deps.http, now: () => deps.machine.now(), masker: deps.masker, tokens, log: deps.log },
    { scope, ignoreMissing: config.ignoreMissingSecrets, assignee }
  );
}
