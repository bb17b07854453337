/**
 * Every fault kind on every route the action talks to, through the built dist/: a transient
 * fault (one bad answer) is retried and the step succeeds; a persistent one fails the step with
 * a message naming the endpoint and what went wrong, after a bounded number of tries, in bounded
 * time, exporting nothing. The tests run concurrently (most of their time is the action's real
 * backoff), each with a fake of its own; jest runs concurrently only the tests of one describe
 * block, so this file has none.
 */
import { it, expect, afterAll, jest } from '@jest/globals';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { DEFAULTS, type FakeAzure, type FaultSpec, type Route } from '../../test/fake-azure/server.js';
import type { RunActionOptions } from '../../test/harness/runner.js';
import { NODES, expectNoLeaks, failureOf, fakePool, logOf, oidcInputs, removeRunDirs, runDist, secretInputs } from './support.js';

// A concurrent test's timeout runs from when it is queued, not from when it starts.
jest.setTimeout(40_000);

afterAll(async () => {
  removeRunDirs();
  await pool.close();
});

interface RouteCase {
  route: Route;
  /** How the step is driven so that it reaches this route. */
  options(fake: FakeAzure): RunActionOptions;
  /** The endpoint as the failure message names it. */
  endpoint: RegExp;
}

const ROUTES: readonly RouteCase[] = [
  { route: 'github', options: fake => ({ inputs: oidcInputs(fake), env: fake.env.oidc }), endpoint: /GitHub/ },
  { route: 'entra', options: fake => ({ inputs: secretInputs(fake) }), endpoint: /Entra ID/ },
  { route: 'msi', options: fake => ({ inputs: { 'auth-type': 'managed-identity' }, env: fake.env.appService }), endpoint: /App Service/ },
  {
    route: 'imds',
    options: fake => ({ inputs: { 'auth-type': 'managed-identity' }, env: fake.env.imds }),
    endpoint: /IMDS|instance metadata service/
  },
  {
    route: 'arc',
    options: fake => ({
      inputs: { 'auth-type': 'managed-identity' },
      env: { ...fake.env.arc, AZURE_TOKEN_TEST_ARC_KEY_DIR: fake.managedIdentity.arcKeyDir }
    }),
    endpoint: /Azure Arc/
  },
  {
    route: 'keyvault-get',
    options: fake => ({ inputs: secretInputs(fake, { secrets: `${fake.vaultUrl(DEFAULTS.vaultName)}/db-password` }) }),
    endpoint: /db-password in http:\/\/127\.0\.0\.1:\d+/
  },
  {
    route: 'keyvault-list',
    options: fake => ({ inputs: secretInputs(fake, { secrets: `${fake.vaultUrl(DEFAULTS.vaultName)}/*` }) }),
    endpoint: /listing http:\/\/127\.0\.0\.1:\d+/
  }
];

interface FaultKind {
  kind: string;
  spec: FaultSpec;
  /** What the failure says when the fault persists. */
  persistent: RegExp;
}

// Retry-After: 0 keeps the suite fast; the faults without one wait the real backoff (0.5, 1, 2 s).
const FAULTS: readonly FaultKind[] = [
  { kind: '503 + Retry-After', spec: { status: 503, retryAfter: 0 }, persistent: /HTTP 503/ },
  { kind: '429 + Retry-After', spec: { status: 429, retryAfter: 0 }, persistent: /HTTP 429/ },
  { kind: '500', spec: { status: 500 }, persistent: /HTTP 500/ },
  { kind: 'HTML 502 page', spec: { html: true }, persistent: /HTTP 502/ },
  { kind: 'connection reset', spec: { reset: true }, persistent: /failed after \d+ attempts: ECONNRESET/ },
  { kind: 'truncated body', spec: { truncate: true }, persistent: /failed after \d+ attempts: connection failed while reading the answer/ }
];

/** The action's tries for one request: 4 (http.ts DEFAULT_RETRY); IMDS: 1, then 9 (IMDS_RETRY). */
const TRIES: Partial<Record<Route, number>> = { imds: 10 };

/**
 * IMDS waits Microsoft's backoff (2, 4, 8, 16, 30... s; about 100 s in all) on a fault that sets
 * no Retry-After: bounded, but too slow for this suite. Its persistent faults here carry Retry-After.
 */
const TOO_SLOW = new Set(['imds 500', 'imds HTML 502 page', 'imds connection reset', 'imds truncated body']);

/**
 * Throttling is waited out for up to 5 minutes (retry.ts THROTTLE_BUDGET_MS): a persistent 429
 * is not a failure within a test's time. The unit tests hold the 5-minute bound with a clock that
 * moves by each sleep; here 429s are transient, and a matrix-shaped fan-out waits them out.
 */
const WAITED_OUT = (name: string): boolean => name.endsWith(' 429 + Retry-After');

function cases(filter: (name: string) => boolean): Array<[string, RouteCase, FaultKind]> {
  return ROUTES.flatMap(route =>
    FAULTS.map(fault => [`${route.route} ${fault.kind}`, route, fault] as [string, RouteCase, FaultKind])
  ).filter(([name]) => filter(name));
}

/** Every Azure Arc key the fake handed out: secrets like any other. */
function arcKeys(fake: FakeAzure): string[] {
  const dir = fake.managedIdentity.arcKeyDir;
  return fs.readdirSync(dir).map(file => fs.readFileSync(path.join(dir, file), 'utf8'));
}

// As many fakes as tests run at once (jest.config.js maxConcurrency).
const pool = fakePool(12);
const withFake = pool.use;

// The per-request timeout is 30 s (http.ts DEFAULT_TIMEOUT_MS): one hang costs 30 s, so these start
// first and the other tests run meanwhile. IMDS is left out on purpose: silence from it means "no
// IMDS here" and fails at once (managed-identity.ts).
it.concurrent.each(ROUTES.filter(route => route.route !== 'imds').map(route => [route.route, route] as const))(
  'a hung %s is given up on after the request timeout and retried: the step succeeds',
  async (_name, route) => {
    await withFake(async fake => {
      fake.fault(route.route, { hang: true, times: 1 });
      const result = await runDist({ ...route.options(fake), timeoutMs: 50_000 });

      expect(result.exitCode).toBe(0);
      expect(logOf(result)).toMatch(/ no answer within 30 s; retrying in \d\.\d s \(attempt 2\)/);
      expect(fake.requestsFor(route.route).map(request => request.status)).toContain(null);
      expectNoLeaks(result, arcKeys(fake));
    });
  },
  60_000
);

// A persistent hang costs the whole retry budget, 4 × 30 s: these also start early and run alongside.
it.concurrent.each(ROUTES.filter(route => route.route !== 'imds').map(route => [route.route, route] as const))(
  'a %s that hangs on every request fails after 4 timed-out attempts, in bounded time, exporting nothing',
  async (_name, route) => {
    await withFake(async fake => {
      fake.fault(route.route, { hang: true, times: Infinity });
      const started = Date.now();
      const result = await runDist({ ...route.options(fake), timeoutMs: 170_000 });

      expect(result.exitCode).toBe(1);
      expect(failureOf(result)).toMatch(route.endpoint);
      expect(failureOf(result)).toMatch(/failed after 4 attempts: no answer within 30 s/);
      expect(Date.now() - started).toBeLessThan(150_000);
      expect(result.outputs).toEqual({});
      expect(result.exportedEnv).toEqual({});
      expectNoLeaks(result, arcKeys(fake));
    });
  },
  180_000
);

it.concurrent.each(cases(() => true))('transient %s: retried, the step succeeds', async (_name, route, fault) => {
  await withFake(async fake => {
    fake.fault(route.route, { ...fault.spec, times: 1 });
    const result = await runDist(route.options(fake));

    expect(result.errors).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.outputs['access-token']).toBeTruthy();
    const statuses = fake.requestsFor(route.route).map(request => request.status);
    expect(statuses.filter(status => status === 200)).not.toHaveLength(0);
    expect(statuses.length).toBeGreaterThanOrEqual(2);
    // IMDS's retry is a second request with its own policy (managed-identity.ts): no retry line.
    if (route.route !== 'imds') expect(logOf(result)).toMatch(/retrying in \d+\.\d s \(attempt 2\)/);
    expectNoLeaks(result, arcKeys(fake));
  });
});

it.concurrent('a slow answer (latency under the timeout) is simply waited for', async () => {
  await withFake(async fake => {
    fake.fault('entra', { latencyMs: 1_500 });
    const result = await runDist({ inputs: secretInputs(fake) });

    expect(result.exitCode).toBe(0);
    expect(fake.requestsFor('entra')).toHaveLength(1);
    expectNoLeaks(result);
  });
});

it.concurrent.each(cases(name => !TOO_SLOW.has(name) && !WAITED_OUT(name)))(
  'persistent %s: fails with a clear message, in bounded time',
  async (_name, route, fault) => {
    await withFake(async fake => {
      fake.fault(route.route, { ...fault.spec, times: Infinity });
      const started = Date.now();
      const result = await runDist(route.options(fake));

      expect(result.exitCode).toBe(1);
      const failure = failureOf(result);
      expect(failure).toMatch(route.endpoint);
      expect(failure).toMatch(fault.persistent);
      // The service, its endpoint (origin and path), and how many attempts were made.
      expect(failure).toMatch(/\((GET|POST) http:\/\/127\.0\.0\.1:\d+\/[^ )]*\) (answered HTTP \d+|failed) after \d+ attempts/);
      // Bounded: a fixed number of tries, and no more than the backoff (at most 3.5 s) on top.
      expect(fake.requestsFor(route.route)).toHaveLength(TRIES[route.route] ?? 4);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(result.outputs).toEqual({});
      expect(result.exportedEnv).toEqual({});
      expectNoLeaks(result, arcKeys(fake));
    });
  }
);

it.concurrent('no IMDS at all (connection refused): fails after one try, saying IMDS did not answer', async () => {
  const closedPort = await new Promise<number>(resolve => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
  const result = await runDist({
    inputs: { 'auth-type': 'managed-identity' },
    env: { AZURE_POD_IDENTITY_AUTHORITY_HOST: `http://127.0.0.1:${closedPort}` }
  });

  expect(result.exitCode).toBe(1);
  expect(failureOf(result)).toMatch(
    /the VM instance metadata service at http:\/\/127\.0\.0\.1:\d+ did not answer \(connect ECONNREFUSED 127\.0\.0\.1:\d+\)\./
  );
  expectNoLeaks(result);
});

it.concurrent.each(NODES)('under %s, one 503 from Entra ID and one from Key Vault are both recovered', async (_label, node) => {
  await withFake(async fake => {
    fake.fault('entra', { status: 503, retryAfter: 0 });
    fake.fault('keyvault-get', { status: 503, retryAfter: 0 });
    const result = await runDist({ node, inputs: secretInputs(fake, { secrets: `${fake.vaultUrl(DEFAULTS.vaultName)}/db-password` }) });

    expect(result.exitCode).toBe(0);
    expect(result.outputs['DB_PASSWORD']).toBe(DEFAULTS.secrets['db-password']);
    expectNoLeaks(result);
  });
});

it.concurrent.each(NODES)(
  'under %s, a Key Vault that keeps resetting the connection fails the step and exports nothing',
  async (_label, node) => {
    await withFake(async fake => {
      fake.fault('keyvault-get', { reset: true, times: Infinity });
      const result = await runDist({ node, inputs: secretInputs(fake, { secrets: `${fake.vaultUrl(DEFAULTS.vaultName)}/db-password` }) });

      expect(result.exitCode).toBe(1);
      expect(failureOf(result)).toMatch(/db-password .*failed after 4 attempts: ECONNRESET/);
      expect(result.outputs).toEqual({});
      expect(result.exportedEnv).toEqual({});
      expectNoLeaks(result);
    });
  }
);
