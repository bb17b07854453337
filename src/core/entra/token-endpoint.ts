/**
 * The Entra ID v2 token endpoint (client credentials). Wire format: docs/protocol.md#2-entra-id-v2-token-endpoint.
 */
import type { Http } from '../http.js';
import { jsonFields } from '../json.js';
import type { Masker } from '../masking.js';
import type { Clock } from '../machine.js';
import { ActionError } from '../errors.js';
import { externalText } from '../external-text.js';
import { readClaims, stringClaim } from '../jwt.js';
import { type AccessToken, checkNotExpired, expiryFromLifetime } from '../token.js';
import { explainEntraError } from './explanations.js';

/** Issuer, subject and audience of a federated token: what Entra ID matched, or failed to. */
export interface PresentedAssertion {
  readonly issuer: string;
  readonly subject: string;
  readonly audience: string;
}

/**
 * What a federated token presents, read from its claims as data (escaped: a token's claims are
 * not ours). Never used to decide anything: only shown when Entra ID finds no match.
 */
export function presentedBy(token: string, fallbackAudience: string): PresentedAssertion {
  const claims = readClaims(token);
  const claim = (name: string, fallback: string): string => externalText(stringClaim(claims, name) ?? fallback, { maxLength: 1000 });
  return { issuer: claim('iss', '(unknown)'), subject: claim('sub', '(unknown)'), audience: claim('aud', fallbackAudience) };
}

/** How the app proves who it is: its secret, or a signed assertion (its own, GitHub's, Kubernetes'). */
export type ClientProof =
  | { readonly clientSecret: string }
  | {
      readonly clientAssertion: string;
      /** For a federated assertion: shown when Entra ID finds no matching federated credential. */
      readonly presented?: PresentedAssertion;
    };

export interface EntraTokenRequest {
  readonly authorityHost: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly scope: string;
  readonly proof: ClientProof;
}

interface EntraDeps {
  readonly http: Http;
  readonly clock: Clock;
  readonly masker: Masker;
}

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export function tokenEndpoint(authorityHost: string, tenantId: string): string {
  return `${authorityHost}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;
}

/** Exchanges a client secret or assertion for an access token; the token is masked at once. */
export async function requestEntraToken(deps: EntraDeps, request: EntraTokenRequest): Promise<AccessToken> {
  const form = new URLSearchParams({ client_id: request.clientId, scope: request.scope, grant_type: 'client_credentials' });
  if ('clientSecret' in request.proof) {
    form.set('client_secret', request.proof.clientSecret);
  } else {
    form.set('client_assertion_type', JWT_BEARER);
    form.set('client_assertion', request.proof.clientAssertion);
  }
  const startedAt = deps.clock.now();
  // Client-credential requests are idempotent, so the HTTP layer may retry them.
  const response = await deps.http.request({
    method: 'POST',
    url: tokenEndpoint(request.authorityHost, request.tenantId),
    what: 'Entra ID token endpoint',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form.toString()
  });
  if (response.status !== 200) throw explainEntraError(response, request, deps.masker);
  return checkNotExpired(parseTokenResponse(response.json, startedAt, deps.masker), deps.clock.now(), 'Entra ID');
}

/** Reads `access_token` and `expires_in` (a number or a numeric string, docs/protocol.md#token-response). */
function parseTokenResponse(body: unknown, startedAt: number, masker: Masker): AccessToken {
  const fields = jsonFields(body);
  const token = fields['access_token'];
  if (typeof token !== 'string' || token === '') {
    throw new ActionError('Entra ID answered 200 without an access_token.');
  }
  masker.mask(token);
  const expiresOn = expiryFromLifetime(fields['expires_in'], startedAt);
  if (expiresOn === undefined) {
    throw new ActionError('Entra ID answered without a valid expires_in (a number of seconds up to 30 days).');
  }
  return { token, expiresOn };
}
