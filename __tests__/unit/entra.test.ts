import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { spawnSync } from 'node:child_process';
import {
  ENTRA_EXPLANATIONS,
  type EntraTokenRequest,
  type PresentedAssertion,
  requestEntraToken
} from '../../src/entra.js';
import { ActionError } from '../../src/errors.js';
import { CLIENT_ID, NOW, TENANT_ID, testHttp, type TestHttp } from './support.js';

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
  credential: { clientSecret: 'S3cr3t~Value_ABC' }
};

const ASSERTION_REQUEST: EntraTokenRequest = {
  ...SECRET_REQUEST,
  credential: { clientAssertion: 'github.oidc.jwt' },
  presented: PRESENTED
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

const deps = (now: () => number = () => NOW) => ({ http, now, mask: (value: string) => masks.push(value) });

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

/** The ActionError a token request fails with. */
async function refusal(request: EntraTokenRequest, status: number, body: string | object): Promise<ActionError> {
  nock(AUTHORITY).post(TOKEN_PATH).reply(status, body);
  try {
    await requestEntraToken(deps(), request);
  } catch (error) {
    if (error instanceof ActionError) return error;
    throw error;
  }
  throw new Error('the token request succeeded');
}

const errorBody = (code: number, error = 'invalid_request') => ({
  error,
  error_description: `AADSTS${code}: What Entra ID said about it.\r\nTrace ID: 0000aaaa-1111\r\nCorrelation ID: 2222bbbb-3333\r\nTimestamp: 2026-11-23 12:00:00Z`,
  error_codes: [code],
  timestamp: '2026-11-23 12:00:00Z',
  trace_id: '0000aaaa-1111',
  correlation_id: '2222bbbb-3333'
});

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
    await requestEntraToken(deps(), { ...SECRET_REQUEST, authorityHost: 'https://login.microsoftonline.us', tenantId: 'contoso.onmicrosoft.us' });
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
    const token = await requestEntraToken(deps(() => clock.shift() ?? NOW + 30_000), SECRET_REQUEST);
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
    ['no expires_in', { access_token: 'at' }, 'Entra ID answered without a valid expires_in.'],
    ['expires_in not a number', { access_token: 'at', expires_in: 'soon' }, 'Entra ID answered without a valid expires_in.']
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

describe('errors explained', () => {
  it.each(Object.entries(ENTRA_EXPLANATIONS))('AADSTS%s: what it means and its fix', async (code, explanation) => {
    const error = await refusal(ASSERTION_REQUEST, 400, errorBody(Number(code)));
    const firstLine = error.message.split('\n')[0];
    expect(firstLine).toBe(`Entra ID refused the token request with AADSTS${code}: ${explanation.meaning}`);
    expect(error.message).toContain('Entra ID said: What Entra ID said about it.');
    expect(error.hint).toContain(explanation.fix.replace(/<client-id>/g, CLIENT_ID));
    expect(error.hint).not.toContain('<client-id>');
  });

  it.each([70021, 700211, 700212, 700213, 7002138, 70025])(
    'AADSTS%i shows what the federated token presented and the command that registers it',
    async code => {
      const error = await refusal(ASSERTION_REQUEST, 400, errorBody(code));
      expect(error.hint).toContain(
        [
          'The token presented:',
          '  issuer:   https://token.actions.githubusercontent.com',
          '  subject:  repo:octo-org/octo-repo:environment:prod',
          '  audience: api://AzureADTokenExchange'
        ].join('\n')
      );
      const command = /^ {2}az ad app federated-credential create --id (\S+) --parameters '(.*)'$/m.exec(error.hint ?? '');
      expect(command?.[1]).toBe(CLIENT_ID);
      expect(JSON.parse(command?.[2] ?? '')).toEqual({
        name: 'github-repo-octo-org-octo-repo-environment-prod',
        issuer: PRESENTED.issuer,
        subject: PRESENTED.subject,
        audiences: [PRESENTED.audience]
      });
    }
  );

  it('shows no federated-credential advice when no assertion was presented', async () => {
    const error = await refusal(SECRET_REQUEST, 400, errorBody(700213));
    expect(error.hint).not.toContain('federated-credential create');
  });

  (process.platform === 'win32' ? it.skip : it)('quotes the command for a shell even when the subject holds a quote', async () => {
    const presented = { ...PRESENTED, subject: "repo:octo-org/octo-repo:ref:refs/heads/it's-done" };
    const error = await refusal({ ...ASSERTION_REQUEST, presented }, 400, errorBody(700213));
    const line = (error.hint ?? '').split('\n').find(text => text.includes('az ad app federated-credential create')) ?? '';
    const parameters = line.slice(line.indexOf('--parameters ') + '--parameters '.length);
    // What a POSIX shell hands `az` as the --parameters argument.
    const echoed = spawnSync('sh', ['-c', `printf '%s' ${parameters}`], { encoding: 'utf8' });
    expect(JSON.parse(echoed.stdout)).toMatchObject({ subject: presented.subject });
  });

  it('explains an unknown code with what Entra ID said', async () => {
    const error = await refusal(SECRET_REQUEST, 400, errorBody(99999));
    expect(error.message).toBe(
      'Entra ID refused the token request with AADSTS99999: What Entra ID said about it.\nTrace ID: 0000aaaa-1111, correlation ID: 2222bbbb-3333'
    );
    expect(error.hint).toBeUndefined();
  });

  it('finds the code in error_description when error_codes is missing', async () => {
    const { error_codes: _, ...body } = errorBody(7000222, 'invalid_client');
    const error = await refusal(SECRET_REQUEST, 401, body);
    expect(error.message).toContain(`AADSTS7000222: ${ENTRA_EXPLANATIONS[7000222]?.meaning}`);
  });

  it('shows the trace and correlation ids', async () => {
    const error = await refusal(SECRET_REQUEST, 401, errorBody(7000215, 'invalid_client'));
    expect(error.message.split('\n')).toContain('Trace ID: 0000aaaa-1111, correlation ID: 2222bbbb-3333');
  });

  it('reports a non-JSON error answer by its status', async () => {
    const error = await refusal(SECRET_REQUEST, 400, '<html><body>Bad Request</body></html>');
    expect(error.message).toBe('Entra ID refused the token request with HTTP 400: the answer held no OAuth error');
    expect(error.hint).toBe(
      "Check that https://login.microsoftonline.com is an Entra ID authority ('authority-host', AZURE_AUTHORITY_HOST) and that no proxy answers in its place."
    );
  });

  it('reports a 5xx without an OAuth error, after the retries, as an outage', async () => {
    nock(AUTHORITY).post(TOKEN_PATH).times(3).reply(503, '<html><body>Service Unavailable</body></html>');
    const error = await refusal(SECRET_REQUEST, 503, '<html><body>Service Unavailable</body></html>');
    expect(error.message).toBe('Entra ID refused the token request with HTTP 503: the answer held no OAuth error');
    expect(error.hint).toBe('Entra ID kept failing through the retries: re-run the job (https://azure.status.microsoft shows outages).');
  });

  it('reports an OAuth error without a code by status and error', async () => {
    const error = await refusal(SECRET_REQUEST, 401, { error: 'invalid_client', error_description: 'Client authentication failed.' });
    expect(error.message).toBe('Entra ID refused the token request with HTTP 401 (invalid_client): Client authentication failed.');
  });

  it('never shows the client secret', async () => {
    const error = await refusal(SECRET_REQUEST, 401, errorBody(7000215, 'invalid_client'));
    expect(`${error.message}\n${error.hint}`).not.toContain('S3cr3t~Value_ABC');
  });
});
