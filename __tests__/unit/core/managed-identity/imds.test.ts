import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { describeError } from '../../../../src/core/errors.js';
import { createHttp, type Http, type HttpRequest, type HttpResponse, RequestFailedError } from '../../../../src/core/http.js';
import type { Clock } from '../../../../src/core/machine.js';
import { IMDS_RETRY, IMDS_TOTAL_MS, imdsHost, probeImds, requestImdsToken } from '../../../../src/core/managed-identity/imds.js';
import { configFrom, failureOf } from '../../credential-support.js';
import { NOW, recordingLog, testHttp, testMachine } from '../../support.js';

const IMDS = 'http://169.254.169.254';
const IMDS_PATH = '/metadata/identity/oauth2/token';
const QUERY = new URLSearchParams({ resource: 'https://management.azure.com' });
const TOKEN_ANSWER = { access_token: 'imds-token', expires_in: '3599', token_type: 'Bearer' };

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => nock.cleanAll());

/** A network error as nock should raise it (nock 14 mistakes a plain `{code}` object for a response). */
const networkError = (code: string, message: string): Error => Object.assign(new Error(message), { code });

/** A clock whose time moves only when something sleeps; it records the sleeps. */
function advancingClock(random = 1): Clock & { readonly sleeps: number[]; elapsed(): number } {
  let now = NOW;
  const sleeps: number[] = [];
  return {
    now: () => now,
    random: () => random,
    sleep: async ms => {
      sleeps.push(ms);
      now += ms;
    },
    // Deadlines are real but never reached: nock answers at once.
    timer: (ms, onTimeout) => {
      const handle = setTimeout(onTimeout, ms);
      return () => clearTimeout(handle);
    },
    sleeps,
    elapsed: () => now - NOW
  };
}

/** An Http double: answers each request with the next of `answers` (a response, or an error to throw), recording the requests. */
function scriptedHttp(answers: Array<Partial<HttpResponse> | Error>): Http & { readonly requests: HttpRequest[] } {
  const requests: HttpRequest[] = [];
  return {
    requests,
    request: async request => {
      requests.push(request);
      const answer = answers[requests.length - 1];
      if (answer === undefined) throw new Error(`unexpected request ${requests.length}`);
      if (answer instanceof Error) throw answer;
      return { status: 200, headers: {}, body: '', json: undefined, attempts: 1, endpoint: 'IMDS', ...answer };
    },
    preconnect: () => undefined,
    dispose: () => undefined
  };
}

describe('imdsHost', () => {
  it.each([
    [{}, 'http://169.254.169.254'],
    [{ AZURE_POD_IDENTITY_AUTHORITY_HOST: 'http://10.0.0.7:2579/' }, 'http://10.0.0.7:2579'],
    [{ AZURE_POD_IDENTITY_AUTHORITY_HOST: 'http://10.0.0.7:2579//' }, 'http://10.0.0.7:2579'],
    [{ AZURE_POD_IDENTITY_AUTHORITY_HOST: '  ' }, 'http://169.254.169.254']
  ])('IMDS host for %j is %s', (env, host) => {
    expect(imdsHost(configFrom({}, env).context)).toBe(host);
  });
});

describe('probeImds', () => {
  it('counts any answer as IMDS being there: one GET, no query, no Metadata header', async () => {
    const scope = nock(IMDS, { badheaders: ['metadata'] })
      .get(IMDS_PATH)
      .reply(400, { error: 'invalid_request', error_description: 'Required metadata header not specified' });
    await expect(probeImds(testHttp(), IMDS)).resolves.toBe(true);
    expect(scope.isDone()).toBe(true);
  });

  it('gives IMDS 1 s and one try', async () => {
    const http = scriptedHttp([{ status: 400 }]);
    await probeImds(http, IMDS);
    expect(http.requests).toEqual([
      {
        method: 'GET',
        url: 'http://169.254.169.254/metadata/identity/oauth2/token',
        what: 'IMDS probe',
        timeoutMs: 1_000,
        retry: { attempts: 1 }
      }
    ]);
  });

  it('does not retry a 500: the answer is enough', async () => {
    nock(IMDS).get(IMDS_PATH).once().reply(500);
    const http = testHttp();
    await expect(probeImds(http, IMDS)).resolves.toBe(true);
    expect(http.sleeps).toEqual([]);
  });

  it.each<[string, number, string, boolean]>([
    ['Docker Desktop\'s 403 "unreachable"', 403, 'A socket operation was attempted to an unreachable network.', false],
    ['another 403', 403, 'Forbidden', true]
  ])('reads %s', async (_, status, body, there) => {
    nock(IMDS).get(IMDS_PATH).reply(status, body);
    await expect(probeImds(testHttp(), IMDS)).resolves.toBe(there);
  });

  it('reads a network error as no IMDS, after one try', async () => {
    nock(IMDS).get(IMDS_PATH).replyWithError(networkError('EHOSTUNREACH', 'connect EHOSTUNREACH'));
    const http = testHttp();
    await expect(probeImds(http, IMDS)).resolves.toBe(false);
    expect(http.sleeps).toEqual([]);
  });

  it('asks the host it is given', async () => {
    const scope = nock('http://10.0.0.7:2579').get(IMDS_PATH).reply(400, {});
    await expect(probeImds(testHttp(), 'http://10.0.0.7:2579')).resolves.toBe(true);
    expect(scope.isDone()).toBe(true);
  });
});

describe('requestImdsToken: one try, then the IMDS policy', () => {
  it('asks with api-version 2018-02-01 and Metadata: true, one try of at most 15 s first', async () => {
    const http = scriptedHttp([{ status: 200 }]);
    const response = await requestImdsToken(
      http,
      testMachine(),
      IMDS,
      new URLSearchParams({ resource: 'https://vault.azure.net', client_id: 'c' })
    );
    expect(response.status).toBe(200);
    expect(http.requests).toEqual([
      {
        method: 'GET',
        url: 'http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net&client_id=c',
        what: 'IMDS managed identity endpoint',
        headers: { Metadata: 'true' },
        timeoutMs: 15_000,
        retry: { attempts: 1 }
      }
    ]);
  });

  it.each([400, 401, 403])('returns a %i at once: retrying cannot help', async status => {
    const http = scriptedHttp([{ status }]);
    await expect(requestImdsToken(http, testMachine(), IMDS, QUERY)).resolves.toMatchObject({ status });
    expect(http.requests).toHaveLength(1);
  });

  it.each([404, 408, 410, 429, 500, 503, 599])('hands a %i to the full policy, with what is left of the 120 s', async status => {
    let now = NOW;
    const clock = { ...testMachine(), now: () => now };
    const requests: HttpRequest[] = [];
    const http: Http = {
      request: async request => {
        requests.push(request);
        // The first try took 5 s.
        now += 5_000;
        return { status: requests.length === 1 ? status : 200, headers: {}, body: '', json: undefined, attempts: 1, endpoint: 'IMDS' };
      },
      preconnect: () => undefined,
      dispose: () => undefined
    };
    await expect(requestImdsToken(http, clock, IMDS, QUERY)).resolves.toMatchObject({ status: 200 });
    expect(requests).toHaveLength(2);
    expect(requests[1]).toMatchObject({ retry: IMDS_RETRY, totalMs: 115_000, timeoutMs: 15_000, headers: { Metadata: 'true' } });
  });

  it('fails after the one try when nothing answers: this is no Azure VM', async () => {
    const http = scriptedHttp([
      new RequestFailedError(
        'IMDS managed identity endpoint failed after 1 attempt: connect EHOSTUNREACH',
        'hint',
        true,
        'connect EHOSTUNREACH'
      )
    ]);
    expect(await failureOf(requestImdsToken(http, testMachine(), IMDS, QUERY))).toBe(
      'No managed identity: the VM instance metadata service at http://169.254.169.254 did not answer (connect EHOSTUNREACH).\n' +
        'Managed identity without IDENTITY_ENDPOINT works on an Azure VM or scale set only. ' +
        'If the runner uses a proxy, add 169.254.169.254 to NO_PROXY: IMDS must be reached directly.'
    );
    expect(http.requests).toHaveLength(1);
  });

  it('retries when something answered but broke the answer off', async () => {
    const http = scriptedHttp([
      new RequestFailedError(
        'connection closed before the whole answer arrived',
        'hint',
        false,
        'connection closed before the whole answer arrived'
      ),
      { status: 200 }
    ]);
    await expect(requestImdsToken(http, testMachine(), IMDS, QUERY)).resolves.toMatchObject({ status: 200 });
    expect(http.requests.map(request => request.retry)).toEqual([{ attempts: 1 }, IMDS_RETRY]);
  });
});

describe('IMDS policy, over the HTTP layer', () => {
  const imds = (): nock.Interceptor =>
    nock(IMDS, { reqheaders: { metadata: 'true' } })
      .get(IMDS_PATH)
      .query(true);

  it('retries a 410 at once, then with backoff, without really waiting', async () => {
    const scope = imds().times(3).reply(410, 'IMDS is being updated');
    imds().reply(200, TOKEN_ANSWER);
    const http = testHttp();
    const response = await requestImdsToken(http, testMachine(), IMDS, QUERY);
    expect(response).toMatchObject({ status: 200, json: TOKEN_ANSWER });
    expect(scope.isDone()).toBe(true);
    // The first retry is immediate (Microsoft's backoff starts at 0 s), then 2 s, 4 s.
    expect(http.sleeps).toEqual([2000, 4000]);
  });

  it.each([404, 408, 429, 500, 503, 599])('retries HTTP %i', async status => {
    imds().reply(status, {});
    const done = imds().reply(200, TOKEN_ANSWER);
    await expect(requestImdsToken(testHttp(), testMachine(), IMDS, QUERY)).resolves.toMatchObject({ status: 200 });
    expect(done.isDone()).toBe(true);
  });

  it('does not retry "Identity not found" (400)', async () => {
    imds().once().reply(400, { error: 'invalid_request', error_description: 'Identity not found' });
    const http = testHttp();
    await expect(requestImdsToken(http, testMachine(), IMDS, QUERY)).resolves.toMatchObject({ status: 400, attempts: 1 });
    expect(http.sleeps).toEqual([]);
    expect(nock.isDone()).toBe(true);
  });

  it('waits out a 410 for at least the 70 s IMDS announces, even with the shortest jitter', async () => {
    imds().times(10).reply(410, { error: 'gone', error_description: 'IMDS is being updated.' });
    const clock = advancingClock(0);
    const http = createHttp({ clock, log: recordingLog() });
    const response = await requestImdsToken(http, clock, IMDS, QUERY);
    expect(response.status).toBe(410);
    expect(clock.sleeps).toEqual([1000, 2000, 4000, 8000, 15000, 15000, 15000, 15000]);
    expect(clock.elapsed()).toBeGreaterThanOrEqual(70_000);
    expect(nock.isDone()).toBe(true);
    http.dispose();
  });

  it(`stops persistent 500s within IMDS_TOTAL_MS (${IMDS_TOTAL_MS / 1000} s), on a clock that advances as it sleeps`, async () => {
    let requests = 0;
    imds()
      .times(20)
      .reply(() => (requests++, [500, { error: 'server_error' }]));
    const clock = advancingClock(1);
    const http = createHttp({ clock, log: recordingLog() });
    const response = await requestImdsToken(http, clock, IMDS, QUERY);
    expect(response.status).toBe(500);
    // Unbounded, the policy's nine attempts would wait 2+4+8+16+30+30+30+30 = 150 s.
    expect(clock.sleeps).toEqual([2000, 4000, 8000, 16000, 30000, 30000]);
    expect(clock.elapsed()).toBeLessThanOrEqual(120_000);
    expect(requests).toBe(8);
    http.dispose();
  });

  it(`stops persistent 429s within IMDS_TOTAL_MS (${IMDS_TOTAL_MS / 1000} s) too, on a clock that advances as it sleeps`, async () => {
    imds().times(100).reply(429, { error: 'throttled' });
    const clock = advancingClock(1);
    const http = createHttp({ clock, log: recordingLog() });
    const outcome = await requestImdsToken(http, clock, IMDS, QUERY).then(
      response => response.status,
      (error: unknown) => describeError(error)
    );
    http.dispose();
    expect(clock.elapsed()).toBeLessThanOrEqual(120_000);
    // The last answer, for managedIdentityError to explain ("busy"), not a made-up timeout.
    expect(outcome).toBe(429);
  });

  it('fails after one try when nothing answers: this is no Azure VM', async () => {
    const scope = imds().once().replyWithError(networkError('EHOSTUNREACH', 'connect EHOSTUNREACH 169.254.169.254:80'));
    const http = testHttp();
    const message = await failureOf(requestImdsToken(http, testMachine(), IMDS, QUERY));
    expect(scope.isDone()).toBe(true);
    expect(http.sleeps).toEqual([]);
    expect(message).toBe(
      'No managed identity: the VM instance metadata service at http://169.254.169.254 did not answer (connect EHOSTUNREACH 169.254.169.254:80).\n' +
        'Managed identity without IDENTITY_ENDPOINT works on an Azure VM or scale set only. ' +
        'If the runner uses a proxy, add 169.254.169.254 to NO_PROXY: IMDS must be reached directly.'
    );
  });

  it.each([
    ['a connection reset', networkError('ECONNRESET', 'socket hang up')],
    ['a refusal of the answer', networkError('EPIPE', 'read EPIPE')]
  ])('retries when IMDS answered but %s broke the answer off', async (_kind, error) => {
    imds().once().replyWithError(error);
    imds().reply(200, TOKEN_ANSWER);
    await expect(requestImdsToken(testHttp(), testMachine(), IMDS, QUERY)).resolves.toMatchObject({ status: 200, json: TOKEN_ANSWER });
  });
});
