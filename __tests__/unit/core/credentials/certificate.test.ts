import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import nock from 'nock';
import { createCertificateCredential } from '../../src/credentials/certificate.js';
import type { MachineDeps } from '../../src/credentials/credential.js';
import { configFrom, credentialDeps as recordingDeps, failureOf, fakeMachine, type RecordingDeps } from './credential-support.js';
import { CLIENT_ID, fakeJwt, TENANT_ID } from './support.js';

const TLS = path.resolve('test/fake-azure/tls');
const pem = (name: string): string => fs.readFileSync(path.join(TLS, name), 'utf8');
const CLIENT_CERT = new crypto.X509Certificate(pem('client.pem'));
const ACCESS_TOKEN = fakeJwt({ tid: TENANT_ID, appid: CLIENT_ID });
const SCOPE = 'https://management.azure.com/.default';
const ENDPOINT = `https://login.microsoftonline.com/${TENANT_ID}/oauth2/v2.0/token`;
/** A day after the test certificates were made: they are valid then. */
const NOW = Date.UTC(2027, 0, 15, 9, 30, 0);

function credentialDeps(machine: MachineDeps, now = NOW): RecordingDeps {
  return { ...recordingDeps(machine), now: () => now };
}

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => nock.cleanAll());

/** Records each form posted to the token endpoint of `tenant` and answers with a token. */
function entra(tenant = TENANT_ID): URLSearchParams[] {
  const forms: URLSearchParams[] = [];
  nock('https://login.microsoftonline.com')
    .post(`/${tenant}/oauth2/v2.0/token`)
    .times(3)
    .reply(200, (_, body) => {
      forms.push(new URLSearchParams(body as string));
      return { token_type: 'Bearer', expires_in: 3599, access_token: ACCESS_TOKEN };
    });
  return forms;
}

const inputs = (certificate: string, extra: Record<string, string> = {}): Record<string, string> => ({
  'client-id': CLIENT_ID,
  'tenant-id': TENANT_ID,
  'client-certificate': certificate,
  ...extra
});

interface Assertion {
  readonly header: Record<string, unknown>;
  readonly claims: Record<string, unknown>;
  readonly signatureValid: boolean;
}

/** Decodes the assertion and checks its PS256 signature against the certificate's public key. */
function verifyAssertion(jwt: string, certificate: crypto.X509Certificate): Assertion {
  const [header, claims, signature] = jwt.split('.') as [string, string, string];
  const decode = (part: string): Record<string, unknown> => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  const signatureValid = crypto.verify(
    'sha256',
    Buffer.from(`${header}.${claims}`),
    { key: certificate.publicKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
    Buffer.from(signature, 'base64url')
  );
  return { header: decode(header), claims: decode(claims), signatureValid };
}

describe('certificate credential', () => {
  it('signs a PS256 client assertion with x5t#S256 and the contract claims, verifiable with the certificate', async () => {
    const forms = entra();
    const deps = credentialDeps(fakeMachine());
    const credential = await createCertificateCredential(configFrom(inputs(pem('client-combined.pem'))), deps);

    const token = await credential.getToken(SCOPE);

    expect(token.token).toBe(ACCESS_TOKEN);
    const form = forms[0] as URLSearchParams;
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    expect(form.get('client_secret')).toBeNull();
    const assertion = verifyAssertion(form.get('client_assertion') as string, CLIENT_CERT);
    expect(assertion.signatureValid).toBe(true);
    expect(assertion.header).toEqual({
      alg: 'PS256',
      typ: 'JWT',
      'x5t#S256': crypto.createHash('sha256').update(CLIENT_CERT.raw).digest('base64url')
    });
    const nbf = NOW / 1000;
    expect(assertion.claims).toEqual({ aud: ENDPOINT, iss: CLIENT_ID, sub: CLIENT_ID, jti: expect.stringMatching(/^[0-9a-f-]{36}$/), nbf, exp: nbf + 600 });
  });

  it('signs a new assertion (new jti) for each request, with the audience of the tenant asked for', async () => {
    const other = '0000aaaa-0000-0000-0000-000000000000';
    const forms = entra();
    const otherForms = entra(other);
    const credential = await createCertificateCredential(configFrom(inputs(pem('client-combined.pem'))), credentialDeps(fakeMachine()));
    await credential.getToken(SCOPE);
    await credential.getToken(SCOPE, { tenantId: other });
    const first = verifyAssertion(forms[0]?.get('client_assertion') as string, CLIENT_CERT);
    const second = verifyAssertion(otherForms[0]?.get('client_assertion') as string, CLIENT_CERT);
    expect(second.claims['aud']).toBe(`https://login.microsoftonline.com/${other}/oauth2/v2.0/token`);
    expect(second.claims['jti']).not.toBe(first.claims['jti']);
  });

  it('reads a path relative to the workspace, and masks the private key it finds there', async () => {
    entra();
    const combined = pem('client-combined.pem');
    const machine = fakeMachine({ files: { '/work/space/certs/app.pem': combined } });
    const deps = credentialDeps(machine);
    const credential = await createCertificateCredential(configFrom(inputs('certs/app.pem')), deps);
    await credential.getToken(SCOPE);
    expect(machine.reads).toEqual(['/work/space/certs/app.pem']);
    expect(deps.masks[0]).toBe(pem('client.key').trim());
    expect(deps.logs.join('\n')).not.toContain('PRIVATE KEY');
  });

  it('logs the subject and the SHA-1 thumbprint the app registration shows', async () => {
    const deps = credentialDeps(fakeMachine());
    await createCertificateCredential(configFrom(inputs(pem('client-combined.pem'))), deps);
    expect(deps.logs).toEqual([
      `Client certificate ${CLIENT_CERT.subject.replace(/\n/g, ', ')}, thumbprint ${CLIENT_CERT.fingerprint.replace(/:/g, '')}, valid until ${new Date(CLIENT_CERT.validTo).toISOString()}.`
    ]);
  });

  it('decrypts an encrypted key with client-certificate-password', async () => {
    const forms = entra();
    const credential = await createCertificateCredential(
      configFrom(inputs(pem('client-encrypted-combined.pem'), { 'client-certificate-password': 'test-passphrase' })),
      credentialDeps(fakeMachine())
    );
    await credential.getToken(SCOPE);
    expect(verifyAssertion(forms[0]?.get('client_assertion') as string, CLIENT_CERT).signatureValid).toBe(true);
  });

  it.each([
    ['a certificate without a key', () => inputs(pem('client.pem')), "Input 'client-certificate' holds a certificate but no private key (no -----BEGIN PRIVATE KEY----- block)."],
    ['a key without a certificate', () => inputs(pem('client.key')), "Input 'client-certificate' holds no certificate (no -----BEGIN CERTIFICATE----- block)."],
    ['a key that does not match the certificate', () => inputs(pem('mismatched-combined.pem')), "Input 'client-certificate' holds a private key that belongs to none of its certificates."],
    ['an expired certificate', () => inputs(pem('expired-combined.pem')), "Input 'client-certificate' holds a certificate that expired on 2021-01-01"],
    ['an encrypted key without a password', () => inputs(pem('client-encrypted-combined.pem')), "Input 'client-certificate' holds an encrypted private key, and client-certificate-password is empty."],
    [
      'an encrypted key with a wrong password',
      () => inputs(pem('client-encrypted-combined.pem'), { 'client-certificate-password': 'wrong' }),
      "Input 'client-certificate-password' does not decrypt the private key in client-certificate."
    ],
    ['an EC key', () => inputs(fs.readFileSync('__tests__/fixtures/certs/ec-combined.pem', 'utf8')), "Input 'client-certificate' holds a key of type ec; Entra ID client certificates need an RSA key."],
    ['a file that does not exist', () => inputs('missing.pem'), "Input 'client-certificate' is neither PEM text nor a readable file: /work/space/missing.pem (ENOENT"],
    [
      'a garbled certificate',
      () => inputs(`-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n${pem('client.key')}`),
      "Input 'client-certificate' holds a certificate that cannot be read"
    ]
  ])('refuses %s before any request', async (_, given, message) => {
    const failure = await failureOf(createCertificateCredential(configFrom(given()), credentialDeps(fakeMachine())));
    expect(failure).toContain(message);
    expect(failure).not.toContain('MII');
  });

  it('refuses a certificate that is not valid yet', async () => {
    const failure = await failureOf(createCertificateCredential(configFrom(inputs(pem('client-combined.pem'))), credentialDeps(fakeMachine(), Date.UTC(2000, 0, 1))));
    expect(failure).toBe(
      `Input 'client-certificate' holds a certificate that is not valid before ${new Date(CLIENT_CERT.validFrom).toISOString()}.\n` +
        'Check the runner clock, or wait until the certificate becomes valid.'
    );
  });

  it.each([
    ['client-id', { 'client-id': '' }],
    ['tenant-id', { 'tenant-id': '' }]
  ])("needs '%s'", async (input, override) => {
    await expect(createCertificateCredential(configFrom({ ...inputs(pem('client-combined.pem')), ...override }), credentialDeps(fakeMachine()))).rejects.toThrow(
      `Input '${input}' is needed for auth-type 'certificate'.`
    );
  });

  it('explains an unregistered certificate (AADSTS700027)', async () => {
    nock('https://login.microsoftonline.com')
      .post(`/${TENANT_ID}/oauth2/v2.0/token`)
      .reply(401, { error: 'invalid_client', error_description: 'AADSTS700027: Client assertion failed signature validation.', error_codes: [700027] });
    const credential = await createCertificateCredential(configFrom(inputs(pem('client-combined.pem'))), credentialDeps(fakeMachine()));
    const failure = await failureOf(credential.getToken(SCOPE));
    expect(failure).toContain(`az ad app credential reset --id ${CLIENT_ID} --cert @cert.pem --append`);
  });
});
