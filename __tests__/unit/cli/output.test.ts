import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatOutput, printedForm, type Result, shellQuote } from '../../../src/cli/output.js';
import type { Acquired } from '../../../src/core/acquire.js';
import type { LoadedSecret } from '../../../src/core/keyvault/load.js';
import type { SecretReference } from '../../../src/core/keyvault/references.js';
import { CLIENT_ID, fakeJwt, OBJECT_ID, TENANT_ID } from '../support.js';

const TOKEN = fakeJwt({ tid: TENANT_ID, appid: CLIENT_ID, oid: OBJECT_ID });
const VAULT = 'https://my-vault.vault.azure.net';

function secret(envName: string, value: string, options: { exportable?: boolean; name?: string } = {}): LoadedSecret {
  const reference: SecretReference = { kind: 'all', entry: 'my-vault/*', vault: VAULT, prefix: '' };
  return {
    reference,
    name: options.name ?? envName.toLowerCase().replace(/_/g, '-'),
    envName,
    vault: VAULT,
    value,
    exportable: options.exportable ?? true
  };
}

function result(secrets: LoadedSecret[] = [], identity: Partial<Acquired['identity']> = {}): Result {
  return {
    acquired: {
      token: { token: TOKEN, expiresOn: new Date(Date.UTC(2026, 10, 23, 12, 34, 56, 789)) },
      identity: { tenantId: TENANT_ID, clientId: CLIENT_ID, objectId: OBJECT_ID, ...identity },
      secrets
    },
    authType: 'secret',
    resource: 'https://management.azure.com',
    secretsAsked: secrets.length > 0
  };
}

describe('printedForm: what stdout gets by default', () => {
  it.each([
    [undefined, false, false, 'token'],
    [undefined, true, false, 'env'],
    [undefined, false, true, 'nothing'],
    [undefined, true, true, 'env'],
    ['token', true, true, 'token'],
    ['json', false, true, 'json'],
    ['env', true, false, 'env']
  ] as const)('--output %s, secrets asked %s, token file %s: %s', (output, secrets, tokenFile, form) => {
    expect(printedForm(output, secrets, tokenFile)).toBe(form);
  });
});

describe('formatOutput', () => {
  it('token: the token and a newline', () => {
    expect(formatOutput('token', result([secret('DB_PASSWORD', 'x')]))).toEqual({ text: `${TOKEN}\n`, omitted: [] });
  });

  it('nothing: nothing at all', () => {
    expect(formatOutput('nothing', result())).toEqual({ text: '', omitted: [] });
  });

  it("json: one object with the contract's keys, in its order, on one line", () => {
    const { text } = formatOutput('json', result());
    expect(text).toBe(
      `{"accessToken":"${TOKEN}","expiresOn":"2026-11-23T12:34:56Z","tokenType":"Bearer","tenantId":"${TENANT_ID}",` +
        `"clientId":"${CLIENT_ID}","objectId":"${OBJECT_ID}","authType":"secret","resource":"https://management.azure.com"}\n`
    );
  });

  it('json: null for a claim the token lacks', () => {
    const parsed = JSON.parse(formatOutput('json', result([], { objectId: undefined, clientId: undefined })).text) as Record<
      string,
      unknown
    >;
    expect(parsed).toMatchObject({ objectId: null, clientId: null, tenantId: TENANT_ID });
  });

  it('json: "secrets" by env name when secrets were asked for, a refused name included', () => {
    const { text, omitted } = formatOutput(
      'json',
      result([secret('DB_PASSWORD', 'p"w\n'), secret('PATH', '/evil', { exportable: false })])
    );
    expect(text.endsWith('"resource":"https://management.azure.com","secrets":{"DB_PASSWORD":"p\\"w\\n","PATH":"/evil"}}\n')).toBe(true);
    expect(omitted).toEqual([]);
  });

  it('env: one export line per secret, single-quoted', () => {
    const { text } = formatOutput('env', result([secret('DB_PASSWORD', 'Pa55w0rd!'), secret('EMPTY', ''), secret('_2FA', "it's")]));
    expect(text).toBe("export DB_PASSWORD='Pa55w0rd!'\nexport EMPTY=''\nexport _2FA='it'\\''s'\n");
  });

  it('env: names the secrets rules refuse are left out, each named for a warning', () => {
    const { text, omitted } = formatOutput(
      'env',
      result([secret('PATH', '/evil', { exportable: false }), secret('APP_KEY', 'k'), secret('LD_PRELOAD', '/x.so', { exportable: false })])
    );
    expect(text).toBe("export APP_KEY='k'\n");
    expect(omitted).toEqual([
      `path in ${VAULT} is left out of the env output: PATH would run code in, steer, or redirect the shell that evals it. Give the vault a prefix (VAULT/* | APP_), or read it with --output json.`,
      `ld-preload in ${VAULT} is left out of the env output: LD_PRELOAD would run code in, steer, or redirect the shell that evals it. Give the vault a prefix (VAULT/* | APP_), or read it with --output json.`
    ]);
  });

  it('env: a refused or malformed name is left out even when marked exportable', () => {
    const { text, omitted } = formatOutput('env', result([secret('BASH_ENV', 'x'), secret('A;B', 'x', { name: 'a-b' })]));
    expect(text).toBe('');
    expect(omitted).toHaveLength(2);
  });

  it('env: a value with a NUL is refused, since no shell variable can hold it', () => {
    expect(() => formatOutput('env', result([secret('BIN', 'a\0b', { name: 'bin' })]))).toThrow(
      `bin in ${VAULT} holds a NUL character, which no shell variable can hold.`
    );
  });

  it('env: no secrets, no lines', () => {
    expect(formatOutput('env', result())).toEqual({ text: '', omitted: [] });
  });
});

describe('shellQuote', () => {
  it.each([
    ['plain', "'plain'"],
    ['', "''"],
    ["'", "''\\'''"],
    ["a'b'c", "'a'\\''b'\\''c'"],
    ['$HOME `id` $(id) \\n', "'$HOME `id` $(id) \\n'"]
  ])('%j → %s', (value, quoted) => {
    expect(shellQuote(value)).toBe(quoted);
  });
});

/** Values that break naive quoting; each must come back byte for byte from `eval` in sh. */
const ROUND_TRIP: ReadonlyArray<readonly [string, string]> = [
  ['single quotes', "it's 'quoted' ''"],
  ['double quotes', 'say "hi" ""'],
  ['newlines', 'line 1\nline 2\r\nline 3\n\nline 5'],
  ['a trailing newline', 'value\n'],
  ['only newlines', '\n\n'],
  ['dollars', '$HOME ${PATH} $(id) $1 $$ $'],
  ['backticks', '`id` `` ` '],
  ['backslashes', '\\ \\\\ \\n \\\' \\"'],
  ['unicode', 'héllo wörld — 秘密 🔑 \u2028 \u00a0'],
  ['shell syntax', '; rm -rf / & | > < ( ) { } [ ] * ? ! # ~ = %'],
  ['a leading dash', '-n -e'],
  ['control characters', '\t\u0001\u001b[31m\u007f'],
  ['everything at once', `'"$\`\\\n'\n`]
];

function onPath(program: string): boolean {
  return (process.env['PATH'] ?? '').split(path.delimiter).some(directory => directory && fs.existsSync(path.join(directory, program)));
}

describe('env output round-trips through eval in a POSIX shell', () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-output-'));
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
  const posixOnly = process.platform === 'win32' ? it.skip : it;

  // sh is the contract's shell; bash and zsh are what developers type eval into, when the machine has them.
  const shells = ['sh', ...['bash', 'zsh'].filter(shell => onPath(shell))];
  const cases = shells.flatMap(shell => ROUND_TRIP.map(([name, value]) => [shell, name, value] as const));

  posixOnly.each(cases)('%s: %s', (shell, _name, value) => {
    const file = path.join(scratch, 'env');
    fs.writeFileSync(file, formatOutput('env', result([secret('VALUE', value), secret('OTHER', 'other')])).text);
    const printed = execFileSync(shell, ['-c', 'eval "$(cat "$1")"; printf %s "$VALUE"', shell, file], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '' }
    });
    expect(printed).toBe(value);
  });

  posixOnly('and every variable is exported to the programs the shell starts', () => {
    const file = path.join(scratch, 'env-child');
    fs.writeFileSync(file, formatOutput('env', result([secret('VALUE', "a'b\nc")])).text);
    const printed = execFileSync(
      'sh',
      ['-c', `eval "$(cat "$1")"; "${process.execPath}" -e 'process.stdout.write(process.env.VALUE)'`, 'sh', file],
      { encoding: 'utf8' }
    );
    expect(printed).toBe("a'b\nc");
  });
});
