import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { chooseAuthType, meantOidcWithoutToken } from '../../../../src/core/credentials/auto.js';
import { createCredential } from '../../../../src/core/credentials/index.js';
import type { Http, HttpRequest } from '../../../../src/core/http.js';
import { RequestFailedError } from '../../../../src/core/http.js';
import { configFrom, credentialDeps, failureOf, fakeMachine, type FakeMachine } from '../../credential-support.js';
import { CLIENT_ID, recordingLog, TENANT_ID, testHttp } from '../../support.js';

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => nock.cleanAll());

const AZ = '/opt/az/bin/az';
const AZ_ON_PATH = '/opt/az/bin:/usr/bin';
const OIDC_ENV = {
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://pipelines.actions.githubusercontent.com/abc/idtoken?api-version=2.0',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token'
};
const IDS = { 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID };
/** Outside a workflow: a developer's machine, a script. */
const NO_WORKFLOW = { GITHUB_ACTIONS: '' };

const MISSING_ID_TOKEN_PERMISSION =
  "The job has no GitHub OIDC token: 'client-id' and 'tenant-id' are given for OIDC, and the job needs `permissions: id-token: write`.";
const NOTHING_FOUND_HINT =
  "For GitHub-hosted runners, use OIDC: set 'client-id' and 'tenant-id' and give the job `permissions: id-token: write`.";
const LOGIN_HINT =
  "Sign the CLI in earlier in the job (azure/login), or run `az login` as the runner's user on a self-hosted runner. " +
  "On GitHub-hosted runners prefer auth-type 'oidc': it needs no az login step.";

/** An HTTP layer where only the IMDS probe is expected: it answers (400, as IMDS does without Metadata) or not at all. */
function imdsProbe(answers: boolean): Http & { readonly probes: HttpRequest[] } {
  const probes: HttpRequest[] = [];
  return {
    probes,
    request: async request => {
      probes.push(request);
      if (!answers)
        throw new RequestFailedError('IMDS probe failed after 1 attempt: no answer within 1.0 s', 'hint', true, 'no answer within 1.0 s');
      return {
        status: 400,
        headers: {},
        body: '{"error":"invalid_request"}',
        json: { error: 'invalid_request' },
        attempts: 1,
        endpoint: 'IMDS probe'
      };
    },
    preconnect: () => undefined,
    dispose: () => undefined
  };
}

/** What chooseAuthType is handed: the probe, a machine where az is AZ, and a log. */
function autoDeps(imdsAnswers: boolean, machine: FakeMachine = fakeMachine({ executables: [AZ] })) {
  return { http: imdsProbe(imdsAnswers), machine, log: recordingLog() };
}

/** What each platform puts in the runner's environment. */
const PLATFORMS: readonly (readonly [
  name: string,
  inputs: Record<string, string>,
  env: Record<string, string>,
  imdsAnswers: boolean,
  kind: string,
  probes: number
])[] = [
  [
    'GitHub-hosted with OIDC (az is installed there too)',
    IDS,
    { RUNNER_ENVIRONMENT: 'github-hosted', PATH: AZ_ON_PATH, ...OIDC_ENV },
    true,
    'oidc',
    0
  ],
  [
    'a client secret (wins over OIDC)',
    { ...IDS, 'client-secret': 'shh' },
    { RUNNER_ENVIRONMENT: 'github-hosted', ...OIDC_ENV },
    true,
    'secret',
    0
  ],
  [
    "a client secret inside 'creds'",
    { creds: JSON.stringify({ clientId: CLIENT_ID, clientSecret: 'shh', tenantId: TENANT_ID }) },
    {},
    true,
    'secret',
    0
  ],
  ['a client certificate (wins over OIDC)', { ...IDS, 'client-certificate': 'certs/app.pem' }, { ...OIDC_ENV }, true, 'certificate', 0],
  [
    'AKS with workload identity (self-hosted runner pod)',
    {},
    {
      RUNNER_ENVIRONMENT: 'self-hosted',
      AZURE_FEDERATED_TOKEN_FILE: '/var/run/secrets/azure/tokens/azure-identity-token',
      AZURE_CLIENT_ID: CLIENT_ID,
      AZURE_TENANT_ID: TENANT_ID,
      AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.com/'
    },
    true,
    'workload-identity',
    0
  ],
  [
    'Azure Container Apps job',
    {},
    { RUNNER_ENVIRONMENT: 'self-hosted', IDENTITY_ENDPOINT: 'http://localhost:42356/msi/token', IDENTITY_HEADER: 'h', PATH: AZ_ON_PATH },
    true,
    'managed-identity',
    0
  ],
  [
    'Azure Arc machine',
    {},
    {
      RUNNER_ENVIRONMENT: 'self-hosted',
      IDENTITY_ENDPOINT: 'http://localhost:40342/metadata/identity/oauth2/token',
      IMDS_ENDPOINT: 'http://localhost:40342'
    },
    true,
    'managed-identity',
    0
  ],
  ['self-hosted on an Azure VM (IMDS answers)', {}, { RUNNER_ENVIRONMENT: 'self-hosted', PATH: AZ_ON_PATH }, true, 'managed-identity', 1],
  [
    'self-hosted, no Azure VM (IMDS silent), az installed',
    {},
    { RUNNER_ENVIRONMENT: 'self-hosted', PATH: AZ_ON_PATH },
    false,
    'azure-cli',
    1
  ],
  [
    'GitHub-hosted after azure/login (no OIDC inputs)',
    {},
    { RUNNER_ENVIRONMENT: 'github-hosted', PATH: AZ_ON_PATH, ...OIDC_ENV },
    true,
    'azure-cli',
    0
  ],
  ['GitHub-hosted, RUNNER_ENVIRONMENT unset: IMDS is not probed', {}, { PATH: AZ_ON_PATH }, true, 'azure-cli', 0],
  // Outside a workflow there is no runner to tell: IMDS is always probed.
  ['outside a workflow on an Azure VM', {}, { ...NO_WORKFLOW, PATH: AZ_ON_PATH }, true, 'managed-identity', 1],
  [
    'outside a workflow, even if RUNNER_ENVIRONMENT says github-hosted',
    {},
    { ...NO_WORKFLOW, RUNNER_ENVIRONMENT: 'github-hosted', PATH: AZ_ON_PATH },
    true,
    'managed-identity',
    1
  ],
  ['outside a workflow, off Azure, with az', {}, { ...NO_WORKFLOW, PATH: AZ_ON_PATH }, false, 'azure-cli', 1],
  // OIDC is a workflow's credential: outside one, its variables (left in a container's environment) are not taken.
  [
    'outside a workflow, OIDC variables and ids given: not OIDC',
    IDS,
    { ...NO_WORKFLOW, PATH: AZ_ON_PATH, ...OIDC_ENV },
    false,
    'azure-cli',
    1
  ]
];

describe('auth-type auto picks, in the contract order', () => {
  it.each(PLATFORMS)('%s', async (_, inputs, env, imdsAnswers, kind, probes) => {
    const deps = autoDeps(imdsAnswers);
    const choice = await chooseAuthType(configFrom(inputs, env), deps);
    expect(choice.kind).toBe(kind);
    expect(deps.http.probes).toHaveLength(probes);
  });

  it('probes IMDS at its host with one GET of at most 1 s and no retries', async () => {
    const deps = autoDeps(true);
    await chooseAuthType(
      configFrom({}, { RUNNER_ENVIRONMENT: 'self-hosted', AZURE_POD_IDENTITY_AUTHORITY_HOST: 'http://10.0.0.7:2579/' }),
      deps
    );
    expect(deps.http.probes).toEqual([
      {
        method: 'GET',
        url: 'http://10.0.0.7:2579/metadata/identity/oauth2/token',
        what: 'IMDS probe',
        timeoutMs: 1_000,
        retry: { attempts: 1 }
      }
    ]);
  });

  it('probes IMDS over the wire through the HTTP layer it is given', async () => {
    const scope = nock('http://169.254.169.254', { badheaders: ['metadata'] })
      .get('/metadata/identity/oauth2/token')
      .reply(400, { error: 'invalid_request', error_description: 'Required metadata header not specified' });
    const http = testHttp();
    const choice = await chooseAuthType(configFrom({}, { RUNNER_ENVIRONMENT: 'self-hosted' }), {
      http,
      machine: fakeMachine(),
      log: recordingLog()
    });
    http.dispose();
    expect(choice.kind).toBe('managed-identity');
    expect(scope.isDone()).toBe(true);
  });

  it('falls through to az on a self-hosted runner where IMDS does not answer', async () => {
    const choice = await chooseAuthType(configFrom({}, { RUNNER_ENVIRONMENT: 'self-hosted', PATH: AZ_ON_PATH }), autoDeps(false));
    expect(choice).toEqual({
      kind: 'azure-cli',
      because: "'az' is on PATH",
      ruledOut: [
        "  secret: no 'client-secret' input and no clientSecret in 'creds'",
        "  certificate: no 'client-certificate' input",
        "  oidc: no 'client-id', no 'tenant-id', no ACTIONS_ID_TOKEN_REQUEST_URL (the job needs `permissions: id-token: write`)",
        '  workload-identity: AZURE_FEDERATED_TOKEN_FILE is not set (not an AKS workload identity pod)',
        '  managed-identity: IDENTITY_ENDPOINT is not set (not App Service, Functions, Container Apps or Azure Arc)',
        '  managed-identity (VM): the VM instance metadata service (IMDS) did not answer within 1 s'
      ]
    });
  });

  it('lists every candidate and why it did not apply when none does', async () => {
    const config = configFrom({ 'client-id': CLIENT_ID }, { RUNNER_ENVIRONMENT: 'self-hosted', PATH: '/nonexistent' });
    expect(await failureOf(chooseAuthType(config, autoDeps(false)))).toBe(
      [
        "auth-type 'auto' found no credential here:",
        "  secret: no 'client-secret' input and no clientSecret in 'creds'",
        "  certificate: no 'client-certificate' input",
        "  oidc: no 'tenant-id', no ACTIONS_ID_TOKEN_REQUEST_URL (the job needs `permissions: id-token: write`)",
        '  workload-identity: AZURE_FEDERATED_TOKEN_FILE is not set (not an AKS workload identity pod)',
        '  managed-identity: IDENTITY_ENDPOINT is not set (not App Service, Functions, Container Apps or Azure Arc)',
        '  managed-identity (VM): the VM instance metadata service (IMDS) did not answer within 1 s',
        "  azure-cli: 'az' is not on PATH",
        NOTHING_FOUND_HINT
      ].join('\n')
    );
  });

  it('says IMDS is probed only on self-hosted runners', async () => {
    const message = await failureOf(chooseAuthType(configFrom({}, { RUNNER_ENVIRONMENT: 'github-hosted' }), autoDeps(true)));
    expect(message.split('\n')).toContain(
      '  managed-identity (VM): the VM instance metadata service (IMDS) is probed only on self-hosted runners (RUNNER_ENVIRONMENT=self-hosted)'
    );
  });

  it('logs one debug line per candidate it looked at, and stops at the first that applies', async () => {
    const deps = autoDeps(false);
    await chooseAuthType(configFrom({}, { RUNNER_ENVIRONMENT: 'self-hosted', PATH: AZ_ON_PATH }), deps);
    expect(deps.log.debugs).toEqual([
      "auth-type 'auto': secret: no, no 'client-secret' input and no clientSecret in 'creds'",
      "auth-type 'auto': certificate: no, no 'client-certificate' input",
      "auth-type 'auto': oidc: no, no 'client-id', no 'tenant-id', no ACTIONS_ID_TOKEN_REQUEST_URL (the job needs `permissions: id-token: write`)",
      "auth-type 'auto': workload-identity: no, AZURE_FEDERATED_TOKEN_FILE is not set (not an AKS workload identity pod)",
      "auth-type 'auto': managed-identity: no, IDENTITY_ENDPOINT is not set (not App Service, Functions, Container Apps or Azure Arc)",
      "auth-type 'auto': managed-identity (VM): no, the VM instance metadata service (IMDS) did not answer within 1 s",
      "auth-type 'auto': azure-cli: applies ('az' is on PATH)"
    ]);

    const early = autoDeps(true);
    await chooseAuthType(configFrom({ ...IDS, 'client-secret': 'shh' }), early);
    expect(early.log.debugs).toEqual(["auth-type 'auto': secret: applies (a client secret is given)"]);
  });
});

describe('client-id and tenant-id without an OIDC token: the missing id-token permission comes first', () => {
  it.each<[string, Record<string, string>, Record<string, string>, boolean]>([
    ['client-id and tenant-id, in a workflow, no OIDC variables', IDS, {}, true],
    ['the same from creds', { creds: JSON.stringify({ clientId: CLIENT_ID, tenantId: TENANT_ID }) }, {}, true],
    ['only the request URL missing', IDS, { ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token' }, true],
    ['GitHub offers a token', IDS, OIDC_ENV, false],
    ['outside a workflow', IDS, NO_WORKFLOW, false],
    ['a client secret is given', { ...IDS, 'client-secret': 'shh' }, {}, false],
    ['a client certificate is given', { ...IDS, 'client-certificate': 'certs/app.pem' }, {}, false],
    ['no tenant-id', { 'client-id': CLIENT_ID }, {}, false],
    ['no client-id', { 'tenant-id': TENANT_ID }, {}, false]
  ])('%s: %s', (_, inputs, env, meant) => {
    expect(meantOidcWithoutToken(configFrom(inputs, env))).toBe(meant);
  });

  it('heads the error when auto finds nothing', async () => {
    const message = await failureOf(
      chooseAuthType(configFrom(IDS, { RUNNER_ENVIRONMENT: 'github-hosted', PATH: '/usr/bin' }), autoDeps(true))
    );
    expect(message.split('\n')[0]).toBe(
      "The job has no GitHub OIDC token: 'client-id' and 'tenant-id' are given for OIDC, and the job needs `permissions: id-token: write`."
    );
    expect(message).toBe(
      [
        MISSING_ID_TOKEN_PERMISSION,
        "auth-type 'auto' found no credential here:",
        "  secret: no 'client-secret' input and no clientSecret in 'creds'",
        "  certificate: no 'client-certificate' input",
        '  oidc: no ACTIONS_ID_TOKEN_REQUEST_URL (the job needs `permissions: id-token: write`)',
        '  workload-identity: AZURE_FEDERATED_TOKEN_FILE is not set (not an AKS workload identity pod)',
        '  managed-identity: IDENTITY_ENDPOINT is not set (not App Service, Functions, Container Apps or Azure Arc)',
        '  managed-identity (VM): the VM instance metadata service (IMDS) is probed only on self-hosted runners (RUNNER_ENVIRONMENT=self-hosted)',
        "  azure-cli: 'az' is not on PATH",
        NOTHING_FOUND_HINT
      ].join('\n')
    );
  });

  it('is not there when the inputs do not mean OIDC', async () => {
    const message = await failureOf(
      chooseAuthType(configFrom({ 'client-id': CLIENT_ID }, { RUNNER_ENVIRONMENT: 'github-hosted' }), autoDeps(true))
    );
    expect(message.split('\n')[0]).toBe("auth-type 'auto' found no credential here:");
  });

  it('heads the error when auto picks az and az fails', async () => {
    const machine = fakeMachine({
      executables: [AZ],
      processResult: { exitCode: 1, stdout: '', stderr: "ERROR: Please run 'az login' to setup account." }
    });
    const deps = credentialDeps(machine);
    const credential = await createCredential(configFrom(IDS, { RUNNER_ENVIRONMENT: 'github-hosted', PATH: AZ_ON_PATH }), deps);
    expect(credential.kind).toBe('azure-cli');
    const message = await failureOf(credential.getToken('https://management.azure.com/.default'));
    expect(message.split('\n')[0]).toBe(
      "The job has no GitHub OIDC token: 'client-id' and 'tenant-id' are given for OIDC, and the job needs `permissions: id-token: write`."
    );
    expect(message).toBe(
      [
        MISSING_ID_TOKEN_PERMISSION,
        "The Azure CLI is not signed in: ERROR: Please run 'az login' to setup account.",
        LOGIN_HINT,
        "auth-type 'auto' chose 'azure-cli' because 'az' is on PATH, after ruling out:",
        "  secret: no 'client-secret' input and no clientSecret in 'creds'",
        "  certificate: no 'client-certificate' input",
        '  oidc: no ACTIONS_ID_TOKEN_REQUEST_URL (the job needs `permissions: id-token: write`)',
        '  workload-identity: AZURE_FEDERATED_TOKEN_FILE is not set (not an AKS workload identity pod)',
        '  managed-identity: IDENTITY_ENDPOINT is not set (not App Service, Functions, Container Apps or Azure Arc)',
        '  managed-identity (VM): the VM instance metadata service (IMDS) is probed only on self-hosted runners (RUNNER_ENVIRONMENT=self-hosted)'
      ].join('\n')
    );
  });
});

describe('createCredential with auto', () => {
  it('logs what it chose and why', async () => {
    const deps = credentialDeps(fakeMachine());
    const credential = await createCredential(configFrom(IDS, OIDC_ENV), deps);
    expect(credential.kind).toBe('oidc');
    expect(deps.logs).toEqual(["auth-type 'auto' chose 'oidc': 'client-id', 'tenant-id' and GitHub's OIDC token are there."]);
  });

  it('adds why the others did not apply when the chosen credential fails (az after azure/login, without OIDC inputs)', async () => {
    const machine = fakeMachine({
      executables: [AZ],
      processResult: { exitCode: 1, stdout: '', stderr: "ERROR: Please run 'az login' to setup account." }
    });
    const credential = await createCredential(
      configFrom({}, { RUNNER_ENVIRONMENT: 'github-hosted', PATH: AZ_ON_PATH }),
      credentialDeps(machine)
    );
    const message = await failureOf(credential.getToken('https://management.azure.com/.default'));
    expect(message).toBe(
      [
        "The Azure CLI is not signed in: ERROR: Please run 'az login' to setup account.",
        LOGIN_HINT,
        "auth-type 'auto' chose 'azure-cli' because 'az' is on PATH, after ruling out:",
        "  secret: no 'client-secret' input and no clientSecret in 'creds'",
        "  certificate: no 'client-certificate' input",
        "  oidc: no 'client-id', no 'tenant-id', no ACTIONS_ID_TOKEN_REQUEST_URL (the job needs `permissions: id-token: write`)",
        '  workload-identity: AZURE_FEDERATED_TOKEN_FILE is not set (not an AKS workload identity pod)',
        '  managed-identity: IDENTITY_ENDPOINT is not set (not App Service, Functions, Container Apps or Azure Arc)',
        '  managed-identity (VM): the VM instance metadata service (IMDS) is probed only on self-hosted runners (RUNNER_ENVIRONMENT=self-hosted)'
      ].join('\n')
    );
  });

  it('passes a failure of the first candidate on as it is: nothing was ruled out', async () => {
    nock('https://login.microsoftonline.com')
      .post(`/${TENANT_ID}/oauth2/v2.0/token`)
      .reply(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.', error_codes: [7000215] });
    const deps = credentialDeps(fakeMachine());
    const credential = await createCredential(configFrom({ ...IDS, 'client-secret': 'wrong-secret' }), deps);
    const message = await failureOf(credential.getToken('https://management.azure.com/.default'));
    deps.http.dispose();
    expect(message).not.toContain("auth-type 'auto' chose");
    expect(message.split('\n')[0]).toBe('Entra ID refused the token request with AADSTS7000215: The client secret is wrong.');
  });
});

// imdsHost and probeImds: managed-identity/imds.test.ts; findOnPath: executables.test.ts.
