/**
 * The measured floor: a case's requests made by the barest Node script that can make them,
 * started fresh like the action. It loads Node's http and https modules the way the action's
 * bundle does (dist/main/index.js is an ES module whose externals are `createRequire(import.
 * meta.url)("http")`: an `import` of node:http would load more of Node, undici included, on
 * Node 24), sends the same requests in the same waves as the floor counts (GitHub; both Entra ID
 * tokens at once; list pages one after another; gets `BENCH_CONCURRENCY` at a time), keeps its
 * connections alive, and parses only what the next request needs. What it costs beyond Node's
 * start-up + round trips x L is Node's own work plus the fake's: no client can go below it.
 *
 * With BENCH_PRECONNECT=1 it also opens its Entra ID connections (one per token) and its Key
 * Vault connections (one per request it will have in flight) while the GitHub token is on its
 * way, so that with connection costs emulated (test/fake-azure/latency.js) only GitHub's
 * handshake is on its path.
 *
 * Environment: ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN, BENCH_AUTHORITY (Entra ID's http origin),
 * AZURE_TENANT_ID, AZURE_CLIENT_ID, BENCH_VAULT_URL (the vault's http origin), BENCH_SECRETS
 * (comma-separated names, `*` to list, or empty), BENCH_CONCURRENCY, BENCH_PRECONNECT.
 * Prints {"secrets": N}.
 */
import { createRequire } from 'module';

const require = createRequire(import.meta.url);
const http = require('http');
require('https');

const env = process.env;

/** A keep-alive agent that can open connections ahead of need: a request takes a warm one before opening its own. */
class Agent extends http.Agent {
  warm = new Map();

  preconnect(origin, count) {
    const { hostname: host, port } = new URL(origin);
    const key = `${host}:${port}`;
    const sockets = this.warm.get(key) ?? [];
    this.warm.set(key, sockets);
    for (let i = 0; i < count; i++) {
      const socket = super.createConnection({ host, port: Number(port) });
      socket.dropWarm = () => {
        if (sockets.includes(socket)) sockets.splice(sockets.indexOf(socket), 1);
      };
      socket.once('error', socket.dropWarm).once('close', socket.dropWarm);
      sockets.push(socket);
    }
  }

  createConnection(options, callback) {
    const socket = this.warm.get(`${options.host}:${options.port}`)?.shift();
    if (!socket) return super.createConnection(options, callback);
    socket.off('error', socket.dropWarm).off('close', socket.dropWarm);
    return socket;
  }

  destroy() {
    for (const sockets of this.warm.values()) for (const socket of sockets.splice(0)) socket.destroy();
    super.destroy();
  }
}

const agent = new Agent({ keepAlive: true });

function send(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers, agent }, response => {
      const chunks = [];
      response.on('data', chunk => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (response.statusCode !== 200) reject(new Error(`${method} ${url} answered ${response.statusCode}: ${text}`));
        else resolve(JSON.parse(text));
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

function entraToken(assertion, scope) {
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: env.AZURE_CLIENT_ID,
    scope,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion
  }).toString();
  const url = `${env.BENCH_AUTHORITY}/${env.AZURE_TENANT_ID}/oauth2/v2.0/token`;
  return send(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
}

async function listNames(vault, auth) {
  const names = [];
  let url = `${vault}/secrets?api-version=7.4&maxresults=25`;
  while (url) {
    const page = await send(url, { headers: auth });
    for (const item of page.value) if (item.attributes?.enabled !== false) names.push(item.id.split('/').pop());
    url = page.nextLink;
  }
  return names;
}

/** Gets every secret, at most `concurrency` in flight. */
async function getAll(vault, names, auth, concurrency) {
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const name = names[next++];
      await send(`${vault}/secrets/${name}?api-version=7.4`, { headers: auth });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, names.length) }, worker));
  return names.length;
}

const wantsSecrets = Boolean(env.BENCH_SECRETS);
const concurrency = Number(env.BENCH_CONCURRENCY);
const github = new URL(env.ACTIONS_ID_TOKEN_REQUEST_URL);
github.searchParams.set('audience', 'api://AzureADTokenExchange');
const assertionPromise = send(github, { headers: { Authorization: `Bearer ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` } });
if (env.BENCH_PRECONNECT === '1') {
  agent.preconnect(env.BENCH_AUTHORITY, wantsSecrets ? 2 : 1);
  if (wantsSecrets) {
    const inFlight = env.BENCH_SECRETS === '*' ? concurrency : Math.min(concurrency, env.BENCH_SECRETS.split(',').length);
    agent.preconnect(env.BENCH_VAULT_URL, inFlight);
  }
}
const { value: assertion } = await assertionPromise;
const [, vaultToken] = await Promise.all([
  entraToken(assertion, 'https://management.azure.com/.default'),
  wantsSecrets ? entraToken(assertion, 'https://vault.azure.net/.default') : undefined
]);
let loaded = 0;
if (wantsSecrets) {
  const auth = { Authorization: `Bearer ${vaultToken.access_token}` };
  const names = env.BENCH_SECRETS === '*' ? await listNames(env.BENCH_VAULT_URL, auth) : env.BENCH_SECRETS.split(',');
  loaded = await getAll(env.BENCH_VAULT_URL, names, auth, concurrency);
}
agent.destroy();
console.log(JSON.stringify({ secrets: loaded }));
