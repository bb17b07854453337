/**
 * Key Vault secrets through the built dist/ against the fake, under the machine's Node and Node 24:
 * every form of the `secrets` input (vault name through the proxy, vault URL, version, default
 * vault, secret identifier URL, VAULT/* with paging and a prefix), names, separators, masking of
 * multi-line values, outputs and env, export-env, ignore-missing-secrets, one error listing every
 * failure and exporting nothing, one vault token for several vaults, and the job summary.
 */
import { describe, it, expect, beforeAll, afterAll, afterEach } from '@jest/globals';
import { startFakeAzure, DEFAULTS, type FakeAzure } from '../../test/fake-azure/server.js';
import type { ActionResult } from '../../test/harness/runner.js';
import { NODES, expectNoLeaks, failureOf, logOf, removeRunDirs, runDist, secretInputs } from './support.js';

const VAULT = DEFAULTS.vaultName;
const SECRETS = DEFAULTS.secrets;
const OLD_VERSION = '0123456789abcdef0123456789abcdef';
const OLD_VALUE = 'old-rotated-value-fake-7731';
const NEW_VALUE = 'new-rotated-value-fake-9924';
const OTHER_VALUE = 'other-vault-value-fake-5150';
/** Values this file adds to the fake: secrets too. */
const ADDED_SECRETS = [OLD_VALUE, NEW_VALUE, OTHER_VALUE, 'expired-value-fake-0042', 'disabled-value-never-served'];

let fake: FakeAzure;
/** http://127.0.0.1:PORT, the default vault's own origin. */
let vaultUrl: string;
let otherVaultUrl: string;

beforeAll(async () => {
  // Pages of 2: listing the default vault's 8 secrets takes 4 pages.
  fake = await startFakeAzure({ tls: true, keyVaultPageSize: 2 });
  vaultUrl = fake.vaultUrl(VAULT);
  fake.setSecret(VAULT, 'rotated', { value: NEW_VALUE, versions: [{ value: OLD_VALUE, version: OLD_VERSION }] });
  otherVaultUrl = await fake.addVault('other-vault', { secrets: { 'other-secret': OTHER_VALUE } });
});
afterEach(() => {
  fake.clearFaults();
  fake.clearRequests();
  fake.proxyLog.length = 0;
});
afterAll(async () => {
  removeRunDirs();
  await fake.close();
});

/** Signs in with the client secret, at the fake's Entra (loopback), and loads `secrets`. */
function loading(secrets: string, extra: Record<string, string> = {}): Record<string, string> {
  return secretInputs(fake, { secrets, ...extra });
}

/** Through the proxy, with real host names (my-vault → my-vault.vault.azure.net) and the test CA. */
function viaProxy(): Record<string, string> {
  return { HTTPS_PROXY: fake.proxyUrl ?? '', NODE_EXTRA_CA_CERTS: fake.caFile ?? '' };
}

function expectLoaded(result: ActionResult, values: Record<string, string>, exported = true): void {
  expect(result.errors).toEqual([]);
  expect(result.exitCode).toBe(0);
  for (const [name, value] of Object.entries(values)) {
    expect(result.outputs[name]).toBe(value);
    if (exported) expect(result.exportedEnv[name]).toBe(value);
  }
  expectNoLeaks(result, ADDED_SECRETS);
}

describe.each(NODES)('Key Vault through dist/ under %s', (_label, node) => {
  it('VAULT/SECRET by vault name: my-vault.vault.azure.net through HTTPS_PROXY, every value masked before it is handed on', async () => {
    const { 'authority-host': _local, ...inputs } = loading(`${VAULT}/db-password | PGPASSWORD\n${VAULT}/tls-key`);
    const result = await runDist({ node, inputs, env: viaProxy() });

    expectLoaded(result, { PGPASSWORD: SECRETS['db-password'], TLS_KEY: SECRETS['tls-key'] });
    expect(fake.proxyLog).toContain(`CONNECT ${VAULT}.vault.azure.net:443`);
    expect(
      fake
        .requestsFor('keyvault-get')
        .map(request => `${request.host} ${request.path}`)
        .sort()
    ).toEqual([`${VAULT}.vault.azure.net /secrets/db-password`, `${VAULT}.vault.azure.net /secrets/tls-key`]);
    // The multi-line value: whole, and each line.
    for (const line of SECRETS['tls-key'].split('\n')) expect(result.masks).toContain(line);
    expect(logOf(result)).toContain('Loaded 2 Key Vault secrets: PGPASSWORD, TLS_KEY.');
  });

  it('VAULT/* follows every page and skips disabled and expired secrets; | PREFIX prepends', async () => {
    const result = await runDist({ node, inputs: loading(`${vaultUrl}/* | APP_`) });

    expectLoaded(result, {
      APP_DB_PASSWORD: SECRETS['db-password'],
      APP_API_KEY: SECRETS['api-key'],
      APP_TLS_KEY: SECRETS['tls-key'],
      APP_CONNECTION_STRING: SECRETS['connection-string'],
      APP_2FA_SEED: SECRETS['2fa-seed'],
      APP_ROTATED: NEW_VALUE
    });
    expect(
      Object.keys(result.outputs)
        .filter(name => name.startsWith('APP_'))
        .sort()
    ).toEqual(['APP_2FA_SEED', 'APP_API_KEY', 'APP_CONNECTION_STRING', 'APP_DB_PASSWORD', 'APP_ROTATED', 'APP_TLS_KEY']);
    expect(fake.requestsFor('keyvault-list')).toHaveLength(4);
  });
});

describe('secrets forms', () => {
  it('VAULT URL/SECRET/VERSION loads that version', async () => {
    const result = await runDist({ inputs: loading(`${vaultUrl}/rotated/${OLD_VERSION} | OLD\n${vaultUrl}/rotated | NEW`) });

    expectLoaded(result, { OLD: OLD_VALUE, NEW: NEW_VALUE });
    expect(
      fake
        .requestsFor('keyvault-get')
        .map(request => request.path)
        .sort()
    ).toEqual([`/secrets/rotated`, `/secrets/rotated/${OLD_VERSION}`]);
  });

  it('SECRET with the keyvault input, as Azure/get-keyvault-secrets takes it: "a, b"', async () => {
    const result = await runDist({ inputs: loading('db-password, api-key', { keyvault: vaultUrl }) });

    expectLoaded(result, { DB_PASSWORD: SECRETS['db-password'], API_KEY: SECRETS['api-key'] });
  });

  it('a secret identifier URL (https, real host name, with a version) through the proxy', async () => {
    const { 'authority-host': _local, ...inputs } = loading(`https://${VAULT}.vault.azure.net/secrets/rotated/${OLD_VERSION} | ROTATED`);
    const result = await runDist({ inputs, env: viaProxy() });

    expectLoaded(result, { ROTATED: OLD_VALUE });
  });

  it('separators, blanks and # comments; default names (a leading digit gets _) and an explicit one', async () => {
    const secrets = `# database\n${vaultUrl}/db-password;${vaultUrl}/2fa-seed\n\n  ${vaultUrl}/connection-string | ConnStr  ,`;
    const result = await runDist({ inputs: loading(secrets) });

    expectLoaded(result, { DB_PASSWORD: SECRETS['db-password'], _2FA_SEED: SECRETS['2fa-seed'], ConnStr: SECRETS['connection-string'] });
  });

  it('export-env: false hands the values on as outputs only', async () => {
    const result = await runDist({ inputs: loading(`${vaultUrl}/api-key`, { 'export-env': 'false' }) });

    expectLoaded(result, { API_KEY: SECRETS['api-key'] }, false);
    expect(result.exportedEnv).toEqual({});
  });

  it('several vaults share one vault token; the resource token is separate', async () => {
    const result = await runDist({ inputs: loading(`${vaultUrl}/db-password\n${otherVaultUrl}/other-secret`) });

    expectLoaded(result, { DB_PASSWORD: SECRETS['db-password'], OTHER_SECRET: OTHER_VALUE });
    expect(
      fake
        .requestsFor('entra')
        .map(request => request.form?.['scope'])
        .sort()
    ).toEqual(['https://management.azure.com/.default', 'https://vault.azure.net/.default']);
  });

  it('resource keyvault: one token serves both', async () => {
    const result = await runDist({ inputs: loading(`${vaultUrl}/db-password`, { resource: 'keyvault' }) });

    expectLoaded(result, { DB_PASSWORD: SECRETS['db-password'] });
    expect(fake.requestsFor('entra')).toHaveLength(1);
  });

  it('AzureUSGovernment: a vault name is my-vault.vault.usgovcloudapi.net, with a token for https://vault.usgovcloudapi.net', async () => {
    const { 'authority-host': _local, ...inputs } = loading(`${VAULT}/api-key`, { environment: 'AzureUSGovernment' });
    const result = await runDist({ inputs, env: viaProxy() });

    expectLoaded(result, { API_KEY: SECRETS['api-key'] });
    expect(fake.proxyLog).toEqual(
      expect.arrayContaining(['CONNECT login.microsoftonline.us:443', `CONNECT ${VAULT}.vault.usgovcloudapi.net:443`])
    );
    expect(fake.requestsFor('entra').map(request => request.form?.['scope'])).toContain('https://vault.usgovcloudapi.net/.default');
  });

  it('a managed identity from a plain http endpoint, then Key Vault over https: each on its own agent', async () => {
    // One agent for both protocols failed here with 'Protocol "https:" not supported' (connections.ts).
    const result = await runDist({
      inputs: { 'auth-type': 'managed-identity', secrets: `${VAULT}/db-password` },
      env: { ...fake.env.appService, ...viaProxy() }
    });
    expectLoaded(result, { DB_PASSWORD: SECRETS['db-password'] });
    expect(fake.proxyLog).toContain('CONNECT my-vault.vault.azure.net:443');
    expectNoLeaks(result, ADDED_SECRETS);
  });

  it('the job summary names the loaded secrets, never their values', async () => {
    const result = await runDist({ inputs: loading(`${vaultUrl}/db-password | PGPASSWORD`, { 'job-summary': 'true' }) });

    expectLoaded(result, { PGPASSWORD: SECRETS['db-password'] });
    expect(result.summary).toContain('PGPASSWORD');
  });
});

describe('secrets failures', () => {
  it('every missing, disabled and forbidden secret in one error, with vault, name and Key Vault code; nothing exported', async () => {
    fake.vault('other-vault')!.readers = ['00000000-0000-4000-8000-000000000000'];
    try {
      const secrets = `${vaultUrl}/db-password\n${vaultUrl}/no-such-secret\n${vaultUrl}/${DEFAULTS.disabledSecret}\n${otherVaultUrl}/other-secret`;
      const result = await runDist({ inputs: loading(secrets) });

      expect(result.exitCode).toBe(1);
      const failure = failureOf(result);
      expect(failure).toMatch(new RegExp(`no-such-secret in ${vaultUrl}.*SecretNotFound`));
      expect(failure).toMatch(new RegExp(`${DEFAULTS.disabledSecret} in ${vaultUrl}.*SecretDisabled`));
      expect(failure).toMatch(new RegExp(`other-secret in ${otherVaultUrl}.*Forbidden`));
      expect(failure).not.toContain('db-password');
      expect(result.outputs).toEqual({});
      expect(result.exportedEnv).toEqual({});
      expectNoLeaks(result, ADDED_SECRETS);
    } finally {
      fake.vault('other-vault')!.readers = undefined;
    }
  });

  it('ignore-missing-secrets: a missing or disabled secret is a warning and the rest are loaded', async () => {
    const secrets = `${vaultUrl}/db-password\n${vaultUrl}/no-such-secret\n${vaultUrl}/${DEFAULTS.disabledSecret}`;
    const result = await runDist({ inputs: loading(secrets, { 'ignore-missing-secrets': 'true' }) });

    expectLoaded(result, { DB_PASSWORD: SECRETS['db-password'] });
    expect(result.warnings.join('\n')).toContain('no-such-secret');
    expect(result.warnings.join('\n')).toContain(DEFAULTS.disabledSecret);
  });

  it('a vault that throttles (429 + Retry-After: 1) is waited out', async () => {
    fake.throttle('keyvault-get', { limit: 3, windowMs: 1_000, retryAfterSeconds: 1 });
    const names = ['db-password', 'api-key', 'tls-key', 'connection-string', '2fa-seed'];
    const result = await runDist({ inputs: loading(names.map(name => `${vaultUrl}/${name}`).join('\n')) });

    expectLoaded(result, { DB_PASSWORD: SECRETS['db-password'], _2FA_SEED: SECRETS['2fa-seed'] });
    expect(fake.requestsFor('keyvault-get').filter(request => request.status === 429)).not.toHaveLength(0);
    expect(logOf(result)).toMatch(/answered 429; retrying in 1\.[0-2] s/);
  });
});
