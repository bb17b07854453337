/** `secret`: an app registration's client secret, sent to the Entra ID token endpoint. */
import { entraAppCredential } from '../entra/app-credential.js';
import type { Credential, CredentialDeps } from './credential.js';
import type { SecretSettings } from './settings.js';

export function createSecretCredential(settings: SecretSettings, deps: CredentialDeps): Credential {
  return entraAppCredential('secret', settings, deps, () => Promise.resolve({ clientSecret: settings.clientSecret }));
}
