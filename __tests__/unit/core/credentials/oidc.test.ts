import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import type { Config } from '../../../../src/core/config.js';
import type { CredentialDeps } from '../../../../src/core/credentials/credential.js';
import { createCredential } from '../../../../src/core/credentials/index.js';
import { createOidcCredential } from '../../../../src/core/credentials/oidc.js';
import { oidcSettings } from '../../../../src/core/credentials/settings.js';
import { ActionError, describeError } from '../../../../src/core/errors.js';
import { createMasker } from '../../../../src/core/masking.js';
import { configFrom, failureOf } from '../../credential-support.js';
import { CLIENT_ID, fakeJwt, recordingLog, type RecordingLog, TENANT_ID, testHttp, type TestHttp, testMachine } from '../../support.js';

const GITHUB = 'https://pipelines.actions.githubusercontent.com';
const GITHUB_PATH = '/abc123/idtoken';
const REQUEST_TOKEN = 'github-request-token';
const RUNNER_ENV = {
  ACTIONS_ID_TOKEN_REQUEST_URL: `${GITHUB}${GITHUB_PATH}?api-version=2.0`,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN
};
const ISSUER = 'https://token.actions.githubusercontent.com';
const SUBJECT = 'repo:octo-org/octo-repo:environment:prod';
const ARM = 'https://management.azure.com/.default';
const VAULT = 'https://vault.azure.net/.default';

const PERMISSIONS_HINT =
  'Give the job `permissions: id-token: write` (and the calling workflow too, for a reusable workflow). ' +
  'Workflows triggered from forks and by Dependabot get no OIDC token: use another credential there.';

const githubToken = (aud = 'api://AzureADTokenExchange', sub = SUBJECT, jti = 'first'): string => fakeJwt({ iss: ISSUER, sub, aud, jti });

function oidcConfig(inputs: Record<string, string> = {}, env: Record<string, string> = RUNNER_ENV): Config {
  return configFrom({ 'auth-type': 'oidc', 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID, ...inputs }, env);
}

let http: TestHttp;
let log: RecordingLog;
/** Masks and logs, in the order they happened. */
let events: Array<['mask' | 'log', string]>;
let deps: CredentialDeps;

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => {
  http = testHttp();
  events = [];
  log = recordingLog();
  deps = {
    http,
    machine: testMachine(),
    masker: createMasker(value => events.push(['mask', value])),
    log: { ...log, info: message => (log.info(message), events.push(['log', message])) }
  };
});
afterEach(() => {
  http.dispose();
  nock.cleanAll();
});

const oidcCredential = (config: Config = oidcConfig()) => createOidcCredential(oidcSettings(config), deps);

/** GitHub's token service answering one request for `audience` with `token`. */
function github(audience: string, token: string): nock.Scope {
  return nock(GITHUB)
    .matchHeader('authorization', `Bearer ${REQUEST_TOKEN}`)
    .get(GITHUB_PATH)
    .query({ 'api-version': '2.0', audience })
    .reply(200, { value: token });
}

/** Entra ID answering one token request; records the form it received. */
function entra(
  forms: Array<Record<string, string>>,
  authority = 'https://login.microsoftonline.com',
  accessToken = 'access-token'
): nock.Scope {
  return nock(authority)
    .post(`/${TENANT_ID}/oauth2/v2.0/token`, body => {
      forms.push(Object.fromEntries(new URLSearchParams(body as string)));
      return true;
    })
    .reply(200, { token_type: 'Bearer', expires_in: 3599, access_token: accessToken });
}

describe('the GitHub token, then the exchange', () => {
  it('asks GitHub on the wire as @actions/core does, then presents its token to Entra ID', async () => {
    const token = githubToken();
    let githubUrl = '';
    nock(GITHUB)
      .matchHeader('authorization', `Bearer ${REQUEST_TOKEN}`)
      .get(GITHUB_PATH)
      .query(true)
      .reply(function () {
        githubUrl = this.req.path;
        return [200, { value: token }];
      });
    const forms: Array<Record<string, string>> = [];
    entra(forms);
    const credential = oidcCredential();
    const accessToken = await credential.getToken(ARM);
    expect(githubUrl).toBe(`${GITHUB_PATH}?api-version=2.0&audience=api%3A%2F%2FAzureADTokenExchange`);
    expect(forms).toEqual([
      {
        client_id: CLIENT_ID,
        scope: ARM,
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: token
      }
    ]);
    expect(accessToken.token).toBe('access-token');
    expect(credential.kind).toBe('oidc');
    expect(credential.subject?.()).toBe(SUBJECT);
  });

  it.each<[string, Record<string, string>, string, string]>([
    ['AzureCloud', {}, 'api://AzureADTokenExchange', 'https://login.microsoftonline.com'],
    ['AzureUSGovernment', { environment: 'AzureUSGovernment' }, 'api://AzureADTokenExchangeUSGov', 'https://login.microsoftonline.us'],
    ['AzureChinaCloud', { environment: 'AzureChinaCloud' }, 'api://AzureADTokenExchangeChina', 'https://login.chinacloudapi.cn'],
    ['the audience input', { audience: 'api://MyCustomExchange' }, 'api://MyCustomExchange', 'https://login.microsoftonline.com']
  ])('asks for the audience of %s', async (_, inputs, audience, authority) => {
    const githubScope = github(audience, githubToken(audience));
    const forms: Array<Record<string, string>> = [];
    entra(forms, authority);
    await oidcCredential(oidcConfig(inputs)).getToken(ARM);
    expect(githubScope.isDone()).toBe(true);
    expect(forms).toHaveLength(1);
  });

  it('masks the GitHub token before it logs what the token presents', async () => {
    const token = githubToken();
    github('api://AzureADTokenExchange', token);
    entra([]);
    await oidcCredential().getToken(ARM);
    expect(events).toEqual([
      ['mask', token],
      ['log', `GitHub OIDC token: issuer ${ISSUER}, subject ${SUBJECT}, audience api://AzureADTokenExchange`],
      ['mask', 'access-token']
    ]);
  });

  it('fetches a fresh GitHub token for each exchange (exchanges that start together share the one under way), and logs what it presents once', async () => {
    const first = githubToken('api://AzureADTokenExchange', SUBJECT);
    const second = githubToken('api://AzureADTokenExchange', SUBJECT, 'second');
    github('api://AzureADTokenExchange', first);
    github('api://AzureADTokenExchange', second);
    const forms: Array<Record<string, string>> = [];
    entra(forms, undefined, 'arm-token');
    entra(forms, undefined, 'vault-token');
    entra(forms, undefined, 'graph-token');
    const credential = oidcCredential();
    // The resource token and the vault token, asked for at once: one GitHub token, fresh for both.
    const together = await Promise.all([credential.getToken(ARM), credential.getToken(VAULT)]);
    expect(together.map(token => token.token).sort()).toEqual(['arm-token', 'vault-token']);
    expect(forms.map(form => form['client_assertion'])).toEqual([first, first]);
    // A later exchange (the token endpoint minting for a later step) gets a new one.
    await credential.getToken('https://graph.microsoft.com/.default');
    expect(forms[2]?.['client_assertion']).toBe(second);
    expect(log.infos).toEqual([`GitHub OIDC token: issuer ${ISSUER}, subject ${SUBJECT}, audience api://AzureADTokenExchange`]);
    expect(nock.isDone()).toBe(true);
  });
});

describe('when GitHub offers no token', () => {
  // The check lives in settings.ts (settings.test.ts); here it is seen as a workflow sees it, through createCredential.
  it.each([
    ['ACTIONS_ID_TOKEN_REQUEST_URL is missing', { ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN }],
    ['ACTIONS_ID_TOKEN_REQUEST_TOKEN is missing', { ACTIONS_ID_TOKEN_REQUEST_URL: RUNNER_ENV.ACTIONS_ID_TOKEN_REQUEST_URL }]
  ])('fails when %s, saying the job needs permissions: id-token: write, before any request', async (_, env) => {
    const message = await failureOf(createCredential(oidcConfig({}, env), deps));
    expect(message).toBe(`GitHub offers this job no OIDC token: ACTIONS_ID_TOKEN_REQUEST_URL is not set.\n${PERMISSIONS_HINT}`);
  });

  it.each<[number, object, string]>([
    [
      403,
      { message: 'Resource not accessible by integration' },
      'GitHub refused the OIDC token request with HTTP 403: Resource not accessible by integration'
    ],
    [404, {}, 'GitHub refused the OIDC token request with HTTP 404']
  ])('fails on HTTP %i, pointing at the permission', async (status, body, message) => {
    nock(GITHUB).get(GITHUB_PATH).query(true).reply(status, body);
    const error = await oidcCredential()
      .getToken(ARM)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ActionError);
    expect((error as ActionError).message).toBe(message);
    expect((error as ActionError).hint).toBe(PERMISSIONS_HINT);
    expect(http.sleeps).toEqual([]);
  });

  it('fails on a GitHub outage that outlasted the retries, pointing at the outage, not the permission', async () => {
    nock(GITHUB).get(GITHUB_PATH).query(true).times(4).reply(503, { message: 'Service Unavailable' });
    const error = await oidcCredential()
      .getToken(ARM)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ActionError);
    expect((error as ActionError).message).toBe(
      'GitHub OIDC token service (GET https://pipelines.actions.githubusercontent.com/abc123/idtoken) answered HTTP 503 after 4 attempts: Service Unavailable'
    );
    expect((error as ActionError).hint).toBe(
      "GitHub's OIDC token service kept failing through the retries: re-run the job (https://www.githubstatus.com shows outages)."
    );
    expect(nock.isDone()).toBe(true);
  });

  it('retries a GitHub 500', async () => {
    nock(GITHUB).get(GITHUB_PATH).query(true).reply(500);
    github('api://AzureADTokenExchange', githubToken());
    entra([]);
    await oidcCredential().getToken(ARM);
    expect(http.logs).toEqual([
      'GitHub OIDC token service (GET https://pipelines.actions.githubusercontent.com/abc123/idtoken) answered 500; retrying in 0.5 s (attempt 2).'
    ]);
  });

  it('fails on an answer without a value', async () => {
    nock(GITHUB).get(GITHUB_PATH).query(true).reply(200, {});
    expect(await failureOf(oidcCredential().getToken(ARM))).toBe(
      'GitHub answered the OIDC token request without a token (no "value" field).'
    );
  });

  it('asks GitHub again after a failed request', async () => {
    nock(GITHUB).get(GITHUB_PATH).query(true).reply(403, {});
    github('api://AzureADTokenExchange', githubToken());
    entra([]);
    const credential = oidcCredential();
    await expect(credential.getToken(ARM)).rejects.toThrow('GitHub refused the OIDC token request with HTTP 403');
    await expect(credential.getToken(ARM)).resolves.toMatchObject({ token: 'access-token' });
  });

  it("shows GitHub's message as data, with known secrets redacted", async () => {
    deps.masker.mask('leaked-value');
    nock(GITHUB).get(GITHUB_PATH).query(true).reply(403, { message: 'token leaked-value refused\n::save-state name=x::1' });
    const error = (await oidcCredential()
      .getToken(ARM)
      .catch((caught: unknown) => caught)) as ActionError;
    expect(error.message).toBe('GitHub refused the OIDC token request with HTTP 403: token *** refused\\n::save-state name=x::1');
  });
});

describe('when Entra ID finds no matching federated credential', () => {
  it('AADSTS700213 shows the subject GitHub presented and how to register it', async () => {
    const subject = 'repo:octo-org/octo-repo:ref:refs/heads/main';
    github('api://AzureADTokenExchange', githubToken('api://AzureADTokenExchange', subject));
    nock('https://login.microsoftonline.com')
      .post(`/${TENANT_ID}/oauth2/v2.0/token`)
      .reply(400, {
        error: 'invalid_request',
        error_description: `AADSTS700213: No matching federated identity record found for presented assertion subject '${subject}'.`,
        error_codes: [700213]
      });
    const error = await oidcCredential()
      .getToken(ARM)
      .catch((caught: unknown) => caught);
    const text = describeError(error);
    expect(text).toContain('AADSTS700213');
    expect(text).toContain(`  subject:  ${subject}`);
    expect(text).toContain(`  issuer:   ${ISSUER}`);
    expect(text).toContain('  audience: api://AzureADTokenExchange');
    expect(text).toContain(`az ad app federated-credential create --id ${CLIENT_ID} --parameters '{`);
    expect(text).not.toContain(githubToken('api://AzureADTokenExchange', subject));
    expect(text).not.toContain(REQUEST_TOKEN);
  });
});

// What the oidc kind needs before it can be built ('client-id', 'tenant-id', GitHub's token): settings.test.ts.
