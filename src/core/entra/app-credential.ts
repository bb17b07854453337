/**
 * One credential for every kind that signs in as an app registration (or a user-assigned
 * identity's federated credential) at the Entra ID token endpoint: client secret, certificate,
 * GitHub OIDC, workload identity. They differ only in how they prove who they are, which each
 * kind supplies, afresh for every exchange.
 */
import type { Credential, CredentialDeps } from '../credentials/credential.js';
import type { AuthType } from '../input-values.js';
import { type ClientProof, requestEntraToken, tokenEndpoint } from './token-endpoint.js';

export interface AppSettings {
  readonly clientId: string;
  readonly tenantId: string;
  readonly authorityHost: string;
}

/** The proof for one exchange with `tenantId`'s token endpoint (a certificate assertion names it as `aud`). */
type ProofSource = (exchange: { readonly tenantId: string; readonly tokenEndpoint: string }) => Promise<ClientProof>;

export function entraAppCredential(kind: AuthType, app: AppSettings, deps: CredentialDeps, proof: ProofSource): Credential {
  let subject: string | undefined;
  return {
    kind,
    subject: () => subject,
    tokenOrigin: new URL(tokenEndpoint(app.authorityHost, app.tenantId)).origin,
    async getToken(scope, options) {
      const tenantId = options?.tenantId ?? app.tenantId;
      const clientProof = await proof({ tenantId, tokenEndpoint: tokenEndpoint(app.authorityHost, tenantId) });
      if ('presented' in clientProof) subject = clientProof.presented?.subject;
      return requestEntraToken(
        { http: deps.http, clock: deps.machine, masker: deps.masker },
        { authorityHost: app.authorityHost, tenantId, clientId: app.clientId, scope, proof: clientProof }
      );
    }
  };
}
