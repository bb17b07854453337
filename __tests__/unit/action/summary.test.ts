import { describe, expect, it } from '@jest/globals';
import { code, failureSummary, successSummary } from '../../../src/action/summary.js';
import { CLIENT_ID, TENANT_ID } from '../support.js';

describe('successSummary', () => {
  const facts = {
    identity: { tenantId: TENANT_ID, clientId: CLIENT_ID, objectId: undefined },
    authType: 'oidc',
    resource: 'https://vault.azure.net',
    expiresOn: new Date('2026-11-23T12:59:59.400Z'),
    subject: 'repo:octo-org/octo-repo:environment:prod',
    secrets: []
  };

  it('has a proper header, values as code (no auto-links), and the OIDC subject', () => {
    expect(successSummary(facts)).toBe(
      [
        '### Azure token',
        '',
        '| Item | Value |',
        '|---|---|',
        '| Credential | `oidc` |',
        `| Client ID | \`${CLIENT_ID}\` |`,
        '| Object ID | - |',
        `| Tenant ID | \`${TENANT_ID}\` |`,
        '| Federated subject | `repo:octo-org/octo-repo:environment:prod` |',
        '| Resource | `https://vault.azure.net` |',
        '| Expires | `2026-11-23T12:59:59Z` |',
        ''
      ].join('\n')
    );
  });

  it('leaves the subject row out when no federated token was presented', () => {
    expect(successSummary({ ...facts, authType: 'secret', subject: undefined })).not.toContain('Federated subject');
  });

  it('names loaded secrets, never their values, escapes |, and marks names not exported', () => {
    const secrets = [
      {
        name: 'db-password',
        envName: 'PGPASSWORD',
        vault: 'https://my-vault.vault.azure.net',
        value: 'S3cr3t~Value_ABC',
        exportable: true
      },
      { name: 'a|b', envName: 'A_B', vault: 'https://my-vault.vault.azure.net', value: 'other|secret', exportable: true },
      { name: 'bash-env', envName: 'BASH_ENV', vault: 'https://my-vault.vault.azure.net', value: 'x', exportable: false }
    ];
    const markdown = successSummary({ ...facts, secrets });
    expect(markdown).toContain(
      [
        '#### Key Vault secrets (3)',
        '',
        '| Secret | Vault | Name |',
        '|---|---|---|',
        '| `db-password` | `https://my-vault.vault.azure.net` | `PGPASSWORD` |',
        '| `a\\|b` | `https://my-vault.vault.azure.net` | `A_B` |',
        '| `bash-env` | `https://my-vault.vault.azure.net` | `BASH_ENV` (output only) |'
      ].join('\n')
    );
    expect(markdown).not.toContain('S3cr3t~Value_ABC');
    expect(markdown).not.toContain('other');
  });
});

describe('failureSummary', () => {
  it('says what was tried and the first line of the error', () => {
    expect(failureSummary({ authType: 'auto', resource: undefined, error: "Input 'tenant-id' must be a tenant GUID or domain" })).toBe(
      [
        '### Azure token: failed',
        '',
        '| Item | Value |',
        '|---|---|',
        '| Credential | `auto` |',
        '| Resource | - |',
        "| Error | `Input 'tenant-id' must be a tenant GUID or domain` |",
        '',
        'The step log holds the whole error, with what to do about it.',
        ''
      ].join('\n')
    );
  });
});

describe('code', () => {
  it.each<[string, string | undefined, string]>([
    ['plain text', 'oidc', '`oidc`'],
    ['a URL, so it does not render as a link', 'https://vault.azure.net', '`https://vault.azure.net`'],
    ['a backtick inside: a longer fence, padded', 'a`b', '`` a`b ``'],
    ['a pipe, escaped for the table', 'a|b', '`a\\|b`'],
    ['a line break, flattened', 'a\nb', '`a b`'],
    ['nothing', undefined, '-'],
    ['an empty text', '', '-']
  ])('writes %s', (_, text, markdown) => {
    expect(code(text)).toBe(markdown);
  });
});
