/**
 * The measured floor: a case's requests made by the barest Node script that can make them,
 * started fresh like the action. It loads node:https as any client of Entra ID and Key Vault
 * must, sends the same requests in the same waves as the floor counts (GitHub; both Entra ID
 * tokens at once; list pages one after another; gets `BENCH_CONCURRENCY` at a time), and
 * parses only what the next request needs. What it costs beyond `node -e 0` + round trips x L
 * is Node's own (http/https/tls load) plus the fake's processing: no client can go below it.
 *
 * Environment: ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN, BENCH_AUTHORITY (the fake's http origin),
 * AZURE_TENANT_ID, AZURE_CLIENT_ID, BENCH_VAULT_URL (the vault's http origin), BENCH_SECRETS
 * (comma-separated names, `*` to list, or empty), BENCH_CONCURRENCY. Prints {"secrets": N}.
 */
import http from 'node:http';
import 'node:https';

const env = process.env;
const agent = new http.Agent({ keepAlive: true });

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

const github = new URL(env.ACTIONS_ID_TOKEN_REQUEST_URL);
github.searchParams.set('audience', 'api://AzureADTokenExchange');
const { value: assertion } = await send(github, { headers: { Authorization: `Bearer ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` } });
const wantsSecrets = Boolean(env.BENCH_SECRETS);
const [, vaultToken] = await Promise.all([
  entraToken(assertion, 'https://management.azure.com/.default'),
  wantsSecrets ? entraToken(assertion, 'https://vault.azure.net/.default') : undefined
]);
let loaded = 0;
if (wantsSecrets) {
  const auth = { Authorization: `Bearer ${vaultToken.access_token}` };
  const names = env.BENCH_SECRETS === '*' ? await listNames(env.BENCH_VAULT_URL, auth) : env.BENCH_SECRETS.split(',');
  loaded = await getAll(env.BENCH_VAULT_URL, names, auth, Number(env.BENCH_CONCURRENCY));
}
agent.destroy();
console.log(JSON.stringify({ secrets: loaded }));
