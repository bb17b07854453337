/**
 * `managed-identity`: the token of the Azure resource the runner runs on, from the endpoint the
 * platform offers: App Service / Functions / Container Apps, Azure Arc, or the VM's instance
 * metadata service (IMDS). Wire format: docs/protocol.md#3-managed-identity.
 * The endpoints are plain http on loopback or link-local addresses; no bearer token goes there.
 */
import type { Context } from '../config.js';
import { ActionError, InputError } from '../errors.js';
import { externalText } from '../external-text.js';
import type { HttpResponse } from '../http.js';
import { readClaims, stringClaim } from '../jwt.js';
import { type ManagedIdentitySource, managedIdentityError, parseManagedIdentityToken } from '../managed-identity/answer.js';
import { requestArcToken } from '../managed-identity/arc.js';
import { imdsHost, requestImdsToken } from '../managed-identity/imds.js';
import type { AccessToken } from '../token.js';
import { type Credential, type CredentialDeps, scopeToResource } from './credential.js';
import type { ManagedIdentitySettings } from './settings.js';

/** Which endpoint the environment offers (msal-node's order, protocol.md#managed-identity-sources). */
export function managedIdentitySource(context: Context): ManagedIdentitySource {
  if (context.identityEndpoint && context.identityHeader) return 'app-service';
  if (context.identityEndpoint && context.imdsEndpoint) return 'arc';
  if (context.identityEndpoint) {
    throw new ActionError(
      'IDENTITY_ENDPOINT is set, but neither IDENTITY_HEADER (App Service, Functions, Container Apps) nor IMDS_ENDPOINT (Azure Arc) is.',
      'The platform sets these together: do not set IDENTITY_ENDPOINT by hand, or set the matching second variable.'
    );
  }
  return 'imds';
}

export function createManagedIdentityCredential(settings: ManagedIdentitySettings, deps: CredentialDeps): Credential {
  const { context, clientId } = settings;
  const source = managedIdentitySource(context);
  if (source === 'arc' && clientId) {
    throw new InputError(
      'client-id',
      'selects a user-assigned identity, but an Azure Arc machine has only its system-assigned identity.',
      "Remove 'client-id' to use the machine's identity."
    );
  }
  if (source === 'imds' && context.podIdentityAuthorityHost) {
    deps.log.info(`Managed identity: IMDS at ${imdsHost(context)} (AZURE_POD_IDENTITY_AUTHORITY_HOST).`);
  }

  const request = (resource: string): Promise<HttpResponse> => {
    const query = new URLSearchParams({ resource, ...(clientId ? { client_id: clientId } : {}) });
    switch (source) {
      case 'app-service': {
        const url = new URL(context.identityEndpoint as string);
        for (const [name, value] of new URLSearchParams({ 'api-version': '2019-08-01', ...Object.fromEntries(query) }))
          url.searchParams.set(name, value);
        const headers = { 'X-IDENTITY-HEADER': context.identityHeader as string };
        return deps.http.request({ method: 'GET', url: url.toString(), what: 'App Service managed identity endpoint', headers });
      }
      case 'arc':
        return requestArcToken(context, deps, resource);
      case 'imds':
        return requestImdsToken(deps.http, deps.machine, imdsHost(context), query);
    }
  };

  return {
    kind: 'managed-identity',
    async getToken(scope, options) {
      const resource = scopeToResource(scope);
      const startedAt = deps.machine.now();
      const response = await request(resource);
      if (response.status !== 200) throw managedIdentityError(response, { source, clientId, resource, masker: deps.masker });
      const token = parseManagedIdentityToken(response.json, startedAt, deps.machine.now(), deps.masker);
      checkTenant(token, options?.tenantId);
      return token;
    }
  };
}

/**
 * A managed identity lives in one tenant: a Key Vault in another tenant (its challenge names
 * that tenant) cannot be reached with it. Checked against the token's own `tid`.
 */
function checkTenant(token: AccessToken, wanted: string | undefined): void {
  if (wanted === undefined) return;
  const tenant = stringClaim(readClaims(token.token), 'tid');
  if (tenant !== undefined && tenant.toLowerCase() === wanted.toLowerCase()) return;
  throw new ActionError(
    `A managed identity gets tokens only in its own tenant (${externalText(tenant ?? 'unknown')}), and tenant ${wanted} was asked for.`,
    "Use a vault in the identity's tenant, or an app registration of that tenant (auth-type oidc, secret or certificate)."
  );
}
