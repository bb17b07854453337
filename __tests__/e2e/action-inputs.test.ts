/**
 * Bad inputs through the built dist/: the step fails at once with one error naming the input and
 * what it expects, before any request (none reaches the fake, directly or through the proxy),
 * hands nothing on, and never echoes a secret it was given.
 */
import { it, expect, beforeAll, afterAll, afterEach } from '@jest/globals';
import { startFakeAzure, DEFAULTS, type FakeAzure } from '../../test/fake-azure/server.js';
import { expectNoLeaks, failureOf, removeRunDirs, runDist, secretInputs } from './support.js';

/** A secret inside a bad `creds`: it must not come back in the message. */
const CREDS_SECRET = 'creds~secret.value_fake_31415926535';

let fake: FakeAzure;

beforeAll(async () => {
  fake = await startFakeAzure({ tls: true });
});
afterEach(() => {
  fake.clearRequests();
  fake.proxyLog.length = 0;
});
afterAll(async () => {
  removeRunDirs();
  await fake.close();
});

const VALID = 'https://my-vault.vault.azure.net';

it.each([
  ['auth-type', { 'auth-type': 'password' }],
  ['client-id', { 'client-id': 'my-app' }],
  ['tenant-id', { 'tenant-id': 'common' }],
  ['tenant-id', { 'tenant-id': 'not a tenant' }],
  ['environment', { environment: 'AzureGermanCloud' }],
  ['environment', { environment: 'Mars' }],
  ['authority-host', { 'authority-host': 'http://login.example.com' }],
  ['resource', { resource: 'not a resource' }],
  ['export-env', { 'export-env': 'yes' }],
  ['ignore-missing-secrets', { 'ignore-missing-secrets': '1' }],
  ['job-summary', { 'job-summary': 'maybe' }],
  ['creds', { creds: `{"clientId": "${DEFAULTS.clientId}", "clientSecret": "${CREDS_SECRET}"` }],
  ['creds', { creds: '["not", "an", "object"]' }],
  ['client-certificate-password', { 'client-certificate-password': 'test-passphrase' }],
  ['secrets', { secrets: 'https://evil.example.com/secrets/db-password' }],
  ['secrets', { secrets: `${VALID}.evil.example.com/db-password` }],
  ['secrets', { secrets: 'db-password' }],
  ['secrets', { secrets: 'my-vault/db-password | 1BAD-NAME' }],
  ['secrets', { secrets: 'my-vault/db-password\nother-vault/db-password' }],
  ['secrets', { secrets: `${VALID}/secrets/db-password/not-a-version/extra` }]
])("Input '%s' %j: fails at once, before any request", async (name, bad) => {
  const inputs = { ...secretInputs(fake), 'authority-host': '', ...bad };
  const result = await runDist({ inputs, env: { ...fake.env.oidc, HTTPS_PROXY: fake.proxyUrl, NODE_EXTRA_CA_CERTS: fake.caFile } });

  expect(result.exitCode).toBe(1);
  expect(failureOf(result)).toMatch(new RegExp(`^Input '${name}' `));
  expect(fake.requests).toEqual([]);
  expect(fake.proxyLog).toEqual([]);
  expect(result.outputs).toEqual({});
  expect(result.exportedEnv).toEqual({});
  expect(result.files.state).toBe('');
  expectNoLeaks(result, [CREDS_SECRET, 'test-passphrase']);
});
