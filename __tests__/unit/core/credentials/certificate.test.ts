import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import nock from 'nock';
import type { Config } from '../../../../src/core/config.js';
import { createCertificateCredential } from '../../../../src/core/credentials/certificate.js';
import { certificateSettings } from '../../../../src/core/credentials/settings.js';
import { InputError } from '../../../../src/core/errors.js';
import {
  configFrom,
  credentialDeps as recordingDeps,
  failureOf,
  type FakeMachine,
  fakeMachine,
  type RecordingDeps
} from '../../credential-support.js';
import { CLIENT_ID, fakeJwt, TENANT_ID } from '../../support.js';

const TLS = path.resolve('test/fake-azure/tls');
const pem = (name: string): string => fs.readFileSync(path.join(TLS, name), 'utf8');
const CLIENT_CERT = new crypto.X509Certificate(pem('client.pem'));
const ACCESS_TOKEN = fakeJwt({ tid: TENANT_ID, appid: CLIENT_ID });
const SCOPE = 'https://management.azure.com/.default';
const ENDPOINT = `https://login.microsoftonline.com/${TENANT_ID}/oauth2/v2.0/token`;
/** After the test certificates were made (2026-11-23T14:32:21Z): they are valid then. */
const NOW = Date.UTC(2027, 0, 15, 9, 30, 0);
const PEM_HINT =
  'Give the certificate and its private key in one PEM, e.g. cat cert.pem key.pem > combined.pem (from a .pfx: openssl pkcs12 -in cert.pfx -out combined.pem -nodes), stored in a secret or as a file path.';

/** The deps of a credential on a machine whose clock stands at `now`. */
function credentialDeps(machine: FakeMachine = fakeMachine({ now: () => NOW })): RecordingDeps {
  return recordingDeps(machine);
}

const certificateCredential = (config: Config, deps: RecordingDeps = credentialDeps()) =>
  createCertificateCredential(certificateSettings(config), deps);

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
  const decode = (part: string): Record<string, unknown> =>
    JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
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
    const deps = credentialDeps();
    const credential = await certificateCredential(configFrom(inputs(pem('client-combined.pem'))), deps);

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
      // openssl x509 -in client.pem -outform der | openssl dgst -sha256 -binary | base64url
      'x5t#S256': '3SXznLVAJqnkr_y42uXOzEVI2zZDVGiq6dwFiAp7QUE'
    });
    const nbf = NOW / 1000;
    expect(assertion.claims).toEqual({
      aud: ENDPOINT,
      iss: CLIENT_ID,
      sub: CLIENT_ID,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      nbf,
      exp: nbf + 600
    });
  });

  it('signs a new assertion (new jti) for each request, with the audience of the tenant asked for', async () => {
    const other = '0000aaaa-0000-0000-0000-000000000000';
    const forms = entra();
    const otherForms = entra(other);
    const credential = await certificateCredential(configFrom(inputs(pem('client-combined.pem'))));
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
    const machine = fakeMachine({ now: () => NOW, files: { '/work/space/certs/app.pem': combined } });
    const deps = credentialDeps(machine);
    const credential = await certificateCredential(configFrom(inputs('certs/app.pem')), deps);
    await credential.getToken(SCOPE);
    expect(machine.reads).toEqual(['/work/space/certs/app.pem']);
    expect(deps.masks[0]).toBe(pem('client.key').trim());
    expect(deps.logs.join('\n')).not.toContain('PRIVATE KEY');
  });

  it('logs the subject and the SHA-1 thumbprint the app registration shows', async () => {
    const deps = credentialDeps();
    await certificateCredential(configFrom(inputs(pem('client-combined.pem'))), deps);
    expect(deps.logs).toEqual([
      'Client certificate CN=azure-token-test-client, thumbprint 05A19CCC9EE071C36CDCBC1C3F0D3CD9CDAD2F57, valid until 2046-11-18T14:32:21.000Z.'
    ]);
  });

  it('decrypts an encrypted key with client-certificate-password', async () => {
    const forms = entra();
    const credential = await certificateCredential(
      configFrom(inputs(pem('client-encrypted-combined.pem'), { 'client-certificate-password': 'test-passphrase' }))
    );
    await credential.getToken(SCOPE);
    expect(verifyAssertion(forms[0]?.get('client_assertion') as string, CLIENT_CERT).signatureValid).toBe(true);
  });

  const RENEW =
    'Create a new certificate, upload it to the app (az ad app credential reset --id <client-id> --cert @cert.pem --append) and update the secret that holds it.';

  it.each<[string, () => Record<string, string>, string]>([
    [
      'a certificate without a key',
      () => inputs(pem('client.pem')),
      `Input 'client-certificate' holds a certificate but no private key (no -----BEGIN PRIVATE KEY----- block).\n${PEM_HINT}`
    ],
    [
      'a key without a certificate',
      () => inputs(pem('client.key')),
      `Input 'client-certificate' holds no certificate (no -----BEGIN CERTIFICATE----- block).\n${PEM_HINT}`
    ],
    [
      'a key that does not match the certificate',
      () => inputs(pem('mismatched-combined.pem')),
      "Input 'client-certificate' holds a private key that belongs to none of its certificates.\n" +
        'Bundle the certificate with its own key (compare: openssl x509 -noout -pubkey -in cert.pem and openssl pkey -pubout -in key.pem).'
    ],
    [
      'an expired certificate',
      () => inputs(pem('expired-combined.pem')),
      `Input 'client-certificate' holds a certificate that expired on 2021-01-01T00:00:00.000Z.\n${RENEW}`
    ],
    [
      'an encrypted key without a password',
      () => inputs(pem('client-encrypted-combined.pem')),
      "Input 'client-certificate' holds an encrypted private key, and client-certificate-password is empty.\nSet client-certificate-password to its passphrase."
    ],
    [
      'an encrypted key with a wrong password',
      () => inputs(pem('client-encrypted-combined.pem'), { 'client-certificate-password': 'wrong' }),
      "Input 'client-certificate-password' does not decrypt the private key in client-certificate.\nCheck the passphrase the key was exported with."
    ],
    [
      'an EC key',
      () => inputs(fs.readFileSync('__tests__/fixtures/certs/ec-combined.pem', 'utf8')),
      "Input 'client-certificate' holds a key of type ec; Entra ID client certificates need an RSA key."
    ],
    [
      'a file that does not exist',
      () => inputs('missing.pem'),
      `Input 'client-certificate' is neither PEM text nor a readable file: /work/space/missing.pem (no such file).\n${PEM_HINT}`
    ]
  ])('refuses %s before any request', async (_, given, message) => {
    const failure = await failureOf(certificateCredential(configFrom(given())));
    expect(failure).toBe(message);
  });

  it('refuses a garbled certificate, without showing the key', async () => {
    const failure = await failureOf(
      certificateCredential(configFrom(inputs(`-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n${pem('client.key')}`)))
    );
    // The rest of the first line is node's own reason, which differs between versions.
    expect(failure).toMatch(/^Input 'client-certificate' holds a certificate that cannot be read: .+\.\n/);
    expect(failure.endsWith(`\n${PEM_HINT}`)).toBe(true);
    expect(failure).not.toContain('MII');
  });

  it.each<[string, (machine: FakeMachine) => void, string]>([
    [
      'a FIFO',
      machine => machine.special.set('/work/space/certs/app.pem', 'a FIFO (named pipe)'),
      'it is a FIFO (named pipe), not a regular file'
    ],
    ['a directory', machine => machine.special.set('/work/space/certs/app.pem', 'a directory'), 'it is a directory, not a regular file'],
    [
      'a file over 1 MiB',
      machine => machine.files.set('/work/space/certs/app.pem', 'x'.repeat(1024 * 1024 + 1)),
      'it has 1048577 bytes, more than the 1048576 allowed'
    ],
    [
      'a link to a FIFO',
      machine => {
        machine.links.set('/work/space/certs/app.pem', '/run/pipe');
        machine.special.set('/run/pipe', 'a FIFO (named pipe)');
      },
      'it is a FIFO (named pipe), not a regular file'
    ]
  ])('refuses a client-certificate path that names %s, at once, with one line naming the input', async (_, prepare, why) => {
    const machine = fakeMachine({ now: () => NOW });
    prepare(machine);
    const error = await certificateCredential(configFrom(inputs('certs/app.pem')), credentialDeps(machine)).catch(
      (caught: unknown) => caught
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).input).toBe('client-certificate');
    expect(await failureOf(Promise.reject(error))).toBe(
      `Input 'client-certificate' is neither PEM text nor a readable file: /work/space/certs/app.pem (${why}).\n${PEM_HINT}`
    );
    expect(machine.reads).toEqual(['/work/space/certs/app.pem']);
  });

  it('reads an absolute path as it is, not under the workspace', async () => {
    const machine = fakeMachine({ now: () => NOW, files: { '/etc/azure/app.pem': pem('client-combined.pem') } });
    await certificateCredential(configFrom(inputs('/etc/azure/app.pem')), credentialDeps(machine));
    expect(machine.reads).toEqual(['/etc/azure/app.pem']);
  });

  it('refuses a certificate that is not valid yet', async () => {
    const failure = await failureOf(
      certificateCredential(
        configFrom(inputs(pem('client-combined.pem'))),
        credentialDeps(fakeMachine({ now: () => Date.UTC(2000, 0, 1) }))
      )
    );
    expect(failure).toBe(
      "Input 'client-certificate' holds a certificate that is not valid before 2026-11-23T14:32:21.000Z.\n" +
        'Check the runner clock, or wait until the certificate becomes valid.'
    );
  });

  it('explains an unregistered certificate (AADSTS700027)', async () => {
    nock('https://login.microsoftonline.com')
      .post(`/${TENANT_ID}/oauth2/v2.0/token`)
      .reply(401, {
        error: 'invalid_client',
        error_description: 'AADSTS700027: Client assertion failed signature validation.',
        error_codes: [700027]
      });
    const credential = await certificateCredential(configFrom(inputs(pem('client-combined.pem'))));
    const failure = await failureOf(credential.getToken(SCOPE));
    expect(failure).toContain(`az ad app credential reset --id ${CLIENT_ID} --cert @cert.pem --append`);
  });
});

// What the certificate kind needs before it can be built ('client-certificate', 'client-id', 'tenant-id'): settings.test.ts.
