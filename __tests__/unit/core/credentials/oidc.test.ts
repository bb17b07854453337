import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { type Config, readConfig } from '../../src/config.js';
import type { CredentialDeps } from '../../src/credentials/credential.js';
import { createOidcCredential } from '../../src/credentials/oidc.js';
import { ActionError, describeError } from '../../src/errors.js';
import { CLIENT_ID, fakeJwt, inputEnv, NOW, TENANT_ID, testHttp, type TestHttp } from './support.js';

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

const githubToken = (aud = 'api://AzureADTokenExchange', sub = SUBJECT, jti = 'first'): string => fakeJwt({ iss: ISSUER, sub, aud, jti });

function oidcConfig(inputs: Record<string, string> = {}, env: Record<string, string> = RUNNER_ENV): Config {
  return readConfig(
    { GITHUB_WORKSPACE: '/work/space', ...inputEnv({ 'auth-type': 'oidc', 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID, ...inputs }), ...env },
    () => undefined
  );
}

let http: TestHttp;
let clock: number;
/** Masks and logs, in the order they happened. */
let events: Array<['mask' | 'log', string]>;
let deps: CredentialDeps;

beforeEach(() => {
  nock.disableNetConnect();
  http = testHttp();
  clock = NOW;
  events = [];
  deps = {
    http,
    now: () => clock,
    mask: value => events.push(['mask', value]),
    log: message => events.push(['log', message])
  };
});
afterEach(() => {
  http.dispose();
  nock.cleanAll();
  nock.enableNetConnect();
});

/** GitHub's token service answering one request for `audience` with `token`. */
function github(audience: string, token: string): nock.Scope {
  return nock(GITHUB)
    .matchHeader('authorization', `Bearer ${REQUEST_TOKEN}`)
    .get(GITHUB_PATH)
    .query({ 'api-version': '2.0', audience })
    .reply(200, { value: token });
}

/** Entra ID answering one token request; records the form it received. */
function entra(forms: Array<Record<string, string>>, authority = 'https://login.microsoftonline.com', accessToken = 'access-token'): nock.Scope {
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
    const accessToken = await createOidcCredential(oidcConfig(), deps).getToken(ARM);
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
    await createOidcCredential(oidcConfig(inputs), deps).getToken(ARM);
    expect(githubScope.isDone()).toBe(true);
    expect(forms).toHaveLength(1);
  });

  it('masks the GitHub token before it logs what the token presents', async () => {
    const token = githubToken();
    github('api://AzureADTokenExchange', token);
    entra([]);
    await createOidcCredential(oidcConfig(), deps).getToken(ARM);
    expect(events).toEqual([
      ['mask', token],
      ['log', `GitHub OIDC token: issuer ${ISSUER}, subject ${SUBJECT}, audience api://AzureADTokenExchange`],
      ['mask', 'access-token']
    ]);
  });

  it('fetches a fresh GitHub token right before each exchange, and logs what it presents once', async () => {
    const first = githubToken('api://AzureADTokenExchange', SUBJECT);
    const second = githubToken('api://AzureADTokenExchange', SUBJECT, 'second');
    github('api://AzureADTokenExchange', first);
    github('api://AzureADTokenExchange', second);
    const forms: Array<Record<string, string>> = [];
    entra(forms, undefined, 'arm-token');
    entra(forms, undefined, 'vault-token');
    const logs: string[] = [];
    const credential = createOidcCredential(oidcConfig(), { ...deps, log: message => logs.push(message) });
    const tokens = await Promise.all([credential.getToken(ARM), credential.getToken(VAULT)]);
    expect(tokens.map(token => token.token).sort()).toEqual(['arm-token', 'vault-token']);
    expect(forms.map(form => form['client_assertion']).sort()).toEqual([first, second].sort());
    expect(logs).toEqual([`GitHub OIDC token: issuer ${ISSUER}, subject ${SUBJECT}, audience api://AzureADTokenExchange`]);
    expect(nock.isDone()).toBe(true);
  });
});

describe('when GitHub offers no token', () => {
  it.each([
    ['ACTIONS_ID_TOKEN_REQUEST_URL is missing', { ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN }],
    ['ACTIONS_ID_TOKEN_REQUEST_TOKEN is missing', { ACTIONS_ID_TOKEN_REQUEST_URL: RUNNER_ENV.ACTIONS_ID_TOKEN_REQUEST_URL }]
  ])('fails when %s, saying the job needs permissions: id-token: write', (_, env) => {
    expect(() => createOidcCredential(oidcConfig({}, env), deps)).toThrow(
      'GitHub offers this job no OIDC token: ACTIONS_ID_TOKEN_REQUEST_URL is not set.'
    );
    try {
      createOidcCredential(oidcConfig({}, env), deps);
    } catch (error) {
      expect(describeError(error)).toContain('permissions: id-token: write');
    }
  });

  it.each([
    ['client-id', { 'client-id': '' }, "Input 'client-id' is needed for auth-type 'oidc'"],
    ['tenant-id', { 'tenant-id': '' }, "Input 'tenant-id' is needed for auth-type 'oidc'"]
  ])('fails without %s', (_, inputs, message) => {
    expect(() => createOidcCredential(oidcConfig(inputs), deps)).toThrow(message);
  });

  it.each<[number, object, string]>([
    [403, { message: 'Resource not accessible by integration' }, 'GitHub refused the OIDC token request with HTTP 403: Resource not accessible by integration'],
    [404, {}, 'GitHub refused the OIDC token request with HTTP 404']
  ])('fails on HTTP %i, pointing at the permission', async (status, body, message) => {
    nock(GITHUB).get(GITHUB_PATH).query(true).reply(status, body);
    const failure = createOidcCredential(oidcConfig(), deps).getToken(ARM);
    await expect(failure).rejects.toThrow(message);
    const error = await failure.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ActionError);
    expect((error as ActionError).hint).toContain('permissions: id-token: write');
    expect(http.sleeps).toEqual([]);
  });

  it('fails on a GitHub outage that outlasted the retries, pointing at the outage, not the permission', async () => {
    nock(GITHUB).get(GITHUB_PATH).query(true).times(4).reply(503, { message: 'Service Unavailable' });
    const error = await createOidcCredential(oidcConfig(), deps).getToken(ARM).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ActionError);
    expect((error as ActionError).message).toBe('GitHub failed the OIDC token request with HTTP 503: Service Unavailable');
    expect((error as ActionError).hint).toBe(
      "GitHub's OIDC token service kept failing through the retries: re-run the job (https://www.githubstatus.com shows outages)."
    );
  });

  it('retries a GitHub 500', async () => {
    nock(GITHUB).get(GITHUB_PATH).query(true).reply(500);
    github('api://AzureADTokenExchange', githubToken());
    entra([]);
    await createOidcCredential(oidcConfig(), deps).getToken(ARM);
    expect(http.logs).toEqual(['GitHub OIDC token service answered 500; retrying in 0.5 s (attempt 2 of 4).']);
  });

  it('fails on an answer without a value', async () => {
    nock(GITHUB).get(GITHUB_PATH).query(true).reply(200, {});
    await expect(createOidcCredential(oidcConfig(), deps).getToken(ARM)).rejects.toThrow(
      'GitHub answered the OIDC token request without a token (no "value" field).'
    );
  });

  it('asks GitHub again after a failed request', async () => {
    nock(GITHUB).get(GITHUB_PATH).query(true).reply(403, {});
    github('api://AzureADTokenExchange', githubToken());
    entra([]);
    const credential = createOidcCredential(oidcConfig(), deps);
    await expect(credential.getToken(ARM)).rejects.toThrow('HTTP 403');
    await expect(credential.getToken(ARM)).resolves.toMatchObject({ token: 'access-token' });
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
    const failure = createOidcCredential(oidcConfig(), deps).getToken(ARM);
    const error = await failure.catch((caught: unknown) => caught);
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
