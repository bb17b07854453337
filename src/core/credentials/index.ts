/** Builds the credential the config asks for, resolving `auto` first. */
import type { Config } from '../config.js';
import { ActionError } from '../errors.js';
import type { AuthType } from '../input-values.js';
import { type AutoChoice, chooseAuthType, meantOidcWithoutToken, MISSING_ID_TOKEN_PERMISSION } from './auto.js';
import { createAzureCliCredential } from './azure-cli.js';
import { createCertificateCredential } from './certificate.js';
import type { Credential, CredentialDeps } from './credential.js';
import { createManagedIdentityCredential } from './managed-identity.js';
import { createOidcCredential } from './oidc.js';
import { createSecretCredential } from './secret.js';
import {
  azureCliSettings,
  certificateSettings,
  managedIdentitySettings,
  oidcSettings,
  secretSettings,
  workloadIdentitySettings
} from './settings.js';
import { createWorkloadIdentityCredential } from './workload-identity.js';

export type { Credential, CredentialDeps } from './credential.js';

export async function createCredential(config: Config, deps: CredentialDeps): Promise<Credential> {
  if (config.authType !== 'auto') return credentialOfKind(config.authType, config, deps);
  const choice = await chooseAuthType(config, deps);
  deps.log.info(`auth-type 'auto' chose '${choice.kind}': ${choice.because}.`);
  return explainingChoice(await credentialOfKind(choice.kind, config, deps), choice, meantOidcWithoutToken(config));
}

function credentialOfKind(kind: AuthType, config: Config, deps: CredentialDeps): Credential | Promise<Credential> {
  switch (kind) {
    case 'oidc':
      return createOidcCredential(oidcSettings(config), deps);
    case 'secret':
      return createSecretCredential(secretSettings(config), deps);
    case 'certificate':
      return createCertificateCredential(certificateSettings(config), deps);
    case 'managed-identity':
      return createManagedIdentityCredential(managedIdentitySettings(config), deps);
    case 'workload-identity':
      return createWorkloadIdentityCredential(workloadIdentitySettings(config), deps);
    case 'azure-cli':
      return createAzureCliCredential(azureCliSettings(config), deps);
  }
}

/**
 * When a credential `auto` picked fails, the user also learns why the ones before it did not
 * apply; and when the inputs meant OIDC but the job has no OIDC token, that comes first: `az`
 * on a GitHub-hosted runner is usually a missing `id-token: write`, not a missing login.
 */
function explainingChoice(credential: Credential, choice: AutoChoice, meantOidc: boolean): Credential {
  if (choice.ruledOut.length === 0) return credential;
  return {
    kind: credential.kind,
    ...(credential.subject ? { subject: credential.subject } : {}),
    ...(credential.tokenOrigin ? { tokenOrigin: credential.tokenOrigin } : {}),
    async getToken(scope, options) {
      try {
        return await credential.getToken(scope, options);
      } catch (error) {
        if (!(error instanceof ActionError)) throw error;
        const context =
          `auth-type 'auto' chose '${choice.kind}' because ${choice.because}, after ruling ` + `out:\n${choice.ruledOut.join('\n')}`;
        const headline = meantOidc ? MISSING_ID_TOKEN_PERMISSION : error.headline;
        const explained = new ActionError(error.message, error.hint ? `${error.hint}\n${context}` : context, headline);
        explained.name = error.name;
        throw explained;
      }
    }
  };
}
