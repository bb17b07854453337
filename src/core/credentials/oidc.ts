/**
 * `oidc`: GitHub's OIDC token, presented to Entra ID as a federated client assertion.
 * Wire format: docs/protocol.md#1-github-actions-oidc and #2-entra-id-v2-token-endpoint.
 */
import { entraAppCredential } from '../entra/app-credential.js';
import { type PresentedAssertion, presentedBy } from '../entra/token-endpoint.js';
import { ActionError } from '../errors.js';
import { externalText } from '../external-text.js';
import { answeredAfter } from '../http.js';
import { jsonFields, stringField } from '../json.js';
import type { Credential, CredentialDeps } from './credential.js';
import { type OidcSettings, PERMISSIONS_HINT } from './settings.js';

export function createOidcCredential(settings: OidcSettings, deps: CredentialDeps): Credential {
  let logged = false;
  // A GitHub token lives about five minutes: each exchange gets one fetched right before it
  // (protocol.md#oidc-token-lifetime). Exchanges that start together (the resource token and the
  // vault token) share the one fetch under way: it is fresh for each of them.
  let underWay: Promise<GitHubAssertion> | undefined;
  const fresh = (): Promise<GitHubAssertion> => {
    underWay ??= fetchGitHubToken(settings, deps).finally(() => {
      underWay = undefined;
    });
    return underWay;
  };
  return entraAppCredential('oidc', settings, deps, async () => {
    const { token, presented } = await fresh();
    if (!logged) {
      logged = true;
      deps.log.info(`GitHub OIDC token: issuer ${presented.issuer}, subject ${presented.subject}, audience ${presented.audience}`);
    }
    return { clientAssertion: token, presented };
  });
}

interface GitHubAssertion {
  readonly token: string;
  readonly presented: PresentedAssertion;
}

/** Asks GitHub for a fresh OIDC token for the audience, masks it, and reads what it presents. */
async function fetchGitHubToken(settings: OidcSettings, deps: CredentialDeps): Promise<GitHubAssertion> {
  const url = new URL(settings.requestUrl);
  url.searchParams.set('audience', settings.audience);
  const response = await deps.http.request({
    method: 'GET',
    url: url.toString(),
    what: 'GitHub OIDC token service',
    bearerToken: settings.requestToken
  });
  const body = jsonFields(response.json);
  if (response.status !== 200) {
    const message = stringField(body, 'message');
    const said = message ? `: ${externalText(message, { redact: text => deps.masker.redact(text) })}` : '';
    // 401/403/404 mean this job may not have a token; anything else outlasted the retries.
    const refused = [401, 403, 404].includes(response.status);
    throw new ActionError(
      refused ? `GitHub refused the OIDC token request with HTTP ${response.status}${said}` : `${answeredAfter(response)}${said}`,
      refused
        ? PERMISSIONS_HINT
        : "GitHub's OIDC token service kept failing through the retries: re-run the job (https://www.githubstatus.com shows outages)."
    );
  }
  const token = stringField(body, 'value');
  if (token === undefined) throw new ActionError('GitHub answered the OIDC token request without a token (no "value" field).');
  deps.masker.mask(token);
  return { token, presented: presentedBy(token, settings.audience) };
}
