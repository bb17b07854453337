/**
 * sign-in-later-steps through the built dist/, under the machine's Node and Node 24: the main
 * step starts the token endpoint (dist/endpoint/), the test then acts as the job's later steps
 * with plain HTTP requests and with this action run again, and the post step stops it. What the
 * real clients (Azure CLI, the Azure SDKs for Python and JavaScript) do with it is in
 * later-steps-clients.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { DEFAULTS, decodeJwt, loadTestCertificate, startFakeAzure, type FakeAzure } from '../../test/fake-azure/server.js';
import { REPO_ROOT, type ActionResult } from '../../test/harness/runner.js';
import {
  NODES,
  endpointOf,
  expectNoLeaks,
  isRunning,
  logOf,
  oidcInputs,
  procView,
  removeRunDirs,
  runDist,
  secretInputs,
  stopStrayEndpoints
} from './support.js';

const ARM = 'https://management.azure.com';
const VAULT = 'https://vault.azure.net';
const STORAGE = 'https://storage.azure.com';
const CLI_ARM = 'https://management.core.windows.net/';
const TRACKING_ID = 'github_5e7a1c2b-0d3f-4e59-8a6b-7c1d2e3f4a5b';

// A few tests wait for a real expiry (2 s); a loaded machine makes every step slower.
jest.setTimeout(30_000);

let fake: FakeAzure;
let scratch: string;

beforeAll(async () => {
  fake = await startFakeAzure();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-later-steps-'));
});
afterEach(() => {
  fake.clearFaults();
  fake.clearRequests();
  delete fake.scenario.github.lifetimeSeconds;
  // Every test stops what it started (the post step does): nothing may be left running.
  expect(stopStrayEndpoints()).toEqual([]);
});
afterAll(async () => {
  stopStrayEndpoints();
  removeRunDirs();
  fs.rmSync(scratch, { recursive: true, force: true });
  await fake.close();
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** One request to the endpoint as a later step would make it: `url` is IDENTITY_ENDPOINT (or MSI_ENDPOINT + '/'), `query` appended. */
function ask(
  url: string,
  query: string,
  headers: Record<string, string>,
  options: { method?: string; host?: string } = {}
): Promise<Reply> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port: target.port,
        path: `${target.pathname}?${query}`,
        method: options.method ?? 'GET',
        headers: { Host: options.host ?? target.host, ...headers },
        agent: false
      },
      response => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', chunk => (text += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: JSON.parse(text) as Record<string, unknown> })
        );
      }
    );
    request.on('error', reject);
    request.end();
  });
}

const v2019 = (env: Record<string, string>, resource: string, extra = ''): Promise<Reply> =>
  ask(env['IDENTITY_ENDPOINT'] ?? '', `api-version=2019-08-01&resource=${encodeURIComponent(resource)}${extra}`, {
    'X-IDENTITY-HEADER': env['IDENTITY_HEADER'] ?? ''
  });

/** The token was signed by the fake's Entra ID, for `audience`. */
function expectIssuedByFake(token: unknown, audience: string): void {
  const jwt = decodeJwt(String(token));
  expect(jwt).not.toBeNull();
  if (!jwt) return;
  expect(crypto.verify('sha256', Buffer.from(jwt.signingInput), fake.entra.publicKey, jwt.signature)).toBe(true);
  expect(jwt.payload['aud']).toBe(audience);
}

const entraRequests = (): number => fake.requestsFor('entra').length;
const delay = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));

/** Waits until a JWT's `exp` (whole seconds) has passed on the fake's clock. */
async function untilExpired(token: string): Promise<void> {
  const exp = Number(decodeJwt(token)?.payload['exp']);
  await delay(Math.max(0, exp * 1000 - Date.now() + 50));
}

/** The endpoint's environment and command line hold none of the secrets, no input, and what the runner needs. */
function expectNoSecretsInProcess(pid: number, secrets: readonly string[]): void {
  if (process.platform !== 'linux') return;
  const { cmdline, environ } = procView(pid);
  expect(cmdline.trim().split('\n').slice(1)).toEqual([path.join(REPO_ROOT, 'dist', 'endpoint', 'index.js')]);
  for (const secret of secrets) {
    for (const line of secret.split('\n').filter(part => part.length > 3)) {
      expect(cmdline.includes(line)).toBe(false);
      expect(environ.includes(line)).toBe(false);
    }
  }
  const names = environ
    .split('\n')
    .filter(Boolean)
    .map(entry => entry.slice(0, entry.indexOf('=')));
  expect(
    names.filter(
      name => name.startsWith('INPUT_') || name.startsWith('ACTIONS_') || name.startsWith('IDENTITY_') || name.startsWith('MSI_')
    )
  ).toEqual([]);
  expect(environ).toContain(`RUNNER_TRACKING_ID=${TRACKING_ID}`);
}

/** After the post step: its one line (a warning when some mint failed), and the endpoint's process gone. */
function expectStopped(result: ActionResult, pid: number, line: string, as: 'info' | 'warning' = 'info'): void {
  expect(result.post?.exitCode).toBe(0);
  if (as === 'info') {
    expect(result.post?.stdout.split('\n')).toContain(line);
    expect(result.post?.warnings).toEqual([]);
  } else {
    expect(result.post?.warnings).toEqual([line]);
  }
  expect(pid).toBeGreaterThan(0);
  expect(isRunning(pid)).toBe(false);
}

describe.each(NODES)('sign-in-later-steps through dist/ under %s', (_label, node) => {
  it('oidc: both protocol versions answered, every refusal before any mint, the post line, nothing left running', async () => {
    let header = '';
    let pid = 0;
    const result = await runDist({
      node,
      inputs: oidcInputs(fake, { 'sign-in-later-steps': 'true' }),
      env: { ...fake.env.oidc, RUNNER_TRACKING_ID: TRACKING_ID },
      laterSteps: async ({ env, main }) => {
        expect(main.exitCode).toBe(0);
        const endpoint = endpointOf(main);
        pid = endpoint?.pid ?? 0;
        header = env['IDENTITY_HEADER'] ?? '';
        // The step ended while the endpoint runs on: the runner did not wait for it.
        expect(isRunning(pid)).toBe(true);
        expect(header).toMatch(/^[0-9a-f]{64}$/);
        expect(main.masks).toContain(header);
        expect(main.exportedEnv).toEqual({
          IDENTITY_ENDPOINT: endpoint?.url,
          IDENTITY_HEADER: header,
          MSI_ENDPOINT: endpoint?.url,
          MSI_SECRET: header
        });
        expect(main.outputs['token-endpoint']).toBe(endpoint?.url);
        expect(endpoint?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/msi\/token$/);
        expectNoSecretsInProcess(pid, [DEFAULTS.githubRequestToken, header]);

        const before = entraRequests();
        const refusals: Array<[string, Promise<Reply>, number]> = [
          [
            'a wrong header',
            ask(env['IDENTITY_ENDPOINT'] ?? '', `api-version=2019-08-01&resource=${ARM}`, { 'X-IDENTITY-HEADER': `${header.slice(1)}0` }),
            401
          ],
          ['no header', ask(env['IDENTITY_ENDPOINT'] ?? '', `api-version=2019-08-01&resource=${ARM}`, {}), 401],
          ['another client id', v2019(env, ARM, '&client_id=99999999-8888-7777-6666-555555555555'), 400],
          [
            'a forwarded request',
            ask(env['IDENTITY_ENDPOINT'] ?? '', `api-version=2019-08-01&resource=${ARM}`, {
              'X-IDENTITY-HEADER': header,
              'X-Forwarded-For': '10.1.2.3'
            }),
            400
          ],
          [
            'another Host',
            ask(
              env['IDENTITY_ENDPOINT'] ?? '',
              `api-version=2019-08-01&resource=${ARM}`,
              { 'X-IDENTITY-HEADER': header },
              { host: 'attacker.example' }
            ),
            400
          ],
          [
            'POST',
            ask(
              env['IDENTITY_ENDPOINT'] ?? '',
              `api-version=2019-08-01&resource=${ARM}`,
              { 'X-IDENTITY-HEADER': header },
              { method: 'POST' }
            ),
            405
          ],
          [
            'a bad api-version',
            ask(env['IDENTITY_ENDPOINT'] ?? '', `api-version=2018-02-01&resource=${ARM}`, { 'X-IDENTITY-HEADER': header }),
            400
          ]
        ];
        for (const [name, reply, status] of refusals) {
          const { status: got, body } = await reply;
          expect([name, got, Object.keys(body)]).toEqual([name, status, ['error', 'error_description']]);
        }
        expect(entraRequests()).toBe(before);

        const modern = await v2019(env, ARM);
        expect(modern.status).toBe(200);
        expect(Object.keys(modern.body)).toEqual(['access_token', 'expires_on', 'resource', 'token_type', 'client_id']);
        expect(modern.body).toMatchObject({ resource: ARM, token_type: 'Bearer', client_id: DEFAULTS.clientId });
        expect(Number(modern.body['expires_on'])).toBeGreaterThan(Date.now() / 1000 + 3500);
        expectIssuedByFake(modern.body['access_token'], ARM);

        // Azure CLI 2.45's request: MSI_ENDPOINT + "/?resource=R&api-version=2017-09-01", header `secret`.
        const legacy = await ask(`${env['MSI_ENDPOINT']}/`, `resource=${CLI_ARM}&api-version=2017-09-01`, {
          secret: env['MSI_SECRET'] ?? ''
        });
        expect(legacy.status).toBe(200);
        expect(legacy.body['expires_on']).toMatch(/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2} \+00:00$/);
        expect(legacy.body).toMatchObject({ resource: CLI_ARM, token_type: 'Bearer', client_id: DEFAULTS.clientId });
        expectIssuedByFake(legacy.body['access_token'], CLI_ARM);
        expect(entraRequests()).toBe(before + 2);
      }
    });

    expect(result.exitCode).toBe(0);
    expect(logOf(result)).toMatch(
      /Later steps are signed in as client 8a4c3b7e-2f1d-4e6a-9b5c-0d7e8f9a1b2c: token endpoint http:\/\/127\.0\.0\.1:\d+\/msi\/token \(IDENTITY_ENDPOINT, MSI_ENDPOINT\), started in \d+ ms; the post step stops it\./
    );
    expectStopped(result, pid, `Token endpoint stopped: served 2 tokens (${ARM} 1, ${CLI_ARM} 1), 0 failures, 7 refused requests.`);
    expect(fake.requestsFor('entra').every(request => request.status === 200)).toBe(true);
    expectNoLeaks(result, [header]);
  });

  it('oidc: a request after the GitHub token expired still gets a token, with a new GitHub token', async () => {
    fake.scenario.github.lifetimeSeconds = 2;
    let pid = 0;
    const result = await runDist({
      node,
      inputs: oidcInputs(fake, { 'sign-in-later-steps': 'true' }),
      env: fake.env.oidc,
      laterSteps: async ({ env, main }) => {
        pid = endpointOf(main)?.pid ?? 0;
        expect((await v2019(env, VAULT)).status).toBe(200);
        const github = fake.requestsFor('github');
        expect(github).toHaveLength(2);
        const assertion = fake.requestsFor('entra').at(-1)?.form?.['client_assertion'] ?? '';
        await untilExpired(assertion);

        const later = await v2019(env, STORAGE);
        expect(later.status).toBe(200);
        expectIssuedByFake(later.body['access_token'], STORAGE);
        expect(fake.requestsFor('github').map(request => request.status)).toEqual([200, 200, 200]);
        expect(fake.requestsFor('entra').at(-1)?.form?.['client_assertion']).not.toBe(assertion);
        // The first resource's token is still cached: no new GitHub token for it.
        expect((await v2019(env, VAULT)).status).toBe(200);
        expect(fake.requestsFor('github')).toHaveLength(3);
      }
    });
    expectStopped(result, pid, `Token endpoint stopped: served 3 tokens (${VAULT} 2, ${STORAGE} 1), 0 failures.`);
    expectNoLeaks(result);
  });

  it('secret: each mint sends the client secret again; nothing of it in the process', async () => {
    let pid = 0;
    const result = await runDist({
      node,
      inputs: secretInputs(fake, { 'sign-in-later-steps': 'true' }),
      env: { RUNNER_TRACKING_ID: TRACKING_ID },
      laterSteps: async ({ env, main }) => {
        pid = endpointOf(main)?.pid ?? 0;
        expectNoSecretsInProcess(pid, [DEFAULTS.clientSecret, env['IDENTITY_HEADER'] ?? '']);
        expect((await v2019(env, VAULT)).status).toBe(200);
        expect((await v2019(env, STORAGE)).status).toBe(200);
        const forms = fake.requestsFor('entra').map(request => request.form);
        expect(forms.map(form => [form?.['scope'], form?.['client_secret']])).toEqual([
          [`${ARM}/.default`, DEFAULTS.clientSecret],
          [`${VAULT}/.default`, DEFAULTS.clientSecret],
          [`${STORAGE}/.default`, DEFAULTS.clientSecret]
        ]);
      }
    });
    expectStopped(result, pid, `Token endpoint stopped: served 2 tokens (${STORAGE} 1, ${VAULT} 1), 0 failures.`);
    expectNoLeaks(result);
  });

  it('certificate: a new assertion per mint, from the key the main step read; nothing of the key in the process', async () => {
    const certificate = loadTestCertificate('client');
    let pid = 0;
    const result = await runDist({
      node,
      inputs: {
        'client-id': DEFAULTS.clientId,
        'tenant-id': DEFAULTS.tenantId,
        'client-certificate': certificate.combinedPath,
        'authority-host': fake.url,
        'sign-in-later-steps': 'true'
      },
      env: { RUNNER_TRACKING_ID: TRACKING_ID },
      laterSteps: async ({ env, main }) => {
        pid = endpointOf(main)?.pid ?? 0;
        expectNoSecretsInProcess(pid, [certificate.keyPem, env['IDENTITY_HEADER'] ?? '']);
        expect((await v2019(env, VAULT)).status).toBe(200);
        expect((await v2019(env, STORAGE)).status).toBe(200);
        const ids = fake.requestsFor('entra').map(request => decodeJwt(request.form?.['client_assertion'] ?? '')?.payload['jti']);
        expect(ids).toHaveLength(3);
        expect(new Set(ids).size).toBe(3);
      }
    });
    expect(result.outputs['auth-type']).toBe('certificate');
    expectStopped(result, pid, `Token endpoint stopped: served 2 tokens (${STORAGE} 1, ${VAULT} 1), 0 failures.`);
    expectNoLeaks(result, [certificate.keyPem]);
  });

  it('workload identity: the token file is read again for each mint', async () => {
    const file = path.join(scratch, `federated-${crypto.randomUUID()}.jwt`);
    // Valid long enough for the main step and the first mint, even on a loaded machine.
    const first = fake.github.mintToken({ aud: DEFAULTS.federatedAudience, exp: Math.floor(Date.now() / 1000) + 3 });
    fs.writeFileSync(file, first);
    let pid = 0;
    let second = '';
    const result = await runDist({
      node,
      inputs: { 'auth-type': 'workload-identity', 'authority-host': fake.url, 'sign-in-later-steps': 'true' },
      env: { AZURE_FEDERATED_TOKEN_FILE: file, AZURE_CLIENT_ID: DEFAULTS.clientId, AZURE_TENANT_ID: DEFAULTS.tenantId },
      laterSteps: async ({ env, main }) => {
        pid = endpointOf(main)?.pid ?? 0;
        expect((await v2019(env, VAULT)).status).toBe(200);
        // Kubernetes rotates the file; the old token expires.
        second = fake.github.mintToken({ aud: DEFAULTS.federatedAudience });
        fs.writeFileSync(file, second);
        await untilExpired(first);
        expect((await v2019(env, STORAGE)).status).toBe(200);
        expect(fake.requestsFor('entra').map(request => request.form?.['client_assertion'])).toEqual([first, first, second]);
      }
    });
    expectStopped(result, pid, `Token endpoint stopped: served 2 tokens (${STORAGE} 1, ${VAULT} 1), 0 failures.`);
    expectNoLeaks(result, [first, second]);
  });

  it('caches per resource, and mints again once a token is within five minutes of its expiry', async () => {
    let pid = 0;
    let short = '';
    const result = await runDist({
      node,
      inputs: secretInputs(fake, { 'sign-in-later-steps': 'true' }),
      laterSteps: async ({ env, main }) => {
        pid = endpointOf(main)?.pid ?? 0;
        // Entra ID hands the endpoint a token that lives 5 minutes and 2 seconds.
        short = fake.entra.mintAccessToken({
          tenantId: DEFAULTS.tenantId,
          resource: VAULT,
          clientId: DEFAULTS.clientId,
          objectId: DEFAULTS.servicePrincipalObjectId,
          lifetime: 302
        });
        fake.fault('entra', { status: 200, body: { token_type: 'Bearer', expires_in: 302, ext_expires_in: 302, access_token: short } });
        const answers = [await v2019(env, VAULT), await v2019(env, VAULT)];
        expect(answers.map(answer => answer.body['access_token'])).toEqual([short, short]);
        expect(entraRequests()).toBe(2);
        await delay(2_100);
        const renewed = await v2019(env, VAULT);
        expect(entraRequests()).toBe(3);
        expect(renewed.body['access_token']).not.toBe(short);
        expectIssuedByFake(renewed.body['access_token'], VAULT);
      }
    });
    expectStopped(result, pid, `Token endpoint stopped: served 3 tokens (${VAULT} 3), 0 failures.`);
    expectNoLeaks(result, [short]);
  });

  it("answers a failed mint with 500 and the step's explanation, and keeps serving", async () => {
    let pid = 0;
    const result = await runDist({
      node,
      inputs: secretInputs(fake, { 'sign-in-later-steps': 'true' }),
      laterSteps: async ({ env, main }) => {
        pid = endpointOf(main)?.pid ?? 0;
        fake.fault('entra', {
          status: 400,
          body: fake.entra.errorBody({ code: 7000222, error: 'invalid_client', message: 'The provided client secret keys are expired.' })
        });
        const failed = await v2019(env, VAULT);
        expect(failed.status).toBe(500);
        expect(failed.body['error']).toBe('server_error');
        expect(String(failed.body['error_description']).split('\n')).toEqual([
          "Getting a token for https://vault.azure.net with auth-type 'secret': Entra ID refused the token request with AADSTS7000222: The client secret has expired.",
          'Entra ID said: The provided client secret keys are expired.',
          expect.stringMatching(/^Trace ID: [\w-]+, correlation ID: [\w-]+$/),
          `Create a new secret (az ad app credential reset --id ${DEFAULTS.clientId} --append) and update the GitHub secret that holds it.`
        ]);
        expect((await v2019(env, VAULT)).status).toBe(200);
      }
    });
    expectStopped(result, pid, `Token endpoint stopped: served 1 token (${VAULT} 1), 1 failure.`, 'warning');
    expectNoLeaks(result);
  });

  it('the action run again in a later step, auth-type auto and no inputs, gets its token from the endpoint', async () => {
    let pid = 0;
    let again: ActionResult | undefined;
    const result = await runDist({
      node,
      inputs: secretInputs(fake, { 'sign-in-later-steps': 'true' }),
      laterSteps: async ({ env, main }) => {
        pid = endpointOf(main)?.pid ?? 0;
        again = await runDist({ node, inputs: { resource: 'keyvault', 'sign-in-later-steps': 'true' }, env });
      }
    });
    expect(again?.exitCode).toBe(0);
    expect(again?.outputs).toMatchObject({
      'auth-type': 'managed-identity',
      'client-id': DEFAULTS.clientId,
      'object-id': DEFAULTS.servicePrincipalObjectId
    });
    expectIssuedByFake(again?.outputs['access-token'], VAULT);
    // It is the managed identity of the later steps now: no second endpoint.
    expect(again?.notices).toEqual([
      expect.stringMatching(
        /^sign-in-later-steps: no token endpoint was started, because later steps can already use this runner's managed identity/
      )
    ]);
    expect(again?.state).toEqual({});
    expectStopped(result, pid, `Token endpoint stopped: served 1 token (${VAULT} 1), 0 failures.`);
    expectNoLeaks(result);
    if (again) expectNoLeaks(again, [result.exportedEnv['IDENTITY_HEADER'] ?? '']);
  });

  it('managed-identity and azure-cli start nothing, and say so', async () => {
    const identity = await runDist({
      node,
      inputs: { 'auth-type': 'managed-identity', 'sign-in-later-steps': 'true' },
      env: fake.env.appService
    });
    expect(identity.exitCode).toBe(0);
    expect(identity.notices).toEqual([
      "sign-in-later-steps: no token endpoint was started, because later steps can already use this runner's managed identity: DefaultAzureCredential or ManagedIdentityCredential of the Azure SDKs, az login --identity, and this action with auth-type managed-identity."
    ]);

    const bin = fs.mkdtempSync(path.join(scratch, 'az-'));
    const token = fake.entra.mintAccessToken({
      tenantId: DEFAULTS.tenantId,
      resource: ARM,
      clientId: DEFAULTS.clientId,
      objectId: DEFAULTS.servicePrincipalObjectId
    });
    const output = JSON.stringify({
      accessToken: token,
      expiresOn: '2099-01-01 00:00:00.000000',
      expires_on: Math.floor(Date.now() / 1000) + 3600,
      tenant: DEFAULTS.tenantId,
      tokenType: 'Bearer'
    });
    fs.writeFileSync(path.join(bin, 'az'), `#!${process.execPath}\nprocess.stdout.write(${JSON.stringify(output)});\n`, { mode: 0o755 });
    const cli = await runDist({ node, inputs: { 'auth-type': 'azure-cli', 'sign-in-later-steps': 'true' }, env: { PATH: bin } });
    expect(cli.exitCode).toBe(0);
    expect(cli.notices).toEqual([
      'sign-in-later-steps: no token endpoint was started, because later steps can already use the Azure CLI session this step used: az itself, AzureCliCredential (and DefaultAzureCredential) of the Azure SDKs, and this action with auth-type azure-cli.'
    ]);
    for (const result of [identity, cli]) {
      expect(result.state).toEqual({});
      expect(result.exportedEnv).toEqual({});
      expect(result.outputs['token-endpoint']).toBeUndefined();
      expect(result.post?.stdout).not.toContain('Token endpoint');
      expectNoLeaks(result, [token]);
    }
  });

  it('a failing main step starts nothing', async () => {
    const result = await runDist({
      node,
      inputs: secretInputs(fake, { 'client-secret': DEFAULTS.expiredClientSecret, 'sign-in-later-steps': 'true' })
    });
    expect(result.exitCode).toBe(1);
    expect(result.state).toEqual({});
    expect(result.exportedEnv).toEqual({});
    expect(result.outputs).toEqual({});
    // No endpoint process of this run, whatever its pid (stopStrayEndpoints also searches by RUNNER_TEMP).
    expect(stopStrayEndpoints()).toEqual([]);
    expectNoLeaks(result);
  });

  it('exports NO_PROXY with 127.0.0.1,localhost when a proxy is set, and the endpoint reaches Entra ID as the step did', async () => {
    let pid = 0;
    const result = await runDist({
      node,
      inputs: secretInputs(fake, { 'sign-in-later-steps': 'true' }),
      env: { HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9', NO_PROXY: '.internal.example' },
      laterSteps: async ({ env, main }) => {
        pid = endpointOf(main)?.pid ?? 0;
        expect(main.exportedEnv['NO_PROXY']).toBe('.internal.example,127.0.0.1,localhost');
        expect((await v2019(env, VAULT)).status).toBe(200);
      }
    });
    expectStopped(result, pid, `Token endpoint stopped: served 1 token (${VAULT} 1), 0 failures.`);
    expectNoLeaks(result);
  });

  it('the post step says so, without failing, when the endpoint is gone already', async () => {
    let pid = 0;
    const result = await runDist({
      node,
      inputs: secretInputs(fake, { 'sign-in-later-steps': 'true' }),
      laterSteps: async ({ main }) => {
        pid = endpointOf(main)?.pid ?? 0;
        process.kill(pid, 'SIGKILL');
        for (let tries = 0; tries < 100 && isRunning(pid); tries++) await delay(10);
      }
    });
    expect(result.post?.exitCode).toBe(0);
    expect(result.post?.stdout).toContain(`The token endpoint at ${endpointOf(result)?.url} had stopped already: nothing answers there.`);
    expect(result.post?.warnings).toEqual([]);
    expect(isRunning(pid)).toBe(false);
    expectNoLeaks(result);
  });
});
