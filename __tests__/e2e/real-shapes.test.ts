/**
 * The shapes real services send (each reproduced in test/fake-azure/ with its source), through
 * the built dist/: Key Vault's 429 without Retry-After, listings with certificate-backed and
 * not-yet-valid secrets, empty pages and nextLinks as Key Vault writes them, App Service's 400
 * for several user-assigned identities, Entra ID's trace ids on the description's first line,
 * a managed identity's cached token; the most common first-run mistake; and debug logging.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULTS, type FakeAzure, startFakeAzure } from '../../test/fake-azure/server.js';
import { claimsOf, expectNoLeaks, failureOf, logOf, removeRunDirs, runDist, secretInputs } from './support.js';

jest.setTimeout(60_000);

let fake: FakeAzure;
let scratch: string;
beforeAll(async () => {
  fake = await startFakeAzure({ tls: true });
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'real-shapes-'));
});
afterAll(async () => {
  removeRunDirs();
  await fake.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

const viaProxy = (): Record<string, string> => ({ HTTPS_PROXY: fake.proxyUrl ?? '', NODE_EXTRA_CA_CERTS: fake.caFile ?? '' });

describe('Key Vault', () => {
  it("waits out a 429 that carries no Retry-After (Key Vault's own), backing off from 1 s", async () => {
    fake.clearFaults();
    fake.throttle('keyvault', { perWindow: 2, windowMs: 1_000 });
    try {
      const names = ['db-password', 'api-key', 'tls-key', 'connection-string'];
      const result = await runDist({
        inputs: secretInputs(fake, { secrets: names.map(name => `${fake.vaultUrl(DEFAULTS.vaultName)}/${name}`).join('\n') })
      });
      expect(result.errors).toEqual([]);
      expect(Object.keys(result.exportedEnv).sort()).toEqual(['API_KEY', 'CONNECTION_STRING', 'DB_PASSWORD', 'TLS_KEY']);
      const throttled = fake.requestsFor('keyvault-get').filter(request => request.status === 429);
      expect(throttled.length).toBeGreaterThan(0);
      expect(logOf(result)).toMatch(
        /Key Vault \(GET http:\/\/127\.0\.0\.1:\d+\/secrets\/[a-z-]+\) answered 429; retrying in 1\.[0-2] s \(attempt 2\)\./
      );
      expectNoLeaks(result);
    } finally {
      fake.clearFaults();
    }
  });

  it('lists a vault as real ones page: empty pages, :443 and api-version 7.2 in nextLinks; skips certificate-backed and not-yet-valid secrets', async () => {
    const now = Math.floor(Date.now() / 1000);
    await fake.addVault('shapes-vault', {
      pageSize: 2,
      listing: { emptyPages: 'between', nextLinkMaxResults: 'drop', itemKid: true },
      secrets: {
        plain: 'plain-value-7781',
        other: 'other-value-2231',
        'tls-cert': { value: 'pfx-private-key-material-0091', managed: true },
        'pem-cert': { value: 'pem-private-key-material-0092', managed: true, contentType: 'application/x-pem-file' },
        later: { value: 'later-value-3344', nbf: now + 3600 }
      }
    });
    const result = await runDist({ inputs: secretInputs(fake, { secrets: 'shapes-vault/*' }), env: viaProxy() });
    expect(result.errors).toEqual([]);
    expect(result.exportedEnv).toEqual({ PLAIN: 'plain-value-7781', OTHER: 'other-value-2231' });
    expect(result.notices).toEqual([
      "Skipped 2 certificate-backed secrets of https://shapes-vault.vault.azure.net/* (each holds a certificate's private key): pem-cert, tls-cert. Name one in 'secrets' to load it."
    ]);
    const pages = fake.requestsFor('keyvault-list');
    expect(pages.length).toBeGreaterThan(3);
    expect(pages.slice(1).every(page => page.query['api-version'] === '7.2')).toBe(true);
    expectNoLeaks(result, [
      'plain-value-7781',
      'other-value-2231',
      'pfx-private-key-material-0091',
      'pem-private-key-material-0092',
      'later-value-3344'
    ]);
  });

  it('still loads a certificate-backed secret named on its own', async () => {
    const result = await runDist({ inputs: secretInputs(fake, { secrets: 'shapes-vault/tls-cert | TLS_PFX' }), env: viaProxy() });
    expect(result.errors).toEqual([]);
    expect(result.exportedEnv).toEqual({ TLS_PFX: 'pfx-private-key-material-0091' });
    expectNoLeaks(result, ['pfx-private-key-material-0091']);
  });
});

describe('managed identity', () => {
  it("App Service's 400 for several user-assigned identities: select one with client-id, and the correlation id", async () => {
    const saved = fake.scenario.managedIdentities;
    fake.scenario.managedIdentities = [
      { ...DEFAULTS.userIdentity },
      { ...DEFAULTS.userIdentity, clientId: '1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b', objectId: '2e3d4c5b-6a79-4887-9a0b-1c2d3e4f5a6b' }
    ];
    try {
      const result = await runDist({ inputs: { 'auth-type': 'managed-identity' }, env: fake.env.appService });
      expect(result.exitCode).toBe(1);
      const lines = failureOf(result).split('\n');
      expect(lines[0]).toBe(
        "Getting a token for https://management.azure.com/.default with auth-type 'managed-identity': The App Service / Container Apps identity endpoint refused the token request with HTTP 400: Unable to load the proper Managed Identity."
      );
      expect(lines[1]).toMatch(/^Correlation ID: [0-9a-f-]{36}$/);
      expect(lines[2]).toBe(
        "The app has several user-assigned identities and none is selected: set 'client-id' to the client ID of the one to use (list them: az containerapp identity show -g <group> -n <app>, or az webapp identity show -g <group> -n <app>)."
      );
      expectNoLeaks(result);
    } finally {
      fake.scenario.managedIdentities = saved;
    }
  });

  it("a cached token whose expires_in claims a day: expires-on is the token's own expiry (expires_on)", async () => {
    fake.scenario.managedIdentityCache = { remainingSeconds: 3_000, expiresIn: '86399' };
    try {
      const result = await runDist({ inputs: { 'auth-type': 'managed-identity' }, env: fake.env.appService });
      expect(result.errors).toEqual([]);
      const expiresOn = Date.parse(result.outputs['expires-on'] ?? '');
      const tokenExp = Number(claimsOf(result.outputs['access-token'] ?? '')['exp']) * 1000;
      expect(Math.abs(expiresOn - tokenExp)).toBeLessThan(2_000);
      expect(expiresOn - Date.now()).toBeLessThan(3_100_000);
      expectNoLeaks(result);
    } finally {
      delete fake.scenario.managedIdentityCache;
    }
  });
});

describe('Entra ID', () => {
  it('shows the trace and correlation ids once when the description carries them on its first line', async () => {
    fake.scenario.entraErrorStyle = 'inline';
    const result = await runDist({ inputs: secretInputs(fake, { 'client-secret': 'not-the-secret-value-1234' }) });
    expect(result.exitCode).toBe(1);
    const failure = failureOf(result);
    expect(failure.match(/Trace ID/g)).toHaveLength(1);
    expect(failure.split('\n')[1]).toMatch(/^Entra ID said: [^\n]*$/);
    expect(failure.split('\n')[1]).not.toContain('Trace ID');
    expect(failure.split('\n')[2]).toMatch(/^Trace ID: [0-9a-f-]+, correlation ID: [0-9a-f-]+$/);
    expectNoLeaks(result, ['not-the-secret-value-1234']);
  });
});

describe('the first-run mistake', () => {
  it('auto with client-id and tenant-id but no id-token: write, on a runner with an az that is not signed in: the first line says so', async () => {
    const bin = fs.mkdtempSync(path.join(scratch, 'bin-'));
    fs.writeFileSync(path.join(bin, 'az'), '#!/bin/sh\necho "ERROR: Please run \'az login\' to setup account." >&2\nexit 1\n', {
      mode: 0o755
    });
    const result = await runDist({
      inputs: { 'client-id': DEFAULTS.clientId, 'tenant-id': DEFAULTS.tenantId, 'authority-host': fake.url },
      env: { PATH: `${bin}:${process.env['PATH'] ?? ''}` }
    });
    expect(result.exitCode).toBe(1);
    expect(failureOf(result).split('\n').slice(0, 2)).toEqual([
      "The job has no GitHub OIDC token: 'client-id' and 'tenant-id' are given for OIDC, and the job needs `permissions: id-token: write`.",
      "Getting a token for https://management.azure.com/.default with auth-type 'azure-cli': The Azure CLI is not signed in: ERROR: Please run 'az login' to setup account."
    ]);
    expectNoLeaks(result);
  });
});

describe('debug logging', () => {
  it('writes one ::debug:: line per request the fake saw, and every decision, with no secret in any', async () => {
    fake.clearRequests();
    const result = await runDist({
      inputs: { ...secretInputs(fake, { secrets: `${fake.vaultUrl(DEFAULTS.vaultName)}/*` }), 'auth-type': 'auto' }
    });
    expect(result.errors).toEqual([]);
    const requestLines = result.debug.filter(line =>
      /^(GET|POST) http:\/\/127\.0\.0\.1:\d+\/\S*: HTTP \d{3} in \d+ ms \(attempt \d+\)$/.test(line)
    );
    expect(requestLines).toHaveLength(fake.requests.length);
    expect(result.debug).toContain("auth-type 'auto': secret: applies (a client secret is given)");
    expect(result.debug.some(line => line.startsWith('Skipped in http://127.0.0.1:'))).toBe(true);
    expectNoLeaks(result);
  });
});
