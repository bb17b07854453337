import { describe, expect, it } from '@jest/globals';
import type { Config } from '../../../../src/core/config.js';
import { createCredential } from '../../../../src/core/credentials/index.js';
import {
  azureCliSettings,
  certificateSettings,
  managedIdentitySettings,
  oidcSettings,
  secretSettings,
  workloadIdentitySettings
} from '../../../../src/core/credentials/settings.js';
import { ActionError, describeError, InputError } from '../../../../src/core/errors.js';
import { configFrom, credentialDeps, failureOf, fakeMachine } from '../../credential-support.js';
import { CLIENT_ID, TENANT_ID } from '../../support.js';

const OIDC_ENV = {
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://pipelines.actions.githubusercontent.com/abc/idtoken?api-version=2.0',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token'
};
const AKS_ENV = {
  AZURE_FEDERATED_TOKEN_FILE: '/var/run/secrets/azure/tokens/azure-identity-token',
  AZURE_CLIENT_ID: CLIENT_ID,
  AZURE_TENANT_ID: TENANT_ID
};
const IDS = { 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID };
const PEM = 'certs/app.pem';

const WEBHOOK_HINT =
  'Label the pod azure.workload.identity/use: "true" and run it under a service account annotated with azure.workload.identity/client-id, ' +
  'so the webhook sets AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID and AZURE_TENANT_ID.';
const PERMISSIONS_HINT =
  'Give the job `permissions: id-token: write` (and the calling workflow too, for a reusable workflow). ' +
  'Workflows triggered from forks and by Dependabot get no OIDC token: use another credential there.';

type Kind = 'secret' | 'certificate' | 'oidc' | 'workload-identity';
const SETTINGS: Readonly<Record<Kind, (config: Config) => unknown>> = {
  secret: secretSettings,
  certificate: certificateSettings,
  oidc: oidcSettings,
  'workload-identity': workloadIdentitySettings
};

/** The error `run` throws; fails the test when it does not throw. */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

/**
 * Each kind with everything it needs but one input (or variable): the input the error names
 * (undefined when it names none) and the text the user reads.
 */
const MISSING: readonly (readonly [
  kind: Kind,
  missing: string,
  inputs: Record<string, string>,
  env: Record<string, string>,
  input: string | undefined,
  text: string
])[] = [
  [
    'secret',
    'client-secret',
    IDS,
    {},
    'client-secret',
    "Input 'client-secret' is needed for auth-type 'secret' (or give 'creds' with clientSecret)."
  ],
  [
    'secret',
    'client-id',
    { 'tenant-id': TENANT_ID, 'client-secret': 'shh' },
    {},
    'client-id',
    "Input 'client-id' is needed for auth-type 'secret' (the app registration's Application (client) ID)."
  ],
  [
    'secret',
    'tenant-id',
    { 'client-id': CLIENT_ID, 'client-secret': 'shh' },
    {},
    'tenant-id',
    "Input 'tenant-id' is needed for auth-type 'secret' (the Directory (tenant) ID)."
  ],
  [
    'secret',
    "the tenant in 'creds'",
    { creds: JSON.stringify({ clientId: CLIENT_ID, clientSecret: 'shh' }) },
    {},
    'tenant-id',
    "Input 'tenant-id' is needed for auth-type 'secret' (the Directory (tenant) ID)."
  ],
  ['certificate', 'client-certificate', IDS, {}, 'client-certificate', "Input 'client-certificate' is needed for auth-type 'certificate'."],
  [
    'certificate',
    'client-id',
    { 'tenant-id': TENANT_ID, 'client-certificate': PEM },
    {},
    'client-id',
    "Input 'client-id' is needed for auth-type 'certificate' (the app registration's Application (client) ID)."
  ],
  [
    'certificate',
    'tenant-id',
    { 'client-id': CLIENT_ID, 'client-certificate': PEM },
    {},
    'tenant-id',
    "Input 'tenant-id' is needed for auth-type 'certificate' (the Directory (tenant) ID)."
  ],
  [
    'oidc',
    'client-id',
    { 'tenant-id': TENANT_ID },
    OIDC_ENV,
    'client-id',
    "Input 'client-id' is needed for auth-type 'oidc' (the app registration's Application (client) ID)."
  ],
  [
    'oidc',
    'tenant-id',
    { 'client-id': CLIENT_ID },
    OIDC_ENV,
    'tenant-id',
    "Input 'tenant-id' is needed for auth-type 'oidc' (the Directory (tenant) ID)."
  ],
  [
    'oidc',
    'ACTIONS_ID_TOKEN_REQUEST_URL',
    IDS,
    { ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token' },
    undefined,
    `GitHub offers this job no OIDC token: ACTIONS_ID_TOKEN_REQUEST_URL is not set.\n${PERMISSIONS_HINT}`
  ],
  [
    'oidc',
    'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
    IDS,
    { ACTIONS_ID_TOKEN_REQUEST_URL: OIDC_ENV.ACTIONS_ID_TOKEN_REQUEST_URL },
    undefined,
    `GitHub offers this job no OIDC token: ACTIONS_ID_TOKEN_REQUEST_URL is not set.\n${PERMISSIONS_HINT}`
  ],
  [
    'workload-identity',
    'AZURE_FEDERATED_TOKEN_FILE',
    {},
    { AZURE_CLIENT_ID: CLIENT_ID, AZURE_TENANT_ID: TENANT_ID },
    undefined,
    `auth-type 'workload-identity' needs AZURE_FEDERATED_TOKEN_FILE, and it is not set.\n${WEBHOOK_HINT}`
  ],
  [
    'workload-identity',
    'AZURE_FEDERATED_TOKEN_FILE, though client-id and tenant-id are given',
    IDS,
    { AZURE_CLIENT_ID: CLIENT_ID, AZURE_TENANT_ID: TENANT_ID },
    undefined,
    `auth-type 'workload-identity' needs AZURE_FEDERATED_TOKEN_FILE, and it is not set.\n${WEBHOOK_HINT}`
  ],
  [
    'workload-identity',
    'AZURE_CLIENT_ID (and client-id)',
    {},
    { AZURE_FEDERATED_TOKEN_FILE: AKS_ENV.AZURE_FEDERATED_TOKEN_FILE, AZURE_TENANT_ID: TENANT_ID },
    'client-id',
    `Input 'client-id' is needed for auth-type 'workload-identity' when AZURE_CLIENT_ID is not set.\n${WEBHOOK_HINT}`
  ],
  [
    'workload-identity',
    'AZURE_TENANT_ID (and tenant-id)',
    {},
    { AZURE_FEDERATED_TOKEN_FILE: AKS_ENV.AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID: CLIENT_ID },
    'tenant-id',
    `Input 'tenant-id' is needed for auth-type 'workload-identity' when AZURE_TENANT_ID is not set.\n${WEBHOOK_HINT}`
  ]
];

describe('every "is needed for" failure, kind by kind', () => {
  it.each(MISSING)('%s without %s', (kind, _, inputs, env, input, text) => {
    const error = thrown(() => SETTINGS[kind](configFrom(inputs, env)));
    expect(describeError(error)).toBe(text);
    if (input === undefined) {
      expect(error).toBeInstanceOf(ActionError);
      expect(error).not.toBeInstanceOf(InputError);
    } else {
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).input).toBe(input);
    }
  });

  it.each(MISSING)('an explicit auth-type %s without %s fails before anything is asked', async (kind, _, inputs, env, _input, text) => {
    const deps = credentialDeps(fakeMachine());
    expect(await failureOf(createCredential(configFrom({ ...inputs, 'auth-type': kind }, env), deps))).toBe(text);
    expect(deps.http.sleeps).toEqual([]);
    deps.http.dispose();
  });

  it.each<[string, Record<string, string>, Record<string, string>, string]>([
    ['the certificate before the app', {}, {}, "Input 'client-certificate' is needed for auth-type 'certificate'."],
    [
      'client-id before tenant-id',
      { 'client-certificate': PEM },
      {},
      "Input 'client-id' is needed for auth-type 'certificate' (the app registration's Application (client) ID)."
    ]
  ])('certificate reports %s', (_, inputs, env, text) => {
    expect(describeError(thrown(() => certificateSettings(configFrom(inputs, env))))).toBe(text);
  });

  it.each<[string, () => unknown, string]>([
    [
      'secret: the secret first',
      () => secretSettings(configFrom({})),
      "Input 'client-secret' is needed for auth-type 'secret' (or give 'creds' with clientSecret)."
    ],
    [
      'oidc: the inputs before the token',
      () => oidcSettings(configFrom({})),
      "Input 'client-id' is needed for auth-type 'oidc' (the app registration's Application (client) ID)."
    ],
    [
      'workload-identity: the file first',
      () => workloadIdentitySettings(configFrom({})),
      `auth-type 'workload-identity' needs AZURE_FEDERATED_TOKEN_FILE, and it is not set.\n${WEBHOOK_HINT}`
    ]
  ])('with nothing given, %s', (_, run, text) => {
    expect(describeError(thrown(run))).toBe(text);
  });
});

describe('complete settings', () => {
  it('secret: the app and its secret, from the inputs or creds', () => {
    expect(secretSettings(configFrom({ ...IDS, 'client-secret': 'shh' }))).toEqual({
      clientId: CLIENT_ID,
      tenantId: TENANT_ID,
      authorityHost: 'https://login.microsoftonline.com',
      clientSecret: 'shh'
    });
    expect(secretSettings(configFrom({ creds: JSON.stringify({ appId: CLIENT_ID, password: 'pw', tenant: TENANT_ID }) }))).toMatchObject({
      clientId: CLIENT_ID,
      tenantId: TENANT_ID,
      clientSecret: 'pw'
    });
  });

  it('certificate: the PEM or path as given, its password, and the workspace a path resolves against', () => {
    expect(certificateSettings(configFrom({ ...IDS, 'client-certificate': PEM, 'client-certificate-password': 'pw' }))).toEqual({
      clientId: CLIENT_ID,
      tenantId: TENANT_ID,
      authorityHost: 'https://login.microsoftonline.com',
      certificate: PEM,
      password: 'pw',
      workspace: '/work/space'
    });
  });

  it("oidc: GitHub's request URL and token, and the cloud's audience", () => {
    expect(oidcSettings(configFrom({ ...IDS, environment: 'AzureUSGovernment' }, OIDC_ENV))).toEqual({
      clientId: CLIENT_ID,
      tenantId: TENANT_ID,
      authorityHost: 'https://login.microsoftonline.us',
      requestUrl: OIDC_ENV.ACTIONS_ID_TOKEN_REQUEST_URL,
      requestToken: 'request-token',
      audience: 'api://AzureADTokenExchangeUSGov'
    });
  });

  it.each<[string, Record<string, string>, Record<string, string>, { clientId: string; tenantId: string }]>([
    ["the webhook's variables", {}, AKS_ENV, { clientId: CLIENT_ID, tenantId: TENANT_ID }],
    [
      'the inputs, before the variables',
      { 'client-id': '99999999-2222-3333-4444-555555555555', 'tenant-id': 'contoso.onmicrosoft.com' },
      AKS_ENV,
      { clientId: '99999999-2222-3333-4444-555555555555', tenantId: 'contoso.onmicrosoft.com' }
    ]
  ])('workload-identity: client and tenant from %s', (_, inputs, env, ids) => {
    expect(workloadIdentitySettings(configFrom(inputs, env))).toEqual({
      ...ids,
      authorityHost: 'https://login.microsoftonline.com',
      tokenFile: '/var/run/secrets/azure/tokens/azure-identity-token'
    });
  });

  it.each<[string, Record<string, string>, string | undefined]>([
    ['the system-assigned identity without client-id', {}, undefined],
    ['a user-assigned identity with client-id', { 'client-id': CLIENT_ID }, CLIENT_ID]
  ])('managed-identity needs nothing: %s', (_, inputs, clientId) => {
    const config = configFrom(inputs);
    expect(managedIdentitySettings(config)).toEqual({ clientId, context: config.context });
  });

  it.each<[string, Record<string, string>, Record<string, string>, object]>([
    ['without tenant-id', {}, { PATH: '/usr/bin' }, { tenantId: undefined, path: '/usr/bin', pathExt: undefined }],
    [
      'with tenant-id, and PATHEXT',
      { 'tenant-id': TENANT_ID },
      { PATH: 'C:\\tools', PATHEXT: '.EXE;.CMD' },
      { tenantId: TENANT_ID, path: 'C:\\tools', pathExt: '.EXE;.CMD' }
    ],
    ['without PATH', {}, {}, { tenantId: undefined, path: undefined, pathExt: undefined }]
  ])('azure-cli needs nothing: %s', (_, inputs, env, settings) => {
    expect(azureCliSettings(configFrom(inputs, env))).toEqual(settings);
  });
});
