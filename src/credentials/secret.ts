/** `secret`: an app registration's client secret, sent to the Entra ID token endpoint. */
import type { Config } from '../config.js';
import { requestEntraToken } from '../entra.js';
import { InputError } from '../errors.js';
import type { Credential, CredentialDeps } from './credential.js';

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

/** An input a credential cannot do without, named in the error when it is empty. */
export function required(value: string | undefined, input: string, purpose: string): string {
  if (!value) {
    throw new InputError(input, `is needed for ${purpose}.`);
  }
  return value;
}
