/**
 * Where each input comes from: a flag, then the credentials file (--creds @FILE or
 * ENTRA_SERVICE_PRINCIPAL), then the AZURE_* variables; read by the core's readConfig, so each
 * row checks the Config a user's setup ends in.
 */
import { describe, expect, it } from '@jest/globals';
import { parseFlags, UsageError } from '../../../src/cli/flags.js';
import { type CliInputs, readInputs } from '../../../src/cli/inputs.js';
import { type Config, readConfig } from '../../../src/core/config.js';
import { fakeMachine, type FakeMachine } from '../credential-support.js';
import { recordingLog, recordingMasker } from '../support.js';

const FLAG_APP = '11111111-1111-1111-1111-111111111111';
const FILE_APP = '22222222-2222-2222-2222-222222222222';
const ENV_APP = '33333333-3333-3333-3333-333333333333';
const FLAG_TENANT = 'flag.onmicrosoft.com';
const FILE_TENANT = 'file.onmicrosoft.com';
const ENV_TENANT = 'env.onmicrosoft.com';
const FILE_PASSWORD = 'file~password-value';
const ENV_SECRET = 'env~secret-value';

const SP_FILE = '/secrets/sp/sp.json';
const SP_JSON = JSON.stringify({ appId: FILE_APP, password: FILE_PASSWORD, tenant: FILE_TENANT, displayName: 'init' });
const CWD = '/work/here';

interface Setup {
  readonly argv?: string[];
  readonly env?: Record<string, string>;
  readonly files?: Record<string, string>;
}

async function inputsOf(
  setup: Setup,
  machine: FakeMachine = fakeMachine({ files: setup.files ?? {} })
): Promise<{ inputs: CliInputs; masks: string[] }> {
  const masker = recordingMasker();
  const inputs = await readInputs(parseFlags(setup.argv ?? []), { env: setup.env ?? {}, cwd: CWD, machine, masker, log: recordingLog() });
  return { inputs, masks: masker.masks };
}

async function configOf(setup: Setup): Promise<Config> {
  const { inputs } = await inputsOf(setup);
  return readConfig(inputs.source, recordingMasker());
}

async function refusal(setup: Setup, machine?: FakeMachine): Promise<string> {
  try {
    await inputsOf(setup, machine);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

const ALL_ENV = {
  AZURE_CLIENT_ID: ENV_APP,
  AZURE_TENANT_ID: ENV_TENANT,
  AZURE_CLIENT_SECRET: ENV_SECRET,
  AZURE_CLIENT_CERTIFICATE_PATH: '/env/cert.pem',
  AZURE_CLIENT_CERTIFICATE_PASSWORD: 'env-passphrase',
  AZURE_AUTHORITY_HOST: 'https://login.env.example',
  AZURE_RESOURCE: 'https://env.example',
  BEARER_TOKEN_FILE: '/env/token'
};

describe('precedence: a flag, then the credentials file, then the AZURE_* variables', () => {
  it.each<[string, Setup, Partial<Config>]>([
    [
      'the flags win over the file and the variables',
      {
        argv: ['--client-id', FLAG_APP, '--tenant-id', FLAG_TENANT, '--creds', `@${SP_FILE}`],
        env: ALL_ENV,
        files: { [SP_FILE]: SP_JSON }
      },
      { clientId: FLAG_APP, tenantId: FLAG_TENANT, clientSecret: FILE_PASSWORD }
    ],
    [
      "the file's appId wins over an injected AZURE_CLIENT_ID (AKS), its tenant over AZURE_TENANT_ID, its password over AZURE_CLIENT_SECRET",
      {
        env: { ...ALL_ENV, ENTRA_SERVICE_PRINCIPAL: SP_FILE },
        files: { [SP_FILE]: SP_JSON }
      },
      { clientId: FILE_APP, tenantId: FILE_TENANT, clientSecret: FILE_PASSWORD }
    ],
    [
      '--creds wins over ENTRA_SERVICE_PRINCIPAL, which is then not read',
      {
        argv: ['--creds', '@/other/creds.json'],
        env: { ENTRA_SERVICE_PRINCIPAL: '/does/not/exist.json' },
        files: { '/other/creds.json': JSON.stringify({ clientId: FLAG_APP, clientSecret: 'other~secret', tenantId: FLAG_TENANT }) }
      },
      { clientId: FLAG_APP, tenantId: FLAG_TENANT, clientSecret: 'other~secret' }
    ],
    [
      'the variables fill what a --creds file leaves out',
      {
        argv: ['--creds', '@creds.json'],
        env: { AZURE_CLIENT_ID: ENV_APP, AZURE_TENANT_ID: ENV_TENANT },
        files: { [`${CWD}/creds.json`]: JSON.stringify({ clientSecret: 'only~secret' }) }
      },
      { clientId: ENV_APP, tenantId: ENV_TENANT, clientSecret: 'only~secret' }
    ],
    [
      'the variables alone',
      { env: ALL_ENV },
      {
        clientId: ENV_APP,
        tenantId: ENV_TENANT,
        clientSecret: ENV_SECRET,
        clientCertificate: '/env/cert.pem',
        clientCertificatePassword: 'env-passphrase',
        authorityHost: 'https://login.env.example',
        resource: 'https://env.example',
        scope: 'https://env.example/.default',
        tokenFile: '/env/token'
      }
    ],
    [
      'every flag over its variable',
      {
        argv: [
          '--client-id',
          FLAG_APP,
          '--tenant-id',
          FLAG_TENANT,
          '--client-certificate',
          'flag.pem',
          '--authority-host',
          'https://login.flag.example',
          '--resource',
          'graph',
          '--token-file',
          'out/token'
        ],
        env: ALL_ENV
      },
      {
        clientId: FLAG_APP,
        tenantId: FLAG_TENANT,
        clientSecret: ENV_SECRET,
        clientCertificate: 'flag.pem',
        clientCertificatePassword: 'env-passphrase',
        authorityHost: 'https://login.flag.example',
        resource: 'https://graph.microsoft.com',
        tokenFile: `${CWD}/out/token`
      }
    ],
    [
      'nothing given: the defaults',
      {},
      {
        authType: 'auto',
        clientId: undefined,
        tenantId: undefined,
        clientSecret: undefined,
        clientCertificate: undefined,
        clientCertificatePassword: undefined,
        authorityHost: 'https://login.microsoftonline.com',
        resource: 'https://management.azure.com',
        tokenFile: undefined,
        secrets: []
      }
    ],
    [
      'a passphrase without a certificate is ignored, as the Azure SDKs ignore it',
      { env: { AZURE_CLIENT_CERTIFICATE_PASSWORD: 'stray' } },
      { clientCertificatePassword: undefined }
    ],
    [
      'empty variables count as absent',
      { env: { AZURE_CLIENT_ID: '  ', AZURE_RESOURCE: '', BEARER_TOKEN_FILE: ' ' } },
      { clientId: undefined, resource: 'https://management.azure.com', tokenFile: undefined }
    ]
  ])('%s', async (_name, setup, expected) => {
    expect(await configOf(setup)).toMatchObject(expected);
  });

  it.each<[string, string[], Partial<Config>]>([
    ['--auth-type', ['--auth-type', 'Managed-Identity'], { authType: 'managed-identity' }],
    [
      '--environment',
      ['--environment', 'azureusgovernment'],
      { authorityHost: 'https://login.microsoftonline.us', resource: 'https://management.usgovcloudapi.net' }
    ],
    ['--audience', ['--audience', 'api://custom'], { oidcAudience: 'api://custom' }],
    [
      '--keyvault and --secrets',
      ['--keyvault', 'my-vault', '--secrets', 'db-password'],
      {
        secrets: [
          {
            kind: 'secret',
            entry: 'db-password',
            vault: 'https://my-vault.vault.azure.net',
            name: 'db-password',
            version: undefined,
            envName: 'DB_PASSWORD'
          }
        ]
      }
    ]
  ])('%s: a flag only, read as the action reads its input', async (_flag, argv, expected) => {
    expect(await configOf({ argv })).toMatchObject(expected);
  });

  it("leaves the action's other inputs at their defaults, whatever INPUT_* variables say", async () => {
    const config = await configOf({
      env: { 'INPUT_JOB-SUMMARY': 'true', 'INPUT_SIGN-IN-LATER-STEPS': 'true', 'INPUT_EXPORT-ENV': 'false', 'INPUT_CLIENT-ID': ENV_APP }
    });
    expect(config).toMatchObject({
      jobSummary: false,
      signInLaterSteps: false,
      exportEnv: true,
      ignoreMissingSecrets: false,
      clientId: undefined
    });
  });

  it('resolves relative paths against the working directory', async () => {
    const config = await configOf({ argv: ['--token-file', '../t', '--creds', '@sp.json'], files: { [`${CWD}/sp.json`]: SP_JSON } });
    expect(config.tokenFile).toBe('/work/t');
    expect(config.context.workspace).toBe(CWD);
    expect((await configOf({ env: { ENTRA_SERVICE_PRINCIPAL: 'sp.json' }, files: { [`${CWD}/sp.json`]: SP_JSON } })).clientId).toBe(
      FILE_APP
    );
  });

  it('follows GITHUB_ACTIONS for auto: outside a workflow it may probe IMDS, inside only on self-hosted runners', async () => {
    expect((await configOf({})).context).toMatchObject({ inWorkflow: false, probeImds: true });
    expect((await configOf({ env: { GITHUB_ACTIONS: 'true' } })).context).toMatchObject({ inWorkflow: true, probeImds: false });
    expect((await configOf({ env: { GITHUB_ACTIONS: 'true', RUNNER_ENVIRONMENT: 'self-hosted' } })).context).toMatchObject({
      inWorkflow: true,
      probeImds: true
    });
  });

  it('masks the secrets of the environment and of the file the moment they are read', async () => {
    const { masks } = await inputsOf({ env: { ...ALL_ENV, ENTRA_SERVICE_PRINCIPAL: SP_FILE }, files: { [SP_FILE]: SP_JSON } });
    expect(masks).toEqual(expect.arrayContaining([ENV_SECRET, 'env-passphrase', SP_JSON, FILE_PASSWORD]));
  });

  it('--replace with BEARER_TOKEN_FILE is accepted', async () => {
    expect((await configOf({ argv: ['--replace'], env: { BEARER_TOKEN_FILE: '/t' } })).tokenFile).toBe('/t');
  });
});

describe('names an input by where its value came from', () => {
  it.each<[string, Setup, string, string]>([
    ['a flag', { argv: ['--tenant-id', FLAG_TENANT] }, 'tenant-id', '--tenant-id'],
    ['a variable', { env: { AZURE_TENANT_ID: ENV_TENANT } }, 'tenant-id', 'Environment variable AZURE_TENANT_ID'],
    ['an absent one with a flag and a variable', {}, 'client-id', '--client-id (or AZURE_CLIENT_ID)'],
    ['an absent one with a flag only', {}, 'keyvault', '--keyvault'],
    ['an absent secret, which has no flag', {}, 'client-secret', 'AZURE_CLIENT_SECRET'],
    ['AZURE_CLIENT_SECRET', { env: { AZURE_CLIENT_SECRET: ENV_SECRET } }, 'client-secret', 'Environment variable AZURE_CLIENT_SECRET'],
    ['the --creds file', { argv: ['--creds', '@sp.json'], files: { [`${CWD}/sp.json`]: SP_JSON } }, 'creds', `--creds @${CWD}/sp.json`],
    [
      'the ENTRA_SERVICE_PRINCIPAL file',
      { env: { ENTRA_SERVICE_PRINCIPAL: SP_FILE }, files: { [SP_FILE]: SP_JSON } },
      'creds',
      `ENTRA_SERVICE_PRINCIPAL (${SP_FILE})`
    ],
    [
      'a field the file gave',
      { env: { ENTRA_SERVICE_PRINCIPAL: SP_FILE, AZURE_CLIENT_ID: ENV_APP }, files: { [SP_FILE]: SP_JSON } },
      'client-id',
      `ENTRA_SERVICE_PRINCIPAL (${SP_FILE})`
    ]
  ])('%s', async (_name, setup, input, label) => {
    expect((await inputsOf(setup)).inputs.label(input)).toBe(label);
  });

  it.each([
    [
      "is needed for auth-type 'secret' (or give 'creds' with clientSecret).",
      "is needed for auth-type 'secret' (or give --creds @FILE with clientSecret)."
    ],
    ["is set but 'client-certificate' is empty", 'is set but --client-certificate is empty'],
    [
      'holds an encrypted private key, and client-certificate-password is empty.',
      'holds an encrypted private key, and AZURE_CLIENT_CERTIFICATE_PASSWORD is empty.'
    ],
    ['names no vault, and the keyvault input is empty.', 'names no vault, and --keyvault is empty.'],
    ["Remove 'client-id' to use the machine's identity.", "Remove --client-id to use the machine's identity."],
    ["auth-type 'secret' or 'auto'", "auth-type 'secret' or 'auto'"]
  ])("translates the action's input names: %s", async (text, translated) => {
    expect((await inputsOf({})).inputs.translate(text)).toBe(translated);
  });
});

describe('the credentials file: refused in one line naming it, never echoing what it holds', () => {
  const special = (kind: string): FakeMachine => {
    const machine = fakeMachine();
    machine.special.set(SP_FILE, kind);
    return machine;
  };
  it.each<[string, Setup, string, FakeMachine | undefined]>([
    [
      'ENTRA_SERVICE_PRINCIPAL names no file',
      { env: { ENTRA_SERVICE_PRINCIPAL: SP_FILE } },
      `ENTRA_SERVICE_PRINCIPAL (${SP_FILE}) cannot be read: no such file.`,
      undefined
    ],
    [
      '--creds names no file',
      { argv: ['--creds', '@missing.json'] },
      `--creds @${CWD}/missing.json cannot be read: no such file.`,
      undefined
    ],
    [
      'a directory',
      { env: { ENTRA_SERVICE_PRINCIPAL: SP_FILE } },
      `ENTRA_SERVICE_PRINCIPAL (${SP_FILE}) cannot be read: it is a directory, not a regular file.`,
      special('a directory')
    ],
    [
      'a FIFO',
      { argv: ['--creds', `@${SP_FILE}`] },
      `--creds @${SP_FILE} cannot be read: it is a FIFO (named pipe), not a regular file.`,
      special('a FIFO (named pipe)')
    ],
    [
      'too large',
      { env: { ENTRA_SERVICE_PRINCIPAL: SP_FILE }, files: { [SP_FILE]: ' '.repeat(64 * 1024 + 1) } },
      `ENTRA_SERVICE_PRINCIPAL (${SP_FILE}) cannot be read: it has 65537 bytes, more than the 65536 allowed.`,
      undefined
    ],
    [
      'empty',
      { env: { ENTRA_SERVICE_PRINCIPAL: SP_FILE }, files: { [SP_FILE]: ' \n' } },
      `ENTRA_SERVICE_PRINCIPAL (${SP_FILE}) is empty: it must hold a JSON object such as {"appId": "...", "password": "...", "tenant": "..."}.`,
      undefined
    ],
    [
      'not JSON',
      { env: { ENTRA_SERVICE_PRINCIPAL: SP_FILE }, files: { [SP_FILE]: `password=${FILE_PASSWORD}` } },
      `ENTRA_SERVICE_PRINCIPAL (${SP_FILE}) is not valid JSON.`,
      undefined
    ],
    [
      'not an object',
      { argv: ['--creds', `@${SP_FILE}`], files: { [SP_FILE]: `["${FILE_PASSWORD}"]` } },
      `--creds @${SP_FILE} must be a JSON object such as {"clientId": "...", "clientSecret": "...", "tenantId": "..."}.`,
      undefined
    ],
    [
      'a field that is not a string',
      {
        env: { ENTRA_SERVICE_PRINCIPAL: SP_FILE },
        files: { [SP_FILE]: JSON.stringify({ appId: 7, password: FILE_PASSWORD, tenant: FILE_TENANT }) }
      },
      `ENTRA_SERVICE_PRINCIPAL (${SP_FILE}) field 'appId' must be a string.`,
      undefined
    ],
    [
      'no password',
      { env: { ENTRA_SERVICE_PRINCIPAL: SP_FILE }, files: { [SP_FILE]: JSON.stringify({ appId: FILE_APP, tenant: FILE_TENANT }) } },
      `ENTRA_SERVICE_PRINCIPAL (${SP_FILE}) has no password: the file must hold appId, password and tenant (the output of az ad sp create-for-rbac).`,
      undefined
    ],
    [
      'no appId',
      { env: { ENTRA_SERVICE_PRINCIPAL: SP_FILE }, files: { [SP_FILE]: JSON.stringify({ password: FILE_PASSWORD, tenant: FILE_TENANT }) } },
      `ENTRA_SERVICE_PRINCIPAL (${SP_FILE}) has no appId: the file must hold appId, password and tenant (the output of az ad sp create-for-rbac).`,
      undefined
    ],
    [
      'no tenant and no appId',
      { env: { ENTRA_SERVICE_PRINCIPAL: SP_FILE }, files: { [SP_FILE]: JSON.stringify({ password: FILE_PASSWORD, appId: '' }) } },
      `ENTRA_SERVICE_PRINCIPAL (${SP_FILE}) has no appId, no tenant: the file must hold appId, password and tenant (the output of az ad sp create-for-rbac).`,
      undefined
    ],
    ['--replace with no token file', { argv: ['--replace'] }, '--replace needs --token-file (or BEARER_TOKEN_FILE).', undefined]
  ])('%s', async (_name, setup, line, machine) => {
    const message = await refusal(setup, machine);
    expect(message).toBe(line);
    expect(message).not.toContain(FILE_PASSWORD);
  });

  it('a --creds file may leave fields out: the flags and variables give them', async () => {
    const config = await configOf({ argv: ['--creds', `@${SP_FILE}`], files: { [SP_FILE]: JSON.stringify({ tenant: FILE_TENANT }) } });
    expect(config).toMatchObject({ tenantId: FILE_TENANT, clientId: undefined, clientSecret: undefined });
  });

  it('reads the file once, as a regular file', async () => {
    const machine = fakeMachine({ files: { [SP_FILE]: SP_JSON } });
    await inputsOf({ env: { ENTRA_SERVICE_PRINCIPAL: SP_FILE } }, machine);
    expect(machine.reads).toEqual([SP_FILE]);
  });
});
