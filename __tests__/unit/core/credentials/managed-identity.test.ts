import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import nock from 'nock';
import type { Config } from '../../../../src/core/config.js';
import type { CredentialDeps } from '../../../../src/core/credentials/credential.js';
import { createManagedIdentityCredential, managedIdentitySource } from '../../../../src/core/credentials/managed-identity.js';
import { managedIdentitySettings } from '../../../../src/core/credentials/settings.js';
import { InputError } from '../../../../src/core/errors.js';
import { configFrom, credentialDeps, failureOf } from '../../credential-support.js';
import { CLIENT_ID, fakeJwt, NOW, TENANT_ID, testHttp } from '../../support.js';

const ARM = 'https://management.azure.com/.default';
const TOKEN = fakeJwt({ tid: TENANT_ID, oid: 'mi-object' });
const IMDS = 'http://169.254.169.254';
const IMDS_PATH = '/metadata/identity/oauth2/token';
const IMDS_QUERY = { 'api-version': '2018-02-01', resource: 'https://management.azure.com' };
/** NOW is 2026-11-23T12:00:00Z: 1795435200 in epoch seconds. */
const IN_AN_HOUR = 1795438800;
const IMDS_OK = { access_token: TOKEN, expires_in: '86399', expires_on: String(NOW / 1000 + 86399), token_type: 'Bearer' };

const APP_SERVICE_ENV = { IDENTITY_ENDPOINT: 'http://localhost:42356/msi/token', IDENTITY_HEADER: 'identity-header-secret' };

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => nock.cleanAll());

const managedIdentity = (config: Config, deps: CredentialDeps = credentialDeps()) =>
  createManagedIdentityCredential(managedIdentitySettings(config), deps);

describe('App Service, Functions and Container Apps (IDENTITY_ENDPOINT + IDENTITY_HEADER)', () => {
  it('asks the endpoint with api-version 2019-08-01 and X-IDENTITY-HEADER, and masks the token', async () => {
    const scope = nock('http://localhost:42356', { reqheaders: { 'x-identity-header': 'identity-header-secret' } })
      .get('/msi/token')
      .query({ 'api-version': '2019-08-01', resource: 'https://management.azure.com' })
      .reply(200, { access_token: TOKEN, expires_on: String(IN_AN_HOUR), resource: 'https://management.azure.com', token_type: 'Bearer' });
    const deps = credentialDeps();
    const credential = managedIdentity(configFrom({}, APP_SERVICE_ENV), deps);

    const token = await credential.getToken(ARM);

    expect(scope.isDone()).toBe(true);
    expect(credential.kind).toBe('managed-identity');
    expect(token).toEqual({ token: TOKEN, expiresOn: new Date(IN_AN_HOUR * 1000) });
    expect(deps.masks).toContain(TOKEN);
    expect(deps.logs.join('\n')).not.toContain('identity-header-secret');
  });

  it('selects a user-assigned identity with client_id', async () => {
    const scope = nock('http://localhost:42356')
      .get('/msi/token')
      .query({ 'api-version': '2019-08-01', resource: 'https://vault.azure.net', client_id: CLIENT_ID })
      .reply(200, { access_token: TOKEN, expires_on: String(IN_AN_HOUR) });
    await managedIdentity(configFrom({ 'client-id': CLIENT_ID }, APP_SERVICE_ENV)).getToken('https://vault.azure.net/.default');
    expect(scope.isDone()).toBe(true);
  });

  it.each<[string, Record<string, string>, string]>([
    [
      'without a user-assigned identity',
      {},
      'Turn on the system-assigned identity: az containerapp identity assign --system-assigned (Functions / App Service: az webapp identity assign).'
    ],
    [
      'for an unassigned user-assigned identity',
      { 'client-id': CLIENT_ID },
      `Assign the user-assigned identity with client ID ${CLIENT_ID} to the app: az containerapp identity assign --user-assigned <identity-resource-id> ` +
        '(Functions / App Service: az webapp identity assign --identities <identity-resource-id>).'
    ]
  ])('explains a 400 %s', async (_, inputs, hint) => {
    nock('http://localhost:42356')
      .get('/msi/token')
      .query(true)
      .reply(400, { statusCode: 400, message: 'No managed identity found for the given client id.', correlationId: 'c0ffee' });
    const message = await failureOf(managedIdentity(configFrom(inputs, APP_SERVICE_ENV)).getToken(ARM));
    expect(message).toBe(
      'The App Service / Container Apps identity endpoint refused the token request with HTTP 400: No managed identity found for the given client id.\n' +
        `Correlation ID: c0ffee\n${hint}`
    );
  });

  it('refuses an answer whose cached token has already expired, whatever expires_in claims', async () => {
    nock('http://localhost:42356')
      .get('/msi/token')
      .query(true)
      .reply(200, { access_token: TOKEN, expires_in: '86399', expires_on: String(NOW / 1000 - 60) });
    expect(await failureOf(managedIdentity(configFrom({}, APP_SERVICE_ENV)).getToken(ARM))).toBe(
      'The managed identity endpoint answered with a token that expired at 2026-11-23T11:59:00Z.\n' +
        'Check the runner clock (a self-hosted runner should sync it with NTP); if the clock is right, the service is broken: re-run the job later.'
    );
  });
});

describe('VM and scale set IMDS', () => {
  it('asks 169.254.169.254 with api-version 2018-02-01 and Metadata: true', async () => {
    const scope = nock(IMDS, { reqheaders: { metadata: 'true' } })
      .get(IMDS_PATH)
      .query(IMDS_QUERY)
      .reply(200, IMDS_OK);
    const deps = credentialDeps();
    const token = await managedIdentity(configFrom({}), deps).getToken(ARM);
    expect(scope.isDone()).toBe(true);
    expect(token.expiresOn).toEqual(new Date(NOW + 86399 * 1000));
    expect(deps.masks).toEqual([TOKEN]);
    expect(deps.logs).toEqual([]);
  });

  it('reads a cached answer by its expires_on: an hour left, though expires_in says a day', async () => {
    nock(IMDS)
      .get(IMDS_PATH)
      .query(IMDS_QUERY)
      .reply(200, { ...IMDS_OK, expires_on: String(IN_AN_HOUR) });
    const token = await managedIdentity(configFrom({})).getToken(ARM);
    expect(token.expiresOn).toEqual(new Date(Date.UTC(2026, 10, 23, 13)));
  });

  it('selects a user-assigned identity with client_id', async () => {
    const scope = nock(IMDS)
      .get(IMDS_PATH)
      .query({ ...IMDS_QUERY, client_id: CLIENT_ID })
      .reply(200, IMDS_OK);
    await managedIdentity(configFrom({ 'client-id': CLIENT_ID })).getToken(ARM);
    expect(scope.isDone()).toBe(true);
  });

  it('goes to the host AZURE_POD_IDENTITY_AUTHORITY_HOST names', async () => {
    const scope = nock('http://10.0.0.7:2579').get(IMDS_PATH).query(IMDS_QUERY).reply(200, IMDS_OK);
    const deps = credentialDeps();
    await managedIdentity(configFrom({}, { AZURE_POD_IDENTITY_AUTHORITY_HOST: 'http://10.0.0.7:2579/' }), deps).getToken(ARM);
    expect(scope.isDone()).toBe(true);
    expect(deps.logs).toEqual(['Managed identity: IMDS at http://10.0.0.7:2579 (AZURE_POD_IDENTITY_AUTHORITY_HOST).']);
  });

  it('ends a 410 IMDS never stops answering with the busy hint, having waited at least the 70 s it announces', async () => {
    nock(IMDS).get(IMDS_PATH).query(true).times(10).reply(410, { error: 'gone', error_description: 'IMDS is being updated.' });
    const http = testHttp({ random: () => 0 });
    const message = await failureOf(managedIdentity(configFrom({}), credentialDeps(undefined, http)).getToken(ARM));
    expect(http.sleeps.reduce((sum, ms) => sum + ms, 0)).toBeGreaterThanOrEqual(70_000);
    expect(message).toBe(
      'IMDS managed identity endpoint (GET http://169.254.169.254/metadata/identity/oauth2/token) answered HTTP 410 after 10 attempts: IMDS is being updated.\n' +
        'The endpoint is busy or being updated; re-run the job in a minute.'
    );
    expect(nock.isDone()).toBe(true);
  });

  it.each<[string, Record<string, string>, string]>([
    [
      'without client-id',
      {},
      "Turn on the VM's system-assigned identity: az vm identity assign -g <group> -n <vm> (a scale set: az vmss identity assign), or give 'client-id' of a user-assigned one."
    ],
    [
      'with client-id',
      { 'client-id': CLIENT_ID },
      `Assign the user-assigned identity with client ID ${CLIENT_ID} to the VM: az vm identity assign -g <group> -n <vm> --identities <identity-resource-id> (a scale set: az vmss identity assign).`
    ]
  ])('does not retry "Identity not found" and explains it %s', async (_, inputs, hint) => {
    const scope = nock(IMDS)
      .get(IMDS_PATH)
      .query(true)
      .once()
      .reply(400, { error: 'invalid_request', error_description: 'Identity not found' });
    const deps = credentialDeps();
    const message = await failureOf(managedIdentity(configFrom(inputs), deps).getToken(ARM));
    expect(scope.isDone()).toBe(true);
    expect(deps.http.sleeps).toEqual([]);
    expect(message).toBe(`The VM instance metadata service (IMDS) refused the token request with HTTP 400: Identity not found\n${hint}`);
  });

  it('explains an unknown resource, naming the resource asked for', async () => {
    nock(IMDS).get(IMDS_PATH).query({ 'api-version': '2018-02-01', resource: 'https://nope' }).reply(400, {
      error: 'invalid_resource',
      error_description: 'AADSTS500011: The resource principal named https://nope was not found.'
    });
    const message = await failureOf(managedIdentity(configFrom({})).getToken('https://nope/.default'));
    expect(message).toBe(
      'The VM instance metadata service (IMDS) refused the token request with HTTP 400: AADSTS500011: The resource principal named https://nope was not found.\n' +
        "The resource 'https://nope' is not known in the identity's tenant: check 'resource' for a typo."
    );
  });

  it('fails after one try when nothing answers: this is no Azure VM', async () => {
    const scope = nock(IMDS)
      .get(IMDS_PATH)
      .query(true)
      .once()
      .replyWithError(Object.assign(new Error('connect EHOSTUNREACH 169.254.169.254:80'), { code: 'EHOSTUNREACH' }));
    const deps = credentialDeps();
    const message = await failureOf(managedIdentity(configFrom({}), deps).getToken(ARM));
    expect(scope.isDone()).toBe(true);
    expect(deps.http.sleeps).toEqual([]);
    expect(message.split('\n')[0]).toBe(
      'No managed identity: the VM instance metadata service at http://169.254.169.254 did not answer (connect EHOSTUNREACH 169.254.169.254:80).'
    );
  });

  it('refuses a token for another tenant than its own', async () => {
    nock(IMDS).get(IMDS_PATH).query(true).twice().reply(200, IMDS_OK);
    const credential = managedIdentity(configFrom({}));
    await expect(credential.getToken(ARM, { tenantId: TENANT_ID.toUpperCase() })).resolves.toMatchObject({ token: TOKEN });
    const message = await failureOf(credential.getToken(ARM, { tenantId: '00000000-0000-0000-0000-00000000abcd' }));
    expect(message).toBe(
      `A managed identity gets tokens only in its own tenant (${TENANT_ID}), and tenant 00000000-0000-0000-0000-00000000abcd was asked for.\n` +
        "Use a vault in the identity's tenant, or an app registration of that tenant (auth-type oidc, secret or certificate)."
    );
  });

  it('refuses another tenant when the token names none', async () => {
    nock(IMDS)
      .get(IMDS_PATH)
      .query(true)
      .reply(200, { ...IMDS_OK, access_token: 'not-a-jwt' });
    const message = await failureOf(managedIdentity(configFrom({})).getToken(ARM, { tenantId: TENANT_ID }));
    expect(message.split('\n')[0]).toBe(
      `A managed identity gets tokens only in its own tenant (unknown), and tenant ${TENANT_ID} was asked for.`
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
  const REFUSAL_HINT =
    'Only the Arc agent names key files; check that IDENTITY_ENDPOINT is the Arc agent (azcmagent show), and restart the agent: sudo systemctl restart himdsd.';

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
      .reply(200, { access_token: TOKEN, expires_on: IN_AN_HOUR });
    const deps = credentialDeps();

    const token = await managedIdentity(configFrom({}, arcEnv()), deps).getToken(ARM);

    expect(first.isDone() && second.isDone()).toBe(true);
    expect(token.expiresOn).toEqual(new Date(IN_AN_HOUR * 1000));
    expect(deps.masks).toEqual([KEY, TOKEN]);
    expect(deps.logs).toEqual([`Azure Arc: test hook AZURE_TOKEN_TEST_ARC_KEY_DIR allows key files in ${keyDir}.`]);
  });

  it.each<[string, () => string]>([
    ['outside the allowed directory', () => path.join(os.tmpdir(), 'elsewhere.key')],
    ['in a directory below it', () => path.join(keyDir, 'sub', 'x.key')],
    ['that climbs out of it', () => `${keyDir}/../x.key`],
    ['not named .key', () => path.join(keyDir, 'passwd')]
  ])('refuses a key file %s, and sends nothing', async (_, file) => {
    challenge(file());
    const message = await failureOf(managedIdentity(configFrom({}, arcEnv())).getToken(ARM));
    expect(message).toBe(`Refusing the Azure Arc key file '${file()}': it must be a .key file directly in ${keyDir}.\n${REFUSAL_HINT}`);
    expect(nock.pendingMocks()).toEqual([]);
  });

  (process.platform === 'win32' ? it.skip : it)('refuses a link in the key directory to a file outside it, and sends nothing', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'arc-outside-'));
    try {
      fs.writeFileSync(path.join(outside, 'secret.txt'), 'not-a-key');
      const link = path.join(keyDir, 'link.key');
      fs.symlinkSync(path.join(outside, 'secret.txt'), link);
      challenge(link);
      const message = await failureOf(managedIdentity(configFrom({}, arcEnv())).getToken(ARM));
      expect(message).toBe(`Refusing the Azure Arc key file '${link}': it resolves to a file outside ${keyDir}.\n${REFUSAL_HINT}`);
      expect(nock.pendingMocks()).toEqual([]);
    } finally {
      fs.rmSync(path.join(keyDir, 'link.key'), { force: true });
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('does not honour the test hook when IDENTITY_ENDPOINT is not loopback http', async () => {
    const env = { ...arcEnv(), IDENTITY_ENDPOINT: 'http://10.1.2.3:40342/metadata/identity/oauth2/token' };
    nock('http://10.1.2.3:40342')
      .get(IMDS_PATH)
      .query(arcQuery)
      .reply(401, {}, { 'WWW-Authenticate': `Basic realm=${keyFile}` });
    const message = await failureOf(managedIdentity(configFrom({}, env)).getToken(ARM));
    expect(message).toBe(
      `Refusing the Azure Arc key file '${keyFile}': it must be a .key file directly in /var/opt/azcmagent/tokens.\n${REFUSAL_HINT}`
    );
  });

  it('fails clearly on a 401 that names no key file', async () => {
    nock('http://127.0.0.1:40342').get(IMDS_PATH).query(arcQuery).reply(401, {});
    const message = await failureOf(managedIdentity(configFrom({}, arcEnv())).getToken(ARM));
    expect(message).toBe(
      'The Azure Arc identity endpoint answered 401 without naming a key file (no "WWW-Authenticate: Basic realm=<path>").\n' +
        'Check that IDENTITY_ENDPOINT is the Arc agent (azcmagent show), and restart the agent: sudo systemctl restart himdsd.'
    );
  });

  it('refuses client-id: Arc has only the system-assigned identity', () => {
    const create = () => managedIdentity(configFrom({ 'client-id': CLIENT_ID }, arcEnv()));
    expect(create).toThrow(InputError);
    expect(create).toThrow(
      "Input 'client-id' selects a user-assigned identity, but an Azure Arc machine has only its system-assigned identity."
    );
  });
});

describe('source detection', () => {
  it.each<[string, Record<string, string>, string]>([
    ['IDENTITY_ENDPOINT + IDENTITY_HEADER', APP_SERVICE_ENV, 'app-service'],
    [
      'IDENTITY_ENDPOINT + IMDS_ENDPOINT',
      { IDENTITY_ENDPOINT: 'http://localhost:40342/t', IMDS_ENDPOINT: 'http://localhost:40342' },
      'arc'
    ],
    ['all three (App Service first, as msal-node)', { ...APP_SERVICE_ENV, IMDS_ENDPOINT: 'http://localhost:40342' }, 'app-service'],
    ['none of them', {}, 'imds'],
    ['IMDS_ENDPOINT alone', { IMDS_ENDPOINT: 'http://localhost:40342' }, 'imds']
  ])('%s is %s', (_, env, source) => {
    expect(managedIdentitySource(configFrom({}, env).context)).toBe(source);
  });

  it('refuses IDENTITY_ENDPOINT alone', () => {
    expect(() => managedIdentity(configFrom({}, { IDENTITY_ENDPOINT: 'http://127.0.0.1:1/token' }))).toThrow(
      'IDENTITY_ENDPOINT is set, but neither IDENTITY_HEADER (App Service, Functions, Container Apps) nor IMDS_ENDPOINT (Azure Arc) is.'
    );
  });
});

// Retries and time bounds of IMDS: managed-identity/imds.test.ts; the Arc key rules: managed-identity/arc.test.ts;
// reading answers and error shapes: managed-identity/answer.test.ts.
