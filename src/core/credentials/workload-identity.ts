/**
 * `workload-identity`: the Kubernetes service account token that AKS projects into the pod
 * (AZURE_FEDERATED_TOKEN_FILE), presented to Entra ID as a federated client assertion.
 * Wire format: docs/protocol.md#aks-workload-identity and #2-entra-id-v2-token-endpoint.
 */
import { entraAppCredential } from '../entra/app-credential.js';
import { presentedBy } from '../entra/token-endpoint.js';
import { CredentialFileError } from '../errors.js';
import { FileReadError } from '../machine.js';
import type { Credential, CredentialDeps } from './credential.js';
import { WEBHOOK_HINT, type WorkloadIdentitySettings } from './settings.js';

/** A projected service account token is about 1 KB; anything near this is not one. */
const MAX_TOKEN_FILE_BYTES = 64 * 1024;

export function createWorkloadIdentityCredential(settings: WorkloadIdentitySettings, deps: CredentialDeps): Credential {
  // Kubernetes rotates the file (the token lives about an hour): read it for every exchange.
  return entraAppCredential('workload-identity', settings, deps, async () => {
    const token = await readFederatedToken(settings.tokenFile, deps);
    return { clientAssertion: token, presented: presentedBy(token, '(unknown)') };
  });
}

/** The trimmed token of the file, masked. */
async function readFederatedToken(file: string, deps: CredentialDeps): Promise<string> {
  const what = `The federated token file AZURE_FEDERATED_TOKEN_FILE (${file})`;
  let token: string;
  try {
    token = (await deps.machine.readRegularFile(file, MAX_TOKEN_FILE_BYTES)).toString('utf8').trim();
  } catch (error) {
    const why = error instanceof FileReadError ? error.message : String(error);
    throw new CredentialFileError(`${what} cannot be read: ${why}.`, WEBHOOK_HINT);
  }
  if (!token) throw new CredentialFileError(`${what} is empty.`, WEBHOOK_HINT);
  deps.masker.mask(token);
  return token;
}
