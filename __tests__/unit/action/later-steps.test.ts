import { describe, expect, it } from '@jest/globals';
import { actionInputs } from '../../../src/action/main.js';
import { noProxyVariables, signInLaterSteps } from '../../../src/action/later-steps.js';
import { readConfig } from '../../../src/core/config.js';
import type { Credential } from '../../../src/core/credentials/credential.js';
import { describeError } from '../../../src/core/errors.js';
import type { AuthType } from '../../../src/core/input-values.js';
import type { BackgroundOptions, BackgroundStart } from '../../../src/core/machine.js';
import { createMasker } from '../../../src/core/masking.js';
import { fakeMachine } from '../credential-support.js';
import { CLIENT_ID, inputEnv, recordingRunner, TENANT_ID } from '../support.js';

const SECRET = 'S3cr3t~Value_ABC';
const PROGRAM = { node: '/opt/node24/bin/node', entry: '/action/dist/endpoint/index.js' };
const IDENTITY = { tenantId: TENANT_ID, clientId: CLIENT_ID, objectId: 'oid' };
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';

const credentialOf = (kind: AuthType): Credential => ({ kind, getToken: async () => ({ token: 't', expiresOn: new Date() }) });

/** signInLaterSteps as run() calls it, with a machine whose endpoint answers `start`. */
async function signIn(
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  kind: AuthType = 'secret',
  start?: BackgroundStart
) {
  const all = {
    GITHUB_ACTIONS: 'true',
    PATH: '/usr/bin',
    RUNNER_TRACKING_ID: 'github_9f3c',
    ...inputEnv({ 'sign-in-later-steps': 'true', ...inputs }),
    ...env
  };
  const runner = recordingRunner();
  const masker = createMasker(value => runner.setSecret(value));
  const config = readConfig({ input: actionInputs(all), env: all, workspace: '/work/space' }, masker);
  const machine = fakeMachine({ files: { '/work/space/certs/app.pem': PEM } });
  const started: Array<{ file: string; args: readonly string[]; options: BackgroundOptions }> = [];
  const withEndpoint = {
    ...machine,
    startBackground: async (file: string, args: readonly string[], options: BackgroundOptions) => {
      started.push({ file, args, options });
      return start ?? { started: true as const, pid: 4242, firstLine: '{"port":41234}' };
    }
  };
  let error: unknown;
  try {
    await signInLaterSteps(config, credentialOf(kind), IDENTITY, {
      env: all,
      runner,
      machine: withEndpoint,
      masker,
      input: actionInputs(all),
      endpoint: PROGRAM
    });
  } catch (caught) {
    error = caught;
  }
  const message = started[0]
    ? (JSON.parse(started[0].options.input) as {
        inputs: Record<string, string>;
        env: Record<string, string>;
        secret: string;
        workspace: string;
      })
    : undefined;
  return { runner, started, message, error };
}

const SECRET_INPUTS = {
  'auth-type': 'auto',
  'client-id': CLIENT_ID,
  'tenant-id': TENANT_ID,
  'client-secret': SECRET,
  resource: 'keyvault',
  secrets: 'my-vault/db'
};
const URL_ = 'http://127.0.0.1:41234/msi/token';

describe('signInLaterSteps: an endpoint for oidc, secret, certificate and workload identity', () => {
  it('exports the endpoint of both protocol versions, sets the output, and saves the state (no secret in it)', async () => {
    const { runner, message } = await signIn(SECRET_INPUTS);
    const header = message?.secret ?? '';
    expect(header).toMatch(/^[0-9a-f]{64}$/);
    expect(runner.exported).toEqual({ IDENTITY_ENDPOINT: URL_, IDENTITY_HEADER: header, MSI_ENDPOINT: URL_, MSI_SECRET: header });
    expect(runner.outputs).toEqual({ 'token-endpoint': URL_ });
    expect(runner.state).toEqual({ 'token-endpoint': JSON.stringify({ url: URL_, pid: 4242 }) });
    expect(runner.failures).toEqual([]);
    expect(runner.calls.at(-1)).toEqual([
      'info',
      `Later steps are signed in as client ${CLIENT_ID}: token endpoint ${URL_} (IDENTITY_ENDPOINT, MSI_ENDPOINT), started in 0 ms; the post step stops it.`
    ]);
  });

  it('masks the header before anything else happens with it', async () => {
    const { runner, message } = await signIn(SECRET_INPUTS);
    const masked = runner.calls.findIndex(([method, value]) => method === 'setSecret' && value === message?.secret);
    const firstOther = runner.calls.findIndex(([method], at) => at > 0 && method !== 'setSecret');
    expect(masked).toBeGreaterThanOrEqual(0);
    expect(firstOther).toBeGreaterThan(masked);
  });

  it("hands the credential down stdin only: the kind auto chose, the credential's inputs and variables", async () => {
    const { started, message } = await signIn(SECRET_INPUTS, {
      ACTIONS_ID_TOKEN_REQUEST_URL: 'https://gh/idtoken',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
      AZURE_CLIENT_SECRET: 'other'
    });
    expect(message).toEqual({
      inputs: { 'auth-type': 'secret', 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID, 'client-secret': SECRET },
      env: { GITHUB_ACTIONS: 'true', ACTIONS_ID_TOKEN_REQUEST_URL: 'https://gh/idtoken', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token' },
      workspace: '/work/space',
      secret: message?.secret
    });
    expect(started).toHaveLength(1);
    expect(started[0]?.file).toBe(PROGRAM.node);
    expect(started[0]?.args).toEqual([PROGRAM.entry]);
    // Its environment: nothing secret, no input.
    expect(started[0]?.options.env).toEqual({ PATH: '/usr/bin', RUNNER_TRACKING_ID: 'github_9f3c' });
    expect(started[0]?.options.timeoutMs).toBe(5_000);
  });

  it('sends the certificate itself, read from the file the input names, never the path', async () => {
    const { message } = await signIn(
      { 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID, 'client-certificate': 'certs/app.pem' },
      {},
      'certificate'
    );
    expect(message?.inputs).toEqual({
      'auth-type': 'certificate',
      'client-id': CLIENT_ID,
      'tenant-id': TENANT_ID,
      'client-certificate': PEM
    });
  });

  it('hands workload identity its token file variables, which the endpoint re-reads', async () => {
    const env = {
      AZURE_FEDERATED_TOKEN_FILE: '/var/run/secrets/azure/tokens/azure-identity-token',
      AZURE_CLIENT_ID: CLIENT_ID,
      AZURE_TENANT_ID: TENANT_ID,
      AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.com/'
    };
    const { message } = await signIn({}, env, 'workload-identity');
    expect(message?.inputs).toEqual({ 'auth-type': 'workload-identity' });
    expect(message?.env).toEqual({ GITHUB_ACTIONS: 'true', ...env });
  });

  it('adds 127.0.0.1 and localhost to NO_PROXY when a proxy is set', async () => {
    const { runner, started } = await signIn(SECRET_INPUTS, { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: '.corp.example' });
    expect(runner.exported['NO_PROXY']).toBe('.corp.example,127.0.0.1,localhost');
    expect(started[0]?.options.env).toMatchObject({ HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: '.corp.example' });
  });

  it('fails the step with a clear line when the endpoint does not start, and exports nothing', async () => {
    const { runner, error } = await signIn(SECRET_INPUTS, {}, 'secret', { started: false, why: 'it wrote nothing within 5 s' });
    expect(describeError(error).split('\n')[0]).toBe(
      'The token endpoint for later steps did not start: it wrote nothing within 5 s. Later steps are not signed in.'
    );
    expect(runner.exported).toEqual({});
    expect(runner.state).toEqual({});
  });
});

describe('signInLaterSteps: managed identity and the Azure CLI start nothing', () => {
  it.each<[AuthType, Record<string, string>, string]>([
    [
      'managed-identity',
      {},
      "sign-in-later-steps: no token endpoint was started, because later steps can already use this runner's managed identity: DefaultAzureCredential or ManagedIdentityCredential of the Azure SDKs, az login --identity, and this action with auth-type managed-identity."
    ],
    [
      'managed-identity',
      { 'client-id': CLIENT_ID },
      "sign-in-later-steps: no token endpoint was started, because later steps can already use this runner's managed identity: DefaultAzureCredential or ManagedIdentityCredential of the Azure SDKs, az login --identity, and this action with auth-type managed-identity. " +
        `Select the user-assigned identity by its client ID ${CLIENT_ID}: AZURE_CLIENT_ID for DefaultAzureCredential, az login --identity --username ${CLIENT_ID}, this action's client-id.`
    ],
    [
      'azure-cli',
      {},
      'sign-in-later-steps: no token endpoint was started, because later steps can already use the Azure CLI session this step used: az itself, AzureCliCredential (and DefaultAzureCredential) of the Azure SDKs, and this action with auth-type azure-cli.'
    ]
  ])('%s %j: a notice, and nothing started or exported', async (kind, inputs, notice) => {
    const { runner, started } = await signIn({ 'auth-type': kind, ...inputs }, {}, kind);
    expect(started).toEqual([]);
    expect(runner.notices).toEqual([notice]);
    expect(runner.exported).toEqual({});
    expect(runner.outputs).toEqual({});
    expect(runner.state).toEqual({});
  });
});

describe('noProxyVariables', () => {
  it.each<[string, Record<string, string>, Array<[string, string]>]>([
    ['no proxy: nothing', { NO_PROXY: 'corp' }, []],
    ['HTTPS_PROXY, no NO_PROXY', { HTTPS_PROXY: 'http://p:3128' }, [['NO_PROXY', '127.0.0.1,localhost']]],
    [
      'http_proxy, NO_PROXY with one of them',
      { http_proxy: 'http://p:3128', NO_PROXY: 'LOCALHOST, .corp' },
      [['NO_PROXY', 'LOCALHOST,.corp,127.0.0.1']]
    ],
    ['both already there', { HTTP_PROXY: 'http://p', NO_PROXY: '127.0.0.1,localhost' }, []],
    [
      'a no_proxy too (Python reads it first)',
      { HTTPS_PROXY: 'http://p', no_proxy: 'corp' },
      [
        ['NO_PROXY', '127.0.0.1,localhost'],
        ['no_proxy', 'corp,127.0.0.1,localhost']
      ]
    ],
    ['NO_PROXY=*', { ALL_PROXY: 'socks5://p', NO_PROXY: '*' }, []]
  ])('%s', (_name, env, expected) => {
    expect(noProxyVariables(env)).toEqual(expected);
  });
});
