/**
 * The fake's round-trip emulation (test/fake-azure/latency.js): a new connection's first answer
 * comes 2 round trips + 1 after it was opened, a kept-alive or early-opened connection's after
 * 1, through an alias origin and through the CONNECT proxy alike. The benchmark's connection
 * numbers (npm run bench) are only as good as this model.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { startFakeAzure, DEFAULTS, type FakeAzure } from '../../test/fake-azure/server.js';

// Large enough that a busy machine (jest runs suites in parallel) cannot blur one round trip into the next.
const L = 100;
let fake: FakeAzure;
let alias: { host: string; port: number; url: string };

beforeAll(async () => {
  fake = await startFakeAzure({ tls: true, latencyMs: L, handshakeRoundTrips: 2 });
  alias = await fake.latency.alias('127.0.0.2', Number(new URL(fake.url).port));
});
afterAll(async () => {
  await fake.close();
});

const TOKEN_PATH = '/github/idtoken?api-version=2.0&audience=api://AzureADTokenExchange';
const headers = { authorization: `Bearer ${DEFAULTS.githubRequestToken}` };

/** One GET on `agent`; resolves to the ms until the whole answer was read. */
function timedGet(url: string, agent: http.Agent | https.Agent | false, module: typeof http | typeof https = http): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    module
      .get(url, { agent, headers }, response => {
        response.resume();
        response.on('end', () =>
          response.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`status ${response.statusCode}`))
        );
      })
      .on('error', reject);
  });
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

describe('the round-trip emulation', () => {
  it('charges a new connection 2 round trips before its first answer, and a kept-alive one none', async () => {
    const agent = new http.Agent({ keepAlive: true });
    try {
      const first = await timedGet(`${alias.url}${TOKEN_PATH}`, agent);
      const second = await timedGet(`${alias.url}${TOKEN_PATH}`, agent);
      expect(first).toBeGreaterThanOrEqual(3 * L - 1);
      expect(first).toBeLessThan(4 * L);
      expect(second).toBeGreaterThanOrEqual(L - 1);
      expect(second).toBeLessThan(2 * L);
    } finally {
      agent.destroy();
    }
  });

  it('lets a connection opened early and left idle answer its first request after one round trip', async () => {
    const socket = net.connect(alias.port, alias.host);
    await sleep(2 * L + 10);
    const agent = new http.Agent({ keepAlive: true });
    agent.createConnection = () => socket;
    try {
      const first = await timedGet(`${alias.url}${TOKEN_PATH}`, agent);
      expect(first).toBeGreaterThanOrEqual(L - 1);
      expect(first).toBeLessThan(2 * L);
    } finally {
      agent.destroy();
    }
  });

  it('charges a CONNECT tunnel like a connection (CONNECT + TLS), and logs each connection and CONNECT', async () => {
    fake.latency.clearConnections();
    fake.proxyLog.length = 0;
    const proxy = new URL(fake.proxyUrl!);
    // The tunnel's round trips count from the CONNECT, as the client's own would.
    const connectSent = performance.now();
    const tunnel = await new Promise<net.Socket>((resolve, reject) => {
      http
        .request({
          host: proxy.hostname,
          port: proxy.port,
          method: 'CONNECT',
          path: 'token.actions.githubusercontent.com:443',
          agent: false
        })
        .on('connect', (response, socket) =>
          response.statusCode === 200 ? resolve(socket) : reject(new Error(`CONNECT ${response.statusCode}`))
        )
        .on('error', reject)
        .end();
    });
    const agent = new https.Agent({ keepAlive: true, ca: fs.readFileSync(fake.caFile!) });
    (agent as unknown as { createConnection: (options: object) => net.Socket }).createConnection = options =>
      (https.Agent.prototype as unknown as { createConnection: (o: object) => net.Socket }).createConnection.call(agent, {
        ...options,
        socket: tunnel,
        servername: 'token.actions.githubusercontent.com'
      });
    try {
      await timedGet(`https://token.actions.githubusercontent.com${TOKEN_PATH}`, agent, https);
      const first = performance.now() - connectSent;
      const second = await timedGet(`https://token.actions.githubusercontent.com${TOKEN_PATH}`, agent, https);
      expect(first).toBeGreaterThanOrEqual(3 * L - 1);
      expect(first).toBeLessThan(4 * L);
      expect(second).toBeLessThan(2 * L);
      expect(fake.proxyLog).toEqual(['CONNECT token.actions.githubusercontent.com:443']);
    } finally {
      agent.destroy();
    }
  });

  it('changes its model between runs: with no handshake cost a new connection costs one round trip', async () => {
    fake.latency.set({ handshakeRoundTrips: 0 });
    try {
      const first = await timedGet(`${alias.url}${TOKEN_PATH}`, false);
      expect(first).toBeGreaterThanOrEqual(L - 1);
      expect(first).toBeLessThan(2 * L);
      expect(fake.latency.connections.some(c => c.host === alias.host && c.port === alias.port)).toBe(true);
    } finally {
      fake.latency.set({ handshakeRoundTrips: 2 });
    }
  });
});
