import { describe, expect, it } from '@jest/globals';
import type { Credential } from '../../../src/core/credentials/credential.js';
import { ActionError, describeError } from '../../../src/core/errors.js';
import type { AccessToken } from '../../../src/core/token.js';
import { createMinter, scopeOf } from '../../../src/endpoint/minter.js';
import { NOW } from '../support.js';

const HOUR = 3600_000;
const MINUTE = 60_000;

/** A credential that records every scope it is asked for and mints a token living one hour from the clock's now. */
function countingCredential(clock: { now: () => number }): Credential & { scopes: string[] } {
  const scopes: string[] = [];
  return {
    kind: 'oidc',
    scopes,
    async getToken(scope) {
      scopes.push(scope);
      return { token: `token-${scopes.length}`, expiresOn: new Date(clock.now() + HOUR) };
    }
  };
}

/** A credential whose mints wait until the test lets them finish. */
function heldCredential(): Credential & { scopes: string[]; release(token: AccessToken): void; fail(error: Error): void } {
  const scopes: string[] = [];
  const pending: Array<{ resolve: (token: AccessToken) => void; reject: (error: Error) => void }> = [];
  return {
    kind: 'secret',
    scopes,
    getToken(scope) {
      scopes.push(scope);
      return new Promise((resolve, reject) => pending.push({ resolve, reject }));
    },
    release: token => pending.shift()?.resolve(token),
    fail: error => pending.shift()?.reject(error)
  };
}

describe('createMinter: the cache', () => {
  it('mints once per resource and serves the cached token until five minutes before it expires', async () => {
    let now = NOW;
    const clock = { now: () => now };
    const credential = countingCredential(clock);
    const minter = createMinter(credential, clock);

    await expect(minter.token('https://vault.azure.net')).resolves.toMatchObject({ token: 'token-1' });
    now = NOW + HOUR - 5 * MINUTE - 1;
    await expect(minter.token('https://vault.azure.net')).resolves.toMatchObject({ token: 'token-1' });
    expect(credential.scopes).toEqual(['https://vault.azure.net/.default']);

    now = NOW + HOUR - 5 * MINUTE;
    await expect(minter.token('https://vault.azure.net')).resolves.toMatchObject({ token: 'token-2' });
    now += 1;
    await expect(minter.token('https://vault.azure.net')).resolves.toMatchObject({ token: 'token-2' });
    expect(credential.scopes).toEqual(['https://vault.azure.net/.default', 'https://vault.azure.net/.default']);
  });

  it('keeps each resource apart, exactly as asked', async () => {
    const clock = { now: () => NOW };
    const credential = countingCredential(clock);
    const minter = createMinter(credential, clock);
    await minter.token('https://management.azure.com');
    await minter.token('https://management.core.windows.net/');
    await minter.token('https://management.azure.com');
    expect(credential.scopes).toEqual(['https://management.azure.com/.default', 'https://management.core.windows.net//.default']);
  });

  it('mints again at every request when the token lives less than five minutes', async () => {
    const clock = { now: () => NOW };
    const credential: Credential & { count: number } = {
      kind: 'secret',
      count: 0,
      async getToken() {
        this.count++;
        return { token: 'short', expiresOn: new Date(NOW + 4 * MINUTE) };
      }
    };
    const minter = createMinter(credential, clock);
    await minter.token('https://vault.azure.net');
    await minter.token('https://vault.azure.net');
    expect(credential.count).toBe(2);
  });
});

describe('createMinter: one mint at a time per resource', () => {
  it('lets concurrent requests for one resource share one mint, and mints other resources alongside', async () => {
    const credential = heldCredential();
    const minter = createMinter(credential, { now: () => NOW });
    const first = minter.token('https://vault.azure.net');
    const second = minter.token('https://vault.azure.net');
    const other = minter.token('https://storage.azure.com');
    expect(credential.scopes).toEqual(['https://vault.azure.net/.default', 'https://storage.azure.com/.default']);

    const token = { token: 'vault-token', expiresOn: new Date(NOW + HOUR) };
    credential.release(token);
    await expect(first).resolves.toBe(token);
    await expect(second).resolves.toBe(token);
    credential.release({ token: 'storage-token', expiresOn: new Date(NOW + HOUR) });
    await expect(other).resolves.toMatchObject({ token: 'storage-token' });
    await expect(minter.token('https://vault.azure.net')).resolves.toBe(token);
    expect(credential.scopes).toHaveLength(2);
  });

  it('does not cache a failure: every waiting request gets it, with context, and the next request mints again', async () => {
    const credential = heldCredential();
    const minter = createMinter(credential, { now: () => NOW });
    const first = minter.token('https://vault.azure.net');
    const second = minter.token('https://vault.azure.net');
    credential.fail(
      new ActionError('Entra ID refused the token request with AADSTS7000222: The client secret has expired.', 'Create a new secret.')
    );
    const expected =
      "Getting a token for https://vault.azure.net with auth-type 'secret': Entra ID refused the token request with AADSTS7000222: The client secret has expired.\nCreate a new secret.";
    expect(describeError(await first.catch(error => error))).toBe(expected);
    expect(describeError(await second.catch(error => error))).toBe(expected);

    const third = minter.token('https://vault.azure.net');
    expect(credential.scopes).toHaveLength(2);
    credential.release({ token: 'fresh', expiresOn: new Date(NOW + HOUR) });
    await expect(third).resolves.toMatchObject({ token: 'fresh' });
  });
});

describe('scopeOf', () => {
  it.each([
    ['https://management.azure.com', 'https://management.azure.com/.default'],
    ['https://management.core.windows.net/', 'https://management.core.windows.net//.default'],
    ['https://graph.microsoft.com/.default', 'https://graph.microsoft.com/.default'],
    ['00000003-0000-0000-c000-000000000000', '00000003-0000-0000-c000-000000000000/.default']
  ])('%s → %s', (resource, scope) => {
    expect(scopeOf(resource)).toBe(scope);
  });
});
