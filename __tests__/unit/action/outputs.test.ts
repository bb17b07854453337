import { describe, expect, it } from '@jest/globals';
import { publishSecrets, tokenOutputs } from '../../../src/action/outputs.js';
import type { LoadedSecret } from '../../../src/core/keyvault/load.js';
import { CLIENT_ID, NOW, OBJECT_ID, recordingRunner, TENANT_ID } from '../support.js';

describe('tokenOutputs', () => {
  const acquired = {
    token: { token: 'the-token', expiresOn: new Date(NOW + 3_599_400) },
    identity: { tenantId: TENANT_ID, clientId: CLIENT_ID, objectId: OBJECT_ID },
    secrets: []
  };

  it('holds every token output of the contract, in order', () => {
    expect(tokenOutputs(acquired, 'oidc', undefined)).toEqual([
      ['access-token', 'the-token'],
      ['expires-on', '2026-11-23T12:59:59Z'],
      ['token-type', 'Bearer'],
      ['tenant-id', TENANT_ID],
      ['client-id', CLIENT_ID],
      ['object-id', OBJECT_ID],
      ['auth-type', 'oidc']
    ]);
  });

  it('adds token-file when one was written, and empty identity fields when the token names none', () => {
    const outputs = tokenOutputs(
      { ...acquired, identity: { tenantId: undefined, clientId: undefined, objectId: undefined } },
      'azure-cli',
      '/w/token'
    );
    expect(outputs).toContainEqual(['token-file', '/w/token']);
    expect(outputs).toContainEqual(['object-id', '']);
  });
});

describe('publishSecrets', () => {
  const secret = (envName: string, value: string, exportable = true): LoadedSecret => ({
    reference: { kind: 'secret', entry: envName, vault: 'https://v.vault.azure.net', name: envName, version: undefined, envName },
    name: envName,
    envName,
    vault: 'https://v.vault.azure.net',
    value,
    exportable
  });

  it('sets an output per secret and exports the exportable ones', () => {
    const runner = recordingRunner();
    publishSecrets(runner, [secret('A', 'a'), secret('BASH_ENV', 'x', false), secret('EMPTY', '')], true);
    expect(runner.outputs).toEqual({ A: 'a', BASH_ENV: 'x', EMPTY: '' });
    expect(runner.exported).toEqual({ A: 'a', EMPTY: '' });
  });

  it('exports nothing with export-env false', () => {
    const runner = recordingRunner();
    publishSecrets(runner, [secret('A', 'a')], false);
    expect(runner.exported).toEqual({});
  });
});
