/**
 * The samples of the action's output that README.md and docs/*.md show, produced by running the
 * action's main step (src/action/main.ts) with a recording runner, against nock in place of
 * GitHub, Entra ID, the managed identity endpoints and Key Vault, on a clock that stands still at
 * 2026-11-23T12:00:00Z. docs.test.ts compares each one with the block that follows its
 * `<!-- sample: NAME -->` marker in the docs.
 *
 * A sample is what a user sees: a failure as the step reports it (its message, then its hint),
 * log lines as they appear in the step's log (`Warning: ` and `Notice: ` before annotations,
 * as the runner's log shows them), or a job summary's Markdown.
 */
import nock from 'nock';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run } from '../../src/action/main.js';
import { ENTRA_EXPLANATIONS } from '../../src/core/entra/explanations.js';
import type { Machine } from '../../src/core/machine.js';
import { fakeMachine } from './credential-support.js';
import { CLIENT_ID, fakeJwt, inputEnv, OBJECT_ID, type RecordingRunner, TENANT_ID, testDeps } from './support.js';

const LOGIN = 'https://login.microsoftonline.com';
const TOKEN_PATH = `/${TENANT_ID}/oauth2/v2.0/token`;
const GITHUB = 'https://pipelines.actions.githubusercontent.com';
const OIDC_ENV = {
  ACTIONS_ID_TOKEN_REQUEST_URL: `${GITHUB}/2mY0fHyAbc/00000000-0000-0000-0000-000000000000/_apis/distributedtask/hubs/Actions/plans/1/jobs/2/idtoken?api-version=2.0`,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'github-request-token'
};
const ISSUER = 'https://token.actions.githubusercontent.com';
const AUDIENCE = 'api://AzureADTokenExchange';
/** The two forms of the same subject: by name, and with immutable ids (repositories created or renamed since 2026-07-15). */
export const SUBJECT_BY_NAME = 'repo:octo-org/octo-repo:ref:refs/heads/main';
export const SUBJECT_BY_ID = 'repo:octo-org@1234567/octo-repo@890123456:ref:refs/heads/main';
const VAULT = 'https://my-vault.vault.azure.net';
const IMDS = 'http://169.254.169.254';
const WORKSPACE = '/home/runner/work/octo-repo/octo-repo';

const SECRET_INPUTS = { 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID, 'client-secret': 'not-the-real~secret' };
const OIDC_INPUTS = { 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID };

const accessToken = (audience: string): string => fakeJwt({ aud: audience, tid: TENANT_ID, appid: CLIENT_ID, oid: OBJECT_ID });

/** One step of the action: its inputs, the runner's environment, and the machine it runs on. */
async function step(inputs: Record<string, string>, env: Record<string, string> = {}, machine?: Machine): Promise<RecordingRunner> {
  const deps = testDeps(
    { GITHUB_WORKSPACE: WORKSPACE, RUNNER_ENVIRONMENT: 'github-hosted', PATH: '/usr/local/bin:/usr/bin:/bin', ...inputEnv(inputs), ...env },
    { machine: machine ?? fakeMachine() }
  );
  await run(deps);
  deps.http.dispose();
  return deps.runner;
}

/** The failure the step reported: its message, then its hint. */
async function failure(inputs: Record<string, string>, env: Record<string, string> = {}, machine?: Machine): Promise<string> {
  const runner = await step(inputs, env, machine);
  if (runner.failures.length !== 1) throw new Error(`expected one failure, got ${JSON.stringify(runner.failures)}`);
  return runner.failures[0] as string;
}

/** The step's log as the runner shows it (no debug lines), of a step that succeeded. */
function logOf(runner: RecordingRunner): string {
  if (runner.failures.length > 0) throw new Error(`the step failed: ${runner.failures.join('\n')}`);
  const prefixes: Partial<Record<string, string>> = { info: '', notice: 'Notice: ', warning: 'Warning: ' };
  return runner.calls
    .filter(([method]) => prefixes[method] !== undefined)
    .map(([method, message]) => `${prefixes[method]}${message}`)
    .join('\n');
}

/** Several failures, one after the other, with a blank line between them. */
async function failures(...cases: Array<() => Promise<string>>): Promise<string> {
  const texts: string[] = [];
  for (const each of cases) {
    texts.push(await each());
    nock.cleanAll();
  }
  return texts.join('\n\n');
}

// ── the services, as nock ────────────────────────────────────────────────────────────────

function githubToken(subject: string): void {
  const token = fakeJwt({ iss: ISSUER, sub: subject, aud: AUDIENCE });
  nock(GITHUB)
    .get(/\/idtoken$/)
    .query(true)
    .times(5)
    .reply(200, { value: token });
}

/** Entra ID answering every request with a token for the scope asked for. */
function entraTokens(): void {
  nock(LOGIN)
    .post(TOKEN_PATH)
    .times(5)
    .reply((_uri, body) => {
      const scope = new URLSearchParams(body as string).get('scope') ?? '';
      return [
        200,
        { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken(scope.replace(/\/\.default$/, '')) }
      ];
    });
}

/** Entra ID refusing with an AADSTS code, the way it writes its errors. */
function entraRefuses(code: number, said: string, status = 400, error = 'invalid_request'): void {
  nock(LOGIN)
    .post(TOKEN_PATH)
    .times(5)
    .reply(status, {
      error,
      error_description: `AADSTS${code}: ${said} Trace ID: 8d3a5b2c-1e4f-4a6b-9c7d-0e1f2a3b4c5d Correlation ID: 5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f Timestamp: 2026-11-23 12:00:00Z`,
      error_codes: [code],
      timestamp: '2026-11-23 12:00:00Z',
      trace_id: '8d3a5b2c-1e4f-4a6b-9c7d-0e1f2a3b4c5d',
      correlation_id: '5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f',
      error_uri: `${LOGIN}/error?code=${code}`
    });
}

function secretValue(name: string, value: string, attributes: Record<string, unknown> = {}): nock.Body {
  return { value, id: `${VAULT}/secrets/${name}/0123456789abcdef0123456789abcdef`, attributes: { enabled: true, ...attributes } };
}

function vaultError(code: string, message: string, inner?: string): nock.Body {
  return { error: { code, message, ...(inner === undefined ? {} : { innererror: { code: inner } }) } };
}

const FORBIDDEN_BY_RBAC = vaultError(
  'Forbidden',
  `Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: appid=${CLIENT_ID};oid=${OBJECT_ID};iss=https://sts.windows.net/${TENANT_ID}/\r\nAction: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'\r\nResource: '/subscriptions/.../vaults/my-vault/secrets/api-key'\r\nAssignment: (not found)\r\nDecisionReason: 'DeniedWithNoValidRBAC'`,
  'ForbiddenByRbac'
);

/** A machine with an `az` on PATH that answers `result`. */
function machineWithAz(result: { exitCode: number; stdout?: string; stderr?: string }): Machine {
  return fakeMachine({
    executables: ['/usr/bin/az'],
    processResult: { exitCode: result.exitCode, stdout: result.stdout ?? '', stderr: result.stderr ?? '' }
  });
}

const AZ_NOT_SIGNED_IN = "ERROR: Please run 'az login' to setup account.";

// ── the samples ──────────────────────────────────────────────────────────────────────────

export const SAMPLES: Readonly<Record<string, () => Promise<string>>> = {
  /** The step's log of a successful OIDC sign-in. */
  'log-oidc': async () => {
    githubToken(SUBJECT_BY_NAME);
    entraTokens();
    return logOf(await step(OIDC_INPUTS, OIDC_ENV));
  },

  /** The same for a repository whose subject carries immutable ids. */
  'log-oidc-ids': async () => {
    githubToken(SUBJECT_BY_ID);
    entraTokens();
    return logOf(await step(OIDC_INPUTS, OIDC_ENV));
  },

  /** A log with Key Vault secrets loaded. */
  'log-keyvault': async () => {
    githubToken(SUBJECT_BY_NAME);
    entraTokens();
    nock(VAULT)
      .get('/secrets/db-password')
      .query(true)
      .reply(200, secretValue('db-password', 'x'))
      .get('/secrets/api-key')
      .query(true)
      .reply(200, secretValue('api-key', 'y'));
    return logOf(await step({ ...OIDC_INPUTS, secrets: 'my-vault/db-password | PGPASSWORD\nmy-vault/api-key' }, OIDC_ENV));
  },

  /** The federated credential matches no subject: what was presented, and the command that registers it. */
  'error-700213': async () => {
    githubToken(SUBJECT_BY_ID);
    entraRefuses(
      700213,
      `No matching federated identity record found for presented assertion subject '${SUBJECT_BY_ID}'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion.`
    );
    return failure(OIDC_INPUTS, OIDC_ENV);
  },

  'error-7002138': async () => {
    githubToken('repo:Octo-Org/octo-repo:environment:Production');
    entraRefuses(
      7002138,
      "The presented assertion subject 'repo:Octo-Org/octo-repo:environment:Production' matches a federated identity record only when compared case-insensitively."
    );
    return failure(OIDC_INPUTS, OIDC_ENV);
  },

  'error-700016': async () => {
    entraRefuses(
      700016,
      `Application with identifier '${CLIENT_ID}' was not found in the directory 'Contoso'.`,
      400,
      'unauthorized_client'
    );
    return failure(SECRET_INPUTS);
  },

  'error-7000215': async () => {
    entraRefuses(
      7000215,
      'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
      401,
      'invalid_client'
    );
    return failure(SECRET_INPUTS);
  },

  'error-7000222': async () => {
    entraRefuses(7000222, `The provided client secret keys for app '${CLIENT_ID}' are expired.`, 401, 'invalid_client');
    return failure(SECRET_INPUTS);
  },

  'error-700024': async () => {
    githubToken(SUBJECT_BY_NAME);
    entraRefuses(700024, 'Client assertion is not within its valid time range.', 400, 'invalid_client');
    return failure(OIDC_INPUTS, OIDC_ENV);
  },

  /** Every AADSTS code the action explains, as a table: what it means and what to do. */
  'table-entra-codes': async () => {
    const rows = ['| code | what it means | what to do |', '|---|---|---|'];
    for (const code of Object.keys(ENTRA_EXPLANATIONS).map(Number)) {
      entraRefuses(code, 'What Entra ID said.');
      const text = await failure(SECRET_INPUTS);
      nock.cleanAll();
      const [first = '', ...rest] = text.split('\n');
      const meaning = first.slice(first.indexOf(`AADSTS${code}: `) + `AADSTS${code}: `.length);
      const fix = rest.filter(line => !line.startsWith('Entra ID said:') && !line.startsWith('Trace ID:'))[0] ?? '';
      rows.push(`| AADSTS${code} | ${cell(meaning)} | ${cell(fix.replaceAll(CLIENT_ID, '<client-id>'))} |`);
    }
    return rows.join('\n');
  },

  'error-entra-unknown': async () => {
    entraRefuses(9999999, 'Something Entra ID has not said before.');
    return failure(SECRET_INPUTS);
  },

  'error-entra-not-oauth': async () => {
    nock(LOGIN).post(TOKEN_PATH).reply(400, '<html><body>Bad Request</body></html>');
    return failure(SECRET_INPUTS);
  },

  'error-entra-outage': async () => {
    nock(LOGIN).post(TOKEN_PATH).times(4).reply(503, '<html><body>Service Unavailable</body></html>');
    return failure(SECRET_INPUTS);
  },

  /** `auto`, client-id and tenant-id given, no `id-token: write`, and an `az` that is not signed in (a GitHub-hosted runner). */
  'error-no-id-token-auto': async () => failure(OIDC_INPUTS, {}, machineWithAz({ exitCode: 1, stderr: AZ_NOT_SIGNED_IN })),

  'error-no-id-token-oidc': async () => failure({ ...OIDC_INPUTS, 'auth-type': 'oidc' }),

  'error-github-refused': async () => {
    nock(GITHUB)
      .get(/\/idtoken$/)
      .query(true)
      .reply(403, { message: 'Forbidden' });
    return failure({ ...OIDC_INPUTS, 'auth-type': 'oidc' }, OIDC_ENV);
  },

  'error-github-outage': async () => {
    nock(GITHUB)
      .get(/\/idtoken$/)
      .query(true)
      .times(4)
      .reply(503, 'Service Unavailable');
    return failure({ ...OIDC_INPUTS, 'auth-type': 'oidc' }, OIDC_ENV);
  },

  /** `auto` on a GitHub-hosted runner with nothing given and no `az`. */
  'error-auto-none': async () => failure({}, { PATH: '/usr/bin' }, fakeMachine()),

  /** `auto` on a self-hosted runner that is no Azure VM, without `az`. */
  'error-auto-none-self-hosted': async () => {
    nock(IMDS)
      .get('/metadata/identity/oauth2/token')
      .replyWithError(Object.assign(new Error('connect EHOSTUNREACH 169.254.169.254:80'), { code: 'EHOSTUNREACH' }));
    return failure({}, { RUNNER_ENVIRONMENT: 'self-hosted' }, fakeMachine());
  },

  /** `auto` chose a credential, and it failed: the error also says why the ones before it did not apply. */
  'error-auto-chose': async () => {
    nock('http://localhost:42356').get('/msi/token').query(true).reply(400, {
      statusCode: 400,
      message: 'Unable to load the proper Managed Identity.',
      correlationId: '7f8e9d0c-1b2a-4c3d-9e8f-0a1b2c3d4e5f'
    });
    return failure({}, { IDENTITY_ENDPOINT: 'http://localhost:42356/msi/token', IDENTITY_HEADER: 'platform-header' });
  },

  /** The Azure cloud input given a GitHub deployment environment's name. */
  'error-input-environment': async () => failure({ ...OIDC_INPUTS, environment: 'production' }, OIDC_ENV),

  /** Bad inputs: each fails the step before any request. */
  'errors-inputs': async () =>
    failures(
      () => failure({ ...SECRET_INPUTS, 'auth-type': 'federated' }),
      () => failure({ ...SECRET_INPUTS, 'client-id': 'github-deploy' }),
      () => failure({ ...SECRET_INPUTS, 'tenant-id': 'common' }),
      () => failure({ ...SECRET_INPUTS, 'tenant-id': 'Contoso Ltd' }),
      () => failure({ ...SECRET_INPUTS, environment: 'production' }),
      () => failure({ ...SECRET_INPUTS, environment: 'AzureGermanCloud' }),
      () => failure({ ...SECRET_INPUTS, resource: 'https://graph.microsoft.com https://vault.azure.net' }),
      () => failure({ ...SECRET_INPUTS, resource: 'Microsoft Graph' }),
      () => failure({ ...SECRET_INPUTS, 'authority-host': 'http://login.contoso.example' }),
      () => failure({ ...SECRET_INPUTS, audience: 'api://Azure AD Token Exchange' }),
      () => failure({ ...SECRET_INPUTS, 'export-env': 'yes' }),
      () => failure({ ...SECRET_INPUTS, creds: '{"clientId": "x", "clientSecret": "y",}' }),
      () => failure({ ...SECRET_INPUTS, creds: '[]' }),
      () => failure({ 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID, 'client-certificate-password': 'pass' })
    ),

  /** What each credential kind cannot do without. */
  'errors-needed': async () =>
    failures(
      () => failure({ 'auth-type': 'secret', 'tenant-id': TENANT_ID, 'client-secret': 'x' }),
      () => failure({ 'auth-type': 'oidc', 'client-id': CLIENT_ID }, OIDC_ENV),
      () => failure({ 'auth-type': 'secret', 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID }),
      () => failure({ 'auth-type': 'certificate', 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID })
    ),

  'errors-secrets-input': async () =>
    failures(
      () => failure({ ...SECRET_INPUTS, secrets: 'db-password' }),
      () => failure({ ...SECRET_INPUTS, secrets: 'my-vault/db_password' }),
      () => failure({ ...SECRET_INPUTS, secrets: 'my_vault/db-password' }),
      () => failure({ ...SECRET_INPUTS, secrets: 'my-vault/db-password | DB-PASSWORD' }),
      () => failure({ ...SECRET_INPUTS, secrets: 'my-vault/path | PATH' }),
      () => failure({ ...SECRET_INPUTS, secrets: 'my-vault/* | GIT_' }),
      () => failure({ ...SECRET_INPUTS, secrets: 'my-vault/db-password, other-vault/db-password' }),
      () => failure({ ...SECRET_INPUTS, secrets: 'https://my-vault.vault.azure.net.evil.example/secrets/db-password' }),
      () => failure({ ...SECRET_INPUTS, secrets: 'https://my-vault.vault.usgovcloudapi.net/secrets/db-password' }),
      () => failure({ ...SECRET_INPUTS, secrets: 'https://my-hsm.managedhsm.azure.net/keys/signing' }),
      () => failure({ ...SECRET_INPUTS, secrets: 'http://my-vault.vault.azure.net/secrets/db-password' })
    ),

  'errors-certificate': async () => {
    const certificate = (pem: string, more: Record<string, string> = {}) =>
      failure({ 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID, 'client-certificate': pem, ...more });
    return failures(
      () => failure({ 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID, 'client-certificate': 'deploy.pem' }),
      () => certificate(tls('client.pem')),
      () => certificate(tls('client.key')),
      () => certificate(tls('mismatched-combined.pem')),
      () => certificate(tls('expired-combined.pem')),
      () => certificate(tls('client-encrypted-combined.pem')),
      () => certificate(tls('client-encrypted-combined.pem'), { 'client-certificate-password': 'not-the-passphrase' }),
      () => certificate(fs.readFileSync('__tests__/fixtures/certs/ec-combined.pem', 'utf8'))
    );
  },

  'error-imds-unreachable': async () => {
    nock(IMDS)
      .get('/metadata/identity/oauth2/token')
      .query(true)
      .replyWithError(Object.assign(new Error('connect EHOSTUNREACH 169.254.169.254:80'), { code: 'EHOSTUNREACH' }));
    return failure({ 'auth-type': 'managed-identity' }, { RUNNER_ENVIRONMENT: 'self-hosted' }, fakeMachine());
  },

  'error-imds-no-identity': async () => {
    nock(IMDS)
      .get('/metadata/identity/oauth2/token')
      .query(true)
      .reply(400, { error: 'invalid_request', error_description: 'Identity not found' });
    return failure({ 'auth-type': 'managed-identity' }, { RUNNER_ENVIRONMENT: 'self-hosted' }, fakeMachine());
  },

  'error-imds-user-assigned': async () => {
    nock(IMDS)
      .get('/metadata/identity/oauth2/token')
      .query(true)
      .reply(400, { error: 'invalid_request', error_description: 'Identity not found' });
    return failure({ 'auth-type': 'managed-identity', 'client-id': CLIENT_ID }, { RUNNER_ENVIRONMENT: 'self-hosted' }, fakeMachine());
  },

  'error-imds-updating': async () => {
    nock(IMDS).get('/metadata/identity/oauth2/token').query(true).times(10).reply(410, { error: 'IMDS is being updated.' });
    return failure({ 'auth-type': 'managed-identity' }, { RUNNER_ENVIRONMENT: 'self-hosted' }, fakeMachine());
  },

  'error-app-service-several': async () => {
    nock('http://localhost:42356').get('/msi/token').query(true).reply(400, {
      statusCode: 400,
      message: 'Unable to load the proper Managed Identity.',
      correlationId: '7f8e9d0c-1b2a-4c3d-9e8f-0a1b2c3d4e5f'
    });
    return failure(
      { 'auth-type': 'managed-identity' },
      { IDENTITY_ENDPOINT: 'http://localhost:42356/msi/token', IDENTITY_HEADER: 'platform-header' }
    );
  },

  'error-app-service-none': async () => {
    nock('http://localhost:42356')
      .get('/msi/token')
      .query(true)
      .reply(400, { statusCode: 400, message: 'No managed identity is assigned to this app.' });
    return failure(
      { 'auth-type': 'managed-identity' },
      { IDENTITY_ENDPOINT: 'http://localhost:42356/msi/token', IDENTITY_HEADER: 'platform-header' }
    );
  },

  'errors-managed-identity-setup': async () =>
    failures(
      () => failure({ 'auth-type': 'managed-identity' }, { IDENTITY_ENDPOINT: 'http://localhost:42356/msi/token' }),
      () => failure({ 'auth-type': 'managed-identity', 'client-id': CLIENT_ID }, ARC_ENV, fakeMachine()),
      () => {
        nock('http://127.0.0.1:40342')
          .get('/metadata/identity/oauth2/token')
          .query(true)
          .reply(401, '', { 'WWW-Authenticate': 'Basic realm=/etc/shadow' });
        return failure({ 'auth-type': 'managed-identity' }, ARC_ENV, fakeMachine());
      },
      () => {
        nock('http://127.0.0.1:40342')
          .get('/metadata/identity/oauth2/token')
          .query(true)
          .reply(401, '', { 'WWW-Authenticate': 'Basic realm=/var/opt/azcmagent/tokens/0f1e2d3c.key' });
        const machine = fakeMachine();
        machine.readRegularFile = async () => {
          throw new Error("EACCES: permission denied, open '/var/opt/azcmagent/tokens/0f1e2d3c.key'");
        };
        return failure({ 'auth-type': 'managed-identity' }, ARC_ENV, machine);
      }
    ),

  'errors-workload-identity': async () => {
    const tokenFile = '/var/run/secrets/azure/tokens/azure-identity-token';
    return failures(
      () => failure({ 'auth-type': 'workload-identity' }),
      () =>
        failure({ 'auth-type': 'workload-identity' }, { AZURE_FEDERATED_TOKEN_FILE: tokenFile, AZURE_TENANT_ID: TENANT_ID }, fakeMachine()),
      () =>
        failure(
          { 'auth-type': 'workload-identity' },
          { AZURE_FEDERATED_TOKEN_FILE: tokenFile, AZURE_CLIENT_ID: CLIENT_ID, AZURE_TENANT_ID: TENANT_ID },
          fakeMachine()
        ),
      () =>
        failure(
          { 'auth-type': 'workload-identity' },
          { AZURE_FEDERATED_TOKEN_FILE: tokenFile, AZURE_CLIENT_ID: CLIENT_ID, AZURE_TENANT_ID: TENANT_ID },
          fakeMachine({ files: { [tokenFile]: '\n' } })
        )
    );
  },

  'error-workload-identity-subject': async () => {
    const tokenFile = '/var/run/secrets/azure/tokens/azure-identity-token';
    const serviceAccountToken = fakeJwt({
      iss: 'https://westeurope.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d/',
      sub: 'system:serviceaccount:arc-runners:default',
      aud: [AUDIENCE]
    });
    entraRefuses(
      700213,
      "No matching federated identity record found for presented assertion subject 'system:serviceaccount:arc-runners:default'."
    );
    return failure(
      { 'auth-type': 'workload-identity' },
      { AZURE_FEDERATED_TOKEN_FILE: tokenFile, AZURE_CLIENT_ID: CLIENT_ID, AZURE_TENANT_ID: TENANT_ID },
      fakeMachine({ files: { [tokenFile]: serviceAccountToken } })
    );
  },

  'errors-azure-cli': async () =>
    failures(
      () => failure({ 'auth-type': 'azure-cli' }, {}, fakeMachine()),
      () => failure({ 'auth-type': 'azure-cli' }, {}, machineWithAz({ exitCode: 1, stderr: AZ_NOT_SIGNED_IN })),
      () =>
        failure(
          { 'auth-type': 'azure-cli', 'tenant-id': TENANT_ID },
          {},
          machineWithAz({ exitCode: 1, stderr: "ERROR: Tenant shouldn't be specified for managed identity account" })
        ),
      () =>
        failure(
          { 'auth-type': 'azure-cli', resource: 'graph' },
          {},
          machineWithAz({
            exitCode: 1,
            stderr: 'ERROR: AADSTS70043: The refresh token has expired or is invalid due to sign-in frequency checks by conditional access.'
          })
        ),
      () => failure({ 'auth-type': 'azure-cli' }, {}, machineWithAz({ exitCode: 0, stdout: 'WARNING: not JSON' }))
    ),

  /** Two secrets that could not be loaded: one error, one line each, nothing exported. */
  'error-keyvault': async () => {
    entraTokens();
    nock(VAULT)
      .get('/secrets/db-pasword')
      .query(true)
      .reply(
        404,
        vaultError(
          'SecretNotFound',
          'A secret with (name/id) db-pasword was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command.'
        )
      )
      .get('/secrets/api-key')
      .query(true)
      .reply(403, FORBIDDEN_BY_RBAC);
    return failure({ ...SECRET_INPUTS, secrets: 'my-vault/db-pasword | PGPASSWORD\nmy-vault/api-key' });
  },

  'error-keyvault-firewall': async () => {
    entraTokens();
    nock(VAULT)
      .get('/secrets/db-password')
      .query(true)
      .reply(
        403,
        vaultError(
          'Forbidden',
          'Client address is not authorized and caller is not a trusted service.\r\nClient address: 20.1.2.3\r\nCaller: appid=...',
          'ForbiddenByFirewall'
        )
      );
    return failure({ ...SECRET_INPUTS, secrets: 'my-vault/db-password' });
  },

  'error-keyvault-access-policy': async () => {
    entraTokens();
    nock(VAULT)
      .get('/secrets/db-password')
      .query(true)
      .reply(
        403,
        vaultError(
          'Forbidden',
          `The user, group or application 'appid=${CLIENT_ID};oid=${OBJECT_ID}' does not have secrets get permission on key vault 'my-vault;location=westeurope'.`,
          'AccessDenied'
        )
      );
    return failure({ ...SECRET_INPUTS, secrets: 'my-vault/db-password' });
  },

  'error-keyvault-disabled': async () => {
    entraTokens();
    nock(VAULT)
      .get('/secrets/db-password')
      .query(true)
      .reply(403, vaultError('Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled'));
    return failure({ ...SECRET_INPUTS, secrets: 'my-vault/db-password' });
  },

  'error-keyvault-unauthorized': async () => {
    entraTokens();
    nock(VAULT).get('/secrets/db-password').query(true).reply(401, vaultError('Unauthorized', 'AKV10032: Invalid issuer.'));
    return failure({ ...SECRET_INPUTS, secrets: 'my-vault/db-password' });
  },

  'error-keyvault-throttled': async () => {
    entraTokens();
    nock(VAULT)
      .get('/secrets/db-password')
      .query(true)
      .times(4)
      .reply(503, vaultError('ServiceUnavailable', 'The service is temporarily unavailable.'));
    return failure({ ...SECRET_INPUTS, secrets: 'my-vault/db-password' });
  },

  'error-keyvault-collision': async () => {
    entraTokens();
    // A vault of its own: the listed secret's fetch, left running when the step fails, must not take another sample's answer.
    const team = 'https://team-vault.vault.azure.net';
    nock(team)
      .get('/secrets')
      .query(true)
      .reply(200, { value: [{ id: `${team}/secrets/db-password`, attributes: { enabled: true } }], nextLink: null })
      .get('/secrets/db-password')
      .query(true)
      .reply(200, secretValue('db-password', 'x'));
    nock(VAULT).get('/secrets/db-password').query(true).reply(200, secretValue('db-password', 'y'));
    return failure({ ...SECRET_INPUTS, secrets: 'team-vault/*\nmy-vault/db-password' });
  },

  /** `VAULT/*`: what it skips, and a name it will not export. */
  'log-keyvault-listing': async () => {
    entraTokens();
    nock(VAULT)
      .get('/secrets')
      .query(true)
      .reply(200, {
        value: [
          { id: `${VAULT}/secrets/db-password`, attributes: { enabled: true } },
          { id: `${VAULT}/secrets/old-token`, attributes: { enabled: false } },
          { id: `${VAULT}/secrets/web-tls`, attributes: { enabled: true }, managed: true, contentType: 'application/x-pkcs12' },
          { id: `${VAULT}/secrets/node-options`, attributes: { enabled: true } }
        ],
        nextLink: null
      })
      .get('/secrets/db-password')
      .query(true)
      .reply(200, secretValue('db-password', 'x'))
      .get('/secrets/node-options')
      .query(true)
      .reply(200, secretValue('node-options', 'y'));
    return logOf(await step({ ...SECRET_INPUTS, secrets: 'my-vault/*' }));
  },

  'log-keyvault-ignore-missing': async () => {
    entraTokens();
    nock(VAULT)
      .get('/secrets/db-password')
      .query(true)
      .reply(200, secretValue('db-password', 'x', { exp: Date.UTC(2026, 9, 1) / 1000 }))
      .get('/secrets/feature-flag')
      .query(true)
      .reply(404, vaultError('SecretNotFound', 'A secret with (name/id) feature-flag was not found in this key vault.'));
    return logOf(
      await step({ ...SECRET_INPUTS, secrets: 'my-vault/db-password, my-vault/feature-flag', 'ignore-missing-secrets': 'true' })
    );
  },

  'error-network': async () => {
    nock(LOGIN)
      .post(TOKEN_PATH)
      .times(4)
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED 20.190.160.1:443'), { code: 'ECONNREFUSED' }));
    return failure(SECRET_INPUTS);
  },

  'error-token-file-exists': async () => {
    entraTokens();
    const machine = fakeMachine({ files: { [`${WORKSPACE}/arm.token`]: 'old' } });
    return failure({ ...SECRET_INPUTS, 'token-file': 'arm.token' }, {}, machine);
  },

  /** The job summary of a step that signed in with OIDC and loaded two secrets. */
  'summary-success': async () => {
    githubToken(SUBJECT_BY_NAME);
    entraTokens();
    nock(VAULT)
      .get('/secrets/db-password')
      .query(true)
      .reply(200, secretValue('db-password', 'x'))
      .get('/secrets/api-key')
      .query(true)
      .reply(200, secretValue('api-key', 'y'));
    const runner = await step(
      { ...OIDC_INPUTS, secrets: 'my-vault/db-password | PGPASSWORD\nmy-vault/api-key', 'job-summary': 'true' },
      OIDC_ENV
    );
    return (runner.summaries[0] ?? '').trimEnd();
  },

  'summary-failure': async () => {
    entraRefuses(7000215, 'Invalid client secret provided.', 401, 'invalid_client');
    const runner = await step({ ...SECRET_INPUTS, 'job-summary': 'true' });
    return (runner.summaries[0] ?? '').trimEnd();
  }
};

const ARC_ENV = { IDENTITY_ENDPOINT: 'http://localhost:40342/metadata/identity/oauth2/token', IMDS_ENDPOINT: 'http://localhost:40342' };

/** A test certificate of the fake Azure (test/fake-azure/tls). */
function tls(name: string): string {
  return fs.readFileSync(path.join('test', 'fake-azure', 'tls', name), 'utf8');
}

/** A table cell: `|` escaped, and `<` so that `<client-id>` does not render as an HTML tag. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '\\<');
}
