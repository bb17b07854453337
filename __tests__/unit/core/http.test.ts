import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createHttp, type HttpRequest, MAX_BODY_BYTES } from '../../../src/core/http.js';
import { backoffMs, DEFAULT_RETRY } from '../../../src/core/retry.js';
import { NOW, recordingLog, testHttp, type TestHttp, testMachine } from '../support.js';

// Loaded after nock: a static import of node:http here would hand @actions/http-client an
// http module nock has not patched (jest's ESM module cache).
const nodeHttp = await import('node:http');
const execFileAsync = promisify(execFile);

const ORIGIN = 'https://api.example.test';
const GET: HttpRequest = { method: 'GET', url: `${ORIGIN}/things?api-version=1&sig=query-secret`, what: 'The test API' };

let http: TestHttp;
beforeEach(() => {
  http = testHttp();
});
afterEach(() => {
  http.dispose();
  nock.cleanAll();
  nock.enableNetConnect();
});

/**
 * A network error as nock should raise it. nock 14 mistakes a plain `{code}` object for a
 * response (nock/nock#2829), so the error is an Error carrying the code.
 */
const networkError = (code: string, message: string): Error => Object.assign(new Error(message), { code });

/** A scope for the test API's one path; each `.reply` is one attempt. */
const api = (): nock.Interceptor => nock(ORIGIN).get('/things').query(true);

describe('retries', () => {
  it.each<[string, (interceptor: nock.Interceptor) => nock.Scope]>([
    ['a network error (ECONNRESET)', i => i.replyWithError(networkError('ECONNRESET', 'socket hang up'))],
    ['408', i => i.reply(408)],
    ['429', i => i.reply(429)],
    ['500', i => i.reply(500)],
    ['502', i => i.reply(502)],
    ['503', i => i.reply(503)],
    ['504', i => i.reply(504)],
    ['a 200 whose body is not JSON', i => i.reply(200, '<html>maintenance</html>')]
  ])('retries %s, then returns the success', async (_, fault) => {
    fault(api());
    api().reply(200, { ok: true });
    const response = await http.request(GET);
    expect(response).toMatchObject({ status: 200, json: { ok: true }, attempts: 2 });
    expect(http.sleeps).toHaveLength(1);
    expect(nock.isDone()).toBe(true);
  });

  it.each([400, 401, 403, 404])('does not retry %i: the response is returned at once', async status => {
    api().reply(status, { error: 'no' });
    const response = await http.request(GET);
    expect(response).toMatchObject({ status, json: { error: 'no' }, attempts: 1 });
    expect(http.sleeps).toEqual([]);
    expect(http.logs).toEqual([]);
  });

  it('gives up on a network error after the last attempt, naming the endpoint without its query and the attempt count', async () => {
    api().times(4).replyWithError(networkError('ECONNRESET', 'socket hang up'));
    const failure = http.request(GET);
    await expect(failure).rejects.toThrow(
      'The test API (GET https://api.example.test/things) failed after 4 attempts: ECONNRESET: socket hang up'
    );
    await expect(failure).rejects.not.toThrow('query-secret');
    expect(http.sleeps).toHaveLength(3);
  });

  it('says "1 attempt" when retries are off', async () => {
    api().replyWithError(networkError('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.1:443'));
    await expect(http.request({ ...GET, retry: { attempts: 1 } })).rejects.toThrow(
      'The test API (GET https://api.example.test/things) failed after 1 attempt: connect ECONNREFUSED 10.0.0.1:443'
    );
  });

  it('returns the last response of a retryable status after the last attempt', async () => {
    api().times(4).reply(503, { error: 'busy' });
    const response = await http.request(GET);
    expect(response).toMatchObject({ status: 503, json: { error: 'busy' }, attempts: 4 });
    expect(http.sleeps).toHaveLength(3);
  });

  it('gives up on a 200 that is never JSON with an error saying so', async () => {
    api().times(4).reply(200, 'not json');
    await expect(http.request(GET)).rejects.toThrow(
      'The test API (GET https://api.example.test/things) failed after 4 attempts: answered 200 with a body that is not JSON'
    );
  });

  it('logs each retry: what failed, the wait, and which attempt comes next', async () => {
    api().reply(503);
    api().replyWithError(networkError('ECONNRESET', 'socket hang up'));
    api().reply(200, {});
    await http.request(GET);
    expect(http.logs).toEqual([
      'The test API (GET https://api.example.test/things) answered 503; retrying in 0.5 s (attempt 2).',
      'The test API (GET https://api.example.test/things) ECONNRESET: socket hang up; retrying in 1.0 s (attempt 3).'
    ]);
  });
});

describe('Retry-After on a fault other than throttling (503)', () => {
  it.each<[string, Record<string, string>, number]>([
    ['Retry-After in seconds', { 'retry-after': '7' }, 7_000],
    ['Retry-After as an HTTP date, relative to now', { 'retry-after': new Date(NOW + 12_000).toUTCString() }, 12_000],
    ['Retry-After as an HTTP date in the past', { 'retry-after': new Date(NOW - 5_000).toUTCString() }, 0],
    ['retry-after-ms', { 'retry-after-ms': '1500' }, 1_500],
    ['x-ms-retry-after-ms', { 'x-ms-retry-after-ms': '250' }, 250],
    ['retry-after-ms over Retry-After', { 'retry-after-ms': '40', 'retry-after': '9' }, 40],
    ['Retry-After of 120 s, capped', { 'retry-after': '120' }, 30_000],
    ['an HTTP date 2 minutes ahead, capped', { 'retry-after': new Date(NOW + 120_000).toUTCString() }, 30_000],
    ['retry-after-ms above the cap', { 'retry-after-ms': '45000' }, 30_000],
    ['an unreadable Retry-After: the backoff', { 'retry-after': 'soon' }, 500],
    ['a negative Retry-After: the backoff, not the cap', { 'retry-after': '-86400' }, 500]
  ])('waits for %s', async (_, headers, wait) => {
    api().reply(503, {}, headers);
    api().reply(200, {});
    await http.request(GET);
    expect(http.sleeps).toEqual([wait]);
  });
});

describe('throttling (429) is waited out', () => {
  /** An HTTP layer whose clock moves forward by each sleep, and whose jitter rolls `roll`. */
  function throttledHttp(roll: () => number): TestHttp & { elapsed: () => number } {
    let now = NOW;
    const machine = testMachine({ now: () => now, random: roll });
    const sleeps: number[] = [];
    const log = recordingLog();
    const client = createHttp({
      clock: {
        ...machine,
        sleep: async ms => {
          sleeps.push(ms);
          now += ms;
        }
      },
      log
    });
    return { ...client, sleeps, logs: log.infos, debugs: log.debugs, preconnects: [], elapsed: () => now - NOW };
  }

  it.each<[string, Record<string, string>, number, number]>([
    ['Retry-After plus nothing when the roll is 0', { 'retry-after': '7' }, 0, 7_000],
    ['Retry-After plus 20 % when the roll is 1', { 'retry-after': '7' }, 1, 8_400],
    ['Retry-After plus 10 % when the roll is 0.5', { 'retry-after': '10' }, 0.5, 11_000],
    ['a long Retry-After plus jitter, capped at 30 s', { 'retry-after': '28' }, 1, 30_000],
    ['no Retry-After (Key Vault sends none): 1 s first', {}, 0, 1_000],
    ['no Retry-After, jittered too', {}, 1, 1_200],
    ['a negative Retry-After counts as none', { 'retry-after': '-86400' }, 0, 1_000]
  ])('waits %s', async (_, headers, roll, wait) => {
    const client = throttledHttp(() => roll);
    api().reply(429, {}, headers);
    api().reply(200, {});
    try {
      await client.request(GET);
    } finally {
      client.dispose();
    }
    expect(client.sleeps).toEqual([wait]);
  });

  it('backs off exponentially from 1 s when the 429s carry no Retry-After, up to 30 s', async () => {
    const client = throttledHttp(() => 0);
    api()
      .times(8)
      .reply(429, { error: { code: 'Throttled' } });
    api().reply(200, {});
    try {
      await client.request(GET);
    } finally {
      client.dispose();
    }
    expect(client.sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('keeps retrying 429s past the 4 attempts other faults get', async () => {
    const client = throttledHttp(() => 0);
    api().times(6).reply(429, {}, { 'retry-after': '1' });
    api().reply(200, { ok: true });
    try {
      await expect(client.request(GET)).resolves.toMatchObject({ status: 200, attempts: 7 });
    } finally {
      client.dispose();
    }
  });

  it('gives up after 5 minutes of throttling, returning the last 429', async () => {
    const client = throttledHttp(() => 0);
    api().times(20).reply(429, {}, { 'retry-after': '30' });
    try {
      const response = await client.request(GET);
      expect(response).toMatchObject({ status: 429, attempts: 11 });
    } finally {
      client.dispose();
      nock.cleanAll();
    }
    expect(client.elapsed()).toBe(300_000);
  });

  it('draws the jitter per request, so throttled requests do not return in one burst', async () => {
    const rolls = [0, 0.25, 0.5, 0.75];
    const client = throttledHttp(() => rolls.shift() ?? 0);
    api().times(4).reply(429, {}, { 'retry-after': '10' });
    api().times(4).reply(200, {});
    try {
      await Promise.all([1, 2, 3, 4].map(() => client.request(GET)));
    } finally {
      client.dispose();
    }
    expect([...client.sleeps].sort((a, b) => a - b)).toEqual([10_000, 10_500, 11_000, 11_500]);
  });

  it('logs each throttled retry with the endpoint, the status and the wait', async () => {
    const client = throttledHttp(() => 0);
    api().reply(429, {}, { 'retry-after': '2' });
    api().reply(200, {});
    try {
      await client.request(GET);
    } finally {
      client.dispose();
    }
    expect(client.logs).toEqual(['The test API (GET https://api.example.test/things) answered 429; retrying in 2.0 s (attempt 2).']);
  });
});

describe('a bound on the whole request (totalMs)', () => {
  it('starts no attempt and no wait past it', async () => {
    let now = NOW;
    const sleeps: number[] = [];
    const client = createHttp({
      clock: {
        ...testMachine({ now: () => now, random: () => 1 }),
        sleep: async ms => {
          sleeps.push(ms);
          now += ms;
        }
      },
      log: recordingLog()
    });
    api().times(10).reply(500);
    try {
      const response = await client.request({ ...GET, totalMs: 1_400, retry: { attempts: 10 } });
      expect(response).toMatchObject({ status: 500, attempts: 2 });
    } finally {
      client.dispose();
      nock.cleanAll();
    }
    // 500 ms, then 1000 ms would reach the bound: no second wait.
    expect(sleeps).toEqual([500]);
  });
});

describe('backoff', () => {
  it('grows exponentially, jittered by the injected randomness', async () => {
    const rolls = [0, 0.5, 1];
    const machine = testMachine({ random: () => rolls.shift() ?? 1 });
    const sleeps = machine.sleeps;
    const client = createHttp({ clock: machine, log: recordingLog() });
    api().times(3).reply(500);
    api().reply(200, {});
    try {
      await client.request(GET);
    } finally {
      client.dispose();
    }
    // Ceilings 500, 1000, 2000 ms; a roll r keeps (½ + r/2) of the ceiling.
    expect(sleeps).toEqual([250, 750, 2_000]);
  });

  it.each([
    [1, 500],
    [2, 1_000],
    [4, 4_000],
    [5, 8_000],
    [9, 8_000]
  ])('waits at most the ceiling before retry %i (%i ms)', (attemptNumber, ceiling) => {
    expect(backoffMs(DEFAULT_RETRY, attemptNumber, () => 1)).toBe(ceiling);
    expect(backoffMs(DEFAULT_RETRY, attemptNumber, () => 0)).toBe(ceiling / 2);
  });
});

describe('timeouts', () => {
  // Deadlines are real timers: half a second leaves room for a loaded machine, answers held back for 5 s do not.
  it('retries a server that does not answer within the timeout', async () => {
    api().delay(5_000).reply(200, { slow: true });
    api().reply(200, { fast: true });
    const response = await http.request({ ...GET, timeoutMs: 500 });
    expect(response).toMatchObject({ json: { fast: true }, attempts: 2 });
    expect(http.logs).toEqual([
      'The test API (GET https://api.example.test/things) no answer within 0.5 s; retrying in 0.5 s (attempt 2).'
    ]);
  });

  it('retries a connection that is never established', async () => {
    api().delayConnection(5_000).reply(200, { slow: true });
    api().reply(200, { fast: true });
    const response = await http.request({ ...GET, timeoutMs: 500 });
    expect(response).toMatchObject({ json: { fast: true }, attempts: 2 });
  });

  it('fails naming the timeout when every attempt hangs', async () => {
    api().times(2).delay(5_000).reply(200, {});
    await expect(http.request({ ...GET, timeoutMs: 500, retry: { attempts: 2 } })).rejects.toThrow(
      'The test API (GET https://api.example.test/things) failed after 2 attempts: no answer within 0.5 s'
    );
  });
});

describe('a body cut short', () => {
  let server: import('node:http').Server;
  let answers: number;
  beforeEach(async () => {
    answers = 0;
    server = nodeHttp.createServer((_, response) => {
      answers++;
      if (answers === 1) {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        response.write('{"partial":');
        setImmediate(() => response.socket?.destroy());
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"whole":true}');
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    await new Promise(resolve => server.close(resolve));
  });

  it('is retried', async () => {
    const { port } = server.address() as AddressInfo;
    const response = await http.request({ method: 'GET', url: `http://127.0.0.1:${port}/x`, what: 'The test API' });
    expect(response).toMatchObject({ json: { whole: true }, attempts: 2 });
    expect(http.logs).toHaveLength(1);
    expect(http.logs[0]).toMatch(
      /^The test API \(GET http:\/\/127\.0\.0\.1:\d+\/x\) connection (closed before the whole answer arrived|failed while reading the answer)/
    );
  });
});

describe('against real local servers', () => {
  let servers: import('node:http').Server[];
  beforeEach(() => {
    servers = [];
  });
  afterEach(async () => {
    // The HTTP layer keeps connections alive: close them, or close() waits for them.
    await Promise.all(
      servers.map(
        server =>
          new Promise(resolve => {
            server.close(resolve);
            server.closeAllConnections();
          })
      )
    );
  });
  async function serve(host: string, handler: import('node:http').RequestListener): Promise<number> {
    const server = nodeHttp.createServer(handler);
    servers.push(server);
    await new Promise<void>(resolve => server.listen(0, host, resolve));
    return (server.address() as AddressInfo).port;
  }

  it('reaches http://[::1]:PORT, the IPv6 loopback', async () => {
    const port = await serve('::1', (_, response) => response.end('{"v6":true}'));
    const response = await http.request({ method: 'GET', url: `http://[::1]:${port}/x`, what: 'The test API', bearerToken: 'tok' });
    expect(response).toMatchObject({ status: 200, json: { v6: true } });
  });

  it('sends an https request after an http one on the right agent (a managed identity endpoint, then Key Vault)', async () => {
    const port = await serve('127.0.0.1', (_, response) => response.end('{}'));
    await http.request({ method: 'GET', url: `http://127.0.0.1:${port}/msi`, what: 'The test API' });
    // Nothing listens on port 1: the failure must be the connection's, not 'Protocol "https:" not supported'.
    await expect(
      http.request({ method: 'GET', url: 'https://127.0.0.1:1/x', what: 'The test API', retry: { attempts: 1 } })
    ).rejects.toThrow(/^The test API \(GET https:\/\/127\.0\.0\.1:1\/x\) failed after 1 attempt: .*ECONNREFUSED/);
  });

  it('fails an answer over 1 MiB at once, without a retry', async () => {
    let answers = 0;
    const port = await serve('127.0.0.1', (_, response) => {
      answers++;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(`"${'x'.repeat(MAX_BODY_BYTES)}"`);
    });
    await expect(http.request({ method: 'GET', url: `http://127.0.0.1:${port}/big`, what: 'The test API' })).rejects.toThrow(
      `The test API (GET http://127.0.0.1:${port}/big) failed after 1 attempt: answered with a body over 1 MiB, more than any answer it may send`
    );
    expect(answers).toBe(1);
  });

  it('stops reading an endless body at 1 MiB', async () => {
    const port = await serve('127.0.0.1', (_, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      const chunk = 'x'.repeat(64 * 1024);
      const pump = (): void => {
        while (!response.destroyed && response.write(chunk));
        if (!response.destroyed) response.once('drain', pump);
      };
      pump();
    });
    await expect(http.request({ method: 'GET', url: `http://127.0.0.1:${port}/endless`, what: 'The test API' })).rejects.toThrow(
      'answered with a body over 1 MiB'
    );
  });
});

describe('debug lines', () => {
  it('logs every attempt: method, URL with secret query values hidden, status, duration, attempt', async () => {
    api().reply(503);
    api().reply(200, {});
    await http.request({ ...GET, url: `${ORIGIN}/things?api-version=1&sig=query-secret&$skiptoken=abc` });
    expect(http.debugs).toEqual([
      'GET https://api.example.test/things?api-version=1&sig=***&$skiptoken=***: HTTP 503 in 0 ms (attempt 1)',
      'GET https://api.example.test/things?api-version=1&sig=***&$skiptoken=***: HTTP 200 in 0 ms (attempt 2)'
    ]);
  });

  it('logs a network error the same way', async () => {
    api().replyWithError(networkError('ECONNRESET', 'socket hang up'));
    api().reply(200, {});
    await http.request(GET);
    expect(http.debugs[0]).toBe(
      'GET https://api.example.test/things?api-version=1&sig=***: ECONNRESET: socket hang up after 0 ms (attempt 1)'
    );
  });
});

describe('redirects', () => {
  it('are returned as they are, and the Location is never asked', async () => {
    nock(ORIGIN).get('/things').query(true).reply(302, '', { location: 'https://elsewhere.test/steal' });
    const elsewhere = nock('https://elsewhere.test').get('/steal').reply(200, {});
    const response = await http.request({ ...GET, bearerToken: 'bearer-value' });
    expect(response).toMatchObject({ status: 302, attempts: 1 });
    expect(response.headers['location']).toBe('https://elsewhere.test/steal');
    expect(elsewhere.isDone()).toBe(false);
  });
});

describe('bearer tokens', () => {
  it.each(['http://example.com/data', 'http://10.0.0.4:8080/data', 'http://127.0.0.1.example.com/data', 'ftp://127.0.0.1/data'])(
    'are refused for %s, before any request',
    async url => {
      nock.disableNetConnect();
      const origin = new URL(url).origin;
      await expect(http.request({ method: 'GET', url, what: 'The test API', bearerToken: 'tok' })).rejects.toThrow(
        `Refusing to send a bearer token to ${origin}: only https:// (or http:// to a loopback host) may carry one.`
      );
      expect(nock.pendingMocks()).toEqual([]);
    }
  );

  it.each(['http://127.0.0.1:8123', 'http://localhost:8123', 'https://api.example.test'])(
    'are sent as Authorization: Bearer to %s',
    async origin => {
      nock.disableNetConnect();
      const scope = nock(origin).matchHeader('authorization', 'Bearer tok').get('/data').reply(200, {});
      const response = await http.request({ method: 'GET', url: `${origin}/data`, what: 'The test API', bearerToken: 'tok' });
      expect(response.status).toBe(200);
      expect(scope.isDone()).toBe(true);
    }
  );
});

describe('proxies', () => {
  // The proxy tests run the HTTP layer in a fresh node process: nock (from this file and from
  // every test file before it in this worker) patches node's http module for good, and cannot
  // pass a tunnelled request through. The child gets src/ transpiled, and the env to test.
  let build: string;
  beforeAll(async () => {
    build = await transpiledSources();
  });
  afterAll(() => {
    fs.rmSync(build, { recursive: true, force: true });
  });

  let proxy: import('node:http').Server;
  let proxyUrl: string;
  let connects: string[];
  beforeEach(async () => {
    connects = [];
    // A proxy that records each CONNECT target and refuses to tunnel it: nothing reaches Azure.
    proxy = nodeHttp.createServer();
    proxy.on('connect', (request: import('node:http').IncomingMessage, socket: Socket) => {
      connects.push(request.url ?? '');
      socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
    });
    await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await new Promise(resolve => proxy.close(resolve));
  });

  /** What `http.request(request)` gave in a fresh process with these proxy variables. */
  async function requestInChild(request: HttpRequest, proxyEnv: Record<string, string>): Promise<{ status?: number; error?: string }> {
    const env: Record<string, string | undefined> = { ...process.env, ...proxyEnv, TEST_REQUEST: JSON.stringify(request) };
    for (const name of ['https_proxy', 'http_proxy', 'no_proxy', 'HTTP_PROXY', ...(proxyEnv['NO_PROXY'] ? [] : ['NO_PROXY'])])
      delete env[name];
    const script = `
      const { createHttp } = await import(${JSON.stringify(pathToFileURL(path.join(build, 'src', 'core', 'http.js')).href)});
      const { nodeMachine } = await import(${JSON.stringify(pathToFileURL(path.join(build, 'src', 'core', 'machine.js')).href)});
      const log = { info() {}, notice() {}, warning() {}, debug() {} };
      const http = createHttp({ clock: { ...nodeMachine(), sleep: async () => {} }, log });
      try {
        const response = await http.request(JSON.parse(process.env.TEST_REQUEST));
        console.log(JSON.stringify({ status: response.status }));
      } catch (error) {
        console.log(JSON.stringify({ error: error.message }));
      } finally {
        http.dispose();
      }`;
    // Asynchronous: the proxy answering the child lives in this process.
    const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script], { env, timeout: 10_000 });
    return JSON.parse(stdout) as { status?: number; error?: string };
  }

  it('sends an https request through HTTPS_PROXY as a CONNECT to the vault host', async () => {
    const result = await requestInChild(
      {
        method: 'GET',
        url: 'https://my-vault.vault.azure.net/secrets/db-password?api-version=7.4',
        what: 'Key Vault',
        retry: { attempts: 1 }
      },
      { HTTPS_PROXY: proxyUrl }
    );
    expect(result.error).toBe(
      'Key Vault (GET https://my-vault.vault.azure.net/secrets/db-password) failed after 1 attempt: ECONNRESET: tunneling socket could not be established, statusCode=502'
    );
    expect(connects).toEqual(['my-vault.vault.azure.net:443']);
  });

  describe('with a host that is not loopback to the proxy but reaches this machine directly (0.0.0.0)', () => {
    let direct: import('node:net').Server;
    let directConnections: number;
    beforeEach(async () => {
      directConnections = 0;
      const net = await import('node:net');
      direct = net.createServer(socket => {
        directConnections++;
        socket.destroy();
      });
      await new Promise<void>(resolve => direct.listen(0, '127.0.0.1', resolve));
    });
    afterEach(async () => {
      await new Promise(resolve => direct.close(resolve));
    });
    const request = (): HttpRequest => ({
      method: 'GET',
      url: `https://0.0.0.0:${(direct.address() as AddressInfo).port}/x`,
      what: 'The test API',
      retry: { attempts: 1 }
    });

    it.each(['0.0.0.0', 'example.com, 0.0.0.0', '*'])('goes direct when NO_PROXY is %s', async noProxy => {
      const result = await requestInChild(request(), { HTTPS_PROXY: proxyUrl, NO_PROXY: noProxy });
      expect(result.error).toMatch(/^The test API \(GET https:\/\/0\.0\.0\.0:\d+\/x\) failed after 1 attempt/);
      expect(connects).toEqual([]);
      expect(directConnections).toBe(1);
    });

    it('goes through the proxy when NO_PROXY names other hosts', async () => {
      const result = await requestInChild(request(), { HTTPS_PROXY: proxyUrl, NO_PROXY: '.vault.azure.net' });
      expect(result.error).toContain('tunneling socket could not be established, statusCode=502');
      expect(connects).toEqual([`0.0.0.0:${(direct.address() as AddressInfo).port}`]);
      expect(directConnections).toBe(0);
    });
  });
});

/**
 * src/ transpiled to JavaScript in a temporary directory that sees the project's node_modules,
 * for a child process to import. Returns the directory.
 */
async function transpiledSources(): Promise<string> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const build = fs.mkdtempSync(path.join(os.tmpdir(), 'http-test-build-'));
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(build, 'node_modules'), 'junction');
  fs.writeFileSync(path.join(build, 'package.json'), '{"type":"module"}');
  const { default: ts } = await import('typescript');
  const sources = fs.readdirSync(path.join(root, 'src'), { recursive: true, encoding: 'utf8' }).filter(file => file.endsWith('.ts'));
  for (const file of sources) {
    const output = ts.transpileModule(fs.readFileSync(path.join(root, 'src', file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true }
    });
    const target = path.join(build, 'src', file.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, output.outputText);
  }
  return build;
}
