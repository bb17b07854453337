import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import nock from 'nock';
import { chooseAuthType, findOnPath, imdsHost, probeImds } from '../../src/credentials/auto.js';
import { createCredential } from '../../src/credentials/index.js';
import { describeError } from '../../src/errors.js';
import type { Http, HttpRequest } from '../../src/http.js';
import { configFrom, credentialDeps, fakeMachine } from './credential-support.js';
import { CLIENT_ID, TENANT_ID, testHttp } from './support.js';

let bin: string;
let azOnPath: string;
beforeAll(() => {
  nock.disableNetConnect();
  bin = fs.mkdtempSync(path.join(os.tmpdir(), 'auto-bin-'));
  fs.writeFileSync(path.join(bin, 'az'), '#!/bin/sh\n', { mode: 0o755 });
  azOnPath = `${bin}:/usr/bin`;
});
afterAll(() => {
  nock.enableNetConnect();
  fs.rmSync(bin, { recursive: true, force: true });
});
afterEach(() => nock.cleanAll());

const OIDC_ENV = {
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://pipelines.actions.githubusercontent.com/abc/idtoken?api-version=2.0',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token'
};
const IDS = { 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID };

/** What each platform puts in the runner's environment. */
const PLATFORMS: readonly (readonly [name: string, inputs: Record<string, string>, env: () => Record<string, string>, kind: string, probes: number])[] = [
  ['GitHub-hosted with OIDC (az is installed there too)', IDS, () => ({ RUNNER_ENVIRONMENT: 'github-hosted', PATH: azOnPath, ...OIDC_ENV }), 'oidc', 0],
  ['a client secret (wins over OIDC)', { ...IDS, 'client-secret': 'shh' }, () => ({ RUNNER_ENVIRONMENT: 'github-hosted', ...OIDC_ENV }), 'secret', 0],
  ["a client secret inside 'creds'", { creds: JSON.stringify({ clientId: CLIENT_ID, clientSecret: 'shh', tenantId: TENANT_ID }) }, () => ({}), 'secret', 0],
  ['a client certificate', { ...IDS, 'client-certificate': 'certs/app.pem' }, () => ({ ...OIDC_ENV }), 'certificate', 0],
  [
    'AKS with workload identity (self-hosted runner pod)',
    {},
    () => ({
      RUNNER_ENVIRONMENT: 'self-hosted',
      AZURE_FEDERATED_TOKEN_FILE: '/var/run/secrets/azure/tokens/azure-identity-token',
      AZURE_CLIENT_ID: CLIENT_ID,
      AZURE_TENANT_ID: TENANT_ID,
      AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.com/'
    }),
    'workload-identity',
    0
  ],
  [
    'Azure Container Apps job',
    {},
    () => ({ RUNNER_ENVIRONMENT: 'self-hosted', IDENTITY_ENDPOINT: 'http://localhost:42356/msi/token', IDENTITY_HEADER: 'h', PATH: azOnPath }),
    'managed-identity',
    0
  ],
  [
    'Azure Arc machine',
    {},
    () => ({ RUNNER_ENVIRONMENT: 'self-hosted', IDENTITY_ENDPOINT: 'http://localhost:40342/metadata/identity/oauth2/token', IMDS_ENDPOINT: 'http://localhost:40342' }),
    'managed-identity',
    0
  ],
  ['self-hosted on an Azure VM (IMDS answers)', {}, () => ({ RUNNER_ENVIRONMENT: 'self-hosted', PATH: azOnPath }), 'managed-identity', 1],
  ['GitHub-hosted after azure/login (no OIDC inputs)', {}, () => ({ RUNNER_ENVIRONMENT: 'github-hosted', PATH: azOnPath, ...OIDC_ENV }), 'azure-cli', 0]
];

describe('auth-type auto picks, in the contract order', () => {
  it.each(PLATFORMS)('%s', async (_, inputs, env, kind, probes) => {
    let probed = 0;
    const choice = await chooseAuthType(configFrom(inputs, env()), { imdsAnswers: async () => (probed++, true) }, 'linux');
    expect(choice.kind).toBe(kind);
    expect(probed).toBe(probes);
  });

  it('falls through to az on a self-hosted runner where IMDS does not answer', async () => {
    const choice = await chooseAuthType(configFrom({}, { RUNNER_ENVIRONMENT: 'self-hosted', PATH: azOnPath }), { imdsAnswers: async () => false }, 'linux');
    expect(choice).toEqual({
      kind: 'azure-cli',
      because: "'az' is on PATH",
      ruledOut: expect.arrayContaining(['  managed-identity (VM): the VM instance metadata service (IMDS) did not answer within 1 s'])
    });
  });

  it('lists every candidate and why it did not apply when none does', async () => {
    const config = configFrom({ 'client-id': CLIENT_ID }, { RUNNER_ENVIRONMENT: 'self-hosted', PATH: '/nonexistent' });
    let message = '';
    await chooseAuthType(config, { imdsAnswers: async () => false }, 'linux').catch(error => (message = describeError(error)));
    expect(message).toBe(
      [
        "auth-type 'auto' found no credential on this runner:",
        "  secret: no 'client-secret' input and no clientSecret in 'creds'",
        "  certificate: no 'client-certificate' input",
        "  oidc: no 'tenant-id', no ACTIONS_ID_TOKEN_REQUEST_URL (the job needs `permissions: id-token: write`)",
        '  workload-identity: AZURE_FEDERATED_TOKEN_FILE is not set (not an AKS workload identity pod)',
        '  managed-identity: IDENTITY_ENDPOINT is not set (not App Service, Functions, Container Apps or Azure Arc)',
        '  managed-identity (VM): the VM instance metadata service (IMDS) did not answer within 1 s',
        "  azure-cli: 'az' is not on PATH",
        "For GitHub-hosted runners, use OIDC: set 'client-id' and 'tenant-id' and give the job `permissions: id-token: write`."
      ].join('\n')
    );
  });

  it('says IMDS is probed only on self-hosted runners', async () => {
    let message = '';
    await chooseAuthType(configFrom({}, { RUNNER_ENVIRONMENT: 'github-hosted' }), { imdsAnswers: async () => true }, 'linux').catch(
      error => (message = describeError(error))
    );
    expect(message).toContain(
      '  managed-identity (VM): the VM instance metadata service (IMDS) is probed only on self-hosted runners (RUNNER_ENVIRONMENT=self-hosted)'
    );
  });
});

describe('createCredential with auto', () => {
  it('logs what it chose and why', async () => {
    const deps = { ...credentialDeps(fakeMachine()), imdsAnswers: async () => false };
    const credential = await createCredential(configFrom(IDS, OIDC_ENV), deps);
    expect(credential.kind).toBe('oidc');
    expect(deps.logs).toContain("auth-type 'auto' chose 'oidc': 'client-id', 'tenant-id' and GitHub's OIDC token are there.");
  });

  it('adds why the others did not apply when the chosen credential fails (az on a job without id-token: write)', async () => {
    const machine = fakeMachine({ processResult: { exitCode: 1, stdout: '', stderr: "ERROR: Please run 'az login' to setup account." } });
    const deps = { ...credentialDeps(machine), imdsAnswers: async () => false };
    const credential = await createCredential(configFrom(IDS, { RUNNER_ENVIRONMENT: 'github-hosted', PATH: azOnPath }), deps);
    let message = '';
    await credential.getToken('https://management.azure.com/.default').catch(error => (message = describeError(error)));
    expect(message).toContain("The Azure CLI is not signed in: ERROR: Please run 'az login' to setup account.\n");
    expect(message).toContain(
      "auth-type 'auto' chose 'azure-cli' because 'az' is on PATH, after ruling out:\n" +
        "  secret: no 'client-secret' input and no clientSecret in 'creds'\n" +
        "  certificate: no 'client-certificate' input\n" +
        '  oidc: no ACTIONS_ID_TOKEN_REQUEST_URL (the job needs `permissions: id-token: write`)\n'
    );
  });
});

describe('probeImds', () => {
  const PROBE_PATH = '/metadata/identity/oauth2/token';

  it('counts any answer as IMDS being there: one GET, no query, no Metadata header', async () => {
    const scope = nock('http://169.254.169.254', { badheaders: ['metadata'] })
      .get(PROBE_PATH)
      .reply(400, { error: 'invalid_request', error_description: 'Required metadata header not specified' });
    await expect(probeImds(testHttp(), 'http://169.254.169.254')).resolves.toBe(true);
    expect(scope.isDone()).toBe(true);
  });

  it('gives IMDS 1 s and one try', async () => {
    const requests: HttpRequest[] = [];
    const http: Http = {
      request: async request => {
        requests.push(request);
        return { status: 400, headers: {}, body: '', json: undefined, attempts: 1 };
      },
      dispose: () => undefined
    };
    await probeImds(http, 'http://169.254.169.254');
    expect(requests).toEqual([expect.objectContaining({ method: 'GET', timeoutMs: 1_000, retry: { attempts: 1 } })]);
    expect(requests[0]?.headers).toBeUndefined();
  });

  it('does not retry a 500: the answer is enough', async () => {
    nock('http://169.254.169.254').get(PROBE_PATH).once().reply(500);
    const http = testHttp();
    await expect(probeImds(http, 'http://169.254.169.254')).resolves.toBe(true);
    expect(http.sleeps).toEqual([]);
  });

  it("reads Docker Desktop's 403 \"unreachable\" as no IMDS", async () => {
    nock('http://169.254.169.254').get(PROBE_PATH).reply(403, 'A socket operation was attempted to an unreachable network.');
    await expect(probeImds(testHttp(), 'http://169.254.169.254')).resolves.toBe(false);
  });

  it('reads a network error as no IMDS, after one try', async () => {
    nock('http://169.254.169.254').get(PROBE_PATH).replyWithError(Object.assign(new Error('connect EHOSTUNREACH'), { code: 'EHOSTUNREACH' }));
    const http = testHttp();
    await expect(probeImds(http, 'http://169.254.169.254')).resolves.toBe(false);
    expect(http.sleeps).toEqual([]);
  });
});

describe('imdsHost and findOnPath', () => {
  it.each([
    [{}, 'http://169.254.169.254'],
    [{ AZURE_POD_IDENTITY_AUTHORITY_HOST: 'http://10.0.0.7:2579/' }, 'http://10.0.0.7:2579']
  ])('IMDS host for %j is %s', (env, host) => {
    expect(imdsHost(configFrom({}, env))).toBe(host);
  });

  it('finds az.cmd on Windows through PATHEXT, in ;-separated PATH', () => {
    fs.writeFileSync(path.join(bin, 'az.cmd'), '@echo off\r\n');
    const config = configFrom({}, { PATH: `C:\\Windows;${bin}`, PATHEXT: '.EXE;.CMD' });
    expect(findOnPath('az', config, 'win32')).toBe(path.join(bin, 'az.cmd'));
  });

  it('finds an executable az on Linux, and nothing where PATH has none', () => {
    expect(findOnPath('az', configFrom({}, { PATH: `/nonexistent:${bin}` }), 'linux')).toBe(path.join(bin, 'az'));
    expect(findOnPath('az', configFrom({}, { PATH: '/nonexistent' }), 'linux')).toBeUndefined();
  });
});
