/**
 * The benchmark's cases, the work each one asks of the action and of the SDK script, and its
 * floor: the fewest round trips that must follow one another (issue 6).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULTS } from '../test/fake-azure/server.js';
import { REPO_ROOT } from '../test/harness/runner.js';

export const VAULT_NAME = 'bench-vault';
/** The largest page Key Vault serves, and the one the fake serves by default (§5 List secrets). */
const LIST_PAGE_SIZE = 25;

/**
 * The action's bound on Key Vault requests in flight, read from its source so the floor always
 * follows the action: each batch of this many gets is one wave of round trips.
 */
export function actionConcurrency() {
  const source = fs.readFileSync(path.join(REPO_ROOT, 'src', 'keyvault.ts'), 'utf8');
  const match = /export const MAX_REQUESTS_IN_FLIGHT = (\d+);/.exec(source);
  if (!match) throw new Error('bench: src/keyvault.ts no longer declares MAX_REQUESTS_IN_FLIGHT; update bench/cases.js');
  return Number(match[1]);
}

export function secretName(index) {
  return `secret-${String(index + 1).padStart(3, '0')}`;
}

/** The vault's secrets: `secret-001` ... with distinct values. */
export function vaultSecrets(count) {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [secretName(i), `bench-value-${i + 1}-${'x'.repeat(24)}`]));
}

/**
 * Cases (a)-(d). `roundTrips`: GitHub OIDC, then Entra ID (the resource and vault tokens go
 * together), then for (d) each list page (nextLink makes them sequential), then one wave of
 * gets per `concurrency` secrets.
 */
export function benchCases({ small, large, concurrency }) {
  const waves = count => Math.ceil(count / concurrency);
  const names = count => Array.from({ length: count }, (_, i) => secretName(i));
  return [
    { id: 'a', title: 'OIDC → one token', names: [], list: false, expected: 0, roundTrips: 2 },
    { id: 'b', title: `OIDC → token + ${small} secrets`, names: names(small), list: false, expected: small, roundTrips: 2 + waves(small) },
    { id: 'c', title: `OIDC → token + ${large} secrets`, names: names(large), list: false, expected: large, roundTrips: 2 + waves(large) },
    {
      id: 'd',
      title: `vault/* over ${large} secrets`,
      names: [],
      list: true,
      expected: large,
      roundTrips: 2 + Math.max(1, Math.ceil(large / LIST_PAGE_SIZE)) + waves(large)
    }
  ];
}

const SIGN_IN = { 'auth-type': 'oidc', 'client-id': DEFAULTS.clientId, 'tenant-id': DEFAULTS.tenantId };

/** The `secrets` input for a case, given how the vault is named (URL or name). */
function secretsInput(benchCase, vault) {
  if (benchCase.list) return `${vault}/*`;
  return benchCase.names.join(',');
}

/**
 * The action's inputs and env. `direct`: plain http to the fake's loopback listeners (the
 * authority and the vault by URL), so the time is the action's own plus L per round trip.
 * `proxy`: real host names over TLS through HTTPS_PROXY, the transport the SDK must use.
 */
export function actionRun(fake, benchCase, transport) {
  const direct = transport === 'direct';
  const vault = direct ? fake.vaultUrl(VAULT_NAME) : VAULT_NAME;
  const inputs = { ...SIGN_IN, ...(direct ? { 'authority-host': fake.url } : {}) };
  if (benchCase.names.length > 0 || benchCase.list) Object.assign(inputs, { keyvault: vault, secrets: secretsInput(benchCase, vault) });
  const env = { ...fake.env.oidc, ...(direct ? {} : { HTTPS_PROXY: fake.proxyUrl, NODE_EXTRA_CA_CERTS: fake.caFile }) };
  return { inputs, env };
}

/** The env of one SDK script run (bench/sdk-client.js); `mode` is `loop` or `all`. */
export function sdkRun(fake, benchCase, mode) {
  return {
    ...fake.env.oidc,
    HTTPS_PROXY: fake.proxyUrl,
    NODE_EXTRA_CA_CERTS: fake.caFile,
    AZURE_TENANT_ID: DEFAULTS.tenantId,
    AZURE_CLIENT_ID: DEFAULTS.clientId,
    BENCH_VAULT_URL: `https://${VAULT_NAME}.vault.azure.net`,
    BENCH_SECRETS: benchCase.list ? '*' : benchCase.names.join(','),
    BENCH_MODE: mode
  };
}

/** The env of one bare-client run (bench/bare-client.js): the fake's loopback origins, like the action's `direct`. */
export function bareRun(fake, benchCase, concurrency) {
  return {
    ...fake.env.oidc,
    BENCH_AUTHORITY: fake.url,
    AZURE_TENANT_ID: DEFAULTS.tenantId,
    AZURE_CLIENT_ID: DEFAULTS.clientId,
    BENCH_VAULT_URL: fake.vaultUrl(VAULT_NAME),
    BENCH_SECRETS: benchCase.list ? '*' : benchCase.names.join(','),
    BENCH_CONCURRENCY: String(concurrency)
  };
}
