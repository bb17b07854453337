/**
 * The fake Azure and the runner harness, tested directly over HTTP: if the fake drifts from
 * the real wire protocol (docs/protocol.md; §N is its section N), every end-to-end test lies.
 */
import { describe, it, expect, beforeAll, afterAll, afterEach } from '@jest/globals';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { startFakeAzure, DEFAULTS, decodeJwt, loadTestCertificate, type FakeAzure, type TestCertificate } from '../../test/fake-azure/server.js';
import { runAction, findLeaks, parseActionInputs, parseFileCommands, type ActionResult } from '../../test/harness/runner.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const VAULT = 'https://vault.azure.net';

let fake: FakeAzure;

beforeAll(async () => {
  fake = await startFakeAzure({ tls: true });
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  fake.clearFaults();
});

// ------------------------------------------------------------------------------------------
// helpers

interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

async function reply(res: Response): Promise<Reply> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body };
}

async function postToken(fields: Record<string, string>, url = fake.entra.tokenUrl()): Promise<Reply> {
  return reply(await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) }));
}

function secretForm(overrides: Record<string, string> = {}): Record<string, string> {
  return { client_id: DEFAULTS.clientId, grant_type: 'client_credentials', scope: `${VAULT}/.default`, client_secret: DEFAULTS.clientSecret, ...overrides };
}

async function vaultToken(): Promise<string> {
  const { body } = await postToken(secretForm());
  return body.access_token as string;
}

async function getJson(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  return reply(await fetch(url, { headers }));
}

async function githubToken(audience = DEFAULTS.federatedAudience): Promise<string> {
  const { body } = await getJson(`${fake.github.idTokenUrl}&audience=${encodeURIComponent(audience)}`, { authorization: `Bearer ${fake.github.requestToken}` });
  return body.value as string;
}

function federatedForm(assertion: string): Record<string, string> {
  return { client_id: DEFAULTS.clientId, grant_type: 'client_credentials', scope: `${VAULT}/.default`, client_assertion_type: JWT_BEARER, client_assertion: assertion };
}

/** A certificate client assertion signed here with node:crypto, independent of the fake's JWT code (§2). */
function certificateAssertion(cert: TestCertificate, aud: string, alg: 'PS256' | 'RS256' = 'PS256'): string {
  const now = Math.floor(Date.now() / 1000);
  const header = alg === 'PS256' ? { alg, typ: 'JWT', 'x5t#S256': cert.x5tS256 } : { alg, typ: 'JWT', x5t: cert.x5t };
  const payload = { aud, iss: DEFAULTS.clientId, sub: DEFAULTS.clientId, jti: crypto.randomUUID(), nbf: now, iat: now, exp: now + 600 };
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const padding = alg === 'PS256' ? { padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : { padding: crypto.constants.RSA_PKCS1_PADDING };
  const signature = crypto.sign('sha256', Buffer.from(input), { key: cert.keyPem, ...padding });
  return `${input}.${signature.toString('base64url')}`;
}

function claimsOf(token: string): Record<string, any> {
  const decoded = decodeJwt(token);
  if (!decoded) throw new Error('not a JWT');
  return decoded.payload;
}

// ------------------------------------------------------------------------------------------

describe('GitHub OIDC (§1)', () => {
  it('refuses a request without the job request token', async () => {
    const { status } = await getJson(`${fake.github.idTokenUrl}&audience=x`);
    expect(status).toBe(401);
  });

  it('returns {value: JWT} signed RS256 with kid and x5t, the audience asked for, and the documented claims', async () => {
    const token = await githubToken();
    const decoded = decodeJwt(token)!;
    expect(decoded.header).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: expect.any(String), x5t: expect.any(String) });
    expect(crypto.verify('sha256', Buffer.from(decoded.signingInput), fake.github.publicKey, decoded.signature)).toBe(true);
    expect(decoded.payload).toMatchObject({
      iss: 'https://token.actions.githubusercontent.com',
      sub: DEFAULTS.githubSubject,
      aud: DEFAULTS.federatedAudience,
      repository: 'octo-org/octo-repo',
      ref: 'refs/heads/main',
      runner_environment: 'github-hosted',
      event_name: 'push',
      job_workflow_ref: expect.stringContaining('.github/workflows/')
    });
    expect(decoded.payload.exp - decoded.payload.iat).toBe(300);
  });

  it('defaults the audience to https://github.com/<owner>', async () => {
    const { body } = await getJson(fake.github.idTokenUrl, { authorization: `Bearer ${fake.github.requestToken}` });
    expect(claimsOf(body.value).aud).toBe('https://github.com/octo-org');
  });
});

describe('Entra ID token endpoint (§2)', () => {
  it('issues an app token for a client secret', async () => {
    const { status, body } = await postToken(secretForm());
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 });
    const claims = claimsOf(body.access_token);
    expect(claims).toMatchObject({
      aud: VAULT,
      iss: `https://sts.windows.net/${DEFAULTS.tenantId}/`,
      tid: DEFAULTS.tenantId,
      oid: DEFAULTS.servicePrincipalObjectId,
      appid: DEFAULTS.clientId,
      azp: DEFAULTS.clientId,
      ver: '1.0',
      idtyp: 'app'
    });
    expect(claims.exp - claims.iat).toBe(3599);
  });

  it('finds the tenant by its domain and ignores unknown form fields', async () => {
    const { status } = await postToken(secretForm({ 'x-client-SKU': 'azure-token', claims: '{}' }), fake.entra.tokenUrl(DEFAULTS.tenantDomain));
    expect(status).toBe(200);
  });

  it('accepts HTTP Basic client authentication', async () => {
    const basic = Buffer.from(`${encodeURIComponent(DEFAULTS.clientId)}:${encodeURIComponent(DEFAULTS.clientSecret)}`).toString('base64');
    const res = await fetch(fake.entra.tokenUrl(), {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: `${VAULT}/.default` })
    });
    expect(res.status).toBe(200);
  });

  const errorCases: Array<[string, string, Record<string, string>, number, string, number]> = [
    ['an unknown tenant', 'not-a-tenant.onmicrosoft.com', {}, 400, 'invalid_request', 90002],
    ['the common endpoint', 'common', {}, 400, 'invalid_request', 9001023],
    ['an unknown client id', DEFAULTS.tenantId, { client_id: '00000000-0000-0000-0000-000000000001' }, 400, 'unauthorized_client', 700016],
    ['a missing grant_type', DEFAULTS.tenantId, { grant_type: '' }, 400, 'invalid_request', 900144],
    ['a scope without /.default', DEFAULTS.tenantId, { scope: VAULT }, 400, 'invalid_scope', 70011],
    ['scopes of two resources', DEFAULTS.tenantId, { scope: `${VAULT}/.default https://graph.microsoft.com/.default` }, 400, 'invalid_scope', 700022],
    ['an unknown resource', DEFAULTS.tenantId, { scope: 'https://vault.azure.nett/.default' }, 400, 'invalid_resource', 500011],
    ['a wrong client secret', DEFAULTS.tenantId, { client_secret: 'a1b2c3d4-secret-id-not-value' }, 401, 'invalid_client', 7000215],
    ['an expired client secret', DEFAULTS.tenantId, { client_secret: DEFAULTS.expiredClientSecret }, 401, 'invalid_client', 7000222],
    ['neither secret nor assertion', DEFAULTS.tenantId, { client_secret: '' }, 401, 'invalid_client', 7000218]
  ];

  it.each(errorCases)('answers %s like the real service', async (_name, tenant, overrides, status, error, code) => {
    const form = secretForm(overrides);
    for (const [key, value] of Object.entries(overrides)) if (value === '') delete form[key];
    const res = await postToken(form, fake.entra.tokenUrl(tenant));
    expect(res.status).toBe(status);
    expect(res.body).toEqual({
      error,
      error_description: expect.stringMatching(new RegExp(`^AADSTS${code}: .+\\r\\nTrace ID: [0-9a-f-]{36}\\r\\nCorrelation ID: [0-9a-f-]{36}\\r\\nTimestamp: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`, 's')),
      error_codes: [code],
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/),
      trace_id: expect.any(String),
      correlation_id: expect.any(String),
      error_uri: `https://login.microsoftonline.com/error?code=${code}`
    });
  });

  it('echoes client-request-id as the correlation id', async () => {
    const res = await fetch(fake.entra.tokenUrl(), {
      method: 'POST',
      headers: { 'client-request-id': '11111111-2222-3333-4444-555555555555', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(secretForm({ client_secret: 'wrong' }))
    });
    expect((await res.json()) as Record<string, unknown>).toMatchObject({ correlation_id: '11111111-2222-3333-4444-555555555555' });
  });
});

describe('federated assertions (§1, §2)', () => {
  it('exchanges a GitHub token whose issuer, subject and audience match', async () => {
    const { status, body } = await postToken(federatedForm(await githubToken()));
    expect(status).toBe(200);
    expect(claimsOf(body.access_token).appid).toBe(DEFAULTS.clientId);
  });

  const mismatches: Array<[string, Record<string, unknown>, number, string[]]> = [
    ['another subject (pull_request)', { sub: 'repo:octo-org/octo-repo:pull_request' }, 700213, ["subject 'repo:octo-org/octo-repo:pull_request'", "issuer 'https://token.actions.githubusercontent.com'"]],
    ['a subject differing only in case', { sub: 'repo:Octo-Org/octo-repo:ref:refs/heads/main' }, 7002138, ["subject 'repo:Octo-Org/octo-repo:ref:refs/heads/main'"]],
    ['another audience', { aud: 'api://SomethingElse' }, 70021, ["Assertion Audience: 'api://SomethingElse'"]],
    ['another issuer', { iss: 'https://token.actions.githubusercontent.com/octo-enterprise' }, 700211, ["issuer 'https://token.actions.githubusercontent.com/octo-enterprise'"]]
  ];

  it.each(mismatches)('rejects %s and echoes what was presented', async (_name, overrides, code, fragments) => {
    const { status, body } = await postToken(federatedForm(fake.github.mintToken({ aud: DEFAULTS.federatedAudience, ...overrides })));
    expect(status).toBe(400);
    expect(body.error_codes).toEqual([code]);
    for (const fragment of fragments) expect(body.error_description).toContain(fragment);
  });

  it('rejects an expired GitHub token with AADSTS700024 invalid_client', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { status, body } = await postToken(federatedForm(fake.github.mintToken({ aud: DEFAULTS.federatedAudience, iat: now - 900, exp: now - 600 })));
    expect([status, body.error, body.error_codes]).toEqual([401, 'invalid_client', [700024]]);
  });

  it('rejects a token not signed by the issuer', async () => {
    const forged = `${(await githubToken()).split('.').slice(0, 2).join('.')}.${Buffer.from('forged').toString('base64url')}`;
    const { status, body } = await postToken(federatedForm(forged));
    expect([status, body.error_codes]).toEqual([401, [700027]]);
  });
});

describe('certificate assertions (§2)', () => {
  const client = loadTestCertificate('client');

  it('accepts PS256 + x5t#S256 with aud = the token endpoint', async () => {
    const url = fake.entra.tokenUrl();
    const { status, body } = await postToken(federatedForm(certificateAssertion(client, url)), url);
    expect(status).toBe(200);
    expect(claimsOf(body.access_token).oid).toBe(DEFAULTS.servicePrincipalObjectId);
  });

  it('accepts the legacy RS256 + x5t form', async () => {
    const url = fake.entra.tokenUrl();
    expect((await postToken(federatedForm(certificateAssertion(client, url, 'RS256')), url)).status).toBe(200);
  });

  it('rejects an assertion whose aud is not the endpoint it was sent to', async () => {
    const { status, body } = await postToken(federatedForm(certificateAssertion(client, `https://login.microsoftonline.com/${DEFAULTS.tenantId}/oauth2/v2.0/token`)));
    expect([status, body.error]).toEqual([401, 'invalid_client']);
    expect(body.error_description).toContain('audience');
  });

  it.each([
    ['an unregistered certificate', 'mismatched', 'not registered'],
    ['an expired certificate', 'expired', 'expired']
  ] as const)('rejects %s with AADSTS700027', async (_name, kind, fragment) => {
    const url = fake.entra.tokenUrl();
    const { status, body } = await postToken(federatedForm(certificateAssertion(loadTestCertificate(kind), url)), url);
    expect([status, body.error_codes]).toEqual([401, [700027]]);
    expect(body.error_description).toContain(fragment);
  });

  it('ships an encrypted copy of the client key that opens with test-passphrase', () => {
    const encrypted = loadTestCertificate('client-encrypted');
    const key = crypto.createPrivateKey({ key: encrypted.keyPem, passphrase: 'test-passphrase' });
    expect(crypto.createPublicKey(encrypted.certPem).export({ format: 'pem', type: 'spki' })).toBe(crypto.createPublicKey(key).export({ format: 'pem', type: 'spki' }));
  });
});

describe('managed identity (§3)', () => {
  it('App Service: needs X-IDENTITY-HEADER, then returns a string expires_on', async () => {
    const url = `${fake.managedIdentity.appServiceEndpoint}?api-version=2019-08-01&resource=${encodeURIComponent(VAULT)}`;
    expect((await getJson(url)).status).toBe(400);
    const { status, body } = await getJson(url, { 'x-identity-header': fake.managedIdentity.identityHeader });
    expect(status).toBe(200);
    expect(body).toMatchObject({ expires_on: expect.stringMatching(/^\d+$/), resource: VAULT, token_type: 'Bearer', client_id: DEFAULTS.systemIdentity.clientId });
    expect(claimsOf(body.access_token)).toMatchObject({ aud: VAULT, oid: DEFAULTS.systemIdentity.objectId, tid: DEFAULTS.tenantId });
  });

  it('App Service: selects a user-assigned identity by client_id and refuses an unknown one', async () => {
    const base = `${fake.managedIdentity.appServiceEndpoint}?api-version=2019-08-01&resource=${encodeURIComponent(VAULT)}`;
    const headers = { 'x-identity-header': fake.managedIdentity.identityHeader };
    expect((await getJson(`${base}&client_id=${DEFAULTS.userIdentity.clientId}`, headers)).body.client_id).toBe(DEFAULTS.userIdentity.clientId);
    const unknown = await getJson(`${base}&client_id=00000000-0000-0000-0000-00000000beef`, headers);
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ statusCode: 400, message: expect.stringContaining('00000000-0000-0000-0000-00000000beef') });
  });

  it('IMDS: a probe without Metadata gets a quick 400 bad_request_102 body', async () => {
    const { status, body } = await getJson(`${fake.url}/metadata/identity/oauth2/token`);
    expect(status).toBe(400);
    expect(body).toEqual({ error: 'invalid_request', error_description: 'Required metadata header not specified' });
  });

  it('IMDS: returns string-typed expiry fields, and selects by msi_res_id', async () => {
    const url = `${fake.url}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${encodeURIComponent(VAULT)}`;
    const { status, body } = await getJson(url, { metadata: 'true' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ refresh_token: '', expires_in: '86399', expires_on: expect.stringMatching(/^\d+$/), not_before: expect.stringMatching(/^\d+$/), resource: VAULT, token_type: 'Bearer' });
    const user = await getJson(`${url}&msi_res_id=${encodeURIComponent(DEFAULTS.userIdentity.resourceId)}`, { metadata: 'true' });
    expect(user.body.client_id).toBe(DEFAULTS.userIdentity.clientId);
    expect((await getJson(`${url}&object_id=nope`, { metadata: 'true' })).status).toBe(400);
  });

  it('Arc: 401 naming a key file, then Basic <file contents> gets a token', async () => {
    const url = `${fake.managedIdentity.arcEndpoint}?api-version=2020-06-01&resource=${encodeURIComponent(VAULT)}`;
    const challenge = await getJson(url, { metadata: 'true' });
    expect(challenge.status).toBe(401);
    const keyFile = /^Basic realm=(.+)$/.exec(challenge.headers.get('www-authenticate') ?? '')?.[1] ?? '';
    expect(keyFile.startsWith(fake.managedIdentity.arcKeyDir)).toBe(true);
    expect(keyFile.endsWith('.key')).toBe(true);
    const { status, body } = await getJson(url, { metadata: 'true', authorization: `Basic ${fs.readFileSync(keyFile, 'utf8')}` });
    expect(status).toBe(200);
    expect(body.expires_in).toBe('86399');
  });
});

describe('Key Vault (§5)', () => {
  let token = '';
  let vault = '';
  beforeAll(async () => {
    token = await vaultToken();
    vault = fake.vaultUrl('my-vault');
  });
  const auth = () => ({ authorization: `Bearer ${token}` });

  it('challenges a request without a bearer token', async () => {
    const { status, headers, body } = await getJson(`${vault}/secrets/db-password/?api-version=7.4`);
    expect(status).toBe(401);
    expect(headers.get('www-authenticate')).toBe(`Bearer authorization="https://login.microsoftonline.com/${DEFAULTS.tenantId}", resource="https://vault.azure.net"`);
    expect(body.error.code).toBe('Unauthorized');
    expect(body.error.message).toContain('AKV10000');
  });

  it('returns a secret with a 32-hex version id, attributes and request headers', async () => {
    const { status, headers, body } = await getJson(`${vault}/secrets/db-password/?api-version=7.4`, auth());
    expect(status).toBe(200);
    expect(body).toMatchObject({ value: DEFAULTS.secrets['db-password'], attributes: { enabled: true, recoveryLevel: 'Recoverable+Purgeable' }, tags: {} });
    expect(body.id).toMatch(new RegExp(`^${vault}/secrets/db-password/[0-9a-f]{32}$`));
    expect(headers.get('x-ms-request-id')).toBeTruthy();
    expect(headers.get('x-ms-keyvault-region')).toBe('eastus');
    const version = body.id.split('/').pop();
    expect((await getJson(`${vault}/secrets/DB-PASSWORD/${version}?api-version=7.4`, auth())).body.value).toBe(DEFAULTS.secrets['db-password']);
  });

  it('lists every secret without values, page by page through absolute nextLinks', async () => {
    const names: string[] = [];
    let next: string | null = `${vault}/secrets?api-version=7.4&maxresults=3`;
    let pages = 0;
    while (next) {
      const { status, body }: Reply = await getJson(next, auth());
      expect(status).toBe(200);
      for (const item of body.value) {
        expect(item.value).toBeUndefined();
        names.push(item.id.split('/').pop());
      }
      next = body.nextLink;
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(names.sort()).toEqual([...Object.keys(DEFAULTS.secrets), DEFAULTS.disabledSecret, DEFAULTS.expiredSecret].sort());
  });

  it('still returns an expired secret, with its exp attribute', async () => {
    const { status, body } = await getJson(`${vault}/secrets/${DEFAULTS.expiredSecret}?api-version=7.4`, auth());
    expect(status).toBe(200);
    expect(body.attributes.exp).toBeLessThan(Date.now() / 1000);
  });

  const errors: Array<[string, string, number, string, string | undefined]> = [
    ['a missing api-version', '/secrets/db-password', 400, 'BadParameter', undefined],
    ['an unknown secret', '/secrets/nope?api-version=7.4', 404, 'SecretNotFound', undefined],
    ['a disabled secret', `/secrets/${DEFAULTS.disabledSecret}?api-version=7.4`, 403, 'Forbidden', 'SecretDisabled'],
    ['an invalid name', '/secrets/Invalid_Secret_Name?api-version=7.4', 400, 'BadParameter', undefined]
  ];
  it.each(errors)('answers %s with the real error body', async (_name, urlPath, status, code, inner) => {
    const res = await getJson(`${vault}${urlPath}`, auth());
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.innererror?.code).toBe(inner);
  });

  it('says "not found in this key vault" for a missing secret', async () => {
    const { body } = await getJson(`${vault}/secrets/nope?api-version=7.4`, auth());
    expect(body.error.message).toMatch(/^A secret with \(name\/id\) nope was not found in this key vault\./);
  });

  it('refuses a token for another audience with a 401 and a challenge', async () => {
    const { body: graph } = await postToken(secretForm({ scope: 'https://graph.microsoft.com/.default' }));
    const res = await getJson(`${vault}/secrets/db-password?api-version=7.4`, { authorization: `Bearer ${graph.access_token}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer authorization=');
    expect(res.body.error.message).toContain('AKV10022');
  });

  it('forbids callers who are not readers (RBAC) and serves secrets set at runtime', async () => {
    const url = await fake.addVault('rbac-vault', { secrets: { a: 'one' }, readers: ['someone-else'] });
    const denied = await getJson(`${url}/secrets/a?api-version=7.4`, auth());
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({ code: 'Forbidden', innererror: { code: 'ForbiddenByRbac' } });
    expect(denied.body.error.message).toContain("DecisionReason: 'DeniedWithNoValidRBAC'");
    expect(denied.body.error.message).toContain("Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'");
    fake.vault('rbac-vault')!.readers = undefined;
    fake.setSecret('rbac-vault', 'a', 'two');
    expect((await getJson(`${url}/secrets/a?api-version=7.4`, auth())).body.value).toBe('two');
  });

  it('names a configured tenant and resource in the challenge', async () => {
    const url = await fake.addVault('other-tenant', { challenge: { tenantId: 'b1b2b3b4-0000-4000-8000-000000000000', resource: 'https://evil.example' } });
    const res = await getJson(`${url}/secrets?api-version=7.4`);
    expect(res.headers.get('www-authenticate')).toBe('Bearer authorization="https://login.microsoftonline.com/b1b2b3b4-0000-4000-8000-000000000000", resource="https://evil.example"');
  });
});

describe('fault injection and throttling', () => {
  const imds = () => `${fake.url}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${encodeURIComponent(VAULT)}`;
  const meta = { metadata: 'true' };

  it('answers a status with Retry-After for `times` requests, then recovers', async () => {
    fake.fault('imds', { status: 429, retryAfter: '2', times: 2 });
    const first = await getJson(imds(), meta);
    expect([first.status, first.headers.get('retry-after')]).toEqual([429, '2']);
    expect((await getJson(imds(), meta)).status).toBe(429);
    expect((await getJson(imds(), meta)).status).toBe(200);
  });

  it('uses a custom body, and `match` limits a fault to one secret', async () => {
    const token = await vaultToken();
    fake.fault('keyvault-get', { status: 500, body: { error: { code: 'InternalError', message: 'boom' } }, match: 'api-key' });
    const vault = fake.vaultUrl('my-vault');
    expect((await getJson(`${vault}/secrets/db-password?api-version=7.4`, { authorization: `Bearer ${token}` })).status).toBe(200);
    const hit = await getJson(`${vault}/secrets/api-key?api-version=7.4`, { authorization: `Bearer ${token}` });
    expect([hit.status, hit.body.error.code]).toEqual([500, 'InternalError']);
  });

  it('resets the connection', async () => {
    fake.fault('entra', { reset: true });
    await expect(postToken(secretForm())).rejects.toThrow();
    expect((await postToken(secretForm())).status).toBe(200);
  });

  it('truncates the JSON body', async () => {
    fake.fault('github', { truncate: true });
    const res = await fetch(`${fake.github.idTokenUrl}&audience=x`, { headers: { authorization: `Bearer ${fake.github.requestToken}` } });
    expect(res.status).toBe(200);
    await expect(res.json()).rejects.toThrow();
  });

  it('serves an HTML 502 page', async () => {
    fake.fault('msi', { html: true });
    const res = await fetch(fake.managedIdentity.appServiceEndpoint);
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('<h1>502 Bad Gateway</h1>');
  });

  it('hangs until the client gives up', async () => {
    fake.fault('keyvault-list', { hang: true });
    await expect(fetch(`${fake.vaultUrl('my-vault')}/secrets?api-version=7.4`, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    expect(fake.requestsFor('keyvault-list').at(-1)?.status).toBeNull();
  });

  it('adds latency', async () => {
    fake.fault('imds', { latencyMs: 60 });
    const started = Date.now();
    expect((await getJson(imds(), meta)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('throttles after `limit` requests in a window, with Retry-After', async () => {
    fake.throttle('arc', { limit: 2, windowMs: 60_000, retryAfterSeconds: 7 });
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await getJson(`${fake.managedIdentity.arcEndpoint}?api-version=2020-06-01&resource=x`, meta)).status);
    expect(statuses).toEqual([401, 401, 429]);
    const throttled = fake.requestsFor('arc').at(-1);
    expect(throttled?.status).toBe(429);
  });

  it('logs requests and measures concurrency', async () => {
    fake.clearRequests();
    fake.fault('imds', { latencyMs: 30, times: 4 });
    await Promise.all([1, 2, 3, 4].map(() => getJson(imds(), meta)));
    expect(fake.maxInFlight('imds')).toBe(4);
    expect(fake.inFlight('imds')).toBe(0);
    const [entry] = fake.requestsFor('imds');
    expect(entry).toMatchObject({ route: 'imds', method: 'GET', path: '/metadata/identity/oauth2/token', query: { 'api-version': '2018-02-01', resource: VAULT }, status: 200 });
    expect(entry?.headers.metadata).toBe('true');
  });
});

// ------------------------------------------------------------------------------------------
// TLS and the proxy: real host names, as the action sees them with HTTPS_PROXY set

function httpsViaProxy(target: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }> {
  const url = new URL(target);
  const proxy = new URL(fake.proxyUrl!);
  return new Promise((resolve, reject) => {
    const connect = http.request({ host: proxy.hostname, port: proxy.port, method: 'CONNECT', path: `${url.hostname}:443` });
    connect.on('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        reject(new Error(`CONNECT answered ${res.statusCode}`));
        return;
      }
      // An agent whose one connection is TLS over the tunnel, as a proxy-aware client does.
      const agent = new https.Agent();
      agent.createConnection = () => tls.connect({ socket, servername: url.hostname, ca: fs.readFileSync(fake.caFile!) });
      const req = https.request(
        { host: url.hostname, path: url.pathname + url.search, method: options.method ?? 'GET', headers: options.headers ?? {}, agent },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text ? JSON.parse(text) : undefined });
          });
        }
      );
      req.on('error', reject);
      req.end(options.body);
    });
    connect.on('error', reject);
    connect.end();
  });
}

describe('TLS + proxy', () => {
  it('tunnels CONNECT login.microsoftonline.com:443 to Entra, with aud checked against the real URL', async () => {
    const url = `https://login.microsoftonline.com/${DEFAULTS.tenantId}/oauth2/v2.0/token`;
    const form = new URLSearchParams(federatedForm(certificateAssertion(loadTestCertificate('client'), url))).toString();
    const { status, body } = await httpsViaProxy(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    expect(status).toBe(200);
    expect(claimsOf(body.access_token).aud).toBe(VAULT);
    expect(fake.proxyLog).toContain('CONNECT login.microsoftonline.com:443');
  });

  it('serves my-vault.vault.azure.net with a challenge and an explicit :443 nextLink', async () => {
    const challenge = await httpsViaProxy('https://my-vault.vault.azure.net/secrets/db-password/?api-version=7.4');
    expect(challenge.status).toBe(401);
    expect(challenge.headers['www-authenticate']).toContain('resource="https://vault.azure.net"');
    const headers = { authorization: `Bearer ${await vaultToken()}` };
    const secret = await httpsViaProxy('https://my-vault.vault.azure.net/secrets/db-password/?api-version=7.4', { headers });
    expect(secret.body.id).toMatch(/^https:\/\/my-vault\.vault\.azure\.net\/secrets\/db-password\/[0-9a-f]{32}$/);
    const list = await httpsViaProxy('https://my-vault.vault.azure.net/secrets?api-version=7.4&maxresults=1', { headers });
    expect(list.body.nextLink).toMatch(/^https:\/\/my-vault\.vault\.azure\.net:443\/secrets\?api-version=7\.4&\$skiptoken=.+&maxresults=1$/);
    expect(fake.proxyLog).toContain('CONNECT my-vault.vault.azure.net:443');
  });

  it('forwards a plain absolute-URI GET (an IMDS call through the proxy) to the fake', async () => {
    const proxy = new URL(fake.proxyUrl!);
    const target = `http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${encodeURIComponent(VAULT)}`;
    const status = await new Promise<number>((resolve, reject) => {
      http.get({ host: proxy.hostname, port: proxy.port, path: target, headers: { metadata: 'true' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(status).toBe(200);
    expect(fake.proxyLog).toContain(`GET ${target}`);
  });

  it('answers 404 for a vault that does not exist, and refuses hosts it does not serve', async () => {
    const missing = await httpsViaProxy('https://no-such-vault.vault.azure.net/secrets/x?api-version=7.4');
    expect([missing.status, missing.body.error.code]).toEqual([404, 'VaultNotFound']);
    await expect(httpsViaProxy('https://example.com/')).rejects.toThrow('CONNECT answered 502');
  });
});

// ------------------------------------------------------------------------------------------
// the runner harness

describe('runner harness', () => {
  let dir = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'harness-test-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads input defaults from action.yml, ignoring text inside descriptions', () => {
    const yaml = [
      'name: x',
      'inputs:',
      '  auth-type:',
      "    description: 'how'",
      "    default: 'auto'",
      '  export-env:',
      '    description: |',
      '      default: not-this',
      '    default: "true" # comment',
      '  client-id:',
      '    required: false',
      '  plain:',
      '    default: some value # trailing',
      'outputs:',
      '  token:',
      '    default: no'
    ].join('\n');
    expect(parseActionInputs(yaml)).toEqual({ 'auth-type': 'auto', 'export-env': 'true', 'client-id': undefined, plain: 'some value' });
  });

  it('parses name=value lines and the heredoc form @actions/core writes', () => {
    const text = `a=1\nmulti<<ghadelimiter_123\nline one\nline=two\nghadelimiter_123\nb=x<<y\n`;
    expect(parseFileCommands(text)).toEqual({ a: '1', multi: 'line one\nline=two', b: 'x<<y' });
  });

  let result: ActionResult;
  beforeAll(async () => {
    const actionYml = path.join(dir, 'action.yml');
    fs.writeFileSync(actionYml, "inputs:\n  auth-type:\n    default: 'auto'\n  my input:\n    default: 'd'\n");
    const main = path.join(dir, 'main.mjs');
    fs.writeFileSync(
      main,
      `import fs from 'node:fs';
const e = process.env;
const append = (file, text) => fs.appendFileSync(e[file], text);
console.log('::add-mask::s3cr%25t');
append('GITHUB_OUTPUT', 'token=s3cr%t\\n' + 'cert<<EOF_1\\nA\\nB\\nEOF_1\\n');
append('GITHUB_ENV', 'FROM_MAIN=yes\\n');
append('GITHUB_STATE', 'tokenFile=/tmp/x\\n');
append('GITHUB_STEP_SUMMARY', '# Summary\\n');
console.log('inputs ' + e['INPUT_AUTH-TYPE'] + ' ' + e['INPUT_MY_INPUT'] + ' ' + e['INPUT_CLIENT-ID']);
console.log('leaked? ' + (e.SHOULD_NOT_LEAK ?? 'no') + ' ' + e.RUNNER_ENVIRONMENT + ' ' + (process.cwd() === e.GITHUB_WORKSPACE));
console.log('::warning::careful');
console.log('::error title=T::bad%0Athing');
console.log('::debug::dbg');
`
    );
    const post = path.join(dir, 'post.mjs');
    fs.writeFileSync(post, `console.log('post ' + process.env.STATE_tokenFile + ' ' + process.env.FROM_MAIN + ' ' + process.env['INPUT_AUTH-TYPE']);\n`);
    process.env.SHOULD_NOT_LEAK = 'leaked';
    try {
      result = await runAction({ actionYml, entry: main, post, inputs: { 'client-id': 'abc' }, timeoutMs: 10_000 });
    } finally {
      delete process.env.SHOULD_NOT_LEAK;
    }
  });

  it('runs the entry like the runner: inputs, clean env, workspace as cwd', () => {
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('inputs auto d abc');
    expect(result.stdout).toContain('leaked? no github-hosted true');
  });

  it('collects outputs, env, state, summary and workflow commands', () => {
    expect(result.outputs).toEqual({ token: 's3cr%t', cert: 'A\nB' });
    expect(result.exportedEnv).toEqual({ FROM_MAIN: 'yes' });
    expect(result.state).toEqual({ tokenFile: '/tmp/x' });
    expect(result.summary).toBe('# Summary\n');
    expect(result.masks).toEqual(['s3cr%t']);
    expect(result.warnings).toEqual(['careful']);
    expect(result.errors).toEqual(['bad\nthing']);
    expect(result.debug).toEqual(['dbg']);
  });

  it('runs the post step with STATE_*, the exported env and the same inputs', () => {
    expect(result.post?.stdout).toContain('post /tmp/x yes auto');
  });

  it('kills an entry that runs past the timeout', async () => {
    const forever = path.join(dir, 'forever.mjs');
    fs.writeFileSync(forever, 'setInterval(() => {}, 1000);\n');
    const run = await runAction({ actionYml: path.join(dir, 'action.yml'), entry: forever, runPost: false, timeoutMs: 300 });
    expect(run.timedOut).toBe(true);
    expect(run.exitCode).not.toBe(0);
  });
});

describe('findLeaks', () => {
  const step = (overrides: Partial<ActionResult> = {}): ActionResult => ({
    exitCode: 0,
    signal: null,
    timedOut: false,
    stdout: '',
    stderr: '',
    outputs: {},
    exportedEnv: {},
    state: {},
    summary: '',
    addedPath: [],
    files: { output: '', env: '', state: '', summary: '', path: '' },
    commands: [],
    masks: [],
    errors: [],
    warnings: [],
    debug: [],
    notices: [],
    post: null,
    workspace: '',
    tempDir: '',
    ...overrides
  });
  const secret = 'hunter2-secret';
  const multi = 'first line\nsecond line\nab';

  const cases: Array<[string, Partial<ActionResult>, string[], RegExp[]]> = [
    ['nothing printed', { stdout: 'hello\n' }, [secret], []],
    ['only its own add-mask line', { stdout: `::add-mask::${secret}\nok\n`, masks: [secret] }, [secret], []],
    ['the add-mask line of a longer value that holds it', { stdout: `::add-mask::key%0A${secret}\nok\n`, masks: [`key\n${secret}`] }, [secret], []],
    ['a plain print', { stdout: `value is ${secret}\n` }, [secret], [/main stdout line 1 shows secret #0 before any ::add-mask::/]],
    ['a print after masking', { stdout: `::add-mask::${secret}\n${secret}\n`, masks: [secret] }, [secret], [/line 2 .*masked, but printed anyway/]],
    ['stderr', { stderr: `Error: ${secret}\n` }, [secret], [/main stderr line 1/]],
    ['one line of a multi-line value', { stdout: `::add-mask::first line%0Asecond line%0Aab\nsecond line\n`, masks: [multi] }, [multi], [/line 2 of secret #0/]],
    ['a short line of a multi-line value', { stdout: `::add-mask::first line%0Asecond line%0Aab\nab\n`, masks: [multi] }, [multi], []],
    ['the saved state', { files: { output: '', env: '', state: `x=${secret}\n`, summary: '', path: '' } }, [secret], [/saved state/]],
    ['the summary', { summary: `token ${secret}` }, [secret], [/job summary/]],
    ['an unmasked output', { files: { output: `t=${secret}\n`, env: '', state: '', summary: '', path: '' } }, [secret], [/never masked/]],
    ['a multi-line output masked only whole', { files: { output: `t<<D\n${multi}\nD\n`, env: '', state: '', summary: '', path: '' }, masks: [multi] }, [multi], [/line 1 of secret #0 .*never masked/, /line 2 of secret #0 .*never masked/]]
  ];

  it.each(cases)('%s', (_name, overrides, secrets, expected) => {
    const problems = findLeaks(step(overrides), secrets);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((pattern, i) => expect(problems[i]).toMatch(pattern));
    for (const problem of problems) expect(problem).not.toContain(secret);
  });

  it('checks the post step too', () => {
    expect(findLeaks(step({ post: step({ stdout: secret }) }), [secret])).toEqual([expect.stringMatching(/^post stdout line 1/)]);
  });
});
