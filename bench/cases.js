/**
 * The benchmark's cases, the work each one asks of the action and of the baselines, the
 * transports they run over, and their floors: the fewest round trips that must follow one
 * another (issue 6; handshakes: "Speed at the network's floor").
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULTS } from '../test/fake-azure/server.js';
import { REPO_ROOT } from '../test/harness/runner.js';

export const VAULT_NAME = 'bench-vault';
export const GROWTH_VAULT = 'bench-growth';
/** The largest page Key Vault serves, and the one the fake serves by default (§5 List secrets). */
export const LIST_PAGE_SIZE = 25;
/** Round trips a new https connection costs before its first request: TCP, then TLS 1.3. */
export const HANDSHAKE_ROUND_TRIPS = 2;
export const GITHUB_HOST = 'token.actions.githubusercontent.com';

const DECLARATION = /\bMAX_REQUESTS_IN_FLIGHT\s*(?::\s*number\s*)?=\s*(\d+)/;

function sourceFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(file);
    return /\.[cm]?[jt]s$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [file] : [];
  });
}

/**
 * The action's bound on Key Vault requests in flight, read from its source so the floor always
 * follows the action: each batch of this many gets is one wave of round trips. Searches all of
 * src/ for `MAX_REQUESTS_IN_FLIGHT = N` (the file that declares it moves with refactorings).
 */
export function actionConcurrency(srcDir = path.join(REPO_ROOT, 'src')) {
  const found = sourceFiles(srcDir).flatMap(file => {
    const match = DECLARATION.exec(fs.readFileSync(file, 'utf8'));
    return match ? [{ file: path.relative(REPO_ROOT, file), value: Number(match[1]) }] : [];
  });
  const values = [...new Set(found.map(f => f.value))];
  if (values.length === 1) return values[0];
  if (values.length === 0)
    throw new Error(`bench: no file under ${path.relative(REPO_ROOT, srcDir)}/ declares MAX_REQUESTS_IN_FLIGHT = N; update bench/cases.js`);
  throw new Error(
    `bench: MAX_REQUESTS_IN_FLIGHT is declared with different values: ${found.map(f => `${f.file} = ${f.value}`).join(', ')}`
  );
}

export function secretName(index) {
  return `secret-${String(index + 1).padStart(3, '0')}`;
}

/** The vault's secrets: `secret-001` ... with distinct values. */
export function vaultSecrets(count) {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [secretName(i), `bench-value-${i + 1}-${'x'.repeat(24)}`]));
}

const waves = (count, concurrency) => Math.ceil(count / concurrency);
const names = count => Array.from({ length: count }, (_, i) => secretName(i));

/**
 * Round trips without connection cost: GitHub OIDC, then Entra ID (the resource and vault tokens
 * go together), then for a listing each page (nextLink makes them sequential), then one wave of
 * gets per `concurrency` secrets.
 */
export function roundTrips({ count, list }, concurrency) {
  if (count === 0 && !list) return 2;
  return 2 + (list ? Math.max(1, Math.ceil(count / LIST_PAGE_SIZE)) : 0) + waves(count, concurrency);
}

/**
 * Round trips when every new connection costs HANDSHAKE_ROUND_TRIPS more. `preconnect`: the
 * Entra ID and Key Vault connections were opened while GitHub answered, so only GitHub's
 * handshake is on the path (the floor); otherwise each of the three hosts' first wave pays one.
 */
export function handshakeRoundTrips({ count, list }, concurrency, preconnect) {
  const base = roundTrips({ count, list }, concurrency);
  const hosts = count === 0 && !list ? 2 : 3;
  return base + HANDSHAKE_ROUND_TRIPS * (preconnect ? 1 : hosts);
}

/** Cases (a)-(d). */
export function benchCases({ small, large, concurrency }) {
  const named = (id, title, count) => ({ id, title, names: names(count), list: false, count, expected: count, vault: VAULT_NAME });
  const cases = [
    named('a', 'OIDC → one token', 0),
    named('b', `OIDC → token + ${small} secrets`, small),
    named('c', `OIDC → token + ${large} secrets`, large),
    { id: 'd', title: `vault/* over ${large} secrets`, names: [], list: true, count: large, expected: large, vault: VAULT_NAME }
  ];
  return cases.map(c => ({ ...c, roundTrips: roundTrips(c, concurrency) }));
}

/** The cost-growth cases: `sizes` named secrets each, then vault/* over the largest. */
export function growthCases({ sizes, concurrency }) {
  const largest = Math.max(...sizes);
  const cases = sizes.map(count => ({
    id: `g${count}`,
    title: `token + ${count} ${count === 1 ? 'secret' : 'secrets'}`,
    names: names(count),
    list: false,
    count,
    expected: count,
    vault: GROWTH_VAULT
  }));
  cases.push({
    id: `g*${largest}`,
    title: `vault/* over ${largest} secrets`,
    names: [],
    list: true,
    count: largest,
    expected: largest,
    vault: GROWTH_VAULT
  });
  return cases.map(c => ({ ...c, roundTrips: roundTrips(c, concurrency) }));
}

const SIGN_IN = { 'auth-type': 'oidc', 'client-id': DEFAULTS.clientId, 'tenant-id': DEFAULTS.tenantId };

/**
 * Where each service is reached, per transport:
 * - `direct`: plain http to distinct loopback origins, one per service as in Azure (GitHub on
 *   127.0.0.2, Entra ID on 127.0.0.3: aliases of the fake's listener; the vault on its own
 *   listener), so no connection is ever shared between two services.
 * - `proxy`: Entra ID and Key Vault by their real names over TLS through HTTPS_PROXY (the
 *   transport the SDK must use); GitHub at its loopback origin, as the SDK script reaches it.
 * - `proxy-all`: all three by their real names over TLS through HTTPS_PROXY, GitHub's as
 *   https://token.actions.githubusercontent.com: every host's CONNECTs are counted.
 */
export async function benchOrigins(fake) {
  const mainPort = Number(new URL(fake.url).port);
  const github = await fake.latency.alias('127.0.0.2', mainPort);
  const entra = await fake.latency.alias('127.0.0.3', mainPort);
  return { github: github.url, entra: entra.url, hosts: { github: github.host, entra: entra.host } };
}

function githubEnv(fake, origins, transport) {
  const base = transport === 'direct' ? origins.github : transport === 'proxy' ? fake.url : `https://${GITHUB_HOST}`;
  return {
    ACTIONS_ID_TOKEN_REQUEST_URL: `${base}/github/idtoken?api-version=2.0`,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: fake.github.requestToken
  };
}

/** The TLS transports' env: the proxy, and trust in the fake's CA (one certificate, cheap to load; the machine's bundle is never passed on). */
function tlsEnv(fake) {
  return { HTTPS_PROXY: fake.proxyUrl, NODE_EXTRA_CA_CERTS: fake.caFile };
}

/** The action's inputs and env for a case over a transport (see benchOrigins). */
export function actionRun(fake, origins, benchCase, transport) {
  const direct = transport === 'direct';
  const vault = direct ? fake.vaultUrl(benchCase.vault) : benchCase.vault;
  const inputs = { ...SIGN_IN, ...(direct ? { 'authority-host': origins.entra } : {}) };
  if (benchCase.names.length > 0 || benchCase.list) {
    Object.assign(inputs, { keyvault: vault, secrets: benchCase.list ? `${vault}/*` : benchCase.names.join(',') });
  }
  const env = { ...githubEnv(fake, origins, transport), ...(direct ? {} : tlsEnv(fake)) };
  return { inputs, env };
}

/** The env of one SDK script run (bench/sdk-client.js); `mode` is `loop` or `all`. */
export function sdkRun(fake, origins, benchCase, mode) {
  return {
    ...githubEnv(fake, origins, 'proxy'),
    ...tlsEnv(fake),
    AZURE_TENANT_ID: DEFAULTS.tenantId,
    AZURE_CLIENT_ID: DEFAULTS.clientId,
    BENCH_VAULT_URL: `https://${benchCase.vault}.vault.azure.net`,
    BENCH_SECRETS: benchCase.list ? '*' : benchCase.names.join(','),
    BENCH_MODE: mode
  };
}

/** The env of one bare-client run (bench/bare-client.js), over the `direct` transport like the action's. */
export function bareRun(fake, origins, benchCase, { concurrency, preconnect = false }) {
  return {
    ...githubEnv(fake, origins, 'direct'),
    BENCH_AUTHORITY: origins.entra,
    AZURE_TENANT_ID: DEFAULTS.tenantId,
    AZURE_CLIENT_ID: DEFAULTS.clientId,
    BENCH_VAULT_URL: fake.vaultUrl(benchCase.vault),
    BENCH_SECRETS: benchCase.list ? '*' : benchCase.names.join(','),
    BENCH_CONCURRENCY: String(concurrency),
    ...(preconnect ? { BENCH_PRECONNECT: '1' } : {})
  };
}
