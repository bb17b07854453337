/**
 * `oidc`: GitHub's OIDC token, presented to Entra ID as a federated client assertion.
 * Wire format: ../shared/reference/azure-protocol.md §1 (GitHub) and §2 (Entra ID).
 */
import type { Config } from '../config.js';
import { type PresentedAssertion, requestEntraToken } from '../entra.js';
import { ActionError } from '../errors.js';
import { jsonFields } from '../http.js';
import { readClaims, stringClaim } from '../jwt.js';
import { type Credential, type CredentialDeps, required } from './credential.js';

const PERMISSIONS_HINT =
  'Give the job `permissions: id-token: write` (and the calling workflow too, for a reusable workflow). ' +
  'Workflows triggered from forks and by Dependabot get no OIDC token: use another credential there.';

export function createOidcCredential(config: Config, deps: CredentialDeps): Credential {
  const clientId = required(config.clientId, 'client-id', "auth-type 'oidc' (the app registration's Application (client) ID)");
  const tenantId = required(config.tenantId, 'tenant-id', "auth-type 'oidc' (the Directory (tenant) ID)");
  const { oidcRequestUrl, oidcRequestToken } = config.runner;
  if (!oidcRequestUrl || !oidcRequestToken) {
    throw new ActionError('GitHub offers this job no OIDC token: ACTIONS_ID_TOKEN_REQUEST_URL is not set.', PERMISSIONS_HINT);
  }

  let logged = false;
  return {
    kind: 'oidc',
    async getToken(scope, options) {
      // A GitHub token lives about five minutes: each exchange gets one fetched right before it (§1).
      const { token, presented } = await fetchGitHubToken(deps, oidcRequestUrl, oidcRequestToken, config.oidcAudience);
      if (!logged) {
        logged = true;
        deps.log(`GitHub OIDC token: issuer ${presented.issuer}, subject ${presented.subject}, audience ${presented.audience}`);
      }
      return requestEntraToken(deps, {
        authorityHost: config.authorityHost,
        tenantId: options?.tenantId ?? tenantId,
        clientId,
        scope,
        credential: { clientAssertion: token },
        presented
      });
    }
  };
}

interface GitHubAssertion {
  readonly token: string;
  readonly presented: PresentedAssertion;
}

/** Asks GitHub for a fresh OIDC token for `audience`, masks it, and reads what it presents. */
async function fetchGitHubToken(deps: CredentialDeps, requestUrl: string, requestToken: string, audience: string): Promise<GitHubAssertion> {
  const url = new URL(requestUrl);
  url.searchParams.set('audience', audience);
  const response = await deps.http.request({
    method: 'GET',
    url: url.toString(),
    what: 'GitHub OIDC token service',
    bearerToken: requestToken
  });
  const body = jsonFields(response.json);
  if (response.status !== 200) {
    const said = typeof body['message'] === 'string' ? `: ${body['message']}` : '';
    // 401/403/404 mean this job may not have a token; anything else outlasted the retries.
    const refused = [401, 403, 404].includes(response.status);
    throw new ActionError(
      `GitHub ${refused ? 'refused' : 'failed'} the OIDC token request with HTTP ${response.status}${said}`,
      refused ? PERMISSIONS_HINT : "GitHub's OIDC token service kept failing through the retries: re-run the job (https://www.githubstatus.com shows outages)."
    );
  }
  const token = body['value'];
  if (typeof token !== 'string' || token === '') {
    throw new ActionError('GitHub answered the OIDC token request without a token (no "value" field).');
  }
  deps.mask(token);
  const claims = readClaims(token);
  const presented: PresentedAssertion = {
    issuer: stringClaim(claims, 'iss') ?? '(unknown)',
    subject: stringClaim(claims, 'sub') ?? '(unknown)',
    audience: stringClaim(claims, 'aud') ?? audience
  };
  return { token, presented };
}
