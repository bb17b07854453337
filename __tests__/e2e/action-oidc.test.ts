/**
 * GitHub OIDC → Entra ID through the built dist/, under the machine's Node and Node 24: the
 * outputs and the requests on the wire, the token file and the post step, the job summary, the
 * three clouds through the TLS proxy with their real host names, and the OIDC failures a user meets.
 */
import { describe, it, expect, beforeAll, afterAll, afterEach } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFakeAzure, DEFAULTS, type FakeAzure, type Scenario } from '../../test/fake-azure/server.js';
import { NODES, claimsOf, expectNoLeaks, failureOf, logOf, oidcInputs, removeRunDirs, runDist } from './support.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The cloud's federated audience (spec: `audience` per cloud), each registered on the app. */
const CLOUDS = [
  {
    environment: 'AzureCloud',
    login: 'login.microsoftonline.com',
    audience: 'api://AzureADTokenExchange',
    arm: 'https://management.azure.com'
  },
  {
    environment: 'AzureUSGovernment',
    login: 'login.microsoftonline.us',
    audience: 'api://AzureADTokenExchangeUSGov',
    arm: 'https://management.usgovcloudapi.net'
  },
  {
    environment: 'AzureChinaCloud',
    login: 'login.chinacloudapi.cn',
    audience: 'api://AzureADTokenExchangeChina',
    arm: 'https://management.chinacloudapi.cn'
  }
];

/** The default app registration, with a federated credential for every cloud's audience. */
function everyCloudTenants(): Scenario['tenants'] {
  return [
    {
      id: DEFAULTS.tenantId,
      domains: [DEFAULTS.tenantDomain],
      apps: [
        {
          clientId: DEFAULTS.clientId,
          objectId: DEFAULTS.servicePrincipalObjectId,
          secrets: [DEFAULTS.clientSecret],
          federatedCredentials: [
            { issuer: DEFAULTS.githubIssuer, subject: DEFAULTS.githubSubject, audiences: CLOUDS.map(cloud => cloud.audience) }
          ]
        }
      ]
    }
  ];
}

let fake: FakeAzure;

beforeAll(async () => {
  fake = await startFakeAzure({ tls: true, tenants: everyCloudTenants() });
});
afterEach(() => {
  fake.clearFaults();
  fake.clearRequests();
  fake.proxyLog.length = 0;
});
afterAll(async () => {
  removeRunDirs();
  await fake.close();
});

describe.each(NODES)('oidc through dist/ under %s', (_label, node) => {
  it('gets a Resource Manager token: outputs from its claims, expiry in whole seconds, and the GitHub subject in the log', async () => {
    const before = Date.now();
    const result = await runDist({ node, inputs: oidcInputs(fake), env: fake.env.oidc });

    expect(result.exitCode).toBe(0);
    const { 'access-token': token = '', 'expires-on': expiresOn = '', ...identity } = result.outputs;
    expect(identity).toEqual({
      'token-type': 'Bearer',
      'tenant-id': DEFAULTS.tenantId,
      'client-id': DEFAULTS.clientId,
      'object-id': DEFAULTS.servicePrincipalObjectId,
      'auth-type': 'oidc'
    });
    expect(claimsOf(token)).toMatchObject({ aud: 'https://management.azure.com', appid: DEFAULTS.clientId });
    expect(expiresOn).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // Request time + expires_in (3599 s), to the second.
    expect(Date.parse(expiresOn)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 3598_000);
    expect(Date.parse(expiresOn)).toBeLessThanOrEqual(Date.now() + 3600_000);
    expect(result.masks).toContain(token);
    expect(logOf(result)).toContain(`subject ${DEFAULTS.githubSubject}`);
    expectNoLeaks(result);
  });

  it('asks GitHub for the cloud audience with the job request token, then presents it as a client assertion', async () => {
    const result = await runDist({ node, inputs: oidcInputs(fake, { resource: 'graph' }), env: fake.env.oidc });

    expect(result.exitCode).toBe(0);
    expect(fake.requests.map(request => `${request.route} ${request.status}`)).toEqual(['github 200', 'entra 200']);
    const [github, entra] = fake.requests;
    expect(github?.query['audience']).toBe('api://AzureADTokenExchange');
    expect(github?.headers['authorization']).toBe(`Bearer ${DEFAULTS.githubRequestToken}`);
    expect(entra?.path).toBe(`/${DEFAULTS.tenantId}/oauth2/v2.0/token`);
    expect(entra?.form).toMatchObject({
      grant_type: 'client_credentials',
      client_id: DEFAULTS.clientId,
      scope: 'https://graph.microsoft.com/.default',
      client_assertion_type: JWT_BEARER
    });
    expect(claimsOf(entra?.form?.['client_assertion'] ?? '')).toMatchObject({
      sub: DEFAULTS.githubSubject,
      aud: 'api://AzureADTokenExchange'
    });
    expect(entra?.form?.['client_secret']).toBeUndefined();
    expectNoLeaks(result);
  });

  it('writes the token file (mode 0600, relative to the workspace) and names it in the outputs', async () => {
    const result = await runDist({ node, inputs: oidcInputs(fake, { 'token-file': 'out/token.txt' }), env: fake.env.oidc, runPost: false });

    expect(result.exitCode).toBe(0);
    const file = path.join(result.workspace, 'out', 'token.txt');
    expect(result.outputs['token-file']).toBe(file);
    expect(fs.readFileSync(file, 'utf8')).toBe(result.outputs['access-token']);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expectNoLeaks(result);
  });

  it('the post step deletes the token file', async () => {
    const result = await runDist({ node, inputs: oidcInputs(fake, { 'token-file': 'token.txt' }), env: fake.env.oidc });

    expect(result.exitCode).toBe(0);
    expect(result.post?.exitCode).toBe(0);
    expect(fs.existsSync(path.join(result.workspace, 'token.txt'))).toBe(false);
    expect(logOf(result.post as typeof result)).toContain('token.txt');
    expectNoLeaks(result);
  });

  it('writes a job summary with the identity, resource and expiry, and no token', async () => {
    const result = await runDist({
      node,
      inputs: oidcInputs(fake, { 'job-summary': 'true', resource: 'https://vault.azure.net' }),
      env: fake.env.oidc
    });

    expect(result.exitCode).toBe(0);
    for (const text of [
      'oidc',
      DEFAULTS.clientId,
      DEFAULTS.servicePrincipalObjectId,
      DEFAULTS.tenantId,
      'https://vault.azure.net',
      result.outputs['expires-on'] ?? '-'
    ]) {
      expect(result.summary).toContain(text);
    }
    expectNoLeaks(result);
  });

  it.each(CLOUDS)('$environment: real host names through HTTPS_PROXY, the cloud audience and Resource Manager', async cloud => {
    const { 'authority-host': _local, ...inputs } = oidcInputs(fake, { environment: cloud.environment });
    const result = await runDist({ node, inputs, env: { ...fake.env.oidc, HTTPS_PROXY: fake.proxyUrl, NODE_EXTRA_CA_CERTS: fake.caFile } });

    expect(result.exitCode).toBe(0);
    expect(fake.proxyLog).toContain(`CONNECT ${cloud.login}:443`);
    const entra = fake.requestsFor('entra');
    expect(entra.map(request => request.host)).toEqual([cloud.login]);
    expect(fake.requestsFor('github')[0]?.query['audience']).toBe(cloud.audience);
    expect(claimsOf(result.outputs['access-token'] ?? '')['aud']).toBe(cloud.arm);
    expectNoLeaks(result);
  });
});

describe('oidc failures', () => {
  it('never overwrites an existing token-file: fails and hands nothing on', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'token-file-'));
    const file = path.join(dir, 'token.txt');
    fs.writeFileSync(file, 'keep me');
    try {
      const result = await runDist({ inputs: oidcInputs(fake, { 'token-file': file }), env: fake.env.oidc });

      expect(result.exitCode).toBe(1);
      expect(failureOf(result)).toContain(`The token file ${file} already exists.`);
      expect(fs.readFileSync(file, 'utf8')).toBe('keep me');
      expect(result.outputs).toEqual({});
      expectNoLeaks(result);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without the OIDC variables, fails at once saying the job needs id-token: write', async () => {
    const result = await runDist({ inputs: oidcInputs(fake) });

    expect(result.exitCode).toBe(1);
    expect(failureOf(result)).toContain('id-token: write');
    expect(fake.requests).toEqual([]);
    expect(result.outputs).toEqual({});
    expectNoLeaks(result);
  });

  it('a subject with no federated credential is explained: issuer, subject, audience and the command that adds one', async () => {
    const subject = 'repo:octo-org/octo-repo:environment:production';
    fake.scenario.github.subject = subject;
    try {
      const result = await runDist({ inputs: oidcInputs(fake), env: fake.env.oidc });

      expect(result.exitCode).toBe(1);
      const failure = failureOf(result);
      expect(failure).toContain('AADSTS700213');
      for (const text of [
        DEFAULTS.githubIssuer,
        subject,
        'api://AzureADTokenExchange',
        `az ad app federated-credential create --id ${DEFAULTS.clientId}`
      ]) {
        expect(failure).toContain(text);
      }
      expect(result.outputs).toEqual({});
      expectNoLeaks(result);
    } finally {
      fake.scenario.github.subject = DEFAULTS.githubSubject;
    }
  });

  it('the audience input is what GitHub is asked for; an unregistered one is explained', async () => {
    const result = await runDist({ inputs: oidcInputs(fake, { audience: 'api://SomethingElse' }), env: fake.env.oidc });

    expect(result.exitCode).toBe(1);
    expect(fake.requestsFor('github')[0]?.query['audience']).toBe('api://SomethingElse');
    const failure = failureOf(result);
    expect(failure).toContain('AADSTS70021');
    expect(failure).toContain('api://SomethingElse');
    expectNoLeaks(result);
  });
});
