import { describe, expect, it } from '@jest/globals';
import { BadInputError, failureOf } from '../../../src/cli/failure.js';
import { parseFlags, UsageError } from '../../../src/cli/flags.js';
import { type CliInputs, readInputs } from '../../../src/cli/inputs.js';
import { ActionError, CredentialFileError, InputError, withContext } from '../../../src/core/errors.js';
import { fakeMachine } from '../credential-support.js';
import { recordingLog, recordingMasker } from '../support.js';

async function inputs(argv: string[], env: Record<string, string> = {}): Promise<CliInputs> {
  return readInputs(parseFlags(argv), { env, cwd: '/work', machine: fakeMachine(), masker: recordingMasker(), log: recordingLog() });
}

/** What `auto` adds to the hint of an error of the credential it chose. */
function chosenByAuto(error: ActionError): ActionError {
  const explained = new ActionError(
    error.message,
    `${error.hint}\nauth-type 'auto' chose 'workload-identity' because AZURE_FEDERATED_TOKEN_FILE is set, after ruling out:\n  secret: no`
  );
  explained.name = error.name;
  return explained;
}

describe('failureOf: exit 2 and one line for what is fixed where the command is set up', () => {
  it.each<[string, () => Promise<[unknown, CliInputs | undefined]>, string]>([
    [
      'a bad flag',
      async () => [new UsageError('--nope is not a flag of azure-token (see azure-token --help).'), undefined],
      '--nope is not a flag of azure-token (see azure-token --help).'
    ],
    [
      'a bad input from a flag',
      async () => [
        new InputError(
          'tenant-id',
          "must be a tenant GUID or domain, not 'common': an app signs in to one tenant.",
          "Use the 'Directory (tenant) ID'."
        ),
        await inputs(['--tenant-id', 'common'])
      ],
      "--tenant-id must be a tenant GUID or domain, not 'common': an app signs in to one tenant. Use the 'Directory (tenant) ID'."
    ],
    [
      'a bad input from a variable',
      async () => [
        new InputError('tenant-id', "must be a tenant GUID or domain, not 'common'."),
        await inputs([], { AZURE_TENANT_ID: 'common' })
      ],
      "Environment variable AZURE_TENANT_ID must be a tenant GUID or domain, not 'common'."
    ],
    [
      'a missing input, named by its flag and variable',
      async () => [
        new InputError('client-id', "is needed for auth-type 'secret' (the app registration's Application (client) ID)."),
        await inputs([])
      ],
      "--client-id (or AZURE_CLIENT_ID) is needed for auth-type 'secret' (the app registration's Application (client) ID)."
    ],
    [
      'a missing secret, named by its variable, the hint translated',
      async () => [
        new InputError('client-secret', "is needed for auth-type 'secret' (or give 'creds' with clientSecret)."),
        await inputs([])
      ],
      "AZURE_CLIENT_SECRET is needed for auth-type 'secret' (or give --creds @FILE with clientSecret)."
    ],
    [
      'an input error the core wrapped on the way up',
      async () => [
        withContext('Getting a token', new InputError('client-certificate', 'holds no certificate.', 'Give the PEM.')),
        await inputs(['--client-certificate', 'c.pem'])
      ],
      'Getting a token: --client-certificate holds no certificate. Give the PEM.'
    ],
    [
      'a credential file that cannot be read',
      async () => [
        new CredentialFileError('The federated token file AZURE_FEDERATED_TOKEN_FILE (/t) cannot be read: no such file.', 'Label the pod.'),
        await inputs([])
      ],
      'The federated token file AZURE_FEDERATED_TOKEN_FILE (/t) cannot be read: no such file. Label the pod.'
    ],
    [
      "a credential file auto's choice explains: its own hint, without auto's context",
      async () => [chosenByAuto(new CredentialFileError('The federated token file (/t) is empty.', 'Label the pod.')), await inputs([])],
      'The federated token file (/t) is empty. Label the pod.'
    ],
    [
      'a bad variable found while the configuration was read',
      async () => [
        new BadInputError(
          new ActionError(
            'Environment variable AZURE_AUTHORITY_HOST must be an https:// URL.',
            'Plain http:// is accepted only for loopback hosts.'
          )
        ),
        await inputs([])
      ],
      'Environment variable AZURE_AUTHORITY_HOST must be an https:// URL. Plain http:// is accepted only for loopback hosts.'
    ]
  ])('%s', async (_name, make, line) => {
    const [error, cliInputs] = await make();
    expect(failureOf(error, cliInputs)).toEqual({ exitCode: 2, text: line });
  });
});

describe('failureOf: exit 1 and the whole explanation for everything else', () => {
  it.each<[string, unknown, string]>([
    [
      'an error with a hint',
      new ActionError("auth-type 'auto' found no credential here:\n  secret: no", 'Use OIDC.'),
      "auth-type 'auto' found no credential here:\n  secret: no\nUse OIDC."
    ],
    ['an error without one', new ActionError('Key Vault said no.'), 'Key Vault said no.'],
    ['anything else thrown', new Error('EPIPE: broken pipe, write'), 'EPIPE: broken pipe, write'],
    ['not even an Error', 'boom', 'boom']
  ])('%s', async (_name, error, text) => {
    expect(failureOf(error, await inputs([]))).toEqual({ exitCode: 1, text });
  });
});
