/**
 * Every credential the action supports, through the built dist/ against the fake, under the
 * machine's Node and Node 24: client secret, `creds` JSON (both shapes), certificate (PEM text,
 * file, encrypted key), workload identity, managed identity (App Service, user-assigned, IMDS,
 * Azure Arc), the Azure CLI (a stand-in `az` on PATH), and `auto` picking each in turn.
 */
import { describe, it, expect, beforeAll, afterAll, afterEach } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFakeAzure, DEFAULTS, decodeJwt, loadTestCertificate, type FakeAzure } from '../../test/fake-azure/server.js';
import type { ActionResult } from '../../test/harness/runner.js';
import { NODES, claimsOf, expectNoLeaks, failureOf, logOf, oidcInputs, removeRunDirs, runDist, secretInputs } from './support.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const ARM = 'https://management.azure.com';

let fake: FakeAzure;
let scratch: string;

beforeAll(async () => {
  fake = await startFakeAzure();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-credentials-'));
});
afterEach(() => {
  fake.clearFaults();
  fake.clearRequests();
});
afterAll(async () => {
  removeRunDirs();
  fs.rmSync(scratch, { recursive: true, force: true });
  await fake.close();
});

/** A file in this test run's scratch directory. */
function scratchFile(name: string, content: string): string {
  const file = path.join(scratch, name);
  fs.writeFileSync(file, content, { mode: 0o600 });
  return file;
}

/** Every Azure Arc key the fake handed out: secrets like any other. */
function arcKeys(): string[] {
  const dir = fake.managedIdentity.arcKeyDir;
  return fs.readdirSync(dir).map(file => fs.readFileSync(path.join(dir, file), 'utf8'));
}

/** A GitHub-issued token in a file, as the AKS webhook projects one (issuer and subject the app trusts). */
function federatedTokenFile(): { file: string; token: string } {
  const token = fake.github.mintToken({ aud: DEFAULTS.federatedAudience });
  return { file: scratchFile(`federated-${Date.now()}-${Math.random()}.jwt`, token), token };
}

/**
 * A stand-in `az` on PATH: records its arguments and prints what `az account get-access-token
 * --output json` prints (§4), with a token the fake's Entra signed for the default app.
 */
function fakeAzureCli(): { bin: string; token: string; args: () => string[] } {
  const bin = fs.mkdtempSync(path.join(scratch, 'bin-'));
  const token = fake.entra.mintAccessToken({
    tenantId: DEFAULTS.tenantId,
    resource: ARM,
    clientId: DEFAULTS.clientId,
    objectId: DEFAULTS.servicePrincipalObjectId
  });
  const expiresOn = Math.floor(Date.now() / 1000) + 3600;
  const output = {
    accessToken: token,
    expiresOn: '2099-01-01 00:00:00.000000',
    expires_on: expiresOn,
    subscription: '0b1f6471-1bf0-4dda-aec3-cb9272f09590',
    tenant: DEFAULTS.tenantId,
    tokenType: 'Bearer'
  };
  fs.writeFileSync(path.join(bin, 'output.json'), JSON.stringify(output));
  // A node script by absolute path: PATH holds nothing but this directory.
  const script = [
    `#!${process.execPath}`,
    "const fs = require('node:fs');",
    `fs.writeFileSync(${JSON.stringify(path.join(bin, 'args'))}, process.argv.slice(2).join('\\n'));`,
    `process.stdout.write(fs.readFileSync(${JSON.stringify(path.join(bin, 'output.json'))}, 'utf8'));`
  ].join('\n');
  fs.writeFileSync(path.join(bin, 'az'), script, { mode: 0o755 });
  return { bin, token, args: () => fs.readFileSync(path.join(bin, 'args'), 'utf8').trim().split('\n') };
}

const posixOnly = process.platform === 'win32' ? it.skip : it;

/** An empty directory for PATH: no `az` to find. */
function emptyPath(): string {
  return fs.mkdtempSync(path.join(scratch, 'empty-path-'));
}

function expectSignedInAs(result: ActionResult, authType: string, identity: { clientId: string; objectId: string }): void {
  expect(result.errors).toEqual([]);
  expect(result.exitCode).toBe(0);
  expect(result.outputs).toMatchObject({
    'auth-type': authType,
    'client-id': identity.clientId,
    'object-id': identity.objectId,
    'tenant-id': DEFAULTS.tenantId,
    'token-type': 'Bearer'
  });
  expect(claimsOf(result.outputs['access-token'] ?? '')['aud']).toBe(ARM);
}

const APP = { clientId: DEFAULTS.clientId, objectId: DEFAULTS.servicePrincipalObjectId };

describe.each(NODES)('credentials through dist/ under %s', (_label, node) => {
  it('secret: client_secret to the token endpoint', async () => {
    const result = await runDist({ node, inputs: secretInputs(fake) });

    expectSignedInAs(result, 'secret', APP);
    expect(fake.requestsFor('entra')[0]?.form).toMatchObject({
      client_id: DEFAULTS.clientId,
      client_secret: DEFAULTS.clientSecret,
      scope: `${ARM}/.default`
    });
    expect(result.masks).toContain(DEFAULTS.clientSecret);
    expectNoLeaks(result);
  });

  it.each([
    [
      'azure/login',
      { clientId: DEFAULTS.clientId, clientSecret: DEFAULTS.clientSecret, tenantId: DEFAULTS.tenantId, subscriptionId: 'ignored' }
    ],
    [
      'az ad sp create-for-rbac',
      { appId: DEFAULTS.clientId, password: DEFAULTS.clientSecret, tenant: DEFAULTS.tenantId, displayName: 'octo-deployer' }
    ]
  ])('creds in the %s shape: auto picks secret', async (_shape, creds) => {
    const result = await runDist({ node, inputs: { creds: JSON.stringify(creds), 'authority-host': fake.url } });

    expectSignedInAs(result, 'secret', APP);
    expectNoLeaks(result, [JSON.stringify(creds)]);
  });

  it.each([
    ['PEM text', () => ({ 'client-certificate': loadTestCertificate('client').combinedPem })],
    ['a PEM file', () => ({ 'client-certificate': loadTestCertificate('client').combinedPath })],
    [
      'an encrypted key and its password',
      () => ({
        'client-certificate': loadTestCertificate('client-encrypted').combinedPem,
        'client-certificate-password': 'test-passphrase'
      })
    ]
  ])('certificate from %s: a PS256 assertion with x5t#S256, aud = the token endpoint', async (_form, certificateInputs) => {
    const inputs = {
      'auth-type': 'certificate',
      'client-id': DEFAULTS.clientId,
      'tenant-id': DEFAULTS.tenantId,
      'authority-host': fake.url,
      ...certificateInputs()
    };
    const result = await runDist({ node, inputs });

    expectSignedInAs(result, 'certificate', APP);
    const form = fake.requestsFor('entra')[0]?.form ?? {};
    expect(form['client_assertion_type']).toBe(JWT_BEARER);
    const assertion = decodeJwt(form['client_assertion'] ?? '');
    expect(assertion?.header).toMatchObject({ alg: 'PS256', 'x5t#S256': loadTestCertificate('client').x5tS256 });
    expect(assertion?.payload).toMatchObject({ aud: fake.entra.tokenUrl(), iss: DEFAULTS.clientId, sub: DEFAULTS.clientId });
    // The inputs as the action reads them (trimmed): PEM text (certificate and key) or the file's, and the passphrase.
    expectNoLeaks(result, [
      loadTestCertificate('client').combinedPem.trim(),
      loadTestCertificate('client-encrypted').combinedPem.trim(),
      'test-passphrase'
    ]);
  });

  it('workload-identity: the token in AZURE_FEDERATED_TOKEN_FILE is the assertion; client, tenant and authority from the webhook variables', async () => {
    const { file, token } = federatedTokenFile();
    const env = {
      AZURE_FEDERATED_TOKEN_FILE: file,
      AZURE_CLIENT_ID: DEFAULTS.clientId,
      AZURE_TENANT_ID: DEFAULTS.tenantId,
      AZURE_AUTHORITY_HOST: fake.url
    };
    const result = await runDist({ node, inputs: { 'auth-type': 'workload-identity' }, env });

    expectSignedInAs(result, 'workload-identity', APP);
    expect(fake.requestsFor('entra')[0]?.form).toMatchObject({
      client_assertion_type: JWT_BEARER,
      client_assertion: token,
      client_id: DEFAULTS.clientId
    });
    expectNoLeaks(result, [token]);
  });

  it('managed-identity on App Service: the system-assigned identity, with X-IDENTITY-HEADER', async () => {
    const result = await runDist({ node, inputs: { 'auth-type': 'managed-identity' }, env: fake.env.appService });

    expectSignedInAs(result, 'managed-identity', DEFAULTS.systemIdentity);
    const [request] = fake.requestsFor('msi');
    expect(request?.headers['x-identity-header']).toBe(DEFAULTS.identityHeader);
    expect(request?.query).toMatchObject({ 'api-version': '2019-08-01', resource: ARM });
    expectNoLeaks(result);
  });

  it('managed-identity on App Service: client-id selects a user-assigned identity', async () => {
    const result = await runDist({
      node,
      inputs: { 'auth-type': 'managed-identity', 'client-id': DEFAULTS.userIdentity.clientId },
      env: fake.env.appService
    });

    expectSignedInAs(result, 'managed-identity', DEFAULTS.userIdentity);
    expect(fake.requestsFor('msi')[0]?.query['client_id']).toBe(DEFAULTS.userIdentity.clientId);
    expectNoLeaks(result);
  });

  it('managed-identity on a VM: IMDS with Metadata: true', async () => {
    const result = await runDist({ node, inputs: { 'auth-type': 'managed-identity' }, env: fake.env.imds });

    expectSignedInAs(result, 'managed-identity', DEFAULTS.systemIdentity);
    const [request] = fake.requestsFor('imds');
    expect(request?.headers['metadata']).toBe('true');
    expect(request?.query).toMatchObject({ 'api-version': '2018-02-01', resource: ARM });
    expectNoLeaks(result);
  });

  it('managed-identity on Azure Arc: the 401 challenge, then the key file', async () => {
    const env = { ...fake.env.arc, AZURE_TOKEN_TEST_ARC_KEY_DIR: fake.managedIdentity.arcKeyDir };
    const result = await runDist({ node, inputs: { 'auth-type': 'managed-identity' }, env });

    expectSignedInAs(result, 'managed-identity', DEFAULTS.systemIdentity);
    expect(fake.requestsFor('arc').map(request => request.status)).toEqual([401, 200]);
    expect(fake.requestsFor('arc')[1]?.headers['authorization']).toMatch(/^Basic [0-9a-f]{64}$/);
    expectNoLeaks(result, arcKeys());
  });

  // The stand-in az is a script with a shebang line; Windows would look for az.cmd.
  posixOnly('azure-cli: az account get-access-token, run from PATH', async () => {
    const az = fakeAzureCli();
    const result = await runDist({ node, inputs: { 'auth-type': 'azure-cli', 'tenant-id': DEFAULTS.tenantId }, env: { PATH: az.bin } });

    expectSignedInAs(result, 'azure-cli', APP);
    expect(az.args()).toEqual(['account', 'get-access-token', '--output', 'json', '--resource', ARM, '--tenant', DEFAULTS.tenantId]);
    expect(result.outputs['access-token']).toBe(az.token);
    expect(fake.requests).toEqual([]);
    expectNoLeaks(result, [az.token]);
  });
});

describe('auto picks the first credential that applies', () => {
  it('a client secret wins over GitHub OIDC', async () => {
    const { 'auth-type': _auto, ...inputs } = secretInputs(fake);
    const result = await runDist({ inputs, env: fake.env.oidc });

    expect(result.outputs['auth-type']).toBe('secret');
    expect(fake.requestsFor('github')).toEqual([]);
    expectNoLeaks(result);
  });

  it('client-id + tenant-id with the OIDC variables: oidc', async () => {
    const { 'auth-type': _auto, ...inputs } = oidcInputs(fake);
    const result = await runDist({ inputs, env: fake.env.oidc });

    expect(result.outputs['auth-type']).toBe('oidc');
    expectNoLeaks(result);
  });

  it('AZURE_FEDERATED_TOKEN_FILE: workload-identity', async () => {
    const { file, token } = federatedTokenFile();
    const env = {
      AZURE_FEDERATED_TOKEN_FILE: file,
      AZURE_CLIENT_ID: DEFAULTS.clientId,
      AZURE_TENANT_ID: DEFAULTS.tenantId,
      AZURE_AUTHORITY_HOST: fake.url
    };
    const result = await runDist({ inputs: {}, env });

    expect(result.outputs['auth-type']).toBe('workload-identity');
    expectNoLeaks(result, [token]);
  });

  it('IDENTITY_ENDPOINT: managed-identity', async () => {
    const result = await runDist({ inputs: {}, env: fake.env.appService });

    expect(result.outputs['auth-type']).toBe('managed-identity');
    expectNoLeaks(result);
  });

  it('on a self-hosted runner, an IMDS that answers: managed-identity', async () => {
    const result = await runDist({ inputs: {}, env: { ...fake.env.imds, RUNNER_ENVIRONMENT: 'self-hosted', PATH: emptyPath() } });

    expect(result.outputs['auth-type']).toBe('managed-identity');
    expectNoLeaks(result);
  });

  posixOnly('az on PATH: azure-cli', async () => {
    const az = fakeAzureCli();
    const result = await runDist({ inputs: {}, env: { PATH: az.bin } });

    expect(result.errors).toEqual([]);
    expect(result.outputs['auth-type']).toBe('azure-cli');
    expectNoLeaks(result, [az.token]);
  });

  it('nothing applies: one message listing each candidate and why it did not apply, and no request', async () => {
    const result = await runDist({ inputs: {}, env: { PATH: emptyPath() } });

    expect(result.exitCode).toBe(1);
    const failure = failureOf(result);
    for (const candidate of ['secret', 'certificate', 'oidc', 'workload-identity', 'managed-identity', 'azure-cli']) {
      expect(failure).toContain(candidate);
    }
    expect(fake.requests).toEqual([]);
    expectNoLeaks(result);
  });
});

describe('credential failures are explained', () => {
  it.each([
    ['an expired client secret', DEFAULTS.expiredClientSecret, 'AADSTS7000222'],
    ['a wrong client secret', 'not~the.secret-value_0000000000000000', 'AADSTS7000215']
  ])('%s: the AADSTS code, what it means and the fix', async (_case, secret, code) => {
    const result = await runDist({ inputs: secretInputs(fake, { 'client-secret': secret }) });

    expect(result.exitCode).toBe(1);
    const failure = failureOf(result);
    expect(failure).toContain(code);
    expect(failure).toContain('az ad app credential reset');
    expect(result.outputs).toEqual({});
    expectNoLeaks(result, [secret]);
  });

  it.each([
    ['mismatched', "Input 'client-certificate' holds a private key that belongs to none of its certificates."],
    ['expired', "Input 'client-certificate' holds a certificate that expired on 2021-01-01T00:00:00.000Z."]
  ] as const)('a %s certificate is refused before any request', async (kind, message) => {
    const pem = loadTestCertificate(kind).combinedPem.trim();
    const inputs = {
      'auth-type': 'certificate',
      'client-id': DEFAULTS.clientId,
      'tenant-id': DEFAULTS.tenantId,
      'authority-host': fake.url,
      'client-certificate': pem
    };
    const result = await runDist({ inputs });

    expect(result.exitCode).toBe(1);
    expect(failureOf(result)).toContain(message);
    expect(fake.requests).toEqual([]);
    expect(logOf(result)).not.toContain('PRIVATE KEY');
    expectNoLeaks(result, [pem]);
  });

  it('a certificate the app does not have: the AADSTS code, the thumbprint and how to upload it', async () => {
    fake.scenario.tenants[0]?.apps[0]?.certificates?.splice(0, 1);
    try {
      const pem = loadTestCertificate('client').combinedPem.trim();
      const inputs = {
        'auth-type': 'certificate',
        'client-id': DEFAULTS.clientId,
        'tenant-id': DEFAULTS.tenantId,
        'authority-host': fake.url,
        'client-certificate': pem
      };
      const result = await runDist({ inputs });

      expect(result.exitCode).toBe(1);
      const failure = failureOf(result);
      expect(failure).toContain('AADSTS700027');
      expect(failure).toContain('az ad app credential reset');
      expectNoLeaks(result, [pem]);
    } finally {
      fake.scenario.tenants[0]?.apps[0]?.certificates?.unshift(loadTestCertificate('client').certPem);
    }
  });

  it('managed-identity with an unknown user-assigned client-id names it', async () => {
    const unknown = '00000000-1111-4222-8333-444444444444';
    const result = await runDist({ inputs: { 'auth-type': 'managed-identity', 'client-id': unknown }, env: fake.env.appService });

    expect(result.exitCode).toBe(1);
    expect(failureOf(result)).toContain(unknown);
    expectNoLeaks(result);
  });

  it('azure-cli without az on PATH says how to install it or choose another auth-type', async () => {
    const result = await runDist({ inputs: { 'auth-type': 'azure-cli' }, env: { PATH: emptyPath() } });

    expect(result.exitCode).toBe(1);
    expect(failureOf(result)).toContain("The Azure CLI ('az') is not on PATH.");
    expectNoLeaks(result);
  });
});
