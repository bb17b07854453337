/**
 * Self-test workflow (.github/workflows/self-test.yml), step 1: starts the local fake Azure in
 * the background for the rest of the job (the runner ends it at job end) and hands its
 * addresses to the later steps through GITHUB_ENV: FAKE_URL, FAKE_VAULT_URL, and the fake's
 * client id, tenant and client secret (a fake value, masked all the same). Nothing reaches Azure.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULTS } from '../fake-azure/server.js';

const server = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fake-azure', 'server.js');
const child = spawn(process.execPath, [server], { detached: true, stdio: ['ignore', 'pipe', 'ignore'], windowsHide: true });

const started = await new Promise((resolve, reject) => {
  let text = '';
  const timer = setTimeout(() => reject(new Error('the fake Azure printed no addresses within 30 s')), 30_000);
  child.stdout.on('data', chunk => {
    text += chunk;
    const line = text.split('\n')[0];
    if (text.includes('\n')) {
      clearTimeout(timer);
      resolve(JSON.parse(line));
    }
  });
  child.once('exit', code => reject(new Error(`the fake Azure exited with ${code}`)));
});
child.stdout.destroy();
child.unref();

console.log(`::add-mask::${DEFAULTS.clientSecret}`);
const env = {
  FAKE_URL: started.url,
  FAKE_VAULT_URL: started.vaults[DEFAULTS.vaultName],
  FAKE_CLIENT_ID: DEFAULTS.clientId,
  FAKE_TENANT_ID: DEFAULTS.tenantId,
  FAKE_CLIENT_SECRET: DEFAULTS.clientSecret,
  FAKE_DB_PASSWORD: DEFAULTS.secrets['db-password']
};
fs.appendFileSync(
  process.env.GITHUB_ENV,
  Object.entries(env)
    .map(([name, value]) => `${name}=${value}\n`)
    .join('')
);
console.log(`The fake Azure listens at ${started.url} (pid ${child.pid}).`);
