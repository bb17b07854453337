/** Builds the credential the config asks for, resolving `auto` first. */
import type { AuthType, Config } from '../config.js';
import { ActionError } from '../errors.js';
import { type AutoChoice, type AutoDeps, chooseAuthType } from './auto.js';
import { createAzureCliCredential } from './azure-cli.js';
import { createCertificateCredential } from './certificate.js';
import type { Credential, MachineCredentialDeps } from './credential.js';
import { createManagedIdentityCredential } from './managed-identity.js';
import { createOidcCredential } from './oidc.js';
import { createSecretCredential } from './secret.js';
import { createWorkloadIdentityCredential } from './workload-identity.js';

export async function createCredential(config: Config, deps: MachineCredentialDeps & AutoDeps): Promise<Credential> {
  if (config.authType !== 'auto') return credentialOfKind(config.authType, config, deps);
  const choice = await chooseAuthType(config, deps, deps.machine.platform);
  deps.log(`auth-type 'auto' chose '${choice.kind}': ${choice.because}.`);
  return explainingChoice(await credentialOfKind(choice.kind, config, deps), choice);
}

function credentialOfKind(kind: AuthType, config: Config, deps: MachineCredentialDeps): Credential | Promise<Credential> {
  switch (kind) {
    case 'oidc':
      return createOidcCredential(config, deps);
    case 'secret':
      return createSecretCredential(config, deps);
    case 'certificate':
      return createCertificateCredential(config, deps);
    case 'managed-identity':
      return createManagedIdentityCredential(config, deps);
    case 'workload-identity':
      return createWorkloadIdentityCredential(config, deps);
    case 'azure-cli':
      return createAzureCliCredential(config, deps);
  }
}

/**
 * When a credential `auto` picked fails, the user also learns why the ones before it did not
 * apply: `az` on a GitHub-hosted runner is usually a missing `id-token: write`, not a missing login.
 */
function explainingChoice(credential: Credential, choice: AutoChoice): Credential {
  if (choice.ruledOut.length === 0) return credential;
  return {
    kind: credential.kind,
    async getToken(scope, options) {
      try {
        return await credential.getToken(scope, options);
      } catch (error) {
        if (!(error instanceof ActionError)) throw error;
        const context = `auth-type 'auto' chose '${choice.kind}' because ${choice.because}, after ruling out:\n${choice.ruledOut.join('\n')}`;
        const explained = new ActionError(error.message, error.hint ? `${error.hint}\n${context}` : context);
        explained.name = error.name;
        throw explained;
      }
    }
  };
}
