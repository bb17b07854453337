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
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import tls from 'node:tls';
import {
  startFakeAzure,
  DEFAULTS,
  decodeJwt,
  loadTestCertificate,
  type FakeAzure,
  type TestCertificate
} from '../../test/fake-azure/server.js';
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
  return reply(
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields)
    })
  );
}

function secretForm(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    client_id: DEFAULTS.clientId,
    grant_type: 'client_credentials',
    scope: `${VAULT}/.default`,
    client_secret: DEFAULTS.clientSecret,
    ...overrides
  };
}

async function vaultToken(): Promise<string> {
  const { body } = await postToken(secretForm());
  return body.access_token as string;
}

async function getJson(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  return reply(await fetch(url, { headers }));
}

async function githubToken(audience = DEFAULTS.federatedAudience): Promise<string> {
  const { body } = await getJson(`${fake.github.idTokenUrl}&audience=${encodeURIComponent(audience)}`, {
    authorization: `Bearer ${fake.github.requestToken}`
  });
  return body.value as string;
}

function federatedForm(assertion: string): Record<string, string> {
  return {
    client_id: DEFAULTS.clientId,
    grant_type: 'client_credentials',
    scope: `${VAULT}/.default`,
    client_assertion_type: JWT_BEARER,
    client_assertion: assertion
  };
}

/** A certificate client assertion signed here with node:crypto, independent of the fake's JWT code (§2). */
function certificateAssertion(cert: TestCertificate, aud: string, alg: 'PS256' | 'RS256' = 'PS256'): string {
  const now = Math.floor(Date.now() / 1000);
  const header = alg === 'PS256' ? { alg, typ: 'JWT', 'x5t#S256': cert.x5tS256 } : { alg, typ: 'JWT', x5t: cert.x5t };
  const payload = { aud, iss: DEFAULTS.clientId, sub: DEFAULTS.clientId, jti: crypto.randomUUID(), nbf: now, iat: now, exp: now + 600 };
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const padding =
    alg === 'PS256' ? { padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : { padding: crypto.constants.RSA_PKCS1_PADDING };
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
    const { status } = await postToken(
      secretForm({ 'x-client-SKU': 'azure-token', claims: '{}' }),
      fake.entra.tokenUrl(DEFAULTS.tenantDomain)
    );
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
    [
      'scopes of two resources',
      DEFAULTS.tenantId,
      { scope: `${VAULT}/.default https://graph.microsoft.com/.default` },
      400,
      'invalid_scope',
      700022
    ],
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
      // The newer form by default: ids on the same line (microsoft/Agents#202; Azure/login#453, #482, #517).
      error_description: expect.stringMatching(
        new RegExp(
          `^AADSTS${code}: [^\\r\\n]+ Trace ID: [0-9a-f-]{36} Correlation ID: [0-9a-f-]{36} Timestamp: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`
        )
      ),
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
    [
      'another subject (pull_request)',
      { sub: 'repo:octo-org/octo-repo:pull_request' },
      700213,
      ["subject 'repo:octo-org/octo-repo:pull_request'", "issuer 'https://token.actions.githubusercontent.com'"]
    ],
    [
      'a subject differing only in case',
      { sub: 'repo:Octo-Org/octo-repo:ref:refs/heads/main' },
      7002138,
      ["subject 'repo:Octo-Org/octo-repo:ref:refs/heads/main'"]
    ],
    ['another audience', { aud: 'api://SomethingElse' }, 70021, ["Assertion Audience: 'api://SomethingElse'"]],
    [
      'another issuer',
      { iss: 'https://token.actions.githubusercontent.com/octo-enterprise' },
      700211,
      ["issuer 'https://token.actions.githubusercontent.com/octo-enterprise'"]
    ]
  ];

  it.each(mismatches)('rejects %s and echoes what was presented', async (_name, overrides, code, fragments) => {
    const { status, body } = await postToken(federatedForm(fake.github.mintToken({ aud: DEFAULTS.federatedAudience, ...overrides })));
    expect(status).toBe(400);
    expect(body.error_codes).toEqual([code]);
    for (const fragment of fragments) expect(body.error_description).toContain(fragment);
  });

  it('rejects an expired GitHub token with AADSTS700024 invalid_client', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { status, body } = await postToken(
      federatedForm(fake.github.mintToken({ aud: DEFAULTS.federatedAudience, iat: now - 900, exp: now - 600 }))
    );
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
    const { status, body } = await postToken(
      federatedForm(certificateAssertion(client, `https://login.microsoftonline.com/${DEFAULTS.tenantId}/oauth2/v2.0/token`))
    );
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
    expect(crypto.createPublicKey(encrypted.certPem).export({ format: 'pem', type: 'spki' })).toBe(
      crypto.createPublicKey(key).export({ format: 'pem', type: 'spki' })
    );
  });
});

describe('managed identity (§3)', () => {
  it('App Service: needs X-IDENTITY-HEADER, then returns a string expires_on', async () => {
    const url = `${fake.managedIdentity.appServiceEndpoint}?api-version=2019-08-01&resource=${encodeURIComponent(VAULT)}`;
    expect((await getJson(url)).status).toBe(400);
    const { status, body } = await getJson(url, { 'x-identity-header': fake.managedIdentity.identityHeader });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      expires_on: expect.stringMatching(/^\d+$/),
      resource: VAULT,
      token_type: 'Bearer',
      client_id: DEFAULTS.systemIdentity.clientId
    });
    expect(claimsOf(body.access_token)).toMatchObject({ aud: VAULT, oid: DEFAULTS.systemIdentity.objectId, tid: DEFAULTS.tenantId });
  });

  it('App Service: selects a user-assigned identity by client_id and refuses an unknown one', async () => {
    const base = `${fake.managedIdentity.appServiceEndpoint}?api-version=2019-08-01&resource=${encodeURIComponent(VAULT)}`;
    const headers = { 'x-identity-header': fake.managedIdentity.identityHeader };
    expect((await getJson(`${base}&client_id=${DEFAULTS.userIdentity.clientId}`, headers)).body.client_id).toBe(
      DEFAULTS.userIdentity.clientId
    );
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
    expect(body).toMatchObject({
      refresh_token: '',
      expires_in: '86399',
      expires_on: expect.stringMatching(/^\d+$/),
      not_before: expect.stringMatching(/^\d+$/),
      resource: VAULT,
      token_type: 'Bearer'
    });
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
    expect(headers.get('www-authenticate')).toBe(
      `Bearer authorization="https://login.microsoftonline.com/${DEFAULTS.tenantId}", resource="https://vault.azure.net"`
    );
    expect(body.error.code).toBe('Unauthorized');
    expect(body.error.message).toContain('AKV10000');
  });

  it('returns a secret with a 32-hex version id, attributes and request headers', async () => {
    const { status, headers, body } = await getJson(`${vault}/secrets/db-password/?api-version=7.4`, auth());
    expect(status).toBe(200);
    expect(body).toMatchObject({
      value: DEFAULTS.secrets['db-password'],
      attributes: { enabled: true, recoveryLevel: 'Recoverable+Purgeable' },
      tags: {}
    });
    expect(body.id).toMatch(new RegExp(`^${vault}/secrets/db-password/[0-9a-f]{32}$`));
    expect(headers.get('x-ms-request-id')).toBeTruthy();
    expect(headers.get('x-ms-keyvault-region')).toBe('eastus');
    const version = body.id.split('/').pop();
    expect((await getJson(`${vault}/secrets/DB-PASSWORD/${version}?api-version=7.4`, auth())).body.value).toBe(
      DEFAULTS.secrets['db-password']
    );
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
    const url = await fake.addVault('other-tenant', {
      challenge: { tenantId: 'b1b2b3b4-0000-4000-8000-000000000000', resource: 'https://evil.example' }
    });
    const res = await getJson(`${url}/secrets?api-version=7.4`);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer authorization="https://login.microsoftonline.com/b1b2b3b4-0000-4000-8000-000000000000", resource="https://evil.example"'
    );
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
    for (let i = 0; i < 3; i += 1)
      statuses.push((await getJson(`${fake.managedIdentity.arcEndpoint}?api-version=2020-06-01&resource=x`, meta)).status);
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
    expect(entry).toMatchObject({
      route: 'imds',
      method: 'GET',
      path: '/metadata/identity/oauth2/token',
      query: { 'api-version': '2018-02-01', resource: VAULT },
      status: 200
    });
    expect(entry?.headers.metadata).toBe('true');
  });
});

// ------------------------------------------------------------------------------------------
// TLS and the proxy: real host names, as the action sees them with HTTPS_PROXY set

function httpsViaProxy(
  target: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {}
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }> {
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
        response => {
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
    const { status, body } = await httpsViaProxy(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form
    });
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
    // api-version=7.2 on a 7.4 call, as in GetSecrets-example.json.
    expect(list.body.nextLink).toMatch(
      /^https:\/\/my-vault\.vault\.azure\.net:443\/secrets\?api-version=7\.2&\$skiptoken=.+&maxresults=1$/
    );
    expect(fake.proxyLog).toContain('CONNECT my-vault.vault.azure.net:443');
  });

  it('forwards a plain absolute-URI GET (an IMDS call through the proxy) to the fake', async () => {
    const proxy = new URL(fake.proxyUrl!);
    const target = `http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${encodeURIComponent(VAULT)}`;
    const status = await new Promise<number>((resolve, reject) => {
      http
        .get({ host: proxy.hostname, port: proxy.port, path: target, headers: { metadata: 'true' } }, res => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject);
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
    fs.writeFileSync(
      post,
      `console.log('post ' + process.env.STATE_tokenFile + ' ' + process.env.FROM_MAIN + ' ' + process.env['INPUT_AUTH-TYPE']);\n`
    );
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
    [
      'the add-mask line of a longer value that holds it',
      { stdout: `::add-mask::key%0A${secret}\nok\n`, masks: [`key\n${secret}`] },
      [secret],
      []
    ],
    ['a plain print', { stdout: `value is ${secret}\n` }, [secret], [/main stdout line 1 shows secret #0 before any ::add-mask::/]],
    [
      'a print after masking',
      { stdout: `::add-mask::${secret}\n${secret}\n`, masks: [secret] },
      [secret],
      [/line 2 .*masked, but printed anyway/]
    ],
    ['stderr', { stderr: `Error: ${secret}\n` }, [secret], [/main stderr line 1/]],
    [
      'one line of a multi-line value',
      { stdout: `::add-mask::first line%0Asecond line%0Aab\nsecond line\n`, masks: [multi] },
      [multi],
      [/line 2 of secret #0/]
    ],
    ['a short line of a multi-line value', { stdout: `::add-mask::first line%0Asecond line%0Aab\nab\n`, masks: [multi] }, [multi], []],
    ['the saved state', { files: { output: '', env: '', state: `x=${secret}\n`, summary: '', path: '' } }, [secret], [/saved state/]],
    ['the summary', { summary: `token ${secret}` }, [secret], [/job summary/]],
    ['an unmasked output', { files: { output: `t=${secret}\n`, env: '', state: '', summary: '', path: '' } }, [secret], [/never masked/]],
    [
      'a multi-line output masked only whole',
      { files: { output: `t<<D\n${multi}\nD\n`, env: '', state: '', summary: '', path: '' }, masks: [multi] },
      [multi],
      [/line 1 of secret #0 .*never masked/, /line 2 of secret #0 .*never masked/]
    ]
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

// ------------------------------------------------------------------------------------------
// real shapes (each cites its source in test/fake-azure/) and hostile ones

/** A fake on an injected clock, for windows and lifetimes without waiting. */
async function clockedFake(options: Parameters<typeof startFakeAzure>[0] = {}): Promise<{ fake: FakeAzure; clock: { now: number } }> {
  const clock = { now: Date.parse('2026-12-01T12:00:00Z') };
  return { fake: await startFakeAzure({ ...options, clock: () => clock.now }), clock };
}

async function tokenFrom(target: FakeAzure, scope = `${VAULT}/.default`): Promise<string> {
  const { body } = await postToken(secretForm({ scope }), target.entra.tokenUrl());
  return body.access_token as string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function expectKeyVaultHeaders(headers: Headers): void {
  expect(headers.get('x-ms-request-id')).toMatch(GUID);
  expect(headers.get('x-ms-keyvault-region')).toBe('eastus');
  expect(headers.get('x-ms-keyvault-service-version')).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  expect(headers.get('x-ms-keyvault-network-info')).toContain('conn_type=');
}

describe('Key Vault throttling, the real way (vcsjones/AzureSignTool#219)', () => {
  let clocked: FakeAzure;
  let clock: { now: number };
  let token = '';
  beforeAll(async () => {
    ({ fake: clocked, clock } = await clockedFake({ vaults: { 'kv-a': { secrets: { s: 'one' } }, 'kv-b': { secrets: { s: 'two' } } } }));
    token = await tokenFrom(clocked);
  });
  afterAll(async () => {
    await clocked.close();
  });
  afterEach(() => {
    clocked.clearFaults();
  });
  const get = (vault: string, path = '/secrets/s?api-version=7.4') =>
    getJson(`${clocked.vaultUrl(vault)}${path}`, { authorization: `Bearer ${token}` });

  it('answers 429 Throttled without innererror or Retry-After, with the x-ms-keyvault-* headers, per vault, for gets and lists alike', async () => {
    clocked.throttle('keyvault', { perWindow: 2 });
    expect((await get('kv-a')).status).toBe(200);
    expect((await get('kv-a', '/secrets?api-version=7.4')).status).toBe(200);
    const throttled = await get('kv-a');
    expect(throttled.status).toBe(429);
    expect(throttled.body).toEqual({
      error: {
        code: 'Throttled',
        message: expect.stringMatching(/^Operations per second for this vault is over the limit.*VaultRequestTypeLimitReached/)
      }
    });
    expect(throttled.headers.get('retry-after')).toBeNull();
    expectKeyVaultHeaders(throttled.headers);
    expect((await get('kv-a', '/secrets?api-version=7.4')).status).toBe(429);
    // Another vault has its own limit.
    expect((await get('kv-b')).status).toBe(200);
  });

  it('counts a 10 s window by default, and 429s do not count toward it', async () => {
    clocked.throttle('keyvault', { perWindow: 1 });
    expect((await get('kv-a')).status).toBe(200);
    for (let i = 0; i < 5; i += 1) expect((await get('kv-a')).status).toBe(429);
    clock.now += 9_999;
    expect((await get('kv-a')).status).toBe(429);
    clock.now += 1;
    expect((await get('kv-a')).status).toBe(200);
    expect((await get('kv-a')).status).toBe(429);
  });

  it('a sliding window admits at most perWindow in any windowMs', async () => {
    clocked.throttle('keyvault', { perWindow: 2, windowMs: 1_000, window: 'sliding' });
    const at = async (ms: number) => {
      clock.now += ms;
      return (await get('kv-a')).status;
    };
    expect([await at(0), await at(600), await at(300), await at(100), await at(100), await at(500)]).toEqual([
      200, 200, 429, 200, 429, 200
    ]);
  });

  it('sends Retry-After when the throttle names one, and the original { limit, retryAfterSeconds } form still does', async () => {
    clocked.throttle('keyvault', { perWindow: 0, retryAfter: 3 });
    expect((await get('kv-a')).headers.get('retry-after')).toBe('3');
    clocked.clearFaults();
    clocked.throttle('keyvault-get', { limit: 0, windowMs: 60_000, retryAfterSeconds: 5 });
    const old = await get('kv-a');
    expect([old.status, old.headers.get('retry-after'), old.body.error.code]).toEqual([429, '5', 'Throttled']);
    expect((await get('kv-a', '/secrets?api-version=7.4')).status).toBe(200);
  });

  it('puts the Key Vault headers on ordinary answers and on injected faults too', async () => {
    expectKeyVaultHeaders((await get('kv-a')).headers);
    expectKeyVaultHeaders((await getJson(`${clocked.vaultUrl('kv-a')}/secrets/s?api-version=7.4`)).headers);
    clocked.fault('keyvault', { status: 503, headers: { 'x-extra': 'yes' } });
    const fault = await get('kv-a');
    expect([fault.status, fault.headers.get('x-extra')]).toEqual([503, 'yes']);
    expectKeyVaultHeaders(fault.headers);
  });
});

describe('Key Vault listings: real shapes (GetSecrets-example.json, keyvault-secrets recordings)', () => {
  const NAME = 'listing-vault';
  let url = '';
  let token = '';
  const now = Math.floor(Date.now() / 1000);
  beforeAll(async () => {
    url = await fake.addVault(NAME, {
      secrets: {
        a: 'one',
        b: 'two',
        c: 'three',
        'tls-cert': { value: 'MIIKfakePfxBase64', managed: true },
        'pem-cert': {
          value: '-----BEGIN PRIVATE KEY-----\nfake\n-----END PRIVATE KEY-----',
          managed: true,
          contentType: 'application/x-pem-file'
        },
        'not-yet': { value: 'later', nbf: now + 3600 },
        gone: { value: 'past', exp: now - 3600 }
      }
    });
    token = await vaultToken();
  });
  afterEach(() => {
    fake.vault(NAME)!.listing = {};
  });
  const auth = () => ({ authorization: `Bearer ${token}` });
  const listing = (options: Record<string, unknown>) => {
    fake.vault(NAME)!.listing = options;
  };

  /** Every page of a listing, following nextLink verbatim. */
  async function pages(first = `${url}/secrets?api-version=7.4&maxresults=3`, limit = 50): Promise<any[]> {
    const all: any[] = [];
    let next: string | null = first;
    while (next && all.length < limit) {
      const { status, body }: Reply = await getJson(next, auth());
      expect(status).toBe(200);
      all.push(body);
      next = body.nextLink;
    }
    return all;
  }
  const names = (bodies: any[]) => bodies.flatMap(body => (body.value ?? []).map((item: any) => item.id.split('/').pop())).sort();
  const everyName = ['a', 'b', 'c', 'gone', 'not-yet', 'pem-cert', 'tls-cert'];

  it('by default: nextLink on the listener\'s own origin with its port, api-version=7.2, the caller\'s maxresults, and "nextLink": null on the last page', async () => {
    const bodies = await pages();
    expect(bodies).toHaveLength(3);
    expect(bodies[0].nextLink).toMatch(new RegExp(`^${url}/secrets\\?api-version=7\\.2&\\$skiptoken=[A-Za-z0-9_-]+&maxresults=3$`));
    expect(Object.prototype.hasOwnProperty.call(bodies[2], 'nextLink')).toBe(true);
    expect(bodies[2].nextLink).toBeNull();
    expect(names(bodies)).toEqual(everyName);
  });

  it("nextLinkApiVersion 'echo' keeps the caller's api-version, and nextLinkMaxResults drops or sets maxresults", async () => {
    listing({ nextLinkApiVersion: 'echo' });
    expect((await pages())[0].nextLink).toContain('?api-version=7.4&');
    listing({ nextLinkApiVersion: '7.2', nextLinkMaxResults: 'drop' });
    const dropped = await pages();
    expect(dropped[0].nextLink).toMatch(/\/secrets\?api-version=7\.2&\$skiptoken=[A-Za-z0-9_-]+$/);
    expect(dropped).toHaveLength(2); // page 2 is the vault's default size
    listing({ nextLinkApiVersion: '7.2', nextLinkMaxResults: 1 });
    const ones = await pages();
    expect(ones[0].nextLink).toMatch(/\/secrets\?api-version=7\.2&\$skiptoken=[A-Za-z0-9_-]+&maxresults=1$/);
    expect(ones.map(body => body.value.length)).toEqual([3, 1, 1, 1, 1]);
    expect(names(ones)).toEqual(everyName);
  });

  it('empty middle pages ("value": [] with a nextLink) lose no item: at given indices, or between every two pages', async () => {
    listing({ emptyPages: [0, 2] });
    const given = await pages();
    expect(given.map(body => body.value.length)).toEqual([0, 3, 0, 3, 1]);
    expect(given[0].nextLink).toEqual(expect.any(String));
    expect(names(given)).toEqual(everyName);
    listing({ emptyPages: 'between' });
    const between = await pages();
    expect(between.map(body => body.value.length)).toEqual([3, 0, 3, 0, 1]);
    expect(between.at(-1).nextLink).toBeNull();
  });

  it('a trailing empty page ends with "nextLink": null', async () => {
    listing({ emptyPages: [3] });
    const bodies = await pages();
    expect(bodies.map(body => body.value.length)).toEqual([3, 3, 1, 0]);
    expect(bodies.at(-1).nextLink).toBeNull();
  });

  it('certificate-backed secrets: managed: true and application/x-pkcs12 (or x-pem-file) in the listing, kid on GET', async () => {
    const items = (await pages(`${url}/secrets?api-version=7.4`))[0].value;
    const item = (name: string) => items.find((i: any) => i.id.endsWith(`/${name}`));
    expect(item('tls-cert')).toMatchObject({ managed: true, contentType: 'application/x-pkcs12' });
    expect(item('tls-cert').kid).toBeUndefined();
    expect(item('pem-cert')).toMatchObject({ managed: true, contentType: 'application/x-pem-file' });
    expect(item('a').managed).toBeUndefined();
    const { body } = await getJson(`${url}/secrets/tls-cert?api-version=7.4`, auth());
    expect(body).toMatchObject({ value: 'MIIKfakePfxBase64', managed: true, contentType: 'application/x-pkcs12' });
    expect(body.kid).toBe(`${url}/keys/tls-cert/${body.id.split('/').pop()}`);
    expect((await getJson(`${url}/secrets/a?api-version=7.4`, auth())).body.kid).toBeUndefined();
    listing({ itemKid: true });
    const withKid = (await pages(`${url}/secrets?api-version=7.4`))[0].value.find((i: any) => i.id.endsWith('/tls-cert'));
    expect(withKid.kid).toMatch(new RegExp(`^${url}/keys/tls-cert/[0-9a-f]{32}$`));
  });

  it('items carry nbf in the future and exp in the past as given', async () => {
    const items = (await pages(`${url}/secrets?api-version=7.4`))[0].value;
    expect(items.find((i: any) => i.id.endsWith('/not-yet')).attributes.nbf).toBe(now + 3600);
    expect(items.find((i: any) => i.id.endsWith('/gone')).attributes.exp).toBe(now - 3600);
  });

  it("for every vault at once: the scenario's keyVaultListing (a vault's own listing wins)", async () => {
    fake.scenario.keyVaultListing = { nextLinkApiVersion: '7.0' };
    try {
      expect((await pages())[0].nextLink).toContain('api-version=7.0');
      listing({ nextLinkApiVersion: '7.3' });
      expect((await pages())[0].nextLink).toContain('api-version=7.3');
    } finally {
      fake.scenario.keyVaultListing = {};
    }
  });

  it('hostile: endless pages, each with a new nextLink', async () => {
    listing({ endlessPages: true });
    const bodies = await pages(undefined, 40);
    expect(bodies).toHaveLength(40);
    const links = bodies.map(body => body.nextLink);
    expect(links.every(link => typeof link === 'string')).toBe(true);
    expect(new Set(links).size).toBe(40);
    expect(names(bodies)).toEqual(everyName);
  });

  it('hostile: a page without a value array', async () => {
    listing({ withoutValue: [0] });
    const bodies = await pages();
    expect(Object.keys(bodies[0])).toEqual(['nextLink']);
    expect(names(bodies)).toEqual(everyName);
  });

  it('hostile: a page with many repeated items', async () => {
    listing({ repeatItem: 5_000 });
    const [first] = await pages(`${url}/secrets?api-version=7.4&maxresults=1`, 1);
    expect(first.value).toHaveLength(5_001);
    expect(new Set(first.value.map((i: any) => i.id)).size).toBe(1);
  });

  it('hostile: a huge body, still valid JSON', async () => {
    listing({ hugeBodyBytes: 2_000_000 });
    const res = await fetch(`${url}/secrets?api-version=7.4`, { headers: auth() });
    expect(Number(res.headers.get('content-length'))).toBeGreaterThanOrEqual(2_000_000);
    const text = await res.text();
    expect(text.length).toBeGreaterThanOrEqual(2_000_000);
    expect(JSON.parse(text).value).toHaveLength(7);
  });

  it('hostile: an endless body streams until the client disconnects, and the fake carries on', async () => {
    listing({ endlessBody: true });
    const controller = new AbortController();
    const res = await fetch(`${url}/secrets?api-version=7.4`, { headers: auth(), signal: controller.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let received = 0;
    let head = '';
    while (received < 3_000_000) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the endless body ended');
      if (head.length < 20) head += Buffer.from(value).toString('utf8');
      received += value.length;
    }
    expect(head.startsWith('{"value":[{"id":')).toBe(true);
    controller.abort();
    await reader.cancel().catch(() => undefined);
    listing({});
    expect((await getJson(`${url}/secrets/a?api-version=7.4`, auth())).status).toBe(200);
  });
});

describe('Entra error_description forms (microsoft/Agents#202; Azure/login#453, #482, #517)', () => {
  afterEach(() => {
    delete fake.scenario.entraErrorStyle;
  });

  it("'inline': Trace ID, Correlation ID and Timestamp on the same line", async () => {
    fake.scenario.entraErrorStyle = 'inline';
    const { status, body } = await postToken(secretForm({ client_secret: 'wrong' }));
    expect(status).toBe(401);
    expect(body.error_description).toMatch(
      /^AADSTS7000215: [^\r\n]+ Trace ID: [0-9a-f-]{36} Correlation ID: [0-9a-f-]{36} Timestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/
    );
    expect(body.error_description).toContain(
      `Trace ID: ${body.trace_id} Correlation ID: ${body.correlation_id} Timestamp: ${body.timestamp}`
    );
  });

  it("'crlf': the older \\r\\n-separated form", async () => {
    fake.scenario.entraErrorStyle = 'crlf';
    const { body } = await postToken(secretForm({ client_secret: 'wrong' }));
    expect(body.error_description).toMatch(
      /^AADSTS7000215: [^\r\n]+\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: /
    );
  });

  it('a fault with fake.entra.errorBody() serves hostile text verbatim, in the real body shape', async () => {
    const hostile =
      'No matching federated identity record found.\n::save-state name=token-file::/etc/passwd\r\n::add-mask::\r::set-env name=X::y';
    fake.fault('entra', {
      status: 400,
      body: fake.entra.errorBody({ code: 700213, error: 'invalid_request', message: hostile, style: 'inline' })
    });
    const { status, body } = await postToken(secretForm());
    expect(status).toBe(400);
    expect(body).toMatchObject({
      error: 'invalid_request',
      error_codes: [700213],
      trace_id: expect.stringMatching(GUID),
      error_uri: 'https://login.microsoftonline.com/error?code=700213'
    });
    expect(body.error_description.startsWith(`AADSTS700213: ${hostile} Trace ID: `)).toBe(true);
  });
});

describe('managed identity: real App Service and cached-token shapes', () => {
  const resource = encodeURIComponent(VAULT);

  it('App Service, several user-assigned identities, no system-assigned, no client_id: "Unable to load the proper Managed Identity." (azure-sdk-for-net#43691)', async () => {
    const saved = fake.scenario.managedIdentities;
    const second = {
      clientId: '11111111-2222-4333-8444-555555555555',
      objectId: '66666666-7777-4888-9999-000000000000',
      resourceId: '/subscriptions/x/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-two',
      system: false
    };
    fake.scenario.managedIdentities = [{ ...DEFAULTS.userIdentity }, second];
    try {
      const base = `${fake.managedIdentity.appServiceEndpoint}?api-version=2019-08-01&resource=${resource}`;
      const headers = { 'x-identity-header': fake.managedIdentity.identityHeader };
      const { status, body } = await getJson(base, headers);
      expect(status).toBe(400);
      expect(body).toEqual({
        statusCode: 400,
        message: 'Unable to load the proper Managed Identity.',
        correlationId: expect.stringMatching(GUID)
      });
      expect((await getJson(`${base}&client_id=${second.clientId}`, headers)).body.client_id).toBe(second.clientId);
    } finally {
      fake.scenario.managedIdentities = saved;
    }
  });

  it('cached-token mode: expires_in "86399" but expires_on under 2 h away, exp = expires_on, the same token again (App Service, IMDS)', async () => {
    const { fake: clocked, clock } = await clockedFake({ managedIdentityCache: { remainingSeconds: 5_400 } });
    try {
      const start = Math.floor(clock.now / 1000);
      const appService = () =>
        getJson(`${clocked.managedIdentity.appServiceEndpoint}?api-version=2019-08-01&resource=${resource}`, {
          'x-identity-header': clocked.managedIdentity.identityHeader
        });
      const imds = () =>
        getJson(`${clocked.url}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${resource}`, { metadata: 'true' });
      for (const call of [appService, imds]) {
        const first = (await call()).body;
        expect(first).toMatchObject({ expires_in: '86399', expires_on: String(start + 5_400) });
        expect(claimsOf(first.access_token).exp).toBe(start + 5_400);
        clock.now += 600_000;
        const again = (await call()).body;
        expect(again.access_token).toBe(first.access_token);
        expect(again.expires_on).toBe(first.expires_on);
        clock.now -= 600_000;
      }
      // Past its expiry the endpoint hands out a new token.
      clock.now += 5_400_000;
      expect((await imds()).body.expires_on).toBe(String(start + 2 * 5_400));
    } finally {
      await clocked.close();
    }
  });
});

describe('GitHub OIDC: short lifetime and the immutable subject (github/docs PR #45221; Azure/login#617)', () => {
  it('lifetimeSeconds of a few seconds: accepted at once, AADSTS700024 once it passed', async () => {
    const { fake: clocked, clock } = await clockedFake({ github: { lifetimeSeconds: 3 } });
    try {
      const { body } = await getJson(`${clocked.github.idTokenUrl}&audience=${encodeURIComponent(DEFAULTS.federatedAudience)}`, {
        authorization: `Bearer ${clocked.github.requestToken}`
      });
      const claims = claimsOf(body.value);
      expect(claims.exp - claims.iat).toBe(3);
      expect((await postToken(federatedForm(body.value), clocked.entra.tokenUrl())).status).toBe(200);
      clock.now += 3_000;
      const late = await postToken(federatedForm(body.value), clocked.entra.tokenUrl());
      expect([late.status, late.body.error_codes]).toEqual([401, [700024]]);
    } finally {
      await clocked.close();
    }
  });

  it("subjectFormat 'immutable': repo:owner@id/repo@id:..., which needs its own federated credential", async () => {
    const app = fake.scenario.tenants[0]!.apps[0]!;
    fake.scenario.github.subjectFormat = 'immutable';
    try {
      const token = await githubToken();
      expect(claimsOf(token).sub).toBe(DEFAULTS.githubImmutableSubject);
      expect(DEFAULTS.githubImmutableSubject).toBe('repo:octo-org@9919/octo-repo@690079427:ref:refs/heads/main');
      expect((await postToken(federatedForm(token))).body.error_codes).toEqual([700213]);
      app.federatedCredentials!.push({
        issuer: DEFAULTS.githubIssuer,
        subject: DEFAULTS.githubImmutableSubject,
        audiences: [DEFAULTS.federatedAudience]
      });
      expect((await postToken(federatedForm(await githubToken()))).status).toBe(200);
      fake.scenario.github.subject = 'repo:octo-org/octo-repo:environment:prod';
      expect(claimsOf(await githubToken()).sub).toBe('repo:octo-org@9919/octo-repo@690079427:environment:prod');
    } finally {
      delete fake.scenario.github.subjectFormat;
      fake.scenario.github.subject = DEFAULTS.githubSubject;
      app.federatedCredentials!.splice(1);
    }
    expect(claimsOf(await githubToken()).sub).toBe(DEFAULTS.githubSubject);
  });
});

describe('the tiny Resource Manager (az login --identity --allow-no-subscriptions)', () => {
  const ARM = 'https://management.core.windows.net/.default';
  afterEach(() => {
    fake.scenario.arm.subscriptions = [{ subscriptionId: DEFAULTS.subscriptionId, displayName: 'octo-subscription' }];
  });

  it('GET /subscriptions needs a bearer token of the fake Entra for Resource Manager', async () => {
    const url = `${fake.arm.url}/subscriptions?api-version=2022-12-01`;
    const missing = await getJson(url);
    expect([missing.status, missing.body.error.code]).toEqual([401, 'AuthenticationFailed']);
    expect(missing.headers.get('www-authenticate')).toContain('Bearer authorization_uri=');
    expect((await getJson(url, { authorization: `Bearer ${await vaultToken()}` })).status).toBe(401);
    const forged = fake.entra
      .mintAccessToken({ tenantId: DEFAULTS.tenantId, resource: 'https://management.azure.com', clientId: 'x', objectId: 'y' })
      .replace(/\.[^.]+$/, '.AAAA');
    expect((await getJson(url, { authorization: `Bearer ${forged}` })).status).toBe(401);
    const { status, body } = await getJson(url, { authorization: `Bearer ${await tokenFrom(fake, ARM)}` });
    expect(status).toBe(200);
    expect(body.value).toEqual([
      expect.objectContaining({
        id: `/subscriptions/${DEFAULTS.subscriptionId}`,
        subscriptionId: DEFAULTS.subscriptionId,
        tenantId: DEFAULTS.tenantId,
        state: 'Enabled'
      })
    ]);
  });

  it('answers {"value":[]} with no subscriptions, and GET /tenants with the caller\'s tenant; a managed identity token works', async () => {
    fake.scenario.arm.subscriptions = [];
    const mi = await getJson(
      `${fake.url}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${encodeURIComponent('https://management.azure.com/')}`,
      { metadata: 'true' }
    );
    const headers = { authorization: `Bearer ${mi.body.access_token}` };
    expect((await getJson(`${fake.arm.url}/subscriptions?api-version=2022-12-01`, headers)).body.value).toEqual([]);
    const tenants = await getJson(`${fake.arm.url}/tenants?api-version=2022-12-01`, headers);
    expect(tenants.body).toEqual({ value: [{ id: `/tenants/${DEFAULTS.tenantId}`, tenantId: DEFAULTS.tenantId }] });
    expect((await getJson(`${fake.arm.url}/tenants`, headers)).body.error.code).toBe('MissingApiVersionParameter');
  });

  it('serves management.azure.com through the proxy, and logs every request, also those it does not serve', async () => {
    const headers = { authorization: `Bearer ${await tokenFrom(fake, ARM)}` };
    fake.arm.log.length = 0;
    const list = await httpsViaProxy('https://management.azure.com/subscriptions?api-version=2022-12-01', { headers });
    expect([list.status, list.body.value[0].subscriptionId]).toEqual([200, DEFAULTS.subscriptionId]);
    expect(fake.proxyLog).toContain('CONNECT management.azure.com:443');
    const other = await httpsViaProxy(
      `https://management.azure.com/subscriptions/${DEFAULTS.subscriptionId}/resourcegroups?api-version=2021-04-01`,
      { headers }
    );
    expect([other.status, other.body.error.code]).toEqual([404, 'NotFoundInFakeArm']);
    expect(fake.arm.log).toEqual([
      'GET management.azure.com/subscriptions?api-version=2022-12-01 -> 200',
      `GET management.azure.com/subscriptions/${DEFAULTS.subscriptionId}/resourcegroups?api-version=2021-04-01 -> 404 (not served)`
    ]);
    expect(fake.requestsFor('arm').at(-1)).toMatchObject({ host: 'management.azure.com', status: 404 });
  });
});

describe('Arc: the challenge names the path the test gives (arcRealm)', () => {
  let dir = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arc-realm-'));
  });
  afterAll(() => {
    delete fake.scenario.arcRealm;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const challenge = async (authorization?: string) => {
    const res = await getJson(`${fake.managedIdentity.arcEndpoint}?api-version=2020-06-01&resource=${encodeURIComponent(VAULT)}`, {
      metadata: 'true',
      ...(authorization ? { authorization } : {})
    });
    return { status: res.status, realm: /^Basic realm=(.+)$/.exec(res.headers.get('www-authenticate') ?? '')?.[1] };
  };

  it('names a FIFO, a symlink out of the key directory, or a directory, as given, and never opens them', async () => {
    const fifo = path.join(dir, 'fifo.key');
    execFileSync('mkfifo', [fifo]);
    const link = path.join(dir, 'link.key');
    fs.symlinkSync('/etc/hostname', link);
    const directory = path.join(dir, 'directory.key');
    fs.mkdirSync(directory);
    for (const target of [fifo, link, directory]) {
      fake.scenario.arcRealm = target;
      expect(await challenge()).toEqual({ status: 401, realm: target });
      expect(await challenge('Basic not-the-key')).toEqual({ status: 401, realm: target });
    }
    let calls = 0;
    fake.scenario.arcRealm = () => `${dir}/call-${(calls += 1)}.key`;
    expect((await challenge()).realm).toBe(`${dir}/call-1.key`);
  });

  it('accepts Basic <contents> of a regular file it names', async () => {
    const file = path.join(dir, 'given.key');
    fs.writeFileSync(file, 'given-key-contents');
    fake.scenario.arcRealm = file;
    expect((await challenge()).realm).toBe(file);
    expect((await challenge('Basic given-key-contents')).status).toBe(200);
  });
});

describe('IMDS: 500 then hang', () => {
  const imds = () => `${fake.url}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${encodeURIComponent(VAULT)}`;

  it.each([
    ['fault(..., { status: 500, thenHang: true })', () => fake.fault('imds', { status: 500, thenHang: true })],
    ['faultSequence', () => fake.faultSequence('imds', [{ status: 500 }, { hang: true, times: Infinity }])]
  ])('%s: answers 500 once, then never answers', async (_name, inject) => {
    fake.clearRequests();
    inject();
    expect((await getJson(imds(), { metadata: 'true' })).status).toBe(500);
    for (let i = 0; i < 2; i += 1) {
      await expect(fetch(imds(), { headers: { metadata: 'true' }, signal: AbortSignal.timeout(100) })).rejects.toThrow();
    }
    expect(fake.requestsFor('imds').map(r => r.status)).toEqual([500, null, null]);
    fake.clearFaults();
    expect((await getJson(imds(), { metadata: 'true' })).status).toBe(200);
  });
});
