/**
 * The official Azure SDK against the fake Azure: proof that the fake speaks the real protocol.
 * `ClientSecretCredential` (@azure/identity) gets a Resource Manager token, then `SecretClient`
 * (@azure/keyvault-secrets) reads a secret and lists the vault, page by page, answering Key
 * Vault's 401 challenge on its own. Dev dependencies only; run by __tests__/e2e/sdk-faithful.test.ts
 * in a child process with NODE_EXTRA_CA_CERTS (the fake's test CA) and, for real host names,
 * HTTPS_PROXY (the fake's proxy).
 *
 * Environment: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, SDK_AUTHORITY_HOST (optional),
 * SDK_VAULT_URL, SDK_SECRET_NAME. Prints one JSON line; a secret's value only as its SHA-256.
 */
import crypto from 'node:crypto';
import { ClientSecretCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';

const env = process.env;
const sha256 = text => crypto.createHash('sha256').update(text).digest('hex');
const claimsOf = token => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));

const credential = new ClientSecretCredential(
  env.AZURE_TENANT_ID,
  env.AZURE_CLIENT_ID,
  env.AZURE_CLIENT_SECRET,
  env.SDK_AUTHORITY_HOST ? { authorityHost: env.SDK_AUTHORITY_HOST } : {}
);
const token = await credential.getToken('https://management.azure.com/.default');

const client = new SecretClient(env.SDK_VAULT_URL, credential);
const secret = await client.getSecret(env.SDK_SECRET_NAME);
const names = [];
for await (const properties of client.listPropertiesOfSecrets()) names.push(properties.name);

const { aud, appid, tid } = claimsOf(token.token);
console.log(
  JSON.stringify({
    token: { aud, appid, tid, expiresInSeconds: Math.round((token.expiresOnTimestamp - Date.now()) / 1000) },
    secret: {
      name: secret.name,
      version: secret.properties.version,
      enabled: secret.properties.enabled,
      valueSha256: sha256(secret.value ?? '')
    },
    listed: names.sort()
  })
);
