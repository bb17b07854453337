/**
 * A local fake of every service the action talks to: GitHub OIDC, Entra ID, the managed
 * identity endpoints, Key Vault, and a tiny Resource Manager for `az login --identity`
 * (wire details: docs/protocol.md; a §N in this folder is its section N).
 * Zero dependencies, so `npm run demo` works on a fresh clone. Binds 127.0.0.1 only.
 *
 *   const fake = await startFakeAzure({ tls: true });
 *   ... fake.url, fake.vaultUrl('my-vault'), fake.fault('entra', { status: 503 }) ...
 *   await fake.close();
 *
 * Run `node test/fake-azure/server.js` to start the default scenario until killed.
 */
import http from 'node:http';
import https from 'node:https';
import { pathToFileURL } from 'node:url';
import { createSigningKey } from './jwt.js';
import { defaultScenario } from './scenario.js';
import { CA_FILE, tlsServerOptions } from './certificates.js';
import { createEntra } from './entra.js';
import { createGithub } from './github.js';
import { createManagedIdentity } from './managed-identity.js';
import { createVaults, keyVaultHeaders, keyVaultThrottledBody, VAULT_CLOUDS } from './keyvault.js';
import { createArm } from './arm.js';
import { createFaultInjector } from './faults.js';
import { createProxy } from './proxy.js';
import { createLatency } from './latency.js';
import { delay, GATEWAY_HTML, readBody, send, TRUNCATE } from './respond.js';

export { DEFAULTS, KNOWN_RESOURCES, defaultScenario } from './scenario.js';
export { loadTestCertificate, thumbprints, CA_FILE } from './certificates.js';
export { decodeJwt, signJwt } from './jwt.js';

const LOGIN_HOSTS = ['login.microsoftonline.com', 'login.microsoftonline.us', 'login.chinacloudapi.cn'];
const GITHUB_TOKEN_HOST = 'token.actions.githubusercontent.com';
const ARM_HOST = 'management.azure.com';
const ARM_PATHS = /^\/(subscriptions|tenants)\/?$/;
const TOKEN_PATH = /^\/([^/]+)\/oauth2\/v2\.0\/token\/?$/;

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

function closeServer(server) {
  return new Promise(resolve => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}

function hostnameOf(host) {
  return host.replace(/:\d+$/, '').toLowerCase();
}

/** What a handler needs to know about a request, also what the request log records. */
function requestInfo(req, body, scheme) {
  const url = new URL(req.url ?? '/', 'http://fake.invalid');
  const isForm = String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
  return {
    method: req.method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    host: req.headers.host ?? '',
    headers: req.headers,
    scheme,
    form: req.method === 'POST' && isForm ? Object.fromEntries(new URLSearchParams(body.toString('utf8'))) : undefined
  };
}

/** An error body in the family's own shape, for injected faults and throttling. */
function errorBodyFor(route, code, message) {
  if (route.startsWith('keyvault')) return { error: { code, message } };
  if (route === 'github') return { message };
  return { error: code, error_description: message };
}

/**
 * Starts the fake. `options` overrides top-level keys of defaultScenario() (tenants, resources,
 * managedIdentities, vaults, keyVaultPageSize, keyVaultListing, latencyMs, arcKeyDir, arcRealm,
 * entraErrorStyle, managedIdentityCache; `github`, `managedIdentity` and `arm` are merged key by
 * key into the defaults) and adds `tls` (also start HTTPS + proxy) and `clock` (() => epoch ms,
 * default Date.now). Handlers read the scenario per request: change fake.scenario at run time.
 */
export async function startFakeAzure(options = {}) {
  const defaults = defaultScenario();
  const scenario = {
    ...defaults,
    ...options,
    github: { ...defaults.github, ...options.github },
    managedIdentity: { ...defaults.managedIdentity, ...options.managedIdentity },
    arm: { ...defaults.arm, ...options.arm }
  };
  const clock = options.clock ?? Date.now;
  const keys = { github: createSigningKey(), entra: createSigningKey() };
  const context = { scenario, clock, keys };
  const entra = createEntra(context);
  const github = createGithub(context);
  const managedIdentity = createManagedIdentity({ ...context, entra });
  const vaults = createVaults(context);
  const arm = createArm(context);
  const faults = createFaultInjector(clock);
  const requests = [];
  const inFlight = new Map();
  const maxInFlight = new Map();
  const latency = createLatency(scenario);

  /** Path routes, served on every origin the fake owns. */
  function resolveByPath(info) {
    const tenant = TOKEN_PATH.exec(info.path)?.[1];
    if (tenant !== undefined) return { route: 'entra', handle: res => entra.handleToken(info, res, decodeURIComponent(tenant)) };
    if (info.path === '/github/idtoken') return { route: 'github', handle: res => github.handleIdToken(info, res) };
    if (info.path === '/msi/token') return { route: 'msi', handle: res => managedIdentity.handleAppService(info, res) };
    if (info.path === '/metadata/identity/oauth2/token') return { route: 'imds', handle: res => managedIdentity.handleImds(info, res) };
    if (info.path === '/arc/token') return { route: 'arc', handle: res => managedIdentity.handleArc(info, res) };
    if (ARM_PATHS.test(info.path)) return { route: 'arm', handle: res => arm.handle(info, res) };
    return null;
  }

  /** Real host names (through the proxy): login.* is Entra, {vault}.vault.* is that vault. */
  function resolveByHost(info) {
    const hostname = hostnameOf(info.host);
    if (LOGIN_HOSTS.includes(hostname)) {
      const tenant = TOKEN_PATH.exec(info.path)?.[1];
      return tenant === undefined ? null : { route: 'entra', handle: res => entra.handleToken(info, res, decodeURIComponent(tenant)) };
    }
    // Every path on the Resource Manager host goes to the ARM fake, which logs what it does not serve.
    if (hostname === ARM_HOST) return { route: 'arm', handle: res => arm.handle(info, res) };
    const cloud = VAULT_CLOUDS.find(c => hostname.endsWith(c.suffix));
    if (!cloud) return resolveByPath(info);
    const name = hostname.slice(0, -cloud.suffix.length);
    const vault = vaults.get(name);
    if (vault) return vaults.resolve(vault, info);
    // A real client would fail DNS resolution for a vault that does not exist.
    return {
      route: 'keyvault-get',
      handle: res =>
        send(res, 404, {
          error: {
            code: 'VaultNotFound',
            message: `fake-azure: no vault named '${name}'; in Azure, ${hostname} would not resolve (DNS failure).`
          }
        })
    };
  }

  function servesHost(hostname) {
    return (
      LOGIN_HOSTS.includes(hostname) ||
      hostname === GITHUB_TOKEN_HOST ||
      hostname === ARM_HOST ||
      hostname === 'localhost' ||
      hostname === '127.0.0.1' ||
      VAULT_CLOUDS.some(c => hostname.endsWith(c.suffix))
    );
  }

  function record(route, info, res) {
    const entry = {
      route,
      method: info.method,
      path: info.path,
      query: info.query,
      host: info.host,
      headers: info.headers,
      form: info.form,
      status: null,
      at: clock()
    };
    requests.push(entry);
    const current = (inFlight.get(route) ?? 0) + 1;
    inFlight.set(route, current);
    maxInFlight.set(route, Math.max(current, maxInFlight.get(route) ?? 0));
    res.once('close', () => {
      inFlight.set(route, (inFlight.get(route) ?? 1) - 1);
      entry.status = res.headersSent ? res.statusCode : null;
    });
  }

  /**
   * Applies throttling and any fault for this request; true when the request is fully handled.
   * A throttled Key Vault request gets Key Vault's own 429 (Throttled, no innererror, Retry-After
   * only when the throttle names one). Source: quoted in vcsjones/AzureSignTool#219
   */
  async function injectFaults(target, info, res) {
    const { route } = target;
    const throttle = faults.throttled(route, target.vault);
    if (throttle !== null) {
      const headers = throttle.retryAfter === undefined ? {} : { 'retry-after': String(throttle.retryAfter) };
      const body = route.startsWith('keyvault')
        ? keyVaultThrottledBody(target.vault ?? '', throttle)
        : errorBodyFor(
            route,
            'Throttled',
            `Request was not processed because too many requests were received.${throttle.retryAfter === undefined ? '' : ` Retry after ${throttle.retryAfter} seconds.`}`
          );
      send(res, 429, body, headers);
      return true;
    }
    const fault = faults.take(route, info);
    if (!fault) return false;
    await delay(fault.latencyMs ?? 0);
    if (fault.hang) return true; // never answered; close() destroys the socket
    if (fault.reset) {
      res.socket?.destroy();
      return true;
    }
    if (fault.html) {
      send(res, 502, GATEWAY_HTML, { 'content-type': 'text/html' });
      return true;
    }
    if (fault.status) {
      const headers = { ...(fault.retryAfter === undefined ? {} : { 'retry-after': String(fault.retryAfter) }), ...fault.headers };
      send(
        res,
        fault.status,
        fault.body ?? errorBodyFor(route, 'InjectedFault', `fake-azure injected HTTP ${fault.status} on route ${route}.`),
        headers
      );
      return true;
    }
    if (fault.truncate) res[TRUNCATE] = true;
    return false;
  }

  /** One request handler per listener; `resolve` maps a request to {route, handle}. */
  function handlerFor(resolve, scheme) {
    return async (req, res) => {
      try {
        const info = requestInfo(req, await readBody(req), scheme);
        const target = resolve(info) ?? {
          route: 'unknown',
          handle: r =>
            send(r, 404, { error: { code: 'NotFound', message: `fake-azure has no route for ${info.method} ${info.host}${info.path}` } })
        };
        record(target.route, info, res);
        // Key Vault's headers are on every answer of a vault, faults and 429s included.
        if (target.vault !== undefined) for (const [name, value] of Object.entries(keyVaultHeaders())) res.setHeader(name, value);
        await latency.wait(req);
        if (await injectFaults(target, info, res)) return;
        target.handle(res);
      } catch (err) {
        if (!res.headersSent) send(res, 500, { error: { code: 'FakeAzureBug', message: String(err?.stack ?? err) } });
      }
    };
  }

  const servers = [];
  async function startServer(server) {
    servers.push(server);
    latency.track(server);
    return listen(server);
  }

  const mainPort = await startServer(http.createServer(handlerFor(resolveByHost, 'http')));
  const url = `http://127.0.0.1:${mainPort}`;

  /** One HTTP listener per vault, so a vault URL is its own origin (spec: "a vault URL is its origin"). */
  const vaultOrigins = new Map();
  async function startVaultListener(name) {
    const vault = vaults.get(name);
    const port = await startServer(http.createServer(handlerFor(info => vaults.resolve(vault, info), 'http')));
    vaultOrigins.set(name.toLowerCase(), { url: `http://127.0.0.1:${port}`, port });
  }
  for (const name of Object.keys(scenario.vaults ?? {})) await startVaultListener(name);

  const fake = {
    url,
    scenario,
    requests,
    proxyLog: [],
    latency,
    requestsFor: route => requests.filter(r => r.route === route),
    inFlight: route => inFlight.get(route) ?? 0,
    maxInFlight: route => maxInFlight.get(route) ?? 0,
    clearRequests: () => {
      requests.length = 0;
      maxInFlight.clear();
    },
    fault: (route, spec) => faults.add(route, spec),
    /** Adds several faults for one route, taken in order (e.g. a 500, then a hang for good). */
    faultSequence: (route, specs) => specs.forEach(spec => faults.add(route, spec)),
    throttle: (route, spec) => faults.throttle(route, spec),
    clearFaults: () => faults.clear(),

    /** Origin of a configured vault's own listener (http://127.0.0.1:PORT). */
    vaultUrl(name) {
      const origin = vaultOrigins.get(name.toLowerCase());
      if (!origin) throw new Error(`fake-azure: vault '${name}' has no listener; use await fake.addVault('${name}', config)`);
      return origin.url;
    },
    /** Adds (or replaces) a vault at runtime and starts its listener; resolves to its origin. */
    async addVault(name, config = {}) {
      vaults.addVault(name, config);
      if (!vaultOrigins.has(name.toLowerCase())) await startVaultListener(name);
      return fake.vaultUrl(name);
    },
    /** The live state of a vault: { name, tenantId, readers, challenge, secrets: Map }; change it freely. */
    vault: name => vaults.get(name),
    /** Sets a secret (a new version when it exists): a value string or {value, enabled, exp, nbf, contentType, tags, versions}. */
    setSecret: (vaultName, name, spec) => vaults.setSecret(vaultName, name, spec),

    github: {
      issuer: scenario.github.issuer,
      requestToken: scenario.github.requestToken,
      idTokenUrl: `${url}/github/idtoken?api-version=2.0`,
      mintToken: github.mintToken,
      publicKey: keys.github.publicKey
    },
    entra: {
      tokenUrl: (tenant = scenario.tenants[0].id) => `${url}/${tenant}/oauth2/v2.0/token`,
      mintAccessToken: entra.mintAccessToken,
      /** A real-shaped Entra error body ({code, error, message, style?}) for fake.fault('entra', { status, body }). */
      errorBody: entra.errorBody,
      publicKey: keys.entra.publicKey
    },
    /** The tiny Resource Manager: base URL on the plain listener, and one line per request it saw. */
    arm: { url, host: `https://${ARM_HOST}`, log: arm.log },
    managedIdentity: {
      identityHeader: scenario.managedIdentity.identityHeader,
      appServiceEndpoint: `${url}/msi/token`,
      arcEndpoint: `${url}/arc/token`,
      arcKeyDir: managedIdentity.arcKeyDir
    },
    /** Environment variables that point the action at this fake, per credential kind. */
    env: {
      oidc: {
        ACTIONS_ID_TOKEN_REQUEST_URL: `${url}/github/idtoken?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: scenario.github.requestToken
      },
      appService: { IDENTITY_ENDPOINT: `${url}/msi/token`, IDENTITY_HEADER: scenario.managedIdentity.identityHeader },
      arc: { IDENTITY_ENDPOINT: `${url}/arc/token`, IMDS_ENDPOINT: url },
      imds: { AZURE_POD_IDENTITY_AUTHORITY_HOST: url }
    },

    async close() {
      proxy?.destroySockets();
      await latency.close();
      await Promise.all(servers.map(closeServer));
      managedIdentity.close();
    }
  };

  let proxy;
  if (options.tls) {
    const httpsPort = await startServer(https.createServer(tlsServerOptions(), handlerFor(resolveByHost, 'https')));
    proxy = createProxy({
      ports: {
        https: httpsPort,
        http: mainPort,
        own: () => new Set([mainPort, httpsPort, ...[...vaultOrigins.values()].map(o => o.port)])
      },
      servesHost,
      log: fake.proxyLog
    });
    const proxyPort = await startServer(proxy.server);
    Object.assign(fake, { httpsUrl: `https://127.0.0.1:${httpsPort}`, caFile: CA_FILE, proxyUrl: `http://127.0.0.1:${proxyPort}` });
  }
  return fake;
}

/** CLI: start the default scenario (with TLS and proxy), print its URLs as one JSON line. */
async function main() {
  // What a real client (e.g. az 2.45) asks the Resource Manager, for comparing with the fake.
  const fake = await startFakeAzure({ tls: true, arm: { onLog: line => process.stderr.write(`fake-azure arm: ${line}\n`) } });
  const vaultUrls = Object.fromEntries(Object.keys(fake.scenario.vaults).map(name => [name, fake.vaultUrl(name)]));
  console.log(
    JSON.stringify({
      url: fake.url,
      httpsUrl: fake.httpsUrl,
      proxyUrl: fake.proxyUrl,
      caFile: fake.caFile,
      vaults: vaultUrls,
      armUrl: fake.arm.url,
      env: fake.env
    })
  );
  const stop = () => fake.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
