import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import {
  type EntraTokenRequest,
  type PresentedAssertion,
  presentedBy,
  requestEntraToken
} from '../../../../src/core/entra/token-endpoint.js';
import { createMasker } from '../../../../src/core/masking.js';
import { CLIENT_ID, fakeJwt, NOW, TENANT_ID, testHttp, type TestHttp, testMachine } from '../../support.js';

const AUTHORITY = 'https://login.microsoftonline.com';
const TOKEN_PATH = `/${TENANT_ID}/oauth2/v2.0/token`;
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const PRESENTED: PresentedAssertion = {
  issuer: 'https://token.actions.githubusercontent.com',
  subject: 'repo:octo-org/octo-repo:environment:prod',
  audience: 'api://AzureADTokenExchange'
};

const SECRET_REQUEST: EntraTokenRequest = {
  authorityHost: AUTHORITY,
  tenantId: TENANT_ID,
  clientId: CLIENT_ID,
  scope: 'https://vault.azure.net/.default',
  proof: { clientSecret: 'S3cr3t~Value_ABC' }
};

const ASSERTION_REQUEST: EntraTokenRequest = {
  ...SECRET_REQUEST,
  proof: { clientAssertion: 'github.oidc.jwt', presented: PRESENTED }
};

let http: TestHttp;
let masks: string[];
beforeEach(() => {
  http = testHttp();
  masks = [];
});
afterEach(() => {
  http.dispose();
  nock.cleanAll();
});

const deps = (now: () => number = () => NOW) => ({ http, clock: testMachine({ now }), masker: createMasker(value => masks.push(value)) });

/** The form Entra ID received, as name → value. */
function recordForm(status: number, reply: object): { form: Record<string, string> } {
  const seen = { form: {} as Record<string, string> };
  nock(AUTHORITY)
    .matchHeader('content-type', 'application/x-www-form-urlencoded')
    .post(TOKEN_PATH, body => {
      seen.form = Object.fromEntries(new URLSearchParams(body as string));
      return true;
    })
    .reply(status, reply);
  return seen;
}

describe('the request on the wire', () => {
  it('posts the client secret as a form to {authority}/{tenant}/oauth2/v2.0/token', async () => {
    const seen = recordForm(200, { token_type: 'Bearer', expires_in: 3599, access_token: 'at' });
    await requestEntraToken(deps(), SECRET_REQUEST);
    expect(seen.form).toEqual({
      client_id: CLIENT_ID,
      scope: 'https://vault.azure.net/.default',
      grant_type: 'client_credentials',
      client_secret: 'S3cr3t~Value_ABC'
    });
  });

  it('posts a client assertion with its type, and no secret', async () => {
    const seen = recordForm(200, { token_type: 'Bearer', expires_in: 3599, access_token: 'at' });
    await requestEntraToken(deps(), ASSERTION_REQUEST);
    expect(seen.form).toEqual({
      client_id: CLIENT_ID,
      scope: 'https://vault.azure.net/.default',
      grant_type: 'client_credentials',
      client_assertion_type: JWT_BEARER,
      client_assertion: 'github.oidc.jwt'
    });
  });

  it('uses the authority host and tenant domain given', async () => {
    const scope = nock('https://login.microsoftonline.us')
      .post('/contoso.onmicrosoft.us/oauth2/v2.0/token')
      .reply(200, { expires_in: 60, access_token: 'at' });
    await requestEntraToken(deps(), {
      ...SECRET_REQUEST,
      authorityHost: 'https://login.microsoftonline.us',
      tenantId: 'contoso.onmicrosoft.us'
    });
    expect(scope.isDone()).toBe(true);
  });
});

describe('the token answer', () => {
  it.each([
    ['a number', 3599],
    ['a numeric string', '3599']
  ])('reads expires_in as %s; expiry = request start + expires_in', async (_, expiresIn) => {
    nock(AUTHORITY).post(TOKEN_PATH).reply(200, { token_type: 'Bearer', expires_in: expiresIn, access_token: 'the-access-token' });
    // The clock moves on while the request is in flight: the expiry counts from its start.
    const clock = [NOW, NOW + 10_000, NOW + 20_000];
    const token = await requestEntraToken(
      deps(() => clock.shift() ?? NOW + 30_000),
      SECRET_REQUEST
    );
    expect(token).toEqual({ token: 'the-access-token', expiresOn: new Date(NOW + 3_599_000) });
  });

  it('masks the token', async () => {
    nock(AUTHORITY).post(TOKEN_PATH).reply(200, { expires_in: 3599, access_token: 'the-access-token' });
    await requestEntraToken(deps(), SECRET_REQUEST);
    expect(masks).toEqual(['the-access-token']);
  });

  it.each<[string, object, string]>([
    ['no access_token', { token_type: 'Bearer', expires_in: 3599 }, 'Entra ID answered 200 without an access_token.'],
    ['an empty access_token', { expires_in: 3599, access_token: '' }, 'Entra ID answered 200 without an access_token.'],
    ['no expires_in', { access_token: 'at' }, 'Entra ID answered without a valid expires_in (a number of seconds up to 30 days).'],
    [
      'expires_in not a number',
      { access_token: 'at', expires_in: 'soon' },
      'Entra ID answered without a valid expires_in (a number of seconds up to 30 days).'
    ],
    ['expires_in true', { access_token: 'at', expires_in: true }, 'Entra ID answered without a valid expires_in'],
    ['expires_in [3599]', { access_token: 'at', expires_in: [3599] }, 'Entra ID answered without a valid expires_in'],
    ['expires_in in hex', { access_token: 'at', expires_in: '0x10' }, 'Entra ID answered without a valid expires_in'],
    ['expires_in 0', { access_token: 'at', expires_in: 0 }, 'Entra ID answered without a valid expires_in'],
    ['expires_in negative', { access_token: 'at', expires_in: -5 }, 'Entra ID answered without a valid expires_in'],
    [
      'expires_in of a million years',
      { access_token: 'at', expires_in: 31_536_000_000_000 },
      'Entra ID answered without a valid expires_in'
    ],
    ['expires_in past 30 days', { access_token: 'at', expires_in: 30 * 86_400 + 1 }, 'Entra ID answered without a valid expires_in']
  ])('fails on a 200 with %s', async (_, body, message) => {
    nock(AUTHORITY).post(TOKEN_PATH).reply(200, body);
    await expect(requestEntraToken(deps(), SECRET_REQUEST)).rejects.toThrow(message);
  });

  it('masks a token even when the answer is otherwise unusable', async () => {
    nock(AUTHORITY).post(TOKEN_PATH).reply(200, { access_token: 'the-access-token' });
    await expect(requestEntraToken(deps(), SECRET_REQUEST)).rejects.toThrow();
    expect(masks).toEqual(['the-access-token']);
  });
});

describe('what a federated token presents', () => {
  it('is read from its claims', () => {
    const token = fakeJwt({
      iss: 'https://token.actions.githubusercontent.com',
      sub: 'repo:o/r:ref:refs/heads/main',
      aud: 'api://AzureADTokenExchange'
    });
    expect(presentedBy(token, 'fallback')).toEqual({
      issuer: 'https://token.actions.githubusercontent.com',
      subject: 'repo:o/r:ref:refs/heads/main',
      audience: 'api://AzureADTokenExchange'
    });
  });

  it('is data: a claim with a line break cannot start a workflow command', () => {
    const token = fakeJwt({ iss: 'https://issuer', sub: 'repo:o/r\n::save-state name=token-file::/etc/passwd', aud: 'x' });
    expect(presentedBy(token, 'fallback').subject).toBe('repo:o/r\\n::save-state name=token-file::/etc/passwd');
  });

  it('falls back when the token is no JWT', () => {
    expect(presentedBy('not-a-jwt', 'api://AzureADTokenExchange')).toEqual({
      issuer: '(unknown)',
      subject: '(unknown)',
      audience: 'api://AzureADTokenExchange'
    });
  });
});
