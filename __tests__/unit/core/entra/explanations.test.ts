import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { spawnSync } from 'node:child_process';
import { type EntraTokenRequest, type PresentedAssertion, requestEntraToken } from '../../../../src/core/entra/token-endpoint.js';
import { ActionError } from '../../../../src/core/errors.js';
import { createMasker } from '../../../../src/core/masking.js';
import { CLIENT_ID, NOW, TENANT_ID, testHttp, type TestHttp, testMachine } from '../../support.js';

const AUTHORITY = 'https://login.microsoftonline.com';
const TOKEN_PATH = `/${TENANT_ID}/oauth2/v2.0/token`;

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

describe('errors explained', () => {
  // Written out: a change to any explanation's meaning or fix must fail here (never read from the table the code uses).
  it.each<[number, string, string]>([
    [
      70021,
      'No federated credential of the app matches the issuer, subject and audience of the token presented.',
      'Add a federated credential with exactly the values below.'
    ],
    [
      700211,
      'No federated credential of the app has the issuer of the token presented.',
      'Add a federated credential with exactly the values below (issuer included).'
    ],
    [
      700212,
      'No federated credential of the app has the audience of the token presented.',
      "Add a federated credential with the audience below, or set the action's 'audience' input to the one registered."
    ],
    [
      700213,
      'No federated credential of the app has the subject of the token presented.',
      "The subject depends on the trigger and on the job's `environment:`, and GitHub writes it by name (repo:OWNER/REPO:...) or, for repositories created or renamed since 2026-07-15, with immutable ids (repo:OWNER@ID/REPO@ID:...). Add a federated credential for exactly the subject below: it is the one this job presents."
    ],
    [
      7002138,
      'A federated credential matches the subject only if letter case is ignored, and Entra ID compares subjects case-sensitively.',
      'Change the registered subject to exactly the one below, letter case included.'
    ],
    [70025, 'The app has no federated credential at all.', 'Add a federated credential with exactly the values below.'],
    [
      700024,
      'The client assertion is outside its valid time range: it expired, or the runner clock is wrong.',
      'The action fetches a fresh assertion for every request, so check the runner clock (a self-hosted runner should sync it with NTP).'
    ],
    [
      700016,
      'No application with this client ID exists in the tenant.',
      "Check 'client-id' and 'tenant-id' against the app registration's overview page, and that 'environment' names the app's cloud."
    ],
    [
      7000215,
      'The client secret is wrong.',
      `Give the secret's Value, not its Secret ID. Create a new one with: az ad app credential reset --id CLIENT --append`
    ],
    [
      7000222,
      'The client secret has expired.',
      `Create a new secret (az ad app credential reset --id CLIENT --append) and update the GitHub secret that holds it.`
    ],
    [
      700027,
      "The client assertion's signature does not verify: the certificate is not registered on the app, or it signed with another key.",
      `Upload the certificate to the app: az ad app credential reset --id CLIENT --cert @cert.pem --append`
    ],
    [
      50012,
      'The client assertion is invalid, or its certificate is not registered on the app.',
      `Upload the certificate to the app: az ad app credential reset --id CLIENT --cert @cert.pem --append`
    ],
    [
      90002,
      'The tenant does not exist in this cloud.',
      "Check 'tenant-id', and that 'environment' names the tenant's cloud (a US Government or China tenant is not found in AzureCloud)."
    ],
    [
      500011,
      'The resource is not known in the tenant.',
      "Check 'resource' for a typo; an app's own API must have a service principal in the tenant."
    ],
    [
      70011,
      'The scope is not valid.',
      "Give 'resource' as one resource URI (https://graph.microsoft.com) or one scope ending in /.default."
    ],
    [700022, 'The scope names more than one resource.', 'Ask for one resource per step: run the action once for each resource.'],
    [
      7000218,
      'The request carried neither a client secret nor a client assertion.',
      'Set the credential the app expects: client-secret, client-certificate, or OIDC federation.'
    ],
    [900144, 'A required parameter of the token request is missing.', 'Check that client-id, tenant-id and the credential inputs are set.'],
    [
      7000112,
      'The application is disabled.',
      "Enable the app's service principal (Enterprise applications > Properties > Enabled for users to sign in)."
    ],
    [7000229, 'The app has no service principal in the tenant.', `Create one: az ad sp create --id CLIENT`],
    [
      53003,
      'A Conditional Access policy blocked the sign-in.',
      "Ask a tenant admin to allow this workload identity (Conditional Access for workload identities), or the runner's network location."
    ],
    [90055, 'The tenant is throttling token requests.', 'Wait a few minutes, and spread jobs out (a matrix with max-parallel).'],
    [
      50196,
      'Entra ID detected a loop of identical token requests.',
      'Request each token once per job step; wait a few minutes and re-run.'
    ],
    [50173, 'The grant was revoked.', 'Sign in again to get a fresh credential.']
  ])('AADSTS%i: what it means and its fix', async (code, meaning, fix) => {
    const error = await refusal(ASSERTION_REQUEST, 400, errorBody(code));
    expect(error.message.split('\n')).toEqual([
      `Entra ID refused the token request with AADSTS${code}: ${meaning}`,
      'Entra ID said: What Entra ID said about it.',
      'Trace ID: 0000aaaa-1111, correlation ID: 2222bbbb-3333'
    ]);
    expect(error.hint?.split('\n')[0]).toBe(fix.replace('CLIENT', CLIENT_ID));
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
    const error = await refusal({ ...ASSERTION_REQUEST, proof: { clientAssertion: 'github.oidc.jwt', presented } }, 400, errorBody(700213));
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
    expect(error.message).toContain('AADSTS7000222: The client secret has expired.');
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
    expect(error.message).toBe(
      `Entra ID token endpoint (POST ${AUTHORITY}${TOKEN_PATH}) answered HTTP 503 after 4 attempts: the answer held no OAuth error`
    );
    expect(error.hint).toBe('Entra ID kept failing through the retries: re-run the job (https://azure.status.microsoft shows outages).');
  });

  it('names the endpoint, the status and the attempts when a 5xx carries an OAuth-looking body', async () => {
    nock(AUTHORITY).post(TOKEN_PATH).times(3).reply(500, { error: 'InjectedFault', error_description: 'injected' });
    const error = await refusal(SECRET_REQUEST, 500, { error: 'InjectedFault', error_description: 'injected' });
    expect(error.message).toBe(
      `Entra ID token endpoint (POST ${AUTHORITY}${TOKEN_PATH}) answered HTTP 500 after 4 attempts (InjectedFault): injected`
    );
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

describe('Entra ID text is data', () => {
  it('shows trace ids once when a newer description puts them on its first line', async () => {
    const error = await refusal(SECRET_REQUEST, 401, {
      error: 'invalid_client',
      error_description:
        'AADSTS7000215: Invalid client secret provided. Trace ID: 0000aaaa-1111 Correlation ID: 2222bbbb-3333 Timestamp: 2026-11-23 12:00:00Z',
      error_codes: [7000215],
      trace_id: '0000aaaa-1111',
      correlation_id: '2222bbbb-3333'
    });
    expect(error.message.split('\n')).toEqual([
      'Entra ID refused the token request with AADSTS7000215: The client secret is wrong.',
      'Entra ID said: Invalid client secret provided.',
      'Trace ID: 0000aaaa-1111, correlation ID: 2222bbbb-3333'
    ]);
  });

  it('escapes a description that would start a workflow command, and replaces a secret it quotes', async () => {
    const masker = createMasker(() => undefined);
    masker.mask('S3cr3t~Value_ABC');
    nock(AUTHORITY).post(TOKEN_PATH).reply(400, {
      error: 'invalid_request',
      error_description: 'AADSTS99999: bad S3cr3t~Value_ABC\r::add-mask::x\n::save-state name=token-file::/etc/passwd'
    });
    const error = (await requestEntraToken({ http, clock: testMachine(), masker }, SECRET_REQUEST).catch(
      (caught: unknown) => caught
    )) as ActionError;
    expect(error.message).toBe('Entra ID refused the token request with AADSTS99999: bad ***\\r::add-mask::x');
  });
});

describe('a Kubernetes service account token (AKS workload identity)', () => {
  it("AADSTS700213: the fix names the pod's service account, and the credential name no GitHub", async () => {
    const presented = {
      issuer: 'https://westeurope.oic.prod-aks.azure.com/tenant/issuer/',
      subject: 'system:serviceaccount:deploy:runner',
      audience: 'api://AzureADTokenExchange'
    };
    const error = await refusal({ ...ASSERTION_REQUEST, proof: { clientAssertion: 'k8s.jwt', presented } }, 400, errorBody(700213));
    const hint = (error.hint ?? '').split('\n');
    expect(hint[0]).toBe(
      "The subject is the pod's service account, system:serviceaccount:NAMESPACE:NAME: add a federated credential for exactly the subject below."
    );
    expect(hint).toContain(
      "(for a user-assigned managed identity: az identity federated-credential create --name federated-system-serviceaccount-deploy-runner --identity-name <identity> --resource-group <group> --issuer 'https://westeurope.oic.prod-aks.azure.com/tenant/issuer/' --subject 'system:serviceaccount:deploy:runner' --audiences 'api://AzureADTokenExchange')"
    );
  });
});
