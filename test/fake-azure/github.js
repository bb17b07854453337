/**
 * GitHub Actions OIDC token service (§1): GET /github/idtoken?api-version=2.0&audience=AUD with
 * the job's request token as bearer, answering {"value": JWT} with the documented claims.
 */
import crypto from 'node:crypto';
import { nowSeconds, signJwt } from './jwt.js';
import { send } from './respond.js';

const SHA = 'f1d2d2f924e986ac86fdf7b36c94bcdf32beec15';

export function createGithub({ scenario, clock, keys }) {
  const config = scenario.github;

  /** The claims a push to main of octo-org/octo-repo presents; scenario.github.claims override. */
  function defaultClaims() {
    const repository = 'octo-org/octo-repo';
    const workflowRef = `${repository}/.github/workflows/deploy.yml@refs/heads/main`;
    return {
      ref: 'refs/heads/main',
      sha: SHA,
      repository,
      repository_id: '690079427',
      repository_owner: 'octo-org',
      repository_owner_id: '9919',
      repository_visibility: 'private',
      run_id: '9876543210',
      run_number: '42',
      run_attempt: '1',
      actor: 'octocat',
      actor_id: '583231',
      workflow: 'Deploy',
      workflow_ref: workflowRef,
      workflow_sha: SHA,
      job_workflow_ref: workflowRef,
      job_workflow_sha: SHA,
      event_name: 'push',
      ref_type: 'branch',
      ref_protected: 'true',
      head_ref: '',
      base_ref: '',
      runner_environment: 'github-hosted'
    };
  }

  /**
   * The subject presented: scenario.github.subject, or with subjectFormat 'immutable' the same
   * subject with the owner and repository carrying their numeric ids,
   * `repo:octo-org@9919/octo-repo@690079427:ref:refs/heads/main`.
   * Source: github/docs PR #45221; Azure/login#617
   */
  function subjectOf(claims) {
    if (config.subjectFormat !== 'immutable') return config.subject;
    return immutableSubject(config.subject, claims);
  }

  /** A signed OIDC token; `overrides` replace any claim (e.g. exp in the past, another sub). */
  function mintToken(overrides = {}) {
    const now = nowSeconds(clock);
    const claims = { ...defaultClaims(), ...config.claims };
    const payload = {
      jti: crypto.randomUUID(),
      sub: subjectOf(claims),
      aud: `https://github.com/${claims.repository_owner}`,
      ...claims,
      iss: config.issuer,
      // The docs' example: nbf 10 minutes before iat; tokens expire ~5 minutes after issue (§1),
      // or after scenario.github.lifetimeSeconds (a few seconds, for expiry tests).
      nbf: now - 600,
      iat: now,
      exp: now + (config.lifetimeSeconds ?? 300),
      ...overrides
    };
    return signJwt({ alg: 'RS256', kid: keys.github.kid, x5t: keys.github.x5t }, payload, keys.github.privateKey);
  }

  function handleIdToken(info, res) {
    if (info.headers.authorization !== `Bearer ${config.requestToken}`) {
      send(res, 401, { message: 'Bad credentials: the ACTIONS_ID_TOKEN_REQUEST_TOKEN is missing or wrong.' });
      return;
    }
    const overrides = info.query.audience === undefined ? {} : { aud: info.query.audience };
    send(res, 200, { value: mintToken(overrides) });
  }

  return { handleIdToken, mintToken };
}

/**
 * `repo:OWNER/REPO:rest` → `repo:OWNER@OWNER_ID/REPO@REPO_ID:rest` with the ids of `claims`
 * (repository_owner_id, repository_id); a subject in another form is returned unchanged.
 */
export function immutableSubject(subject, claims) {
  const match = /^repo:([^/:@]+)\/([^/:@]+)(:.*)$/.exec(subject);
  if (!match) return subject;
  const [, owner, repo, rest] = match;
  return `repo:${owner}@${claims.repository_owner_id}/${repo}@${claims.repository_id}${rest}`;
}
