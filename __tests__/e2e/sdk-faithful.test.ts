/**
 * The fake is faithful: the official Azure SDK (@azure/identity, @azure/keyvault-secrets; dev
 * dependencies only) gets a token from it and reads and lists Key Vault secrets, with its own
 * protocol handling: MSAL's token request, Key Vault's 401 challenge and its resource check,
 * nextLink paging. It runs in a child process (test/sdk/sdk-client.mjs) with real host names
 * through the fake's proxy and its test CA trusted with NODE_EXTRA_CA_CERTS, the way the SDK
 * would reach login.microsoftonline.com and my-vault.vault.azure.net.
 */
import { it, expect, beforeAll, afterAll } from '@jest/globals';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { startFakeAzure, DEFAULTS, type FakeAzure } from '../../test/fake-azure/server.js';
import { REPO_ROOT } from '../../test/harness/runner.js';

const SDK_CLIENT = path.join(REPO_ROOT, 'test', 'sdk', 'sdk-client.mjs');

let fake: FakeAzure;

beforeAll(async () => {
  // Pages of 2, so that listing the vault's 7 secrets follows 3 nextLinks.
  fake = await startFakeAzure({ tls: true, keyVaultPageSize: 2 });
});
afterAll(async () => {
  await fake.close();
});

interface SdkReport {
  token: { aud: string; appid: string; tid: string; expiresInSeconds: number };
  secret: { name: string; version: string; enabled: boolean; valueSha256: string };
  listed: string[];
}

/** Runs the SDK client with only the variables it needs; resolves with its report, or rejects with its output. */
function runSdkClient(env: Record<string, string>): Promise<SdkReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SDK_CLIENT], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe']
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', code => {
      if (code === 0) resolve(JSON.parse(stdout) as SdkReport);
      else reject(new Error(`the SDK client exited ${code}:\n${stdout}\n${stderr}`));
    });
  });
}

it('ClientSecretCredential gets a token and SecretClient reads and lists secrets, through the proxy with the test CA', async () => {
  const report = await runSdkClient({
    AZURE_TENANT_ID: DEFAULTS.tenantId,
    AZURE_CLIENT_ID: DEFAULTS.clientId,
    AZURE_CLIENT_SECRET: DEFAULTS.clientSecret,
    SDK_VAULT_URL: `https://${DEFAULTS.vaultName}.vault.azure.net`,
    SDK_SECRET_NAME: 'db-password',
    HTTPS_PROXY: fake.proxyUrl ?? '',
    NODE_EXTRA_CA_CERTS: fake.caFile ?? ''
  });

  expect(report.token).toEqual({
    aud: 'https://management.azure.com',
    appid: DEFAULTS.clientId,
    tid: DEFAULTS.tenantId,
    expiresInSeconds: expect.any(Number)
  });
  expect(report.token.expiresInSeconds).toBeGreaterThan(3500);
  expect(report.secret).toEqual({
    name: 'db-password',
    version: expect.stringMatching(/^[0-9a-f]{32}$/),
    enabled: true,
    valueSha256: crypto.createHash('sha256').update(DEFAULTS.secrets['db-password']).digest('hex')
  });
  // A listing shows every secret, disabled and expired ones included (only their attributes tell).
  expect(report.listed).toEqual([...Object.keys(DEFAULTS.secrets), DEFAULTS.disabledSecret, DEFAULTS.expiredSecret].sort());

  // What the SDK did on the wire: MSAL's token request at the real authority; Key Vault's
  // challenge first (no token), then a vault token, the secret, and every page of the listing.
  expect(fake.proxyLog).toEqual(
    expect.arrayContaining(['CONNECT login.microsoftonline.com:443', `CONNECT ${DEFAULTS.vaultName}.vault.azure.net:443`])
  );
  expect(fake.requests.map(request => `${request.route} ${request.status}`)).toEqual([
    'entra 200',
    'keyvault-get 401',
    'entra 200',
    'keyvault-get 200',
    'keyvault-list 200',
    'keyvault-list 200',
    'keyvault-list 200',
    'keyvault-list 200'
  ]);
  expect(fake.requestsFor('entra').map(request => request.form?.['scope'])).toEqual([
    'https://management.azure.com/.default',
    'https://vault.azure.net/.default'
  ]);
  expect(fake.requestsFor('keyvault-get')[0]?.headers['authorization']).toBeUndefined();
}, 60_000);
