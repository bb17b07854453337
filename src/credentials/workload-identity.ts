/**
 * `workload-identity`: the Kubernetes service account token that AKS projects into the pod
 * (AZURE_FEDERATED_TOKEN_FILE), presented to Entra ID as a federated client assertion.
 * Wire format: ../shared/reference/azure-protocol.md §3 (AKS workload identity) and §2.
 */
import type { Config } from '../config.js';
import { type PresentedAssertion, requestEntraToken } from '../entra.js';
import { ActionError, InputError, messageOf } from '../errors.js';
import { readClaims, stringClaim } from '../jwt.js';
import type { Credential, MachineCredentialDeps } from './credential.js';

const WEBHOOK_HINT =
  "Label the pod azure.workload.identity/use: \"true\" and run it under a service account annotated with azure.workload.identity/client-id, so the webhook sets AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID and AZURE_TENANT_ID.";

export function createWorkloadIdentityCredential(config: Config, deps: MachineCredentialDeps): Credential {
  const { runner } = config;
  const tokenFile = runner.federatedTokenFile;
  if (!tokenFile) {
    throw new ActionError("auth-type 'workload-identity' needs AZURE_FEDERATED_TOKEN_FILE, and it is not set.", WEBHOOK_HINT);
  }
  const clientId = config.clientId ?? runner.azureClientId;
  if (!clientId) {
    throw new InputError('client-id', "is needed for auth-type 'workload-identity' when AZURE_CLIENT_ID is not set.", WEBHOOK_HINT);
  }
  const tenantId = config.tenantId ?? runner.azureTenantId;
  if (!tenantId) {
    throw new InputError('tenant-id', "is needed for auth-type 'workload-identity' when AZURE_TENANT_ID is not set.", WEBHOOK_HINT);
  }

  return {
    kind: 'workload-identity',
    async getToken(scope, options) {
      // Kubernetes rotates the file (the token lives about an hour): read it for every exchange.
      const assertion = await readFederatedToken(tokenFile, deps);
      return requestEntraToken(deps, {
        authorityHost: config.authorityHost,
        tenantId: options?.tenantId ?? tenantId,
        clientId,
        scope,
        credential: { clientAssertion: assertion.token },
        presented: assertion.presented
      });
    }
  };
}

interface FederatedToken {
  readonly token: string;
  readonly presented: PresentedAssertion;
}

/** The trimmed token of the file, masked, with what it presents (shown if Entra ID finds no match). */
async function readFederatedToken(file: string, deps: MachineCredentialDeps): Promise<FederatedToken> {
  let token: string;
  try {
    token = (await deps.machine.readFile(file)).toString('utf8').trim();
  } catch (error) {
    throw new ActionError(`Cannot read the federated token file AZURE_FEDERATED_TOKEN_FILE (${file}): ${messageOf(error)}`, WEBHOOK_HINT);
  }
  if (!token) {
    throw new ActionError(`The federated token file AZURE_FEDERATED_TOKEN_FILE (${file}) is empty.`, WEBHOOK_HINT);
  }
  deps.mask(token);
  const claims = readClaims(token);
  return {
    token,
    presented: {
      issuer: stringClaim(claims, 'iss') ?? '(unknown)',
      subject: stringClaim(claims, 'sub') ?? '(unknown)',
      audience: stringClaim(claims, 'aud') ?? '(unknown)'
    }
  };
}
