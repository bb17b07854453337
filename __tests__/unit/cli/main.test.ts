/**
 * The command line's story with nock for Azure: what stdout, stderr, the token file and the
 * exit status hold. The built command itself is driven against the fake Azure by
 * __tests__/e2e/cli.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseFlags } from '../../../src/cli/flags.js';
import { type CliDeps, run } from '../../../src/cli/main.js';
import { createHttp } from '../../../src/core/http.js';
import { CLIENT_ID, fakeJwt, NOW, OBJECT_ID, TENANT_ID, testMachine } from '../support.js';

const LOGIN = 'https://login.microsoftonline.com';
const TOKEN_PATH = `/${TENANT_ID}/oauth2/v2.0/token`;
const VAULT = 'https://my-vault.vault.azure.net';
const CLIENT_SECRET = 'shh~client-secret-value';
const SECRET_ENV = { AZURE_CLIENT_ID: CLIENT_ID, AZURE_TENANT_ID: TENANT_ID, AZURE_CLIENT_SECRET: CLIENT_SECRET };

const tokenFor = (scope: string): string =>
  fakeJwt({ aud: scope.replace('/.default', ''), tid: TENANT_ID, appid: CLIENT_ID, oid: OBJECT_ID });
const ARM_TOKEN = tokenFor('https://management.azure.com/.default');
const VAULT_TOKEN = tokenFor('https://vault.azure.net/.default');

/** Entra ID answering each scope with its own token, `times` requests in all. */
function entra(times = 1): void {
  nock(LOGIN)
    .post(TOKEN_PATH)
    .times(times)
    .reply((_uri, body) => {
      const scope = new URLSearchParams(body as string).get('scope') ?? '';
      return [200, { token_type: 'Bearer', expires_in: 3599, access_token: tokenFor(scope) }];
    });
}

function vault(secrets: Record<string, string>): void {
  const scope = nock(VAULT, { reqheaders: { authorization: `Bearer ${VAULT_TOKEN}` } });
  for (const [name, value] of Object.entries(secrets)) {
    scope
      .get(`/secrets/${name}`)
      .query({ 'api-version': '7.4' })
      .reply(200, { value, id: `${VAULT}/secrets/${name}/0123456789abcdef0123456789abcdef`, attributes: { enabled: true } });
  }
}

let unexpectedRequests: string[];
const recordUnexpected = (request: { href?: string; host?: string; path?: string }): void => {
  unexpectedRequests.push(request.href ?? `${request.host}${request.path}`);
};
let cwd: string;

beforeEach(() => {
  unexpectedRequests = [];
  nock.disableNetConnect();
  nock.emitter.on('no match', recordUnexpected);
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-main-'));
});
afterEach(() => {
  nock.emitter.removeListener('no match', recordUnexpected);
  nock.cleanAll();
  nock.enableNetConnect();
  fs.rmSync(cwd, { recursive: true, force: true });
});

interface Ran {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function cli(argv: string[], env: Record<string, string> = {}, overrides: Partial<CliDeps> = {}): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const machine = testMachine();
  const deps: CliDeps = {
    env: { PATH: '', ...env },
    cwd,
    machine,
    // Connections ahead of need are not opened: a unit test reaches no network, not even a socket.
    http: log => ({ ...createHttp({ clock: machine, log, timeoutMs: 2_000 }), preconnect: () => undefined }),
    stdout: async text => {
      stdout += text;
    },
    stderr: text => {
      stderr += text;
    },
    ...overrides
  };
  const exitCode = await run(parseFlags(argv), deps);
  return { exitCode, stdout, stderr };
}

const SIGNED_IN = `Signed in with auth-type 'secret' as client ${CLIENT_ID} (object ${OBJECT_ID}) in tenant ${TENANT_ID}.`;
const EXPIRES = `Token for https://management.azure.com expires at ${new Date(NOW + 3599_000).toISOString().replace('.000Z', 'Z')}.`;

describe('run: success', () => {
  it('prints the token and a newline; logs what the action logs on stderr', async () => {
    entra();
    const ran = await cli([], SECRET_ENV);
    expect(ran).toEqual({
      exitCode: 0,
      stdout: `${ARM_TOKEN}\n`,
      stderr: `auth-type 'auto' chose 'secret': a client secret is given.\n${SIGNED_IN}\n${EXPIRES}\n`
    });
    expect(nock.isDone()).toBe(true);
  });

  it('--output json: one object', async () => {
    entra();
    const ran = await cli(['--output', 'json', '--resource', 'arm'], SECRET_ENV);
    expect(ran.exitCode).toBe(0);
    expect(ran.stdout).toBe(
      `{"accessToken":"${ARM_TOKEN}","expiresOn":"2026-11-23T12:59:59Z","tokenType":"Bearer","tenantId":"${TENANT_ID}","clientId":"${CLIENT_ID}",` +
        `"objectId":"${OBJECT_ID}","authType":"secret","resource":"https://management.azure.com"}\n`
    );
  });

  it('--secrets: env lines by default; json on asking, with the secrets', async () => {
    entra(2);
    vault({ 'db-password': "it's $ecret" });
    const ran = await cli(['--secrets', 'my-vault/db-password | PGPASSWORD'], SECRET_ENV);
    expect(ran.exitCode).toBe(0);
    expect(ran.stdout).toBe("export PGPASSWORD='it'\\''s $ecret'\n");
    expect(ran.stderr).toContain('Loaded 1 Key Vault secret: PGPASSWORD.\n');
    expect(ran.stderr).not.toContain('$ecret');

    entra(2);
    vault({ 'db-password': "it's $ecret" });
    const json = await cli(['--secrets', 'my-vault/db-password | PGPASSWORD', '--output', 'json'], SECRET_ENV);
    expect(JSON.parse(json.stdout)).toMatchObject({ accessToken: ARM_TOKEN, secrets: { PGPASSWORD: "it's $ecret" } });
  });

  it('--quiet: nothing on stderr', async () => {
    entra();
    expect(await cli(['--quiet'], SECRET_ENV)).toEqual({ exitCode: 0, stdout: `${ARM_TOKEN}\n`, stderr: '' });
  });

  it.each([
    ['--verbose', ['--verbose'], {}],
    ['AZURE_TOKEN_DEBUG=1', [], { AZURE_TOKEN_DEBUG: '1' }]
  ])('%s: the debug lines, never a secret', async (_name, argv, env) => {
    entra();
    const ran = await cli(argv, { ...SECRET_ENV, ...env });
    expect(ran.stderr).toContain("debug: auth-type 'auto': secret: applies (a client secret is given)\n");
    expect(ran.stderr).toMatch(/^debug: POST https:\/\/login\.microsoftonline\.com\/.*: HTTP 200 in \d+ ms \(attempt 1\)$/m);
    expect(ran.stderr).not.toContain(CLIENT_SECRET);
    expect(ran.stderr).not.toContain(ARM_TOKEN);
  });
});

describe('run: the token file', () => {
  it('writes the exact token, mode 0600, and prints nothing', async () => {
    entra();
    const ran = await cli(['--token-file', 'out/token'], SECRET_ENV);
    const file = path.join(cwd, 'out', 'token');
    expect(ran.exitCode).toBe(0);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toContain(`Wrote the token to ${file}.\n`);
    expect(fs.readFileSync(file, 'utf8')).toBe(ARM_TOKEN);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('from BEARER_TOKEN_FILE, with secrets still printed as env lines', async () => {
    entra(2);
    vault({ 'db-password': 'pw' });
    const file = path.join(cwd, 'token');
    const ran = await cli(['--secrets', 'my-vault/db-password'], { ...SECRET_ENV, BEARER_TOKEN_FILE: file });
    expect(ran.stdout).toBe("export DB_PASSWORD='pw'\n");
    expect(fs.readFileSync(file, 'utf8')).toBe(ARM_TOKEN);
  });

  it('refuses an existing file and leaves it untouched: exit 1', async () => {
    entra();
    const file = path.join(cwd, 'token');
    fs.writeFileSync(file, 'old');
    const ran = await cli(['--token-file', file], SECRET_ENV);
    expect(ran.exitCode).toBe(1);
    expect(ran.stderr).toContain(`error: The token file ${file} already exists.\nA new file is written and never overwrites one`);
    expect(fs.readFileSync(file, 'utf8')).toBe('old');
  });

  it('--replace: replaces it', async () => {
    entra();
    const file = path.join(cwd, 'token');
    fs.writeFileSync(file, 'old');
    const ran = await cli(['--token-file', file, '--replace'], SECRET_ENV);
    expect(ran.exitCode).toBe(0);
    expect(ran.stderr).toContain(`Wrote the token to ${file} (replacing any file there).\n`);
    expect(fs.readFileSync(file, 'utf8')).toBe(ARM_TOKEN);
    expect(fs.readdirSync(cwd)).toEqual(['token']);
  });

  it('is removed again when stdout fails, so that a failure leaves no file', async () => {
    entra();
    const file = path.join(cwd, 'token');
    const ran = await cli(['--token-file', file, '--output', 'token'], SECRET_ENV, {
      stdout: async () => {
        throw new Error('write EPIPE');
      }
    });
    expect(ran.exitCode).toBe(1);
    expect(ran.stderr).toContain('error: write EPIPE\n');
    expect(fs.existsSync(file)).toBe(false);
  });

  it('is not written when the token cannot be had', async () => {
    nock(LOGIN)
      .post(TOKEN_PATH)
      .reply(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.', error_codes: [7000215] });
    const file = path.join(cwd, 'token');
    const ran = await cli(['--token-file', file], SECRET_ENV);
    expect(ran.exitCode).toBe(1);
    expect(ran.stderr).toContain('AADSTS7000215');
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe('run: failures', () => {
  it.each<[string, string[], Record<string, string>, string]>([
    [
      'a bad flag value, named by its flag',
      ['--tenant-id', 'common'],
      SECRET_ENV,
      "error: --tenant-id must be a tenant GUID or domain, not 'common': an app signs in to one tenant. Use the 'Directory (tenant) ID' from the app registration's overview page.\n"
    ],
    [
      'a bad variable, named by it',
      [],
      { ...SECRET_ENV, AZURE_TENANT_ID: 'organizations' },
      "error: Environment variable AZURE_TENANT_ID must be a tenant GUID or domain, not 'organizations': an app signs in to one tenant. Use the 'Directory (tenant) ID' from the app registration's overview page.\n"
    ],
    [
      'a bad AZURE_AUTHORITY_HOST',
      [],
      { ...SECRET_ENV, AZURE_AUTHORITY_HOST: 'http://login.example' },
      "error: Environment variable AZURE_AUTHORITY_HOST must be an https:// URL with no user or query, such as https://login.microsoftonline.com; got 'http://login.example'. Plain http:// is accepted only for loopback hosts (127.0.0.1, localhost, [::1]).\n"
    ],
    [
      'a missing input',
      ['--auth-type', 'secret'],
      { AZURE_CLIENT_SECRET: CLIENT_SECRET },
      "error: --client-id (or AZURE_CLIENT_ID) is needed for auth-type 'secret' (the app registration's Application (client) ID).\n"
    ],
    [
      'a missing secret',
      ['--auth-type', 'secret', '--client-id', CLIENT_ID, '--tenant-id', TENANT_ID],
      {},
      "error: AZURE_CLIENT_SECRET is needed for auth-type 'secret' (or give --creds @FILE with clientSecret).\n"
    ],
    [
      'a refused secret name',
      ['--secrets', 'my-vault/x | NODE_OPTIONS'],
      SECRET_ENV,
      "error: --secrets entry 'my-vault/x | NODE_OPTIONS' maps to the environment variable 'NODE_OPTIONS', which would run code in, steer, or redirect the job's later steps. Give the secret another name: VAULT/SECRET | APP_NAME (or the vault a prefix: VAULT/* | APP_). Names such as PATH, BASH_ENV, NODE_OPTIONS, LD_*, GITHUB_*, HTTPS_PROXY or IDENTITY_* are refused.\n"
    ],
    [
      '--output env without --secrets',
      ['--output', 'env'],
      SECRET_ENV,
      'error: --output env prints Key Vault secrets, and no --secrets are given: use --output token or --output json for the token.\n'
    ],
    ['--replace without a token file', ['--replace'], SECRET_ENV, 'error: --replace needs --token-file (or BEARER_TOKEN_FILE).\n'],
    ['a missing --creds file', ['--creds', '@sp.json'], {}, 'error: --creds @CWD/sp.json cannot be read: no such file.\n'],
    [
      'a missing certificate file',
      ['--auth-type', 'certificate', '--client-certificate', 'cert.pem', '--client-id', CLIENT_ID, '--tenant-id', TENANT_ID],
      {},
      'error: --client-certificate is neither PEM text nor a readable file: CWD/cert.pem (no such file). Give the certificate and its private key in one PEM, e.g. cat cert.pem key.pem > combined.pem (from a .pfx: openssl pkcs12 -in cert.pfx -out combined.pem -nodes), stored in a secret or as a file path.\n'
    ],
    [
      'a missing federated token file',
      ['--auth-type', 'workload-identity'],
      { AZURE_FEDERATED_TOKEN_FILE: '/nowhere/token', AZURE_CLIENT_ID: CLIENT_ID, AZURE_TENANT_ID: TENANT_ID },
      'error: Getting a token for https://management.azure.com/.default with auth-type \'workload-identity\': The federated token file AZURE_FEDERATED_TOKEN_FILE (/nowhere/token) cannot be read: no such file. Label the pod azure.workload.identity/use: "true" and run it under a service account annotated with azure.workload.identity/client-id, so the webhook sets AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID and AZURE_TENANT_ID.\n'
    ]
  ])('%s: exit 2, one line, no request', async (_name, argv, env, line) => {
    const ran = await cli(argv, env);
    expect(ran).toEqual({ exitCode: 2, stdout: '', stderr: line.replace(/CWD/g, cwd) });
    expect(unexpectedRequests).toEqual([]);
  });

  it('auto finding nothing: exit 1, every candidate and why not', async () => {
    // Docker Desktop's answer for an IMDS that is not there (protocol.md#managed-identity-retries-and-probing).
    nock('http://169.254.169.254')
      .get('/metadata/identity/oauth2/token')
      .reply(
        403,
        'connecting to 169.254.169.254:80: connecting to 169.254.169.254:80: dial tcp 169.254.169.254:80: connectex: A socket operation was attempted to an unreachable network.'
      );
    const ran = await cli([], {});
    expect(ran.exitCode).toBe(1);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toBe(
      [
        "error: auth-type 'auto' found no credential here:",
        "  secret: no 'client-secret' input and no clientSecret in 'creds'",
        "  certificate: no 'client-certificate' input",
        '  oidc: not inside a GitHub Actions workflow (GITHUB_ACTIONS is not true)',
        '  workload-identity: AZURE_FEDERATED_TOKEN_FILE is not set (not an AKS workload identity pod)',
        '  managed-identity: IDENTITY_ENDPOINT is not set (not App Service, Functions, Container Apps or Azure Arc)',
        '  managed-identity (VM): the VM instance metadata service (IMDS) did not answer within 1 s',
        "  azure-cli: 'az' is not on PATH",
        "For GitHub-hosted runners, use OIDC: set 'client-id' and 'tenant-id' and give the job `permissions: id-token: write`.",
        ''
      ].join('\n')
    );
  });

  it('inside a workflow, auto does not probe IMDS on a GitHub-hosted runner', async () => {
    const ran = await cli([], { GITHUB_ACTIONS: 'true' });
    expect(ran.exitCode).toBe(1);
    expect(ran.stderr).toContain(
      '  managed-identity (VM): the VM instance metadata service (IMDS) is probed only on self-hosted runners (RUNNER_ENVIRONMENT=self-hosted)\n'
    );
    expect(unexpectedRequests).toEqual([]);
  });

  it('an Entra ID refusal: exit 1 with its explanation; the secret never shown', async () => {
    nock(LOGIN)
      .post(TOKEN_PATH)
      .reply(401, {
        error: 'invalid_client',
        error_description: `AADSTS7000215: Invalid client secret provided: ${CLIENT_SECRET}.`,
        error_codes: [7000215]
      });
    const ran = await cli(['--verbose'], SECRET_ENV);
    expect(ran.exitCode).toBe(1);
    expect(ran.stderr).toMatch(/^error: .*AADSTS7000215/m);
    expect(ran.stderr).not.toContain(CLIENT_SECRET);
  });

  it('a secret that fails to load: exit 1, nothing on stdout', async () => {
    entra(2);
    nock(VAULT)
      .get('/secrets/missing')
      .query({ 'api-version': '7.4' })
      .reply(404, { error: { code: 'SecretNotFound', message: 'A secret with (name/id) missing was not found in this key vault.' } });
    const ran = await cli(['--secrets', 'my-vault/missing'], SECRET_ENV);
    expect(ran.exitCode).toBe(1);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toContain('SecretNotFound');
  });
});
