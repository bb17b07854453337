/**
 * The benchmark's SDK baseline: the action's work written the way the Azure SDK documents it,
 * `ClientAssertionCredential` fed the job's GitHub OIDC token, and `SecretClient.getSecret`.
 * run.js starts it fresh (`node bench/sdk-client.js`) for every measured run, like a workflow
 * step would. Dev dependencies only: nothing here is ever bundled into dist/.
 *
 * Environment:
 *   AZURE_TENANT_ID, AZURE_CLIENT_ID, ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN
 *   BENCH_RESOURCE_SCOPE  the token to get first, as the action does (default Resource Manager)
 *   BENCH_VAULT_URL       the vault (https://NAME.vault.azure.net: real host names, through HTTPS_PROXY)
 *   BENCH_SECRETS         comma-separated secret names, `*` for every enabled secret of the vault, or empty
 *   BENCH_MODE            `loop` (one getSecret after another) or `all` (Promise.all)
 * Prints one JSON line: {"secrets": N}.
 */
import http from 'node:http';
import https from 'node:https';
import { ClientAssertionCredential } from '@azure/identity';

const env = process.env;

/** GitHub's OIDC token for Entra ID (the request @actions/core getIDToken makes), with node: only. */
function githubToken() {
  const url = new URL(env.ACTIONS_ID_TOKEN_REQUEST_URL);
  url.searchParams.set('audience', 'api://AzureADTokenExchange');
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(url, { headers: { Authorization: `Bearer ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` } }, response => {
      const chunks = [];
      response.on('data', chunk => chunks.push(chunk));
      response.on('end', () => {
        if (response.statusCode !== 200) reject(new Error(`GitHub OIDC token request answered ${response.statusCode}`));
        else resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')).value);
      });
    });
    request.on('error', reject);
  });
}

/** The names to fetch: as given, or every enabled secret the vault lists. */
async function secretNames(client, spec) {
  if (spec !== '*') return spec.split(',').filter(Boolean);
  const names = [];
  for await (const properties of client.listPropertiesOfSecrets()) {
    if (properties.enabled !== false) names.push(properties.name);
  }
  return names;
}

async function loadSecrets(client, names, mode) {
  if (mode === 'all') return Promise.all(names.map(name => client.getSecret(name)));
  const secrets = [];
  for (const name of names) secrets.push(await client.getSecret(name));
  return secrets;
}

const credential = new ClientAssertionCredential(env.AZURE_TENANT_ID, env.AZURE_CLIENT_ID, githubToken);
await credential.getToken(env.BENCH_RESOURCE_SCOPE || 'https://management.azure.com/.default');

let loaded = [];
if (env.BENCH_SECRETS) {
  // Imported only when secrets are wanted, as a script that needs none would not load it.
  const { SecretClient } = await import('@azure/keyvault-secrets');
  const client = new SecretClient(env.BENCH_VAULT_URL, credential);
  loaded = await loadSecrets(client, await secretNames(client, env.BENCH_SECRETS), env.BENCH_MODE);
}
if (loaded.some(secret => typeof secret.value !== 'string')) throw new Error('a secret came back without a value');
console.log(JSON.stringify({ secrets: loaded.length }));
