import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from '../../../src/action/main.js';
import type { BackgroundOptions } from '../../../src/core/machine.js';
import { CLIENT_ID, fakeJwt, inputEnv, OBJECT_ID, recordingRunner, TENANT_ID, testDeps, testMachine } from '../support.js';

const SECRET = 'S3cr3t~Value_ABC';
const AUTHORITY = 'https://login.microsoftonline.com';
const TOKEN_PATH = `/${TENANT_ID}/oauth2/v2.0/token`;
const ACCESS_TOKEN = fakeJwt({ tid: TENANT_ID, appid: CLIENT_ID, oid: OBJECT_ID });
const SECRET_INPUTS = { 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID, 'client-secret': SECRET };

const GITHUB = 'https://pipelines.actions.githubusercontent.com';
const OIDC_ENV = {
  ACTIONS_ID_TOKEN_REQUEST_URL: `${GITHUB}/abc/idtoken?api-version=2.0`,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'github-request-token'
};
const GITHUB_TOKEN = fakeJwt({
  iss: 'https://token.actions.githubusercontent.com',
  sub: 'repo:o/r:ref:refs/heads/main',
  aud: 'api://AzureADTokenExchange'
});

/** Requests that found no interceptor: with net connect off, each one is a request the test did not expect. */
let unexpectedRequests: string[];
const recordUnexpected = (request: { href?: string; host?: string; path?: string }): void => {
  unexpectedRequests.push(request.href ?? `${request.host}${request.path}`);
};
let workspace: string;

beforeEach(() => {
  unexpectedRequests = [];
  nock.disableNetConnect();
  nock.emitter.on('no match', recordUnexpected);
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'workspace-'));
});
afterEach(() => {
  nock.emitter.removeListener('no match', recordUnexpected);
  nock.cleanAll();
  nock.enableNetConnect();
  fs.rmSync(workspace, { recursive: true, force: true });
});

const entraAnswers = (status: number, body: object | string): nock.Scope => nock(AUTHORITY).post(TOKEN_PATH).reply(status, body);
const entraToken = (): nock.Scope => entraAnswers(200, { token_type: 'Bearer', expires_in: 3599, access_token: ACCESS_TOKEN });

async function runWith(inputs: Record<string, string>, env: Record<string, string> = {}) {
  const deps = testDeps({ ...inputEnv(inputs), ...env, GITHUB_WORKSPACE: workspace });
  await run(deps);
  return deps.runner;
}

describe('run: the story with a client secret', () => {
  it('sets every output to its exact value', async () => {
    entraToken();
    const runner = await runWith(SECRET_INPUTS);
    expect(runner.failures).toEqual([]);
    expect(runner.outputs).toEqual({
      'access-token': ACCESS_TOKEN,
      'expires-on': '2026-11-23T12:59:59Z',
      'token-type': 'Bearer',
      'tenant-id': TENANT_ID,
      'client-id': CLIENT_ID,
      'object-id': OBJECT_ID,
      'auth-type': 'secret'
    });
    expect(runner.state).toEqual({});
    expect(runner.summaries).toEqual([]);
    expect(nock.isDone()).toBe(true);
  });

  it('masks the client secret first, and the token before anything else reaches the runner', async () => {
    entraToken();
    const runner = await runWith({ ...SECRET_INPUTS, 'auth-type': 'secret', 'token-file': 'token', 'job-summary': 'true' });
    expect(runner.calls[0]).toEqual(['setSecret', SECRET]);
    const tokenMasked = runner.calls.findIndex(([method, value]) => method === 'setSecret' && value === ACCESS_TOKEN);
    const firstOther = runner.calls.findIndex(([method]) => method !== 'setSecret');
    expect(tokenMasked).toBeGreaterThan(0);
    expect(firstOther).toBeGreaterThan(tokenMasked);
    expect(runner.calls.map(([method]) => method)).toEqual(expect.arrayContaining(['setOutputs', 'info', 'saveState', 'appendSummary']));
  });

  it('masks the token before the token file is written', async () => {
    entraToken();
    const file = path.join(workspace, 'token');
    const runner = recordingRunner();
    const fileExistedWhenMasked: boolean[] = [];
    const setSecret = runner.setSecret;
    runner.setSecret = value => {
      if (value === ACCESS_TOKEN) fileExistedWhenMasked.push(fs.existsSync(file));
      setSecret(value);
    };
    await run(testDeps({ ...inputEnv({ ...SECRET_INPUTS, 'token-file': 'token' }), GITHUB_WORKSPACE: workspace }, { runner }));
    expect(fileExistedWhenMasked).toEqual([false]);
    expect(fs.readFileSync(file, 'utf8')).toBe(ACCESS_TOKEN);
  });

  it('writes the token file under GITHUB_WORKSPACE, saves its path for the post step, and outputs it', async () => {
    entraToken();
    const runner = await runWith({ ...SECRET_INPUTS, 'token-file': 'tokens/arm.txt' });
    const file = path.join(workspace, 'tokens', 'arm.txt');
    expect(runner.failures).toEqual([]);
    expect(fs.readFileSync(file, 'utf8')).toBe(ACCESS_TOKEN);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(runner.state['token-file'] ?? '{}') as Record<string, string>;
    const stat = fs.statSync(file, { bigint: true });
    // What the post step checks before it deletes anything: the path, and the file as created.
    expect(saved).toEqual({
      path: file,
      device: String(stat.dev),
      inode: String(stat.ino),
      size: String(stat.size),
      modifiedNs: String(stat.mtimeNs)
    });
    expect(runner.outputs['token-file']).toBe(file);
  });

  it('writes a job summary with the identity, resource and expiry', async () => {
    nock(AUTHORITY)
      .post(TOKEN_PATH, body => new URLSearchParams(body as string).get('scope') === 'https://graph.microsoft.com/.default')
      .reply(200, { expires_in: 3599, access_token: ACCESS_TOKEN });
    const runner = await runWith({ ...SECRET_INPUTS, resource: 'graph', 'job-summary': 'true' });
    expect(runner.summaries).toEqual([
      [
        '### Azure token',
        '',
        '| Item | Value |',
        '|---|---|',
        '| Credential | `secret` |',
        `| Client ID | \`${CLIENT_ID}\` |`,
        `| Object ID | \`${OBJECT_ID}\` |`,
        `| Tenant ID | \`${TENANT_ID}\` |`,
        '| Resource | `https://graph.microsoft.com` |',
        '| Expires | `2026-11-23T12:59:59Z` |',
        ''
      ].join('\n')
    ]);
  });

  it('prints no secret and no token anywhere', async () => {
    entraToken();
    const runner = await runWith({ ...SECRET_INPUTS, 'token-file': 'token', 'job-summary': 'true' });
    expect(runner.visibleText()).not.toContain(SECRET);
    expect(runner.visibleText()).not.toContain(ACCESS_TOKEN);
    expect(runner.visibleText()).toContain(
      `Signed in with auth-type 'secret' as client ${CLIENT_ID} (object ${OBJECT_ID}) in tenant ${TENANT_ID}.`
    );
  });
});

describe('run: the story with OIDC', () => {
  it('picks oidc on its own, presents the GitHub token, and outputs auth-type oidc', async () => {
    nock(GITHUB)
      .get('/abc/idtoken')
      .query({ 'api-version': '2.0', audience: 'api://AzureADTokenExchange' })
      .reply(200, { value: GITHUB_TOKEN });
    nock(AUTHORITY)
      .post(TOKEN_PATH, body => new URLSearchParams(body as string).get('client_assertion') === GITHUB_TOKEN)
      .reply(200, { expires_in: 3599, access_token: ACCESS_TOKEN });
    const runner = await runWith({ 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID }, OIDC_ENV);
    expect(runner.failures).toEqual([]);
    expect(runner.outputs['auth-type']).toBe('oidc');
    expect(runner.masks).toEqual(expect.arrayContaining(['github-request-token', GITHUB_TOKEN, ACCESS_TOKEN]));
    expect(runner.visibleText()).not.toContain(GITHUB_TOKEN);
    expect(runner.visibleText()).not.toContain('github-request-token');
  });
});

describe('run: every failure is reported once, with its context, and sets no output', () => {
  it.each<[string, Record<string, string>, Record<string, string>, () => void, string]>([
    [
      'a bad input, before any request',
      { ...SECRET_INPUTS, 'tenant-id': 'common' },
      {},
      () => undefined,
      "Input 'tenant-id' must be a tenant GUID or domain, not 'common': an app signs in to one tenant.\nUse the 'Directory (tenant) ID' from the app registration's overview page."
    ],
    ['bad creds, before any request', { creds: `{"clientSecret": "${SECRET}"` }, {}, () => undefined, "Input 'creds' is not valid JSON."],
    [
      'Entra ID refusing the secret',
      SECRET_INPUTS,
      {},
      () =>
        entraAnswers(401, {
          error: 'invalid_client',
          error_description: 'AADSTS7000215: Invalid client secret provided.',
          error_codes: [7000215]
        }),
      "Getting a token for https://management.azure.com/.default with auth-type 'secret': Entra ID refused the token request with AADSTS7000215: The client secret is wrong."
    ],
    [
      'Entra ID unreachable',
      SECRET_INPUTS,
      {},
      () =>
        nock(AUTHORITY)
          .post(TOKEN_PATH)
          .times(4)
          .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })),
      `Getting a token for https://management.azure.com/.default with auth-type 'secret': Entra ID token endpoint (POST ${AUTHORITY}${TOKEN_PATH}) failed after 4 attempts: ECONNRESET: socket hang up`
    ],
    [
      'Entra ID answering without a token',
      SECRET_INPUTS,
      {},
      () => entraAnswers(200, { expires_in: 3599 }),
      "Getting a token for https://management.azure.com/.default with auth-type 'secret': Entra ID answered 200 without an access_token."
    ],
    [
      'GitHub offering no OIDC token',
      { 'auth-type': 'oidc', 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID },
      {},
      () => undefined,
      'GitHub offers this job no OIDC token: ACTIONS_ID_TOKEN_REQUEST_URL is not set.'
    ],
    [
      'GitHub refusing the OIDC token',
      { 'auth-type': 'oidc', 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID },
      OIDC_ENV,
      () => nock(GITHUB).get('/abc/idtoken').query(true).reply(403, { message: 'Forbidden' }),
      "Getting a token for https://management.azure.com/.default with auth-type 'oidc': GitHub refused the OIDC token request with HTTP 403: Forbidden"
    ]
  ])('%s', async (_, inputs, env, interceptors, failure) => {
    interceptors();
    const runner = await runWith(inputs, env);
    expect(runner.failures).toHaveLength(1);
    expect(runner.failures[0]?.startsWith(failure)).toBe(true);
    expect(runner.calls.filter(([method]) => method === 'setOutputs' || method === 'saveState' || method === 'appendSummary')).toEqual([]);
    expect(runner.visibleText()).not.toContain(SECRET);
    expect(runner.visibleText()).not.toContain('github-request-token');
    expect(unexpectedRequests).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('leaves an existing token file alone and sets no output', async () => {
    entraToken();
    const file = path.join(workspace, 'token');
    fs.writeFileSync(file, 'before');
    const runner = await runWith({ ...SECRET_INPUTS, 'token-file': 'token' });
    expect(runner.failures).toEqual([
      `The token file ${file} already exists.\nA new file is written and never overwrites one: choose a path that does not exist, or delete the file first.`
    ]);
    expect(fs.readFileSync(file, 'utf8')).toBe('before');
    expect(runner.outputs).toEqual({});
    expect(runner.state).toEqual({});
  });

  it('removes the token file it wrote when its path cannot be saved for the post step', async () => {
    entraToken();
    const runner = recordingRunner();
    runner.saveState = () => {
      throw new Error('GITHUB_STATE is not set, so the action cannot save state for its post step: run it as a GitHub Actions step.');
    };
    await run(testDeps({ ...inputEnv({ ...SECRET_INPUTS, 'token-file': 'token' }), GITHUB_WORKSPACE: workspace }, { runner }));
    expect(runner.failures).toEqual([
      'GITHUB_STATE is not set, so the action cannot save state for its post step: run it as a GitHub Actions step.'
    ]);
    expect(fs.existsSync(path.join(workspace, 'token'))).toBe(false);
    expect(runner.outputs).toEqual({});
  });

  it('shows the hint of an Entra ID error on its own line', async () => {
    entraAnswers(401, {
      error: 'invalid_client',
      error_description: 'AADSTS7000215: Invalid client secret provided.',
      error_codes: [7000215]
    });
    const runner = await runWith(SECRET_INPUTS);
    expect(runner.failures[0]?.split('\n')).toContain(
      `Give the secret's Value, not its Secret ID. Create a new one with: az ad app credential reset --id ${CLIENT_ID} --append`
    );
  });
});

describe('run: the job summary on failure', () => {
  it('says what was tried and the first line of the error, and holds no secret', async () => {
    entraAnswers(401, {
      error: 'invalid_client',
      error_description: 'AADSTS7000215: Invalid client secret provided.',
      error_codes: [7000215]
    });
    const runner = await runWith({ ...SECRET_INPUTS, 'job-summary': 'true' });
    expect(runner.summaries).toEqual([
      [
        '### Azure token: failed',
        '',
        '| Item | Value |',
        '|---|---|',
        '| Credential | `secret` |',
        '| Resource | `https://management.azure.com` |',
        "| Error | `Getting a token for https://management.azure.com/.default with auth-type 'secret': Entra ID refused the token request with AADSTS7000215: The client secret is wrong.` |",
        '',
        'The step log holds the whole error, with what to do about it.',
        ''
      ].join('\n')
    ]);
    expect(runner.summaries.join('')).not.toContain(SECRET);
  });

  it('is written for a bad input too, when job-summary is true', async () => {
    const runner = await runWith({ ...SECRET_INPUTS, 'tenant-id': 'common', 'job-summary': 'TRUE' });
    expect(runner.summaries[0]).toContain(
      "| Error | `Input 'tenant-id' must be a tenant GUID or domain, not 'common': an app signs in to one tenant.` |"
    );
    expect(runner.summaries[0]).toContain('| Credential | `auto` |');
  });

  it('is not written unless asked for', async () => {
    entraAnswers(401, { error: 'invalid_client', error_codes: [7000215] });
    const runner = await runWith(SECRET_INPUTS);
    expect(runner.summaries).toEqual([]);
  });
});

describe('run: sign-in-later-steps', () => {
  /** run() with a machine whose token endpoint starts at once on port 41234, recording each start. */
  async function runSigningIn(inputs: Record<string, string>) {
    const starts: BackgroundOptions[] = [];
    const machine = {
      ...testMachine(),
      startBackground: async (_file: string, _args: readonly string[], options: BackgroundOptions) => {
        starts.push(options);
        return { started: true as const, pid: 4242, firstLine: '{"port":41234}' };
      }
    };
    const deps = testDeps(
      { ...inputEnv({ ...inputs, 'sign-in-later-steps': 'true' }), GITHUB_WORKSPACE: workspace },
      { machine, endpoint: { node: 'node', entry: 'endpoint.js' } }
    );
    await run(deps);
    return { runner: deps.runner, starts };
  }

  it('starts the endpoint after the outputs were set, and exports it', async () => {
    entraToken();
    const { runner, starts } = await runSigningIn(SECRET_INPUTS);
    expect(runner.failures).toEqual([]);
    expect(starts).toHaveLength(1);
    expect(Object.keys(runner.exported)).toEqual(['IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'MSI_ENDPOINT', 'MSI_SECRET']);
    expect(runner.outputs['token-endpoint']).toBe('http://127.0.0.1:41234/msi/token');
    const methods = runner.calls.map(([method, name]) =>
      `${method} ${method === 'setOutputs' || method === 'exportVariables' ? name : ''}`.trim()
    );
    expect(methods.indexOf('setOutputs access-token')).toBeLessThan(methods.indexOf('exportVariables IDENTITY_ENDPOINT'));
  });

  it('starts nothing when the step fails', async () => {
    entraAnswers(401, { error: 'invalid_client', error_codes: [7000215] });
    const { runner, starts } = await runSigningIn(SECRET_INPUTS);
    expect(runner.failures).toHaveLength(1);
    expect(starts).toEqual([]);
    expect(runner.exported).toEqual({});
    expect(runner.state).toEqual({});
  });
});
