/** `secret`: an app registration's client secret, sent to the Entra ID token endpoint. */
import type { Config } from '../config.js';
import { requestEntraToken } from '../entra.js';
import { InputError } from '../errors.js';
import { type Credential, type CredentialDeps, required } from './credential.js';

export function createSecretCredential(config: Config, deps: CredentialDeps): Credential {
  const clientSecret = config.clientSecret;
  if (!clientSecret) {
    throw new InputError('client-secret', "is needed for auth-type 'secret' (or give 'creds' with clientSecret).");
  }
  const clientId = required(config.clientId, 'client-id', "auth-type 'secret'");
  const tenantId = required(config.tenantId, 'tenant-id', "auth-type 'secret'");
  return {
    kind: 'secret',
    getToken: (scope, options) =>
      requestEntraToken(deps, {
        authorityHost: config.authorityHost,
        tenantId: options?.tenantId ?? tenantId,
        clientId,
        scope,
        credential: { clientSecret }
      })
  };
}
