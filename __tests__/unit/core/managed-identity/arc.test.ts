import { describe, expect, it } from '@jest/globals';
import { ActionError, CredentialFileError, describeError } from '../../../../src/core/errors.js';
import { FileReadError, type Machine } from '../../../../src/core/machine.js';
import { ARC_KEY_MAX_BYTES, arcKeyDirectory, readArcKey } from '../../../../src/core/managed-identity/arc.js';
import { configFrom, failureOf, type FakeMachine, fakeMachine } from '../../credential-support.js';

const DIR = '/var/opt/azcmagent/tokens';
const WIN_DIR = 'C:\\ProgramData\\AzureConnectedMachineAgent\\Tokens';
const REFUSAL_HINT =
  'Only the Arc agent names key files; check that IDENTITY_ENDPOINT is the Arc agent (azcmagent show), and restart the agent: sudo systemctl restart himdsd.';
const AGENT_HINT = 'Check that IDENTITY_ENDPOINT is the Arc agent (azcmagent show), and restart the agent: sudo systemctl restart himdsd.';
const PERMISSION_HINT =
  "The runner's user must be allowed to read the agent's keys: on Linux add it to the 'himds' group " +
  "(sudo usermod -aG himds <runner-user>), on Windows to 'Hybrid agent extension applications'; then restart the runner service.";

/** The error readArcKey ends in, and the text a user reads for it. */
async function refusal(promise: Promise<string>): Promise<{ error: unknown; text: string }> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught
  );
  expect(error).toBeInstanceOf(ActionError);
  return { error, text: describeError(error) };
}

describe('readArcKey: where a key may be read from', () => {
  it('reads a .key file directly in the directory, trimmed', async () => {
    const machine = fakeMachine({ files: { [`${DIR}/k.key`]: 'key-value\n' } });
    await expect(readArcKey(`${DIR}/k.key`, DIR, machine)).resolves.toBe('key-value');
    expect(machine.reads).toEqual([`${DIR}/k.key`]);
  });

  it('reads a Windows key file, whatever the letter case of the directory', async () => {
    const file = `${WIN_DIR}\\k.key`;
    const machine = fakeMachine({ platform: 'win32', files: { [file]: 'win-key' } });
    await expect(readArcKey(file, WIN_DIR.toLowerCase(), machine)).resolves.toBe('win-key');
  });

  it(`reads a key of exactly ${ARC_KEY_MAX_BYTES} bytes`, async () => {
    const machine = fakeMachine({ files: { [`${DIR}/k.key`]: 'k'.repeat(4096) } });
    await expect(readArcKey(`${DIR}/k.key`, DIR, machine)).resolves.toHaveLength(4096);
  });

  it.each<[string, NodeJS.Platform, string]>([
    ['/var/opt/azcmagent/tokens/../../../etc/shadow.key', 'linux', DIR],
    ['/var/opt/azcmagent/tokens2/k.key', 'linux', DIR],
    ['/var/opt/azcmagent/tokens/sub/k.key', 'linux', DIR],
    ['/var/opt/azcmagent/tokens/passwd', 'linux', DIR],
    ['/var/opt/azcmagent/tokens/k.key.txt', 'linux', DIR],
    ['relative/k.key', 'linux', DIR],
    ['k.key', 'linux', DIR],
    ['C:\\ProgramData\\AzureConnectedMachineAgent\\Tokens\\..\\k.key', 'win32', WIN_DIR],
    ['C:\\Users\\runner\\k.key', 'win32', WIN_DIR],
    ['Tokens\\k.key', 'win32', WIN_DIR]
  ])('refuses %s on %s without reading it', async (file, platform, directory) => {
    const machine = fakeMachine({ platform, files: { [file]: 'x' } });
    const { text } = await refusal(readArcKey(file, directory, machine));
    expect(text).toBe(`Refusing the Azure Arc key file '${file}': it must be a .key file directly in ${directory}.\n${REFUSAL_HINT}`);
    expect(machine.reads).toEqual([]);
  });

  it('shows a named file as data: a control character cannot start a workflow command', async () => {
    const { text } = await refusal(readArcKey('/tmp/x.key\n::error::forged', DIR, fakeMachine()));
    expect(text.split('\n')[0]).toBe(
      `Refusing the Azure Arc key file '/tmp/x.key\\n::error::forged': it must be a .key file directly in ${DIR}.`
    );
  });

  it('refuses platforms Arc does not run on', async () => {
    expect(await failureOf(readArcKey('/x/k.key', undefined, fakeMachine({ platform: 'darwin' })))).toBe(
      'Azure Arc managed identity works on Linux and Windows only, not on darwin.'
    );
  });
});

describe('readArcKey: the key must be a regular file, in the directory once links are resolved', () => {
  const KEY = `${DIR}/k.key`;

  it.each<[string, (machine: FakeMachine) => void, string]>([
    ['a FIFO', machine => machine.special.set(KEY, 'a FIFO (named pipe)'), 'it is a FIFO (named pipe), not a regular file'],
    ['a directory', machine => machine.special.set(KEY, 'a directory'), 'it is a directory, not a regular file'],
    ['a device', machine => machine.special.set(KEY, 'a device'), 'it is a device, not a regular file'],
    [
      `a file over ${ARC_KEY_MAX_BYTES} bytes`,
      machine => machine.files.set(KEY, 'k'.repeat(4097)),
      'it has 4097 bytes, more than the 4096 allowed'
    ],
    ['a missing file', () => undefined, 'no such file']
  ])('refuses %s', async (_, prepare, why) => {
    const machine = fakeMachine();
    prepare(machine);
    const { error, text } = await refusal(readArcKey(KEY, DIR, machine));
    expect(error).not.toBeInstanceOf(CredentialFileError);
    expect(text).toBe(`Refusing the Azure Arc key file '${KEY}': ${why}.\n${REFUSAL_HINT}`);
  });

  it.each<[string, string]>([
    ['a file elsewhere', '/etc/shadow'],
    ['a .key file elsewhere', '/home/runner/.ssh/id.key'],
    ['a file in a directory below it', `${DIR}/sub/k.key`],
    ['a file in a sibling directory', '/var/opt/azcmagent/tokens2/k.key']
  ])('refuses a link in the directory to %s, without reading anything', async (_, target) => {
    const machine = fakeMachine({ files: { [target]: 'stolen' } });
    machine.links.set(KEY, target);
    const { text } = await refusal(readArcKey(KEY, DIR, machine));
    expect(text).toBe(`Refusing the Azure Arc key file '${KEY}': it resolves to a file outside ${DIR}.\n${REFUSAL_HINT}`);
    expect(machine.reads).toEqual([]);
  });

  it('reads a link to another key file in the directory, as what it resolves to', async () => {
    const machine = fakeMachine({ files: { [`${DIR}/real.key`]: 'linked-key' } });
    machine.links.set(KEY, `${DIR}/real.key`);
    await expect(readArcKey(KEY, DIR, machine)).resolves.toBe('linked-key');
    expect(machine.reads).toEqual([`${DIR}/real.key`]);
  });

  it('reads through a directory that is itself a link, comparing what both resolve to', async () => {
    const target = '/data/azcmagent/tokens';
    const machine = fakeMachine({ files: { [`${target}/k.key`]: 'moved-key' } });
    machine.links.set(DIR, target);
    machine.links.set(KEY, `${target}/k.key`);
    await expect(readArcKey(KEY, DIR, machine)).resolves.toBe('moved-key');
  });

  it('refuses a link to a FIFO in the directory', async () => {
    const machine = fakeMachine();
    machine.links.set(KEY, `${DIR}/pipe.key`);
    machine.special.set(`${DIR}/pipe.key`, 'a FIFO (named pipe)');
    const { text } = await refusal(readArcKey(KEY, DIR, machine));
    expect(text).toBe(`Refusing the Azure Arc key file '${KEY}': it is a FIFO (named pipe), not a regular file.\n${REFUSAL_HINT}`);
  });

  it('fails on an empty key file', async () => {
    const { error, text } = await refusal(readArcKey(KEY, DIR, fakeMachine({ files: { [KEY]: ' \n' } })));
    expect(error).toBeInstanceOf(CredentialFileError);
    expect(text).toBe(`The Azure Arc key file '${KEY}' is empty.\n${AGENT_HINT}`);
  });

  it.each<[string, (machine: Machine) => Machine, string]>([
    [
      'the file cannot be opened',
      machine => ({
        ...machine,
        readRegularFile: async () => {
          throw new FileReadError(`EACCES: permission denied, open '${KEY}'`, 'unreadable');
        }
      }),
      `EACCES: permission denied, open '${KEY}'`
    ],
    [
      'the directory cannot be searched',
      machine => ({
        ...machine,
        realPath: async () => {
          throw Object.assign(new Error(`EACCES: permission denied, realpath '${KEY}'`), { code: 'EACCES' });
        }
      }),
      `EACCES: permission denied, realpath '${KEY}'`
    ]
  ])('explains a key file it may not read (%s)', async (_, deny, why) => {
    const { error, text } = await refusal(readArcKey(KEY, DIR, deny(fakeMachine({ files: { [KEY]: 'k' } }))));
    expect(error).toBeInstanceOf(CredentialFileError);
    expect(text).toBe(`Cannot read the Azure Arc key file '${KEY}': ${why}\n${PERMISSION_HINT}`);
  });
});

describe('arcKeyDirectory', () => {
  it.each<[NodeJS.Platform, Record<string, string>, string | undefined]>([
    ['linux', {}, DIR],
    ['win32', { ProgramData: 'D:\\ProgramData' }, 'D:\\ProgramData\\AzureConnectedMachineAgent\\Tokens'],
    ['win32', { PROGRAMDATA: 'E:\\Data' }, 'E:\\Data\\AzureConnectedMachineAgent\\Tokens'],
    ['win32', {}, WIN_DIR],
    ['darwin', {}, undefined],
    // The test hook, honoured only for an http:// endpoint on a loopback host.
    [
      'linux',
      { IDENTITY_ENDPOINT: 'http://127.0.0.1:40342/metadata/identity/oauth2/token', AZURE_TOKEN_TEST_ARC_KEY_DIR: '/tmp/keys' },
      '/tmp/keys'
    ],
    [
      'darwin',
      { IDENTITY_ENDPOINT: 'http://localhost:40342/metadata/identity/oauth2/token', AZURE_TOKEN_TEST_ARC_KEY_DIR: '/tmp/keys' },
      '/tmp/keys'
    ],
    [
      'linux',
      { IDENTITY_ENDPOINT: 'http://10.1.2.3:40342/metadata/identity/oauth2/token', AZURE_TOKEN_TEST_ARC_KEY_DIR: '/tmp/keys' },
      DIR
    ],
    [
      'linux',
      { IDENTITY_ENDPOINT: 'https://127.0.0.1:40342/metadata/identity/oauth2/token', AZURE_TOKEN_TEST_ARC_KEY_DIR: '/tmp/keys' },
      DIR
    ],
    [
      'linux',
      { IDENTITY_ENDPOINT: 'http://127.0.0.1:40342/metadata/identity/oauth2/token', AZURE_TOKEN_TEST_ARC_KEY_DIR: 'relative/keys' },
      DIR
    ]
  ])('the directory on %s (%j) is %s', (platform, env, expected) => {
    expect(arcKeyDirectory(configFrom({}, env).context, platform)).toBe(expected);
  });
});

// The 401 challenge and the key sent back to the endpoint: credentials/managed-identity.test.ts.
