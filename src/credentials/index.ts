/** Builds the credential the config asks for, resolving `auto` first. */
import type { AuthType, Config } from '../config.js';
import { InputError } from '../errors.js';
import { type AutoDeps, chooseAuthType } from './auto.js';
import type { Credential, CredentialDeps } from './credential.js';
import { createOidcCredential } from './oidc.js';
import { createSecretCredential } from './secret.js';

export async function createCredential(config: Config, deps: CredentialDeps & AutoDeps): Promise<Credential> {
  const kind = config.authType === 'auto' ? await chooseAuthType(config, deps) : config.authType;
  return credentialOfKind(kind, config, deps);
}

function credentialOfKind(kind: AuthType, config: Config, deps: CredentialDeps): Credential {
  switch (kind) {
    case 'oidc':
      return createOidcCredential(config, deps);
    case 'secret':
      return createSecretCredential(config, deps);
    default:
      throw new InputError('auth-type', `'${kind}' is not supported yet.`);
  }
}
