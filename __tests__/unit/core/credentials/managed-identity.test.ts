import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import nock from 'nock';
import { createHttp } from '../../src/http.js';
import {
  ARC_KEY_MAX_BYTES,
  arcKeyDirectory,
  createManagedIdentityCredential,
  parseManagedIdentityToken,
  readArcKey
} from '../../src/credentials/managed-identity.js';
import { configFrom, credentialDeps, failureOf, fakeMachine } from './credential-support.js';
import { CLIENT_ID, fakeJwt, NOW, TENANT_ID } from './support.js';

const ARM = 'https://management.azure.com/.default';
const TOKEN = fakeJwt({ tid: TENANT_ID, oid: 'mi-object' });
const IMDS = 'http://169.254.169.254';
const IMDS_PATH = '/metadata/identity/oauth2/token';
const IMDS_QUERY = { 'api-version': '2018-02-01', resource: 'https://management.azure.com' };
const IMDS_OK = { access_token: TOKEN, expires_in: '86399', expires_on: String(NOW / 1000 + 86399), token_type: 'Bearer' };

const APP_SERVICE_ENV = { IDENTITY_ENDPOINT: 'http://localhost:42356/msi/token', IDENTITY_HEADER: 'identity-header-secret' };

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => nock.cleanAll());

describe('App Service, Functions and Container Apps (IDENTITY_ENDPOINT + IDENTITY_HEADER)', () => {
  it('asks the endpoint with api-version 2019-08-01 and X-IDENTITY-HEADER, and masks the token', async () => {
    const scope = nock('http://localhost:42356', { reqheaders: { 'x-identity-header': 'identity-header-secret' } })
      .get('/msi/token')
      .query({ 'api-version': '2019-08-01', resource: 'https://management.azure.com' })
      .reply(200, { access_token: TOKEN, expires_on: '1795435200', resource: 'https://management.azure.com', token_type: 'Bearer' });
    const deps = credentialDeps();
    const credential = createManagedIdentityCredential(configFrom({}, APP_SERVICE_ENV), deps);

    const token = await credential.getToken(ARM);

    expect(scope.isDone()).toBe(true);
    expect(token).toEqual({ token: TOKEN, expiresOn: new Date(1795435200 * 1000) });
    expect(deps.masks).toContain(TOKEN);
    expect(deps.logs.join('\n')).not.toContain('identity-header-secret');
  });

  it('selects a user-assigned identity with client_id', async () => {
    const scope = nock('http://localhost:42356')
      .get('/msi/token')
      .query({ 'api-version': '2019-08-01', resource: 'https://vault.azure.net', client_id: CLIENT_ID })
      .reply(200, { access_token: TOKEN, expires_on: '1795435200' });
    const credential = createManagedIdentityCredential(configFrom({ 'client-id': CLIENT_ID }, APP_SERVICE_ENV), credentialDeps());
    await credential.getToken('https://vault.azure.net/.default');
    expect(scope.isDone()).toBe(true);
  });

  it.each([
    ['without a user-assigned identity', {}, 'Turn on the system-assigned identity: az containerapp identity assign --system-assigned'],
    ['for an unassigned user-assigned identity', { 'client-id': CLIENT_ID }, `Assign the user-assigned identity with client ID ${CLIENT_ID} to the app`]
  ])('explains a 400 %s', async (_, inputs, hint) => {
    nock('http://localhost:42356')
      .get('/msi/token')
      .query(true)
      .reply(400, { statusCode: 400, message: 'No managed identity found for the given client id.', correlationId: 'c0ffee' });
    const credential = createManagedIdentityCredential(configFrom(inputs, APP_SERVICE_ENV), credentialDeps());
    const message = await failureOf(credential.getToken(ARM));
    expect(message.split('\n')[0]).toBe(
      'The App Service / Container Apps identity endpoint refused the token request with HTTP 400: No managed identity found for the given client id.'
    );
    expect(message).toContain(hint);
  });
});

describe('VM and scale set IMDS', () => {
  it('asks 169.254.169.254 with api-version 2018-02-01 and Metadata: true', async () => {
    const scope = nock(IMDS, { reqheaders: { metadata: 'true' } }).get(IMDS_PATH).query(IMDS_QUERY).reply(200, IMDS_OK);
    const deps = credentialDeps();
    const token = await createManagedIdentityCredential(configFrom({}), deps).getToken(ARM);
    expect(scope.isDone()).toBe(true);
    expect(token.expiresOn).toEqual(new Date(NOW + 86399 * 1000));
    expect(deps.masks).toEqual([TOKEN]);
  });

  it('selects a user-assigned identity with client_id', async () => {
    const scope = nock(IMDS).get(IMDS_PATH).query({ ...IMDS_QUERY, client_id: CLIENT_ID }).reply(200, IMDS_OK);
    await createManagedIdentityCredential(configFrom({ 'client-id': CLIENT_ID }), credentialDeps()).getToken(ARM);
    expect(scope.isDone()).toBe(true);
  });

  it('goes to the host AZURE_POD_IDENTITY_AUTHORITY_HOST names', async () => {
    const scope = nock('http://10.0.0.7:2579').get(IMDS_PATH).query(IMDS_QUERY).reply(200, IMDS_OK);
    const deps = credentialDeps();
    await createManagedIdentityCredential(configFrom({}, { AZURE_POD_IDENTITY_AUTHORITY_HOST: 'http://10.0.0.7:2579/' }), deps).getToken(ARM);
    expect(scope.isDone()).toBe(true);
    expect(deps.logs).toContain('Managed identity: IMDS at http://10.0.0.7:2579 (AZURE_POD_IDENTITY_AUTHORITY_HOST).');
  });

  it('retries a 410 at once, then with backoff, without really waiting', async () => {
    const scope = nock(IMDS).get(IMDS_PATH).query(true).times(3).reply(410, 'IMDS is being updated').get(IMDS_PATH).query(true).reply(200, IMDS_OK);
    const deps = credentialDeps();
    const token = await createManagedIdentityCredential(configFrom({}), deps).getToken(ARM);
    expect(token.token).toBe(TOKEN);
    expect(scope.isDone()).toBe(true);
    // The first retry is immediate (Microsoft's backoff starts at 0 s), then 2 s, 4 s.
    expect(deps.http.sleeps).toEqual([2000, 4000]);
  });

  it.each([404, 408, 429, 500, 503, 599])('retries HTTP %i', async status => {
    const scope = nock(IMDS).get(IMDS_PATH).query(true).reply(status, {}).get(IMDS_PATH).query(true).reply(200, IMDS_OK);
    await createManagedIdentityCredential(configFrom({}), credentialDeps()).getToken(ARM);
    expect(scope.isDone()).toBe(true);
  });

  it('waits out a 410 for at least the 70 s IMDS announces, even with the shortest jitter', async () => {
    nock(IMDS).get(IMDS_PATH).query(true).times(10).reply(410, { error: 'gone', error_description: 'IMDS is being updated.' });
    const sleeps: number[] = [];
    const http = Object.assign(createHttp({ sleep: async ms => void sleeps.push(ms), random: () => 0, now: () => NOW, log: () => undefined }), {
      sleeps,
      logs: []
    });
    const message = await failureOf(createManagedIdentityCredential(configFrom({}), credentialDeps(undefined, http)).getToken(ARM));
    expect(sleeps.reduce((sum, ms) => sum + ms, 0)).toBeGreaterThanOrEqual(70_000);
    expect(message).toBe(
      'The VM instance metadata service (IMDS) refused the token request with HTTP 410: IMDS is being updated.\n' +
        'The endpoint is busy or being updated; re-run the job in a minute.'
    );
  });

  it.each([
    ['without client-id', {}, "Turn on the VM's system-assigned identity: az vm identity assign -g <group> -n <vm>"],
    ['with client-id', { 'client-id': CLIENT_ID }, `Assign the user-assigned identity with client ID ${CLIENT_ID} to the VM`]
  ])('does not retry "Identity not found" and explains it %s', async (_, inputs, hint) => {
    const scope = nock(IMDS).get(IMDS_PATH).query(true).once().reply(400, { error: 'invalid_request', error_description: 'Identity not found' });
    const message = await failureOf(createManagedIdentityCredential(configFrom(inputs), credentialDeps()).getToken(ARM));
    expect(scope.isDone()).toBe(true);
    expect(message).toContain('The VM instance metadata service (IMDS) refused the token request with HTTP 400: Identity not found\n');
    expect(message).toContain(hint);
  });

  it('explains an unknown resource', async () => {
    nock(IMDS)
      .get(IMDS_PATH)
      .query(true)
      .reply(400, { error: 'invalid_resource', error_description: 'AADSTS500011: The resource principal named https://nope was not found.' });
    const message = await failureOf(createManagedIdentityCredential(configFrom({}), credentialDeps()).getToken('https://nope/.default'));
    expect(message).toContain("The resource 'https://nope' is not known in the identity's tenant");
  });

  it('fails after one try when nothing answers: this is no Azure VM', async () => {
    const scope = nock(IMDS).get(IMDS_PATH).query(true).once().replyWithError(Object.assign(new Error('connect EHOSTUNREACH 169.254.169.254:80'), { code: 'EHOSTUNREACH' }));
    const deps = credentialDeps();
    const message = await failureOf(createManagedIdentityCredential(configFrom({}), deps).getToken(ARM));
    expect(scope.isDone()).toBe(true);
    expect(deps.http.sleeps).toEqual([]);
    expect(message).toContain('No managed identity: the VM instance metadata service at http://169.254.169.254 did not answer (');
    expect(message).toContain('failed after 1 attempt: ');
    expect(message).toContain('add 169.254.169.254 to NO_PROXY');
  });

  it.each([
    ['a connection reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['a refusal of the answer', Object.assign(new Error('read EPIPE'), { code: 'EPIPE' })]
  ])('retries when IMDS answered but %s broke the answer off', async (_kind, error) => {
    nock(IMDS).get(IMDS_PATH).query(true).once().replyWithError(error);
    nock(IMDS).get(IMDS_PATH).query(true).reply(200, { access_token: 'imds-token', expires_in: '3599', token_type: 'Bearer' });
    const deps = credentialDeps();
    const token = await createManagedIdentityCredential(configFrom({}), deps).getToken(ARM);
    expect(token.token).toBe('imds-token');
  });

  it('reads the {error: {code, message}} error shape', async () => {
    nock(IMDS).get(IMDS_PATH).query(true).reply(403, { error: { code: 'Forbidden', message: 'Access denied by policy.' } });
    const message = await failureOf(createManagedIdentityCredential(configFrom({}), credentialDeps()).getToken(ARM));
    expect(message.split('\n')[0]).toBe('The VM instance metadata service (IMDS) refused the token request with HTTP 403: Access denied by policy.');
  });

  it('refuses a token for another tenant than its own', async () => {
    nock(IMDS).get(IMDS_PATH).query(true).twice().reply(200, IMDS_OK);
    const credential = createManagedIdentityCredential(configFrom({}), credentialDeps());
    await expect(credential.getToken(ARM, { tenantId: TENANT_ID.toUpperCase() })).resolves.toMatchObject({ token: TOKEN });
    const message = await failureOf(credential.getToken(ARM, { tenantId: '00000000-0000-0000-0000-00000000abcd' }));
    expect(message).toBe(
      `A managed identity gets tokens only in its own tenant (${TENANT_ID}), and tenant 00000000-0000-0000-0000-00000000abcd was asked for.\n` +
        "Use a vault in the identity's tenant, or an app registration of that tenant (auth-type oidc, secret or certificate)."
    );
  });
});

describe('Azure Arc (IDENTITY_ENDPOINT + IMDS_ENDPOINT)', () => {
  let keyDir: string;
  let keyFile: string;
  const KEY = 'c2VjcmV0LWFyYy1rZXk';
  const arcEnv = (): Record<string, string> => ({
    IDENTITY_ENDPOINT: 'http://localhost:40342/metadata/identity/oauth2/token',
    IMDS_ENDPOINT: 'http://localhost:40342',
    AZURE_TOKEN_TEST_ARC_KEY_DIR: keyDir
  });
  const arcQuery = { 'api-version': '2020-06-01', resource: 'https://management.azure.com' };

  beforeAll(() => {
    keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'arc-keys-'));
    keyFile = path.join(keyDir, 'a1b2.key');
    fs.writeFileSync(keyFile, KEY);
  });
  afterAll(() => fs.rmSync(keyDir, { recursive: true, force: true }));

  const challenge = (file: string) =>
    nock('http://127.0.0.1:40342', { badheaders: ['authorization'], reqheaders: { metadata: 'true' } })
      .get(IMDS_PATH)
      .query(arcQuery)
      .reply(401, { error: 'unauthorized_client' }, { 'WWW-Authenticate': `Basic realm=${file}` });

  it('answers the 401 challenge with the key file it names, on 127.0.0.1, and masks the key', async () => {
    const first = challenge(keyFile);
    const second = nock('http://127.0.0.1:40342', { reqheaders: { metadata: 'true', authorization: `Basic ${KEY}` } })
      .get(IMDS_PATH)
      .query(arcQuery)
      .reply(200, { access_token: TOKEN, expires_on: 1795435200 });
    const deps = credentialDeps();

    const token = await createManagedIdentityCredential(configFrom({}, arcEnv()), deps).getToken(ARM);

    expect(first.isDone() && second.isDone()).toBe(true);
    expect(token.expiresOn).toEqual(new Date(1795435200 * 1000));
    expect(deps.masks).toEqual([KEY, TOKEN]);
    expect(deps.logs.join('\n')).not.toContain(KEY);
  });

  it.each([
    ['outside the allowed directory', () => path.join(os.tmpdir(), 'elsewhere.key')],
    ['in a directory below it', () => path.join(keyDir, 'sub', 'x.key')],
    ['that climbs out of it', () => `${keyDir}/../x.key`],
    ['not named .key', () => path.join(keyDir, 'passwd')]
  ])('refuses a key file %s, and sends nothing', async (_, file) => {
    challenge(file());
    const message = await failureOf(createManagedIdentityCredential(configFrom({}, arcEnv()), credentialDeps()).getToken(ARM));
    expect(message).toContain(`Refusing the Azure Arc key file '${file()}': it must be a .key file directly in ${keyDir}.`);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('does not honour the test hook when IDENTITY_ENDPOINT is not loopback http', async () => {
    const env = { ...arcEnv(), IDENTITY_ENDPOINT: 'http://10.1.2.3:40342/metadata/identity/oauth2/token' };
    nock('http://10.1.2.3:40342').get(IMDS_PATH).query(arcQuery).reply(401, {}, { 'WWW-Authenticate': `Basic realm=${keyFile}` });
    const message = await failureOf(createManagedIdentityCredential(configFrom({}, env), credentialDeps()).getToken(ARM));
    expect(message).toContain(`Refusing the Azure Arc key file '${keyFile}': it must be a .key file directly in /var/opt/azcmagent/tokens.`);
  });

  it('fails clearly on a 401 that names no key file', async () => {
    nock('http://127.0.0.1:40342').get(IMDS_PATH).query(arcQuery).reply(401, {});
    const message = await failureOf(createManagedIdentityCredential(configFrom({}, arcEnv()), credentialDeps()).getToken(ARM));
    expect(message).toContain('The Azure Arc identity endpoint answered 401 without naming a key file');
  });

  it('refuses client-id: Arc has only the system-assigned identity', () => {
    expect(() => createManagedIdentityCredential(configFrom({ 'client-id': CLIENT_ID }, arcEnv()), credentialDeps())).toThrow(
      "Input 'client-id' selects a user-assigned identity, but an Azure Arc machine has only its system-assigned identity."
    );
  });
});

describe('readArcKey, under the agent directory rules', () => {
  const DIR = '/var/opt/azcmagent/tokens';
  const WIN_DIR = 'C:\\ProgramData\\AzureConnectedMachineAgent\\Tokens';

  it('reads a .key file directly in the directory', async () => {
    const machine = fakeMachine({ files: { [`${DIR}/k.key`]: 'key-value\n' } });
    await expect(readArcKey(`${DIR}/k.key`, DIR, machine)).resolves.toBe('key-value');
  });

  it('reads a Windows key file, whatever the letter case of the directory', async () => {
    const file = 'C:\\ProgramData\\AzureConnectedMachineAgent\\Tokens\\k.key';
    const machine = fakeMachine({ platform: 'win32', files: { [file]: 'win-key' } });
    await expect(readArcKey(file, WIN_DIR.toLowerCase(), machine)).resolves.toBe('win-key');
  });

  it.each([
    ['/var/opt/azcmagent/tokens/../../../etc/shadow.key', 'linux'],
    ['/var/opt/azcmagent/tokens2/k.key', 'linux'],
    ['relative/k.key', 'linux'],
    ['C:\\ProgramData\\AzureConnectedMachineAgent\\Tokens\\..\\k.key', 'win32'],
    ['C:\\Users\\runner\\k.key', 'win32']
  ] as const)('refuses %s on %s without reading it', async (file, platform) => {
    const machine = fakeMachine({ platform, files: { [file]: 'x' } });
    await expect(readArcKey(file, platform === 'win32' ? WIN_DIR : DIR, machine)).rejects.toThrow(`Refusing the Azure Arc key file '${file}'`);
    expect(machine.reads).toEqual([]);
  });

  it(`refuses a file larger than ${ARC_KEY_MAX_BYTES} bytes without reading it`, async () => {
    const machine = fakeMachine({ files: { [`${DIR}/big.key`]: 'k'.repeat(ARC_KEY_MAX_BYTES + 1) } });
    await expect(readArcKey(`${DIR}/big.key`, DIR, machine)).rejects.toThrow(
      `Refusing the Azure Arc key file '${DIR}/big.key': 4097 bytes, more than the 4096 a key may have.`
    );
    expect(machine.reads).toEqual([]);
  });

  it('explains a key file it may not read', async () => {
    const message = await failureOf(readArcKey(`${DIR}/gone.key`, DIR, fakeMachine()));
    expect(message).toContain(`Cannot read the Azure Arc key file '${DIR}/gone.key': ENOENT`);
    expect(message).toContain('sudo usermod -aG himds <runner-user>');
  });

  it('refuses platforms Arc does not run on', async () => {
    await expect(readArcKey('/x/k.key', undefined, fakeMachine({ platform: 'darwin' }))).rejects.toThrow(
      'Azure Arc managed identity works on Linux and Windows only, not on darwin.'
    );
  });

  it.each([
    ['linux', {}, DIR],
    ['win32', { ProgramData: 'D:\\ProgramData' }, 'D:\\ProgramData\\AzureConnectedMachineAgent\\Tokens'],
    ['win32', {}, WIN_DIR],
    ['darwin', {}, undefined]
  ] as const)('the directory on %s (%j) is %s', (platform, env, expected) => {
    expect(arcKeyDirectory(configFrom({}, env).runner, platform)).toBe(expected);
  });
});

describe('parseManagedIdentityToken', () => {
  const started = NOW;
  it.each([
    ['expires_in as a string', { expires_in: '3600' }, NOW + 3_600_000],
    ['expires_in as a number', { expires_in: 3600 }, NOW + 3_600_000],
    ['expires_on as epoch seconds', { expires_on: 1795435200 }, 1795435200_000],
    ['expires_on as an epoch string', { expires_on: '1795435200' }, 1795435200_000],
    ['expires_on as an ISO date', { expires_on: '2026-11-24T12:00:00Z' }, Date.UTC(2026, 10, 24, 12)],
    ['both: expires_in wins (no clock skew)', { expires_in: '60', expires_on: '1' }, NOW + 60_000]
  ])('reads %s', (_, fields, expected) => {
    expect(parseManagedIdentityToken({ access_token: 'tok', ...fields }, started, () => undefined).expiresOn.getTime()).toBe(expected);
  });

  it.each([
    ['no access_token', { expires_in: 60 }, 'The managed identity endpoint answered 200 without an access_token.'],
    ['no expiry', { access_token: 'tok' }, 'The managed identity endpoint answered without a valid expires_in or expires_on.'],
    ['an unreadable expiry', { access_token: 'tok', expires_on: 'soon' }, 'The managed identity endpoint answered without a valid expires_in or expires_on.']
  ])('fails on %s', (_, body, message) => {
    expect(() => parseManagedIdentityToken(body, started, () => undefined)).toThrow(message);
  });
});

describe('source detection', () => {
  it('refuses IDENTITY_ENDPOINT alone', () => {
    expect(() => createManagedIdentityCredential(configFrom({}, { IDENTITY_ENDPOINT: 'http://127.0.0.1:1/token' }), credentialDeps())).toThrow(
      'IDENTITY_ENDPOINT is set, but neither IDENTITY_HEADER (App Service, Functions, Container Apps) nor IMDS_ENDPOINT (Azure Arc) is.'
    );
  });
});
