/**
 * The connections under the HTTP layer (src/core/connections.ts), against real local servers and
 * a real CONNECT proxy. In the e2e project because it needs Node's own http module: the unit
 * tests' nock patches it for the whole worker.
 * Checked: connections opened ahead of need are the ones requests use, connections and tunnels
 * are kept alive and reused, and a warm connection a server spoke on is never used.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import * as http from 'node:http';
import * as net from 'node:net';
import { createHttp, type Http } from '../../src/core/http.js';
import { recordingLog, testMachine } from '../unit/support.js';

let servers: net.Server[];
let client: Http;
beforeEach(() => {
  servers = [];
  client = createHttp({ clock: testMachine(), log: recordingLog(), timeoutMs: 5_000 });
});
afterEach(async () => {
  client.dispose();
  await Promise.all(
    servers.map(
      server =>
        new Promise(resolve => {
          server.close(resolve);
          if (server instanceof http.Server) server.closeAllConnections();
        })
    )
  );
});

/** A local server that counts the connections it accepted and the requests it answered. */
async function countingServer(host = '127.0.0.1'): Promise<{
  origin: string;
  port: number;
  connections: () => number;
  requests: () => number;
  connected: (count: number) => Promise<void>;
}> {
  let connections = 0;
  let requests = 0;
  const waiting: Array<[number, () => void]> = [];
  const server = http.createServer((_, response) => {
    requests++;
    response.setHeader('content-type', 'application/json');
    response.end('{"ok":true}');
  });
  server.on('connection', () => {
    connections++;
    for (const [count, resolve] of waiting) if (connections >= count) resolve();
  });
  servers.push(server);
  await new Promise<void>(resolve => server.listen(0, host, resolve));
  const { port } = server.address() as net.AddressInfo;
  // Resolves once `count` connections have been accepted: the test waits on the event, never on a timer.
  const connected = (count: number): Promise<void> =>
    connections >= count ? Promise.resolve() : new Promise(resolve => waiting.push([count, resolve]));
  return {
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    connections: () => connections,
    requests: () => requests,
    connected
  };
}

const get = (url: string) => client.request({ method: 'GET', url, what: 'The test API' });

describe('keep-alive', () => {
  it('sends requests to one origin, one after another, over one connection', async () => {
    const server = await countingServer();
    for (let i = 0; i < 3; i++) await get(`${server.origin}/x`);
    expect(server.requests()).toBe(3);
    expect(server.connections()).toBe(1);
  });
});

describe('preconnect', () => {
  it('opens connections before any request, and requests then use them instead of opening their own', async () => {
    const server = await countingServer();
    client.preconnect(server.origin, 2);
    await server.connected(2);
    expect(server.requests()).toBe(0);
    await Promise.all([get(`${server.origin}/a`), get(`${server.origin}/b`)]);
    expect(server.requests()).toBe(2);
    expect(server.connections()).toBe(2);
  });

  it('a request right after a preconnect waits for that connection rather than opening another', async () => {
    const server = await countingServer();
    client.preconnect(server.origin, 1);
    await get(`${server.origin}/a`);
    expect(server.connections()).toBe(1);
  });

  it('a warm connection that fails leaves the request to open its own', async () => {
    const closed = await new Promise<number>(resolve => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    client.preconnect(`http://127.0.0.1:${closed}`, 1);
    await expect(
      client.request({ method: 'GET', url: `http://127.0.0.1:${closed}/x`, what: 'The test API', retry: { attempts: 1 } })
    ).rejects.toThrow(/failed after 1 attempt: .*ECONNREFUSED/);
  });
});

describe('through an HTTP proxy (CONNECT)', () => {
  let saved: Record<string, string | undefined>;
  beforeEach(() => {
    saved = {
      HTTP_PROXY: process.env['HTTP_PROXY'],
      http_proxy: process.env['http_proxy'],
      NO_PROXY: process.env['NO_PROXY'],
      no_proxy: process.env['no_proxy']
    };
    for (const name of Object.keys(saved)) delete process.env[name];
  });
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  /** A proxy that records each CONNECT and tunnels every one of them to `port` on this machine. */
  async function proxyTo(port: number): Promise<{ url: string; connects: string[] }> {
    const connects: string[] = [];
    const proxy = http.createServer();
    proxy.on('connect', (request: http.IncomingMessage, socket: net.Socket) => {
      connects.push(request.url ?? '');
      const upstream = net.connect(port, '127.0.0.1', () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(socket).pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    servers.push(proxy);
    await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`, connects };
  }

  it('keeps the tunnel alive: three requests, one CONNECT', async () => {
    const server = await countingServer();
    const proxy = await proxyTo(server.port);
    process.env['HTTP_PROXY'] = proxy.url;
    for (let i = 0; i < 3; i++) await get(`http://my-vault.vault.azure.net.test/secrets/s${i}`);
    expect(server.requests()).toBe(3);
    expect(proxy.connects).toEqual(['my-vault.vault.azure.net.test:80']);
  });

  it('opens a tunnel ahead of need, which the request then uses', async () => {
    const server = await countingServer();
    const proxy = await proxyTo(server.port);
    process.env['HTTP_PROXY'] = proxy.url;
    client.preconnect('http://login.example.test', 1);
    await server.connected(1);
    expect(proxy.connects).toEqual(['login.example.test:80']);
    await get('http://login.example.test/tenant/oauth2/v2.0/token');
    expect(proxy.connects).toHaveLength(1);
    expect(server.connections()).toBe(1);
  });

  it('reports a proxy that refuses the tunnel', async () => {
    const proxy = http.createServer();
    proxy.on('connect', (_request: http.IncomingMessage, socket: net.Socket) => socket.end('HTTP/1.1 403 Forbidden\r\n\r\n'));
    servers.push(proxy);
    await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve));
    process.env['HTTP_PROXY'] = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
    await expect(
      client.request({ method: 'GET', url: 'http://refused.example.test/x', what: 'The test API', retry: { attempts: 1 } })
    ).rejects.toThrow(
      'The test API (GET http://refused.example.test/x) failed after 1 attempt: ECONNRESET: tunneling socket could not be established, statusCode=403'
    );
  });
});

describe('addresses', () => {
  it('reaches [::1], the IPv6 loopback, and keeps that connection alive too', async () => {
    const server = await countingServer('::1');
    await get(`${server.origin}/a`);
    await get(`${server.origin}/b`);
    expect(server.connections()).toBe(1);
  });
});

describe('a connection opened ahead of need that the server spoke on', () => {
  it('is not used: what arrived on it was no answer to a request (a server timing out an idle connection)', async () => {
    let connections = 0;
    let requests = 0;
    const server = net.createServer(socket => {
      connections++;
      // The first connection gets an unsolicited answer before any request, as a server's idle timeout sends it.
      if (connections === 1) socket.write('HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n');
      socket.on('data', () => {
        requests++;
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
      });
    });
    servers.push(server);
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    client.preconnect(origin, 1);
    await new Promise<void>(resolve => server.once('connection', () => resolve()));
    // Two turns of the event loop let the 408 reach the warm socket's buffer (no timer involved).
    await new Promise(resolve => setImmediate(resolve));
    await new Promise(resolve => setImmediate(resolve));
    const response = await client.request({ method: 'GET', url: `${origin}/x`, what: 'The test API', retry: { attempts: 1 } });
    expect(response.status).toBe(200);
    expect(requests).toBe(1);
  });
});
