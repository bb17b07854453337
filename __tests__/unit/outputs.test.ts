import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ActionError } from '../../src/errors.js';
import { actionsRunner, formatExpiry, identityOf, type Runner, summaryMarkdown, writeTokenFile } from '../../src/outputs.js';
import { CLIENT_ID, fakeJwt, OBJECT_ID, TENANT_ID } from './support.js';

describe('formatExpiry', () => {
  it.each([
    ['2026-11-23T12:34:56.000Z', '2026-11-23T12:34:56Z'],
    ['2026-11-23T12:34:56.999Z', '2026-11-23T12:34:56Z'],
    ['2026-11-23T12:34:56.001Z', '2026-11-23T12:34:56Z'],
    ['2026-12-31T23:59:59.500Z', '2026-12-31T23:59:59Z']
  ])('%s → %s (whole seconds, UTC)', (iso, expected) => {
    expect(formatExpiry(new Date(iso))).toBe(expected);
  });
});

describe('identityOf', () => {
  const fallback = { tenantId: 'fallback-tenant', clientId: 'fallback-client' };
  it.each<[string, string, object]>([
    ['appid (v1 token)', fakeJwt({ tid: TENANT_ID, appid: CLIENT_ID, oid: OBJECT_ID }), { tenantId: TENANT_ID, clientId: CLIENT_ID, objectId: OBJECT_ID }],
    ['azp (v2 token)', fakeJwt({ tid: TENANT_ID, azp: CLIENT_ID, oid: OBJECT_ID }), { tenantId: TENANT_ID, clientId: CLIENT_ID, objectId: OBJECT_ID }],
    ['appid over azp', fakeJwt({ appid: CLIENT_ID, azp: 'other' }), { tenantId: 'fallback-tenant', clientId: CLIENT_ID, objectId: undefined }],
    ['no identity claims: the config', fakeJwt({ aud: 'x' }), { tenantId: 'fallback-tenant', clientId: 'fallback-client', objectId: undefined }],
    ['a token that is not a JWT: the config', 'opaque-token-value', { tenantId: 'fallback-tenant', clientId: 'fallback-client', objectId: undefined }],
    ['a JWT whose payload is not JSON', 'aaa.bm90IGpzb24.ccc', { tenantId: 'fallback-tenant', clientId: 'fallback-client', objectId: undefined }]
  ])('reads %s', (_, token, identity) => {
    expect(identityOf(token, fallback)).toEqual(identity);
  });
});

describe('writeTokenFile', () => {
  let directory: string;
  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'token-file-'));
  });
  afterEach(() => {
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it('creates the file with the token, readable by its owner only', async () => {
    const file = path.join(directory, 'token');
    await writeTokenFile(file, 'the-token');
    expect(fs.readFileSync(file, 'utf8')).toBe('the-token');
    if (process.platform !== 'win32') {
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    }
  });

  it('creates missing parent directories', async () => {
    const file = path.join(directory, 'a', 'b', 'token');
    await writeTokenFile(file, 'the-token');
    expect(fs.readFileSync(file, 'utf8')).toBe('the-token');
  });

  it('refuses to overwrite an existing file', async () => {
    const file = path.join(directory, 'token');
    fs.writeFileSync(file, 'before');
    await expect(writeTokenFile(file, 'the-token')).rejects.toThrow(new ActionError(`token-file ${file} already exists.`));
    expect(fs.readFileSync(file, 'utf8')).toBe('before');
  });

  it('says which step failed when the directory cannot be made', async () => {
    const blocker = path.join(directory, 'not-a-directory');
    fs.writeFileSync(blocker, '');
    const file = path.join(blocker, 'token');
    // (node's errors come from outside jest's realm, so they print as "Error: E...")
    await expect(writeTokenFile(file, 'the-token')).rejects.toThrow(new RegExp(`^Writing token-file ${file}: (Error: )?E[A-Z]+: `));
  });

  (process.platform === 'win32' ? it.skip : it)('refuses an existing symlink and leaves its target alone', async () => {
    const target = path.join(directory, 'target');
    const file = path.join(directory, 'token');
    fs.writeFileSync(target, 'before');
    fs.symlinkSync(target, file);
    await expect(writeTokenFile(file, 'the-token')).rejects.toThrow(`token-file ${file} already exists.`);
    expect(fs.readFileSync(target, 'utf8')).toBe('before');
  });

  (process.platform === 'win32' ? it.skip : it)('refuses a dangling symlink and creates nothing at its target', async () => {
    const target = path.join(directory, 'planted');
    const file = path.join(directory, 'token');
    fs.symlinkSync(target, file);
    await expect(writeTokenFile(file, 'the-token')).rejects.toThrow('already exists');
    expect(fs.existsSync(target)).toBe(false);
  });
});

describe('summaryMarkdown', () => {
  const facts = {
    identity: { tenantId: TENANT_ID, clientId: CLIENT_ID, objectId: undefined },
    authType: 'oidc' as const,
    resource: 'https://vault.azure.net',
    expiresOn: new Date('2026-11-23T12:59:59.400Z'),
    secrets: []
  };

  it('lists the identity, resource and expiry', () => {
    expect(summaryMarkdown(facts)).toBe(
      [
        '### Azure token',
        '',
        '| | |',
        '|---|---|',
        '| Credential | oidc |',
        `| Client ID | ${CLIENT_ID} |`,
        '| Object ID | - |',
        `| Tenant ID | ${TENANT_ID} |`,
        '| Resource | https://vault.azure.net |',
        '| Expires | 2026-11-23T12:59:59Z |',
        ''
      ].join('\n')
    );
  });

  it('names loaded secrets, never their values, and escapes |', () => {
    const secrets = [
      { name: 'db-password', envName: 'PGPASSWORD', vault: 'https://my-vault.vault.azure.net', value: 'S3cr3t~Value_ABC' },
      { name: 'a|b', envName: 'A_B', vault: 'https://my-vault.vault.azure.net', value: 'other|secret' }
    ];
    const markdown = summaryMarkdown({ ...facts, secrets });
    expect(markdown).toContain(
      [
        '#### Key Vault secrets (2)',
        '',
        '| Secret | Vault | Environment variable |',
        '|---|---|---|',
        '| db-password | https://my-vault.vault.azure.net | PGPASSWORD |',
        '| a\\|b | https://my-vault.vault.azure.net | A_B |'
      ].join('\n')
    );
    expect(markdown).not.toContain('S3cr3t~Value_ABC');
    expect(markdown).not.toContain('other');
  });
});

describe('actionsRunner', () => {
  let printed: string[];
  beforeEach(() => {
    printed = [];
    jest.spyOn(process.stdout, 'write').mockImplementation(chunk => {
      printed.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it.each<[string, (runner: Runner) => void, string]>([
    ['setOutput', runner => runner.setOutput('access-token', 'the-token'), 'GITHUB_OUTPUT is not set, so the action cannot set outputs'],
    ['exportVariable', runner => runner.exportVariable('DB_PASSWORD', 'the-secret'), 'GITHUB_ENV is not set, so the action cannot export environment variables'],
    ['saveState', runner => runner.saveState('token-file', '/tmp/token'), 'GITHUB_STATE is not set, so the action cannot save state for its post step']
  ])('refuses %s without its file, and prints nothing', (_, call, message) => {
    expect(() => call(actionsRunner({}))).toThrow(message);
    expect(printed.join('')).toBe('');
  });

  it('writes an output to the GITHUB_OUTPUT file, never to the log', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'github-output-'));
    const outputFile = path.join(directory, 'output');
    fs.writeFileSync(outputFile, '');
    const saved = process.env['GITHUB_OUTPUT'];
    process.env['GITHUB_OUTPUT'] = outputFile;
    try {
      actionsRunner(process.env).setOutput('access-token', 'the-token');
    } finally {
      if (saved === undefined) delete process.env['GITHUB_OUTPUT'];
      else process.env['GITHUB_OUTPUT'] = saved;
    }
    expect(fs.readFileSync(outputFile, 'utf8')).toMatch(/^access-token<<ghadelimiter_[\w-]+\nthe-token\nghadelimiter_[\w-]+\n$/);
    expect(printed.join('')).toBe('');
    fs.rmSync(directory, { recursive: true, force: true });
  });
});
