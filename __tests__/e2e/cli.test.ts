/**
 * The built command line (dist/cli/index.js) as a process, against the fake Azure, under the
 * machine's Node and Node 24: the init container case, every credential kind the fake offers,
 * every output form, Key Vault entries, bad flags (no request made), and no secret on stderr
 * with debug logging on (AZURE_TOKEN_DEBUG=1 in every run).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULTS, decodeJwt, loadTestCertificate, startFakeAzure, type FakeAzure } from '../../test/fake-azure/server.js';
import { CLI, closedPort, type CliRun, expectNothingSecretOnStderr, runCli } from './cli-support.js';
import { claimsOf, NODES } from './support.js';

jest.setTimeout(30_000);

const ARM = 'https://management.azure.com';
const VAULT_RESOURCE = 'https://vault.azure.net';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const APP = { clientId: DEFAULTS.clientId, objectId: DEFAULTS.servicePrincipalObjectId };
const posixOnly = process.platform === 'win32' ? it.skip : it;

let fake: FakeAzure;
let scratch: string;
/** A fresh working directory per test. */
let cwd: string;
/** An IMDS address that refuses connections: auto's probe says no at once, and nothing reaches 169.254.169.254. */
let noImds: string;

beforeAll(async () => {
  fake = await startFakeAzure();
  await fake.addVault('risky-vault', { secrets: { path: '/evil/bin', 'ld-preload': '/evil.so', 'app-key': 'risky-app-key-value' } });
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-cli-'));
  noImds = `http://127.0.0.1:${await closedPort()}`;
});
beforeEach(() => {
  fake.clearFaults();
  fake.clearRequests();
  cwd = fs.mkdtempSync(path.join(scratch, 'cwd-'));
});
afterAll(async () => {
  fs.rmSync(scratch, { recursive: true, force: true });
  await fake.close();
});

/** Runs the command with debug logging on; the environment holds only what is given (and HOME, PATH). */
function cli(node: string, args: string[], env: Record<string, string> = {}, extra: { uid?: number } = {}): Promise<CliRun> {
  return runCli({ node, args, cwd, env: { AZURE_TOKEN_DEBUG: '1', AZURE_POD_IDENTITY_AUTHORITY_HOST: noImds, ...env }, ...extra });
}

/** The variables of the default app registration's client secret, at the fake. */
function secretEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    AZURE_CLIENT_ID: DEFAULTS.clientId,
    AZURE_TENANT_ID: DEFAULTS.tenantId,
    AZURE_CLIENT_SECRET: DEFAULTS.clientSecret,
    AZURE_AUTHORITY_HOST: fake.url,
    ...extra
  };
}

function file(name: string, content: string, mode = 0o600): string {
  const target = path.join(cwd, name);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, content, { mode });
  return target;
}

/** The service principal file `az ad sp create-for-rbac` prints. */
function servicePrincipalFile(): string {
  return file(
    'sp/sp.json',
    JSON.stringify({ appId: DEFAULTS.clientId, displayName: 'init', password: DEFAULTS.clientSecret, tenant: DEFAULTS.tenantId })
  );
}

/** Exit 0, the token on stdout, issued to `identity` for `resource`; returns the token. */
function expectToken(run: CliRun, identity: { clientId: string; objectId: string }, resource = ARM): string {
  expect({ exitCode: run.exitCode, stderrError: run.stderr.match(/^error: .*/m)?.[0] }).toEqual({ exitCode: 0, stderrError: undefined });
  expect(run.stdout).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/);
  const token = run.stdout.trim();
  expect(claimsOf(token)).toMatchObject({ aud: resource, appid: identity.clientId, oid: identity.objectId, tid: DEFAULTS.tenantId });
  expectNothingSecretOnStderr(run, [token]);
  return token;
}

/** A stand-in `az` on PATH that prints what `az account get-access-token --output json` prints. */
function fakeAzureCli(): { bin: string; token: string; args: () => string[] } {
  const bin = fs.mkdtempSync(path.join(scratch, 'bin-'));
  const token = fake.entra.mintAccessToken({
    tenantId: DEFAULTS.tenantId,
    resource: ARM,
    clientId: DEFAULTS.clientId,
    objectId: DEFAULTS.servicePrincipalObjectId
  });
  const output = {
    accessToken: token,
    expiresOn: '2099-01-01 00:00:00.000000',
    expires_on: Math.floor(Date.now() / 1000) + 3600,
    tenant: DEFAULTS.tenantId,
    tokenType: 'Bearer'
  };
  fs.writeFileSync(path.join(bin, 'output.json'), JSON.stringify(output));
  const script = [
    `#!${process.execPath}`,
    "const fs = require('node:fs');",
    `fs.writeFileSync(${JSON.stringify(path.join(bin, 'args'))}, process.argv.slice(2).join('\\n'));`,
    `process.stdout.write(fs.readFileSync(${JSON.stringify(path.join(bin, 'output.json'))}, 'utf8'));`
  ].join('\n');
  fs.writeFileSync(path.join(bin, 'az'), script, { mode: 0o755 });
  return { bin, token, args: () => fs.readFileSync(path.join(bin, 'args'), 'utf8').trim().split('\n') };
}

describe('the built file', () => {
  posixOnly('starts with #!/usr/bin/env node and is executable', () => {
    expect(fs.readFileSync(CLI, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(fs.statSync(CLI).mode & 0o111).toBe(0o111);
  });

  it('has the version inlined: a copy of dist/cli with no package.json above it prints it', async () => {
    const copy = path.join(fs.mkdtempSync(path.join(scratch, 'copy-')), 'cli');
    fs.cpSync(path.dirname(CLI), copy, { recursive: true });
    const version = (JSON.parse(fs.readFileSync(path.join(path.dirname(CLI), '..', '..', 'package.json'), 'utf8')) as { version: string })
      .version;
    const run = await runCli({
      node: process.execPath,
      command: [process.execPath, path.join(copy, 'index.js')],
      args: ['--version'],
      cwd: path.dirname(copy)
    });
    expect(run).toEqual({ exitCode: 0, signal: null, stdout: `${version}\n`, stderr: '' });
  });

  it('holds no @actions/core and no undici code', () => {
    for (const chunk of fs.readdirSync(path.dirname(CLI)).filter(name => name.endsWith('.js'))) {
      const code = fs.readFileSync(path.join(path.dirname(CLI), chunk), 'utf8');
      expect(code).not.toMatch(/node_modules\/@actions\/core|UND_ERR_|node_modules\/undici\//);
    }
  });
});

describe.each(NODES)('azure-token under %s', (_label, node) => {
  describe('the init container: ENTRA_SERVICE_PRINCIPAL, AZURE_RESOURCE, BEARER_TOKEN_FILE', () => {
    /** The pod's environment: the service principal's file, and what the workload identity webhook injected. */
    const podEnv = (tokenFile: string): Record<string, string> => ({
      ENTRA_SERVICE_PRINCIPAL: servicePrincipalFile(),
      AZURE_RESOURCE: VAULT_RESOURCE,
      BEARER_TOKEN_FILE: tokenFile,
      AZURE_AUTHORITY_HOST: fake.url,
      AZURE_CLIENT_ID: DEFAULTS.userIdentity.clientId,
      AZURE_TENANT_ID: 'someone-else.onmicrosoft.com'
    });

    it("writes the token's exact bytes to a new file, mode 0600, as the file's app (not the injected AZURE_CLIENT_ID); prints nothing", async () => {
      const tokenFile = path.join(cwd, 'tokens', 'token');
      const run = await cli(node, [], podEnv(tokenFile));

      expect(run.exitCode).toBe(0);
      expect(run.stdout).toBe('');
      const token = fs.readFileSync(tokenFile, 'utf8');
      expect(token).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(claimsOf(token)).toMatchObject({ aud: VAULT_RESOURCE, appid: DEFAULTS.clientId, tid: DEFAULTS.tenantId });
      if (process.platform !== 'win32') expect(fs.statSync(tokenFile).mode & 0o777).toBe(0o600);
      expect(fake.requestsFor('entra').map(request => request.form?.['client_id'])).toEqual([DEFAULTS.clientId]);
      expect(fake.requestsFor('entra')[0]?.path).toBe(`/${DEFAULTS.tenantId}/oauth2/v2.0/token`);
      expect(run.stderr).toContain(`Wrote the token to ${tokenFile}.\n`);
      expectNothingSecretOnStderr(run, [token]);
    });

    it('refuses a file that exists and leaves it untouched: exit 1', async () => {
      const tokenFile = file('token', 'the old token', 0o644);
      const run = await cli(node, [], podEnv(tokenFile));

      expect(run.exitCode).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(`error: The token file ${tokenFile} already exists.\n`);
      expect(fs.readFileSync(tokenFile, 'utf8')).toBe('the old token');
      if (process.platform !== 'win32') expect(fs.statSync(tokenFile).mode & 0o777).toBe(0o644);
      expectNothingSecretOnStderr(run);
    });

    posixOnly('leaves no file, partial or whole, in a directory it cannot write: exit 1', async () => {
      const directory = path.join(cwd, 'read-only');
      fs.mkdirSync(directory, { mode: 0o555 });
      fs.chmodSync(directory, 0o555);
      // root writes anywhere: a root test process runs the command as nobody, for whom 0555 holds.
      const asRoot = process.getuid?.() === 0;
      if (asRoot) {
        fs.chmodSync(cwd, 0o755);
        fs.chmodSync(scratch, 0o755);
      }
      const env = { ...secretEnv(), BEARER_TOKEN_FILE: path.join(directory, 'token') };
      const run = await cli(node, [], env, asRoot ? { uid: 65534 } : {});

      expect(run.exitCode).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`^error: Writing the token file ${directory}/token: EACCES`, 'm'));
      expect(fs.readdirSync(directory)).toEqual([]);
      expectNothingSecretOnStderr(run);
    });

    (fs.existsSync('/dev/full') ? it : it.skip)(
      'removes the file it wrote when stdout cannot be written (a full disk): exit 1, no file',
      async () => {
        const tokenFile = path.join(cwd, 'token');
        const full = fs.openSync('/dev/full', 'w');
        try {
          const run = await runCli({
            node,
            cwd,
            args: ['--output', 'token'],
            env: { ...podEnv(tokenFile), AZURE_POD_IDENTITY_AUTHORITY_HOST: noImds },
            stdoutFd: full
          });
          expect(run.exitCode).toBe(1);
          expect(run.stderr).toMatch(/^error: ENOSPC: no space left on device, write$/m);
          expect(fs.existsSync(tokenFile)).toBe(false);
          expectNothingSecretOnStderr(run);
        } finally {
          fs.closeSync(full);
        }
      }
    );

    it('--replace: writes a temporary file beside it and renames it over the old one', async () => {
      const tokenFile = file('token', 'the old token', 0o644);
      const run = await cli(node, ['--replace'], podEnv(tokenFile));

      expect(run.exitCode).toBe(0);
      const token = fs.readFileSync(tokenFile, 'utf8');
      expect(claimsOf(token)['aud']).toBe(VAULT_RESOURCE);
      if (process.platform !== 'win32') expect(fs.statSync(tokenFile).mode & 0o777).toBe(0o600);
      expect(fs.readdirSync(cwd).sort()).toEqual(['sp', 'token']);
      expectNothingSecretOnStderr(run, [token]);
    });

    it('a service principal file without its password: exit 2, one line naming the file and the field, no request', async () => {
      const spFile = file('sp.json', JSON.stringify({ appId: DEFAULTS.clientId, tenant: DEFAULTS.tenantId }));
      const tokenFile = path.join(cwd, 'token');
      const run = await cli(node, [], { ENTRA_SERVICE_PRINCIPAL: spFile, BEARER_TOKEN_FILE: tokenFile });

      expect(run).toMatchObject({ exitCode: 2, stdout: '' });
      expect(run.stderr).toBe(
        `error: ENTRA_SERVICE_PRINCIPAL (${spFile}) has no password: the file must hold appId, password and tenant (the output of az ad sp create-for-rbac).\n`
      );
      expect(fs.existsSync(tokenFile)).toBe(false);
      expect(fake.requests).toEqual([]);
    });

    it.each([
      ['missing', () => path.join(cwd, 'nowhere.json'), 'no such file'],
      ['a directory', () => fs.mkdtempSync(path.join(cwd, 'dir-')), 'it is a directory, not a regular file']
    ])('a service principal file that is %s: exit 2, one line naming it, no request', async (_kind, make, why) => {
      const spFile = make();
      const run = await cli(node, [], { ENTRA_SERVICE_PRINCIPAL: spFile });
      expect(run).toEqual({
        exitCode: 2,
        signal: null,
        stdout: '',
        stderr: `error: ENTRA_SERVICE_PRINCIPAL (${spFile}) cannot be read: ${why}.\n`
      });
      expect(fake.requests).toEqual([]);
    });
  });

  describe('every credential the fake offers', () => {
    it('secret, from AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET', async () => {
      const run = await cli(node, [], secretEnv());
      expectToken(run, APP);
      expect(fake.requestsFor('entra')[0]?.form).toMatchObject({
        client_id: DEFAULTS.clientId,
        client_secret: DEFAULTS.clientSecret,
        scope: `${ARM}/.default`
      });
      expect(run.stderr).toContain("auth-type 'auto' chose 'secret': a client secret is given.\n");
    });

    it.each([
      [
        'azure/login',
        { clientId: DEFAULTS.clientId, clientSecret: DEFAULTS.clientSecret, tenantId: DEFAULTS.tenantId, subscriptionId: 'ignored' }
      ],
      [
        'az ad sp create-for-rbac',
        { appId: DEFAULTS.clientId, password: DEFAULTS.clientSecret, tenant: DEFAULTS.tenantId, displayName: 'octo' }
      ]
    ])('--creds @FILE in the %s shape', async (_shape, creds) => {
      file('creds.json', JSON.stringify(creds));
      const run = await cli(node, ['--creds', '@creds.json', '--authority-host', fake.url]);
      expectToken(run, APP);
      expectNothingSecretOnStderr(run, [JSON.stringify(creds)]);
    });

    type Given = (pem: string) => [args: string[], env: Record<string, string>];
    it.each<[string, 'client' | 'client-encrypted', Given]>([
      ['--client-certificate', 'client', pem => [['--client-certificate', pem], {}]],
      [
        'AZURE_CLIENT_CERTIFICATE_PATH, with AZURE_CLIENT_CERTIFICATE_PASSWORD',
        'client-encrypted',
        pem => [[], { AZURE_CLIENT_CERTIFICATE_PATH: pem, AZURE_CLIENT_CERTIFICATE_PASSWORD: 'test-passphrase' }]
      ]
    ])('certificate from a file, by %s: a PS256 assertion', async (_how, kind, given) => {
      const certificate = loadTestCertificate(kind);
      const [args, env] = given(certificate.combinedPath);
      const run = await cli(
        node,
        ['--client-id', DEFAULTS.clientId, '--tenant-id', DEFAULTS.tenantId, '--authority-host', fake.url, ...args],
        env
      );
      expectToken(run, APP);
      const form = fake.requestsFor('entra')[0]?.form ?? {};
      expect(form['client_assertion_type']).toBe(JWT_BEARER);
      expect(decodeJwt(form['client_assertion'] ?? '')?.header).toMatchObject({
        alg: 'PS256',
        'x5t#S256': loadTestCertificate('client').x5tS256
      });
      expect(run.stderr).toContain("auth-type 'auto' chose 'certificate': a client certificate is given.\n");
      expectNothingSecretOnStderr(run, [certificate.keyPem.trim(), 'test-passphrase']);
    });

    it('workload identity: AZURE_FEDERATED_TOKEN_FILE, with client, tenant and authority from the webhook variables', async () => {
      const federated = fake.github.mintToken({ aud: DEFAULTS.federatedAudience });
      const env = {
        AZURE_FEDERATED_TOKEN_FILE: file('federated.jwt', federated),
        AZURE_CLIENT_ID: DEFAULTS.clientId,
        AZURE_TENANT_ID: DEFAULTS.tenantId,
        AZURE_AUTHORITY_HOST: fake.url
      };
      const run = await cli(node, [], env);
      expectToken(run, APP);
      expect(fake.requestsFor('entra')[0]?.form).toMatchObject({ client_assertion_type: JWT_BEARER, client_assertion: federated });
      expect(run.stderr).toContain("auth-type 'auto' chose 'workload-identity': AZURE_FEDERATED_TOKEN_FILE is set.\n");
      expectNothingSecretOnStderr(run, [federated]);
    });

    it('managed identity on App Service: IDENTITY_ENDPOINT and IDENTITY_HEADER', async () => {
      const run = await cli(node, ['--resource', 'keyvault'], fake.env.appService);
      expectToken(run, DEFAULTS.systemIdentity, VAULT_RESOURCE);
      expect(fake.requestsFor('msi')[0]?.headers['x-identity-header']).toBe(DEFAULTS.identityHeader);
      expect(run.stderr).toContain("auth-type 'auto' chose 'managed-identity': IDENTITY_ENDPOINT is set.\n");
    });

    it('managed identity on App Service: AZURE_CLIENT_ID selects a user-assigned identity, as for the Azure SDKs', async () => {
      const run = await cli(node, [], { ...fake.env.appService, AZURE_CLIENT_ID: DEFAULTS.userIdentity.clientId });
      expectToken(run, DEFAULTS.userIdentity);
      expect(fake.requestsFor('msi')[0]?.query['client_id']).toBe(DEFAULTS.userIdentity.clientId);
    });

    it('managed identity on a VM: auto finds IMDS answering within 1 s', async () => {
      const run = await cli(node, [], fake.env.imds);
      expectToken(run, DEFAULTS.systemIdentity);
      expect(fake.requestsFor('imds').map(request => request.headers['metadata'] ?? 'probe')).toEqual(['probe', 'true']);
      expect(run.stderr).toContain("auth-type 'auto' chose 'managed-identity': the VM instance metadata service (IMDS) answers.\n");
    });

    it('managed identity on Azure Arc: the 401 challenge, then the key file', async () => {
      const run = await cli(node, ['--auth-type', 'managed-identity'], {
        ...fake.env.arc,
        AZURE_TOKEN_TEST_ARC_KEY_DIR: fake.managedIdentity.arcKeyDir
      });
      expectToken(run, DEFAULTS.systemIdentity);
      expect(fake.requestsFor('arc').map(request => request.status)).toEqual([401, 200]);
      const keys = fs
        .readdirSync(fake.managedIdentity.arcKeyDir)
        .map(name => fs.readFileSync(path.join(fake.managedIdentity.arcKeyDir, name), 'utf8'));
      expectNothingSecretOnStderr(run, keys);
    });

    posixOnly("az on PATH: auto's last candidate, after IMDS did not answer", async () => {
      const az = fakeAzureCli();
      const run = await cli(node, ['--tenant-id', DEFAULTS.tenantId], { PATH: az.bin });
      expect(expectToken(run, APP)).toBe(az.token);
      expect(az.args()).toEqual(['account', 'get-access-token', '--output', 'json', '--resource', ARM, '--tenant', DEFAULTS.tenantId]);
      expect(run.stderr).toContain("auth-type 'auto' chose 'azure-cli': 'az' is on PATH.\n");
      expect(fake.requests).toEqual([]);
    });

    it("OIDC inside a workflow (GITHUB_ACTIONS=true): auto in the action's order", async () => {
      const env = { GITHUB_ACTIONS: 'true', ...fake.env.oidc };
      const run = await cli(node, ['--client-id', DEFAULTS.clientId, '--tenant-id', DEFAULTS.tenantId, '--authority-host', fake.url], env);
      expectToken(run, APP);
      expect(fake.requests.map(request => request.route)).toEqual(['github', 'entra']);
      expect(run.stderr).toContain("auth-type 'auto' chose 'oidc': 'client-id', 'tenant-id' and GitHub's OIDC token are there.\n");
    });

    it('outside a workflow, auto does not take the OIDC variables, and finding nothing is exit 1 with every candidate', async () => {
      const run = await cli(
        node,
        ['--client-id', DEFAULTS.clientId, '--tenant-id', DEFAULTS.tenantId, '--authority-host', fake.url],
        fake.env.oidc
      );
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain("error: auth-type 'auto' found no credential here:\n");
      expect(run.stderr).toContain('  oidc: not inside a GitHub Actions workflow (GITHUB_ACTIONS is not true)\n');
      expect(run.stderr).toContain('  managed-identity (VM): the VM instance metadata service (IMDS) did not answer within 1 s\n');
      expect(run.stderr).toContain("  azure-cli: 'az' is not on PATH\n");
      expect(fake.requests).toEqual([]);
      expectNothingSecretOnStderr(run);
    });

    it('Entra ID refusing the secret: exit 1, explained, the secret never shown', async () => {
      const run = await cli(node, [], secretEnv({ AZURE_CLIENT_SECRET: DEFAULTS.expiredClientSecret }));
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^error: .*AADSTS7000222/m);
      expectNothingSecretOnStderr(run);
    });
  });

  describe('every output form', () => {
    const entries = (): string => `${fake.vaultUrl('my-vault')}/db-password | PGPASSWORD, ${fake.vaultUrl('my-vault')}/tls-key`;

    it('token (the default): the token and a newline', async () => {
      const run = await cli(node, ['--output', 'token'], secretEnv());
      expectToken(run, APP);
    });

    it("json: one object with the contract's keys", async () => {
      const run = await cli(node, ['--output', 'json', '--resource', 'graph'], secretEnv());
      expect(run.exitCode).toBe(0);
      expect(run.stdout.endsWith('}\n')).toBe(true);
      expect(run.stdout.trim().split('\n')).toHaveLength(1);
      const object = JSON.parse(run.stdout) as Record<string, unknown>;
      expect(Object.keys(object)).toEqual([
        'accessToken',
        'expiresOn',
        'tokenType',
        'tenantId',
        'clientId',
        'objectId',
        'authType',
        'resource'
      ]);
      expect(object).toMatchObject({
        tokenType: 'Bearer',
        tenantId: DEFAULTS.tenantId,
        clientId: DEFAULTS.clientId,
        objectId: DEFAULTS.servicePrincipalObjectId,
        authType: 'secret',
        resource: 'https://graph.microsoft.com'
      });
      expect(object['expiresOn']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(claimsOf(object['accessToken'] as string)['aud']).toBe('https://graph.microsoft.com');
      expectNothingSecretOnStderr(run, [object['accessToken'] as string]);
    });

    it('json with --secrets: and "secrets" by env name', async () => {
      const run = await cli(node, ['--output', 'json', '--secrets', entries()], secretEnv());
      expect(run.exitCode).toBe(0);
      const object = JSON.parse(run.stdout) as Record<string, unknown>;
      expect(object['secrets']).toEqual({ PGPASSWORD: DEFAULTS.secrets['db-password'], TLS_KEY: DEFAULTS.secrets['tls-key'] });
      expectNothingSecretOnStderr(run, [object['accessToken'] as string]);
    });

    posixOnly('env (the default with --secrets): export lines that eval back to every value', async () => {
      const run = await cli(node, ['--secrets', entries()], secretEnv());
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toBe(`export PGPASSWORD='${DEFAULTS.secrets['db-password']}'\nexport TLS_KEY='${DEFAULTS.secrets['tls-key']}'\n`);
      const envFile = file('env.sh', run.stdout);
      const { execFileSync } = await import('node:child_process');
      const printed = execFileSync('sh', ['-c', 'eval "$(cat "$1")"; printf %s "$PGPASSWORD|$TLS_KEY"', 'sh', envFile], {
        encoding: 'utf8'
      });
      expect(printed).toBe(`${DEFAULTS.secrets['db-password']}|${DEFAULTS.secrets['tls-key']}`);
      expect(run.stderr).toContain('Loaded 2 Key Vault secrets: PGPASSWORD, TLS_KEY.\n');
      expectNothingSecretOnStderr(run);
    });

    it('nothing with a token file and no --output; the secrets still go to stdout as env lines', async () => {
      const tokenOnly = await cli(node, ['--token-file', 'token'], secretEnv());
      expect(tokenOnly).toMatchObject({ exitCode: 0, stdout: '' });
      const withSecrets = await cli(node, ['--token-file', 'token2', '--secrets', `${fake.vaultUrl('my-vault')}/db-password`], secretEnv());
      expect(withSecrets).toMatchObject({ exitCode: 0, stdout: `export DB_PASSWORD='${DEFAULTS.secrets['db-password']}'\n` });
      expect(claimsOf(fs.readFileSync(path.join(cwd, 'token2'), 'utf8'))['aud']).toBe(ARM);
    });

    it('--token-file with --output token: both', async () => {
      const run = await cli(node, ['--token-file', 'token', '--output', 'token'], secretEnv());
      expect(run.stdout).toBe(`${fs.readFileSync(path.join(cwd, 'token'), 'utf8')}\n`);
    });

    it('--quiet: nothing on stderr', async () => {
      const run = await cli(node, ['--quiet'], secretEnv());
      expect(run).toMatchObject({ exitCode: 0, stderr: '' });
    });
  });

  describe('Key Vault entries', () => {
    it('by name with --keyvault, and a VAULT/* with a prefix', async () => {
      const run = await cli(
        node,
        ['--keyvault', fake.vaultUrl('my-vault'), '--secrets', `api-key; ${fake.vaultUrl('risky-vault')}/* | RISKY_`],
        secretEnv()
      );
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toBe(
        `export API_KEY='${DEFAULTS.secrets['api-key']}'\nexport RISKY_APP_KEY='risky-app-key-value'\nexport RISKY_LD_PRELOAD='/evil.so'\nexport RISKY_PATH='/evil/bin'\n`
      );
      expectNothingSecretOnStderr(run, ['risky-app-key-value']);
    });

    it('VAULT/* without a prefix: refused names are left out of env output, with a warning; json keeps them', async () => {
      const entry = `${fake.vaultUrl('risky-vault')}/*`;
      const env = await cli(node, ['--secrets', entry], secretEnv());
      expect(env.exitCode).toBe(0);
      expect(env.stdout).toBe("export APP_KEY='risky-app-key-value'\n");
      expect(env.stderr).toContain(
        `warning: ld-preload in ${fake.vaultUrl('risky-vault')} is left out of the env output: LD_PRELOAD would run code in`
      );
      expect(env.stderr).toContain(
        `warning: path in ${fake.vaultUrl('risky-vault')} is left out of the env output: PATH would run code in`
      );

      const json = await cli(node, ['--secrets', entry, '--output', 'json'], secretEnv());
      expect((JSON.parse(json.stdout) as { secrets: unknown }).secrets).toEqual({
        APP_KEY: 'risky-app-key-value',
        LD_PRELOAD: '/evil.so',
        PATH: '/evil/bin'
      });
      expectNothingSecretOnStderr(json, ['risky-app-key-value', '/evil.so']);
    });

    it('an explicit refused name: exit 2, one line, no request', async () => {
      const run = await cli(node, ['--secrets', `${fake.vaultUrl('my-vault')}/db-password | LD_PRELOAD`], secretEnv());
      expect(run.exitCode).toBe(2);
      expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(run.stderr).toMatch(/^error: --secrets entry '.*\| LD_PRELOAD' maps to the environment variable 'LD_PRELOAD'/);
      expect(fake.requests).toEqual([]);
    });

    it('a missing secret: exit 1, every failure in one error, nothing on stdout', async () => {
      const run = await cli(
        node,
        ['--secrets', `${fake.vaultUrl('my-vault')}/no-such-secret, ${fake.vaultUrl('my-vault')}/${DEFAULTS.disabledSecret}`],
        secretEnv()
      );
      expect(run).toMatchObject({ exitCode: 1, stdout: '' });
      expect(run.stderr).toContain('no-such-secret');
      expect(run.stderr).toContain(DEFAULTS.disabledSecret);
      expectNothingSecretOnStderr(run);
    });
  });

  describe('bad flags and inputs: exit 2, one line naming the flag, no request made', () => {
    it.each([
      [
        ['--client-secret', DEFAULTS.clientSecret],
        '--client-secret is not a flag: a command line is visible to every user of the machine. Put the client secret in AZURE_CLIENT_SECRET, or in a file given with --creds @FILE.'
      ],
      [
        ['--client-certificate-password', 'test-passphrase'],
        "--client-certificate-password is not a flag: a command line is visible to every user of the machine. Put the certificate's passphrase in AZURE_CLIENT_CERTIFICATE_PASSWORD."
      ],
      [
        ['--password', DEFAULTS.clientSecret],
        "--password is not a flag: a command line is visible to every user of the machine. Put a client secret in AZURE_CLIENT_SECRET (or a file given with --creds @FILE), a certificate's passphrase in AZURE_CLIENT_CERTIFICATE_PASSWORD."
      ],
      [
        ['--creds', JSON.stringify({ clientId: DEFAULTS.clientId, clientSecret: DEFAULTS.clientSecret, tenantId: DEFAULTS.tenantId })],
        '--creds takes only @FILE, the path of a JSON file after an @: a command line is visible to every user of the machine, so credentials never go on it.'
      ],
      [['--nope'], '--nope is not a flag of azure-token (see azure-token --help).'],
      [['--tenant-id'], '--tenant-id needs a value: --tenant-id T.'],
      [['--resource', 'a', 'b'], 'Argument 3 is not a flag: azure-token takes flags only (see azure-token --help).'],
      [['--output', 'xml'], '--output must be token, json or env.'],
      [
        ['--tenant-id', 'common'],
        "--tenant-id must be a tenant GUID or domain, not 'common': an app signs in to one tenant. Use the 'Directory (tenant) ID' from the app registration's overview page."
      ],
      [
        ['--auth-type', 'password'],
        "--auth-type must be one of auto, oidc, secret, certificate, managed-identity, workload-identity, azure-cli; got 'password'."
      ],
      [
        ['--environment', 'AzureGermanCloud'],
        '--environment names AzureGermanCloud, which Microsoft closed on 2021-10-29. Resources there moved to the public cloud regions in Germany: use AzureCloud.'
      ],
      [
        ['--resource', 'https://user:pw@example.com'],
        '--resource must be a resource URI (https://vault.azure.net), a scope ending in /.default, an application ID, or one of arm, graph, keyvault, storage, devops; it must hold no user or password (user:password@).'
      ],
      [
        ['--output', 'env'],
        '--output env prints Key Vault secrets, and no --secrets are given: use --output token or --output json for the token.'
      ],
      [['--replace'], '--replace needs --token-file (or BEARER_TOKEN_FILE).'],
      [['--creds', '@missing.json'], '--creds @CWD/missing.json cannot be read: no such file.']
    ])('%j', async (args, line) => {
      const run = await cli(node, args, secretEnv());
      expect(run).toEqual({ exitCode: 2, signal: null, stdout: '', stderr: `error: ${line.replace('CWD', cwd)}\n` });
      expect(fake.requests).toEqual([]);
    });

    it('a bad variable is named as the variable', async () => {
      const run = await cli(node, [], secretEnv({ AZURE_CLIENT_ID: 'not-a-guid' }));
      expect(run).toEqual({
        exitCode: 2,
        signal: null,
        stdout: '',
        stderr:
          "error: Environment variable AZURE_CLIENT_ID must hold the application (client) ID, a GUID such as 00000000-0000-0000-0000-000000000000; got 'not-a-guid'. " +
          "Copy the 'Application (client) ID' from the app registration's overview page (for a managed identity: its 'Client ID').\n"
      });
      expect(fake.requests).toEqual([]);
    });

    it('a missing certificate file: exit 2, one line naming it', async () => {
      const run = await cli(node, [
        '--auth-type',
        'certificate',
        '--client-certificate',
        'nowhere.pem',
        '--client-id',
        DEFAULTS.clientId,
        '--tenant-id',
        DEFAULTS.tenantId
      ]);
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toMatch(
        new RegExp(
          `^error: --client-certificate is neither PEM text nor a readable file: ${cwd}/nowhere.pem \\(no such file\\)\\. Give the certificate`
        )
      );
      expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(fake.requests).toEqual([]);
    });

    it('a missing federated token file: exit 2, its line last', async () => {
      const missing = path.join(cwd, 'no-token');
      const run = await cli(node, ['--auth-type', 'workload-identity', '--quiet'], {
        AZURE_FEDERATED_TOKEN_FILE: missing,
        AZURE_CLIENT_ID: DEFAULTS.clientId,
        AZURE_TENANT_ID: DEFAULTS.tenantId,
        AZURE_AUTHORITY_HOST: fake.url
      });
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toMatch(
        new RegExp(
          `^error: Getting a token for ${ARM}/.default with auth-type 'workload-identity': The federated token file AZURE_FEDERATED_TOKEN_FILE \\(${missing}\\) cannot be read: no such file\\. Label the pod`
        )
      );
      expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(fake.requests).toEqual([]);
    });
  });

  it('--help lists every flag, --version prints the version, both exit 0 without a request', async () => {
    const help = await cli(node, ['--help']);
    expect(help).toMatchObject({ exitCode: 0, stderr: '' });
    expect(help.stdout).toContain('Usage: azure-token [--resource R]');
    const version = await cli(node, ['--version']);
    const packageJson = JSON.parse(fs.readFileSync(path.join(path.dirname(CLI), '..', '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(version).toEqual({ exitCode: 0, signal: null, stdout: `${packageJson.version}\n`, stderr: '' });
    expect(fake.requests).toEqual([]);
  });
});
