import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { CLOUDS } from '../../../../src/core/clouds.js';
import type { Credential } from '../../../../src/core/credentials/credential.js';
import { ActionError } from '../../../../src/core/errors.js';
import { type KeyVaultDeps, loadSecrets, MAX_REQUESTS_IN_FLIGHT, type SecretsLoad } from '../../../../src/core/keyvault/load.js';
import { LIST_LIMITS } from '../../../../src/core/keyvault/listing.js';
import { parseSecretsInput } from '../../../../src/core/keyvault/references.js';
import { cachedTokenSource } from '../../../../src/core/token-cache.js';
import { fakeJwt, NOW, OBJECT_ID, recordingLog, recordingMasker, TENANT_ID, type TestHttp, testHttp } from '../../support.js';

const VAULT = 'https://my-vault.vault.azure.net';
const OTHER_VAULT = 'https://other-vault.vault.azure.net';
const SCOPE = 'https://vault.azure.net/.default';
const API = { 'api-version': '7.4' };
const OTHER_TENANT = '99999999-8888-7777-6666-555555555555';
const NOW_SECONDS = NOW / 1000;

/** The vault token the fake credential hands out for a scope and tenant. */
function tokenFor(scope: string, tenantId = TENANT_ID): string {
  return fakeJwt({ aud: scope.replace(/\/\.default$/, ''), tid: tenantId, oid: OBJECT_ID });
}
const BEARER = `Bearer ${tokenFor(SCOPE)}`;

function kvError(status: number, code: string, message: string, inner?: string): [number, nock.Body] {
  return [status, { error: { code, message, ...(inner ? { innererror: { code: inner } } : {}) } }];
}

let http: TestHttp;

function setup(): {
  deps: KeyVaultDeps;
  masks: string[];
  logs: string[];
  notices: string[];
  debugs: string[];
  tokenRequests: Array<[string, string | undefined]>;
  load: (
    text: string,
    options?: { keyvault?: string; ignoreMissing?: boolean; maxInFlight?: number; listLimits?: { pages: number; items: number } }
  ) => Promise<SecretsLoad>;
} {
  http = testHttp();
  const masker = recordingMasker();
  const masks = masker.masks;
  const log = recordingLog();
  const logs = log.infos;
  const tokenRequests: Array<[string, string | undefined]> = [];
  const credential: Credential = {
    kind: 'secret',
    getToken: async (scope, options) => {
      tokenRequests.push([scope, options?.tenantId]);
      return { token: tokenFor(scope, options?.tenantId), expiresOn: new Date(NOW + 3_600_000) };
    }
  };
  const deps: KeyVaultDeps = {
    http,
    now: () => NOW,
    masker,
    tokens: cachedTokenSource(credential),
    log
  };
  const load = (
    text: string,
    options: { keyvault?: string; ignoreMissing?: boolean; maxInFlight?: number; listLimits?: { pages: number; items: number } } = {}
  ): Promise<SecretsLoad> =>
    loadSecrets(parseSecretsInput(text, options.keyvault, CLOUDS.AzureCloud), deps, {
      scope: SCOPE,
      ignoreMissing: options.ignoreMissing ?? false,
      assignee: OBJECT_ID,
      ...(options.maxInFlight === undefined ? {} : { maxInFlight: options.maxInFlight }),
      ...(options.listLimits === undefined ? {} : { listLimits: options.listLimits })
    });
  return { deps, masks, logs, notices: log.notices, debugs: log.debugs, tokenRequests, load };
}

async function failure(promise: Promise<unknown>): Promise<ActionError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ActionError);
    return error as ActionError;
  }
  throw new Error('expected the load to fail');
}

const secret = (name: string, value: string, extra: Record<string, unknown> = {}): nock.Body => ({
  value,
  id: `${VAULT}/secrets/${name}/0123456789abcdef0123456789abcdef`,
  attributes: { enabled: true, created: NOW_SECONDS - 100, updated: NOW_SECONDS - 100 },
  ...extra
});

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => {
  nock.cleanAll();
  http.dispose();
});

describe('loadSecrets: getting secrets', () => {
  it('gets each secret with the vault token and api-version 7.4, masked the moment it arrives', async () => {
    const { load, masks, tokenRequests } = setup();
    const vault = nock(VAULT, { reqheaders: { authorization: BEARER } })
      .get('/secrets/db-password')
      .query(API)
      .reply(200, secret('db-password', 's3cret-db'))
      .get('/secrets/api-key/0123456789abcdef0123456789abcdef')
      .query(API)
      .reply(200, secret('api-key', 's3cret-api'));
    const result = await load('my-vault/db-password | PGPASSWORD\nmy-vault/api-key/0123456789abcdef0123456789abcdef');
    expect(result.secrets.map(({ name, envName, vault: origin, value }) => ({ name, envName, vault: origin, value }))).toEqual([
      { name: 'db-password', envName: 'PGPASSWORD', vault: VAULT, value: 's3cret-db' },
      { name: 'api-key', envName: 'API_KEY', vault: VAULT, value: 's3cret-api' }
    ]);
    expect(result.warnings).toEqual([]);
    expect(masks).toEqual(expect.arrayContaining(['s3cret-db', 's3cret-api']));
    expect(vault.isDone()).toBe(true);
    expect(tokenRequests).toEqual([[SCOPE, undefined]]);
  });

  it('shares one vault token between vaults', async () => {
    const { load, tokenRequests } = setup();
    nock(VAULT, { reqheaders: { authorization: BEARER } })
      .get('/secrets/a')
      .query(API)
      .reply(200, secret('a', 'value-a'));
    nock(OTHER_VAULT, { reqheaders: { authorization: BEARER } })
      .get('/secrets/b')
      .query(API)
      .reply(200, secret('b', 'value-b'));
    const result = await load('my-vault/a, other-vault/b');
    expect(result.secrets.map(loaded => loaded.value)).toEqual(['value-a', 'value-b']);
    expect(tokenRequests).toEqual([[SCOPE, undefined]]);
  });

  it('masks a multi-line value whole and line by line', async () => {
    const { load, masks } = setup();
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n';
    nock(VAULT).get('/secrets/tls-key').query(API).reply(200, secret('tls-key', pem));
    await load('my-vault/tls-key');
    expect(masks).toEqual([pem, '-----BEGIN PRIVATE KEY-----', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', '-----END PRIVATE KEY-----']);
  });

  it('loads an empty value as empty', async () => {
    const { load, masks } = setup();
    nock(VAULT).get('/secrets/empty').query(API).reply(200, secret('empty', ''));
    const result = await load('my-vault/empty');
    expect(result.secrets.map(loaded => [loaded.envName, loaded.value])).toEqual([['EMPTY', '']]);
    expect(masks).toEqual([]);
  });

  it('warns about an expired secret that was named, and loads it', async () => {
    const { load } = setup();
    nock(VAULT)
      .get('/secrets/old')
      .query(API)
      .reply(200, secret('old', 'old-value', { attributes: { enabled: true, exp: NOW_SECONDS - 60 } }));
    const result = await load('my-vault/old');
    expect(result.secrets).toHaveLength(1);
    expect(result.warnings).toEqual([`old in ${VAULT} expired at 2026-11-23T11:59:00Z; loaded anyway, as named. Set a new version of it.`]);
  });

  it('refuses an answer without a value', async () => {
    const { load } = setup();
    nock(VAULT)
      .get('/secrets/odd')
      .query(API)
      .reply(200, { id: `${VAULT}/secrets/odd` });
    const error = await failure(load('my-vault/odd'));
    expect(error.message).toContain(`- odd in ${VAULT}: Key Vault answered 200 without a value.`);
  });
});

describe('loadSecrets: listing a vault (VAULT/*)', () => {
  it('follows nextLink verbatim across three pages, skips disabled and expired secrets, then gets each', async () => {
    const { load, logs } = setup();
    const item = (name: string, attributes: Record<string, unknown> = { enabled: true }): unknown => ({
      id: `${VAULT}/secrets/${name}`,
      attributes
    });
    const vault = nock(VAULT, { reqheaders: { authorization: BEARER } })
      .get('/secrets')
      .query({ 'api-version': '7.4', maxresults: '25' })
      .reply(200, {
        value: [item('alpha'), item('off', { enabled: false })],
        nextLink: `${VAULT}:443/secrets?api-version=7.2&$skiptoken=page2&maxresults=25`
      })
      .get('/secrets')
      .query({ 'api-version': '7.2', $skiptoken: 'page2', maxresults: '25' })
      .reply(200, {
        value: [item('old', { enabled: true, exp: NOW_SECONDS - 1 }), item('beta', { enabled: true, exp: NOW_SECONDS + 3600 })],
        nextLink: `${VAULT}/secrets?api-version=7.2&$skiptoken=page3`
      })
      .get('/secrets')
      .query({ 'api-version': '7.2', $skiptoken: 'page3' })
      .reply(200, { value: [item('1st-key')], nextLink: null })
      .get('/secrets/alpha')
      .query(API)
      .reply(200, secret('alpha', 'value-alpha'))
      .get('/secrets/beta')
      .query(API)
      .reply(200, secret('beta', 'value-beta'))
      .get('/secrets/1st-key')
      .query(API)
      .reply(200, secret('1st-key', 'value-1st'));
    const result = await load('my-vault/* | APP_');
    expect(result.secrets.map(loaded => [loaded.envName, loaded.value])).toEqual([
      ['APP_ALPHA', 'value-alpha'],
      ['APP_BETA', 'value-beta'],
      ['APP_1ST_KEY', 'value-1st']
    ]);
    expect(vault.isDone()).toBe(true);
    expect(logs).toEqual([`Listed 3 secrets in ${VAULT} (skipped 2 disabled, expired or not yet valid).`]);
  });

  it('never follows a nextLink to another host, so the token goes nowhere else', async () => {
    const { load } = setup();
    nock(VAULT).get('/secrets').query(true).reply(200, { value: [], nextLink: 'https://evil.example.com/secrets?$skiptoken=x' });
    const evil = nock('https://evil.example.com').get(/.*/).reply(200, { value: [] });
    const error = await failure(load('my-vault/*'));
    expect(error.message).toContain(
      `- listing ${VAULT}: the listing's nextLink points to https://evil.example.com, not to the vault; refusing to send it the vault token.`
    );
    expect(evil.isDone()).toBe(false);
  });

  it('stops when a nextLink repeats a page', async () => {
    const { load } = setup();
    const again = `${VAULT}/secrets?api-version=7.4&$skiptoken=same`;
    nock(VAULT)
      .get('/secrets')
      .query({ 'api-version': '7.4', maxresults: '25' })
      .reply(200, { value: [], nextLink: again })
      .get('/secrets')
      .query({ 'api-version': '7.4', $skiptoken: 'same' })
      .reply(200, { value: [], nextLink: again });
    const error = await failure(load('my-vault/*'));
    expect(error.message).toContain('the listing sent a nextLink to a page it had already sent; stopping.');
  });

  it('reports a listing the identity may not read', async () => {
    const { load } = setup();
    nock(VAULT)
      .get('/secrets')
      .query(true)
      .reply(...kvError(403, 'Forbidden', 'Caller is not authorized to perform action on resource.\r\nCaller: x', 'ForbiddenByRbac'));
    const error = await failure(load('my-vault/*', { ignoreMissing: true }));
    expect(error.message).toContain(
      `- listing ${VAULT}: ForbiddenByRbac (HTTP 403): the identity has no role that may read secrets in this vault.`
    );
  });

  it('fetches a secret both listed and named (VAULT/* and VAULT/NAME) once', async () => {
    const { load } = setup();
    nock(VAULT)
      .get('/secrets')
      .query(true)
      .reply(200, {
        value: [
          { id: `${VAULT}/secrets/db`, attributes: { enabled: true } },
          { id: `${VAULT}/secrets/api`, attributes: { enabled: true } }
        ]
      })
      .get('/secrets/db')
      .query(API)
      .once()
      .reply(200, secret('db', 'db-value'))
      .get('/secrets/api')
      .query(API)
      .once()
      .reply(200, secret('api', 'api-value'));
    const result = await load('my-vault/*\nmy-vault/db');
    expect(result.secrets.map(loaded => [loaded.envName, loaded.reference.kind])).toEqual([
      ['API', 'all'],
      ['DB', 'secret']
    ]);
    expect(nock.isDone()).toBe(true);
  });

  it('fetches a secret listed and also named under another env name once, and exports both names', async () => {
    const { load } = setup();
    nock(VAULT)
      .get('/secrets')
      .query(true)
      .reply(200, { value: [{ id: `${VAULT}/secrets/db`, attributes: { enabled: true } }] })
      .get('/secrets/db')
      .query(API)
      .once()
      .reply(200, secret('db', 'db-value'));
    const result = await load('my-vault/*\nmy-vault/db | PGPASSWORD');
    expect(result.secrets.map(loaded => [loaded.envName, loaded.value]).sort()).toEqual([
      ['DB', 'db-value'],
      ['PGPASSWORD', 'db-value']
    ]);
    expect(nock.isDone()).toBe(true);
  });

  it("gets a page's secrets while the listing goes on, not after its last page", async () => {
    const { load } = setup();
    let firstGet!: () => void;
    const firstGetArrived = new Promise<void>(resolve => (firstGet = resolve));
    nock(VAULT)
      .get('/secrets')
      .query({ 'api-version': '7.4', maxresults: '25' })
      .reply(200, {
        value: [{ id: `${VAULT}/secrets/alpha`, attributes: { enabled: true } }],
        nextLink: `${VAULT}/secrets?$skiptoken=page2`
      })
      // The second page answers only once the first page's secret was asked for: a loader that
      // waited for the last page would never ask, and the race below reports it.
      .get('/secrets')
      .query({ $skiptoken: 'page2' })
      .reply(async () => {
        const waited = await Promise.race([
          firstGetArrived.then(() => 'asked'),
          new Promise(resolve => setTimeout(resolve, 2_000, 'not asked'))
        ]);
        return [200, { value: waited === 'asked' ? [{ id: `${VAULT}/secrets/beta`, attributes: { enabled: true } }] : [] }];
      })
      .get('/secrets/alpha')
      .query(API)
      .reply(() => {
        firstGet();
        return [200, secret('alpha', 'value-alpha')];
      })
      .get('/secrets/beta')
      .query(API)
      .reply(200, secret('beta', 'value-beta'));
    const result = await load('my-vault/*');
    expect(result.secrets.map(loaded => loaded.envName)).toEqual(['ALPHA', 'BETA']);
  });

  it('sends the next page ahead of the gets waiting for a slot', async () => {
    const { load } = setup();
    const order: string[] = [];
    const item = (name: string): unknown => ({ id: `${VAULT}/secrets/${name}`, attributes: { enabled: true } });
    nock(VAULT)
      .get('/secrets')
      .query({ 'api-version': '7.4', maxresults: '25' })
      .reply(
        () => (order.push('page 1'), [200, { value: [item('a'), item('b'), item('c')], nextLink: `${VAULT}/secrets?$skiptoken=page2` }])
      )
      .get('/secrets')
      .query({ $skiptoken: 'page2' })
      .reply(() => (order.push('page 2'), [200, { value: [item('d')] }]))
      .get(/^\/secrets\/[a-d]$/)
      .query(API)
      .times(4)
      .reply(uri => {
        const name = uri.split('?')[0]?.split('/').pop() ?? '';
        order.push(name);
        return [200, secret(name, `value-${name}`)];
      });
    await load('my-vault/*', { maxInFlight: 1 });
    // One slot: page 1's first get already holds it when page 1 is read, then page 2 jumps the queue.
    expect(order).toEqual(['page 1', 'a', 'page 2', 'b', 'c', 'd']);
  });

  it('refuses two different secrets listed under one env name', async () => {
    const { load } = setup();
    nock(VAULT)
      .get('/secrets')
      .query(true)
      .reply(200, { value: [{ id: `${VAULT}/secrets/db`, attributes: { enabled: true } }] });
    nock(OTHER_VAULT)
      .get('/secrets')
      .query(true)
      .reply(200, { value: [{ id: `${OTHER_VAULT}/secrets/DB`, attributes: { enabled: true } }] });
    const error = await failure(load('my-vault/*\nother-vault/*'));
    expect(error.message).toContain(
      `- DB: more than one secret maps to this name: db in ${VAULT} (entry 'my-vault/*'), DB in ${OTHER_VAULT} (entry 'other-vault/*'). ` +
        'Give one its own name (VAULT/SECRET | NAME), or the vault a prefix (VAULT/* | PREFIX_).'
    );
  });
});

describe('loadSecrets: concurrency and throttling', () => {
  it(`never has more than ${MAX_REQUESTS_IN_FLIGHT} requests in flight`, async () => {
    const { load } = setup();
    let inFlight = 0;
    let most = 0;
    const names = Array.from({ length: 100 }, (_, index) => `secret-${index}`);
    for (const name of names) {
      nock(VAULT)
        .get(`/secrets/${name}`)
        .query(API)
        .reply(async () => {
          inFlight++;
          most = Math.max(most, inFlight);
          for (let tick = 0; tick < 20; tick++) await new Promise(resolve => setImmediate(resolve));
          inFlight--;
          return [200, secret(name, `value-${name}`)];
        });
    }
    const result = await load(names.map(name => `my-vault/${name}`).join('\n'));
    expect(result.secrets).toHaveLength(100);
    expect(most).toBe(MAX_REQUESTS_IN_FLIGHT);
  });

  it('honours a smaller bound', async () => {
    const { load } = setup();
    let inFlight = 0;
    let most = 0;
    for (let index = 0; index < 6; index++) {
      nock(VAULT)
        .get(`/secrets/s${index}`)
        .query(API)
        .reply(async () => {
          inFlight++;
          most = Math.max(most, inFlight);
          for (let tick = 0; tick < 20; tick++) await new Promise(resolve => setImmediate(resolve));
          inFlight--;
          return [200, secret(`s${index}`, `value-${index}`)];
        });
    }
    await load('my-vault/s0, my-vault/s1, my-vault/s2, my-vault/s3, my-vault/s4, my-vault/s5', { maxInFlight: 2 });
    expect(most).toBe(2);
  });

  it('retries secrets answered 429 after their Retry-After, and loads all 30', async () => {
    const { load } = setup();
    const names = Array.from({ length: 30 }, (_, index) => `s${index}`);
    const throttled = new Set(['s3', 's11', 's29']);
    for (const name of names) {
      const scope = nock(VAULT).get(`/secrets/${name}`).query(API);
      if (throttled.has(name)) {
        scope.reply(...kvError(429, 'Throttled', 'Request was not processed because too many requests were received.'), {
          'Retry-After': '2'
        });
        nock(VAULT)
          .get(`/secrets/${name}`)
          .query(API)
          .reply(200, secret(name, `value-${name}`));
      } else {
        scope.reply(200, secret(name, `value-${name}`));
      }
    }
    const result = await load(names.map(name => `my-vault/${name}`).join(';'));
    expect(result.secrets.map(loaded => loaded.value)).toEqual(names.map(name => `value-${name}`));
    // Retry-After: 2, plus the 20 % jitter the test's randomness (always 1) draws.
    expect(http.sleeps).toEqual([2400, 2400, 2400]);
    expect(nock.isDone()).toBe(true);
  });
});

describe('loadSecrets: the 401 challenge', () => {
  it('follows a challenge naming another tenant once, then uses that token for the vault', async () => {
    const { load, tokenRequests } = setup();
    const otherBearer = `Bearer ${tokenFor(SCOPE, OTHER_TENANT)}`;
    nock(VAULT, { reqheaders: { authorization: BEARER } })
      .get('/secrets/a')
      .query(API)
      .reply(...kvError(401, 'Unauthorized', 'AKV10032: Invalid issuer.'), {
        'WWW-Authenticate': `Bearer authorization="https://login.microsoftonline.com/${OTHER_TENANT}", resource="https://vault.azure.net"`
      });
    nock(VAULT, { reqheaders: { authorization: otherBearer } })
      .get('/secrets/a')
      .query(API)
      .reply(200, secret('a', 'value-a'))
      .get('/secrets/b')
      .query(API)
      .reply(200, secret('b', 'value-b'));
    const result = await load('my-vault/a\nmy-vault/b', { maxInFlight: 1 });
    expect(result.secrets.map(loaded => loaded.value)).toEqual(['value-a', 'value-b']);
    expect(tokenRequests).toEqual([
      [SCOPE, undefined],
      [SCOPE, OTHER_TENANT]
    ]);
    expect(nock.isDone()).toBe(true);
  });

  it('refuses a challenge for a resource whose host is not a parent of the vault host', async () => {
    const { load, tokenRequests } = setup();
    nock(VAULT)
      .get('/secrets/a')
      .query(API)
      .reply(...kvError(401, 'Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.'), {
        'WWW-Authenticate': `Bearer authorization="https://login.microsoftonline.com/${OTHER_TENANT}", resource="https://evil.example.com"`
      });
    const error = await failure(load('my-vault/a'));
    expect(error.message).toContain(
      `- a in ${VAULT}: The vault ${VAULT} answered 401 with a challenge for the resource 'https://evil.example.com', ` +
        'whose host is not a parent domain of my-vault.vault.azure.net; refusing to get it a token for that resource.'
    );
    expect(tokenRequests).toEqual([[SCOPE, undefined]]);
  });

  it('reports a 401 whose challenge asks for the token it refused', async () => {
    const { load } = setup();
    nock(VAULT)
      .get('/secrets/a')
      .query(API)
      .reply(...kvError(401, 'Unauthorized', 'AKV10022: Invalid audience.'), {
        'WWW-Authenticate': `Bearer authorization="https://login.microsoftonline.com/${TENANT_ID}", resource="https://vault.azure.net"`
      });
    const error = await failure(load('my-vault/a', { ignoreMissing: true }));
    expect(error.message).toContain(
      `- a in ${VAULT}: Unauthorized (HTTP 401): Key Vault refused the token (AKV10022: Invalid audience.). ` +
        "Check that the vault is in the identity's tenant and in the cloud set by 'environment'."
    );
  });
});

describe('loadSecrets: one error for every failure', () => {
  const answers: Array<[string, [number, nock.Body], string]> = [
    [
      'missing',
      kvError(404, 'SecretNotFound', 'A secret with (name/id) missing was not found in this key vault.'),
      `- missing in ${VAULT}: SecretNotFound (HTTP 404): the vault has no such secret (or version). Check the name; a secret deleted recently can be recovered with:\n    az keyvault secret recover --vault-name my-vault --name missing`
    ],
    [
      'rbac',
      kvError(
        403,
        'Forbidden',
        "Caller is not authorized to perform action on resource.\r\nAction: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'",
        'ForbiddenByRbac'
      ),
      `- rbac in ${VAULT}: ForbiddenByRbac (HTTP 403): the identity has no role that may read secrets in this vault. Assign it 'Key Vault Secrets User':\n    az role assignment create --role "Key Vault Secrets User" --assignee ${OBJECT_ID} --scope $(az keyvault show --name my-vault --query id --output tsv)`
    ],
    [
      'firewall',
      kvError(403, 'Forbidden', 'Client address is not authorized and caller is not a trusted service.', 'ForbiddenByFirewall'),
      `- firewall in ${VAULT}: ForbiddenByFirewall (HTTP 403): the vault's firewall refused the runner's address. GitHub-hosted runners have no fixed address: run on a self-hosted runner in a network the vault allows (or behind a private endpoint), or allow the runner's IP for the job:\n    az keyvault network-rule add --name my-vault --ip-address <runner-ip>`
    ],
    [
      'policy',
      kvError(403, 'Forbidden', 'Access denied. Caller was not found on any access policy.'),
      `- policy in ${VAULT}: Forbidden (HTTP 403): the vault uses access policies, and none lets this identity read secrets. Add one:\n    az keyvault set-policy --name my-vault --object-id ${OBJECT_ID} --secret-permissions get list`
    ],
    [
      'disabled',
      kvError(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled'),
      `- disabled in ${VAULT}: SecretDisabled (HTTP 403): the secret is disabled. Enable it:\n    az keyvault secret set-attributes --vault-name my-vault --name disabled --enabled true`
    ],
    [
      'other403',
      kvError(403, 'Forbidden', 'Something else.'),
      `- other403 in ${VAULT}: Forbidden (HTTP 403): access denied (Something else.). Give the identity the role 'Key Vault Secrets User', or, on a vault with access policies, a policy with secret get and list:\n    az role assignment create --role "Key Vault Secrets User" --assignee ${OBJECT_ID} --scope $(az keyvault show --name my-vault --query id --output tsv)`
    ],
    [
      'bad',
      kvError(400, 'BadParameter', 'The request URI contains an invalid name: bad'),
      `- bad in ${VAULT}: BadParameter (HTTP 400): The request URI contains an invalid name: bad`
    ]
  ];

  it('lists each failed secret on its own line with vault, name, code and a fix, and returns nothing', async () => {
    const { load } = setup();
    nock(VAULT).get('/secrets/fine').query(API).reply(200, secret('fine', 'fine-value'));
    for (const [name, answer] of answers) nock(VAULT).get(`/secrets/${name}`).query(API).reply(answer[0], answer[1]);
    const error = await failure(load(['my-vault/fine', ...answers.map(([name]) => `my-vault/${name}`)].join('\n')));
    expect(error.message).toBe(
      ['Could not load 7 Key Vault secrets, so none was exported:', ...answers.map(([, , expected]) => expected)].join('\n')
    );
    expect(error.hint).toBe('To load the others and only warn about missing or disabled secrets, set ignore-missing-secrets: true.');
    expect(error.message).not.toContain('fine-value');
  });

  it('with ignore-missing-secrets, warns about missing and disabled secrets and loads the rest', async () => {
    const { load } = setup();
    nock(VAULT)
      .get('/secrets/fine')
      .query(API)
      .reply(200, secret('fine', 'fine-value'))
      .get('/secrets/missing')
      .query(API)
      .reply(...kvError(404, 'SecretNotFound', 'not found'))
      .get('/secrets/disabled')
      .query(API)
      .reply(...kvError(403, 'Forbidden', 'disabled', 'SecretDisabled'));
    const result = await load('my-vault/fine, my-vault/missing, my-vault/disabled', { ignoreMissing: true });
    expect(result.secrets.map(loaded => loaded.envName)).toEqual(['FINE']);
    expect(result.warnings).toEqual([
      `Skipped, as ignore-missing-secrets is true: missing in ${VAULT}: SecretNotFound (HTTP 404): the vault has no such secret (or version). Check the name; a secret deleted recently can be recovered with:\n    az keyvault secret recover --vault-name my-vault --name missing`,
      `Skipped, as ignore-missing-secrets is true: disabled in ${VAULT}: SecretDisabled (HTTP 403): the secret is disabled. Enable it:\n    az keyvault secret set-attributes --vault-name my-vault --name disabled --enabled true`
    ]);
  });

  it('with ignore-missing-secrets, a forbidden secret is still an error', async () => {
    const { load } = setup();
    nock(VAULT)
      .get('/secrets/missing')
      .query(API)
      .reply(...kvError(404, 'SecretNotFound', 'not found'))
      .get('/secrets/rbac')
      .query(API)
      .reply(...kvError(403, 'Forbidden', 'no', 'ForbiddenByRbac'));
    const error = await failure(load('my-vault/missing, my-vault/rbac', { ignoreMissing: true }));
    expect(error.message.split('\n')).toEqual([
      'Could not load a Key Vault secret, so none was exported:',
      `- rbac in ${VAULT}: ForbiddenByRbac (HTTP 403): the identity has no role that may read secrets in this vault. Assign it 'Key Vault Secrets User':`,
      `    az role assignment create --role "Key Vault Secrets User" --assignee ${OBJECT_ID} --scope $(az keyvault show --name my-vault --query id --output tsv)`
    ]);
    expect(error.hint).toBeUndefined();
  });

  it('reports a vault that cannot be reached, after the HTTP layer retried', async () => {
    const { load } = setup();
    // An Error carrying the code: nock hangs on a plain object (nock/nock#2829).
    nock(VAULT)
      .get('/secrets/a')
      .query(API)
      .times(4)
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const error = await failure(load('my-vault/a'));
    expect(error.message).toContain(
      `- a in ${VAULT}: Key Vault (GET ${VAULT}/secrets/a) failed after 4 attempts: ECONNRESET: socket hang up`
    );
    expect(http.sleeps).toHaveLength(3);
  });

  it('reports a server error that outlasted the retries, with its code', async () => {
    const { load } = setup();
    nock(VAULT)
      .get('/secrets/a')
      .query(API)
      .times(4)
      .reply(...kvError(503, 'ServiceUnavailable', 'The service is busy.'));
    const error = await failure(load('my-vault/a'));
    expect(error.message).toContain(
      `- a in ${VAULT}: ServiceUnavailable (HTTP 503): Key Vault (GET ${VAULT}/secrets/a) answered HTTP 503 after 4 attempts (The service is busy.). Re-run the job; if it persists, check Azure status for Key Vault in the vault's region.`
    );
  });

  it('reports an HTML error page that outlasted the retries by its status, and what to do', async () => {
    const { load } = setup();
    nock(VAULT).get('/secrets/a').query(API).times(4).reply(502, '<html><body>502 Bad Gateway</body></html>');
    const error = await failure(load('my-vault/a'));
    expect(error.message).toContain(
      `- a in ${VAULT}: HTTP 502: Key Vault (GET ${VAULT}/secrets/a) answered HTTP 502 after 4 attempts. Re-run the job; if it persists, check Azure status for Key Vault in the vault's region.`
    );
  });
});

describe('loadSecrets: a vault cannot turn against the job', () => {
  const item = (name: string, extra: Record<string, unknown> = {}): unknown => ({
    id: `${VAULT}/secrets/${name}`,
    attributes: { enabled: true },
    ...extra
  });

  it('sets a listed secret whose name would steer later steps as an output only, and warns with the fix', async () => {
    const { load } = setup();
    nock(VAULT)
      .get('/secrets')
      .query(true)
      .reply(200, { value: [item('bash-env'), item('db-password'), item('github-output')], nextLink: null })
      .get('/secrets/bash-env')
      .query(API)
      .reply(200, secret('bash-env', 'echo pwned'))
      .get('/secrets/db-password')
      .query(API)
      .reply(200, secret('db-password', 'pw'))
      .get('/secrets/github-output')
      .query(API)
      .reply(200, secret('github-output', '/tmp/elsewhere'));
    const result = await load('my-vault/*');
    expect(result.secrets.map(loaded => [loaded.envName, loaded.exportable])).toEqual([
      ['BASH_ENV', false],
      ['DB_PASSWORD', true],
      ['GITHUB_OUTPUT', false]
    ]);
    expect(result.warnings).toEqual([
      `bash-env in ${VAULT} is set as the output BASH_ENV only, not exported: that environment variable would run code in, steer, or redirect the later steps. To export it, give the vault a prefix:\n    my-vault/* | APP_`,
      `github-output in ${VAULT} is set as the output GITHUB_OUTPUT only, not exported: that environment variable would run code in, steer, or redirect the later steps. To export it, give the vault a prefix:\n    my-vault/* | APP_`
    ]);
  });

  it('exports such a name once a prefix makes it harmless', async () => {
    const { load } = setup();
    nock(VAULT)
      .get('/secrets')
      .query(true)
      .reply(200, { value: [item('bash-env')], nextLink: null })
      .get('/secrets/bash-env')
      .query(API)
      .reply(200, secret('bash-env', 'echo pwned'));
    const result = await load('my-vault/* | APP_');
    expect(result.secrets.map(loaded => [loaded.envName, loaded.exportable])).toEqual([['APP_BASH_ENV', true]]);
    expect(result.warnings).toEqual([]);
  });

  it('skips certificate-backed secrets under VAULT/* with a notice naming them, and still loads one by name', async () => {
    const { load, notices } = setup();
    const certificateItem = (name: string): unknown =>
      item(name, { managed: true, contentType: 'application/x-pkcs12', kid: `${VAULT}/keys/${name}/0123` });
    nock(VAULT)
      .get('/secrets')
      .query(true)
      .reply(200, { value: [certificateItem('tls-cert'), certificateItem('signing-cert'), item('plain')], nextLink: null })
      .get('/secrets/plain')
      .query(API)
      .reply(200, secret('plain', 'plain-value'))
      .get('/secrets/tls-cert')
      .query(API)
      .reply(200, secret('tls-cert', 'pfx-bytes', { managed: true, kid: `${VAULT}/keys/tls-cert/0123` }));
    const result = await load('my-vault/*\nmy-vault/tls-cert | TLS_PFX');
    expect(result.secrets.map(loaded => loaded.envName)).toEqual(['PLAIN', 'TLS_PFX']);
    expect(notices).toEqual([
      `Skipped 2 certificate-backed secrets of ${VAULT}/* (each holds a certificate's private key): tls-cert, signing-cert. Name one in 'secrets' to load it.`
    ]);
  });

  it('skips secrets not valid yet (nbf ahead), and follows an empty page in the middle', async () => {
    const { load, logs, debugs } = setup();
    nock(VAULT)
      .get('/secrets')
      .query({ 'api-version': '7.4', maxresults: '25' })
      .reply(200, { value: [], nextLink: `${VAULT}:443/secrets?api-version=7.2&$skiptoken=2` })
      .get('/secrets')
      .query({ 'api-version': '7.2', $skiptoken: '2' })
      .reply(200, { value: [item('later', { attributes: { enabled: true, nbf: NOW_SECONDS + 3600 } }), item('now')], nextLink: null })
      .get('/secrets/now')
      .query(API)
      .reply(200, secret('now', 'now-value'));
    const result = await load('my-vault/*');
    expect(result.secrets.map(loaded => loaded.envName)).toEqual(['NOW']);
    expect(logs).toEqual([`Listed 1 secret in ${VAULT} (skipped 1 disabled, expired or not yet valid).`]);
    expect(debugs).toContain(`Skipped in ${VAULT}: later (not yet valid)`);
  });

  it('bounds a listing at 1,000 pages and 100,000 items by default', () => {
    expect(LIST_LIMITS).toEqual({ pages: 1_000, items: 100_000 });
  });

  it('stops an endless listing after its page bound (the end-to-end test runs the real one)', async () => {
    const { load } = setup();
    let page = 0;
    nock(VAULT)
      .persist()
      .get('/secrets')
      .query(true)
      .reply(() => [200, { value: [], nextLink: `${VAULT}/secrets?api-version=7.4&$skiptoken=${++page}` }]);
    const error = await failure(load('my-vault/*', { listLimits: { pages: 30, items: 100_000 } }));
    expect(error.message).toBe(
      `Could not load a Key Vault secret, so none was exported:\n- listing ${VAULT}: the listing went on past 30 pages; stopping (a vault holds at most a few thousand secrets).`
    );
    expect(page).toBe(30);
  });

  it('stops a listing past its item bound', async () => {
    const { load } = setup();
    let page = 0;
    const items = Array.from({ length: 25 }, (_, index) => item(`s${index}`, { attributes: { enabled: false } }));
    nock(VAULT)
      .persist()
      .get('/secrets')
      .query(true)
      .reply(() => [200, { value: items, nextLink: `${VAULT}/secrets?api-version=7.4&$skiptoken=${++page}` }]);
    const error = await failure(load('my-vault/*', { listLimits: { pages: 1_000, items: 100 } }));
    expect(error.message).toBe(
      `Could not load a Key Vault secret, so none was exported:\n- listing ${VAULT}: the listing went on past 100 items; stopping.`
    );
    // Four pages hold exactly 100 items; the fifth goes past.
    expect(page).toBe(5);
  });

  it('fails a page without a value array instead of calling the vault empty', async () => {
    const { load } = setup();
    nock(VAULT)
      .get('/secrets')
      .query(true)
      .reply(200, { items: [item('a')], nextLink: null });
    const error = await failure(load('my-vault/*'));
    expect(error.message).toBe(
      `Could not load a Key Vault secret, so none was exported:\n- listing ${VAULT}: page 1 of the listing holds no 'value' array: it is not a Key Vault listing.`
    );
  });

  it('fetches once a secret that a listing repeats thousands of times', async () => {
    const { load } = setup();
    const repeated = Array.from({ length: 5_000 }, () => item('same'));
    nock(VAULT)
      .get('/secrets')
      .query(true)
      .reply(200, { value: repeated, nextLink: null })
      .get('/secrets/same')
      .query(API)
      .once()
      .reply(200, secret('same', 'same-value'));
    const result = await load('my-vault/*');
    expect(result.secrets.map(loaded => loaded.envName)).toEqual(['SAME']);
  });

  it('refuses a value larger than Key Vault can hold, exporting nothing', async () => {
    const { load } = setup();
    nock(VAULT)
      .get('/secrets/big')
      .query(API)
      .reply(200, secret('big', 'x'.repeat(25 * 1024 + 1)));
    const error = await failure(load('my-vault/big'));
    expect(error.message).toBe(
      `Could not load a Key Vault secret, so none was exported:\n- big in ${VAULT}: the answer's value has 25601 bytes, more than the 25 KB a Key Vault secret can hold; refusing to export it.`
    );
  });

  it('shows a Key Vault message as data, with a known secret in it replaced', async () => {
    const { load, deps } = setup();
    deps.masker.mask('the-client-secret');
    nock(VAULT)
      .get('/secrets/a')
      .query(API)
      .reply(...kvError(400, 'BadParameter', 'bad the-client-secret\n::save-state name=token-file::/etc/passwd'));
    const error = await failure(load('my-vault/a'));
    expect(error.message).toBe(
      `Could not load a Key Vault secret, so none was exported:\n- a in ${VAULT}: BadParameter (HTTP 400): bad ***`
    );
  });
});
