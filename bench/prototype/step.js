/**
 * One step's HTTP work, sent through @actions/http-client as the action's HTTP layer sends it,
 * with a connection strategy from PROTO_STRATEGY (bench/prototype/measure.js runs it fresh for
 * every measured run):
 *   http-client   what the action does today: HttpClient with keepAlive (direct: one Agent;
 *                 through a proxy: the `tunnel` package's agent, one CONNECT per request)
 *   pool          requestRaw with the prototype's pool (connections.js): kept alive, tunnels reused
 *   preconnect    the same, with Entra ID (2) and Key Vault (one per request in flight)
 *                 connections opened while GitHub answers
 *   one-per-origin  preconnect, and never more than one connection (tunnel) per origin
 *   node-proxyenv Node 24's own https.Agent({ keepAlive, proxyEnv: process.env }) through
 *                 requestRaw (Node >= 24.5; elsewhere it ignores the proxy)
 * The requests are the bare client's (bench/bare-client.js): GitHub's token, both Entra ID
 * tokens at once, then the gets, PROTO_CONCURRENCY at a time.
 *
 * Environment: ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN, PROTO_AUTHORITY, AZURE_TENANT_ID,
 * AZURE_CLIENT_ID, PROTO_VAULT_URL, PROTO_SECRETS (comma-separated names), PROTO_CONCURRENCY,
 * PROTO_STRATEGY, HTTPS_PROXY. Prints {"secrets": N, "opened": {origin: new connections}}.
 */
import { createRequire } from 'module';
import { HttpClient, getProxyUrl } from '@actions/http-client';
import { createConnectionPool } from './connections.js';

const require = createRequire(import.meta.url);
const https = require('https');
const http = require('http');

const env = process.env;
const strategy = env.PROTO_STRATEGY;
const concurrency = Number(env.PROTO_CONCURRENCY);
const client = new HttpClient('azure-token-prototype', [], {
  allowRedirects: false,
  allowRetries: false,
  keepAlive: true,
  socketTimeout: 30_000
});

let pool;
let send;
if (strategy === 'http-client') {
  send = (method, url, body, headers) => client.request(method, url, body, headers);
} else if (strategy === 'node-proxyenv') {
  const agents = { 'https:': new https.Agent({ keepAlive: true, proxyEnv: process.env }), 'http:': new http.Agent({ keepAlive: true }) };
  pool = { destroy: () => Object.values(agents).forEach(agent => agent.destroy()), opened: () => ({}) };
  send = (method, url, body, headers) => {
    const parsed = new URL(url);
    const options = {
      host: parsed.hostname,
      port: Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80)),
      path: parsed.pathname + parsed.search,
      method,
      headers,
      agent: agents[parsed.protocol]
    };
    return client.requestRaw({ parsedUrl: parsed, httpModule: parsed.protocol === 'https:' ? https : http, options }, body);
  };
} else {
  pool = createConnectionPool({ proxyFor: getProxyUrl, maxSocketsPerOrigin: strategy === 'one-per-origin' ? 1 : undefined });
  send = (method, url, body, headers) => client.requestRaw(pool.requestInfo(method, url, headers), body);
}

async function json(method, url, { body = null, headers = {} } = {}) {
  const response = await send(method, url, body, headers);
  const text = await response.readBody();
  if (response.message.statusCode !== 200) throw new Error(`${method} ${url} answered ${response.message.statusCode}: ${text}`);
  return JSON.parse(text);
}

function entraToken(assertion, scope) {
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: env.AZURE_CLIENT_ID,
    scope,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion
  }).toString();
  return json('POST', `${env.PROTO_AUTHORITY}/${env.AZURE_TENANT_ID}/oauth2/v2.0/token`, {
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded' }
  });
}

const names = env.PROTO_SECRETS ? env.PROTO_SECRETS.split(',') : [];
const github = new URL(env.ACTIONS_ID_TOKEN_REQUEST_URL);
github.searchParams.set('audience', 'api://AzureADTokenExchange');
const assertionPromise = json('GET', github.href, { headers: { authorization: `Bearer ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` } });
if (strategy === 'preconnect' || strategy === 'one-per-origin') {
  const perOrigin = strategy === 'one-per-origin' ? 1 : undefined;
  pool.preconnect(env.PROTO_AUTHORITY, perOrigin ?? (names.length > 0 ? 2 : 1));
  if (names.length > 0) pool.preconnect(env.PROTO_VAULT_URL, perOrigin ?? Math.min(concurrency, names.length));
}
const { value: assertion } = await assertionPromise;
const [, vaultToken] = await Promise.all([
  entraToken(assertion, 'https://management.azure.com/.default'),
  names.length > 0 ? entraToken(assertion, 'https://vault.azure.net/.default') : undefined
]);
let next = 0;
const worker = async () => {
  while (next < names.length) {
    const name = names[next++];
    await json('GET', `${env.PROTO_VAULT_URL}/secrets/${name}?api-version=7.4`, {
      headers: { authorization: `Bearer ${vaultToken.access_token}` }
    });
  }
};
await Promise.all(Array.from({ length: Math.min(concurrency, names.length) }, worker));
const opened = pool?.opened() ?? {};
pool?.destroy();
client.dispose();
console.log(JSON.stringify({ secrets: names.length, opened }));
