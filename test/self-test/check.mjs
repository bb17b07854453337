/**
 * Self-test workflow, the step after `uses: ./`: what the action handed on is right. Its
 * outputs (ACCESS_TOKEN, EXPIRES_ON, AUTH_TYPE, TOKEN_FILE, TOKEN_ENDPOINT from the step's
 * outputs), the exported secret (DB_PASSWORD), the token file (the token's exact bytes, mode 0600
 * where modes exist), and the token endpoint: a later step gets a token from it.
 */
import fs from 'node:fs';

const env = process.env;
const failures = [];
const check = (ok, what) => {
  if (!ok) failures.push(what);
};

const claims = JSON.parse(Buffer.from((env.ACCESS_TOKEN ?? '').split('.')[1] ?? '', 'base64url').toString('utf8') || '{}');
check(claims.tid === env.FAKE_TENANT_ID, 'access-token is a token of the fake tenant');
check(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(env.EXPIRES_ON ?? ''), `expires-on has whole seconds in UTC (${env.EXPIRES_ON})`);
check(env.AUTH_TYPE === 'secret', `auth-type is secret (${env.AUTH_TYPE})`);
check(env.DB_PASSWORD === env.FAKE_DB_PASSWORD, 'DB_PASSWORD was exported for later steps');
check(fs.existsSync(env.TOKEN_FILE ?? ''), 'the token file exists until the post step');
if (fs.existsSync(env.TOKEN_FILE ?? '')) {
  check(fs.readFileSync(env.TOKEN_FILE, 'utf8') === env.ACCESS_TOKEN, 'the token file holds the token exactly');
  if (process.platform !== 'win32') check((fs.statSync(env.TOKEN_FILE).mode & 0o777) === 0o600, 'the token file has mode 0600');
}
check(env.TOKEN_ENDPOINT === env.IDENTITY_ENDPOINT, 'token-endpoint is the exported IDENTITY_ENDPOINT');

const url = new URL(env.IDENTITY_ENDPOINT ?? 'http://127.0.0.1:1/');
url.searchParams.set('resource', 'https://vault.azure.net');
url.searchParams.set('api-version', '2019-08-01');
try {
  const response = await fetch(url, { headers: { 'X-IDENTITY-HEADER': env.IDENTITY_HEADER ?? '' } });
  const body = await response.json();
  check(response.status === 200 && typeof body.access_token === 'string', `the token endpoint served a token (HTTP ${response.status})`);
} catch (error) {
  failures.push(`the token endpoint answered: ${error.message}`);
}

if (failures.length > 0) {
  for (const failure of failures) console.log(`::error::self-test: ${failure}`);
  process.exit(1);
}
console.log('self-test: outputs, environment, token file and token endpoint are as the contract says.');
