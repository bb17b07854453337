import { describe, expect, it } from '@jest/globals';
import { FLAGS, parseFlags, UsageError } from '../../../src/cli/flags.js';

/** The one line a bad argv is refused with. */
function refusal(argv: string[]): string {
  try {
    parseFlags(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
}

describe('parseFlags: every flag that takes a value', () => {
  it.each([
    ['--resource', 'graph'],
    ['--auth-type', 'secret'],
    ['--client-id', '8a4c3b7e-2f1d-4e6a-9b5c-0d7e8f9a1b2c'],
    ['--tenant-id', 'contoso.onmicrosoft.com'],
    ['--environment', 'AzureChinaCloud'],
    ['--authority-host', 'https://login.microsoftonline.us'],
    ['--audience', 'api://AzureADTokenExchange'],
    ['--client-certificate', './cert.pem'],
    ['--creds', '@./sp.json'],
    ['--keyvault', 'my-vault'],
    ['--secrets', 'my-vault/db-password | PGPASSWORD, my-vault/*'],
    ['--token-file', '/tokens/token'],
    ['--output', 'json']
  ])('%s VALUE and %s=VALUE', (flag, value) => {
    const name = flag.slice(2);
    expect(parseFlags([flag, value]).values).toEqual({ [name]: value });
    expect(parseFlags([`${flag}=${value}`]).values).toEqual({ [name]: value });
  });

  it('trims values, and keeps an = inside a value', () => {
    expect(parseFlags(['--resource', '  graph ', '--secrets=a=b']).values).toEqual({ resource: 'graph', secrets: 'a=b' });
  });

  it.each(['token', 'json', 'env'] as const)('--output %s', form => {
    expect(parseFlags(['--output', form]).output).toBe(form);
  });

  it('has no value flags left untested', () => {
    expect(FLAGS.filter(flag => flag.value !== undefined).length).toBe(13);
  });
});

describe('parseFlags: every switch', () => {
  it.each([
    ['--replace', 'replace'],
    ['--quiet', 'quiet'],
    ['--verbose', 'verbose'],
    ['--help', 'help'],
    ['--version', 'version']
  ] as const)('%s', (flag, key) => {
    const flags = parseFlags(flag === '--replace' ? ['--token-file', 't', flag] : [flag]);
    expect(flags[key]).toBe(true);
    const others = (['replace', 'quiet', 'verbose', 'help', 'version'] as const).filter(other => other !== key);
    for (const other of others) expect(flags[other]).toBe(false);
  });

  it('no flags at all: nothing set', () => {
    expect(parseFlags([])).toEqual({
      values: {},
      output: undefined,
      replace: false,
      quiet: false,
      verbose: false,
      help: false,
      version: false
    });
  });
});

describe('parseFlags: bad flags, each refused with one line that never holds a value', () => {
  const VISIBLE = 'a command line is visible to every user of the machine';
  it.each([
    [['--tenant'], '--tenant is not a flag of azure-token (see azure-token --help).'],
    [['--tenant=abc'], '--tenant is not a flag of azure-token (see azure-token --help).'],
    [['-t', 'x'], '-t is not a flag of azure-token (see azure-token --help).'],
    [['-h'], '-h is not a flag of azure-token (see azure-token --help).'],
    [['graph'], 'Argument 1 is not a flag: azure-token takes flags only (see azure-token --help).'],
    [['--resource', 'graph', 'hunter2'], 'Argument 3 is not a flag: azure-token takes flags only (see azure-token --help).'],
    [['--'], 'Argument 1 is not a flag: azure-token takes flags only (see azure-token --help).'],
    [['-'], 'Argument 1 is not a flag: azure-token takes flags only (see azure-token --help).'],
    [['--tenant-id'], '--tenant-id needs a value: --tenant-id T.'],
    [['--tenant-id', '--client-id', 'x'], '--tenant-id needs a value: --tenant-id T.'],
    [['--tenant-id='], '--tenant-id needs a value: --tenant-id T.'],
    [['--resource', '   '], '--resource needs a value: --resource R.'],
    [['--secrets'], '--secrets needs a value: --secrets LIST.'],
    [['--token-file'], '--token-file needs a value: --token-file PATH.'],
    [['--creds'], '--creds needs a value: --creds @FILE.'],
    [['--quiet=true'], '--quiet takes no value.'],
    [['--replace=yes'], '--replace takes no value.'],
    [['--resource', 'a', '--resource', 'b'], '--resource is given more than once.'],
    [['--quiet', '--quiet'], '--quiet is given more than once.'],
    [['--quiet', '--verbose'], '--quiet and --verbose cannot be given together.'],
    [['--output', 'yaml'], '--output must be token, json or env.'],
    [['--output', 'JSON'], '--output must be token, json or env.'],
    [
      ['--client-secret', 'hunter2'],
      `--client-secret is not a flag: ${VISIBLE}. Put the client secret in AZURE_CLIENT_SECRET, or in a file given with --creds @FILE.`
    ],
    [
      ['--client-secret=hunter2'],
      `--client-secret is not a flag: ${VISIBLE}. Put the client secret in AZURE_CLIENT_SECRET, or in a file given with --creds @FILE.`
    ],
    [
      ['--secret', 'hunter2'],
      `--secret is not a flag: ${VISIBLE}. Put the client secret in AZURE_CLIENT_SECRET, or in a file given with --creds @FILE.`
    ],
    [
      ['--client-certificate-password', 'hunter2'],
      `--client-certificate-password is not a flag: ${VISIBLE}. Put the certificate's passphrase in AZURE_CLIENT_CERTIFICATE_PASSWORD.`
    ],
    [
      ['--certificate-password=hunter2'],
      `--certificate-password is not a flag: ${VISIBLE}. Put the certificate's passphrase in AZURE_CLIENT_CERTIFICATE_PASSWORD.`
    ],
    [
      ['--passphrase', 'hunter2'],
      `--passphrase is not a flag: ${VISIBLE}. Put the certificate's passphrase in AZURE_CLIENT_CERTIFICATE_PASSWORD.`
    ],
    [
      ['--password', 'hunter2'],
      `--password is not a flag: ${VISIBLE}. Put a client secret in AZURE_CLIENT_SECRET (or a file given with --creds @FILE), a certificate's passphrase in AZURE_CLIENT_CERTIFICATE_PASSWORD.`
    ],
    [
      ['--creds', '{"clientSecret":"hunter2"}'],
      `--creds takes only @FILE, the path of a JSON file after an @: ${VISIBLE}, so credentials never go on it.`
    ],
    [
      ['--creds={"clientSecret":"hunter2"}'],
      `--creds takes only @FILE, the path of a JSON file after an @: ${VISIBLE}, so credentials never go on it.`
    ],
    [['--creds', 'sp.json'], `--creds takes only @FILE, the path of a JSON file after an @: ${VISIBLE}, so credentials never go on it.`],
    [['--creds', '@'], `--creds takes only @FILE, the path of a JSON file after an @: ${VISIBLE}, so credentials never go on it.`],
    [
      ['--client-certificate', '-----BEGIN PRIVATE KEY-----\nhunter2\n-----END PRIVATE KEY-----'],
      `--client-certificate takes the path of a PEM file, not PEM text: ${VISIBLE}. Or put the path in AZURE_CLIENT_CERTIFICATE_PATH.`
    ]
  ])('%j', (argv, line) => {
    const message = refusal(argv);
    expect(message).toBe(line);
    expect(message).not.toContain('hunter2');
    expect(message.split('\n')).toHaveLength(1);
  });

  it('escapes and cuts an unknown flag it names', () => {
    expect(refusal(['--a\u001b[31mb'])).toBe('--a\\u001b[31mb is not a flag of azure-token (see azure-token --help).');
    expect(refusal([`--${'x'.repeat(100)}`])).toBe(`--${'x'.repeat(58)}… (cut) is not a flag of azure-token (see azure-token --help).`);
  });

  it('stops at the first bad argument', () => {
    expect(refusal(['--client-secret', 'hunter2', '--nope'])).toMatch(/^--client-secret is not a flag/);
  });
});
