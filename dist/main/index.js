import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 770:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {

module.exports = __nccwpck_require__(218);


/***/ }),

/***/ 218:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {

var __webpack_unused_export__;


var net = __nccwpck_require__(278);
var tls = __nccwpck_require__(756);
var http = __nccwpck_require__(611);
var https = __nccwpck_require__(692);
var events = __nccwpck_require__(434);
var assert = __nccwpck_require__(613);
var util = __nccwpck_require__(23);


exports.httpOverHttp = httpOverHttp;
exports.httpsOverHttp = httpsOverHttp;
exports.httpOverHttps = httpOverHttps;
exports.httpsOverHttps = httpsOverHttps;


function httpOverHttp(options) {
  var agent = new TunnelingAgent(options);
  agent.request = http.request;
  return agent;
}

function httpsOverHttp(options) {
  var agent = new TunnelingAgent(options);
  agent.request = http.request;
  agent.createSocket = createSecureSocket;
  agent.defaultPort = 443;
  return agent;
}

function httpOverHttps(options) {
  var agent = new TunnelingAgent(options);
  agent.request = https.request;
  return agent;
}

function httpsOverHttps(options) {
  var agent = new TunnelingAgent(options);
  agent.request = https.request;
  agent.createSocket = createSecureSocket;
  agent.defaultPort = 443;
  return agent;
}


function TunnelingAgent(options) {
  var self = this;
  self.options = options || {};
  self.proxyOptions = self.options.proxy || {};
  self.maxSockets = self.options.maxSockets || http.Agent.defaultMaxSockets;
  self.requests = [];
  self.sockets = [];

  self.on('free', function onFree(socket, host, port, localAddress) {
    var options = toOptions(host, port, localAddress);
    for (var i = 0, len = self.requests.length; i < len; ++i) {
      var pending = self.requests[i];
      if (pending.host === options.host && pending.port === options.port) {
        // Detect the request to connect same origin server,
        // reuse the connection.
        self.requests.splice(i, 1);
        pending.request.onSocket(socket);
        return;
      }
    }
    socket.destroy();
    self.removeSocket(socket);
  });
}
util.inherits(TunnelingAgent, events.EventEmitter);

TunnelingAgent.prototype.addRequest = function addRequest(req, host, port, localAddress) {
  var self = this;
  var options = mergeOptions({request: req}, self.options, toOptions(host, port, localAddress));

  if (self.sockets.length >= this.maxSockets) {
    // We are over limit so we'll add it to the queue.
    self.requests.push(options);
    return;
  }

  // If we are under maxSockets create a new one.
  self.createSocket(options, function(socket) {
    socket.on('free', onFree);
    socket.on('close', onCloseOrRemove);
    socket.on('agentRemove', onCloseOrRemove);
    req.onSocket(socket);

    function onFree() {
      self.emit('free', socket, options);
    }

    function onCloseOrRemove(err) {
      self.removeSocket(socket);
      socket.removeListener('free', onFree);
      socket.removeListener('close', onCloseOrRemove);
      socket.removeListener('agentRemove', onCloseOrRemove);
    }
  });
};

TunnelingAgent.prototype.createSocket = function createSocket(options, cb) {
  var self = this;
  var placeholder = {};
  self.sockets.push(placeholder);

  var connectOptions = mergeOptions({}, self.proxyOptions, {
    method: 'CONNECT',
    path: options.host + ':' + options.port,
    agent: false,
    headers: {
      host: options.host + ':' + options.port
    }
  });
  if (options.localAddress) {
    connectOptions.localAddress = options.localAddress;
  }
  if (connectOptions.proxyAuth) {
    connectOptions.headers = connectOptions.headers || {};
    connectOptions.headers['Proxy-Authorization'] = 'Basic ' +
        new Buffer(connectOptions.proxyAuth).toString('base64');
  }

  debug('making CONNECT request');
  var connectReq = self.request(connectOptions);
  connectReq.useChunkedEncodingByDefault = false; // for v0.6
  connectReq.once('response', onResponse); // for v0.6
  connectReq.once('upgrade', onUpgrade);   // for v0.6
  connectReq.once('connect', onConnect);   // for v0.7 or later
  connectReq.once('error', onError);
  connectReq.end();

  function onResponse(res) {
    // Very hacky. This is necessary to avoid http-parser leaks.
    res.upgrade = true;
  }

  function onUpgrade(res, socket, head) {
    // Hacky.
    process.nextTick(function() {
      onConnect(res, socket, head);
    });
  }

  function onConnect(res, socket, head) {
    connectReq.removeAllListeners();
    socket.removeAllListeners();

    if (res.statusCode !== 200) {
      debug('tunneling socket could not be established, statusCode=%d',
        res.statusCode);
      socket.destroy();
      var error = new Error('tunneling socket could not be established, ' +
        'statusCode=' + res.statusCode);
      error.code = 'ECONNRESET';
      options.request.emit('error', error);
      self.removeSocket(placeholder);
      return;
    }
    if (head.length > 0) {
      debug('got illegal response body from proxy');
      socket.destroy();
      var error = new Error('got illegal response body from proxy');
      error.code = 'ECONNRESET';
      options.request.emit('error', error);
      self.removeSocket(placeholder);
      return;
    }
    debug('tunneling connection has established');
    self.sockets[self.sockets.indexOf(placeholder)] = socket;
    return cb(socket);
  }

  function onError(cause) {
    connectReq.removeAllListeners();

    debug('tunneling socket could not be established, cause=%s\n',
          cause.message, cause.stack);
    var error = new Error('tunneling socket could not be established, ' +
                          'cause=' + cause.message);
    error.code = 'ECONNRESET';
    options.request.emit('error', error);
    self.removeSocket(placeholder);
  }
};

TunnelingAgent.prototype.removeSocket = function removeSocket(socket) {
  var pos = this.sockets.indexOf(socket)
  if (pos === -1) {
    return;
  }
  this.sockets.splice(pos, 1);

  var pending = this.requests.shift();
  if (pending) {
    // If we have pending requests and a socket gets closed a new one
    // needs to be created to take over in the pool for the one that closed.
    this.createSocket(pending, function(socket) {
      pending.request.onSocket(socket);
    });
  }
};

function createSecureSocket(options, cb) {
  var self = this;
  TunnelingAgent.prototype.createSocket.call(self, options, function(socket) {
    var hostHeader = options.request.getHeader('host');
    var tlsOptions = mergeOptions({}, self.options, {
      socket: socket,
      servername: hostHeader ? hostHeader.replace(/:.*$/, '') : options.host
    });

    // 0 is dummy port for v0.6
    var secureSocket = tls.connect(0, tlsOptions);
    self.sockets[self.sockets.indexOf(socket)] = secureSocket;
    cb(secureSocket);
  });
}


function toOptions(host, port, localAddress) {
  if (typeof host === 'string') { // since v0.10
    return {
      host: host,
      port: port,
      localAddress: localAddress
    };
  }
  return host; // for v0.11 or later
}

function mergeOptions(target) {
  for (var i = 1, len = arguments.length; i < len; ++i) {
    var overrides = arguments[i];
    if (typeof overrides === 'object') {
      var keys = Object.keys(overrides);
      for (var j = 0, keyLen = keys.length; j < keyLen; ++j) {
        var k = keys[j];
        if (overrides[k] !== undefined) {
          target[k] = overrides[k];
        }
      }
    }
  }
  return target;
}


var debug;
if (process.env.NODE_DEBUG && /\btunnel\b/.test(process.env.NODE_DEBUG)) {
  debug = function() {
    var args = Array.prototype.slice.call(arguments);
    if (typeof args[0] === 'string') {
      args[0] = 'TUNNEL: ' + args[0];
    } else {
      args.unshift('TUNNEL:');
    }
    console.error.apply(console, args);
  }
} else {
  debug = function() {};
}
__webpack_unused_export__ = debug; // for test


/***/ }),

/***/ 407:
/***/ ((module, __unused_webpack___webpack_exports__, __nccwpck_require__) => {

__nccwpck_require__.a(module, async (__webpack_handle_async_dependencies__, __webpack_async_result__) => { try {
/* harmony import */ var _main_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(690);
/** Entry point of the main step (dist/main/index.js). */

await (0,_main_js__WEBPACK_IMPORTED_MODULE_0__/* .run */ .e)();

__webpack_async_result__();
} catch(e) { __webpack_async_result__(e); } }, 1);

/***/ }),

/***/ 690:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  e: () => (/* binding */ run)
});

// UNUSED EXPORTS: defaultDeps

;// CONCATENATED MODULE: external "node:fs/promises"
const promises_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");
;// CONCATENATED MODULE: external "node:path"
const external_node_path_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");
;// CONCATENATED MODULE: ./src/clouds.ts
const CLOUDS = Object.freeze({
    AzureCloud: {
        name: 'AzureCloud',
        authorityHost: 'https://login.microsoftonline.com',
        resourceManager: 'https://management.azure.com',
        graph: 'https://graph.microsoft.com',
        keyVaultSuffix: 'vault.azure.net',
        keyVaultResource: 'https://vault.azure.net',
        managedHsmSuffix: 'managedhsm.azure.net',
        oidcAudience: 'api://AzureADTokenExchange'
    },
    AzureUSGovernment: {
        name: 'AzureUSGovernment',
        authorityHost: 'https://login.microsoftonline.us',
        resourceManager: 'https://management.usgovcloudapi.net',
        graph: 'https://graph.microsoft.us',
        keyVaultSuffix: 'vault.usgovcloudapi.net',
        keyVaultResource: 'https://vault.usgovcloudapi.net',
        managedHsmSuffix: 'managedhsm.usgovcloudapi.net',
        oidcAudience: 'api://AzureADTokenExchangeUSGov'
    },
    AzureChinaCloud: {
        name: 'AzureChinaCloud',
        authorityHost: 'https://login.chinacloudapi.cn',
        resourceManager: 'https://management.chinacloudapi.cn',
        graph: 'https://microsoftgraph.chinacloudapi.cn',
        keyVaultSuffix: 'vault.azure.cn',
        keyVaultResource: 'https://vault.azure.cn',
        managedHsmSuffix: 'managedhsm.chinacloudapi.cn',
        oidcAudience: 'api://AzureADTokenExchangeChina'
    }
});
/** Finds a cloud by its name, case-insensitively. */
function findCloud(name) {
    const wanted = name.toLowerCase();
    return Object.values(CLOUDS).find(cloud => cloud.name.toLowerCase() === wanted);
}
/** Azure DevOps' application id: the same in every cloud it runs in. */
const AZURE_DEVOPS_APP_ID = '499b84ac-1321-427f-aa17-267ca6975798';
const WELL_KNOWN_RESOURCES = ['arm', 'graph', 'keyvault', 'storage', 'devops'];
/** The resource behind a well-known short name, in the given cloud. */
function wellKnownResource(cloud, name) {
    switch (name) {
        case 'arm':
            return cloud.resourceManager;
        case 'graph':
            return cloud.graph;
        case 'keyvault':
            return cloud.keyVaultResource;
        case 'storage':
            // Azure Storage uses one resource id in every cloud.
            return 'https://storage.azure.com';
        case 'devops':
            return AZURE_DEVOPS_APP_ID;
    }
}

;// CONCATENATED MODULE: ./src/errors.ts
/**
 * One error type for everything a user can act on: what failed, why, and (in `hint`) what to
 * do about it. Layers add context on the way up with `withContext`; the single top-level catch
 * in main.ts prints it once.
 */
class ActionError extends Error {
    hint;
    constructor(message, hint) {
        super(message);
        this.name = 'ActionError';
        this.hint = hint;
    }
}
/** A bad input: found before any request is made, named after the input. */
class InputError extends ActionError {
    constructor(input, expectation, hint) {
        super(`Input '${input}' ${expectation}`, hint);
        this.name = 'InputError';
    }
}
/** Prefixes `context` to an error's message, keeping its hint: "getting a token for X: <why>". */
function withContext(context, error) {
    if (error instanceof ActionError) {
        const wrapped = new ActionError(`${context}: ${error.message}`, error.hint);
        wrapped.name = error.name;
        return wrapped;
    }
    return new ActionError(`${context}: ${messageOf(error)}`);
}
/** The text a user reads for any thrown value: the message, then the hint on its own line. */
function describeError(error) {
    if (error instanceof ActionError && error.hint) {
        return `${error.message}\n${error.hint}`;
    }
    return messageOf(error);
}
function messageOf(error) {
    if (error instanceof Error) {
        return error.message || error.name;
    }
    return String(error);
}

;// CONCATENATED MODULE: ./src/loopback.ts
/** Loopback hosts: the only ones plain http:// may reach, since traffic to them never leaves the machine. */
function isLoopbackHost(hostname) {
    const host = hostname.toLowerCase();
    return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

;// CONCATENATED MODULE: ./src/masking.ts
/**
 * Registers a secret value with the runner's log masker: the whole value, and each line of a
 * multi-line value, since the runner matches masks line by line. Lines shorter than four
 * characters (a lone `}` of a JSON secret) are skipped: masking them would garble the log and
 * hide nothing.
 */
function maskValue(setSecret, value) {
    if (value.trim() === '') {
        return;
    }
    setSecret(value);
    const lines = value.split(/\r?\n/);
    if (lines.length < 2) {
        return;
    }
    for (const line of lines) {
        const trimmed = line.trim();
        if (trimmed.length >= 4) {
            setSecret(trimmed);
        }
    }
}

;// CONCATENATED MODULE: ./src/secret-references.ts
/**
 * The `secrets` and `keyvault` inputs, parsed into references to Key Vault secrets.
 * Syntax: ../shared/spec/action.md "`secrets` syntax". Name rules and DNS suffixes:
 * ../shared/reference/azure-protocol.md §5 "Names and DNS" and §2 "Clouds".
 *
 * Every problem is a bad input that names the input and quotes the entry: entries name
 * secrets, they never hold one. A vault host outside the cloud's Key Vault domain is refused
 * here, before any request, so the vault token can never be sent anywhere else.
 */



/** 3-24 characters, letters, digits and dashes, starting with a letter, ending with a letter or digit, no `--` (§5). */
const VAULT_NAME = /^(?!.*--)[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;
/** What the service enforces, which is looser than its docs: a leading digit or dash is accepted (§5). */
const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;
/** Versions are 32 hex characters in practice; letters and digits keep a version a single path segment. */
const SECRET_VERSION = /^[0-9a-zA-Z]{1,64}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
const SYNTAX_HINT = 'Write VAULT/SECRET[/VERSION] [| ENV_NAME], SECRET (with the keyvault input), a secret identifier URL ' +
    '(https://my-vault.vault.azure.net/secrets/NAME), or VAULT/* [| PREFIX].';
/**
 * Parses the `secrets` input. Entries are separated by newlines, `;` or `,`; a `#` starts a
 * comment that runs to the end of its line (no part of an entry can contain `#`).
 */
function parseSecretsInput(text, defaultVault, cloud) {
    const fallbackVault = defaultVault === undefined ? undefined : parseKeyvaultInput(defaultVault, cloud);
    const references = splitEntries(text).map(entry => parseEntry(entry, fallbackVault, cloud));
    rejectCollisions(references);
    return Object.freeze(references);
}
/**
 * The environment variable a secret goes to unless named: upper case, `-` as `_`, and a `_`
 * in front when it would start with a digit (`db-password` → `DB_PASSWORD`, `1st` → `_1ST`).
 */
function defaultEnvName(secretName, prefix = '') {
    const name = `${prefix}${secretName.toUpperCase().replace(/-/g, '_')}`;
    return /^[0-9]/.test(name) ? `_${name}` : name;
}
/** True when a secret name is one Key Vault accepts. */
function isSecretName(name) {
    return SECRET_NAME.test(name);
}
function splitEntries(text) {
    return text
        .split(/\r?\n/)
        .map(line => line.replace(/#.*$/, ''))
        .flatMap(line => line.split(/[;,]/))
        .map(entry => entry.trim())
        .filter(entry => entry !== '');
}
function badEntry(entry, problem, hint = SYNTAX_HINT) {
    return new InputError('secrets', `entry '${entry}' ${problem}`, hint);
}
/** The `keyvault` input: a vault name, a vault host, or a vault URL with no path. */
function parseKeyvaultInput(text, cloud) {
    const fail = (problem, hint) => new InputError('keyvault', problem, hint);
    const { origin, path } = parseVault(text, cloud, fail);
    if (path !== '' && path !== '/') {
        throw fail(`must be a vault name or URL with no path, such as my-vault or https://my-vault.${cloud.keyVaultSuffix}; got '${text}'.`);
    }
    return origin;
}
function parseEntry(entry, fallbackVault, cloud) {
    const parts = entry.split('|').map(part => part.trim());
    if (parts.length > 2)
        throw badEntry(entry, "has more than one '|'.");
    const [target = '', alias] = parts;
    if (alias === '')
        throw badEntry(entry, "has a '|' with no name after it.");
    if (target === '')
        throw badEntry(entry, "names no secret before its '|'.");
    const fail = (problem, hint) => badEntry(entry, problem, hint);
    if (URL_LIKE.test(target)) {
        const { origin, path } = parseVault(target, cloud, fail);
        return parseTarget(entry, origin, urlSegments(path), alias);
    }
    const segments = target.split('/').map(segment => segment.trim());
    if (segments.length === 1) {
        if (fallbackVault === undefined) {
            throw badEntry(entry, 'names no vault, and the keyvault input is empty.', `Write it as VAULT/${target}, or set the keyvault input to the vault's name.`);
        }
        return parseTarget(entry, fallbackVault, segments, alias);
    }
    const [vault = '', ...rest] = segments;
    return parseTarget(entry, parseVault(vault, cloud, fail).origin, rest, alias);
}
/**
 * The path of a URL entry as VAULT/... segments. `/secrets/NAME[/VERSION]` is a secret
 * identifier, as the portal shows it; it wins over reading `secrets` as a secret's name.
 */
function urlSegments(path) {
    const segments = path.split('/').filter(segment => segment !== '');
    return segments[0] === 'secrets' && segments.length >= 2 ? segments.slice(1) : segments;
}
function parseTarget(entry, vault, segments, alias) {
    if (segments.length === 1 && segments[0] === '*') {
        const prefix = alias ?? '';
        if (prefix !== '' && !ENV_NAME.test(prefix)) {
            throw badEntry(entry, `has the prefix '${prefix}', which must be letters, digits and '_', not starting with a digit.`);
        }
        return Object.freeze({ kind: 'all', entry, vault, prefix });
    }
    const [name, version, ...extra] = segments;
    if (name === undefined || name === '' || extra.length > 0) {
        throw badEntry(entry, 'is not VAULT/SECRET[/VERSION].');
    }
    if (!SECRET_NAME.test(name)) {
        throw badEntry(entry, `has the secret name '${name}', which must be 1-127 letters, digits and dashes.`);
    }
    if (version !== undefined && !SECRET_VERSION.test(version)) {
        throw badEntry(entry, `has the version '${version}', which must be a version id (32 hex characters).`);
    }
    if (alias !== undefined && !ENV_NAME.test(alias)) {
        throw badEntry(entry, `has the environment variable name '${alias}', which must be letters, digits and '_', not starting with a digit.`, 'Environment variable names match ^[A-Za-z_][A-Za-z0-9_]*$.');
    }
    return Object.freeze({ kind: 'secret', entry, vault, name, version, envName: alias ?? defaultEnvName(name) });
}
/**
 * A vault name (`my-vault`), host (`my-vault.vault.azure.net`) or URL, as its origin and the
 * URL's path. Names get the cloud's suffix; hosts and URLs must already be in the cloud's
 * Key Vault domain, or be loopback http:// with a port (tests, local fakes).
 */
function parseVault(text, cloud, fail) {
    if (!URL_LIKE.test(text) && !text.includes('.')) {
        if (!VAULT_NAME.test(text)) {
            throw fail(`has the vault name '${text}', which must be 3-24 letters, digits and dashes, start with a letter, end with a letter or digit, and have no '--'.`, "Use the vault's name as the portal shows it (my-vault), or its URL.");
        }
        return { origin: `https://${text.toLowerCase()}.${cloud.keyVaultSuffix}`, path: '' };
    }
    let url;
    try {
        url = new URL(URL_LIKE.test(text) ? text : `https://${text}`);
    }
    catch {
        throw fail(`has the vault '${text}', which is not a vault name or URL.`);
    }
    if (url.username || url.password || url.search || url.hash) {
        throw fail(`has the vault URL '${text}', which must have no user, query or fragment.`);
    }
    checkVaultHost(url, cloud, fail);
    return { origin: url.origin, path: url.pathname };
}
/** Refuses any host that is not a vault of the selected cloud, naming the likely fix. */
function checkVaultHost(url, cloud, fail) {
    const host = url.hostname;
    if (url.protocol === 'http:') {
        if (isLoopbackHost(host) && url.port !== '')
            return;
        throw fail(`has the vault '${url.origin}': Key Vault is reached over https:// only (plain http:// is accepted for loopback hosts with a port, for tests).`);
    }
    if (url.protocol !== 'https:') {
        throw fail(`has the vault '${url.origin}', which is not an https:// URL.`);
    }
    if (Object.values(CLOUDS).some(each => host.endsWith(`.${each.managedHsmSuffix}`))) {
        throw fail(`has the Managed HSM '${host}': a Managed HSM holds keys only, never secrets.`, 'Name a key vault (*.vault.*) instead.');
    }
    const suffix = `.${cloud.keyVaultSuffix}`;
    if (host.endsWith(suffix)) {
        const name = host.slice(0, -suffix.length);
        if (VAULT_NAME.test(name))
            return;
        throw fail(`has the vault host '${host}', whose vault name '${name}' must be 3-24 letters, digits and dashes.`);
    }
    const otherCloud = Object.values(CLOUDS).find(each => host.endsWith(`.${each.keyVaultSuffix}`));
    if (otherCloud) {
        throw fail(`has the vault host '${host}', which is in ${otherCloud.name}, not in ${cloud.name}.`, `Set the environment input to ${otherCloud.name}, or name a vault in ${cloud.name}.`);
    }
    throw fail(`has the host '${host}', which is not a Key Vault in ${cloud.name}: vault hosts end in ${suffix}.`, 'The vault token is sent to Key Vault hosts only. Give the vault name (my-vault) or its URL as the portal shows it.');
}
/**
 * Two entries mapping to one name is a bad input. Names are compared ignoring case: environment
 * variables are case-insensitive on Windows runners, and so are step output names.
 */
function rejectCollisions(references) {
    const seen = new Map();
    for (const reference of references) {
        const key = (reference.kind === 'secret' ? reference.envName : `${reference.vault}/* ${reference.prefix}`).toUpperCase();
        const earlier = seen.get(key);
        if (earlier) {
            const what = reference.kind === 'secret' ? `the environment variable '${reference.envName}'` : 'the same vault and prefix';
            throw new InputError('secrets', `entries '${earlier.entry}' and '${reference.entry}' both map to ${what}; names are compared ignoring case.`, 'Give one of them its own name: VAULT/SECRET | ENV_NAME (or VAULT/* | PREFIX_).');
        }
        seen.set(key, reference);
    }
}

;// CONCATENATED MODULE: ./src/config.ts
/**
 * Every input and every runner variable the action uses is read here, once, validated, and
 * frozen into a typed Config. Nothing after this module reads `process.env` or calls
 * `core.getInput`: it is handed what it needs. Secrets are masked here, the moment they enter.
 */






const AUTH_TYPES = [
    'oidc',
    'secret',
    'certificate',
    'managed-identity',
    'workload-identity',
    'azure-cli'
];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{3,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i;
const MULTI_TENANT = ['common', 'organizations', 'consumers'];
/** Reads and validates every input. Throws InputError, naming the input, on the first bad one. */
function readConfig(env, setSecret) {
    const input = (name) => (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
    const optional = (name) => input(name) || undefined;
    // Mask before anything can fail and be reported.
    const explicitSecret = optional('client-secret');
    const certificatePassword = optional('client-certificate-password');
    for (const secret of [explicitSecret, certificatePassword, env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'], env['IDENTITY_HEADER']]) {
        if (secret)
            maskValue(setSecret, secret);
    }
    const certificate = optional('client-certificate');
    if (certificate?.includes('PRIVATE KEY'))
        maskValue(setSecret, certificate);
    const creds = parseCreds(input('creds'), setSecret);
    const cloud = parseCloud(input('environment'));
    const { resource, scope } = parseResource(input('resource'), cloud);
    const runner = readRunnerContext(env);
    const tokenFile = optional('token-file');
    if (certificatePassword && !certificate) {
        throw new InputError('client-certificate-password', "is set but 'client-certificate' is empty", 'Give the certificate too, or remove the password.');
    }
    return Object.freeze({
        authType: parseAuthType(input('auth-type')),
        clientId: parseClientId(optional('client-id') ?? creds.clientId, optional('client-id') ? 'client-id' : 'creds'),
        tenantId: parseTenantId(optional('tenant-id') ?? creds.tenantId, optional('tenant-id') ? 'tenant-id' : 'creds'),
        clientSecret: explicitSecret ?? creds.clientSecret,
        clientCertificate: certificate,
        clientCertificatePassword: certificatePassword,
        cloud,
        authorityHost: parseAuthorityHost(optional('authority-host') ?? env['AZURE_AUTHORITY_HOST']?.trim(), optional('authority-host') ? 'authority-host' : 'AZURE_AUTHORITY_HOST', cloud),
        oidcAudience: optional('audience') ?? cloud.oidcAudience,
        resource,
        scope,
        secrets: parseSecretsInput(input('secrets'), optional('keyvault'), cloud),
        exportEnv: parseBoolean('export-env', input('export-env'), true),
        ignoreMissingSecrets: parseBoolean('ignore-missing-secrets', input('ignore-missing-secrets'), false),
        tokenFile: tokenFile === undefined ? undefined : parseTokenFile(tokenFile, runner.workspace),
        jobSummary: parseBoolean('job-summary', input('job-summary'), false),
        runner
    });
}
function readRunnerContext(env) {
    const value = (name) => env[name]?.trim() || undefined;
    return Object.freeze({
        workspace: value('GITHUB_WORKSPACE') ?? process.cwd(),
        selfHosted: value('RUNNER_ENVIRONMENT') === 'self-hosted',
        oidcRequestUrl: value('ACTIONS_ID_TOKEN_REQUEST_URL'),
        oidcRequestToken: value('ACTIONS_ID_TOKEN_REQUEST_TOKEN'),
        federatedTokenFile: value('AZURE_FEDERATED_TOKEN_FILE'),
        azureClientId: value('AZURE_CLIENT_ID'),
        azureTenantId: value('AZURE_TENANT_ID'),
        identityEndpoint: value('IDENTITY_ENDPOINT'),
        identityHeader: value('IDENTITY_HEADER'),
        imdsEndpoint: value('IMDS_ENDPOINT'),
        podIdentityAuthorityHost: value('AZURE_POD_IDENTITY_AUTHORITY_HOST'),
        programData: value('ProgramData') ?? value('PROGRAMDATA'),
        testArcKeyDirectory: arcKeyDirectoryForTests(value('AZURE_TOKEN_TEST_ARC_KEY_DIR'), value('IDENTITY_ENDPOINT')),
        path: env['PATH'] ?? env['Path'],
        pathExt: env['PATHEXT']
    });
}
/**
 * The test hook's directory, only when the Arc endpoint is http:// on this machine. Why that is
 * safe: the key-directory rule stops a rogue endpoint from naming any file for us to read and
 * send back. With the hook, the endpoint can still name only `.key` files of at most 4096 bytes
 * in the one directory the job's own environment chose (whoever sets a job's environment can
 * run code in it anyway), and the key only ever goes to a loopback address: it never leaves
 * the machine. The hook is an absolute path or nothing.
 */
function arcKeyDirectoryForTests(directory, identityEndpoint) {
    if (!directory || !identityEndpoint || !external_node_path_namespaceObject.isAbsolute(directory))
        return undefined;
    let endpoint;
    try {
        endpoint = new URL(identityEndpoint);
    }
    catch {
        return undefined;
    }
    return endpoint.protocol === 'http:' && isLoopbackHost(endpoint.hostname) ? directory : undefined;
}
function parseAuthType(value) {
    const wanted = value.toLowerCase() || 'auto';
    if (wanted === 'auto')
        return 'auto';
    const match = AUTH_TYPES.find(type => type === wanted);
    if (!match) {
        throw new InputError('auth-type', `must be one of auto, ${AUTH_TYPES.join(', ')}; got '${value}'.`);
    }
    return match;
}
function parseClientId(value, source) {
    if (value !== undefined && !GUID.test(value)) {
        throw new InputError(source, `must hold the application (client) ID, a GUID such as 00000000-0000-0000-0000-000000000000; got '${value}'.`, "Copy the 'Application (client) ID' from the app registration's overview page (for a managed identity: its 'Client ID').");
    }
    return value;
}
function parseTenantId(value, source) {
    if (value === undefined)
        return undefined;
    if (MULTI_TENANT.includes(value.toLowerCase())) {
        throw new InputError(source, `must be a tenant GUID or domain, not '${value}': an app signs in to one tenant.`, "Use the 'Directory (tenant) ID' from the app registration's overview page.");
    }
    if (!GUID.test(value) && !DOMAIN.test(value)) {
        throw new InputError(source, `must be a tenant GUID or domain (contoso.onmicrosoft.com); got '${value}'.`, "Use the 'Directory (tenant) ID' from the app registration's overview page.");
    }
    return value;
}
/**
 * Accepts azure/login's `{"clientId","clientSecret","tenantId",...}` and the output of
 * `az ad sp create-for-rbac` (`{"appId","password","tenant"}`). The secret is masked before
 * any check can fail; nothing from the JSON is ever echoed but its field names.
 */
function parseCreds(text, setSecret) {
    if (!text)
        return { clientId: undefined, clientSecret: undefined, tenantId: undefined };
    let parsed;
    try {
        parsed = JSON.parse(text);
    }
    catch {
        maskValue(setSecret, text);
        throw new InputError('creds', 'is not valid JSON.', "Give the JSON printed by 'az ad sp create-for-rbac' or azure/login's {\"clientId\",\"clientSecret\",\"tenantId\"} object, stored whole in one secret.");
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new InputError('creds', 'must be a JSON object such as {"clientId": "...", "clientSecret": "...", "tenantId": "..."}.');
    }
    const fields = parsed;
    const field = (...names) => {
        for (const name of names) {
            const value = fields[name];
            if (value === undefined || value === null || value === '')
                continue;
            if (typeof value !== 'string') {
                throw new InputError('creds', `field '${name}' must be a string.`);
            }
            return value.trim() || undefined;
        }
        return undefined;
    };
    const clientSecret = field('clientSecret', 'password');
    if (clientSecret)
        maskValue(setSecret, clientSecret);
    return { clientId: field('clientId', 'appId'), clientSecret, tenantId: field('tenantId', 'tenant') };
}
function parseCloud(value) {
    if (!value)
        return findCloud('AzureCloud');
    if (value.toLowerCase() === 'azuregermancloud') {
        throw new InputError('environment', "names AzureGermanCloud, which Microsoft closed on 2021-10-29.", 'Resources there moved to the public cloud regions in Germany: use AzureCloud.');
    }
    const cloud = findCloud(value);
    if (!cloud) {
        throw new InputError('environment', `must be AzureCloud, AzureUSGovernment or AzureChinaCloud; got '${value}'.`);
    }
    return cloud;
}
function parseAuthorityHost(value, source, cloud) {
    if (!value)
        return cloud.authorityHost;
    // AZURE_AUTHORITY_HOST is a runner variable, not an input: name what the user has to fix.
    const bad = (expectation, hint) => source === 'authority-host' ? new InputError(source, expectation, hint) : new ActionError(`Environment variable ${source} ${expectation}`, hint);
    let url;
    try {
        url = new URL(value);
    }
    catch {
        throw bad(`must be an https:// URL such as ${cloud.authorityHost}; got '${value}'.`);
    }
    const secure = url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
    if (!secure || url.search || url.hash || url.username || url.password) {
        throw bad(`must be an https:// URL with no query, such as ${cloud.authorityHost}; got '${value}'.`, 'Plain http:// is accepted only for loopback hosts (127.0.0.1, localhost, [::1]).');
    }
    return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}
const RESOURCE_EXPECTATION = `must be a resource URI (https://vault.azure.net), a scope ending in /.default, an application ID, or one of ${WELL_KNOWN_RESOURCES.join(', ')}`;
/** Resource and scope from the `resource` input; the cloud's Resource Manager by default. */
function parseResource(value, cloud) {
    const known = WELL_KNOWN_RESOURCES.find(name => name === value.toLowerCase());
    const raw = !value ? cloud.resourceManager : known ? wellKnownResource(cloud, known) : value;
    if (/\s/.test(raw) || raw.includes(',')) {
        throw new InputError('resource', `${RESOURCE_EXPECTATION}; a token is for one resource, so give one. Got '${value}'.`);
    }
    if (raw.endsWith('/.default')) {
        return { resource: checkedResource(raw.slice(0, -'/.default'.length), value), scope: raw };
    }
    const resource = checkedResource(raw.replace(/\/+$/, ''), value);
    return { resource, scope: `${resource}/.default` };
}
function checkedResource(resource, original) {
    if (GUID.test(resource))
        return resource;
    let url;
    try {
        url = new URL(resource);
    }
    catch {
        url = undefined;
    }
    if (!url || !/^[a-z][a-z0-9+.-]*:$/.test(url.protocol) || url.search || url.hash || !url.host && !url.pathname.replace(/\/+$/, '')) {
        throw new InputError('resource', `${RESOURCE_EXPECTATION}; got '${original}'.`);
    }
    return resource;
}
function parseBoolean(name, value, fallback) {
    if (!value)
        return fallback;
    const lower = value.toLowerCase();
    if (lower === 'true')
        return true;
    if (lower === 'false')
        return false;
    throw new InputError(name, `must be true or false; got '${value}'.`);
}
function parseTokenFile(value, workspace) {
    if (value.includes('\0')) {
        throw new InputError('token-file', 'must be a file path.');
    }
    return external_node_path_namespaceObject.resolve(workspace, value);
}

;// CONCATENATED MODULE: external "node:fs"
const external_node_fs_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");
;// CONCATENATED MODULE: ./src/credentials/auto.ts
/**
 * `auto`: the first credential the runner offers, in the contract's order. When none applies,
 * one error lists every candidate and why it did not apply.
 */



/** The contract's order: explicit credentials first, then what the runner's platform offers. */
async function chooseAuthType(config, deps, platform) {
    const candidates = [
        {
            kind: 'secret',
            because: 'a client secret is given',
            whyNot: c => (c.clientSecret ? undefined : "no 'client-secret' input and no clientSecret in 'creds'")
        },
        { kind: 'certificate', because: 'a client certificate is given', whyNot: c => (c.clientCertificate ? undefined : "no 'client-certificate' input") },
        { kind: 'oidc', because: "'client-id', 'tenant-id' and GitHub's OIDC token are there", whyNot: oidcWhyNot },
        {
            kind: 'workload-identity',
            because: 'AZURE_FEDERATED_TOKEN_FILE is set',
            whyNot: c => (c.runner.federatedTokenFile ? undefined : 'AZURE_FEDERATED_TOKEN_FILE is not set (not an AKS workload identity pod)')
        },
        {
            kind: 'managed-identity',
            because: 'IDENTITY_ENDPOINT is set',
            whyNot: c => (c.runner.identityEndpoint ? undefined : 'IDENTITY_ENDPOINT is not set (not App Service, Functions, Container Apps or Azure Arc)')
        },
        {
            kind: 'managed-identity',
            label: 'managed-identity (VM)',
            because: 'the VM instance metadata service (IMDS) answers',
            whyNot: async (c) => {
                if (!c.runner.selfHosted)
                    return 'the VM instance metadata service (IMDS) is probed only on self-hosted runners (RUNNER_ENVIRONMENT=self-hosted)';
                return (await deps.imdsAnswers()) ? undefined : 'the VM instance metadata service (IMDS) did not answer within 1 s';
            }
        },
        { kind: 'azure-cli', because: "'az' is on PATH", whyNot: c => (findOnPath('az', c, platform) ? undefined : "'az' is not on PATH") }
    ];
    const ruledOut = [];
    for (const candidate of candidates) {
        const whyNot = await candidate.whyNot(config);
        if (whyNot === undefined)
            return { kind: candidate.kind, because: candidate.because, ruledOut };
        ruledOut.push(`  ${candidate.label ?? candidate.kind}: ${whyNot}`);
    }
    throw new ActionError(`auth-type 'auto' found no credential on this runner:\n${ruledOut.join('\n')}`, "For GitHub-hosted runners, use OIDC: set 'client-id' and 'tenant-id' and give the job `permissions: id-token: write`.");
}
function oidcWhyNot(config) {
    const missing = [
        config.clientId ? undefined : "'client-id'",
        config.tenantId ? undefined : "'tenant-id'",
        config.runner.oidcRequestUrl && config.runner.oidcRequestToken ? undefined : 'ACTIONS_ID_TOKEN_REQUEST_URL (the job needs `permissions: id-token: write`)'
    ].filter(Boolean);
    return missing.length ? `no ${missing.join(', no ')}` : undefined;
}
/** The full path of an executable on PATH (with PATHEXT on Windows), or undefined. */
function findOnPath(name, config, platform) {
    const extensions = platform === 'win32' ? (config.runner.pathExt ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean) : [''];
    for (const directory of (config.runner.path ?? '').split(platform === 'win32' ? ';' : ':')) {
        // A relative entry would search the working directory, which holds the repository's files.
        if (!directory || !external_node_path_namespaceObject.isAbsolute(directory))
            continue;
        for (const extension of extensions) {
            const candidate = external_node_path_namespaceObject.join(directory, name + extension.toLowerCase());
            if (isExecutableFile(candidate, platform))
                return candidate;
        }
    }
    return undefined;
}
function isExecutableFile(file, platform) {
    try {
        const stat = external_node_fs_namespaceObject.statSync(file);
        return stat.isFile() && (platform === 'win32' || (stat.mode & 0o111) !== 0);
    }
    catch {
        return false;
    }
}
/** The VM's instance metadata service, or the host that AZURE_POD_IDENTITY_AUTHORITY_HOST names. */
function imdsHost(config) {
    return (config.runner.podIdentityAuthorityHost ?? 'http://169.254.169.254').replace(/\/+$/, '');
}
/**
 * Whether IMDS answers: one GET with no query and no Metadata header, 1 s, no retries. Any HTTP
 * answer means it is there, except Docker Desktop's 403 "unreachable" (protocol reference §3).
 */
async function probeImds(http, host) {
    try {
        const response = await http.request({
            method: 'GET',
            url: `${host}/metadata/identity/oauth2/token`,
            what: 'IMDS probe',
            timeoutMs: 1_000,
            retry: { attempts: 1 }
        });
        return !(response.status === 403 && response.body.includes('unreachable'));
    }
    catch {
        return false;
    }
}

// EXTERNAL MODULE: external "http"
var external_http_ = __nccwpck_require__(611);
var external_http_namespaceObject = /*#__PURE__*/__nccwpck_require__.t(external_http_, 2);
// EXTERNAL MODULE: external "https"
var external_https_ = __nccwpck_require__(692);
var external_https_namespaceObject = /*#__PURE__*/__nccwpck_require__.t(external_https_, 2);
;// CONCATENATED MODULE: ./node_modules/@actions/http-client/lib/proxy.js
function getProxyUrl(reqUrl) {
    const usingSsl = reqUrl.protocol === 'https:';
    if (checkBypass(reqUrl)) {
        return undefined;
    }
    const proxyVar = (() => {
        if (usingSsl) {
            return process.env['https_proxy'] || process.env['HTTPS_PROXY'];
        }
        else {
            return process.env['http_proxy'] || process.env['HTTP_PROXY'];
        }
    })();
    if (proxyVar) {
        try {
            return new DecodedURL(proxyVar);
        }
        catch (_a) {
            if (!proxyVar.startsWith('http://') && !proxyVar.startsWith('https://'))
                return new DecodedURL(`http://${proxyVar}`);
        }
    }
    else {
        return undefined;
    }
}
function checkBypass(reqUrl) {
    if (!reqUrl.hostname) {
        return false;
    }
    const reqHost = reqUrl.hostname;
    if (isLoopbackAddress(reqHost)) {
        return true;
    }
    const noProxy = process.env['no_proxy'] || process.env['NO_PROXY'] || '';
    if (!noProxy) {
        return false;
    }
    // Determine the request port
    let reqPort;
    if (reqUrl.port) {
        reqPort = Number(reqUrl.port);
    }
    else if (reqUrl.protocol === 'http:') {
        reqPort = 80;
    }
    else if (reqUrl.protocol === 'https:') {
        reqPort = 443;
    }
    // Format the request hostname and hostname with port
    const upperReqHosts = [reqUrl.hostname.toUpperCase()];
    if (typeof reqPort === 'number') {
        upperReqHosts.push(`${upperReqHosts[0]}:${reqPort}`);
    }
    // Compare request host against noproxy
    for (const upperNoProxyItem of noProxy
        .split(',')
        .map(x => x.trim().toUpperCase())
        .filter(x => x)) {
        if (upperNoProxyItem === '*' ||
            upperReqHosts.some(x => x === upperNoProxyItem ||
                x.endsWith(`.${upperNoProxyItem}`) ||
                (upperNoProxyItem.startsWith('.') &&
                    x.endsWith(`${upperNoProxyItem}`)))) {
            return true;
        }
    }
    return false;
}
function isLoopbackAddress(host) {
    const hostLower = host.toLowerCase();
    return (hostLower === 'localhost' ||
        hostLower.startsWith('127.') ||
        hostLower.startsWith('[::1]') ||
        hostLower.startsWith('[0:0:0:0:0:0:0:1]'));
}
class DecodedURL extends URL {
    constructor(url, base) {
        super(url, base);
        this._decodedUsername = decodeURIComponent(super.username);
        this._decodedPassword = decodeURIComponent(super.password);
    }
    get username() {
        return this._decodedUsername;
    }
    get password() {
        return this._decodedPassword;
    }
}
//# sourceMappingURL=proxy.js.map
// EXTERNAL MODULE: ./node_modules/tunnel/index.js
var tunnel = __nccwpck_require__(770);
;// CONCATENATED MODULE: ./stubs/undici/index.js
/**
 * Stand-in for `undici` in the bundle: tsconfig.json's `paths` maps the name here, and ncc's
 * resolver honours that for every import it bundles (node_modules keeps the real undici).
 *
 * @actions/http-client imports undici at load time only for `getAgentDispatcher()`, which hands
 * a proxy to `fetch`. This action never calls it: every request goes through HttpClient's own
 * agents, which honour HTTPS_PROXY / NO_PROXY with `tunnel`. Bundling the real undici made every
 * start ~45 ms slower (bench/: start-up row) for code that never ran.
 *
 * The risk: ncc compiles a named import this file lacks to `undefined`, silently. So
 * __tests__/unit/undici-stub.test.ts fails if http-client imports anything else from undici,
 * uses it outside getAgentDispatcher(), or if dist/ holds any undici code.
 */
class ProxyAgent {
  constructor() {
    throw new Error(
      'azure-token bundles no undici: HttpClient.getAgentDispatcher() is not supported. ' +
        'Send requests through HttpClient (it honours HTTPS_PROXY and NO_PROXY itself).'
    );
  }
}

;// CONCATENATED MODULE: ./node_modules/@actions/http-client/lib/index.js
/* eslint-disable @typescript-eslint/no-explicit-any */
var __awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};





var HttpCodes;
(function (HttpCodes) {
    HttpCodes[HttpCodes["OK"] = 200] = "OK";
    HttpCodes[HttpCodes["MultipleChoices"] = 300] = "MultipleChoices";
    HttpCodes[HttpCodes["MovedPermanently"] = 301] = "MovedPermanently";
    HttpCodes[HttpCodes["ResourceMoved"] = 302] = "ResourceMoved";
    HttpCodes[HttpCodes["SeeOther"] = 303] = "SeeOther";
    HttpCodes[HttpCodes["NotModified"] = 304] = "NotModified";
    HttpCodes[HttpCodes["UseProxy"] = 305] = "UseProxy";
    HttpCodes[HttpCodes["SwitchProxy"] = 306] = "SwitchProxy";
    HttpCodes[HttpCodes["TemporaryRedirect"] = 307] = "TemporaryRedirect";
    HttpCodes[HttpCodes["PermanentRedirect"] = 308] = "PermanentRedirect";
    HttpCodes[HttpCodes["BadRequest"] = 400] = "BadRequest";
    HttpCodes[HttpCodes["Unauthorized"] = 401] = "Unauthorized";
    HttpCodes[HttpCodes["PaymentRequired"] = 402] = "PaymentRequired";
    HttpCodes[HttpCodes["Forbidden"] = 403] = "Forbidden";
    HttpCodes[HttpCodes["NotFound"] = 404] = "NotFound";
    HttpCodes[HttpCodes["MethodNotAllowed"] = 405] = "MethodNotAllowed";
    HttpCodes[HttpCodes["NotAcceptable"] = 406] = "NotAcceptable";
    HttpCodes[HttpCodes["ProxyAuthenticationRequired"] = 407] = "ProxyAuthenticationRequired";
    HttpCodes[HttpCodes["RequestTimeout"] = 408] = "RequestTimeout";
    HttpCodes[HttpCodes["Conflict"] = 409] = "Conflict";
    HttpCodes[HttpCodes["Gone"] = 410] = "Gone";
    HttpCodes[HttpCodes["TooManyRequests"] = 429] = "TooManyRequests";
    HttpCodes[HttpCodes["InternalServerError"] = 500] = "InternalServerError";
    HttpCodes[HttpCodes["NotImplemented"] = 501] = "NotImplemented";
    HttpCodes[HttpCodes["BadGateway"] = 502] = "BadGateway";
    HttpCodes[HttpCodes["ServiceUnavailable"] = 503] = "ServiceUnavailable";
    HttpCodes[HttpCodes["GatewayTimeout"] = 504] = "GatewayTimeout";
})(HttpCodes || (HttpCodes = {}));
var Headers;
(function (Headers) {
    Headers["Accept"] = "accept";
    Headers["ContentType"] = "content-type";
})(Headers || (Headers = {}));
var MediaTypes;
(function (MediaTypes) {
    MediaTypes["ApplicationJson"] = "application/json";
})(MediaTypes || (MediaTypes = {}));
/**
 * Returns the proxy URL, depending upon the supplied url and proxy environment variables.
 * @param serverUrl  The server URL where the request will be sent. For example, https://api.github.com
 */
function lib_getProxyUrl(serverUrl) {
    const proxyUrl = pm.getProxyUrl(new URL(serverUrl));
    return proxyUrl ? proxyUrl.href : '';
}
const HttpRedirectCodes = [
    HttpCodes.MovedPermanently,
    HttpCodes.ResourceMoved,
    HttpCodes.SeeOther,
    HttpCodes.TemporaryRedirect,
    HttpCodes.PermanentRedirect
];
const HttpResponseRetryCodes = [
    HttpCodes.BadGateway,
    HttpCodes.ServiceUnavailable,
    HttpCodes.GatewayTimeout
];
const RetryableHttpVerbs = ['OPTIONS', 'GET', 'DELETE', 'HEAD'];
const ExponentialBackoffCeiling = 10;
const ExponentialBackoffTimeSlice = 5;
class HttpClientError extends Error {
    constructor(message, statusCode) {
        super(message);
        this.name = 'HttpClientError';
        this.statusCode = statusCode;
        Object.setPrototypeOf(this, HttpClientError.prototype);
    }
}
class HttpClientResponse {
    constructor(message) {
        this.message = message;
    }
    readBody() {
        return __awaiter(this, void 0, void 0, function* () {
            return new Promise((resolve) => __awaiter(this, void 0, void 0, function* () {
                let output = Buffer.alloc(0);
                this.message.on('data', (chunk) => {
                    output = Buffer.concat([output, chunk]);
                });
                this.message.on('end', () => {
                    resolve(output.toString());
                });
            }));
        });
    }
    readBodyBuffer() {
        return __awaiter(this, void 0, void 0, function* () {
            return new Promise((resolve) => __awaiter(this, void 0, void 0, function* () {
                const chunks = [];
                this.message.on('data', (chunk) => {
                    chunks.push(chunk);
                });
                this.message.on('end', () => {
                    resolve(Buffer.concat(chunks));
                });
            }));
        });
    }
}
function isHttps(requestUrl) {
    const parsedUrl = new URL(requestUrl);
    return parsedUrl.protocol === 'https:';
}
class lib_HttpClient {
    constructor(userAgent, handlers, requestOptions) {
        this._ignoreSslError = false;
        this._allowRedirects = true;
        this._allowRedirectDowngrade = false;
        this._maxRedirects = 50;
        this._allowRetries = false;
        this._maxRetries = 1;
        this._keepAlive = false;
        this._disposed = false;
        this.userAgent = this._getUserAgentWithOrchestrationId(userAgent);
        this.handlers = handlers || [];
        this.requestOptions = requestOptions;
        if (requestOptions) {
            if (requestOptions.ignoreSslError != null) {
                this._ignoreSslError = requestOptions.ignoreSslError;
            }
            this._socketTimeout = requestOptions.socketTimeout;
            if (requestOptions.allowRedirects != null) {
                this._allowRedirects = requestOptions.allowRedirects;
            }
            if (requestOptions.allowRedirectDowngrade != null) {
                this._allowRedirectDowngrade = requestOptions.allowRedirectDowngrade;
            }
            if (requestOptions.maxRedirects != null) {
                this._maxRedirects = Math.max(requestOptions.maxRedirects, 0);
            }
            if (requestOptions.keepAlive != null) {
                this._keepAlive = requestOptions.keepAlive;
            }
            if (requestOptions.allowRetries != null) {
                this._allowRetries = requestOptions.allowRetries;
            }
            if (requestOptions.maxRetries != null) {
                this._maxRetries = requestOptions.maxRetries;
            }
        }
    }
    options(requestUrl, additionalHeaders) {
        return __awaiter(this, void 0, void 0, function* () {
            return this.request('OPTIONS', requestUrl, null, additionalHeaders || {});
        });
    }
    get(requestUrl, additionalHeaders) {
        return __awaiter(this, void 0, void 0, function* () {
            return this.request('GET', requestUrl, null, additionalHeaders || {});
        });
    }
    del(requestUrl, additionalHeaders) {
        return __awaiter(this, void 0, void 0, function* () {
            return this.request('DELETE', requestUrl, null, additionalHeaders || {});
        });
    }
    post(requestUrl, data, additionalHeaders) {
        return __awaiter(this, void 0, void 0, function* () {
            return this.request('POST', requestUrl, data, additionalHeaders || {});
        });
    }
    patch(requestUrl, data, additionalHeaders) {
        return __awaiter(this, void 0, void 0, function* () {
            return this.request('PATCH', requestUrl, data, additionalHeaders || {});
        });
    }
    put(requestUrl, data, additionalHeaders) {
        return __awaiter(this, void 0, void 0, function* () {
            return this.request('PUT', requestUrl, data, additionalHeaders || {});
        });
    }
    head(requestUrl, additionalHeaders) {
        return __awaiter(this, void 0, void 0, function* () {
            return this.request('HEAD', requestUrl, null, additionalHeaders || {});
        });
    }
    sendStream(verb, requestUrl, stream, additionalHeaders) {
        return __awaiter(this, void 0, void 0, function* () {
            return this.request(verb, requestUrl, stream, additionalHeaders);
        });
    }
    /**
     * Gets a typed object from an endpoint
     * Be aware that not found returns a null.  Other errors (4xx, 5xx) reject the promise
     */
    getJson(requestUrl_1) {
        return __awaiter(this, arguments, void 0, function* (requestUrl, additionalHeaders = {}) {
            additionalHeaders[Headers.Accept] = this._getExistingOrDefaultHeader(additionalHeaders, Headers.Accept, MediaTypes.ApplicationJson);
            const res = yield this.get(requestUrl, additionalHeaders);
            return this._processResponse(res, this.requestOptions);
        });
    }
    postJson(requestUrl_1, obj_1) {
        return __awaiter(this, arguments, void 0, function* (requestUrl, obj, additionalHeaders = {}) {
            const data = JSON.stringify(obj, null, 2);
            additionalHeaders[Headers.Accept] = this._getExistingOrDefaultHeader(additionalHeaders, Headers.Accept, MediaTypes.ApplicationJson);
            additionalHeaders[Headers.ContentType] =
                this._getExistingOrDefaultContentTypeHeader(additionalHeaders, MediaTypes.ApplicationJson);
            const res = yield this.post(requestUrl, data, additionalHeaders);
            return this._processResponse(res, this.requestOptions);
        });
    }
    putJson(requestUrl_1, obj_1) {
        return __awaiter(this, arguments, void 0, function* (requestUrl, obj, additionalHeaders = {}) {
            const data = JSON.stringify(obj, null, 2);
            additionalHeaders[Headers.Accept] = this._getExistingOrDefaultHeader(additionalHeaders, Headers.Accept, MediaTypes.ApplicationJson);
            additionalHeaders[Headers.ContentType] =
                this._getExistingOrDefaultContentTypeHeader(additionalHeaders, MediaTypes.ApplicationJson);
            const res = yield this.put(requestUrl, data, additionalHeaders);
            return this._processResponse(res, this.requestOptions);
        });
    }
    patchJson(requestUrl_1, obj_1) {
        return __awaiter(this, arguments, void 0, function* (requestUrl, obj, additionalHeaders = {}) {
            const data = JSON.stringify(obj, null, 2);
            additionalHeaders[Headers.Accept] = this._getExistingOrDefaultHeader(additionalHeaders, Headers.Accept, MediaTypes.ApplicationJson);
            additionalHeaders[Headers.ContentType] =
                this._getExistingOrDefaultContentTypeHeader(additionalHeaders, MediaTypes.ApplicationJson);
            const res = yield this.patch(requestUrl, data, additionalHeaders);
            return this._processResponse(res, this.requestOptions);
        });
    }
    /**
     * Makes a raw http request.
     * All other methods such as get, post, patch, and request ultimately call this.
     * Prefer get, del, post and patch
     */
    request(verb, requestUrl, data, headers) {
        return __awaiter(this, void 0, void 0, function* () {
            if (this._disposed) {
                throw new Error('Client has already been disposed.');
            }
            const parsedUrl = new URL(requestUrl);
            let info = this._prepareRequest(verb, parsedUrl, headers);
            // Only perform retries on reads since writes may not be idempotent.
            const maxTries = this._allowRetries && RetryableHttpVerbs.includes(verb)
                ? this._maxRetries + 1
                : 1;
            let numTries = 0;
            let response;
            do {
                response = yield this.requestRaw(info, data);
                // Check if it's an authentication challenge
                if (response &&
                    response.message &&
                    response.message.statusCode === HttpCodes.Unauthorized) {
                    let authenticationHandler;
                    for (const handler of this.handlers) {
                        if (handler.canHandleAuthentication(response)) {
                            authenticationHandler = handler;
                            break;
                        }
                    }
                    if (authenticationHandler) {
                        return authenticationHandler.handleAuthentication(this, info, data);
                    }
                    else {
                        // We have received an unauthorized response but have no handlers to handle it.
                        // Let the response return to the caller.
                        return response;
                    }
                }
                let redirectsRemaining = this._maxRedirects;
                while (response.message.statusCode &&
                    HttpRedirectCodes.includes(response.message.statusCode) &&
                    this._allowRedirects &&
                    redirectsRemaining > 0) {
                    const redirectUrl = response.message.headers['location'];
                    if (!redirectUrl) {
                        // if there's no location to redirect to, we won't
                        break;
                    }
                    const parsedRedirectUrl = new URL(redirectUrl);
                    if (parsedUrl.protocol === 'https:' &&
                        parsedUrl.protocol !== parsedRedirectUrl.protocol &&
                        !this._allowRedirectDowngrade) {
                        throw new Error('Redirect from HTTPS to HTTP protocol. This downgrade is not allowed for security reasons. If you want to allow this behavior, set the allowRedirectDowngrade option to true.');
                    }
                    // we need to finish reading the response before reassigning response
                    // which will leak the open socket.
                    yield response.readBody();
                    // strip authorization header if redirected to a different hostname
                    if (parsedRedirectUrl.hostname !== parsedUrl.hostname) {
                        for (const header in headers) {
                            // header names are case insensitive
                            if (header.toLowerCase() === 'authorization') {
                                delete headers[header];
                            }
                        }
                    }
                    // let's make the request with the new redirectUrl
                    info = this._prepareRequest(verb, parsedRedirectUrl, headers);
                    response = yield this.requestRaw(info, data);
                    redirectsRemaining--;
                }
                if (!response.message.statusCode ||
                    !HttpResponseRetryCodes.includes(response.message.statusCode)) {
                    // If not a retry code, return immediately instead of retrying
                    return response;
                }
                numTries += 1;
                if (numTries < maxTries) {
                    yield response.readBody();
                    yield this._performExponentialBackoff(numTries);
                }
            } while (numTries < maxTries);
            return response;
        });
    }
    /**
     * Needs to be called if keepAlive is set to true in request options.
     */
    dispose() {
        if (this._agent) {
            this._agent.destroy();
        }
        this._disposed = true;
    }
    /**
     * Raw request.
     * @param info
     * @param data
     */
    requestRaw(info, data) {
        return __awaiter(this, void 0, void 0, function* () {
            return new Promise((resolve, reject) => {
                function callbackForResult(err, res) {
                    if (err) {
                        reject(err);
                    }
                    else if (!res) {
                        // If `err` is not passed, then `res` must be passed.
                        reject(new Error('Unknown error'));
                    }
                    else {
                        resolve(res);
                    }
                }
                this.requestRawWithCallback(info, data, callbackForResult);
            });
        });
    }
    /**
     * Raw request with callback.
     * @param info
     * @param data
     * @param onResult
     */
    requestRawWithCallback(info, data, onResult) {
        if (typeof data === 'string') {
            if (!info.options.headers) {
                info.options.headers = {};
            }
            info.options.headers['Content-Length'] = Buffer.byteLength(data, 'utf8');
        }
        let callbackCalled = false;
        function handleResult(err, res) {
            if (!callbackCalled) {
                callbackCalled = true;
                onResult(err, res);
            }
        }
        const req = info.httpModule.request(info.options, (msg) => {
            const res = new HttpClientResponse(msg);
            handleResult(undefined, res);
        });
        let socket;
        req.on('socket', sock => {
            socket = sock;
        });
        // If we ever get disconnected, we want the socket to timeout eventually
        req.setTimeout(this._socketTimeout || 3 * 60000, () => {
            if (socket) {
                socket.end();
            }
            handleResult(new Error(`Request timeout: ${info.options.path}`));
        });
        req.on('error', function (err) {
            // err has statusCode property
            // res should have headers
            handleResult(err);
        });
        if (data && typeof data === 'string') {
            req.write(data, 'utf8');
        }
        if (data && typeof data !== 'string') {
            data.on('close', function () {
                req.end();
            });
            data.pipe(req);
        }
        else {
            req.end();
        }
    }
    /**
     * Gets an http agent. This function is useful when you need an http agent that handles
     * routing through a proxy server - depending upon the url and proxy environment variables.
     * @param serverUrl  The server URL where the request will be sent. For example, https://api.github.com
     */
    getAgent(serverUrl) {
        const parsedUrl = new URL(serverUrl);
        return this._getAgent(parsedUrl);
    }
    getAgentDispatcher(serverUrl) {
        const parsedUrl = new URL(serverUrl);
        const proxyUrl = getProxyUrl(parsedUrl);
        const useProxy = proxyUrl && proxyUrl.hostname;
        if (!useProxy) {
            return;
        }
        return this._getProxyAgentDispatcher(parsedUrl, proxyUrl);
    }
    _prepareRequest(method, requestUrl, headers) {
        const info = {};
        info.parsedUrl = requestUrl;
        const usingSsl = info.parsedUrl.protocol === 'https:';
        info.httpModule = usingSsl ? external_https_namespaceObject : external_http_namespaceObject;
        const defaultPort = usingSsl ? 443 : 80;
        info.options = {};
        info.options.host = info.parsedUrl.hostname;
        info.options.port = info.parsedUrl.port
            ? parseInt(info.parsedUrl.port)
            : defaultPort;
        info.options.path =
            (info.parsedUrl.pathname || '') + (info.parsedUrl.search || '');
        info.options.method = method;
        info.options.headers = this._mergeHeaders(headers);
        if (this.userAgent != null) {
            info.options.headers['user-agent'] = this.userAgent;
        }
        info.options.agent = this._getAgent(info.parsedUrl);
        // gives handlers an opportunity to participate
        if (this.handlers) {
            for (const handler of this.handlers) {
                handler.prepareRequest(info.options);
            }
        }
        return info;
    }
    _mergeHeaders(headers) {
        if (this.requestOptions && this.requestOptions.headers) {
            return Object.assign({}, lowercaseKeys(this.requestOptions.headers), lowercaseKeys(headers || {}));
        }
        return lowercaseKeys(headers || {});
    }
    /**
     * Gets an existing header value or returns a default.
     * Handles converting number header values to strings since HTTP headers must be strings.
     * Note: This returns string | string[] since some headers can have multiple values.
     * For headers that must always be a single string (like Content-Type), use the
     * specialized _getExistingOrDefaultContentTypeHeader method instead.
     */
    _getExistingOrDefaultHeader(additionalHeaders, header, _default) {
        let clientHeader;
        if (this.requestOptions && this.requestOptions.headers) {
            const headerValue = lowercaseKeys(this.requestOptions.headers)[header];
            if (headerValue) {
                clientHeader =
                    typeof headerValue === 'number' ? headerValue.toString() : headerValue;
            }
        }
        const additionalValue = additionalHeaders[header];
        if (additionalValue !== undefined) {
            return typeof additionalValue === 'number'
                ? additionalValue.toString()
                : additionalValue;
        }
        if (clientHeader !== undefined) {
            return clientHeader;
        }
        return _default;
    }
    /**
     * Specialized version of _getExistingOrDefaultHeader for Content-Type header.
     * Always returns a single string (not an array) since Content-Type should be a single value.
     * Converts arrays to comma-separated strings and numbers to strings to ensure type safety.
     * This was split from _getExistingOrDefaultHeader to provide stricter typing for callers
     * that assign the result to places expecting a string (e.g., additionalHeaders[Headers.ContentType]).
     */
    _getExistingOrDefaultContentTypeHeader(additionalHeaders, _default) {
        let clientHeader;
        if (this.requestOptions && this.requestOptions.headers) {
            const headerValue = lowercaseKeys(this.requestOptions.headers)[Headers.ContentType];
            if (headerValue) {
                if (typeof headerValue === 'number') {
                    clientHeader = String(headerValue);
                }
                else if (Array.isArray(headerValue)) {
                    clientHeader = headerValue.join(', ');
                }
                else {
                    clientHeader = headerValue;
                }
            }
        }
        const additionalValue = additionalHeaders[Headers.ContentType];
        // Return the first non-undefined value, converting numbers or arrays to strings if necessary
        if (additionalValue !== undefined) {
            if (typeof additionalValue === 'number') {
                return String(additionalValue);
            }
            else if (Array.isArray(additionalValue)) {
                return additionalValue.join(', ');
            }
            else {
                return additionalValue;
            }
        }
        if (clientHeader !== undefined) {
            return clientHeader;
        }
        return _default;
    }
    _getAgent(parsedUrl) {
        let agent;
        const proxyUrl = getProxyUrl(parsedUrl);
        const useProxy = proxyUrl && proxyUrl.hostname;
        if (this._keepAlive && useProxy) {
            agent = this._proxyAgent;
        }
        if (!useProxy) {
            agent = this._agent;
        }
        // if agent is already assigned use that agent.
        if (agent) {
            return agent;
        }
        const usingSsl = parsedUrl.protocol === 'https:';
        let maxSockets = 100;
        if (this.requestOptions) {
            maxSockets = this.requestOptions.maxSockets || external_http_.globalAgent.maxSockets;
        }
        // This is `useProxy` again, but we need to check `proxyURl` directly for TypeScripts's flow analysis.
        if (proxyUrl && proxyUrl.hostname) {
            const agentOptions = {
                maxSockets,
                keepAlive: this._keepAlive,
                proxy: Object.assign(Object.assign({}, ((proxyUrl.username || proxyUrl.password) && {
                    proxyAuth: `${proxyUrl.username}:${proxyUrl.password}`
                })), { host: proxyUrl.hostname, port: proxyUrl.port })
            };
            let tunnelAgent;
            const overHttps = proxyUrl.protocol === 'https:';
            if (usingSsl) {
                tunnelAgent = overHttps ? tunnel.httpsOverHttps : tunnel.httpsOverHttp;
            }
            else {
                tunnelAgent = overHttps ? tunnel.httpOverHttps : tunnel.httpOverHttp;
            }
            agent = tunnelAgent(agentOptions);
            this._proxyAgent = agent;
        }
        // if tunneling agent isn't assigned create a new agent
        if (!agent) {
            const options = { keepAlive: this._keepAlive, maxSockets };
            agent = usingSsl ? new external_https_.Agent(options) : new external_http_.Agent(options);
            this._agent = agent;
        }
        if (usingSsl && this._ignoreSslError) {
            // we don't want to set NODE_TLS_REJECT_UNAUTHORIZED=0 since that will affect request for entire process
            // http.RequestOptions doesn't expose a way to modify RequestOptions.agent.options
            // we have to cast it to any and change it directly
            agent.options = Object.assign(agent.options || {}, {
                rejectUnauthorized: false
            });
        }
        return agent;
    }
    _getProxyAgentDispatcher(parsedUrl, proxyUrl) {
        let proxyAgent;
        if (this._keepAlive) {
            proxyAgent = this._proxyAgentDispatcher;
        }
        // if agent is already assigned use that agent.
        if (proxyAgent) {
            return proxyAgent;
        }
        const usingSsl = parsedUrl.protocol === 'https:';
        proxyAgent = new ProxyAgent(Object.assign({ uri: proxyUrl.href, pipelining: !this._keepAlive ? 0 : 1 }, ((proxyUrl.username || proxyUrl.password) && {
            token: `Basic ${Buffer.from(`${proxyUrl.username}:${proxyUrl.password}`).toString('base64')}`
        })));
        this._proxyAgentDispatcher = proxyAgent;
        if (usingSsl && this._ignoreSslError) {
            // we don't want to set NODE_TLS_REJECT_UNAUTHORIZED=0 since that will affect request for entire process
            // http.RequestOptions doesn't expose a way to modify RequestOptions.agent.options
            // we have to cast it to any and change it directly
            proxyAgent.options = Object.assign(proxyAgent.options.requestTls || {}, {
                rejectUnauthorized: false
            });
        }
        return proxyAgent;
    }
    _getUserAgentWithOrchestrationId(userAgent) {
        const baseUserAgent = userAgent || 'actions/http-client';
        const orchId = process.env['ACTIONS_ORCHESTRATION_ID'];
        if (orchId) {
            // Sanitize the orchestration ID to ensure it contains only valid characters
            // Valid characters: 0-9, a-z, _, -, .
            const sanitizedId = orchId.replace(/[^a-z0-9_.-]/gi, '_');
            return `${baseUserAgent} actions_orchestration_id/${sanitizedId}`;
        }
        return baseUserAgent;
    }
    _performExponentialBackoff(retryNumber) {
        return __awaiter(this, void 0, void 0, function* () {
            retryNumber = Math.min(ExponentialBackoffCeiling, retryNumber);
            const ms = ExponentialBackoffTimeSlice * Math.pow(2, retryNumber);
            return new Promise(resolve => setTimeout(() => resolve(), ms));
        });
    }
    _processResponse(res, options) {
        return __awaiter(this, void 0, void 0, function* () {
            return new Promise((resolve, reject) => __awaiter(this, void 0, void 0, function* () {
                const statusCode = res.message.statusCode || 0;
                const response = {
                    statusCode,
                    result: null,
                    headers: {}
                };
                // not found leads to null obj returned
                if (statusCode === HttpCodes.NotFound) {
                    resolve(response);
                }
                // get the result from the body
                function dateTimeDeserializer(key, value) {
                    if (typeof value === 'string') {
                        const a = new Date(value);
                        if (!isNaN(a.valueOf())) {
                            return a;
                        }
                    }
                    return value;
                }
                let obj;
                let contents;
                try {
                    contents = yield res.readBody();
                    if (contents && contents.length > 0) {
                        if (options && options.deserializeDates) {
                            obj = JSON.parse(contents, dateTimeDeserializer);
                        }
                        else {
                            obj = JSON.parse(contents);
                        }
                        response.result = obj;
                    }
                    response.headers = res.message.headers;
                }
                catch (err) {
                    // Invalid resource (contents not json);  leaving result obj null
                }
                // note that 3xx redirects are handled by the http layer.
                if (statusCode > 299) {
                    let msg;
                    // if exception/error in body, attempt to get better error
                    if (obj && obj.message) {
                        msg = obj.message;
                    }
                    else if (contents && contents.length > 0) {
                        // it may be the case that the exception is in the body message as string
                        msg = contents;
                    }
                    else {
                        msg = `Failed request: (${statusCode})`;
                    }
                    const err = new HttpClientError(msg, statusCode);
                    err.result = response.result;
                    reject(err);
                }
                else {
                    resolve(response);
                }
            }));
        });
    }
}
const lowercaseKeys = (obj) => Object.keys(obj).reduce((c, k) => ((c[k.toLowerCase()] = obj[k]), c), {});
//# sourceMappingURL=index.js.map
;// CONCATENATED MODULE: ./src/http.ts
/**
 * The one HTTP layer every request goes through: a per-request timeout, retries with jittered
 * exponential backoff on network faults and on 408/429/500/502/503/504, `Retry-After` honoured
 * up to a cap, proxies from HTTPS_PROXY/HTTP_PROXY/NO_PROXY (done by @actions/http-client), and
 * bearer tokens only over https (or to loopback) and never across a redirect: redirects are not
 * followed at all. Sleep, randomness and the clock are injected so tests never wait.
 * Retry norms: ../shared/reference/azure-protocol.md §6.
 */



const DEFAULT_RETRY = Object.freeze({
    attempts: 4,
    statuses: new Set([408, 429, 500, 502, 503, 504]),
    baseDelayMs: 500,
    maxDelayMs: 8_000
});
const DEFAULT_TIMEOUT_MS = 30_000;
const RETRY_AFTER_CAP_MS = 30_000;
/**
 * A transient failure of one attempt: retried, and reported if it was the last. `unreachable`:
 * nothing answered at all (refused, no route, no name, or silence until the timeout), as
 * opposed to an answer that broke off.
 */
class AttemptFailure extends Error {
    unreachable;
    constructor(message, unreachable = false) {
        super(message);
        this.unreachable = unreachable;
    }
}
/** A request that got no usable answer after its last attempt. */
class RequestFailedError extends ActionError {
    unreachable;
    constructor(message, hint, 
    /** True when nothing answered at all: the host is not there, as opposed to failing. */
    unreachable) {
        super(message, hint);
        this.unreachable = unreachable;
        this.name = 'RequestFailedError';
    }
}
/** Error codes of a connection that never reached a server. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT']);
function createHttp(options) {
    const clients = new Map();
    const defaultTimeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const retryAfterCap = options.retryAfterCapMs ?? RETRY_AFTER_CAP_MS;
    // One client per timeout value: http-client sets the socket timeout per client.
    const clientFor = (timeoutMs) => {
        let client = clients.get(timeoutMs);
        if (!client) {
            client = new lib_HttpClient(options.userAgent ?? 'azure-token', [], {
                allowRedirects: false,
                allowRetries: false,
                keepAlive: true,
                socketTimeout: timeoutMs
            });
            clients.set(timeoutMs, client);
        }
        return client;
    };
    async function attempt(request, timeoutMs) {
        const headers = { Accept: 'application/json', ...request.headers };
        if (request.bearerToken !== undefined)
            headers['Authorization'] = `Bearer ${request.bearerToken}`;
        let message;
        let timer;
        const deadline = new Promise((_, reject) => {
            timer = setTimeout(() => {
                message?.destroy();
                reject(new AttemptFailure(`no answer within ${formatSeconds(timeoutMs)}`, true));
            }, timeoutMs);
        });
        try {
            const response = await Promise.race([
                clientFor(timeoutMs).request(request.method, request.url, request.body ?? null, headers),
                deadline
            ]);
            message = response.message;
            const body = await Promise.race([readBody(response.message), deadline]);
            return { status: response.message.statusCode ?? 0, headers: response.message.headers, body, json: parseJson(body), attempts: 0 };
        }
        catch (error) {
            if (error instanceof AttemptFailure)
                throw error;
            const code = error?.code;
            const timedOut = messageOf(error).startsWith('Request timeout');
            throw new AttemptFailure(networkErrorText(error), timedOut || (typeof code === 'string' && UNREACHABLE_CODES.has(code)));
        }
        finally {
            clearTimeout(timer);
        }
    }
    async function request(request) {
        checkBearerTarget(request);
        const policy = { ...DEFAULT_RETRY, ...request.retry };
        const timeoutMs = request.timeoutMs ?? defaultTimeout;
        for (let attemptNumber = 1;; attemptNumber++) {
            let failure;
            let delayMs;
            try {
                const response = await attempt(request, timeoutMs);
                const malformed = response.status >= 200 && response.status < 300 && response.json === undefined;
                if (!policy.statuses.has(response.status) && !malformed) {
                    return { ...response, attempts: attemptNumber };
                }
                if (attemptNumber >= policy.attempts) {
                    if (malformed)
                        throw new AttemptFailure(`answered ${response.status} with a body that is not JSON`);
                    return { ...response, attempts: attemptNumber };
                }
                failure = malformed ? `answered ${response.status} with a body that is not JSON` : `answered ${response.status}`;
                delayMs = retryAfterMs(response.headers, options.now(), retryAfterCap);
            }
            catch (error) {
                if (!(error instanceof AttemptFailure))
                    throw error;
                if (attemptNumber >= policy.attempts) {
                    throw new RequestFailedError(`${request.what} (${request.method} ${displayUrl(request.url)}) failed after ${attemptNumber} ${attemptNumber === 1 ? 'attempt' : 'attempts'}: ${error.message}`, 'Check the runner can reach the host (firewall, proxy: HTTPS_PROXY and NO_PROXY), then re-run the job.', error.unreachable);
                }
                failure = error.message;
            }
            const waitMs = delayMs ?? backoffMs(policy, attemptNumber, options.random);
            options.log(`${request.what} ${failure}; retrying in ${formatSeconds(waitMs)} (attempt ${attemptNumber + 1} of ${policy.attempts}).`);
            await options.sleep(waitMs);
        }
    }
    return {
        request,
        dispose: () => {
            for (const client of clients.values())
                client.dispose();
            clients.clear();
        }
    };
}
/** Refuses to put a bearer token on the wire in clear text, except to this machine. */
function checkBearerTarget(request) {
    if (request.bearerToken === undefined)
        return;
    const url = new URL(request.url);
    if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname)))
        return;
    throw new ActionError(`Refusing to send a bearer token to ${url.origin}: only https:// (or http:// to a loopback host) may carry one.`);
}
/** Reads a whole response body; rejects if the connection drops before the end. */
function readBody(message) {
    return new Promise((resolve, reject) => {
        const chunks = [];
        message.on('data', (chunk) => chunks.push(chunk));
        message.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        message.on('error', error => reject(new AttemptFailure(`connection failed while reading the answer (${networkErrorText(error)})`)));
        message.on('close', () => {
            if (!message.complete)
                reject(new AttemptFailure('connection closed before the whole answer arrived'));
        });
    });
}
/** The fields of a JSON object answer; an empty record for anything else, so reads find nothing. */
function jsonFields(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}
function parseJson(body) {
    try {
        return JSON.parse(body);
    }
    catch {
        return undefined;
    }
}
/**
 * The wait a throttled or unavailable server asked for, capped: `retry-after-ms`,
 * `x-ms-retry-after-ms` (milliseconds), or `Retry-After` (seconds, or an HTTP date).
 */
function retryAfterMs(headers, now, capMs) {
    const single = (name) => {
        const value = headers[name];
        return Array.isArray(value) ? value[0] : value;
    };
    let wait;
    const milliseconds = single('retry-after-ms') ?? single('x-ms-retry-after-ms');
    const retryAfter = single('retry-after');
    if (milliseconds !== undefined && /^\d+(\.\d+)?$/.test(milliseconds.trim())) {
        wait = Number(milliseconds);
    }
    else if (retryAfter !== undefined && /^\d+(\.\d+)?$/.test(retryAfter.trim())) {
        wait = Number(retryAfter) * 1000;
    }
    else if (retryAfter !== undefined && !Number.isNaN(Date.parse(retryAfter))) {
        wait = Math.max(0, Date.parse(retryAfter) - now);
    }
    return wait === undefined ? undefined : Math.min(wait, capMs);
}
/** Exponential backoff for the retry after `attemptNumber`, jittered to [½, 1] of its value. */
function backoffMs(policy, attemptNumber, random) {
    const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attemptNumber - 1));
    return Math.round(ceiling * (0.5 + random() / 2));
}
function networkErrorText(error) {
    const code = error?.code;
    const text = messageOf(error);
    return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}
/** The URL without its query: short, and a query is no place for a user to look. */
function displayUrl(url) {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
}
function formatSeconds(ms) {
    return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

;// CONCATENATED MODULE: ./src/credentials/credential.ts

/** The resource a v1-style endpoint (managed identity, Azure CLI) wants for a v2 scope. */
function scopeToResource(scope) {
    return scope.endsWith('/.default') ? scope.slice(0, -'/.default'.length) : scope;
}
/** An input a credential cannot do without, named in the error when it is empty. */
function required(value, input, purpose) {
    if (!value) {
        throw new InputError(input, `is needed for ${purpose}.`);
    }
    return value;
}

;// CONCATENATED MODULE: ./src/credentials/azure-cli.ts
/**
 * `azure-cli`: reuses the runner's `az login` session (for instance after azure/login):
 * `az account get-access-token --output json --resource R [--tenant T]`.
 * Behaviour and output format: ../shared/reference/azure-protocol.md §4.
 */





/** `az` may refresh its own token first: give it time, but not forever. */
const AZ_TIMEOUT_MS = 60_000;
/** What may reach the command line (§4): nothing a shell would read as syntax. */
const SAFE_RESOURCE = /^[0-9a-zA-Z\-_.:/]+$/;
const SAFE_TENANT = /^[0-9a-zA-Z\-.]+$/;
const INSTALL_HINT = 'Install the Azure CLI (https://aka.ms/azure-cli), or choose another auth-type.';
const LOGIN_HINT = 'Sign the CLI in earlier in the job (azure/login), or run `az login` as the runner\'s user on a self-hosted runner. ' +
    "On GitHub-hosted runners prefer auth-type 'oidc': it needs no az login step.";
function createAzureCliCredential(config, deps) {
    return {
        kind: 'azure-cli',
        async getToken(scope, options) {
            const resource = scopeToResource(scope);
            const tenant = options?.tenantId ?? config.tenantId;
            if (!SAFE_RESOURCE.test(resource) || (tenant !== undefined && !SAFE_TENANT.test(tenant))) {
                throw new ActionError(`The Azure CLI cannot be asked for resource '${resource}'${tenant ? ` in tenant '${tenant}'` : ''}: only letters, digits and - _ . : / may be used.`);
            }
            const args = ['account', 'get-access-token', '--output', 'json', '--resource', resource, ...(tenant ? ['--tenant', tenant] : [])];
            const result = await runAz(config, deps, args);
            return parseAzOutput(result.stdout, deps.mask);
        }
    };
}
/**
 * Runs `az` by its full path from PATH (never a copy in the working directory). Windows ships it
 * as `az.cmd`, which node runs only through cmd.exe (CVE-2024-27980): the path is quoted and
 * every argument has been checked to hold no character cmd.exe would interpret.
 */
async function runAz(config, deps, args) {
    const { platform } = deps.machine;
    const az = findOnPath('az', config, platform);
    if (az === undefined) {
        throw new ActionError("The Azure CLI ('az') is not on PATH.", INSTALL_HINT);
    }
    const batch = platform === 'win32' && /\.(cmd|bat)$/i.test(az);
    if (batch && /["%\r\n]/.test(az)) {
        throw new ActionError(`Refusing to run the Azure CLI from '${az}': the path holds a character cmd.exe would interpret.`);
    }
    const result = await deps.machine.runProcess(batch ? `"${az}"` : az, args, { timeoutMs: AZ_TIMEOUT_MS, shell: batch });
    if (result.failure === 'ENOENT') {
        throw new ActionError(`The Azure CLI could not be started from ${az}.`, INSTALL_HINT);
    }
    if (result.failure === 'ETIMEDOUT') {
        throw new ActionError(`The Azure CLI did not answer within ${AZ_TIMEOUT_MS / 1000} s (${external_node_path_namespaceObject.basename(az)} account get-access-token).`, LOGIN_HINT);
    }
    if (result.exitCode !== 0)
        throw explainAzFailure(result);
    return result;
}
/** Turns what `az` printed on stderr into what failed and what to do (§4 stderr detection). */
function explainAzFailure(result) {
    const stderr = result.stderr.trim();
    if (/az:(.*)not found/.test(stderr) || /^'az' is not recognized/.test(stderr)) {
        return new ActionError("The Azure CLI ('az') is not installed.", INSTALL_HINT);
    }
    const said = stderr.replace(/\s+/g, ' ').slice(0, 500) || `exit code ${result.exitCode ?? 'none'}, no message`;
    if (/az login/.test(stderr) && !/az login --scope/.test(stderr)) {
        return new ActionError(`The Azure CLI is not signed in: ${said}`, LOGIN_HINT);
    }
    return new ActionError(`The Azure CLI failed to get a token: ${said}`, 'Run `az account get-access-token` on the runner to see the problem.');
}
/**
 * `accessToken`, masked at once; expiry from `expires_on` (epoch seconds, CLI 2.54+), else the
 * deprecated `expiresOn` (a local time with no zone, read as the runner's local time).
 */
function parseAzOutput(stdout, mask) {
    let output;
    try {
        output = JSON.parse(stdout);
    }
    catch {
        throw new ActionError('The Azure CLI printed no JSON for az account get-access-token.', 'Update the Azure CLI: az upgrade');
    }
    const fields = jsonFields(output);
    const token = fields['accessToken'];
    if (typeof token !== 'string' || token === '') {
        throw new ActionError('The Azure CLI answered without an accessToken.', 'Update the Azure CLI: az upgrade');
    }
    mask(token);
    const epoch = fields['expires_on'];
    const seconds = typeof epoch === 'number' ? epoch : typeof epoch === 'string' && /^\d+$/.test(epoch) ? Number(epoch) : NaN;
    if (Number.isFinite(seconds) && seconds > 0)
        return { token, expiresOn: new Date(seconds * 1000) };
    const local = typeof fields['expiresOn'] === 'string' ? new Date(fields['expiresOn']) : undefined;
    if (local && !Number.isNaN(local.getTime()))
        return { token, expiresOn: local };
    throw new ActionError(`The Azure CLI answered without a valid expiry (expires_on / expiresOn).`, 'Update the Azure CLI: az upgrade');
}

;// CONCATENATED MODULE: external "node:crypto"
const external_node_crypto_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");
;// CONCATENATED MODULE: ./src/entra.ts
/**
 * The Entra ID v2 token endpoint (client credentials), and the explanations of its errors.
 * Wire format: ../shared/reference/azure-protocol.md §2.
 */


const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
function tokenEndpoint(authorityHost, tenantId) {
    return `${authorityHost}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;
}
/** Exchanges a client secret or assertion for an access token; the token is masked at once. */
async function requestEntraToken(deps, request) {
    const form = new URLSearchParams({
        client_id: request.clientId,
        scope: request.scope,
        grant_type: 'client_credentials'
    });
    if ('clientSecret' in request.credential) {
        form.set('client_secret', request.credential.clientSecret);
    }
    else {
        form.set('client_assertion_type', JWT_BEARER);
        form.set('client_assertion', request.credential.clientAssertion);
    }
    const startedAt = deps.now();
    // Client-credential requests are idempotent, so the HTTP layer may retry them.
    const response = await deps.http.request({
        method: 'POST',
        url: tokenEndpoint(request.authorityHost, request.tenantId),
        what: 'Entra ID token endpoint',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: form.toString()
    });
    if (response.status !== 200) {
        throw explainEntraError(response.status, response.json, request);
    }
    return parseTokenResponse(response.json, startedAt, deps.mask);
}
/** Reads `access_token` and `expires_in` (a number or a numeric string, §2). */
function parseTokenResponse(body, startedAt, mask) {
    const fields = jsonFields(body);
    const token = fields['access_token'];
    if (typeof token !== 'string' || token === '') {
        throw new ActionError('Entra ID answered 200 without an access_token.');
    }
    mask(token);
    const expiresIn = Number(fields['expires_in']);
    if (!Number.isFinite(expiresIn) || expiresIn <= 0) {
        throw new ActionError(`Entra ID answered without a valid expires_in.`);
    }
    return { token, expiresOn: new Date(startedAt + expiresIn * 1000) };
}
const FEDERATION_MISMATCH = new Set([70021, 700211, 700212, 700213, 7002138]);
/**
 * What each AADSTS code means for a workflow, and what to do about it. Codes and meanings:
 * ../shared/reference/azure-protocol.md §2, and Entra ID's error code reference.
 */
const ENTRA_EXPLANATIONS = Object.freeze({
    70021: {
        meaning: 'No federated credential of the app matches the issuer, subject and audience of the GitHub token.',
        fix: 'Add a federated credential with exactly the values below.'
    },
    700211: {
        meaning: "No federated credential of the app has the GitHub token's issuer.",
        fix: 'Add a federated credential with exactly the values below (issuer included).'
    },
    700212: {
        meaning: "No federated credential of the app has the GitHub token's audience.",
        fix: "Add a federated credential with the audience below, or set the action's 'audience' input to the one registered."
    },
    700213: {
        meaning: "No federated credential of the app has the GitHub token's subject.",
        fix: 'The subject depends on the trigger and on the job\'s environment: add a federated credential for exactly the subject below.'
    },
    7002138: {
        meaning: 'A federated credential matches the subject only if letter case is ignored, and Entra ID compares subjects case-sensitively.',
        fix: 'Change the registered subject to exactly the one below, letter case included.'
    },
    70025: {
        meaning: 'The app has no federated credential at all.',
        fix: 'Add a federated credential with exactly the values below.'
    },
    700024: {
        meaning: 'The client assertion is outside its valid time range: it expired, or the runner clock is wrong.',
        fix: 'The action fetches a fresh assertion for every request, so check the runner clock (a self-hosted runner should sync it with NTP).'
    },
    700016: {
        meaning: 'No application with this client ID exists in the tenant.',
        fix: "Check 'client-id' and 'tenant-id' against the app registration's overview page, and that 'environment' names the app's cloud."
    },
    7000215: {
        meaning: 'The client secret is wrong.',
        fix: "Give the secret's Value, not its Secret ID. Create a new one with: az ad app credential reset --id <client-id> --append"
    },
    7000222: {
        meaning: 'The client secret has expired.',
        fix: 'Create a new secret (az ad app credential reset --id <client-id> --append) and update the GitHub secret that holds it.'
    },
    700027: {
        meaning: "The client assertion's signature does not verify: the certificate is not registered on the app, or it signed with another key.",
        fix: 'Upload the certificate to the app: az ad app credential reset --id <client-id> --cert @cert.pem --append'
    },
    50012: {
        meaning: 'The client assertion is invalid, or its certificate is not registered on the app.',
        fix: 'Upload the certificate to the app: az ad app credential reset --id <client-id> --cert @cert.pem --append'
    },
    90002: {
        meaning: 'The tenant does not exist in this cloud.',
        fix: "Check 'tenant-id', and that 'environment' names the tenant's cloud (a US Government or China tenant is not found in AzureCloud)."
    },
    500011: {
        meaning: 'The resource is not known in the tenant.',
        fix: "Check 'resource' for a typo; an app's own API must have a service principal in the tenant."
    },
    70011: {
        meaning: 'The scope is not valid.',
        fix: "Give 'resource' as one resource URI (https://graph.microsoft.com) or one scope ending in /.default."
    },
    700022: {
        meaning: 'The scope names more than one resource.',
        fix: "Ask for one resource per step: run the action once for each resource."
    },
    7000218: {
        meaning: 'The request carried neither a client secret nor a client assertion.',
        fix: 'Set the credential the app expects: client-secret, client-certificate, or OIDC federation.'
    },
    900144: {
        meaning: 'A required parameter of the token request is missing.',
        fix: 'Check that client-id, tenant-id and the credential inputs are set.'
    },
    7000112: {
        meaning: 'The application is disabled.',
        fix: 'Enable the app\'s service principal (Enterprise applications > Properties > Enabled for users to sign in).'
    },
    7000229: {
        meaning: 'The app has no service principal in the tenant.',
        fix: 'Create one: az ad sp create --id <client-id>'
    },
    53003: {
        meaning: 'A Conditional Access policy blocked the sign-in.',
        fix: "Ask a tenant admin to allow this workload identity (Conditional Access for workload identities), or the runner's network location."
    },
    90055: {
        meaning: 'The tenant is throttling token requests.',
        fix: 'Wait a few minutes, and spread jobs out (a matrix with max-parallel).'
    },
    50196: {
        meaning: 'Entra ID detected a loop of identical token requests.',
        fix: 'Request each token once per job step; wait a few minutes and re-run.'
    },
    50173: {
        meaning: 'The grant was revoked.',
        fix: 'Sign in again to get a fresh credential.'
    }
});
/** Turns an Entra ID error answer into an ActionError saying what it means and what to do. */
function explainEntraError(status, body, request) {
    const fields = jsonFields(body);
    const error = typeof fields['error'] === 'string' ? fields['error'] : undefined;
    const description = typeof fields['error_description'] === 'string' ? fields['error_description'] : '';
    const code = errorCode(fields['error_codes'], description);
    const summary = description.split(/\r?\n/)[0]?.replace(/^AADSTS\d+:\s*/, '').trim();
    const traceId = typeof fields['trace_id'] === 'string' ? fields['trace_id'] : undefined;
    const correlationId = typeof fields['correlation_id'] === 'string' ? fields['correlation_id'] : undefined;
    const head = code !== undefined ? `Entra ID refused the token request with AADSTS${code}` : `Entra ID refused the token request with HTTP ${status}${error ? ` (${error})` : ''}`;
    const explanation = code !== undefined ? ENTRA_EXPLANATIONS[code] : undefined;
    const lines = [`${head}: ${explanation?.meaning ?? (summary || 'the answer held no OAuth error')}`];
    if (explanation && summary)
        lines.push(`Entra ID said: ${summary}`);
    if (traceId || correlationId)
        lines.push(`Trace ID: ${traceId ?? '-'}, correlation ID: ${correlationId ?? '-'}`);
    const hints = [];
    if (error === undefined && code === undefined) {
        hints.push(status >= 500 || status === 429
            ? `Entra ID kept failing through the retries: re-run the job (https://azure.status.microsoft shows outages).`
            : `Check that ${request.authorityHost} is an Entra ID authority ('authority-host', AZURE_AUTHORITY_HOST) and that no proxy answers in its place.`);
    }
    if (explanation)
        hints.push(explanation.fix.replace(/<client-id>/g, request.clientId));
    if (code !== undefined && (FEDERATION_MISMATCH.has(code) || code === 70025) && request.presented) {
        hints.push(...federatedCredentialAdvice(request.clientId, request.presented));
    }
    return new ActionError(lines.join('\n'), hints.length ? hints.join('\n') : undefined);
}
function errorCode(codes, description) {
    if (Array.isArray(codes) && typeof codes[0] === 'number')
        return codes[0];
    const match = /AADSTS(\d+)/.exec(description);
    return match?.[1] ? Number(match[1]) : undefined;
}
/** The values a federated token (GitHub's, or a Kubernetes service account's) presented, and the command that registers a match for them. */
function federatedCredentialAdvice(clientId, presented) {
    const name = `github-${presented.subject}`.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/-+$/, '').slice(0, 120);
    const parameters = JSON.stringify({
        name,
        issuer: presented.issuer,
        subject: presented.subject,
        audiences: [presented.audience]
    });
    return [
        'The token presented:',
        `  issuer:   ${presented.issuer}`,
        `  subject:  ${presented.subject}`,
        `  audience: ${presented.audience}`,
        'Register it with:',
        `  az ad app federated-credential create --id ${clientId} --parameters ${shellQuote(parameters)}`,
        `(for a user-assigned managed identity: az identity federated-credential create --name ${name} --identity-name <identity> --resource-group <group> --issuer ${presented.issuer} --subject ${shellQuote(presented.subject)} --audiences ${presented.audience})`
    ];
}
/** One POSIX shell word: a branch name may hold a `'` (git allows it), which would end a plain '...'. */
function shellQuote(text) {
    return `'${text.replace(/'/g, `'\\''`)}'`;
}

;// CONCATENATED MODULE: ./src/credentials/certificate.ts
/**
 * `certificate`: a client assertion JWT signed with the app's certificate key, sent to the Entra
 * ID token endpoint. Header `alg: PS256` + `x5t#S256`; claims `aud` (the token endpoint URL),
 * `iss` = `sub` = client id, `jti`, `nbf`, `exp` = now + 10 min.
 * Wire format: ../shared/reference/azure-protocol.md §2 (certificate assertion).
 */





/** Entra ID wants 5 to 10 minutes between `nbf` and `exp` (§2). */
const ASSERTION_LIFETIME_S = 600;
const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const KEY_BLOCK = /-----BEGIN ((?:RSA |ENCRYPTED |EC )?PRIVATE KEY)-----[\s\S]+?-----END \1-----/;
const PEM_HINT = "Give the certificate and its private key in one PEM, e.g. cat cert.pem key.pem > combined.pem (from a .pfx: openssl pkcs12 -in cert.pfx -out combined.pem -nodes), stored in a secret or as a file path.";
async function createCertificateCredential(config, deps) {
    const input = required(config.clientCertificate, 'client-certificate', "auth-type 'certificate'");
    const clientId = required(config.clientId, 'client-id', "auth-type 'certificate'");
    const tenantId = required(config.tenantId, 'tenant-id', "auth-type 'certificate'");
    const pem = await readPem(input, config, deps);
    const signing = loadSigningCertificate(pem, config.clientCertificatePassword, deps.now());
    // The SHA-1 thumbprint, as the app's "Certificates & secrets" page lists it.
    const portalThumbprint = signing.certificate.fingerprint.replace(/:/g, '');
    deps.log(`Client certificate ${signing.certificate.subject.replace(/\n/g, ', ')}, thumbprint ${portalThumbprint}, valid until ${new Date(signing.certificate.validTo).toISOString()}.`);
    return {
        kind: 'certificate',
        getToken(scope, options) {
            const tenant = options?.tenantId ?? tenantId;
            const assertion = signClientAssertion(signing, {
                audience: tokenEndpoint(config.authorityHost, tenant),
                clientId,
                now: deps.now()
            });
            return requestEntraToken(deps, { authorityHost: config.authorityHost, tenantId: tenant, clientId, scope, credential: { clientAssertion: assertion } });
        }
    };
}
/** The input itself when it holds PEM text, else the file it names (relative to the workspace). */
async function readPem(input, config, deps) {
    if (input.includes('-----BEGIN'))
        return input;
    const file = external_node_path_namespaceObject.resolve(config.runner.workspace, input);
    let text;
    try {
        text = (await deps.machine.readFile(file)).toString('utf8');
    }
    catch (error) {
        throw new InputError('client-certificate', `is neither PEM text nor a readable file: ${file} (${messageOf(error)}).`, PEM_HINT);
    }
    // The key came from a file, so config.ts could not mask it: do it before anything can fail.
    const key = KEY_BLOCK.exec(text)?.[0];
    if (key)
        deps.mask(key);
    return text;
}
/**
 * The certificate and its RSA key from one PEM. The certificate used is the one the key belongs
 * to (a chain may come along); no match, no key, or a certificate outside its validity are errors.
 */
function loadSigningCertificate(pem, password, now) {
    const certificates = (pem.match(CERTIFICATE_BLOCK) ?? []).map(parseCertificate);
    if (certificates.length === 0) {
        throw new InputError('client-certificate', 'holds no certificate (no -----BEGIN CERTIFICATE----- block).', PEM_HINT);
    }
    const keyBlock = KEY_BLOCK.exec(pem);
    if (!keyBlock) {
        throw new InputError('client-certificate', 'holds a certificate but no private key (no -----BEGIN PRIVATE KEY----- block).', PEM_HINT);
    }
    const key = parsePrivateKey(keyBlock[0], password);
    if (key.asymmetricKeyType !== 'rsa') {
        throw new InputError('client-certificate', `holds a key of type ${key.asymmetricKeyType ?? 'unknown'}; Entra ID client certificates need an RSA key.`);
    }
    const certificate = certificates.find(candidate => candidate.checkPrivateKey(key));
    if (!certificate) {
        throw new InputError('client-certificate', 'holds a private key that belongs to none of its certificates.', 'Bundle the certificate with its own key (compare: openssl x509 -noout -pubkey -in cert.pem and openssl pkey -pubout -in key.pem).');
    }
    checkValidity(certificate, now);
    return { certificate, key, thumbprint: external_node_crypto_namespaceObject.createHash('sha256').update(certificate.raw).digest('base64url') };
}
function parseCertificate(block) {
    try {
        return new external_node_crypto_namespaceObject.X509Certificate(block);
    }
    catch (error) {
        throw new InputError('client-certificate', `holds a certificate that cannot be read: ${messageOf(error)}.`, PEM_HINT);
    }
}
function parsePrivateKey(block, password) {
    const encrypted = block.includes('ENCRYPTED');
    if (encrypted && !password) {
        throw new InputError('client-certificate', 'holds an encrypted private key, and client-certificate-password is empty.', 'Set client-certificate-password to its passphrase.');
    }
    try {
        return external_node_crypto_namespaceObject.createPrivateKey({ key: block, format: 'pem', ...(encrypted && password ? { passphrase: password } : {}) });
    }
    catch (error) {
        if (encrypted) {
            throw new InputError('client-certificate-password', 'does not decrypt the private key in client-certificate.', 'Check the passphrase the key was exported with.');
        }
        throw new InputError('client-certificate', `holds a private key that cannot be read: ${messageOf(error)}.`, PEM_HINT);
    }
}
function checkValidity(certificate, now) {
    const from = new Date(certificate.validFrom);
    const to = new Date(certificate.validTo);
    const renew = 'Create a new certificate, upload it to the app (az ad app credential reset --id <client-id> --cert @cert.pem --append) and update the secret that holds it.';
    if (now > to.getTime()) {
        throw new InputError('client-certificate', `holds a certificate that expired on ${to.toISOString()}.`, renew);
    }
    if (now < from.getTime()) {
        throw new InputError('client-certificate', `holds a certificate that is not valid before ${from.toISOString()}.`, 'Check the runner clock, or wait until the certificate becomes valid.');
    }
}
/** The self-signed client assertion: a compact JWS, RSASSA-PSS with SHA-256 (PS256, RFC 7518 §3.5). */
function signClientAssertion(signing, claims) {
    const issuedAt = Math.floor(claims.now / 1000);
    const header = { alg: 'PS256', typ: 'JWT', 'x5t#S256': signing.thumbprint };
    const payload = {
        aud: claims.audience,
        iss: claims.clientId,
        sub: claims.clientId,
        jti: external_node_crypto_namespaceObject.randomUUID(),
        nbf: issuedAt,
        exp: issuedAt + ASSERTION_LIFETIME_S
    };
    const signingInput = `${base64url(header)}.${base64url(payload)}`;
    const signature = external_node_crypto_namespaceObject.sign('sha256', Buffer.from(signingInput), {
        key: signing.key,
        padding: external_node_crypto_namespaceObject.constants.RSA_PKCS1_PSS_PADDING,
        saltLength: external_node_crypto_namespaceObject.constants.RSA_PSS_SALTLEN_DIGEST
    });
    return `${signingInput}.${signature.toString('base64url')}`;
}
function base64url(value) {
    return Buffer.from(JSON.stringify(value)).toString('base64url');
}

;// CONCATENATED MODULE: ./src/jwt.ts
/** The payload of a compact JWS, or undefined when the text is not one. */
function readClaims(token) {
    const parts = token.split('.');
    if (parts.length !== 3 || !parts[1])
        return undefined;
    try {
        const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
        return typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? payload : undefined;
    }
    catch {
        return undefined;
    }
}
/** A claim as a string (arrays, such as a multi-valued `aud`, joined with commas). */
function stringClaim(claims, name) {
    const value = claims?.[name];
    if (typeof value === 'string')
        return value;
    if (Array.isArray(value) && value.every(item => typeof item === 'string'))
        return value.join(',');
    return undefined;
}

;// CONCATENATED MODULE: ./src/credentials/managed-identity.ts
/**
 * `managed-identity`: the token of the Azure resource the runner runs on, from the endpoint the
 * platform offers: App Service / Functions / Container Apps, Azure Arc, or the VM's instance
 * metadata service (IMDS). Wire format: ../shared/reference/azure-protocol.md §3.
 * The endpoints are plain http on loopback or link-local addresses; no bearer token goes there.
 */






const SOURCE_NAMES = {
    'app-service': 'The App Service / Container Apps identity endpoint',
    arc: 'The Azure Arc identity endpoint',
    imds: 'The VM instance metadata service (IMDS)'
};
/**
 * Microsoft's IMDS guidance (§3, how-to-use-vm-token.md): retry 404, 429 and 5xx with backoff,
 * and wait out 410 ("back within 70 s"). 408 as everywhere. Waits before jitter: 2, 4, 8, 16,
 * 30, 30, 30, 30 s; jittered to at least half, so a 410 is waited out for at least 75 s.
 */
const IMDS_RETRY = Object.freeze({
    attempts: 9,
    statuses: new Set([404, 408, 410, 429, ...Array.from({ length: 100 }, (_, i) => 500 + i)]),
    baseDelayMs: 2_000,
    maxDelayMs: 30_000
});
/** Azure Arc's key file must be this small (§3): anything bigger is not the agent's key. */
const ARC_KEY_MAX_BYTES = 4096;
/** Which endpoint the runner's environment offers (msal-node's order, §3). */
function managedIdentitySource(runner) {
    if (runner.identityEndpoint && runner.identityHeader)
        return 'app-service';
    if (runner.identityEndpoint && runner.imdsEndpoint)
        return 'arc';
    if (runner.identityEndpoint) {
        throw new ActionError('IDENTITY_ENDPOINT is set, but neither IDENTITY_HEADER (App Service, Functions, Container Apps) nor IMDS_ENDPOINT (Azure Arc) is.', 'The platform sets these together: do not set IDENTITY_ENDPOINT by hand, or set the matching second variable.');
    }
    return 'imds';
}
function createManagedIdentityCredential(config, deps) {
    const source = managedIdentitySource(config.runner);
    const clientId = config.clientId;
    if (source === 'arc' && clientId) {
        throw new InputError('client-id', 'selects a user-assigned identity, but an Azure Arc machine has only its system-assigned identity.', "Remove 'client-id' to use the machine's identity.");
    }
    if (source === 'imds' && config.runner.podIdentityAuthorityHost) {
        deps.log(`Managed identity: IMDS at ${imdsHost(config)} (AZURE_POD_IDENTITY_AUTHORITY_HOST).`);
    }
    return {
        kind: 'managed-identity',
        async getToken(scope, options) {
            const resource = scopeToResource(scope);
            const startedAt = deps.now();
            const response = await requestToken(source, config, deps, resource);
            if (response.status !== 200) {
                throw managedIdentityError(source, response, clientId, resource);
            }
            const token = parseManagedIdentityToken(response.json, startedAt, deps.mask);
            checkTenant(token, options?.tenantId);
            return token;
        }
    };
}
function requestToken(source, config, deps, resource) {
    const { runner } = config;
    const query = { resource, ...(config.clientId ? { client_id: config.clientId } : {}) };
    switch (source) {
        case 'app-service':
            return deps.http.request({
                method: 'GET',
                url: withQuery(runner.identityEndpoint, { 'api-version': '2019-08-01', ...query }),
                what: 'App Service managed identity endpoint',
                headers: { 'X-IDENTITY-HEADER': runner.identityHeader }
            });
        case 'arc':
            return requestArcToken(config, deps, resource);
        case 'imds':
            return requestImdsToken(deps, imdsHost(config), { 'api-version': '2018-02-01', ...query });
    }
}
/**
 * One try first: no answer at all means this is no Azure VM, and retrying would only make the
 * user wait minutes to learn it. An answer IMDS asks us to retry, or one that broke off, goes
 * to the full policy, whose first retry is immediate (Microsoft's backoff starts at 0 s).
 */
async function requestImdsToken(deps, host, query) {
    const request = {
        method: 'GET',
        url: withQuery(`${host}/metadata/identity/oauth2/token`, query),
        what: 'IMDS managed identity endpoint',
        headers: { Metadata: 'true' }
    };
    let first;
    try {
        first = await deps.http.request({ ...request, retry: { attempts: 1 } });
    }
    catch (error) {
        if (!(error instanceof RequestFailedError && error.unreachable))
            return deps.http.request({ ...request, retry: IMDS_RETRY });
        throw new ActionError(`No managed identity: the VM instance metadata service at ${host} did not answer (${messageOf(error)}).`, 'Managed identity without IDENTITY_ENDPOINT works on an Azure VM or scale set only. ' +
            'If the runner uses a proxy, add 169.254.169.254 to NO_PROXY: IMDS must be reached directly.');
    }
    return IMDS_RETRY.statuses.has(first.status) ? deps.http.request({ ...request, retry: IMDS_RETRY }) : first;
}
/**
 * Azure Arc answers a first request with 401 and `WWW-Authenticate: Basic realm=<key file>`;
 * the file's contents, read only from the agent's token directory, prove we run on the machine.
 */
async function requestArcToken(config, deps, resource) {
    // The agent listens on IPv4; `localhost` may resolve to ::1 (msal-node does the same).
    const endpoint = new URL(config.runner.identityEndpoint);
    if (endpoint.hostname === 'localhost')
        endpoint.hostname = '127.0.0.1';
    const url = withQuery(endpoint.toString(), { 'api-version': '2020-06-01', resource });
    const request = { method: 'GET', url, what: 'Azure Arc managed identity endpoint' };
    const challenge = await deps.http.request({ ...request, headers: { Metadata: 'true' } });
    if (challenge.status !== 401)
        return challenge;
    const keyFile = arcKeyFile(challenge.headers['www-authenticate']);
    const directory = arcKeyDirectory(config.runner, deps.machine.platform);
    if (config.runner.testArcKeyDirectory)
        deps.log(`Azure Arc: test hook AZURE_TOKEN_TEST_ARC_KEY_DIR allows key files in ${directory}.`);
    const key = await readArcKey(keyFile, directory, deps.machine);
    deps.mask(key);
    return deps.http.request({ ...request, headers: { Metadata: 'true', Authorization: `Basic ${key}` } });
}
function arcKeyFile(header) {
    const value = Array.isArray(header) ? header[0] : header;
    const file = /^\s*Basic\s+realm=(.+)$/i.exec(value ?? '')?.[1]?.trim();
    if (!file) {
        throw new ActionError('The Azure Arc identity endpoint answered 401 without naming a key file (no "WWW-Authenticate: Basic realm=<path>").', 'Check that IDENTITY_ENDPOINT is the Arc agent (azcmagent show), and restart the agent: sudo systemctl restart himdsd.');
    }
    return file;
}
/**
 * Where the Arc agent writes its key files (§3); the test hook's directory when it is set
 * (config.ts explains why that is safe). Undefined on platforms Arc does not run on.
 */
function arcKeyDirectory(runner, platform) {
    if (runner.testArcKeyDirectory)
        return runner.testArcKeyDirectory;
    if (platform === 'linux')
        return '/var/opt/azcmagent/tokens';
    if (platform === 'win32')
        return external_node_path_namespaceObject.win32.join(runner.programData ?? 'C:\\ProgramData', 'AzureConnectedMachineAgent', 'Tokens');
    return undefined;
}
/**
 * Reads the key the endpoint named, under Microsoft's rules (§3): directly in the agent's token
 * directory, named `*.key`, at most 4096 bytes. A rogue endpoint could otherwise have us send
 * it any file the runner can read.
 */
async function readArcKey(file, directory, machine) {
    if (directory === undefined) {
        throw new ActionError(`Azure Arc managed identity works on Linux and Windows only, not on ${machine.platform}.`);
    }
    const paths = machine.platform === 'win32' ? external_node_path_namespaceObject.win32 : external_node_path_namespaceObject.posix;
    const sameDirectory = machine.platform === 'win32'
        ? paths.dirname(file).toLowerCase() === paths.normalize(directory).replace(/\\+$/, '').toLowerCase()
        : paths.dirname(file) === paths.normalize(directory).replace(/\/+$/, '');
    if (!paths.isAbsolute(file) || !sameDirectory || !paths.basename(file).endsWith('.key')) {
        throw new ActionError(`Refusing the Azure Arc key file '${file}': it must be a .key file directly in ${directory}.`, 'Only the Arc agent names key files; check that IDENTITY_ENDPOINT points at the agent (azcmagent show).');
    }
    try {
        const size = await machine.fileSize(file);
        if (size > ARC_KEY_MAX_BYTES) {
            throw new ActionError(`Refusing the Azure Arc key file '${file}': ${size} bytes, more than the ${ARC_KEY_MAX_BYTES} a key may have.`);
        }
        const key = (await machine.readFile(file)).toString('utf8').trim();
        if (!key)
            throw new ActionError(`The Azure Arc key file '${file}' is empty.`);
        return key;
    }
    catch (error) {
        if (error instanceof ActionError)
            throw error;
        throw new ActionError(`Cannot read the Azure Arc key file '${file}': ${messageOf(error)}`, "The runner's user must be allowed to read the agent's keys: on Linux add it to the 'himds' group " +
            "(sudo usermod -aG himds <runner-user>), on Windows to 'Hybrid agent extension applications'; then restart the runner service.");
    }
}
/**
 * `access_token` with `expires_in` (preferred: request time + lifetime, no clock skew), else
 * `expires_on` as epoch seconds (number or string) or an ISO date (§3). Masked at once.
 */
function parseManagedIdentityToken(body, startedAt, mask) {
    const fields = jsonFields(body);
    const token = fields['access_token'];
    if (typeof token !== 'string' || token === '') {
        throw new ActionError('The managed identity endpoint answered 200 without an access_token.');
    }
    mask(token);
    const expiresOn = expiryOf(fields, startedAt);
    if (expiresOn === undefined) {
        throw new ActionError('The managed identity endpoint answered without a valid expires_in or expires_on.');
    }
    return { token, expiresOn };
}
function expiryOf(fields, startedAt) {
    const expiresIn = numeric(fields['expires_in']);
    if (expiresIn !== undefined && expiresIn > 0)
        return new Date(startedAt + expiresIn * 1000);
    const expiresOn = fields['expires_on'];
    const epochSeconds = numeric(expiresOn);
    if (epochSeconds !== undefined)
        return epochSeconds > 0 ? new Date(epochSeconds * 1000) : undefined;
    const parsed = typeof expiresOn === 'string' ? Date.parse(expiresOn) : NaN;
    return Number.isNaN(parsed) ? undefined : new Date(parsed);
}
function numeric(value) {
    if (typeof value === 'number')
        return Number.isFinite(value) ? value : undefined;
    return typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : undefined;
}
/**
 * A managed identity lives in one tenant: a Key Vault in another tenant (its challenge names
 * that tenant) cannot be reached with it. Checked against the token's own `tid`.
 */
function checkTenant(token, wanted) {
    if (wanted === undefined)
        return;
    const tenant = stringClaim(readClaims(token.token), 'tid');
    if (tenant !== undefined && tenant.toLowerCase() === wanted.toLowerCase())
        return;
    throw new ActionError(`A managed identity gets tokens only in its own tenant (${tenant ?? 'unknown'}), and tenant ${wanted} was asked for.`, "Use a vault in the identity's tenant, or an app registration of that tenant (auth-type oidc, secret or certificate).");
}
/** What the endpoint said, from any of the three error shapes (§3), and what to do about it. */
function managedIdentityError(source, response, clientId, resource) {
    const said = errorText(response);
    const message = `${SOURCE_NAMES[source]} refused the token request with HTTP ${response.status}${said ? `: ${said}` : ''}`;
    return new ActionError(message, errorHint(source, response.status, said, clientId, resource));
}
function errorText(response) {
    const fields = jsonFields(response.json);
    const nested = typeof fields['error'] === 'object' && fields['error'] !== null ? fields['error'] : undefined;
    const text = [fields['error_description'], nested?.['message'], fields['message'], fields['error']].find((value) => typeof value === 'string' && value !== '');
    return (text ?? response.body).replace(/\s+/g, ' ').trim().slice(0, 300);
}
function errorHint(source, status, said, clientId, resource) {
    if (/AADSTS500011/.test(said))
        return `The resource '${resource}' is not known in the identity's tenant: check 'resource' for a typo.`;
    if (status === 410 || status === 404 || status === 429 || status >= 500) {
        return 'The endpoint is busy or being updated; re-run the job in a minute.';
    }
    if (status !== 400 && status !== 401 && status !== 403)
        return undefined;
    if (source === 'app-service') {
        return clientId
            ? `Assign the user-assigned identity with client ID ${clientId} to the app: az containerapp identity assign --user-assigned <identity-resource-id> (Functions / App Service: az webapp identity assign --identities <identity-resource-id>).`
            : 'Turn on the system-assigned identity: az containerapp identity assign --system-assigned (Functions / App Service: az webapp identity assign).';
    }
    if (source === 'imds') {
        return clientId
            ? `Assign the user-assigned identity with client ID ${clientId} to the VM: az vm identity assign -g <group> -n <vm> --identities <identity-resource-id> (a scale set: az vmss identity assign).`
            : 'Turn on the VM\'s system-assigned identity: az vm identity assign -g <group> -n <vm> (a scale set: az vmss identity assign), or give \'client-id\' of a user-assigned one.';
    }
    return 'Check the Arc agent is connected (azcmagent show) and restart it: sudo systemctl restart himdsd.';
}
function withQuery(base, query) {
    const url = new URL(base);
    for (const [name, value] of Object.entries(query))
        url.searchParams.set(name, value);
    return url.toString();
}

;// CONCATENATED MODULE: ./src/credentials/oidc.ts





const PERMISSIONS_HINT = 'Give the job `permissions: id-token: write` (and the calling workflow too, for a reusable workflow). ' +
    'Workflows triggered from forks and by Dependabot get no OIDC token: use another credential there.';
function createOidcCredential(config, deps) {
    const clientId = required(config.clientId, 'client-id', "auth-type 'oidc' (the app registration's Application (client) ID)");
    const tenantId = required(config.tenantId, 'tenant-id', "auth-type 'oidc' (the Directory (tenant) ID)");
    const { oidcRequestUrl, oidcRequestToken } = config.runner;
    if (!oidcRequestUrl || !oidcRequestToken) {
        throw new ActionError('GitHub offers this job no OIDC token: ACTIONS_ID_TOKEN_REQUEST_URL is not set.', PERMISSIONS_HINT);
    }
    let logged = false;
    return {
        kind: 'oidc',
        async getToken(scope, options) {
            // A GitHub token lives about five minutes: each exchange gets one fetched right before it (§1).
            const { token, presented } = await fetchGitHubToken(deps, oidcRequestUrl, oidcRequestToken, config.oidcAudience);
            if (!logged) {
                logged = true;
                deps.log(`GitHub OIDC token: issuer ${presented.issuer}, subject ${presented.subject}, audience ${presented.audience}`);
            }
            return requestEntraToken(deps, {
                authorityHost: config.authorityHost,
                tenantId: options?.tenantId ?? tenantId,
                clientId,
                scope,
                credential: { clientAssertion: token },
                presented
            });
        }
    };
}
/** Asks GitHub for a fresh OIDC token for `audience`, masks it, and reads what it presents. */
async function fetchGitHubToken(deps, requestUrl, requestToken, audience) {
    const url = new URL(requestUrl);
    url.searchParams.set('audience', audience);
    const response = await deps.http.request({
        method: 'GET',
        url: url.toString(),
        what: 'GitHub OIDC token service',
        bearerToken: requestToken
    });
    const body = jsonFields(response.json);
    if (response.status !== 200) {
        const said = typeof body['message'] === 'string' ? `: ${body['message']}` : '';
        // 401/403/404 mean this job may not have a token; anything else outlasted the retries.
        const refused = [401, 403, 404].includes(response.status);
        throw new ActionError(`GitHub ${refused ? 'refused' : 'failed'} the OIDC token request with HTTP ${response.status}${said}`, refused ? PERMISSIONS_HINT : "GitHub's OIDC token service kept failing through the retries: re-run the job (https://www.githubstatus.com shows outages).");
    }
    const token = body['value'];
    if (typeof token !== 'string' || token === '') {
        throw new ActionError('GitHub answered the OIDC token request without a token (no "value" field).');
    }
    deps.mask(token);
    const claims = readClaims(token);
    const presented = {
        issuer: stringClaim(claims, 'iss') ?? '(unknown)',
        subject: stringClaim(claims, 'sub') ?? '(unknown)',
        audience: stringClaim(claims, 'aud') ?? audience
    };
    return { token, presented };
}

;// CONCATENATED MODULE: ./src/credentials/secret.ts



function createSecretCredential(config, deps) {
    const clientSecret = config.clientSecret;
    if (!clientSecret) {
        throw new InputError('client-secret', "is needed for auth-type 'secret' (or give 'creds' with clientSecret).");
    }
    const clientId = required(config.clientId, 'client-id', "auth-type 'secret'");
    const tenantId = required(config.tenantId, 'tenant-id', "auth-type 'secret'");
    return {
        kind: 'secret',
        getToken: (scope, options) => requestEntraToken(deps, {
            authorityHost: config.authorityHost,
            tenantId: options?.tenantId ?? tenantId,
            clientId,
            scope,
            credential: { clientSecret }
        })
    };
}

;// CONCATENATED MODULE: ./src/credentials/workload-identity.ts



const WEBHOOK_HINT = "Label the pod azure.workload.identity/use: \"true\" and run it under a service account annotated with azure.workload.identity/client-id, so the webhook sets AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID and AZURE_TENANT_ID.";
function createWorkloadIdentityCredential(config, deps) {
    const { runner } = config;
    const tokenFile = runner.federatedTokenFile;
    if (!tokenFile) {
        throw new ActionError("auth-type 'workload-identity' needs AZURE_FEDERATED_TOKEN_FILE, and it is not set.", WEBHOOK_HINT);
    }
    const clientId = config.clientId ?? runner.azureClientId;
    if (!clientId) {
        throw new InputError('client-id', "is needed for auth-type 'workload-identity' when AZURE_CLIENT_ID is not set.", WEBHOOK_HINT);
    }
    const tenantId = config.tenantId ?? runner.azureTenantId;
    if (!tenantId) {
        throw new InputError('tenant-id', "is needed for auth-type 'workload-identity' when AZURE_TENANT_ID is not set.", WEBHOOK_HINT);
    }
    return {
        kind: 'workload-identity',
        async getToken(scope, options) {
            // Kubernetes rotates the file (the token lives about an hour): read it for every exchange.
            const assertion = await readFederatedToken(tokenFile, deps);
            return requestEntraToken(deps, {
                authorityHost: config.authorityHost,
                tenantId: options?.tenantId ?? tenantId,
                clientId,
                scope,
                credential: { clientAssertion: assertion.token },
                presented: assertion.presented
            });
        }
    };
}
/** The trimmed token of the file, masked, with what it presents (shown if Entra ID finds no match). */
async function readFederatedToken(file, deps) {
    let token;
    try {
        token = (await deps.machine.readFile(file)).toString('utf8').trim();
    }
    catch (error) {
        throw new ActionError(`Cannot read the federated token file AZURE_FEDERATED_TOKEN_FILE (${file}): ${messageOf(error)}`, WEBHOOK_HINT);
    }
    if (!token) {
        throw new ActionError(`The federated token file AZURE_FEDERATED_TOKEN_FILE (${file}) is empty.`, WEBHOOK_HINT);
    }
    deps.mask(token);
    const claims = readClaims(token);
    return {
        token,
        presented: {
            issuer: stringClaim(claims, 'iss') ?? '(unknown)',
            subject: stringClaim(claims, 'sub') ?? '(unknown)',
            audience: stringClaim(claims, 'aud') ?? '(unknown)'
        }
    };
}

;// CONCATENATED MODULE: ./src/credentials/index.ts








async function createCredential(config, deps) {
    if (config.authType !== 'auto')
        return credentialOfKind(config.authType, config, deps);
    const choice = await chooseAuthType(config, deps, deps.machine.platform);
    deps.log(`auth-type 'auto' chose '${choice.kind}': ${choice.because}.`);
    return explainingChoice(await credentialOfKind(choice.kind, config, deps), choice);
}
function credentialOfKind(kind, config, deps) {
    switch (kind) {
        case 'oidc':
            return createOidcCredential(config, deps);
        case 'secret':
            return createSecretCredential(config, deps);
        case 'certificate':
            return createCertificateCredential(config, deps);
        case 'managed-identity':
            return createManagedIdentityCredential(config, deps);
        case 'workload-identity':
            return createWorkloadIdentityCredential(config, deps);
        case 'azure-cli':
            return createAzureCliCredential(config, deps);
    }
}
/**
 * When a credential `auto` picked fails, the user also learns why the ones before it did not
 * apply: `az` on a GitHub-hosted runner is usually a missing `id-token: write`, not a missing login.
 */
function explainingChoice(credential, choice) {
    if (choice.ruledOut.length === 0)
        return credential;
    return {
        kind: credential.kind,
        async getToken(scope, options) {
            try {
                return await credential.getToken(scope, options);
            }
            catch (error) {
                if (!(error instanceof ActionError))
                    throw error;
                const context = `auth-type 'auto' chose '${choice.kind}' because ${choice.because}, after ruling out:\n${choice.ruledOut.join('\n')}`;
                const explained = new ActionError(error.message, error.hint ? `${error.hint}\n${context}` : context);
                explained.name = error.name;
                throw explained;
            }
        }
    };
}

;// CONCATENATED MODULE: external "node:child_process"
const external_node_child_process_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:child_process");
;// CONCATENATED MODULE: ./src/machine.ts
/** The real machine behind `MachineDeps`: node's file system and child processes. */


/** Output beyond this is a broken program, not a token. */
const MAX_PROCESS_OUTPUT = 4 * 1024 * 1024;
function nodeMachine() {
    return {
        platform: process.platform,
        readFile: file => external_node_fs_namespaceObject.promises.readFile(file),
        fileSize: async (file) => (await external_node_fs_namespaceObject.promises.stat(file)).size,
        runProcess
    };
}
function runProcess(file, args, options) {
    return new Promise(resolve => {
        (0,external_node_child_process_namespaceObject.execFile)(file, args, { timeout: options.timeoutMs, maxBuffer: MAX_PROCESS_OUTPUT, windowsHide: true, shell: options.shell ?? false, encoding: 'utf8' }, (error, stdout, stderr) => {
            const code = error?.code;
            const killed = error?.killed === true;
            resolve({
                exitCode: error === null ? 0 : typeof code === 'number' ? code : null,
                stdout,
                stderr,
                ...(code === 'ENOENT' ? { failure: 'ENOENT' } : killed ? { failure: 'ETIMEDOUT' } : {})
            });
        });
    });
}

;// CONCATENATED MODULE: ./src/keyvault.ts




const KEY_VAULT_API_VERSION = '7.4';
/**
 * Vault requests in flight at once, for all vaults together. Key Vault allows 4,000 requests
 * per 10 s per vault (§5 Throttling): 16 parallel requests of ~50 ms each stay far below that,
 * load a hundred secrets in well under a second, and leave sockets for the rest of the runner.
 */
const MAX_REQUESTS_IN_FLIGHT = 16;
/** The largest page Key Vault serves (§5 List secrets: maxresults is 1-25). */
const LIST_PAGE_SIZE = 25;
/** The scope of the vault token in a cloud: `https://vault.azure.net/.default`. */
function vaultScope(cloud) {
    return `${cloud.keyVaultResource}/.default`;
}
/** Loads every referenced secret, or throws one ActionError listing every failure. */
async function loadSecrets(references, deps, options) {
    const client = vaultClient(deps, options.scope, options.maxInFlight ?? MAX_REQUESTS_IN_FLIGHT);
    const fetchOnce = fetcher(client, deps, options.assignee);
    // Listed secrets are fetched page by page while the listing goes on: it never waits for the last page.
    const listed = await Promise.all(references.map(reference => expand(client, reference, deps, options.assignee, page => page.forEach(fetchOnce))));
    const expanded = listed.flatMap(outcome => (outcome.ok ? outcome.value : []));
    const { targets, collisions } = separateCollisions(expanded);
    const fetched = await Promise.all(targets.map(fetchOnce));
    const failures = [...listed, ...fetched].flatMap(outcome => (outcome.ok ? [] : [outcome.failure]));
    failures.push(...collisions);
    const warnings = fetched.flatMap(outcome => (outcome.ok && outcome.warning !== undefined ? [outcome.warning] : []));
    const ignored = options.ignoreMissing ? failures.filter(failure => failure.kind === 'missing' || failure.kind === 'disabled') : [];
    const fatal = failures.filter(failure => !ignored.includes(failure));
    if (fatal.length > 0)
        throw failuresError(fatal, options.ignoreMissing);
    warnings.push(...ignored.map(failure => `${failure.line} Skipped: ignore-missing-secrets is true.`));
    return { secrets: fetched.flatMap(outcome => (outcome.ok ? [outcome.value] : [])), warnings };
}
/**
 * Fetches each secret (vault, name, version) once, however many targets name it: a secret both
 * listed by `VAULT/*` and named, or named twice under two env names, costs one request.
 */
function fetcher(client, deps, assignee) {
    const fetches = new Map();
    return async (target) => {
        const key = `${target.vault} ${target.name.toLowerCase()} ${target.version ?? ''}`;
        let fetch = fetches.get(key);
        if (!fetch) {
            fetch = fetchSecret(client, target, deps, assignee);
            fetches.set(key, fetch);
        }
        const outcome = await fetch;
        return outcome.ok ? { ...outcome, value: { ...outcome.value, reference: target.reference, envName: target.envName } } : outcome;
    };
}
function failuresError(failures, ignoreMissing) {
    const skippable = failures.some(failure => failure.kind === 'missing' || failure.kind === 'disabled');
    return new ActionError(`Could not load ${failures.length === 1 ? 'a Key Vault secret' : `${failures.length} Key Vault secrets`}, so none was exported:\n` +
        failures.map(failure => `- ${failure.line}`).join('\n'), skippable && !ignoreMissing ? 'To load the others and only warn about missing or disabled secrets, set ignore-missing-secrets: true.' : undefined);
}
/**
 * Sends GETs to vaults with the vault token. A 401 whose challenge names another tenant or
 * resource is followed once, and remembered for the vault, but only if the resource's host is
 * a parent domain of the vault's host: the check the Azure SDK does (§5 point 4), so a vault
 * cannot obtain a token for an unrelated resource.
 */
function vaultClient(deps, scope, maxInFlight) {
    const inFlight = limiter(maxInFlight);
    const challenged = new Map();
    const send = (url, what, token) => deps.http.request({ method: 'GET', url, what, bearerToken: token.token });
    return {
        // The authority is read once a slot is free, so requests queued behind a challenge use what it taught.
        get: (vault, url, what, options) => inFlight(options?.first ?? false, async () => {
            const authority = challenged.get(vault) ?? { scope, tenantId: undefined };
            const token = await deps.tokens(authority.scope, authority.tenantId);
            const response = await send(url, what, token);
            const challenge = response.status === 401 ? parseChallenge(response.headers['www-authenticate']) : undefined;
            if (!challenge || sameAuthority(challenge, authority, token))
                return response;
            verifyChallengeResource(vault, challenge.scope);
            challenged.set(vault, challenge);
            return send(url, what, await deps.tokens(challenge.scope, challenge.tenantId));
        })
    };
}
/** Runs at most `limit` tasks at once; the others wait their turn in order, `first` ones at the front. */
function limiter(limit) {
    let running = 0;
    const waiting = [];
    return async (first, task) => {
        if (running < limit) {
            running++;
        }
        else {
            // The finishing task hands its slot over, so `running` stays as it is.
            await new Promise(resolve => (first ? waiting.unshift(resolve) : waiting.push(resolve)));
        }
        try {
            return await task();
        }
        finally {
            const next = waiting.shift();
            if (next)
                next();
            else
                running--;
        }
    };
}
/**
 * `Bearer authorization="https://login.microsoftonline.com/<tenant>", resource="https://vault.azure.net"`
 * (or `scope=`): the scope and tenant a vault wants its token for (§5 Challenge auth, points 2-3).
 */
function parseChallenge(header) {
    const text = Array.isArray(header) ? header.join(', ') : header;
    if (!text || !/^\s*Bearer\s/i.test(text))
        return undefined;
    const parameters = new Map();
    for (const [, key = '', value = ''] of text.matchAll(/([A-Za-z_]+)="([^"]*)"/g))
        parameters.set(key.toLowerCase(), value);
    const resource = parameters.get('resource');
    const scope = resource ? `${resource.replace(/\/+$/, '')}/.default` : parameters.get('scope');
    if (!scope)
        return undefined;
    const authorization = parameters.get('authorization') ?? parameters.get('authorization_uri') ?? parameters.get('authorization_url');
    return { scope, tenantId: authorization === undefined ? undefined : tenantOf(authorization) };
}
function tenantOf(authorization) {
    try {
        const tenant = new URL(authorization).pathname.split('/').find(segment => segment !== '');
        return tenant !== undefined && /^[0-9a-zA-Z.-]+$/.test(tenant) ? tenant : undefined;
    }
    catch {
        return undefined;
    }
}
/** True when the challenge asks for the token that was just refused: following it would not help. */
function sameAuthority(challenge, used, token) {
    if (challenge.scope !== used.scope)
        return false;
    const usedTenant = stringClaim(readClaims(token.token), 'tid') ?? used.tenantId;
    return challenge.tenantId === undefined || challenge.tenantId.toLowerCase() === usedTenant?.toLowerCase();
}
function verifyChallengeResource(vault, scope) {
    const vaultHost = new URL(vault).hostname;
    let resourceHost;
    try {
        resourceHost = new URL(scope).hostname;
    }
    catch {
        resourceHost = undefined;
    }
    if (resourceHost && vaultHost.endsWith(`.${resourceHost}`))
        return;
    throw new ActionError(`The vault ${vault} answered 401 with a challenge for the resource '${scope.replace(/\/\.default$/, '')}', ` +
        `whose host is not a parent domain of ${vaultHost}; refusing to get it a token for that resource.`, 'A vault asks for a token for its own cloud (https://vault.azure.net). Check the vault URL, and any proxy in between.');
}
// ---------------------------------------------------------------------------------------------
// Listing a vault (`VAULT/*`) and fetching secrets
async function expand(client, reference, deps, assignee, onPage) {
    if (reference.kind === 'secret') {
        onPage([targetOf(reference)]);
        return { ok: true, value: [targetOf(reference)] };
    }
    try {
        return await listVault(client, reference, deps, assignee, onPage);
    }
    catch (error) {
        return { ok: false, failure: { kind: 'error', line: `${labelOf(reference.vault, '*')}: ${messageOf(error)}` } };
    }
}
function targetOf(reference) {
    return { reference, vault: reference.vault, name: reference.name, version: reference.version, envName: reference.envName };
}
/** Every enabled, unexpired secret of a vault, following `nextLink` verbatim (§5 List secrets). */
async function listVault(client, reference, deps, assignee, onPage) {
    const targets = [];
    const visited = new Set();
    let skipped = 0;
    let url = `${reference.vault}/secrets?api-version=${KEY_VAULT_API_VERSION}&maxresults=${LIST_PAGE_SIZE}`;
    while (url !== undefined) {
        visited.add(url);
        const response = await client.get(reference.vault, url, `Key Vault ${reference.vault} (listing secrets)`, { first: true });
        if (response.status !== 200) {
            return { ok: false, failure: explainVaultAnswer(response, reference.vault, '*', assignee) };
        }
        const page = jsonFields(response.json);
        const found = targets.length;
        for (const item of Array.isArray(page['value']) ? page['value'] : []) {
            const name = listedName(item);
            if (name === undefined)
                continue;
            if (!isUsable(item, deps.now())) {
                skipped++;
                continue;
            }
            targets.push({ reference, vault: reference.vault, name, version: undefined, envName: defaultEnvName(name, reference.prefix) });
        }
        onPage(targets.slice(found));
        url = nextPage(page['nextLink'], reference.vault, visited);
    }
    deps.log(`Listed ${targets.length} ${targets.length === 1 ? 'secret' : 'secrets'} in ${reference.vault}` +
        (skipped > 0 ? ` (skipped ${skipped} disabled or expired).` : '.'));
    return { ok: true, value: targets };
}
/** The secret name from a list item's id, `https://v.vault.azure.net/secrets/NAME`. */
function listedName(item) {
    const id = item?.id;
    if (typeof id !== 'string')
        return undefined;
    const name = /\/secrets\/([^/?#]+)\/?$/.exec(id)?.[1];
    return name !== undefined && isSecretName(name) ? name : undefined;
}
/** Enabled, and not past its expiry (`exp` is epoch seconds, §5). */
function isUsable(item, now) {
    const attributes = item?.attributes;
    if (attributes?.enabled === false)
        return false;
    return typeof attributes?.exp !== 'number' || attributes.exp * 1000 > now;
}
/** The next page's URL, taken as given, but only on the vault's own origin: the token goes nowhere else. */
function nextPage(nextLink, vault, visited) {
    if (typeof nextLink !== 'string' || nextLink === '')
        return undefined;
    let origin;
    try {
        origin = new URL(nextLink).origin;
    }
    catch {
        origin = undefined;
    }
    if (origin !== vault) {
        throw new ActionError(`the listing's nextLink points to ${origin ?? `'${nextLink}'`}, not to the vault; refusing to send it the vault token.`);
    }
    if (visited.has(nextLink)) {
        throw new ActionError('the listing sent a nextLink to a page it had already sent; stopping.');
    }
    return nextLink;
}
/**
 * Secrets found twice (a `VAULT/*` and a named entry for the same secret) are fetched once;
 * two different secrets for one env name are a failure: the spec allows one value per name.
 */
function separateCollisions(targets) {
    const byName = new Map();
    for (const target of targets) {
        const key = target.envName.toUpperCase();
        byName.set(key, [...(byName.get(key) ?? []), target]);
    }
    const kept = [];
    const collisions = [];
    for (const group of byName.values()) {
        const distinct = new Map(group.map(target => [`${target.vault} ${target.name.toLowerCase()} ${target.version ?? ''}`, target]));
        if (distinct.size === 1) {
            kept.push(group.find(target => target.reference.kind === 'secret') ?? group[0]);
            continue;
        }
        const holders = [...distinct.values()].map(target => `${labelOf(target.vault, target.name, target.version)} (entry '${target.reference.entry}')`);
        collisions.push({
            kind: 'error',
            line: `${group[0]?.envName}: more than one secret maps to this name: ${holders.join(', ')}. ` +
                'Give one its own name (VAULT/SECRET | NAME), or the vault a prefix (VAULT/* | PREFIX_).'
        });
    }
    return { targets: targets.filter(target => kept.includes(target)), collisions };
}
/** `GET {vault}/secrets/{name}[/{version}]` (§5 Get a secret); the value is masked at once. */
async function fetchSecret(client, target, deps, assignee) {
    const label = labelOf(target.vault, target.name, target.version);
    const path = `/secrets/${encodeURIComponent(target.name)}${target.version === undefined ? '' : `/${encodeURIComponent(target.version)}`}`;
    let response;
    try {
        response = await client.get(target.vault, `${target.vault}${path}?api-version=${KEY_VAULT_API_VERSION}`, `Key Vault ${target.vault}`);
    }
    catch (error) {
        return { ok: false, failure: { kind: 'error', line: `${label}: ${messageOf(error)}` } };
    }
    if (response.status !== 200) {
        return { ok: false, failure: explainVaultAnswer(response, target.vault, target.name, assignee, target.version) };
    }
    const body = jsonFields(response.json);
    const value = body['value'];
    if (typeof value !== 'string') {
        return { ok: false, failure: { kind: 'error', line: `${label}: Key Vault answered 200 without a value.` } };
    }
    deps.mask(value);
    const secret = { reference: target.reference, name: target.name, envName: target.envName, vault: target.vault, value };
    const expiry = body['attributes']?.exp;
    if (typeof expiry === 'number' && expiry * 1000 <= deps.now()) {
        const when = new Date(expiry * 1000).toISOString().replace('.000Z', 'Z');
        return { ok: true, value: secret, warning: `${label} expired at ${when}; loaded anyway, as named. Set a new version of it.` };
    }
    return { ok: true, value: secret };
}
// ---------------------------------------------------------------------------------------------
// Explaining Key Vault's error answers (§5 Errors)
/** `db-password in https://my-vault.vault.azure.net` (or `listing https://...`), the way every line names a secret. */
function labelOf(vault, name, version) {
    if (name === '*')
        return `listing ${vault}`;
    return `${name}${version === undefined ? '' : `/${version}`} in ${vault}`;
}
function explainVaultAnswer(response, vault, name, assignee, version) {
    const error = (response.json?.error ?? {});
    const outer = typeof error.code === 'string' ? error.code : undefined;
    const inner = typeof error.innererror?.code === 'string' ? error.innererror.code : undefined;
    const message = typeof error.message === 'string' ? (error.message.split(/\r?\n/)[0] ?? '').trim() : '';
    const code = inner ?? outer;
    const kind = response.status === 404 && name !== '*' ? 'missing'
        : code === 'SecretDisabled' ? 'disabled'
            : response.status === 401 || response.status === 403 ? 'forbidden'
                : 'error';
    const context = { vaultName: new URL(vault).hostname.split('.')[0] ?? vault, name, assignee: assignee ?? '<object-id>', message, status: response.status };
    const accessPolicy = response.status === 403 && (inner === 'AccessDenied' || /access polic/i.test(message));
    const why = kind === 'missing' ? whyMissing(context) : accessPolicy ? whyAccessPolicy(context) : whyOther(code, context);
    const status = code === undefined ? `HTTP ${response.status}` : `${code} (HTTP ${response.status})`;
    return { kind, line: `${labelOf(vault, name, version)}: ${status}: ${why}` };
}
function whyMissing(c) {
    return ('the vault has no such secret (or version). Check the name; a secret deleted recently can be recovered: ' +
        `az keyvault secret recover --vault-name ${c.vaultName} --name ${c.name}`);
}
function whyAccessPolicy(c) {
    return ('the vault uses access policies, and none lets this identity read secrets. Add one: ' +
        `az keyvault set-policy --name ${c.vaultName} --object-id ${c.assignee} --secret-permissions get list`);
}
function whyOther(code, c) {
    const roleCommand = `az role assignment create --role "Key Vault Secrets User" --assignee ${c.assignee} ` +
        `--scope $(az keyvault show --name ${c.vaultName} --query id --output tsv)`;
    switch (code) {
        case 'SecretDisabled':
            return `the secret is disabled. Enable it: az keyvault secret set-attributes --vault-name ${c.vaultName} --name ${c.name} --enabled true`;
        case 'ForbiddenByRbac':
            return `the identity has no role that may read secrets in this vault. Assign it 'Key Vault Secrets User': ${roleCommand}`;
        case 'ForbiddenByFirewall':
            return ("the vault's firewall refused the runner's address. GitHub-hosted runners have no fixed address: run on a " +
                'self-hosted runner in a network the vault allows (or behind a private endpoint), or allow the runner\'s IP ' +
                `for the job: az keyvault network-rule add --name ${c.vaultName} --ip-address <runner-ip>`);
        default:
            break;
    }
    if (c.status === 403) {
        return `access denied (${c.message || 'Forbidden'}). Give the identity the role 'Key Vault Secrets User' (${roleCommand}), or, on a vault with access policies, a policy with secret get and list.`;
    }
    if (c.status === 401) {
        return `Key Vault refused the token (${c.message || 'Unauthorized'}). Check that the vault is in the identity's tenant and in the cloud set by 'environment'.`;
    }
    if (c.message)
        return c.message;
    return c.status >= 500 || c.status === 429
        ? 'Key Vault kept failing through the retries, with no explanation. Re-run the job; if it persists, check Azure status for Key Vault in the vault\'s region.'
        : 'Key Vault gave no explanation.';
}

;// CONCATENATED MODULE: external "os"
const external_os_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("os");
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/utils.js
// We use any as a valid input type
/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Sanitizes an input into a string so it can be passed into issueCommand safely
 * @param input input to sanitize into a string
 */
function toCommandValue(input) {
    if (input === null || input === undefined) {
        return '';
    }
    else if (typeof input === 'string' || input instanceof String) {
        return input;
    }
    return JSON.stringify(input);
}
/**
 *
 * @param annotationProperties
 * @returns The command properties to send with the actual annotation command
 * See IssueCommandProperties: https://github.com/actions/runner/blob/main/src/Runner.Worker/ActionCommandManager.cs#L646
 */
function utils_toCommandProperties(annotationProperties) {
    if (!Object.keys(annotationProperties).length) {
        return {};
    }
    return {
        title: annotationProperties.title,
        file: annotationProperties.file,
        line: annotationProperties.startLine,
        endLine: annotationProperties.endLine,
        col: annotationProperties.startColumn,
        endColumn: annotationProperties.endColumn
    };
}
//# sourceMappingURL=utils.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/command.js


/**
 * Issues a command to the GitHub Actions runner
 *
 * @param command - The command name to issue
 * @param properties - Additional properties for the command (key-value pairs)
 * @param message - The message to include with the command
 * @remarks
 * This function outputs a specially formatted string to stdout that the Actions
 * runner interprets as a command. These commands can control workflow behavior,
 * set outputs, create annotations, mask values, and more.
 *
 * Command Format:
 *   ::name key=value,key=value::message
 *
 * @example
 * ```typescript
 * // Issue a warning annotation
 * issueCommand('warning', {}, 'This is a warning message');
 * // Output: ::warning::This is a warning message
 *
 * // Set an environment variable
 * issueCommand('set-env', { name: 'MY_VAR' }, 'some value');
 * // Output: ::set-env name=MY_VAR::some value
 *
 * // Add a secret mask
 * issueCommand('add-mask', {}, 'secretValue123');
 * // Output: ::add-mask::secretValue123
 * ```
 *
 * @internal
 * This is an internal utility function that powers the public API functions
 * such as setSecret, warning, error, and exportVariable.
 */
function command_issueCommand(command, properties, message) {
    const cmd = new Command(command, properties, message);
    process.stdout.write(cmd.toString() + external_os_namespaceObject.EOL);
}
function command_issue(name, message = '') {
    command_issueCommand(name, {}, message);
}
const CMD_STRING = '::';
class Command {
    constructor(command, properties, message) {
        if (!command) {
            command = 'missing.command';
        }
        this.command = command;
        this.properties = properties;
        this.message = message;
    }
    toString() {
        let cmdStr = CMD_STRING + this.command;
        if (this.properties && Object.keys(this.properties).length > 0) {
            cmdStr += ' ';
            let first = true;
            for (const key in this.properties) {
                if (this.properties.hasOwnProperty(key)) {
                    const val = this.properties[key];
                    if (val) {
                        if (first) {
                            first = false;
                        }
                        else {
                            cmdStr += ',';
                        }
                        cmdStr += `${key}=${escapeProperty(val)}`;
                    }
                }
            }
        }
        cmdStr += `${CMD_STRING}${escapeData(this.message)}`;
        return cmdStr;
    }
}
function escapeData(s) {
    return toCommandValue(s)
        .replace(/%/g, '%25')
        .replace(/\r/g, '%0D')
        .replace(/\n/g, '%0A');
}
function escapeProperty(s) {
    return toCommandValue(s)
        .replace(/%/g, '%25')
        .replace(/\r/g, '%0D')
        .replace(/\n/g, '%0A')
        .replace(/:/g, '%3A')
        .replace(/,/g, '%2C');
}
//# sourceMappingURL=command.js.map
;// CONCATENATED MODULE: external "crypto"
const external_crypto_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("crypto");
;// CONCATENATED MODULE: external "fs"
const external_fs_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("fs");
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/file-command.js
// For internal use, subject to change.
// We use any as a valid input type
/* eslint-disable @typescript-eslint/no-explicit-any */




function file_command_issueFileCommand(command, message) {
    const filePath = process.env[`GITHUB_${command}`];
    if (!filePath) {
        throw new Error(`Unable to find environment variable for file command ${command}`);
    }
    if (!external_fs_namespaceObject.existsSync(filePath)) {
        throw new Error(`Missing file at path: ${filePath}`);
    }
    external_fs_namespaceObject.appendFileSync(filePath, `${toCommandValue(message)}${external_os_namespaceObject.EOL}`, {
        encoding: 'utf8'
    });
}
function prepareKeyValueMessage(key, value) {
    const delimiter = `ghadelimiter_${external_crypto_namespaceObject.randomUUID()}`;
    const convertedValue = toCommandValue(value);
    // These should realistically never happen, but just in case someone finds a
    // way to exploit uuid generation let's not allow keys or values that contain
    // the delimiter.
    if (key.includes(delimiter)) {
        throw new Error(`Unexpected input: name should not contain the delimiter "${delimiter}"`);
    }
    if (convertedValue.includes(delimiter)) {
        throw new Error(`Unexpected input: value should not contain the delimiter "${delimiter}"`);
    }
    return `${key}<<${delimiter}${external_os_namespaceObject.EOL}${convertedValue}${external_os_namespaceObject.EOL}${delimiter}`;
}
//# sourceMappingURL=file-command.js.map
;// CONCATENATED MODULE: external "path"
const external_path_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("path");
;// CONCATENATED MODULE: ./node_modules/@actions/http-client/lib/auth.js
var auth_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};
class BasicCredentialHandler {
    constructor(username, password) {
        this.username = username;
        this.password = password;
    }
    prepareRequest(options) {
        if (!options.headers) {
            throw Error('The request has no headers');
        }
        options.headers['Authorization'] = `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}`;
    }
    // This handler cannot handle 401
    canHandleAuthentication() {
        return false;
    }
    handleAuthentication() {
        return auth_awaiter(this, void 0, void 0, function* () {
            throw new Error('not implemented');
        });
    }
}
class auth_BearerCredentialHandler {
    constructor(token) {
        this.token = token;
    }
    // currently implements pre-authorization
    // TODO: support preAuth = false where it hooks on 401
    prepareRequest(options) {
        if (!options.headers) {
            throw Error('The request has no headers');
        }
        options.headers['Authorization'] = `Bearer ${this.token}`;
    }
    // This handler cannot handle 401
    canHandleAuthentication() {
        return false;
    }
    handleAuthentication() {
        return auth_awaiter(this, void 0, void 0, function* () {
            throw new Error('not implemented');
        });
    }
}
class PersonalAccessTokenCredentialHandler {
    constructor(token) {
        this.token = token;
    }
    // currently implements pre-authorization
    // TODO: support preAuth = false where it hooks on 401
    prepareRequest(options) {
        if (!options.headers) {
            throw Error('The request has no headers');
        }
        options.headers['Authorization'] = `Basic ${Buffer.from(`PAT:${this.token}`).toString('base64')}`;
    }
    // This handler cannot handle 401
    canHandleAuthentication() {
        return false;
    }
    handleAuthentication() {
        return auth_awaiter(this, void 0, void 0, function* () {
            throw new Error('not implemented');
        });
    }
}
//# sourceMappingURL=auth.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/oidc-utils.js
var oidc_utils_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};



class oidc_utils_OidcClient {
    static createHttpClient(allowRetry = true, maxRetry = 10) {
        const requestOptions = {
            allowRetries: allowRetry,
            maxRetries: maxRetry
        };
        return new HttpClient('actions/oidc-client', [new BearerCredentialHandler(oidc_utils_OidcClient.getRequestToken())], requestOptions);
    }
    static getRequestToken() {
        const token = process.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
        if (!token) {
            throw new Error('Unable to get ACTIONS_ID_TOKEN_REQUEST_TOKEN env variable');
        }
        return token;
    }
    static getIDTokenUrl() {
        const runtimeUrl = process.env['ACTIONS_ID_TOKEN_REQUEST_URL'];
        if (!runtimeUrl) {
            throw new Error('Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable');
        }
        return runtimeUrl;
    }
    static getCall(id_token_url) {
        return oidc_utils_awaiter(this, void 0, void 0, function* () {
            var _a;
            const httpclient = oidc_utils_OidcClient.createHttpClient();
            const res = yield httpclient
                .getJson(id_token_url)
                .catch(error => {
                throw new Error(`Failed to get ID Token. \n 
        Error Code : ${error.statusCode}\n 
        Error Message: ${error.message}`);
            });
            const id_token = (_a = res.result) === null || _a === void 0 ? void 0 : _a.value;
            if (!id_token) {
                throw new Error('Response json body do not have ID Token field');
            }
            return id_token;
        });
    }
    static getIDToken(audience) {
        return oidc_utils_awaiter(this, void 0, void 0, function* () {
            try {
                // New ID Token is requested from action service
                let id_token_url = oidc_utils_OidcClient.getIDTokenUrl();
                if (audience) {
                    const encodedAudience = encodeURIComponent(audience);
                    id_token_url = `${id_token_url}&audience=${encodedAudience}`;
                }
                debug(`ID token url is ${id_token_url}`);
                const id_token = yield oidc_utils_OidcClient.getCall(id_token_url);
                setSecret(id_token);
                return id_token;
            }
            catch (error) {
                throw new Error(`Error message: ${error.message}`);
            }
        });
    }
}
//# sourceMappingURL=oidc-utils.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/summary.js
var summary_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};


const { access, appendFile, writeFile } = external_fs_namespaceObject.promises;
const SUMMARY_ENV_VAR = 'GITHUB_STEP_SUMMARY';
const SUMMARY_DOCS_URL = 'https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions#adding-a-job-summary';
class Summary {
    constructor() {
        this._buffer = '';
    }
    /**
     * Finds the summary file path from the environment, rejects if env var is not found or file does not exist
     * Also checks r/w permissions.
     *
     * @returns step summary file path
     */
    filePath() {
        return summary_awaiter(this, void 0, void 0, function* () {
            if (this._filePath) {
                return this._filePath;
            }
            const pathFromEnv = process.env[SUMMARY_ENV_VAR];
            if (!pathFromEnv) {
                throw new Error(`Unable to find environment variable for $${SUMMARY_ENV_VAR}. Check if your runtime environment supports job summaries.`);
            }
            try {
                yield access(pathFromEnv, external_fs_namespaceObject.constants.R_OK | external_fs_namespaceObject.constants.W_OK);
            }
            catch (_a) {
                throw new Error(`Unable to access summary file: '${pathFromEnv}'. Check if the file has correct read/write permissions.`);
            }
            this._filePath = pathFromEnv;
            return this._filePath;
        });
    }
    /**
     * Wraps content in an HTML tag, adding any HTML attributes
     *
     * @param {string} tag HTML tag to wrap
     * @param {string | null} content content within the tag
     * @param {[attribute: string]: string} attrs key-value list of HTML attributes to add
     *
     * @returns {string} content wrapped in HTML element
     */
    wrap(tag, content, attrs = {}) {
        const htmlAttrs = Object.entries(attrs)
            .map(([key, value]) => ` ${key}="${value}"`)
            .join('');
        if (!content) {
            return `<${tag}${htmlAttrs}>`;
        }
        return `<${tag}${htmlAttrs}>${content}</${tag}>`;
    }
    /**
     * Writes text in the buffer to the summary buffer file and empties buffer. Will append by default.
     *
     * @param {SummaryWriteOptions} [options] (optional) options for write operation
     *
     * @returns {Promise<Summary>} summary instance
     */
    write(options) {
        return summary_awaiter(this, void 0, void 0, function* () {
            const overwrite = !!(options === null || options === void 0 ? void 0 : options.overwrite);
            const filePath = yield this.filePath();
            const writeFunc = overwrite ? writeFile : appendFile;
            yield writeFunc(filePath, this._buffer, { encoding: 'utf8' });
            return this.emptyBuffer();
        });
    }
    /**
     * Clears the summary buffer and wipes the summary file
     *
     * @returns {Summary} summary instance
     */
    clear() {
        return summary_awaiter(this, void 0, void 0, function* () {
            return this.emptyBuffer().write({ overwrite: true });
        });
    }
    /**
     * Returns the current summary buffer as a string
     *
     * @returns {string} string of summary buffer
     */
    stringify() {
        return this._buffer;
    }
    /**
     * If the summary buffer is empty
     *
     * @returns {boolen} true if the buffer is empty
     */
    isEmptyBuffer() {
        return this._buffer.length === 0;
    }
    /**
     * Resets the summary buffer without writing to summary file
     *
     * @returns {Summary} summary instance
     */
    emptyBuffer() {
        this._buffer = '';
        return this;
    }
    /**
     * Adds raw text to the summary buffer
     *
     * @param {string} text content to add
     * @param {boolean} [addEOL=false] (optional) append an EOL to the raw text (default: false)
     *
     * @returns {Summary} summary instance
     */
    addRaw(text, addEOL = false) {
        this._buffer += text;
        return addEOL ? this.addEOL() : this;
    }
    /**
     * Adds the operating system-specific end-of-line marker to the buffer
     *
     * @returns {Summary} summary instance
     */
    addEOL() {
        return this.addRaw(external_os_namespaceObject.EOL);
    }
    /**
     * Adds an HTML codeblock to the summary buffer
     *
     * @param {string} code content to render within fenced code block
     * @param {string} lang (optional) language to syntax highlight code
     *
     * @returns {Summary} summary instance
     */
    addCodeBlock(code, lang) {
        const attrs = Object.assign({}, (lang && { lang }));
        const element = this.wrap('pre', this.wrap('code', code), attrs);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML list to the summary buffer
     *
     * @param {string[]} items list of items to render
     * @param {boolean} [ordered=false] (optional) if the rendered list should be ordered or not (default: false)
     *
     * @returns {Summary} summary instance
     */
    addList(items, ordered = false) {
        const tag = ordered ? 'ol' : 'ul';
        const listItems = items.map(item => this.wrap('li', item)).join('');
        const element = this.wrap(tag, listItems);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML table to the summary buffer
     *
     * @param {SummaryTableCell[]} rows table rows
     *
     * @returns {Summary} summary instance
     */
    addTable(rows) {
        const tableBody = rows
            .map(row => {
            const cells = row
                .map(cell => {
                if (typeof cell === 'string') {
                    return this.wrap('td', cell);
                }
                const { header, data, colspan, rowspan } = cell;
                const tag = header ? 'th' : 'td';
                const attrs = Object.assign(Object.assign({}, (colspan && { colspan })), (rowspan && { rowspan }));
                return this.wrap(tag, data, attrs);
            })
                .join('');
            return this.wrap('tr', cells);
        })
            .join('');
        const element = this.wrap('table', tableBody);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds a collapsable HTML details element to the summary buffer
     *
     * @param {string} label text for the closed state
     * @param {string} content collapsable content
     *
     * @returns {Summary} summary instance
     */
    addDetails(label, content) {
        const element = this.wrap('details', this.wrap('summary', label) + content);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML image tag to the summary buffer
     *
     * @param {string} src path to the image you to embed
     * @param {string} alt text description of the image
     * @param {SummaryImageOptions} options (optional) addition image attributes
     *
     * @returns {Summary} summary instance
     */
    addImage(src, alt, options) {
        const { width, height } = options || {};
        const attrs = Object.assign(Object.assign({}, (width && { width })), (height && { height }));
        const element = this.wrap('img', null, Object.assign({ src, alt }, attrs));
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML section heading element
     *
     * @param {string} text heading text
     * @param {number | string} [level=1] (optional) the heading level, default: 1
     *
     * @returns {Summary} summary instance
     */
    addHeading(text, level) {
        const tag = `h${level}`;
        const allowedTag = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].includes(tag)
            ? tag
            : 'h1';
        const element = this.wrap(allowedTag, text);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML thematic break (<hr>) to the summary buffer
     *
     * @returns {Summary} summary instance
     */
    addSeparator() {
        const element = this.wrap('hr', null);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML line break (<br>) to the summary buffer
     *
     * @returns {Summary} summary instance
     */
    addBreak() {
        const element = this.wrap('br', null);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML blockquote to the summary buffer
     *
     * @param {string} text quote text
     * @param {string} cite (optional) citation url
     *
     * @returns {Summary} summary instance
     */
    addQuote(text, cite) {
        const attrs = Object.assign({}, (cite && { cite }));
        const element = this.wrap('blockquote', text, attrs);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML anchor tag to the summary buffer
     *
     * @param {string} text link text/content
     * @param {string} href hyperlink
     *
     * @returns {Summary} summary instance
     */
    addLink(text, href) {
        const element = this.wrap('a', text, { href });
        return this.addRaw(element).addEOL();
    }
}
const _summary = new Summary();
/**
 * @deprecated use `core.summary`
 */
const markdownSummary = (/* unused pure expression or super */ null && (_summary));
const summary = _summary;
//# sourceMappingURL=summary.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/path-utils.js

/**
 * toPosixPath converts the given path to the posix form. On Windows, \\ will be
 * replaced with /.
 *
 * @param pth. Path to transform.
 * @return string Posix path.
 */
function toPosixPath(pth) {
    return pth.replace(/[\\]/g, '/');
}
/**
 * toWin32Path converts the given path to the win32 form. On Linux, / will be
 * replaced with \\.
 *
 * @param pth. Path to transform.
 * @return string Win32 path.
 */
function toWin32Path(pth) {
    return pth.replace(/[/]/g, '\\');
}
/**
 * toPlatformPath converts the given path to a platform-specific path. It does
 * this by replacing instances of / and \ with the platform-specific path
 * separator.
 *
 * @param pth The path to platformize.
 * @return string The platform-specific path.
 */
function toPlatformPath(pth) {
    return pth.replace(/[/\\]/g, path.sep);
}
//# sourceMappingURL=path-utils.js.map
;// CONCATENATED MODULE: external "string_decoder"
const external_string_decoder_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("string_decoder");
// EXTERNAL MODULE: external "events"
var external_events_ = __nccwpck_require__(434);
;// CONCATENATED MODULE: external "child_process"
const external_child_process_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("child_process");
// EXTERNAL MODULE: external "assert"
var external_assert_ = __nccwpck_require__(613);
;// CONCATENATED MODULE: ./node_modules/@actions/io/lib/io-util.js
var io_util_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};


const { chmod, copyFile, lstat, mkdir, open: io_util_open, readdir, rename, rm, rmdir, stat, symlink, unlink } = external_fs_namespaceObject.promises;
// export const {open} = 'fs'
const IS_WINDOWS = process.platform === 'win32';
/**
 * Custom implementation of readlink to ensure Windows junctions
 * maintain trailing backslash for backward compatibility with Node.js < 24
 *
 * In Node.js 20, Windows junctions (directory symlinks) always returned paths
 * with trailing backslashes. Node.js 24 removed this behavior, which breaks
 * code that relied on this format for path operations.
 *
 * This implementation restores the Node 20 behavior by adding a trailing
 * backslash to all junction results on Windows.
 */
function readlink(fsPath) {
    return io_util_awaiter(this, void 0, void 0, function* () {
        const result = yield fs.promises.readlink(fsPath);
        // On Windows, restore Node 20 behavior: add trailing backslash to all results
        // since junctions on Windows are always directory links
        if (IS_WINDOWS && !result.endsWith('\\')) {
            return `${result}\\`;
        }
        return result;
    });
}
// See https://github.com/nodejs/node/blob/d0153aee367422d0858105abec186da4dff0a0c5/deps/uv/include/uv/win.h#L691
const UV_FS_O_EXLOCK = 0x10000000;
const READONLY = external_fs_namespaceObject.constants.O_RDONLY;
function exists(fsPath) {
    return io_util_awaiter(this, void 0, void 0, function* () {
        try {
            yield stat(fsPath);
        }
        catch (err) {
            if (err.code === 'ENOENT') {
                return false;
            }
            throw err;
        }
        return true;
    });
}
function isDirectory(fsPath_1) {
    return io_util_awaiter(this, arguments, void 0, function* (fsPath, useStat = false) {
        const stats = useStat ? yield stat(fsPath) : yield lstat(fsPath);
        return stats.isDirectory();
    });
}
/**
 * On OSX/Linux, true if path starts with '/'. On Windows, true for paths like:
 * \, \hello, \\hello\share, C:, and C:\hello (and corresponding alternate separator cases).
 */
function isRooted(p) {
    p = normalizeSeparators(p);
    if (!p) {
        throw new Error('isRooted() parameter "p" cannot be empty');
    }
    if (IS_WINDOWS) {
        return (p.startsWith('\\') || /^[A-Z]:/i.test(p) // e.g. \ or \hello or \\hello
        ); // e.g. C: or C:\hello
    }
    return p.startsWith('/');
}
/**
 * Best effort attempt to determine whether a file exists and is executable.
 * @param filePath    file path to check
 * @param extensions  additional file extensions to try
 * @return if file exists and is executable, returns the file path. otherwise empty string.
 */
function tryGetExecutablePath(filePath, extensions) {
    return io_util_awaiter(this, void 0, void 0, function* () {
        let stats = undefined;
        try {
            // test file exists
            stats = yield stat(filePath);
        }
        catch (err) {
            if (err.code !== 'ENOENT') {
                // eslint-disable-next-line no-console
                console.log(`Unexpected error attempting to determine if executable file exists '${filePath}': ${err}`);
            }
        }
        if (stats && stats.isFile()) {
            if (IS_WINDOWS) {
                // on Windows, test for valid extension
                const upperExt = external_path_namespaceObject.extname(filePath).toUpperCase();
                if (extensions.some(validExt => validExt.toUpperCase() === upperExt)) {
                    return filePath;
                }
            }
            else {
                if (isUnixExecutable(stats)) {
                    return filePath;
                }
            }
        }
        // try each extension
        const originalFilePath = filePath;
        for (const extension of extensions) {
            filePath = originalFilePath + extension;
            stats = undefined;
            try {
                stats = yield stat(filePath);
            }
            catch (err) {
                if (err.code !== 'ENOENT') {
                    // eslint-disable-next-line no-console
                    console.log(`Unexpected error attempting to determine if executable file exists '${filePath}': ${err}`);
                }
            }
            if (stats && stats.isFile()) {
                if (IS_WINDOWS) {
                    // preserve the case of the actual file (since an extension was appended)
                    try {
                        const directory = external_path_namespaceObject.dirname(filePath);
                        const upperName = external_path_namespaceObject.basename(filePath).toUpperCase();
                        for (const actualName of yield readdir(directory)) {
                            if (upperName === actualName.toUpperCase()) {
                                filePath = external_path_namespaceObject.join(directory, actualName);
                                break;
                            }
                        }
                    }
                    catch (err) {
                        // eslint-disable-next-line no-console
                        console.log(`Unexpected error attempting to determine the actual case of the file '${filePath}': ${err}`);
                    }
                    return filePath;
                }
                else {
                    if (isUnixExecutable(stats)) {
                        return filePath;
                    }
                }
            }
        }
        return '';
    });
}
function normalizeSeparators(p) {
    p = p || '';
    if (IS_WINDOWS) {
        // convert slashes on Windows
        p = p.replace(/\//g, '\\');
        // remove redundant slashes
        return p.replace(/\\\\+/g, '\\');
    }
    // remove redundant slashes
    return p.replace(/\/\/+/g, '/');
}
// on Mac/Linux, test the execute bit
//     R   W  X  R  W X R W X
//   256 128 64 32 16 8 4 2 1
function isUnixExecutable(stats) {
    return ((stats.mode & 1) > 0 ||
        ((stats.mode & 8) > 0 &&
            process.getgid !== undefined &&
            stats.gid === process.getgid()) ||
        ((stats.mode & 64) > 0 &&
            process.getuid !== undefined &&
            stats.uid === process.getuid()));
}
// Get the path of cmd.exe in windows
function getCmdPath() {
    var _a;
    return (_a = process.env['COMSPEC']) !== null && _a !== void 0 ? _a : `cmd.exe`;
}
//# sourceMappingURL=io-util.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/io/lib/io.js
var io_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};



/**
 * Copies a file or folder.
 * Based off of shelljs - https://github.com/shelljs/shelljs/blob/9237f66c52e5daa40458f94f9565e18e8132f5a6/src/cp.js
 *
 * @param     source    source path
 * @param     dest      destination path
 * @param     options   optional. See CopyOptions.
 */
function cp(source_1, dest_1) {
    return io_awaiter(this, arguments, void 0, function* (source, dest, options = {}) {
        const { force, recursive, copySourceDirectory } = readCopyOptions(options);
        const destStat = (yield ioUtil.exists(dest)) ? yield ioUtil.stat(dest) : null;
        // Dest is an existing file, but not forcing
        if (destStat && destStat.isFile() && !force) {
            return;
        }
        // If dest is an existing directory, should copy inside.
        const newDest = destStat && destStat.isDirectory() && copySourceDirectory
            ? path.join(dest, path.basename(source))
            : dest;
        if (!(yield ioUtil.exists(source))) {
            throw new Error(`no such file or directory: ${source}`);
        }
        const sourceStat = yield ioUtil.stat(source);
        if (sourceStat.isDirectory()) {
            if (!recursive) {
                throw new Error(`Failed to copy. ${source} is a directory, but tried to copy without recursive flag.`);
            }
            else {
                yield cpDirRecursive(source, newDest, 0, force);
            }
        }
        else {
            if (path.relative(source, newDest) === '') {
                // a file cannot be copied to itself
                throw new Error(`'${newDest}' and '${source}' are the same file`);
            }
            yield io_copyFile(source, newDest, force);
        }
    });
}
/**
 * Moves a path.
 *
 * @param     source    source path
 * @param     dest      destination path
 * @param     options   optional. See MoveOptions.
 */
function mv(source_1, dest_1) {
    return io_awaiter(this, arguments, void 0, function* (source, dest, options = {}) {
        if (yield ioUtil.exists(dest)) {
            let destExists = true;
            if (yield ioUtil.isDirectory(dest)) {
                // If dest is directory copy src into dest
                dest = path.join(dest, path.basename(source));
                destExists = yield ioUtil.exists(dest);
            }
            if (destExists) {
                if (options.force == null || options.force) {
                    yield rmRF(dest);
                }
                else {
                    throw new Error('Destination already exists');
                }
            }
        }
        yield mkdirP(path.dirname(dest));
        yield ioUtil.rename(source, dest);
    });
}
/**
 * Remove a path recursively with force
 *
 * @param inputPath path to remove
 */
function rmRF(inputPath) {
    return io_awaiter(this, void 0, void 0, function* () {
        if (ioUtil.IS_WINDOWS) {
            // Check for invalid characters
            // https://docs.microsoft.com/en-us/windows/win32/fileio/naming-a-file
            if (/[*"<>|]/.test(inputPath)) {
                throw new Error('File path must not contain `*`, `"`, `<`, `>` or `|` on Windows');
            }
        }
        try {
            // note if path does not exist, error is silent
            yield ioUtil.rm(inputPath, {
                force: true,
                maxRetries: 3,
                recursive: true,
                retryDelay: 300
            });
        }
        catch (err) {
            throw new Error(`File was unable to be removed ${err}`);
        }
    });
}
/**
 * Make a directory.  Creates the full path with folders in between
 * Will throw if it fails
 *
 * @param   fsPath        path to create
 * @returns Promise<void>
 */
function mkdirP(fsPath) {
    return io_awaiter(this, void 0, void 0, function* () {
        ok(fsPath, 'a path argument must be provided');
        yield ioUtil.mkdir(fsPath, { recursive: true });
    });
}
/**
 * Returns path of a tool had the tool actually been invoked.  Resolves via paths.
 * If you check and the tool does not exist, it will throw.
 *
 * @param     tool              name of the tool
 * @param     check             whether to check if tool exists
 * @returns   Promise<string>   path to tool
 */
function which(tool, check) {
    return io_awaiter(this, void 0, void 0, function* () {
        if (!tool) {
            throw new Error("parameter 'tool' is required");
        }
        // recursive when check=true
        if (check) {
            const result = yield which(tool, false);
            if (!result) {
                if (IS_WINDOWS) {
                    throw new Error(`Unable to locate executable file: ${tool}. Please verify either the file path exists or the file can be found within a directory specified by the PATH environment variable. Also verify the file has a valid extension for an executable file.`);
                }
                else {
                    throw new Error(`Unable to locate executable file: ${tool}. Please verify either the file path exists or the file can be found within a directory specified by the PATH environment variable. Also check the file mode to verify the file is executable.`);
                }
            }
            return result;
        }
        const matches = yield findInPath(tool);
        if (matches && matches.length > 0) {
            return matches[0];
        }
        return '';
    });
}
/**
 * Returns a list of all occurrences of the given tool on the system path.
 *
 * @returns   Promise<string[]>  the paths of the tool
 */
function findInPath(tool) {
    return io_awaiter(this, void 0, void 0, function* () {
        if (!tool) {
            throw new Error("parameter 'tool' is required");
        }
        // build the list of extensions to try
        const extensions = [];
        if (IS_WINDOWS && process.env['PATHEXT']) {
            for (const extension of process.env['PATHEXT'].split(external_path_namespaceObject.delimiter)) {
                if (extension) {
                    extensions.push(extension);
                }
            }
        }
        // if it's rooted, return it if exists. otherwise return empty.
        if (isRooted(tool)) {
            const filePath = yield tryGetExecutablePath(tool, extensions);
            if (filePath) {
                return [filePath];
            }
            return [];
        }
        // if any path separators, return empty
        if (tool.includes(external_path_namespaceObject.sep)) {
            return [];
        }
        // build the list of directories
        //
        // Note, technically "where" checks the current directory on Windows. From a toolkit perspective,
        // it feels like we should not do this. Checking the current directory seems like more of a use
        // case of a shell, and the which() function exposed by the toolkit should strive for consistency
        // across platforms.
        const directories = [];
        if (process.env.PATH) {
            for (const p of process.env.PATH.split(external_path_namespaceObject.delimiter)) {
                if (p) {
                    directories.push(p);
                }
            }
        }
        // find all matches
        const matches = [];
        for (const directory of directories) {
            const filePath = yield tryGetExecutablePath(external_path_namespaceObject.join(directory, tool), extensions);
            if (filePath) {
                matches.push(filePath);
            }
        }
        return matches;
    });
}
function readCopyOptions(options) {
    const force = options.force == null ? true : options.force;
    const recursive = Boolean(options.recursive);
    const copySourceDirectory = options.copySourceDirectory == null
        ? true
        : Boolean(options.copySourceDirectory);
    return { force, recursive, copySourceDirectory };
}
function cpDirRecursive(sourceDir, destDir, currentDepth, force) {
    return io_awaiter(this, void 0, void 0, function* () {
        // Ensure there is not a run away recursive copy
        if (currentDepth >= 255)
            return;
        currentDepth++;
        yield mkdirP(destDir);
        const files = yield ioUtil.readdir(sourceDir);
        for (const fileName of files) {
            const srcFile = `${sourceDir}/${fileName}`;
            const destFile = `${destDir}/${fileName}`;
            const srcFileStat = yield ioUtil.lstat(srcFile);
            if (srcFileStat.isDirectory()) {
                // Recurse
                yield cpDirRecursive(srcFile, destFile, currentDepth, force);
            }
            else {
                yield io_copyFile(srcFile, destFile, force);
            }
        }
        // Change the mode for the newly created directory
        yield ioUtil.chmod(destDir, (yield ioUtil.stat(sourceDir)).mode);
    });
}
// Buffered file copy
function io_copyFile(srcFile, destFile, force) {
    return io_awaiter(this, void 0, void 0, function* () {
        if ((yield ioUtil.lstat(srcFile)).isSymbolicLink()) {
            // unlink/re-link it
            try {
                yield ioUtil.lstat(destFile);
                yield ioUtil.unlink(destFile);
            }
            catch (e) {
                // Try to override file permission
                if (e.code === 'EPERM') {
                    yield ioUtil.chmod(destFile, '0666');
                    yield ioUtil.unlink(destFile);
                }
                // other errors = it doesn't exist, no work to do
            }
            // Copy over symlink
            const symlinkFull = yield ioUtil.readlink(srcFile);
            yield ioUtil.symlink(symlinkFull, destFile, ioUtil.IS_WINDOWS ? 'junction' : null);
        }
        else if (!(yield ioUtil.exists(destFile)) || force) {
            yield ioUtil.copyFile(srcFile, destFile);
        }
    });
}
//# sourceMappingURL=io.js.map
;// CONCATENATED MODULE: external "timers"
const external_timers_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("timers");
;// CONCATENATED MODULE: ./node_modules/@actions/exec/lib/toolrunner.js
var toolrunner_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};







/* eslint-disable @typescript-eslint/unbound-method */
const toolrunner_IS_WINDOWS = process.platform === 'win32';
/*
 * Class for running command line tools. Handles quoting and arg parsing in a platform agnostic way.
 */
class ToolRunner extends external_events_.EventEmitter {
    constructor(toolPath, args, options) {
        super();
        if (!toolPath) {
            throw new Error("Parameter 'toolPath' cannot be null or empty.");
        }
        this.toolPath = toolPath;
        this.args = args || [];
        this.options = options || {};
    }
    _debug(message) {
        if (this.options.listeners && this.options.listeners.debug) {
            this.options.listeners.debug(message);
        }
    }
    _getCommandString(options, noPrefix) {
        const toolPath = this._getSpawnFileName();
        const args = this._getSpawnArgs(options);
        let cmd = noPrefix ? '' : '[command]'; // omit prefix when piped to a second tool
        if (toolrunner_IS_WINDOWS) {
            // Windows + cmd file
            if (this._isCmdFile()) {
                cmd += toolPath;
                for (const a of args) {
                    cmd += ` ${a}`;
                }
            }
            // Windows + verbatim
            else if (options.windowsVerbatimArguments) {
                cmd += `"${toolPath}"`;
                for (const a of args) {
                    cmd += ` ${a}`;
                }
            }
            // Windows (regular)
            else {
                cmd += this._windowsQuoteCmdArg(toolPath);
                for (const a of args) {
                    cmd += ` ${this._windowsQuoteCmdArg(a)}`;
                }
            }
        }
        else {
            // OSX/Linux - this can likely be improved with some form of quoting.
            // creating processes on Unix is fundamentally different than Windows.
            // on Unix, execvp() takes an arg array.
            cmd += toolPath;
            for (const a of args) {
                cmd += ` ${a}`;
            }
        }
        return cmd;
    }
    _processLineBuffer(data, strBuffer, onLine) {
        try {
            let s = strBuffer + data.toString();
            let n = s.indexOf(external_os_namespaceObject.EOL);
            while (n > -1) {
                const line = s.substring(0, n);
                onLine(line);
                // the rest of the string ...
                s = s.substring(n + external_os_namespaceObject.EOL.length);
                n = s.indexOf(external_os_namespaceObject.EOL);
            }
            return s;
        }
        catch (err) {
            // streaming lines to console is best effort.  Don't fail a build.
            this._debug(`error processing line. Failed with error ${err}`);
            return '';
        }
    }
    _getSpawnFileName() {
        if (toolrunner_IS_WINDOWS) {
            if (this._isCmdFile()) {
                return process.env['COMSPEC'] || 'cmd.exe';
            }
        }
        return this.toolPath;
    }
    _getSpawnArgs(options) {
        if (toolrunner_IS_WINDOWS) {
            if (this._isCmdFile()) {
                let argline = `/D /S /C "${this._windowsQuoteCmdArg(this.toolPath)}`;
                for (const a of this.args) {
                    argline += ' ';
                    argline += options.windowsVerbatimArguments
                        ? a
                        : this._windowsQuoteCmdArg(a);
                }
                argline += '"';
                return [argline];
            }
        }
        return this.args;
    }
    _endsWith(str, end) {
        return str.endsWith(end);
    }
    _isCmdFile() {
        const upperToolPath = this.toolPath.toUpperCase();
        return (this._endsWith(upperToolPath, '.CMD') ||
            this._endsWith(upperToolPath, '.BAT'));
    }
    _windowsQuoteCmdArg(arg) {
        // for .exe, apply the normal quoting rules that libuv applies
        if (!this._isCmdFile()) {
            return this._uvQuoteCmdArg(arg);
        }
        // otherwise apply quoting rules specific to the cmd.exe command line parser.
        // the libuv rules are generic and are not designed specifically for cmd.exe
        // command line parser.
        //
        // for a detailed description of the cmd.exe command line parser, refer to
        // http://stackoverflow.com/questions/4094699/how-does-the-windows-command-interpreter-cmd-exe-parse-scripts/7970912#7970912
        // need quotes for empty arg
        if (!arg) {
            return '""';
        }
        // determine whether the arg needs to be quoted
        const cmdSpecialChars = [
            ' ',
            '\t',
            '&',
            '(',
            ')',
            '[',
            ']',
            '{',
            '}',
            '^',
            '=',
            ';',
            '!',
            "'",
            '+',
            ',',
            '`',
            '~',
            '|',
            '<',
            '>',
            '"'
        ];
        let needsQuotes = false;
        for (const char of arg) {
            if (cmdSpecialChars.some(x => x === char)) {
                needsQuotes = true;
                break;
            }
        }
        // short-circuit if quotes not needed
        if (!needsQuotes) {
            return arg;
        }
        // the following quoting rules are very similar to the rules that by libuv applies.
        //
        // 1) wrap the string in quotes
        //
        // 2) double-up quotes - i.e. " => ""
        //
        //    this is different from the libuv quoting rules. libuv replaces " with \", which unfortunately
        //    doesn't work well with a cmd.exe command line.
        //
        //    note, replacing " with "" also works well if the arg is passed to a downstream .NET console app.
        //    for example, the command line:
        //          foo.exe "myarg:""my val"""
        //    is parsed by a .NET console app into an arg array:
        //          [ "myarg:\"my val\"" ]
        //    which is the same end result when applying libuv quoting rules. although the actual
        //    command line from libuv quoting rules would look like:
        //          foo.exe "myarg:\"my val\""
        //
        // 3) double-up slashes that precede a quote,
        //    e.g.  hello \world    => "hello \world"
        //          hello\"world    => "hello\\""world"
        //          hello\\"world   => "hello\\\\""world"
        //          hello world\    => "hello world\\"
        //
        //    technically this is not required for a cmd.exe command line, or the batch argument parser.
        //    the reasons for including this as a .cmd quoting rule are:
        //
        //    a) this is optimized for the scenario where the argument is passed from the .cmd file to an
        //       external program. many programs (e.g. .NET console apps) rely on the slash-doubling rule.
        //
        //    b) it's what we've been doing previously (by deferring to node default behavior) and we
        //       haven't heard any complaints about that aspect.
        //
        // note, a weakness of the quoting rules chosen here, is that % is not escaped. in fact, % cannot be
        // escaped when used on the command line directly - even though within a .cmd file % can be escaped
        // by using %%.
        //
        // the saving grace is, on the command line, %var% is left as-is if var is not defined. this contrasts
        // the line parsing rules within a .cmd file, where if var is not defined it is replaced with nothing.
        //
        // one option that was explored was replacing % with ^% - i.e. %var% => ^%var^%. this hack would
        // often work, since it is unlikely that var^ would exist, and the ^ character is removed when the
        // variable is used. the problem, however, is that ^ is not removed when %* is used to pass the args
        // to an external program.
        //
        // an unexplored potential solution for the % escaping problem, is to create a wrapper .cmd file.
        // % can be escaped within a .cmd file.
        let reverse = '"';
        let quoteHit = true;
        for (let i = arg.length; i > 0; i--) {
            // walk the string in reverse
            reverse += arg[i - 1];
            if (quoteHit && arg[i - 1] === '\\') {
                reverse += '\\'; // double the slash
            }
            else if (arg[i - 1] === '"') {
                quoteHit = true;
                reverse += '"'; // double the quote
            }
            else {
                quoteHit = false;
            }
        }
        reverse += '"';
        return reverse.split('').reverse().join('');
    }
    _uvQuoteCmdArg(arg) {
        // Tool runner wraps child_process.spawn() and needs to apply the same quoting as
        // Node in certain cases where the undocumented spawn option windowsVerbatimArguments
        // is used.
        //
        // Since this function is a port of quote_cmd_arg from Node 4.x (technically, lib UV,
        // see https://github.com/nodejs/node/blob/v4.x/deps/uv/src/win/process.c for details),
        // pasting copyright notice from Node within this function:
        //
        //      Copyright Joyent, Inc. and other Node contributors. All rights reserved.
        //
        //      Permission is hereby granted, free of charge, to any person obtaining a copy
        //      of this software and associated documentation files (the "Software"), to
        //      deal in the Software without restriction, including without limitation the
        //      rights to use, copy, modify, merge, publish, distribute, sublicense, and/or
        //      sell copies of the Software, and to permit persons to whom the Software is
        //      furnished to do so, subject to the following conditions:
        //
        //      The above copyright notice and this permission notice shall be included in
        //      all copies or substantial portions of the Software.
        //
        //      THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
        //      IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
        //      FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
        //      AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
        //      LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING
        //      FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS
        //      IN THE SOFTWARE.
        if (!arg) {
            // Need double quotation for empty argument
            return '""';
        }
        if (!arg.includes(' ') && !arg.includes('\t') && !arg.includes('"')) {
            // No quotation needed
            return arg;
        }
        if (!arg.includes('"') && !arg.includes('\\')) {
            // No embedded double quotes or backslashes, so I can just wrap
            // quote marks around the whole thing.
            return `"${arg}"`;
        }
        // Expected input/output:
        //   input : hello"world
        //   output: "hello\"world"
        //   input : hello""world
        //   output: "hello\"\"world"
        //   input : hello\world
        //   output: hello\world
        //   input : hello\\world
        //   output: hello\\world
        //   input : hello\"world
        //   output: "hello\\\"world"
        //   input : hello\\"world
        //   output: "hello\\\\\"world"
        //   input : hello world\
        //   output: "hello world\\" - note the comment in libuv actually reads "hello world\"
        //                             but it appears the comment is wrong, it should be "hello world\\"
        let reverse = '"';
        let quoteHit = true;
        for (let i = arg.length; i > 0; i--) {
            // walk the string in reverse
            reverse += arg[i - 1];
            if (quoteHit && arg[i - 1] === '\\') {
                reverse += '\\';
            }
            else if (arg[i - 1] === '"') {
                quoteHit = true;
                reverse += '\\';
            }
            else {
                quoteHit = false;
            }
        }
        reverse += '"';
        return reverse.split('').reverse().join('');
    }
    _cloneExecOptions(options) {
        options = options || {};
        const result = {
            cwd: options.cwd || process.cwd(),
            env: options.env || process.env,
            silent: options.silent || false,
            windowsVerbatimArguments: options.windowsVerbatimArguments || false,
            failOnStdErr: options.failOnStdErr || false,
            ignoreReturnCode: options.ignoreReturnCode || false,
            delay: options.delay || 10000
        };
        result.outStream = options.outStream || process.stdout;
        result.errStream = options.errStream || process.stderr;
        return result;
    }
    _getSpawnOptions(options, toolPath) {
        options = options || {};
        const result = {};
        result.cwd = options.cwd;
        result.env = options.env;
        result['windowsVerbatimArguments'] =
            options.windowsVerbatimArguments || this._isCmdFile();
        if (options.windowsVerbatimArguments) {
            result.argv0 = `"${toolPath}"`;
        }
        return result;
    }
    /**
     * Exec a tool.
     * Output will be streamed to the live console.
     * Returns promise with return code
     *
     * @param     tool     path to tool to exec
     * @param     options  optional exec options.  See ExecOptions
     * @returns   number
     */
    exec() {
        return toolrunner_awaiter(this, void 0, void 0, function* () {
            // root the tool path if it is unrooted and contains relative pathing
            if (!isRooted(this.toolPath) &&
                (this.toolPath.includes('/') ||
                    (toolrunner_IS_WINDOWS && this.toolPath.includes('\\')))) {
                // prefer options.cwd if it is specified, however options.cwd may also need to be rooted
                this.toolPath = external_path_namespaceObject.resolve(process.cwd(), this.options.cwd || process.cwd(), this.toolPath);
            }
            // if the tool is only a file name, then resolve it from the PATH
            // otherwise verify it exists (add extension on Windows if necessary)
            this.toolPath = yield which(this.toolPath, true);
            return new Promise((resolve, reject) => toolrunner_awaiter(this, void 0, void 0, function* () {
                this._debug(`exec tool: ${this.toolPath}`);
                this._debug('arguments:');
                for (const arg of this.args) {
                    this._debug(`   ${arg}`);
                }
                const optionsNonNull = this._cloneExecOptions(this.options);
                if (!optionsNonNull.silent && optionsNonNull.outStream) {
                    optionsNonNull.outStream.write(this._getCommandString(optionsNonNull) + external_os_namespaceObject.EOL);
                }
                const state = new ExecState(optionsNonNull, this.toolPath);
                state.on('debug', (message) => {
                    this._debug(message);
                });
                if (this.options.cwd && !(yield exists(this.options.cwd))) {
                    return reject(new Error(`The cwd: ${this.options.cwd} does not exist!`));
                }
                const fileName = this._getSpawnFileName();
                const cp = external_child_process_namespaceObject.spawn(fileName, this._getSpawnArgs(optionsNonNull), this._getSpawnOptions(this.options, fileName));
                let stdbuffer = '';
                if (cp.stdout) {
                    cp.stdout.on('data', (data) => {
                        if (this.options.listeners && this.options.listeners.stdout) {
                            this.options.listeners.stdout(data);
                        }
                        if (!optionsNonNull.silent && optionsNonNull.outStream) {
                            optionsNonNull.outStream.write(data);
                        }
                        stdbuffer = this._processLineBuffer(data, stdbuffer, (line) => {
                            if (this.options.listeners && this.options.listeners.stdline) {
                                this.options.listeners.stdline(line);
                            }
                        });
                    });
                }
                let errbuffer = '';
                if (cp.stderr) {
                    cp.stderr.on('data', (data) => {
                        state.processStderr = true;
                        if (this.options.listeners && this.options.listeners.stderr) {
                            this.options.listeners.stderr(data);
                        }
                        if (!optionsNonNull.silent &&
                            optionsNonNull.errStream &&
                            optionsNonNull.outStream) {
                            const s = optionsNonNull.failOnStdErr
                                ? optionsNonNull.errStream
                                : optionsNonNull.outStream;
                            s.write(data);
                        }
                        errbuffer = this._processLineBuffer(data, errbuffer, (line) => {
                            if (this.options.listeners && this.options.listeners.errline) {
                                this.options.listeners.errline(line);
                            }
                        });
                    });
                }
                cp.on('error', (err) => {
                    state.processError = err.message;
                    state.processExited = true;
                    state.processClosed = true;
                    state.CheckComplete();
                });
                cp.on('exit', (code) => {
                    state.processExitCode = code;
                    state.processExited = true;
                    this._debug(`Exit code ${code} received from tool '${this.toolPath}'`);
                    state.CheckComplete();
                });
                cp.on('close', (code) => {
                    state.processExitCode = code;
                    state.processExited = true;
                    state.processClosed = true;
                    this._debug(`STDIO streams have closed for tool '${this.toolPath}'`);
                    state.CheckComplete();
                });
                state.on('done', (error, exitCode) => {
                    if (stdbuffer.length > 0) {
                        this.emit('stdline', stdbuffer);
                    }
                    if (errbuffer.length > 0) {
                        this.emit('errline', errbuffer);
                    }
                    cp.removeAllListeners();
                    if (error) {
                        reject(error);
                    }
                    else {
                        resolve(exitCode);
                    }
                });
                if (this.options.input) {
                    if (!cp.stdin) {
                        throw new Error('child process missing stdin');
                    }
                    cp.stdin.end(this.options.input);
                }
            }));
        });
    }
}
/**
 * Convert an arg string to an array of args. Handles escaping
 *
 * @param    argString   string of arguments
 * @returns  string[]    array of arguments
 */
function argStringToArray(argString) {
    const args = [];
    let inQuotes = false;
    let escaped = false;
    let arg = '';
    function append(c) {
        // we only escape double quotes.
        if (escaped && c !== '"') {
            arg += '\\';
        }
        arg += c;
        escaped = false;
    }
    for (let i = 0; i < argString.length; i++) {
        const c = argString.charAt(i);
        if (c === '"') {
            if (!escaped) {
                inQuotes = !inQuotes;
            }
            else {
                append(c);
            }
            continue;
        }
        if (c === '\\' && escaped) {
            append(c);
            continue;
        }
        if (c === '\\' && inQuotes) {
            escaped = true;
            continue;
        }
        if (c === ' ' && !inQuotes) {
            if (arg.length > 0) {
                args.push(arg);
                arg = '';
            }
            continue;
        }
        append(c);
    }
    if (arg.length > 0) {
        args.push(arg.trim());
    }
    return args;
}
class ExecState extends external_events_.EventEmitter {
    constructor(options, toolPath) {
        super();
        this.processClosed = false; // tracks whether the process has exited and stdio is closed
        this.processError = '';
        this.processExitCode = 0;
        this.processExited = false; // tracks whether the process has exited
        this.processStderr = false; // tracks whether stderr was written to
        this.delay = 10000; // 10 seconds
        this.done = false;
        this.timeout = null;
        if (!toolPath) {
            throw new Error('toolPath must not be empty');
        }
        this.options = options;
        this.toolPath = toolPath;
        if (options.delay) {
            this.delay = options.delay;
        }
    }
    CheckComplete() {
        if (this.done) {
            return;
        }
        if (this.processClosed) {
            this._setResult();
        }
        else if (this.processExited) {
            this.timeout = (0,external_timers_namespaceObject.setTimeout)(ExecState.HandleTimeout, this.delay, this);
        }
    }
    _debug(message) {
        this.emit('debug', message);
    }
    _setResult() {
        // determine whether there is an error
        let error;
        if (this.processExited) {
            if (this.processError) {
                error = new Error(`There was an error when attempting to execute the process '${this.toolPath}'. This may indicate the process failed to start. Error: ${this.processError}`);
            }
            else if (this.processExitCode !== 0 && !this.options.ignoreReturnCode) {
                error = new Error(`The process '${this.toolPath}' failed with exit code ${this.processExitCode}`);
            }
            else if (this.processStderr && this.options.failOnStdErr) {
                error = new Error(`The process '${this.toolPath}' failed because one or more lines were written to the STDERR stream`);
            }
        }
        // clear the timeout
        if (this.timeout) {
            clearTimeout(this.timeout);
            this.timeout = null;
        }
        this.done = true;
        this.emit('done', error, this.processExitCode);
    }
    static HandleTimeout(state) {
        if (state.done) {
            return;
        }
        if (!state.processClosed && state.processExited) {
            const message = `The STDIO streams did not close within ${state.delay / 1000} seconds of the exit event from process '${state.toolPath}'. This may indicate a child process inherited the STDIO streams and has not yet exited.`;
            state._debug(message);
        }
        state._setResult();
    }
}
//# sourceMappingURL=toolrunner.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/exec/lib/exec.js
var exec_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};


/**
 * Exec a command.
 * Output will be streamed to the live console.
 * Returns promise with return code
 *
 * @param     commandLine        command to execute (can include additional args). Must be correctly escaped.
 * @param     args               optional arguments for tool. Escaping is handled by the lib.
 * @param     options            optional exec options.  See ExecOptions
 * @returns   Promise<number>    exit code
 */
function exec_exec(commandLine, args, options) {
    return exec_awaiter(this, void 0, void 0, function* () {
        const commandArgs = tr.argStringToArray(commandLine);
        if (commandArgs.length === 0) {
            throw new Error(`Parameter 'commandLine' cannot be null or empty.`);
        }
        // Path to tool to execute should be first arg
        const toolPath = commandArgs[0];
        args = commandArgs.slice(1).concat(args || []);
        const runner = new tr.ToolRunner(toolPath, args, options);
        return runner.exec();
    });
}
/**
 * Exec a command and get the output.
 * Output will be streamed to the live console.
 * Returns promise with the exit code and collected stdout and stderr
 *
 * @param     commandLine           command to execute (can include additional args). Must be correctly escaped.
 * @param     args                  optional arguments for tool. Escaping is handled by the lib.
 * @param     options               optional exec options.  See ExecOptions
 * @returns   Promise<ExecOutput>   exit code, stdout, and stderr
 */
function getExecOutput(commandLine, args, options) {
    return exec_awaiter(this, void 0, void 0, function* () {
        var _a, _b;
        let stdout = '';
        let stderr = '';
        //Using string decoder covers the case where a mult-byte character is split
        const stdoutDecoder = new StringDecoder('utf8');
        const stderrDecoder = new StringDecoder('utf8');
        const originalStdoutListener = (_a = options === null || options === void 0 ? void 0 : options.listeners) === null || _a === void 0 ? void 0 : _a.stdout;
        const originalStdErrListener = (_b = options === null || options === void 0 ? void 0 : options.listeners) === null || _b === void 0 ? void 0 : _b.stderr;
        const stdErrListener = (data) => {
            stderr += stderrDecoder.write(data);
            if (originalStdErrListener) {
                originalStdErrListener(data);
            }
        };
        const stdOutListener = (data) => {
            stdout += stdoutDecoder.write(data);
            if (originalStdoutListener) {
                originalStdoutListener(data);
            }
        };
        const listeners = Object.assign(Object.assign({}, options === null || options === void 0 ? void 0 : options.listeners), { stdout: stdOutListener, stderr: stdErrListener });
        const exitCode = yield exec_exec(commandLine, args, Object.assign(Object.assign({}, options), { listeners }));
        //flush any remaining characters
        stdout += stdoutDecoder.end();
        stderr += stderrDecoder.end();
        return {
            exitCode,
            stdout,
            stderr
        };
    });
}
//# sourceMappingURL=exec.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/platform.js
var platform_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};


const getWindowsInfo = () => platform_awaiter(void 0, void 0, void 0, function* () {
    const { stdout: version } = yield exec.getExecOutput('powershell -command "(Get-CimInstance -ClassName Win32_OperatingSystem).Version"', undefined, {
        silent: true
    });
    const { stdout: name } = yield exec.getExecOutput('powershell -command "(Get-CimInstance -ClassName Win32_OperatingSystem).Caption"', undefined, {
        silent: true
    });
    return {
        name: name.trim(),
        version: version.trim()
    };
});
const getMacOsInfo = () => platform_awaiter(void 0, void 0, void 0, function* () {
    var _a, _b, _c, _d;
    const { stdout } = yield exec.getExecOutput('sw_vers', undefined, {
        silent: true
    });
    const version = (_b = (_a = stdout.match(/ProductVersion:\s*(.+)/)) === null || _a === void 0 ? void 0 : _a[1]) !== null && _b !== void 0 ? _b : '';
    const name = (_d = (_c = stdout.match(/ProductName:\s*(.+)/)) === null || _c === void 0 ? void 0 : _c[1]) !== null && _d !== void 0 ? _d : '';
    return {
        name,
        version
    };
});
const getLinuxInfo = () => platform_awaiter(void 0, void 0, void 0, function* () {
    const { stdout } = yield exec.getExecOutput('lsb_release', ['-i', '-r', '-s'], {
        silent: true
    });
    const [name, version] = stdout.trim().split('\n');
    return {
        name,
        version
    };
});
const platform = external_os_namespaceObject.platform();
const arch = external_os_namespaceObject.arch();
const isWindows = platform === 'win32';
const isMacOS = platform === 'darwin';
const isLinux = platform === 'linux';
function getDetails() {
    return platform_awaiter(this, void 0, void 0, function* () {
        return Object.assign(Object.assign({}, (yield (isWindows
            ? getWindowsInfo()
            : isMacOS
                ? getMacOsInfo()
                : getLinuxInfo()))), { platform,
            arch,
            isWindows,
            isMacOS,
            isLinux });
    });
}
//# sourceMappingURL=platform.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/core/lib/core.js
var core_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};






/**
 * The code to exit an action
 */
var ExitCode;
(function (ExitCode) {
    /**
     * A code indicating that the action was successful
     */
    ExitCode[ExitCode["Success"] = 0] = "Success";
    /**
     * A code indicating that the action was a failure
     */
    ExitCode[ExitCode["Failure"] = 1] = "Failure";
})(ExitCode || (ExitCode = {}));
//-----------------------------------------------------------------------
// Variables
//-----------------------------------------------------------------------
/**
 * Sets env variable for this action and future actions in the job
 * @param name the name of the variable to set
 * @param val the value of the variable. Non-string values will be converted to a string via JSON.stringify
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function exportVariable(name, val) {
    const convertedVal = toCommandValue(val);
    process.env[name] = convertedVal;
    const filePath = process.env['GITHUB_ENV'] || '';
    if (filePath) {
        return file_command_issueFileCommand('ENV', prepareKeyValueMessage(name, val));
    }
    command_issueCommand('set-env', { name }, convertedVal);
}
/**
 * Registers a secret which will get masked from logs
 *
 * @param secret - Value of the secret to be masked
 * @remarks
 * This function instructs the Actions runner to mask the specified value in any
 * logs produced during the workflow run. Once registered, the secret value will
 * be replaced with asterisks (***) whenever it appears in console output, logs,
 * or error messages.
 *
 * This is useful for protecting sensitive information such as:
 * - API keys
 * - Access tokens
 * - Authentication credentials
 * - URL parameters containing signatures (SAS tokens)
 *
 * Note that masking only affects future logs; any previous appearances of the
 * secret in logs before calling this function will remain unmasked.
 *
 * @example
 * ```typescript
 * // Register an API token as a secret
 * const apiToken = "abc123xyz456";
 * setSecret(apiToken);
 *
 * // Now any logs containing this value will show *** instead
 * console.log(`Using token: ${apiToken}`); // Outputs: "Using token: ***"
 * ```
 */
function core_setSecret(secret) {
    command_issueCommand('add-mask', {}, secret);
}
/**
 * Prepends inputPath to the PATH (for this action and future actions)
 * @param inputPath
 */
function addPath(inputPath) {
    const filePath = process.env['GITHUB_PATH'] || '';
    if (filePath) {
        issueFileCommand('PATH', inputPath);
    }
    else {
        issueCommand('add-path', {}, inputPath);
    }
    process.env['PATH'] = `${inputPath}${path.delimiter}${process.env['PATH']}`;
}
/**
 * Gets the value of an input.
 * Unless trimWhitespace is set to false in InputOptions, the value is also trimmed.
 * Returns an empty string if the value is not defined.
 *
 * @param     name     name of the input to get
 * @param     options  optional. See InputOptions.
 * @returns   string
 */
function getInput(name, options) {
    const val = process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] || '';
    if (options && options.required && !val) {
        throw new Error(`Input required and not supplied: ${name}`);
    }
    if (options && options.trimWhitespace === false) {
        return val;
    }
    return val.trim();
}
/**
 * Gets the values of an multiline input.  Each value is also trimmed.
 *
 * @param     name     name of the input to get
 * @param     options  optional. See InputOptions.
 * @returns   string[]
 *
 */
function getMultilineInput(name, options) {
    const inputs = getInput(name, options)
        .split('\n')
        .filter(x => x !== '');
    if (options && options.trimWhitespace === false) {
        return inputs;
    }
    return inputs.map(input => input.trim());
}
/**
 * Gets the input value of the boolean type in the YAML 1.2 "core schema" specification.
 * Support boolean input list: `true | True | TRUE | false | False | FALSE` .
 * The return value is also in boolean type.
 * ref: https://yaml.org/spec/1.2/spec.html#id2804923
 *
 * @param     name     name of the input to get
 * @param     options  optional. See InputOptions.
 * @returns   boolean
 */
function getBooleanInput(name, options) {
    const trueValue = ['true', 'True', 'TRUE'];
    const falseValue = ['false', 'False', 'FALSE'];
    const val = getInput(name, options);
    if (trueValue.includes(val))
        return true;
    if (falseValue.includes(val))
        return false;
    throw new TypeError(`Input does not meet YAML 1.2 "Core Schema" specification: ${name}\n` +
        `Support boolean input list: \`true | True | TRUE | false | False | FALSE\``);
}
/**
 * Sets the value of an output.
 *
 * @param     name     name of the output to set
 * @param     value    value to store. Non-string values will be converted to a string via JSON.stringify
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function setOutput(name, value) {
    const filePath = process.env['GITHUB_OUTPUT'] || '';
    if (filePath) {
        return file_command_issueFileCommand('OUTPUT', prepareKeyValueMessage(name, value));
    }
    process.stdout.write(external_os_namespaceObject.EOL);
    command_issueCommand('set-output', { name }, toCommandValue(value));
}
/**
 * Enables or disables the echoing of commands into stdout for the rest of the step.
 * Echoing is disabled by default if ACTIONS_STEP_DEBUG is not set.
 *
 */
function setCommandEcho(enabled) {
    issue('echo', enabled ? 'on' : 'off');
}
//-----------------------------------------------------------------------
// Results
//-----------------------------------------------------------------------
/**
 * Sets the action status to failed.
 * When the action exits it will be with an exit code of 1
 * @param message add error issue message
 */
function setFailed(message) {
    process.exitCode = ExitCode.Failure;
    error(message);
}
//-----------------------------------------------------------------------
// Logging Commands
//-----------------------------------------------------------------------
/**
 * Gets whether Actions Step Debug is on or not
 */
function isDebug() {
    return process.env['RUNNER_DEBUG'] === '1';
}
/**
 * Writes debug message to user log
 * @param message debug message
 */
function core_debug(message) {
    command_issueCommand('debug', {}, message);
}
/**
 * Adds an error issue
 * @param message error issue message. Errors will be converted to string via toString()
 * @param properties optional properties to add to the annotation.
 */
function error(message, properties = {}) {
    command_issueCommand('error', utils_toCommandProperties(properties), message instanceof Error ? message.toString() : message);
}
/**
 * Adds a warning issue
 * @param message warning issue message. Errors will be converted to string via toString()
 * @param properties optional properties to add to the annotation.
 */
function warning(message, properties = {}) {
    command_issueCommand('warning', utils_toCommandProperties(properties), message instanceof Error ? message.toString() : message);
}
/**
 * Adds a notice issue
 * @param message notice issue message. Errors will be converted to string via toString()
 * @param properties optional properties to add to the annotation.
 */
function notice(message, properties = {}) {
    issueCommand('notice', toCommandProperties(properties), message instanceof Error ? message.toString() : message);
}
/**
 * Writes info to log with console.log.
 * @param message info message
 */
function info(message) {
    process.stdout.write(message + external_os_namespaceObject.EOL);
}
/**
 * Begin an output group.
 *
 * Output until the next `groupEnd` will be foldable in this group
 *
 * @param name The name of the output group
 */
function startGroup(name) {
    issue('group', name);
}
/**
 * End an output group.
 */
function endGroup() {
    issue('endgroup');
}
/**
 * Wrap an asynchronous function call in a group.
 *
 * Returns the same type as the function itself.
 *
 * @param name The name of the group
 * @param fn The function to wrap in the group
 */
function group(name, fn) {
    return core_awaiter(this, void 0, void 0, function* () {
        startGroup(name);
        let result;
        try {
            result = yield fn();
        }
        finally {
            endGroup();
        }
        return result;
    });
}
//-----------------------------------------------------------------------
// Wrapper action state
//-----------------------------------------------------------------------
/**
 * Saves state for current action, the state can only be retrieved by this action's post job execution.
 *
 * @param     name     name of the state to store
 * @param     value    value to store. Non-string values will be converted to a string via JSON.stringify
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function saveState(name, value) {
    const filePath = process.env['GITHUB_STATE'] || '';
    if (filePath) {
        return file_command_issueFileCommand('STATE', prepareKeyValueMessage(name, value));
    }
    command_issueCommand('save-state', { name }, toCommandValue(value));
}
/**
 * Gets the value of an state set by this action's main execution.
 *
 * @param     name     name of the state to get
 * @returns   string
 */
function getState(name) {
    return process.env[`STATE_${name}`] || '';
}
function getIDToken(aud) {
    return core_awaiter(this, void 0, void 0, function* () {
        return yield OidcClient.getIDToken(aud);
    });
}
/**
 * Summary exports
 */

/**
 * @deprecated use core.summary
 */

/**
 * Path exports
 */

/**
 * Platform utilities exports
 */

//# sourceMappingURL=core.js.map
;// CONCATENATED MODULE: ./src/outputs.ts
/**
 * Everything that writes to the runner: masks, outputs, environment, state, the token file and
 * the job summary. The Runner interface wraps @actions/core so tests can record every call.
 */





/**
 * The real runner. Outputs and environment go only to the GITHUB_OUTPUT and GITHUB_ENV files:
 * @actions/core would otherwise fall back to printing them as workflow commands, values and all.
 */
function actionsRunner(env = process.env) {
    const requireFile = (variable, what) => {
        if (!env[variable]) {
            throw new ActionError(`${variable} is not set, so the action cannot ${what}: run it as a GitHub Actions step.`);
        }
    };
    return {
        setSecret: core_setSecret,
        setOutput: (name, value) => {
            requireFile('GITHUB_OUTPUT', 'set outputs');
            setOutput(name, value);
        },
        exportVariable: (name, value) => {
            requireFile('GITHUB_ENV', 'export environment variables');
            exportVariable(name, value);
        },
        saveState: (name, value) => {
            requireFile('GITHUB_STATE', 'save state for its post step');
            saveState(name, value);
        },
        getState: getState,
        info: info,
        warning: message => warning(message),
        debug: core_debug,
        setFailed: message => setFailed(message),
        appendSummary: async (markdown) => {
            await summary.addRaw(markdown, true).write();
        }
    };
}
function identityOf(token, fallback) {
    const claims = readClaims(token);
    return {
        tenantId: stringClaim(claims, 'tid') ?? fallback.tenantId,
        clientId: stringClaim(claims, 'appid') ?? stringClaim(claims, 'azp') ?? fallback.clientId,
        objectId: stringClaim(claims, 'oid')
    };
}
/** ISO 8601 in UTC with whole seconds: `2026-11-23T12:34:56Z`. */
function formatExpiry(date) {
    return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
/**
 * Writes the token to a new file, readable by its owner only. The file must not exist: opening
 * with O_EXCL never overwrites a file nor follows a planted symlink.
 */
async function writeTokenFile(file, token) {
    // A bare "EACCES: permission denied" would not say which step failed.
    const failed = (error) => withContext(`Writing token-file ${file}`, error);
    await promises_namespaceObject.mkdir(external_node_path_namespaceObject.dirname(file), { recursive: true, mode: 0o700 }).catch((error) => {
        throw failed(error);
    });
    let handle;
    try {
        handle = await promises_namespaceObject.open(file, 'wx', 0o600);
    }
    catch (error) {
        if (error.code === 'EEXIST') {
            throw new ActionError(`token-file ${file} already exists.`, 'The action writes a new file and never overwrites one: choose a path that does not exist, or delete the file first.');
        }
        throw failed(error);
    }
    try {
        await handle.writeFile(token, 'utf8');
    }
    finally {
        await handle.close();
    }
}
/** Sets the token's outputs. The token was masked when it was parsed. */
function setTokenOutputs(runner, outputs) {
    runner.setOutput('access-token', outputs.token.token);
    runner.setOutput('expires-on', formatExpiry(outputs.token.expiresOn));
    runner.setOutput('token-type', 'Bearer');
    runner.setOutput('tenant-id', outputs.identity.tenantId ?? '');
    runner.setOutput('client-id', outputs.identity.clientId ?? '');
    runner.setOutput('object-id', outputs.identity.objectId ?? '');
    runner.setOutput('auth-type', outputs.authType);
    if (outputs.tokenFile !== undefined)
        runner.setOutput('token-file', outputs.tokenFile);
}
/** The job summary: identity, resource, expiry and the names (never values) of loaded secrets. */
function summaryMarkdown(facts) {
    const cell = (text) => (text ? text.replace(/\|/g, '\\|') : '-');
    const lines = [
        '### Azure token',
        '',
        '| | |',
        '|---|---|',
        `| Credential | ${cell(facts.authType)} |`,
        `| Client ID | ${cell(facts.identity.clientId)} |`,
        `| Object ID | ${cell(facts.identity.objectId)} |`,
        `| Tenant ID | ${cell(facts.identity.tenantId)} |`,
        `| Resource | ${cell(facts.resource)} |`,
        `| Expires | ${formatExpiry(facts.expiresOn)} |`
    ];
    if (facts.secrets.length > 0) {
        lines.push('', `#### Key Vault secrets (${facts.secrets.length})`, '', '| Secret | Vault | Environment variable |', '|---|---|---|');
        for (const secret of facts.secrets) {
            lines.push(`| ${cell(secret.name)} | ${cell(secret.vault)} | ${cell(secret.envName)} |`);
        }
    }
    return `${lines.join('\n')}\n`;
}
/**
 * Sets one output per loaded secret, named like its environment variable, and exports the
 * variable when `exportEnv` is true. Called only once every secret was fetched (so a failing
 * step exports nothing), with values masked when they were parsed. An empty value is set as
 * empty, not skipped: a later step sees the variable exists.
 */
function publishSecrets(runner, secrets, exportEnv) {
    for (const secret of secrets) {
        runner.setOutput(secret.envName, secret.value);
        if (exportEnv)
            runner.exportVariable(secret.envName, secret.value);
    }
}

;// CONCATENATED MODULE: ./src/token-cache.ts

function cachedTokenSource(credential) {
    const tokens = new Map();
    return (scope, tenantId) => {
        const key = `${tenantId?.toLowerCase() ?? ''} ${scope}`;
        let token = tokens.get(key);
        if (!token) {
            token = token_cache_requestToken(credential, scope, tenantId);
            tokens.set(key, token);
        }
        return token;
    };
}
async function token_cache_requestToken(credential, scope, tenantId) {
    try {
        return await credential.getToken(scope, tenantId === undefined ? undefined : { tenantId });
    }
    catch (error) {
        const tenant = tenantId === undefined ? '' : ` in tenant ${tenantId}`;
        throw withContext(`Getting a token for ${scope}${tenant} with auth-type '${credential.kind}'`, error);
    }
}

;// CONCATENATED MODULE: ./src/main.ts
/**
 * The action's main step, top to bottom: read the inputs, pick the credential, get the token
 * (and the Key Vault token, at the same time), then hand everything to the runner.
 */











function defaultDeps() {
    const runner = actionsRunner();
    return {
        env: process.env,
        runner,
        now: Date.now,
        machine: nodeMachine(),
        http: createHttp({
            sleep: ms => new Promise(resolve => setTimeout(resolve, ms)),
            random: Math.random,
            now: Date.now,
            log: runner.info
        })
    };
}
/** Runs the main step. Never throws: a failure is reported once, with setFailed. */
async function run(deps = defaultDeps()) {
    const { runner } = deps;
    const mask = (value) => maskValue(runner.setSecret, value);
    try {
        const config = readConfig(deps.env, mask);
        const credential = await createCredential(config, {
            http: deps.http,
            now: deps.now,
            mask,
            log: runner.info,
            machine: deps.machine,
            imdsAnswers: () => probeImds(deps.http, imdsHost(config))
        });
        const tokens = cachedTokenSource(credential);
        // Key Vault starts as soon as its own token arrives, alongside the resource token (one request when they are the same).
        const [token, loaded] = await Promise.all([tokens(config.scope), loadConfiguredSecrets(config, { ...deps, mask }, tokens)]);
        const identity = identityOf(token.token, config);
        logIdentity(runner, credential, identity, config, token);
        const secrets = reportSecrets(runner, config, loaded);
        // Everything was obtained: only now does anything reach the runner's files.
        if (config.tokenFile !== undefined)
            await writeTokenFileForPost(runner, config.tokenFile, token.token);
        setTokenOutputs(runner, { token, identity, authType: credential.kind, tokenFile: config.tokenFile });
        publishSecrets(runner, secrets, config.exportEnv);
        if (config.jobSummary) {
            await runner.appendSummary(summaryMarkdown({ identity, authType: credential.kind, resource: config.resource, expiresOn: token.expiresOn, secrets }));
        }
    }
    catch (error) {
        runner.setFailed(describeError(error));
    }
    finally {
        deps.http.dispose();
    }
}
/** The `secrets` input's values, all fetched and masked, or one error listing every failure. */
async function loadConfiguredSecrets(config, deps, tokens) {
    if (config.secrets.length === 0)
        return { secrets: [], warnings: [] };
    const scope = vaultScope(config.cloud);
    // The vault token's identity names the assignee in the role assignment commands of error hints.
    const assignee = identityOf((await tokens(scope)).token, config).objectId;
    return loadSecrets(config.secrets, { http: deps.http, now: deps.now, mask: deps.mask, tokens, log: deps.runner.info }, { scope, ignoreMissing: config.ignoreMissingSecrets, assignee });
}
function reportSecrets(runner, config, loaded) {
    for (const warning of loaded.warnings)
        runner.warning(warning);
    if (config.secrets.length > 0) {
        const names = loaded.secrets.map(secret => secret.envName).join(', ') || 'none';
        runner.info(`Loaded ${loaded.secrets.length} Key Vault ${loaded.secrets.length === 1 ? 'secret' : 'secrets'}: ${names}.`);
    }
    return loaded.secrets;
}
/**
 * Writes the token file and tells the post step to delete it. The path is saved only once the
 * file is ours (the post step must never delete a file that was there before), and a file whose
 * path could not be saved is removed at once rather than left behind.
 */
async function writeTokenFileForPost(runner, file, token) {
    await writeTokenFile(file, token);
    try {
        runner.saveState('token-file', file);
    }
    catch (error) {
        await promises_namespaceObject.rm(file, { force: true });
        throw error;
    }
}
function logIdentity(runner, credential, identity, config, token) {
    runner.info(`Signed in with auth-type '${credential.kind}' as client ${identity.clientId ?? '-'} (object ${identity.objectId ?? '-'}) in tenant ${identity.tenantId ?? '-'}.`);
    runner.info(`Token for ${config.resource} expires at ${formatExpiry(token.expiresOn)}.`);
}


/***/ }),

/***/ 613:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("assert");

/***/ }),

/***/ 434:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("events");

/***/ }),

/***/ 611:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("http");

/***/ }),

/***/ 692:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("https");

/***/ }),

/***/ 278:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("net");

/***/ }),

/***/ 756:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("tls");

/***/ }),

/***/ 23:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("util");

/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		// no module.id needed
/******/ 		// no module.loaded needed
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId](module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/******/ /* webpack/runtime/async module */
/******/ (() => {
/******/ 	var webpackQueues = typeof Symbol === "function" ? Symbol("webpack queues") : "__webpack_queues__";
/******/ 	var webpackExports = typeof Symbol === "function" ? Symbol("webpack exports") : "__webpack_exports__";
/******/ 	var webpackError = typeof Symbol === "function" ? Symbol("webpack error") : "__webpack_error__";
/******/ 	var resolveQueue = (queue) => {
/******/ 		if(queue && queue.d < 1) {
/******/ 			queue.d = 1;
/******/ 			queue.forEach((fn) => (fn.r--));
/******/ 			queue.forEach((fn) => (fn.r-- ? fn.r++ : fn()));
/******/ 		}
/******/ 	}
/******/ 	var wrapDeps = (deps) => (deps.map((dep) => {
/******/ 		if(dep !== null && typeof dep === "object") {
/******/ 			if(dep[webpackQueues]) return dep;
/******/ 			if(dep.then) {
/******/ 				var queue = [];
/******/ 				queue.d = 0;
/******/ 				dep.then((r) => {
/******/ 					obj[webpackExports] = r;
/******/ 					resolveQueue(queue);
/******/ 				}, (e) => {
/******/ 					obj[webpackError] = e;
/******/ 					resolveQueue(queue);
/******/ 				});
/******/ 				var obj = {};
/******/ 				obj[webpackQueues] = (fn) => (fn(queue));
/******/ 				return obj;
/******/ 			}
/******/ 		}
/******/ 		var ret = {};
/******/ 		ret[webpackQueues] = x => {};
/******/ 		ret[webpackExports] = dep;
/******/ 		return ret;
/******/ 	}));
/******/ 	__nccwpck_require__.a = (module, body, hasAwait) => {
/******/ 		var queue;
/******/ 		hasAwait && ((queue = []).d = -1);
/******/ 		var depQueues = new Set();
/******/ 		var exports = module.exports;
/******/ 		var currentDeps;
/******/ 		var outerResolve;
/******/ 		var reject;
/******/ 		var promise = new Promise((resolve, rej) => {
/******/ 			reject = rej;
/******/ 			outerResolve = resolve;
/******/ 		});
/******/ 		promise[webpackExports] = exports;
/******/ 		promise[webpackQueues] = (fn) => (queue && fn(queue), depQueues.forEach(fn), promise["catch"](x => {}));
/******/ 		module.exports = promise;
/******/ 		body((deps) => {
/******/ 			currentDeps = wrapDeps(deps);
/******/ 			var fn;
/******/ 			var getResult = () => (currentDeps.map((d) => {
/******/ 				if(d[webpackError]) throw d[webpackError];
/******/ 				return d[webpackExports];
/******/ 			}))
/******/ 			var promise = new Promise((resolve) => {
/******/ 				fn = () => (resolve(getResult));
/******/ 				fn.r = 0;
/******/ 				var fnQueue = (q) => (q !== queue && !depQueues.has(q) && (depQueues.add(q), q && !q.d && (fn.r++, q.push(fn))));
/******/ 				currentDeps.map((dep) => (dep[webpackQueues](fnQueue)));
/******/ 			});
/******/ 			return fn.r ? promise : getResult();
/******/ 		}, (err) => ((err ? reject(promise[webpackError] = err) : outerResolve(exports)), resolveQueue(queue)));
/******/ 		queue && queue.d < 0 && (queue.d = 0);
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/create fake namespace object */
/******/ (() => {
/******/ 	var getProto = Object.getPrototypeOf ? (obj) => (Object.getPrototypeOf(obj)) : (obj) => (obj.__proto__);
/******/ 	var leafPrototypes;
/******/ 	// create a fake namespace object
/******/ 	// mode & 1: value is a module id, require it
/******/ 	// mode & 2: merge all properties of value into the ns
/******/ 	// mode & 4: return value when already ns object
/******/ 	// mode & 16: return value when it's Promise-like
/******/ 	// mode & 8|1: behave like require
/******/ 	__nccwpck_require__.t = function(value, mode) {
/******/ 		if(mode & 1) value = this(value);
/******/ 		if(mode & 8) return value;
/******/ 		if(typeof value === 'object' && value) {
/******/ 			if((mode & 4) && value.__esModule) return value;
/******/ 			if((mode & 16) && typeof value.then === 'function') return value;
/******/ 		}
/******/ 		var ns = Object.create(null);
/******/ 		__nccwpck_require__.r(ns);
/******/ 		var def = {};
/******/ 		leafPrototypes = leafPrototypes || [null, getProto({}), getProto([]), getProto(getProto)];
/******/ 		for(var current = mode & 2 && value; typeof current == 'object' && !~leafPrototypes.indexOf(current); current = getProto(current)) {
/******/ 			Object.getOwnPropertyNames(current).forEach((key) => (def[key] = () => (value[key])));
/******/ 		}
/******/ 		def['default'] = () => (value);
/******/ 		__nccwpck_require__.d(ns, def);
/******/ 		return ns;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/******/ /* webpack/runtime/make namespace object */
/******/ (() => {
/******/ 	// define __esModule on exports
/******/ 	__nccwpck_require__.r = (exports) => {
/******/ 		if(typeof Symbol !== 'undefined' && Symbol.toStringTag) {
/******/ 			Object.defineProperty(exports, Symbol.toStringTag, { value: 'Module' });
/******/ 		}
/******/ 		Object.defineProperty(exports, '__esModule', { value: true });
/******/ 	};
/******/ })();
/******/ 
/************************************************************************/
/******/ 
/******/ // startup
/******/ // Load entry module and return exports
/******/ // This entry module used 'module' so it can't be inlined
/******/ var __webpack_exports__ = __nccwpck_require__(407);
/******/ __webpack_exports__ = await __webpack_exports__;
/******/ 
