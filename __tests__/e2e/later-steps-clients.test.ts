/**
 * sign-in-later-steps with the real clients of later steps, which nobody here wrote, each in a
 * process of its own: @azure/identity (ManagedIdentityCredential, DefaultAzureCredential) from
 * node_modules, Python's azure.identity (Debian's python3-azure, /usr/bin/python3), and Azure
 * CLI 2.45 (Debian's azure-cli: `az login --identity`, then `az account get-access-token`
 * against the fake's Resource Manager). Each gets a token the fake Entra ID issued, through the
 * endpoint the main step started.
 *
 * The main step runs with HTTPS_PROXY and HTTP_PROXY set to the fake's proxy: every client then
 * reaches nothing but loopback (the proxy answers 502 for any host the fake does not serve, and
 * forwards nothing off the machine), and the clients reach the endpoint directly only thanks to
 * the NO_PROXY the action exports. A missing Python package or az skips its tests, saying why,
 * unless AZURE_TOKEN_REQUIRE_REAL_CLIENTS=1 (CI) makes them fail.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFile, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CA_FILE, DEFAULTS, decodeJwt, startFakeAzure, type FakeAzure } from '../../test/fake-azure/server.js';
import { REPO_ROOT, type ActionResult } from '../../test/harness/runner.js';
import { NODES, endpointOf, expectNoLeaks, isRunning, oidcInputs, removeRunDirs, runDist, stopStrayEndpoints } from './support.js';

// Each client is a process start (Azure CLI: about half a second per command, more on a loaded machine).
jest.setTimeout(60_000);

const VAULT = 'https://vault.azure.net';
const CLI_ARM = 'https://management.core.windows.net/';
const OTHER_APP = '99999999-8888-7777-6666-555555555555';
const PYTHON = '/usr/bin/python3';
const NODE_CLIENT = path.join(REPO_ROOT, 'test', 'later-steps', 'node-client.mjs');
const PYTHON_CLIENT = path.join(REPO_ROOT, 'test', 'later-steps', 'python-client.py');
const REQUIRED = process.env['AZURE_TOKEN_REQUIRE_REAL_CLIENTS'] === '1';

/** The program on PATH, or undefined. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

const pythonIdentity = spawnSync(PYTHON, ['-c', 'import azure.identity; print(azure.identity.__version__)'], { encoding: 'utf8' });
const MISSING = {
  python: pythonIdentity.status === 0 ? undefined : `${PYTHON} cannot import azure.identity (apt-get install python3-azure)`,
  az: onPath('az') ? undefined : 'az is not on PATH (apt-get install azure-cli)'
};

/** A test of a real client: skipped with the reason when the client is missing, or failing with it under AZURE_TOKEN_REQUIRE_REAL_CLIENTS=1. */
function withClient(client: keyof typeof MISSING): (name: string, body: () => Promise<void>) => void {
  const missing = MISSING[client];
  if (!missing) return (name, body) => it(name, body);
  if (REQUIRED) {
    return name =>
      it(name, () => {
        throw new Error(`${missing}, and AZURE_TOKEN_REQUIRE_REAL_CLIENTS=1 requires it (.ci/run installs it).`);
      });
  }
  return name => it.skip(`${name} [skipped: ${missing}; set AZURE_TOKEN_REQUIRE_REAL_CLIENTS=1 to make this a failure]`, () => {});
}
const pythonIt = withClient('python');
const azIt = withClient('az');

let fake: FakeAzure;
let scratch: string;
/** An AZURE_CONFIG_DIR whose active cloud has its Resource Manager at the fake: copied for each az test. */
let azTemplate: string | undefined;

beforeAll(async () => {
  fake = await startFakeAzure({ tls: true });
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-later-clients-'));
  if (!MISSING.az) azTemplate = await registerFakeCloud();
});
afterEach(() => {
  fake.clearFaults();
  fake.clearRequests();
  expect(stopStrayEndpoints()).toEqual([]);
});
afterAll(async () => {
  stopStrayEndpoints();
  removeRunDirs();
  fs.rmSync(scratch, { recursive: true, force: true });
  await fake.close();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runClient(file: string, args: readonly string[], env: Record<string, string>): Promise<Run> {
  return new Promise(resolve => {
    execFile(file, args, { env, timeout: 50_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

/** What a later step's tool sees: the job's environment after main, the proxies, its own HOME (caches), and `extra` (undefined removes). */
function stepEnv(later: Record<string, string>, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const home = fs.mkdtempSync(path.join(scratch, 'home-'));
  const env: Record<string, string | undefined> = { ...later, HOME: home, ...extra };
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** Azure CLI's settings for the fake: no telemetry, the fake's CA for its Resource Manager, a config dir of its own. */
function azEnv(later: Record<string, string>, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const configDir = fs.mkdtempSync(path.join(scratch, 'azure-config-'));
  if (azTemplate) fs.cpSync(azTemplate, configDir, { recursive: true });
  return stepEnv(later, {
    AZURE_CONFIG_DIR: configDir,
    AZURE_CORE_COLLECT_TELEMETRY: 'false',
    AZURE_CORE_NO_COLOR: 'true',
    REQUESTS_CA_BUNDLE: CA_FILE,
    // Azure CLI before 2.73 uses MSI_ENDPOINT only when this is set (docs/later-steps.md).
    APPSETTING_WEBSITE_SITE_NAME: 'azure-token-e2e',
    ...extra
  });
}

/** `az cloud register` + `az cloud set` once: a cloud whose Resource Manager is the fake's HTTPS listener. */
async function registerFakeCloud(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(scratch, 'azure-config-template-'));
  const env = stepEnv(
    { PATH: process.env['PATH'] ?? '' },
    {
      AZURE_CONFIG_DIR: dir,
      AZURE_CORE_COLLECT_TELEMETRY: 'false',
      REQUESTS_CA_BUNDLE: CA_FILE,
      HTTPS_PROXY: fake.proxyUrl,
      HTTP_PROXY: fake.proxyUrl,
      NO_PROXY: '127.0.0.1,localhost'
    }
  );
  // All four Active Directory endpoints, or register asks the Resource Manager for its metadata.
  const register = await runClient(
    'az',
    [
      'cloud',
      'register',
      '-n',
      'AzureTokenE2E',
      '--endpoint-resource-manager',
      `${fake.httpsUrl}/`,
      '--endpoint-active-directory',
      'https://login.microsoftonline.com',
      '--endpoint-active-directory-resource-id',
      CLI_ARM,
      '--endpoint-active-directory-graph-resource-id',
      'https://graph.windows.net/'
    ],
    env
  );
  if (register.code !== 0) throw new Error(`az cloud register failed: ${register.stderr}`);
  const set = await runClient('az', ['cloud', 'set', '-n', 'AzureTokenE2E'], env);
  if (set.code !== 0) throw new Error(`az cloud set failed: ${set.stderr}`);
  return dir;
}

/** The token was signed by the fake's Entra ID, for `audience`. */
function expectIssuedByFake(token: unknown, audience: string): void {
  const jwt = decodeJwt(String(token));
  expect(jwt).not.toBeNull();
  if (!jwt) return;
  expect(crypto.verify('sha256', Buffer.from(jwt.signingInput), fake.entra.publicKey, jwt.signature)).toBe(true);
  expect(jwt.payload['aud']).toBe(audience);
}

/** The JSON lines a client printed. */
function linesOf(run: Run): Array<Record<string, unknown>> {
  return run.stdout
    .split('\n')
    .filter(Boolean)
    .map(line => JSON.parse(line) as Record<string, unknown>);
}

/**
 * Runs main with sign-in-later-steps (OIDC, proxies set), `later` as the later steps, then post;
 * checks the post line, that the endpoint is gone, that nothing went to the proxy (every client
 * reached the endpoint, and az the Resource Manager, directly on loopback, and tried nothing
 * else), and that nothing leaked.
 */
async function withEndpoint(node: string, later: (env: Record<string, string>) => Promise<void>, postLine: string): Promise<ActionResult> {
  const proxied = fake.proxyLog.length;
  let pid = 0;
  const result = await runDist({
    node,
    inputs: oidcInputs(fake, { 'sign-in-later-steps': 'true' }),
    env: { ...fake.env.oidc, HTTPS_PROXY: fake.proxyUrl, HTTP_PROXY: fake.proxyUrl },
    laterSteps: async ({ env, main }) => {
      expect(main.exitCode).toBe(0);
      const endpoint = endpointOf(main);
      pid = endpoint?.pid ?? 0;
      expect(env['NO_PROXY']).toBe('127.0.0.1,localhost');
      await later(env);
    }
  });
  expect(result.post?.stdout.split('\n')).toContain(postLine);
  expect(isRunning(pid)).toBe(false);
  expect(fake.proxyLog.slice(proxied)).toEqual([]);
  expectNoLeaks(result, [result.exportedEnv['IDENTITY_HEADER'] ?? '']);
  return result;
}

describe.each(NODES)('later steps signed in, with the real clients, under %s', (_label, node) => {
  it('@azure/identity ManagedIdentityCredential: a token for its scope, cached by the client itself', async () => {
    await withEndpoint(
      node,
      async env => {
        const run = await runClient(process.execPath, [NODE_CLIENT, 'managed', `${VAULT}/.default`, '--repeat', '2'], stepEnv(env));
        expect(run.stderr).toBe('');
        const [first, second] = linesOf(run);
        expectIssuedByFake(first?.['token'], VAULT);
        expect(second?.['token']).toBe(first?.['token']);
        // It read expires_on as the real expiry (not "now"), so it asked once.
        expect(Number(first?.['expiresOnTimestamp'])).toBeGreaterThan(Date.now() + 3500_000);
      },
      `Token endpoint stopped: served 1 token (${VAULT} 1), 0 failures.`
    );
  });

  it('@azure/identity DefaultAzureCredential: from IDENTITY_ENDPOINT, with no probe', async () => {
    await withEndpoint(
      node,
      async env => {
        const run = await runClient(process.execPath, [NODE_CLIENT, 'default', 'https://management.azure.com/.default'], stepEnv(env));
        expectIssuedByFake(linesOf(run)[0]?.['token'], 'https://management.azure.com');
      },
      'Token endpoint stopped: served 1 token (https://management.azure.com 1), 0 failures.'
    );
  });

  it("@azure/identity asking for another app's client id: refused, and the client shows why", async () => {
    await withEndpoint(
      node,
      async env => {
        const run = await runClient(
          process.execPath,
          [NODE_CLIENT, 'managed', `${VAULT}/.default`, '--client-id', OTHER_APP],
          stepEnv(env)
        );
        expect(run.code).toBe(1);
        expect(String(linesOf(run)[0]?.['error'])).toContain(
          `This endpoint serves one identity, client ID ${DEFAULTS.clientId}, and the request asked for '${OTHER_APP}'.`
        );
        expect(fake.requestsFor('entra')).toHaveLength(1);
      },
      'Token endpoint stopped: served 0 tokens, 0 failures, 1 refused request.'
    );
  });

  pythonIt('Python azure.identity ManagedIdentityCredential, on IDENTITY_ENDPOINT (2019-08-01)', async () => {
    await withEndpoint(
      node,
      async env => {
        const run = await runClient(PYTHON, [PYTHON_CLIENT, 'managed', `${VAULT}/.default`], stepEnv(env));
        const [answer] = linesOf(run);
        expectIssuedByFake(answer?.['token'], VAULT);
        expect(Number(answer?.['expires_on'])).toBeGreaterThan(Date.now() / 1000 + 3500);
      },
      `Token endpoint stopped: served 1 token (${VAULT} 1), 0 failures.`
    );
  });

  pythonIt('Python azure.identity on MSI_ENDPOINT alone (2017-09-01, the 24-hour expires_on)', async () => {
    await withEndpoint(
      node,
      async env => {
        const run = await runClient(
          PYTHON,
          [PYTHON_CLIENT, 'managed', `${VAULT}/.default`],
          stepEnv(env, { IDENTITY_ENDPOINT: undefined, IDENTITY_HEADER: undefined })
        );
        const [answer] = linesOf(run);
        expectIssuedByFake(answer?.['token'], VAULT);
        expect(Number(answer?.['expires_on'])).toBeGreaterThan(Date.now() / 1000 + 3500);
        expect(fake.requestsFor('entra')).toHaveLength(2);
      },
      `Token endpoint stopped: served 1 token (${VAULT} 1), 0 failures.`
    );
  });

  pythonIt("Python DefaultAzureCredential with AZURE_CLIENT_ID: served for the identity's own id, refused for another app's", async () => {
    await withEndpoint(
      node,
      async env => {
        const own = await runClient(
          PYTHON,
          [PYTHON_CLIENT, 'default', `${VAULT}/.default`],
          stepEnv(env, { AZURE_CLIENT_ID: DEFAULTS.clientId })
        );
        expectIssuedByFake(linesOf(own)[0]?.['token'], VAULT);
        const other = await runClient(
          PYTHON,
          [PYTHON_CLIENT, 'default', `${VAULT}/.default`],
          stepEnv(env, { AZURE_CLIENT_ID: OTHER_APP })
        );
        expect(other.code).toBe(1);
        expect(String(linesOf(other)[0]?.['error'])).toContain(
          `This endpoint serves one identity, client ID ${DEFAULTS.clientId}, and the request asked for '${OTHER_APP}'.`
        );
      },
      `Token endpoint stopped: served 1 token (${VAULT} 1), 0 failures, 1 refused request.`
    );
  });

  azIt('Azure CLI 2.45: az login --identity --allow-no-subscriptions, then az account get-access-token for two resources', async () => {
    await withEndpoint(
      node,
      async env => {
        const cli = azEnv(env);
        const armSeen = fake.arm.log.length;
        const login = await runClient('az', ['login', '--identity', '--allow-no-subscriptions', '--output', 'json'], cli);
        expect(login.code).toBe(0);
        expect(JSON.parse(login.stdout)).toEqual([
          expect.objectContaining({
            tenantId: DEFAULTS.tenantId,
            user: { assignedIdentityInfo: 'MSI', name: 'systemAssignedIdentity', type: 'servicePrincipal' }
          })
        ]);
        // az asked the fake's Resource Manager for the subscriptions, with a token the endpoint gave it.
        expect(
          fake.arm.log
            .slice(armSeen)
            .filter(line => line.startsWith('GET ') && line.includes('/subscriptions?api-version=2019-11-01') && line.endsWith('-> 200'))
        ).toHaveLength(1);

        const arm = await runClient('az', ['account', 'get-access-token', '--output', 'json'], cli);
        expect(arm.code).toBe(0);
        expectIssuedByFake((JSON.parse(arm.stdout) as Record<string, unknown>)['accessToken'], CLI_ARM);
        const vault = await runClient('az', ['account', 'get-access-token', '--resource', VAULT, '--output', 'json'], cli);
        expect(vault.code).toBe(0);
        expect(JSON.parse(vault.stdout)).toMatchObject({ tenant: DEFAULTS.tenantId, tokenType: 'Bearer' });
        expectIssuedByFake((JSON.parse(vault.stdout) as Record<string, unknown>)['accessToken'], VAULT);
        // Two requests per az command, one mint per resource.
        expect(fake.requestsFor('entra')).toHaveLength(3);
      },
      `Token endpoint stopped: served 6 tokens (${CLI_ARM} 4, ${VAULT} 2), 0 failures.`
    );
  });

  azIt('Azure CLI 2.45 without APPSETTING_WEBSITE_SITE_NAME: it POSTs, and the 405 is all it shows', async () => {
    await withEndpoint(
      node,
      async env => {
        const login = await runClient(
          'az',
          ['login', '--identity', '--allow-no-subscriptions'],
          azEnv(env, { APPSETTING_WEBSITE_SITE_NAME: undefined })
        );
        expect(login.code).not.toBe(0);
        expect(login.stderr).toContain('Get Token request returned: <Response [405]>');
      },
      'Token endpoint stopped: served 0 tokens, 0 failures, 1 refused request.'
    );
  });
});
