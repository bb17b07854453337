import { describe, expect, it } from '@jest/globals';
import { actionInputs } from '../../../src/action/main.js';
import { type Config, readConfig } from '../../../src/core/config.js';
import { describeError, InputError } from '../../../src/core/errors.js';
import { createMasker } from '../../../src/core/masking.js';
import { CLIENT_ID, inputEnv, TENANT_ID } from '../support.js';

const SECRET = 'S3cr3t~Value_ABC';
const WORKSPACE = '/work/space';

/** readConfig over these inputs (and runner variables), recording every mask. */
function read(inputs: Record<string, string>, env: Record<string, string> = {}): { config: Config; masks: string[] } {
  const masks: string[] = [];
  const all = { GITHUB_ACTIONS: 'true', ...inputEnv(inputs), ...env };
  const config = readConfig(
    { input: actionInputs(all), env: all, workspace: WORKSPACE },
    createMasker(value => masks.push(value))
  );
  return { config, masks };
}

/** What readConfig threw, and what it had masked by then. */
function failure(inputs: Record<string, string>): { error: InputError; masks: string[] } {
  const masks: string[] = [];
  try {
    const all = inputEnv(inputs);
    readConfig(
      { input: actionInputs(all), env: all, workspace: WORKSPACE },
      createMasker(value => masks.push(value))
    );
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { error, masks };
  }
  throw new Error('readConfig accepted the inputs');
}

const credsJson = (fields: Record<string, unknown>): string => JSON.stringify(fields);

describe('bad inputs', () => {
  // Every row carries the secret in client-secret (and in creds where it has one): it must never show.
  it.each<[string, Record<string, string>, string, string]>([
    [
      'an unknown auth-type',
      { 'auth-type': 'password' },
      'auth-type',
      "must be one of auto, oidc, secret, certificate, managed-identity, workload-identity, azure-cli; got 'password'."
    ],
    [
      'a client-id that is not a GUID',
      { 'client-id': 'my-app' },
      'client-id',
      "must hold the application (client) ID, a GUID such as 00000000-0000-0000-0000-000000000000; got 'my-app'."
    ],
    ['a client-id in braces', { 'client-id': `{${CLIENT_ID}}` }, 'client-id', 'must hold the application (client) ID'],
    [
      "tenant-id 'common'",
      { 'tenant-id': 'common' },
      'tenant-id',
      "must be a tenant GUID or domain, not 'common': an app signs in to one tenant."
    ],
    ["tenant-id 'organizations'", { 'tenant-id': 'organizations' }, 'tenant-id', "must be a tenant GUID or domain, not 'organizations'"],
    ["tenant-id 'Consumers'", { 'tenant-id': 'Consumers' }, 'tenant-id', "must be a tenant GUID or domain, not 'Consumers'"],
    [
      'a tenant-id that is not a domain',
      { 'tenant-id': 'not a domain' },
      'tenant-id',
      "must be a tenant GUID or domain (contoso.onmicrosoft.com); got 'not a domain'."
    ],
    [
      'a single-label tenant-id',
      { 'tenant-id': 'contoso' },
      'tenant-id',
      "must be a tenant GUID or domain (contoso.onmicrosoft.com); got 'contoso'."
    ],
    [
      'environment AzureGermanCloud',
      { environment: 'AzureGermanCloud' },
      'environment',
      'names AzureGermanCloud, which Microsoft closed on 2021-10-29.'
    ],
    ['environment Mars', { environment: 'Mars' }, 'environment', "must be AzureCloud, AzureUSGovernment or AzureChinaCloud; got 'Mars'."],
    [
      'an http:// authority-host',
      { 'authority-host': 'http://example.com' },
      'authority-host',
      "must be an https:// URL with no user or query, such as https://login.microsoftonline.com; got 'http://example.com'."
    ],
    ['an ftp:// authority-host', { 'authority-host': 'ftp://x' }, 'authority-host', "got 'ftp://x'."],
    [
      'an authority-host with a query',
      { 'authority-host': 'https://login.microsoftonline.com/?x=1' },
      'authority-host',
      'must be an https:// URL with no user or query'
    ],
    [
      'an authority-host with credentials, not echoed',
      { 'authority-host': 'https://user:pw@login.example.com' },
      'authority-host',
      "must be an https:// URL with no user or query, such as https://login.microsoftonline.com; got 'https://login.example.com'."
    ],
    [
      'an authority-host that is no URL',
      { 'authority-host': 'login.microsoftonline.com' },
      'authority-host',
      "must be an https:// URL such as https://login.microsoftonline.com; got 'login.microsoftonline.com'."
    ],
    ['export-env yes', { 'export-env': 'yes' }, 'export-env', "must be true or false; got 'yes'."],
    ['ignore-missing-secrets 1', { 'ignore-missing-secrets': '1' }, 'ignore-missing-secrets', "must be true or false; got '1'."],
    ['job-summary on', { 'job-summary': 'on' }, 'job-summary', "must be true or false; got 'on'."],
    ['creds that are not JSON', { creds: `{"clientId": "${CLIENT_ID}", "clientSecret": "${SECRET}"` }, 'creds', 'is not valid JSON.'],
    [
      'creds that are a JSON array',
      { creds: JSON.stringify([CLIENT_ID, SECRET]) },
      'creds',
      'must be a JSON object such as {"clientId": "...", "clientSecret": "...", "tenantId": "..."}.'
    ],
    ['creds that are a JSON string', { creds: JSON.stringify(SECRET) }, 'creds', 'must be a JSON object'],
    [
      'creds with a field that is not a string',
      { creds: credsJson({ clientId: 42, clientSecret: SECRET, tenantId: TENANT_ID }) },
      'creds',
      "field 'clientId' must be a string."
    ],
    [
      'creds whose secret is not a string',
      { creds: credsJson({ clientId: CLIENT_ID, clientSecret: [SECRET], tenantId: TENANT_ID }) },
      'creds',
      "field 'clientSecret' must be a string."
    ],
    [
      'creds with a clientId that is not a GUID',
      { creds: credsJson({ clientId: 'my-app', clientSecret: SECRET, tenantId: TENANT_ID }) },
      'creds',
      "must hold the application (client) ID, a GUID such as 00000000-0000-0000-0000-000000000000; got 'my-app'."
    ],
    [
      'creds with tenant common',
      { creds: credsJson({ appId: CLIENT_ID, password: SECRET, tenant: 'common' }) },
      'creds',
      "must be a tenant GUID or domain, not 'common'"
    ],
    [
      'a resource with spaces',
      { resource: 'https://graph.microsoft.com https://vault.azure.net' },
      'resource',
      'a token is for one resource, so give one.'
    ],
    [
      'two scopes',
      { resource: 'https://graph.microsoft.com/.default,https://vault.azure.net/.default' },
      'resource',
      'a token is for one resource, so give one.'
    ],
    [
      'a resource with a query',
      { resource: 'https://x?y' },
      'resource',
      "must be a resource URI (https://vault.azure.net), a scope ending in /.default, an application ID, or one of arm, graph, keyvault, storage, devops; got 'https://x?y'."
    ],
    ['a resource that is no URI', { resource: 'vault' }, 'resource', "got 'vault'."],
    ['a resource with a fragment', { resource: 'https://vault.azure.net#x' }, 'resource', "got 'https://vault.azure.net#x'."],
    [
      'a certificate password without a certificate',
      { 'client-certificate-password': 'pem-pass-phrase' },
      'client-certificate-password',
      "is set, but 'client-certificate' is empty."
    ],
    ['a token-file with NUL', { 'token-file': 'token\0.txt' }, 'token-file', 'must be a file path, with no control characters.'],
    ['a token-file with a line break', { 'token-file': 'token\n.txt' }, 'token-file', 'must be a file path, with no control characters.'],
    [
      'a resource with a user and password, not echoed',
      { resource: 'https://user:hunter2@vault.azure.net' },
      'resource',
      'it must hold no user or password (user:password@).'
    ],
    [
      'an audience with a space',
      { audience: 'api://Azure ADTokenExchange' },
      'audience',
      "must be the audience of a federated credential, such as api://AzureADTokenExchange; got 'api://Azure ADTokenExchange'."
    ],
    ['an audience with a line break', { audience: 'api://x\n::add-mask::y' }, 'audience', "got 'api://x\\n::add-mask::y'."],
    [
      'an audience over 600 characters',
      { audience: `api://${'a'.repeat(600)}` },
      'audience',
      'must be the audience of a federated credential'
    ],
    ['sign-in-later-steps maybe', { 'sign-in-later-steps': 'maybe' }, 'sign-in-later-steps', "must be true or false; got 'maybe'."],
    ['an auth-type with a line break, echoed escaped', { 'auth-type': 'x\r::add-mask::y' }, 'auth-type', "got 'x\\r::add-mask::y'."]
  ])('rejects %s, naming the input and never the secret', (_, inputs, name, expectation) => {
    const { error, masks } = failure({ 'client-secret': SECRET, ...inputs });
    expect(error.message.startsWith(`Input '${name}' `)).toBe(true);
    expect(error.message).toContain(expectation);
    expect(describeError(error)).not.toContain(SECRET);
    expect(describeError(error)).not.toContain('S3cr3t');
    // The secret was handed to the masker before the error was raised.
    expect(masks).toContain(SECRET);
  });

  it('never echoes the password of a resource URI', () => {
    const { error } = failure({ resource: 'https://user:hunter2@vault.azure.net' });
    expect(describeError(error)).not.toContain('hunter2');
  });

  it('names AZURE_AUTHORITY_HOST as the environment variable it is', () => {
    expect(() => read({ 'client-secret': SECRET }, { AZURE_AUTHORITY_HOST: 'http://example.com' })).toThrow(
      "Environment variable AZURE_AUTHORITY_HOST must be an https:// URL with no user or query, such as https://login.microsoftonline.com; got 'http://example.com'."
    );
  });

  it('masks and never echoes creds that are not JSON', () => {
    const creds = `{"clientId": "${CLIENT_ID}", "clientSecret": "${SECRET}",`;
    const { error, masks } = failure({ creds });
    expect(describeError(error)).not.toContain(SECRET);
    expect(describeError(error)).not.toContain(CLIENT_ID);
    expect(masks).toContain(creds);
  });

  it.each([
    ['azure/login', { clientId: CLIENT_ID, clientSecret: SECRET, tenantId: 'common' }],
    ['az ad sp create-for-rbac', { appId: CLIENT_ID, password: SECRET, tenant: 'common' }]
  ])('masks the %s creds secret before a later input fails', (_, fields) => {
    const { error, masks } = failure({ creds: JSON.stringify(fields) });
    expect(error.message).toContain("Input 'creds' must be a tenant GUID or domain, not 'common'");
    expect(masks).toContain(SECRET);
  });

  it('masks the creds secret even when another input fails first in the list', () => {
    const { masks } = failure({
      creds: credsJson({ clientId: CLIENT_ID, clientSecret: SECRET, tenantId: TENANT_ID }),
      environment: 'Mars'
    });
    expect(masks).toContain(SECRET);
  });
});

describe('credentials', () => {
  it.each([
    ['azure/login', { clientId: CLIENT_ID, clientSecret: SECRET, tenantId: TENANT_ID, subscriptionId: 'ignored' }],
    ['az ad sp create-for-rbac', { appId: CLIENT_ID, password: SECRET, tenant: TENANT_ID, displayName: 'my-app' }]
  ])('reads the %s creds shape and masks its secret', (_, fields) => {
    const { config, masks } = read({ creds: JSON.stringify(fields) });
    expect(config).toMatchObject({ clientId: CLIENT_ID, clientSecret: SECRET, tenantId: TENANT_ID });
    expect(masks).toContain(SECRET);
  });

  it('lets explicit inputs win over creds', () => {
    const other = '99999999-8888-7777-6666-555555555555';
    const { config } = read({
      creds: credsJson({ clientId: other, clientSecret: 'creds-secret', tenantId: 'contoso.onmicrosoft.com' }),
      'client-id': CLIENT_ID,
      'tenant-id': TENANT_ID,
      'client-secret': SECRET
    });
    expect(config).toMatchObject({ clientId: CLIENT_ID, clientSecret: SECRET, tenantId: TENANT_ID });
  });

  it('takes what creds has that the inputs lack', () => {
    const { config } = read({
      creds: credsJson({ clientId: CLIENT_ID, clientSecret: SECRET, tenantId: TENANT_ID }),
      'tenant-id': 'contoso.onmicrosoft.com'
    });
    expect(config).toMatchObject({ clientId: CLIENT_ID, clientSecret: SECRET, tenantId: 'contoso.onmicrosoft.com' });
  });

  it.each([
    ['client-secret', { 'client-secret': SECRET }],
    ['client-certificate-password', { 'client-certificate': '/certs/app.pem', 'client-certificate-password': SECRET }],
    ['a multi-line client-certificate', { 'client-certificate': `-----BEGIN PRIVATE KEY-----\n${SECRET}\n-----END PRIVATE KEY-----` }]
  ])('masks %s', (_, inputs) => {
    const { masks } = read(inputs);
    expect(masks).toContain(SECRET);
  });

  it('masks the runner secrets it reads', () => {
    const { masks } = read({}, { ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token-value', IDENTITY_HEADER: 'identity-header-value' });
    expect(masks).toEqual(expect.arrayContaining(['request-token-value', 'identity-header-value']));
  });

  it.each([
    ['OIDC', 'oidc'],
    ['Secret', 'secret'],
    ['Managed-Identity', 'managed-identity'],
    ['AUTO', 'auto'],
    ['', 'auto']
  ])('reads auth-type %j as %s', (value, authType) => {
    expect(read({ 'auth-type': value }).config.authType).toBe(authType);
  });

  it('accepts a tenant domain and a tenant GUID', () => {
    expect(read({ 'tenant-id': 'contoso.onmicrosoft.com' }).config.tenantId).toBe('contoso.onmicrosoft.com');
    expect(read({ 'tenant-id': TENANT_ID.toUpperCase() }).config.tenantId).toBe(TENANT_ID.toUpperCase());
  });
});

describe('clouds', () => {
  it.each([
    ['', 'AzureCloud', 'https://login.microsoftonline.com', 'api://AzureADTokenExchange', 'https://management.azure.com/.default'],
    [
      'azurecloud',
      'AzureCloud',
      'https://login.microsoftonline.com',
      'api://AzureADTokenExchange',
      'https://management.azure.com/.default'
    ],
    [
      'AzureUSGovernment',
      'AzureUSGovernment',
      'https://login.microsoftonline.us',
      'api://AzureADTokenExchangeUSGov',
      'https://management.usgovcloudapi.net/.default'
    ],
    [
      'AZUREUSGOVERNMENT',
      'AzureUSGovernment',
      'https://login.microsoftonline.us',
      'api://AzureADTokenExchangeUSGov',
      'https://management.usgovcloudapi.net/.default'
    ],
    [
      'AzureChinaCloud',
      'AzureChinaCloud',
      'https://login.chinacloudapi.cn',
      'api://AzureADTokenExchangeChina',
      'https://management.chinacloudapi.cn/.default'
    ]
  ])('environment %j: %s defaults', (environment, name, authorityHost, oidcAudience, scope) => {
    const { config } = read({ environment });
    expect(config.cloud.name).toBe(name);
    expect(config).toMatchObject({ authorityHost, oidcAudience, scope });
  });

  it('takes the audience input over the cloud default', () => {
    expect(read({ audience: 'api://MyExchange' }).config.oidcAudience).toBe('api://MyExchange');
  });

  it.each<[string, Record<string, string>, Record<string, string>, string]>([
    [
      'AZURE_AUTHORITY_HOST when the input is empty',
      {},
      { AZURE_AUTHORITY_HOST: 'https://login.contoso.example/' },
      'https://login.contoso.example'
    ],
    [
      'the input over AZURE_AUTHORITY_HOST',
      { 'authority-host': 'https://login.input.example' },
      { AZURE_AUTHORITY_HOST: 'https://login.env.example' },
      'https://login.input.example'
    ],
    [
      'a path kept (Azure Stack Hub AD FS)',
      { 'authority-host': 'https://adfs.local.azurestack.external/adfs/' },
      {},
      'https://adfs.local.azurestack.external/adfs'
    ],
    ['http:// to 127.0.0.1', { 'authority-host': 'http://127.0.0.1:8080' }, {}, 'http://127.0.0.1:8080'],
    ['http:// to localhost', { 'authority-host': 'http://localhost:8080/' }, {}, 'http://localhost:8080'],
    ['http:// to [::1]', { 'authority-host': 'http://[::1]:8080' }, {}, 'http://[::1]:8080']
  ])('authority host: %s', (_, inputs, env, authorityHost) => {
    expect(read(inputs, env).config.authorityHost).toBe(authorityHost);
  });
});

describe('resource', () => {
  it.each([
    ['https://vault.azure.net', 'https://vault.azure.net', 'https://vault.azure.net/.default'],
    ['https://vault.azure.net/', 'https://vault.azure.net', 'https://vault.azure.net/.default'],
    ['https://graph.microsoft.com/.default', 'https://graph.microsoft.com', 'https://graph.microsoft.com/.default'],
    [
      'https://management.core.windows.net//.default',
      'https://management.core.windows.net/',
      'https://management.core.windows.net//.default'
    ],
    [CLIENT_ID, CLIENT_ID, `${CLIENT_ID}/.default`],
    [`${CLIENT_ID}/.default`, CLIENT_ID, `${CLIENT_ID}/.default`],
    ['api://my-api', 'api://my-api', 'api://my-api/.default'],
    ['api://contoso.com/my-api/', 'api://contoso.com/my-api', 'api://contoso.com/my-api/.default'],
    ['  https://vault.azure.net  ', 'https://vault.azure.net', 'https://vault.azure.net/.default']
  ])('%j is resource %s, scope %s', (resource, expectedResource, scope) => {
    expect(read({ resource }).config).toMatchObject({ resource: expectedResource, scope });
  });

  it.each([
    ['AzureCloud', 'arm', 'https://management.azure.com'],
    ['AzureCloud', 'graph', 'https://graph.microsoft.com'],
    ['AzureCloud', 'keyvault', 'https://vault.azure.net'],
    ['AzureCloud', 'storage', 'https://storage.azure.com'],
    ['AzureCloud', 'devops', '499b84ac-1321-427f-aa17-267ca6975798'],
    ['AzureCloud', 'Graph', 'https://graph.microsoft.com'],
    ['AzureUSGovernment', 'arm', 'https://management.usgovcloudapi.net'],
    ['AzureUSGovernment', 'graph', 'https://graph.microsoft.us'],
    ['AzureUSGovernment', 'keyvault', 'https://vault.usgovcloudapi.net'],
    ['AzureUSGovernment', 'storage', 'https://storage.azure.com'],
    ['AzureChinaCloud', 'arm', 'https://management.chinacloudapi.cn'],
    ['AzureChinaCloud', 'graph', 'https://microsoftgraph.chinacloudapi.cn'],
    ['AzureChinaCloud', 'keyvault', 'https://vault.azure.cn'],
    ['AzureChinaCloud', 'devops', '499b84ac-1321-427f-aa17-267ca6975798']
  ])('in %s, %s is %s', (environment, resource, expected) => {
    expect(read({ environment, resource }).config).toMatchObject({ resource: expected, scope: `${expected}/.default` });
  });
});

describe('switches and files', () => {
  it('defaults: export-env true, ignore-missing-secrets false, job-summary false, sign-in-later-steps false, no token file', () => {
    expect(read({}).config).toMatchObject({
      exportEnv: true,
      ignoreMissingSecrets: false,
      jobSummary: false,
      signInLaterSteps: false,
      tokenFile: undefined
    });
  });

  it('reads sign-in-later-steps', () => {
    expect(read({ 'sign-in-later-steps': 'True' }).config.signInLaterSteps).toBe(true);
  });

  it('reads booleans case-insensitively, trimmed', () => {
    const { config } = read({ 'export-env': ' FALSE ', 'ignore-missing-secrets': 'True', 'job-summary': 'TRUE\n' });
    expect(config).toMatchObject({ exportEnv: false, ignoreMissingSecrets: true, jobSummary: true });
  });

  it.each([
    ['token.txt', `${WORKSPACE}/token.txt`],
    ['out/../tokens/arm.txt', `${WORKSPACE}/tokens/arm.txt`],
    ['/tmp/token.txt', '/tmp/token.txt']
  ])('resolves token-file %s against GITHUB_WORKSPACE: %s', (tokenFile, expected) => {
    expect(read({ 'token-file': tokenFile }).config.tokenFile).toBe(expected);
  });

  it('trims whitespace around every input', () => {
    const { config } = read({
      'auth-type': '  secret\n',
      'client-id': `\t${CLIENT_ID} `,
      'tenant-id': ` ${TENANT_ID}\n`,
      'client-secret': `  ${SECRET}  `,
      environment: ' AzureChinaCloud '
    });
    expect(config).toMatchObject({ authType: 'secret', clientId: CLIENT_ID, tenantId: TENANT_ID, clientSecret: SECRET });
    expect(config.cloud.name).toBe('AzureChinaCloud');
  });

  it.each<[string, Record<string, string>, boolean, boolean]>([
    ['in a workflow on a GitHub-hosted runner: IMDS is not probed', { RUNNER_ENVIRONMENT: 'github-hosted' }, true, false],
    ['in a workflow on a self-hosted runner: IMDS is probed', { RUNNER_ENVIRONMENT: 'self-hosted' }, true, true],
    ['outside a workflow (the command line): IMDS is probed', { GITHUB_ACTIONS: '' }, false, true]
  ])('context %s', (_, env, inWorkflow, probeImds) => {
    expect(read({}, env).config.context).toMatchObject({ inWorkflow, probeImds });
  });

  it('is frozen', () => {
    expect(Object.isFrozen(read({}).config)).toBe(true);
  });
});
