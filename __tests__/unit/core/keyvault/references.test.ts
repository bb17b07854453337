import { describe, expect, it } from '@jest/globals';
import { CLOUDS } from '../../../../src/core/clouds.js';
import { InputError } from '../../../../src/core/errors.js';
import { defaultEnvName, parseSecretsInput } from '../../../../src/core/keyvault/references.js';

const PUBLIC = CLOUDS.AzureCloud;
const VAULT = 'https://my-vault.vault.azure.net';
const VERSION = '0123456789abcdef0123456789abcdef';

/** A reference as the tests compare it: everything but the echoed entry. */
function shape(text: string, keyvault?: string, cloud = PUBLIC): unknown[] {
  return parseSecretsInput(text, keyvault, cloud).map(({ entry: _entry, ...rest }) => rest);
}

const one = (vault: string, name: string, envName: string, version?: string): unknown => ({
  kind: 'secret',
  vault,
  name,
  version,
  envName
});
const all = (vault: string, prefix = ''): unknown => ({ kind: 'all', vault, prefix });

describe('parseSecretsInput: valid entries', () => {
  it.each<[string, string, string | undefined, unknown[]]>([
    ['vault/secret', 'my-vault/db-password', undefined, [one(VAULT, 'db-password', 'DB_PASSWORD')]],
    ['vault/secret | ENV', 'my-vault/db-password | PGPASSWORD', undefined, [one(VAULT, 'db-password', 'PGPASSWORD')]],
    ['vault/secret/version', `my-vault/db-password/${VERSION}`, undefined, [one(VAULT, 'db-password', 'DB_PASSWORD', VERSION)]],
    ['bare name with keyvault', 'db-password', 'my-vault', [one(VAULT, 'db-password', 'DB_PASSWORD')]],
    ['keyvault given as a URL', 'db-password', `${VAULT}/`, [one(VAULT, 'db-password', 'DB_PASSWORD')]],
    ['keyvault given as a host', 'db-password', 'my-vault.vault.azure.net', [one(VAULT, 'db-password', 'DB_PASSWORD')]],
    ['vault name in upper case', 'My-Vault/db', undefined, [one(VAULT, 'db', 'DB')]],
    ['secret identifier URL', `${VAULT}/secrets/db-password`, undefined, [one(VAULT, 'db-password', 'DB_PASSWORD')]],
    [
      'identifier URL with version and :443',
      `https://my-vault.vault.azure.net:443/secrets/db/${VERSION}/ | DB_V1`,
      undefined,
      [one(VAULT, 'db', 'DB_V1', VERSION)]
    ],
    ['vault URL then secret', `${VAULT}/api-key`, undefined, [one(VAULT, 'api-key', 'API_KEY')]],
    ['vault/*', 'my-vault/*', undefined, [all(VAULT)]],
    ['vault/* | PREFIX', 'my-vault/* | APP_', undefined, [all(VAULT, 'APP_')]],
    ['vault URL /*', `${VAULT}/* | APP_`, undefined, [all(VAULT, 'APP_')]],
    ['bare * with keyvault', '*', 'my-vault', [all(VAULT)]],
    ['leading digit gets _', 'my-vault/1st-key', undefined, [one(VAULT, '1st-key', '_1ST_KEY')]],
    ['leading dash becomes _', 'my-vault/-x', undefined, [one(VAULT, '-x', '_X')]],
    ['loopback http vault', 'http://127.0.0.1:8443/secrets/db', undefined, [one('http://127.0.0.1:8443', 'db', 'DB')]],
    ['loopback localhost vault', 'http://localhost:9000/db', undefined, [one('http://localhost:9000', 'db', 'DB')]],
    [
      'comma, semicolon and newline separators; comments and blanks skipped',
      '# database\nmy-vault/a, my-vault/b;my-vault/c  # trailing comment, with a comma\n\n  \n;,',
      undefined,
      [one(VAULT, 'a', 'A'), one(VAULT, 'b', 'B'), one(VAULT, 'c', 'C')]
    ],
    ['CRLF line ends', 'my-vault/a\r\nmy-vault/b\r\n', undefined, [one(VAULT, 'a', 'A'), one(VAULT, 'b', 'B')]],
    ['lines ended by a lone CR', 'my-vault/a\rmy-vault/b', undefined, [one(VAULT, 'a', 'A'), one(VAULT, 'b', 'B')]],
    [
      'ordinary AZURE_ names stay allowed',
      'my-vault/s | AZURE_STORAGE_KEY\nmy-vault/c | AZURE_CLIENT_SECRET',
      undefined,
      [one(VAULT, 's', 'AZURE_STORAGE_KEY'), one(VAULT, 'c', 'AZURE_CLIENT_SECRET')]
    ],
    ['a prefix that only looks close to a refused one', 'my-vault/* | PATHS_', undefined, [all(VAULT, 'PATHS_')]],
    ['get-keyvault-secrets style', 'a, b', 'my-vault', [one(VAULT, 'a', 'A'), one(VAULT, 'b', 'B')]],
    ['empty input with keyvault', '', 'my-vault', []],
    [
      'one secret twice under two names',
      'my-vault/db | ONE\nmy-vault/db | TWO',
      undefined,
      [one(VAULT, 'db', 'ONE'), one(VAULT, 'db', 'TWO')]
    ],
    ['127-character secret name', `my-vault/${'a'.repeat(127)}`, undefined, [one(VAULT, 'a'.repeat(127), 'A'.repeat(127))]]
  ])('%s', (_case, text, keyvault, expected) => {
    expect(shape(text, keyvault)).toEqual(expected);
  });

  it.each([
    ['AzureUSGovernment', 'https://my-vault.vault.usgovcloudapi.net'],
    ['AzureChinaCloud', 'https://my-vault.vault.azure.cn']
  ] as const)('names a vault in %s with its own suffix', (cloud, origin) => {
    expect(shape('my-vault/db', undefined, CLOUDS[cloud])).toEqual([one(origin, 'db', 'DB')]);
    expect(shape(`${origin}/secrets/db`, undefined, CLOUDS[cloud])).toEqual([one(origin, 'db', 'DB')]);
  });

  it('keeps the entry as written, for messages', () => {
    expect(parseSecretsInput('  my-vault/db | PG  ', undefined, PUBLIC)[0]?.entry).toBe('my-vault/db | PG');
  });
});

describe('parseSecretsInput: bad entries', () => {
  it.each<[string, string, string | undefined, string]>([
    [
      'no vault, no keyvault',
      'db-password',
      undefined,
      "Input 'secrets' entry 'db-password' names no vault, and the keyvault input is empty."
    ],
    ['vault name too short', 'ab/db', undefined, "Input 'secrets' entry 'ab/db' has the vault name 'ab', which must be 3-24 letters"],
    ['vault name too long', `${'a'.repeat(25)}/db`, undefined, `has the vault name '${'a'.repeat(25)}'`],
    ['vault name with underscore', 'my_vault/db', undefined, "has the vault name 'my_vault'"],
    ['vault name with --', 'my--vault/db', undefined, "has the vault name 'my--vault'"],
    ['vault name starting with a digit', '1vault/db', undefined, "has the vault name '1vault'"],
    [
      'secret name with underscore',
      'my-vault/db_password',
      undefined,
      "Input 'secrets' entry 'my-vault/db_password' has the secret name 'db_password', which must be 1-127 letters, digits and dashes."
    ],
    ['secret name too long', `my-vault/${'a'.repeat(128)}`, undefined, 'which must be 1-127 letters, digits and dashes'],
    ['version with a dot', 'my-vault/db/..', undefined, "has the version '..'"],
    ['too many segments', 'my-vault/db/v1/extra', undefined, "Input 'secrets' entry 'my-vault/db/v1/extra' is not VAULT/SECRET[/VERSION]."],
    ['empty secret after vault', 'my-vault/', undefined, 'is not VAULT/SECRET[/VERSION].'],
    ['bad env name', 'my-vault/db | 1PG', undefined, "has the environment variable name '1PG', which must be letters, digits and '_'"],
    ['env name with a dash', 'my-vault/db | PG-PASS', undefined, "has the environment variable name 'PG-PASS'"],
    ['empty env name', 'my-vault/db |', undefined, "Input 'secrets' entry 'my-vault/db |' has a '|' with no name after it."],
    ['two pipes', 'my-vault/db | A | B', undefined, "has more than one '|'."],
    ['bad prefix', 'my-vault/* | APP-', undefined, "has the prefix 'APP-'"],
    [
      'look-alike host',
      'https://x.vault.azure.net.evil.com/secrets/db',
      undefined,
      "has the host 'x.vault.azure.net.evil.com', which is not a Key Vault in AzureCloud"
    ],
    ['foreign host', 'https://example.com/secrets/db', undefined, "has the host 'example.com', which is not a Key Vault"],
    [
      'suffix without a vault name',
      'https://vault.azure.net/secrets/db',
      undefined,
      "has the host 'vault.azure.net', which is not a Key Vault"
    ],
    [
      'host look-alike without scheme',
      'my-vault.vault.azure.net.evil.com/db',
      undefined,
      "has the host 'my-vault.vault.azure.net.evil.com'"
    ],
    ['nested vault host', 'https://a.b.vault.azure.net/secrets/db', undefined, "whose vault name 'a.b' must be"],
    ['plain http to a real host', 'http://my-vault.vault.azure.net/secrets/db', undefined, 'Key Vault is reached over https:// only'],
    ['loopback without a port', 'http://127.0.0.1/secrets/db', undefined, 'Key Vault is reached over https:// only'],
    [
      'Managed HSM',
      'https://my-hsm.managedhsm.azure.net/secrets/db',
      undefined,
      "has the Managed HSM 'my-hsm.managedhsm.azure.net': a Managed HSM holds keys only, never secrets."
    ],
    ['vault of another cloud', 'https://my-vault.vault.azure.cn/secrets/db', undefined, 'which is in AzureChinaCloud, not in AzureCloud.'],
    [
      'URL with a query',
      `${VAULT}/secrets/db?x=1`,
      undefined,
      'has a vault URL with a user, query or fragment (my-vault.vault.azure.net); a vault URL is https://NAME.vault.azure.net.'
    ],
    [
      'URL with credentials, never echoed',
      'https://u:p@my-vault.vault.azure.net/secrets/db',
      undefined,
      "Input 'secrets' entry 'https://***@my-vault.vault.azure.net/secrets/db' has a vault URL with a user"
    ],
    [
      'an explicit name that runs code in later steps',
      'my-vault/db | BASH_ENV',
      undefined,
      "Input 'secrets' entry 'my-vault/db | BASH_ENV' maps to the environment variable 'BASH_ENV', which would run code in, steer, or redirect the job's later steps."
    ],
    [
      'an explicit name refused whatever its case',
      'my-vault/db | node_options',
      undefined,
      "maps to the environment variable 'node_options'"
    ],
    [
      'a default name derived from an explicit entry',
      'my-vault/github-output',
      undefined,
      "Input 'secrets' entry 'my-vault/github-output' maps to the environment variable 'GITHUB_OUTPUT'"
    ],
    [
      'a prefix that makes every name refused',
      'my-vault/* | LD_',
      undefined,
      "Input 'secrets' entry 'my-vault/* | LD_' has the prefix 'LD_', which would make every name one that steers later steps (LD_...)."
    ],
    ['a prefix under a refused prefix', 'my-vault/* | GIT_X_', undefined, "has the prefix 'GIT_X_'"],
    [
      'an entry with a control character, echoed escaped',
      'my-vault/db | A\u0001B',
      undefined,
      "has the environment variable name 'A\\u0001B'"
    ],
    ['URL naming only the vault', VAULT, undefined, 'is not VAULT/SECRET[/VERSION].'],
    ['ftp URL', 'ftp://my-vault.vault.azure.net/db', undefined, 'which is not an https:// URL'],
    [
      'env name collision',
      'my-vault/db-password\nother-vault/db-password',
      undefined,
      "Input 'secrets' entries 'my-vault/db-password' and 'other-vault/db-password' both map to the environment variable 'DB_PASSWORD'"
    ],
    ['collision with an explicit name', 'my-vault/a | X\nmy-vault/b | X', undefined, "both map to the environment variable 'X'"],
    ['collision ignoring case', 'my-vault/a | Token\nmy-vault/b | TOKEN', undefined, 'names are compared ignoring case'],
    [
      'collision of derived and explicit names',
      'my-vault/db-password\nmy-vault/pg | DB_PASSWORD',
      undefined,
      "both map to the environment variable 'DB_PASSWORD'"
    ],
    ['the same vault listed twice', 'my-vault/*\nMY-VAULT/*', undefined, 'both map to the same vault and prefix']
  ])('%s', (_case, text, keyvault, message) => {
    expect(() => parseSecretsInput(text, keyvault, PUBLIC)).toThrow(InputError);
    expect(() => parseSecretsInput(text, keyvault, PUBLIC)).toThrow(message);
  });

  it.each<[string, string]>([
    ['my_vault', "Input 'keyvault' has the vault name 'my_vault'"],
    ['https://evil.example.com', "Input 'keyvault' has the host 'evil.example.com', which is not a Key Vault in AzureCloud"],
    [`${VAULT}/secrets/db`, "Input 'keyvault' must be a vault name or URL with no path"]
  ])('refuses the keyvault input %s, even with no secrets', (keyvault, message) => {
    expect(() => parseSecretsInput('', keyvault, PUBLIC)).toThrow(message);
  });

  it('hints at the environment input for a vault of another cloud', () => {
    try {
      parseSecretsInput('https://my-vault.vault.usgovcloudapi.net/secrets/db', undefined, PUBLIC);
      throw new Error('expected a bad input');
    } catch (error) {
      expect((error as InputError).hint).toBe('Set the environment input to AzureUSGovernment, or name a vault in AzureCloud.');
    }
  });
});

describe('defaultEnvName', () => {
  it.each([
    ['db-password', '', 'DB_PASSWORD'],
    ['1st', '', '_1ST'],
    ['db', 'APP_', 'APP_DB'],
    ['1st', 'APP_', 'APP_1ST'],
    ['MixedCase', '', 'MIXEDCASE']
  ])('%s with prefix %j is %s', (name, prefix, expected) => {
    expect(defaultEnvName(name, prefix)).toBe(expected);
  });
});
