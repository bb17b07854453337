import { describe, expect, it } from '@jest/globals';
import type { Credential } from '../../../src/core/credentials/credential.js';
import { ActionError, describeError } from '../../../src/core/errors.js';
import { cachedTokenSource } from '../../../src/core/token-cache.js';
import { NOW, recordingLog } from '../support.js';

function countingCredential(fail = false): Credential & { asked: Array<[string, string | undefined]> } {
  const asked: Array<[string, string | undefined]> = [];
  return {
    kind: 'secret',
    asked,
    getToken: async (scope, options) => {
      asked.push([scope, options?.tenantId]);
      if (fail)
        throw new ActionError(
          'Entra ID refused the token request with AADSTS7000215: The client secret is wrong.',
          'Give the secret value.'
        );
      return { token: `token-for-${scope}`, expiresOn: new Date(NOW + 3_600_000) };
    }
  };
}

describe('cachedTokenSource', () => {
  it('asks once per scope and tenant, even for requests made together, and says so in a debug line', async () => {
    const credential = countingCredential();
    const log = recordingLog();
    const tokens = cachedTokenSource(credential, log);
    const [a, b] = await Promise.all([tokens('https://vault.azure.net/.default'), tokens('https://vault.azure.net/.default')]);
    await tokens('https://vault.azure.net/.default', 'other-tenant');
    expect(a).toBe(b);
    expect(credential.asked).toEqual([
      ['https://vault.azure.net/.default', undefined],
      ['https://vault.azure.net/.default', 'other-tenant']
    ]);
    expect(log.debugs).toEqual(['Token for https://vault.azure.net/.default: the one this step already asked for.']);
  });

  it('names the scope, tenant and credential in a failure, keeping the hint', async () => {
    const tokens = cachedTokenSource(countingCredential(true));
    const failure = await tokens('https://graph.microsoft.com/.default', 'contoso.onmicrosoft.com').catch((error: unknown) =>
      describeError(error)
    );
    expect(failure).toBe(
      "Getting a token for https://graph.microsoft.com/.default in tenant contoso.onmicrosoft.com with auth-type 'secret': Entra ID refused the token request with AADSTS7000215: The client secret is wrong.\nGive the secret value."
    );
  });
});
