/**
 * The core's one job, for every front-end: the token for `resource` and every requested Key
 * Vault secret, the vault token requested alongside the resource token (one request when they
 * are the same), and Key Vault started the moment its token arrives.
 */
import type { Config } from './config.js';
import type { Credential } from './credentials/credential.js';
import type { Http } from './http.js';
import { type Identity, identityOf } from './identity.js';
import { type LoadedSecret, loadSecrets, type SecretsLoad, vaultScope } from './keyvault/load.js';
import type { Log } from './log.js';
import type { Machine } from './machine.js';
import type { Masker } from './masking.js';
import type { AccessToken } from './token.js';
import { cachedTokenSource, type TokenSource } from './token-cache.js';

export interface CoreDeps {
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
  const tokens = cachedTokenSource(credential, deps.log);
  const [token, loaded] = await Promise.all([tokens(config.scope), loadConfiguredSecrets(config, deps, tokens)]);
  const identity = identityOf(token.token, config);
  for (const warning of loaded.warnings) deps.log.warning(warning);
  if (config.secrets.length > 0) {
    const names = loaded.secrets.map(secret => secret.envName).join(', ') || 'none';
    deps.log.info(`Loaded ${loaded.secrets.length} Key Vault ${loaded.secrets.length === 1 ? 'secret' : 'secrets'}: ${names}.`);
  }
  return { token, identity, secrets: loaded.secrets };
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
