import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 770:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {

module.exports = __nccwpck_require__(837);


/***/ }),

/***/ 837:
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

/***/ 218:
/***/ ((module, __unused_webpack___webpack_exports__, __nccwpck_require__) => {

__nccwpck_require__.a(module, async (__webpack_handle_async_dependencies__, __webpack_async_result__) => { try {
/* harmony import */ var _main_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(59);
/** Entry point of the main step (dist/main/index.js). */

await (0,_main_js__WEBPACK_IMPORTED_MODULE_0__/* .run */ .N)();

__webpack_async_result__();
} catch(e) { __webpack_async_result__(e); } }, 1);

/***/ }),

/***/ 59:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  N: () => (/* binding */ run)
});

// UNUSED EXPORTS: actionInputs

;// CONCATENATED MODULE: ./src/core/external-text.ts
/**
 * Text that came from outside (a server's error body, a token's claims, a certificate's
 * subject, a program's stderr, an input's value) is shown as data: on one line, with control
 * characters escaped, so it can never start a workflow command (`::save-state::`) or forge a
 * log line; with every known secret replaced by `***`; and cut to a readable length.
 */
const DEFAULT_MAX_LENGTH = 300;
/** C0 and C1 controls, DEL, and the Unicode line and paragraph separators. */
// eslint-disable-next-line no-control-regex -- control characters are what this matches
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
function externalText(text, options = {}) {
    const redacted = options.redact ? options.redact(text) : text;
    const escaped = redacted.replace(CONTROL, char => NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
    const max = options.maxLength ?? DEFAULT_MAX_LENGTH;
    return escaped.length > max ? `${escaped.slice(0, max)}… (cut)` : escaped;
}

;// CONCATENATED MODULE: ./src/core/jwt.ts
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

;// CONCATENATED MODULE: ./src/core/identity.ts
/** Who a token belongs to, from its claims, and how its expiry is written for users. */


function identityOf(token, fallback) {
    const claims = readClaims(token);
    const claim = (name) => {
        const value = stringClaim(claims, name);
        return value === undefined ? undefined : externalText(value, { maxLength: 100 });
    };
    return {
        tenantId: claim('tid') ?? fallback.tenantId,
        clientId: claim('appid') ?? claim('azp') ?? fallback.clientId,
        objectId: claim('oid')
    };
}
/** ISO 8601 in UTC with whole seconds: `2026-11-23T12:34:56Z`. */
function formatExpiry(date) {
    return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

;// CONCATENATED MODULE: ./src/core/errors.ts
/**
 * One error type for everything a user can act on: what failed, why, and (in `hint`) what to
 * do about it. Layers add context on the way up with `withContext`; each front-end has one
 * top-level catch that prints it once.
 */
class ActionError extends Error {
    hint;
    /** What the user must read first, above any context the error gathers on its way up. */
    headline;
    constructor(message, hint, headline) {
        super(message);
        this.name = 'ActionError';
        this.hint = hint;
        this.headline = headline;
    }
}
/**
 * A bad input: found before any request is made, named after the input. The command line names
 * the same input by its flag: `describeInputError` with its own label.
 */
class InputError extends ActionError {
    input;
    expectation;
    constructor(input, expectation, hint) {
        super(`Input '${input}' ${expectation}`, hint);
        this.input = input;
        this.expectation = expectation;
        this.name = 'InputError';
    }
}
/**
 * A file the credential needs (a certificate, a federated token, an Arc key) is missing, is not
 * a regular file, or cannot be read: like a bad input, fixed where the job is set up.
 */
class CredentialFileError extends ActionError {
    constructor(message, hint) {
        super(message, hint);
        this.name = 'CredentialFileError';
    }
}
/** Prefixes `context` to an error's message, keeping its hint: "getting a token for X: <why>". */
function withContext(context, error) {
    if (error instanceof ActionError) {
        const wrapped = new ActionError(`${context}: ${error.message}`, error.hint, error.headline);
        wrapped.name = error.name;
        return wrapped;
    }
    return new ActionError(`${context}: ${messageOf(error)}`);
}
/** The text a user reads for any thrown value: the message, then the hint on its own line. */
function describeError(error) {
    if (!(error instanceof ActionError))
        return messageOf(error);
    return [error.headline, error.message, error.hint].filter(Boolean).join('\n');
}
function messageOf(error) {
    if (error instanceof Error) {
        return error.message || error.name;
    }
    return String(error);
}

;// CONCATENATED MODULE: ./src/core/json.ts
/** Reading JSON answers: a server's body is data of unknown shape until checked. */
/** The body parsed as JSON, or undefined when it is not JSON. */
function parseJson(body) {
    try {
        return JSON.parse(body);
    }
    catch {
        return undefined;
    }
}
/** The fields of a JSON object; an empty record for anything else, so reads find nothing. */
function jsonFields(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}
/** A field that is a non-empty string, else undefined. */
function stringField(fields, name) {
    const value = fields[name];
    return typeof value === 'string' && value !== '' ? value : undefined;
}

;// CONCATENATED MODULE: ./src/core/keyvault/limiter.ts
/** A bound on requests in flight: Key Vault is shared by every leg of a matrix, and by the job's other steps. */
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

;// CONCATENATED MODULE: ./src/core/keyvault/client.ts
/**
 * Requests to vaults: the bound on requests in flight, the bearer token, and the 401 challenge
 * (docs/protocol.md#challenge-authentication).
 */




const KEY_VAULT_API_VERSION = '7.4';
/**
 * Sends GETs to vaults with the vault token. A 401 whose challenge names another tenant or
 * resource is followed once, and remembered for the vault, but only if the resource's host is
 * a parent domain of the vault's host: the check the Azure SDK does, so a vault cannot obtain
 * a token for an unrelated resource.
 */
function vaultClient(http, tokens, scope, maxInFlight) {
    const inFlight = limiter(maxInFlight);
    const challenged = new Map();
    const send = (url, what, token) => http.request({ method: 'GET', url, what, bearerToken: token.token });
    return {
        // The authority is read once a slot is free, so requests queued behind a challenge use what it taught.
        get: (vault, url, what, options) => inFlight(options?.first ?? false, async () => {
            const authority = challenged.get(vault) ?? { scope, tenantId: undefined };
            const token = await tokens(authority.scope, authority.tenantId);
            const response = await send(url, what, token);
            const challenge = response.status === 401 ? parseChallenge(response.headers['www-authenticate']) : undefined;
            if (!challenge || sameAuthority(challenge, authority, token))
                return response;
            verifyChallengeResource(vault, challenge.scope);
            challenged.set(vault, challenge);
            return send(url, what, await tokens(challenge.scope, challenge.tenantId));
        })
    };
}
/**
 * `Bearer authorization="https://login.microsoftonline.com/<tenant>", resource="https://vault.azure.net"`
 * (or `scope=`): the scope and tenant a vault wants its token for.
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
    throw new ActionError(`The vault ${vault} answered 401 with a challenge for the resource '${externalText(scope.replace(/\/\.default$/, ''))}', ` +
        `whose host is not a parent domain of ${vaultHost}; refusing to get it a token for that resource.`, 'A vault asks for a token for its own cloud (https://vault.azure.net). Check the vault URL, and any proxy in between.');
}

;// CONCATENATED MODULE: ./src/core/keyvault/env-names.ts
/**
 * Names a secret may never take as an environment variable: each one, set by a step for the
 * steps after it, runs code in them (BASH_ENV, NODE_OPTIONS, LD_PRELOAD, PYTHONSTARTUP ...),
 * steers the runner (GITHUB_*, RUNNER_*, ACTIONS_*), or redirects where later steps send their
 * traffic and credentials (HTTPS_PROXY, SSL_CERT_FILE, IDENTITY_ENDPOINT, AZURE_AUTHORITY_HOST).
 * Whoever can write one secret in a vault must not gain the job. Compared case-insensitively
 * (Windows runners' variables are). The contract's list, and further well-known ones.
 */
const EXACT = new Set([
    // shells
    'PATH',
    'HOME',
    'SHELL',
    'IFS',
    'ENV',
    'BASH_ENV',
    'PS4',
    'PROMPT_COMMAND',
    'SHELLOPTS',
    'BASHOPTS',
    'CDPATH',
    'GLOBIGNORE',
    'ZDOTDIR',
    // language runtimes that load code named by a variable
    'NODE_OPTIONS',
    'NODE_PATH',
    'NODE_EXTRA_CA_CERTS',
    'PYTHONPATH',
    'PYTHONSTARTUP',
    'PYTHONHOME',
    'PYTHONWARNINGS',
    'PYTHONINSPECT',
    'PERL5OPT',
    'PERL5LIB',
    'PERLLIB',
    'PERL5DB',
    'RUBYOPT',
    'RUBYLIB',
    'JAVA_TOOL_OPTIONS',
    '_JAVA_OPTIONS',
    'JDK_JAVA_OPTIONS',
    'CLASSPATH',
    'MAVEN_OPTS',
    'GRADLE_OPTS',
    'GOFLAGS',
    'RUSTC_WRAPPER',
    'PSMODULEPATH',
    // programs other tools start
    'PAGER',
    'MANPAGER',
    'LESSOPEN',
    'LESSCLOSE',
    'EDITOR',
    'VISUAL',
    'BROWSER',
    // traffic and trust
    'HTTP_PROXY',
    'HTTPS_PROXY',
    'ALL_PROXY',
    'NO_PROXY',
    'SSL_CERT_FILE',
    'SSL_CERT_DIR',
    'REQUESTS_CA_BUNDLE',
    'CURL_CA_BUNDLE',
    'DOCKER_HOST',
    // where Azure tools get their identity
    'AZURE_AUTHORITY_HOST',
    'AZURE_POD_IDENTITY_AUTHORITY_HOST',
    'AZURE_CONFIG_DIR',
    'AZURE_FEDERATED_TOKEN_FILE',
    'IMDS_ENDPOINT'
]);
const PREFIXES = [
    'BASH_FUNC_',
    'LD_',
    'DYLD_',
    'GIT_',
    'GITHUB_',
    'RUNNER_',
    'ACTIONS_',
    'IDENTITY_',
    'MSI_',
    'NPM_CONFIG_',
    'DOTNET_',
    'CORECLR_',
    'COMPLUS_'
];
/** True when a secret must not be exported under `name`. */
function isRefusedEnvName(name) {
    const upper = name.toUpperCase();
    return EXACT.has(upper) || PREFIXES.some(prefix => upper.startsWith(prefix));
}
/** True when every name made with this `VAULT/* | PREFIX` would be refused (`LD_`, `GIT_`). */
function isRefusedPrefix(prefix) {
    const upper = prefix.toUpperCase();
    return PREFIXES.some(refused => upper.startsWith(refused));
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
;// CONCATENATED MODULE: external "node:http"
const external_node_http_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http");
;// CONCATENATED MODULE: external "node:https"
const external_node_https_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:https");
;// CONCATENATED MODULE: ./src/core/connections.ts
/**
 * The connections under the HTTP layer: one keep-alive agent per protocol and proxy, shared by
 * every request of the process, which
 *
 * - opens connections ahead of need (`preconnect`): the Entra ID and Key Vault handshakes (TCP,
 *   then TLS) run while the first token is on its way, instead of on the critical path;
 * - keeps CONNECT tunnels alive through an HTTP(S) proxy and reuses them like any connection
 *   (@actions/http-client's `tunnel` agents open a tunnel for every request and drop it after);
 * - connects to a bracketed IPv6 literal (`[::1]`) as the address it is, not as a name;
 * - never shares one agent between http:// and https:// (http-client keeps one direct agent, of
 *   the first protocol it met: an http:// managed identity endpoint, then an https:// vault,
 *   failed with 'Protocol "https:" not supported').
 *
 * Which proxy a URL goes through is http-client's own decision (getProxyUrl: HTTPS_PROXY,
 * HTTP_PROXY, NO_PROXY, loopback always direct). Both mechanisms hook the one documented
 * override point of Node's Agent, `createConnection(options, callback)`: it is asked for a socket
 * whenever the agent has no free one for the request's origin. Measured in bench/ (issue 12).
 */



/** How long a connection opened ahead of need waits for its request before it is closed. */
const WARM_IDLE_MS = 20_000;
const originKey = (host, port) => `${host.toLowerCase()}:${port}`;
const isAddress = (host) => /^[\d.]+$/.test(host) || host.includes(':');
/** An Agent class (http or https) with warm connections and, given a proxy, kept-alive CONNECT tunnels. */
function poolAgent(Base, secure) {
    return class PoolAgent extends Base {
        #warm = new Map();
        #proxy;
        constructor(proxy) {
            super({ keepAlive: true });
            this.#proxy = proxy;
        }
        preconnect(host, port, count) {
            const key = originKey(host, port);
            const warm = this.#warm.get(key) ?? [];
            this.#warm.set(key, warm);
            const options = {
                ...this.options,
                host,
                port,
                ...(secure && !isAddress(host) ? { servername: host } : {})
            };
            if (secure)
                options._agentKey = this.getName(options);
            for (let i = 0; i < count; i++) {
                const entry = {
                    socket: new Promise((resolve, reject) => {
                        const direct = this.#open(options, (error, socket) => (socket ? resolve(socket) : reject(error ?? new Error('no connection'))));
                        if (direct)
                            resolve(direct);
                    })
                };
                // A warm connection that fails or closes before a request takes it is forgotten.
                const forget = () => {
                    const at = warm.indexOf(entry);
                    if (at >= 0)
                        warm.splice(at, 1);
                };
                entry.forget = forget;
                entry.socket.then(socket => {
                    entry.ready = socket;
                    socket.once('close', forget);
                    socket.on('error', forget);
                    // Warm only while the step's first requests are due; a server may time an idle connection out.
                    socket.setTimeout(WARM_IDLE_MS, () => socket.destroy());
                }, forget);
                warm.push(entry);
            }
        }
        createConnection(options, callback) {
            const entry = this.#warm.get(originKey(String(options.host), Number(options.port)))?.shift();
            if (!entry)
                return this.#open(options, callback);
            // Only our own listeners come off: TLS keeps its own on 'close'.
            const take = (socket) => {
                socket.setTimeout(0);
                return entry.forget ? socket.off('close', entry.forget).off('error', entry.forget) : socket;
            };
            // Nothing may have arrived on a connection no request was sent on (a server's 408 for an idle
            // connection): the next request would read it as its own answer.
            const usable = (socket) => !socket.destroyed && socket.readableLength === 0;
            if (entry.ready && usable(entry.ready))
                return take(entry.ready);
            const reopen = () => {
                const direct = this.#open(options, callback);
                if (direct)
                    callback(null, direct);
            };
            entry.socket.then(socket => {
                if (usable(socket))
                    return callback(null, take(socket));
                socket.destroy();
                reopen();
            }, reopen);
            return undefined;
        }
        /**
         * A new connection: the base class's own (returned at once, as Agent expects of a plain
         * createConnection), or a CONNECT through the proxy and then TLS over the tunnel (through the callback).
         */
        #open(options, callback) {
            const proxy = this.#proxy;
            if (!proxy)
                return super.createConnection(options);
            const host = String(options.host);
            const target = `${host.includes(':') ? `[${host}]` : host}:${options.port}`;
            const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
            const auth = proxy.username ? { 'proxy-authorization': `Basic ${Buffer.from(credentials).toString('base64')}` } : {};
            const connect = (proxy.protocol === 'https:' ? external_node_https_namespaceObject : external_node_http_namespaceObject).request({
                host: proxy.hostname,
                port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80),
                method: 'CONNECT',
                path: target,
                headers: { host: target, ...auth },
                agent: false
            });
            connect.once('connect', (response, socket) => {
                if (response.statusCode !== 200) {
                    socket.destroy();
                    callback(Object.assign(new Error(`tunneling socket could not be established, statusCode=${response.statusCode}`), { code: 'ECONNRESET' }));
                    return;
                }
                callback(null, secure ? super.createConnection({ ...options, socket }) : socket);
            });
            connect.once('error', error => callback(error));
            connect.end();
            return undefined;
        }
        destroy() {
            for (const warm of this.#warm.values())
                for (const entry of warm.splice(0))
                    entry.socket.then(socket => socket.destroy(), () => undefined);
            super.destroy();
        }
    };
}
const HttpPoolAgent = poolAgent(external_node_http_namespaceObject.Agent, false);
const HttpsPoolAgent = poolAgent(external_node_https_namespaceObject.Agent, true);
function createConnections(userAgent) {
    const agents = new Map();
    const portOf = (url) => Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const agentFor = (url) => {
        const proxy = getProxyUrl(url);
        const key = `${url.protocol} ${proxy?.href ?? ''}`;
        let agent = agents.get(key);
        if (!agent) {
            agent = url.protocol === 'https:' ? new HttpsPoolAgent(proxy) : new HttpPoolAgent(proxy);
            agents.set(key, agent);
        }
        return agent;
    };
    // URL keeps an IPv6 literal's brackets in `hostname`; a socket wants the address itself.
    const hostOf = (url) => url.hostname.replace(/^\[(.*)\]$/, '$1');
    return {
        requestInfo(method, url, headers) {
            const lowered = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
            return {
                parsedUrl: url,
                httpModule: url.protocol === 'https:' ? external_node_https_namespaceObject : external_node_http_namespaceObject,
                options: {
                    host: hostOf(url),
                    port: portOf(url),
                    path: `${url.pathname}${url.search}`,
                    method,
                    headers: { 'user-agent': userAgent, ...lowered },
                    agent: agentFor(url)
                }
            };
        },
        preconnect(target, count) {
            const url = new URL(target);
            if (count > 0)
                agentFor(url).preconnect(hostOf(url), portOf(url), count);
        },
        dispose() {
            for (const agent of agents.values())
                agent.destroy();
            agents.clear();
        }
    };
}

;// CONCATENATED MODULE: ./src/core/loopback.ts
/** Loopback hosts: the only ones plain http:// may reach, since traffic to them never leaves the machine. */
function isLoopbackHost(hostname) {
    const host = hostname.toLowerCase();
    return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

;// CONCATENATED MODULE: ./src/core/retry.ts
const DEFAULT_RETRY = Object.freeze({
    attempts: 4,
    statuses: new Set([408, 429, 500, 502, 503, 504]),
    baseDelayMs: 500,
    maxDelayMs: 8_000
});
/** How long a request may keep being throttled (429) before it fails. */
const THROTTLE_BUDGET_MS = 5 * 60_000;
/** A Retry-After longer than this waits this long. */
const RETRY_AFTER_CAP_MS = 30_000;
/** Up to this share is added to a throttled wait, drawn per request. */
const THROTTLE_JITTER = 0.2;
/** A 429 without Retry-After (Key Vault sends none) backs off from here, doubling (protocol.md#throttling). */
const THROTTLE_FIRST_BACKOFF_MS = 1_000;
/**
 * The wait a server asked for: `retry-after-ms` or `x-ms-retry-after-ms` (milliseconds), or
 * `Retry-After` (seconds, or an HTTP date). Undefined when it asked for none, or for a wait that
 * is not a time (a negative number, garbage).
 */
function requestedWaitMs(headers, now) {
    const single = (name) => {
        const value = headers[name];
        return (Array.isArray(value) ? value[0] : value)?.trim();
    };
    const number = /^\d+(\.\d+)?$/;
    const milliseconds = single('retry-after-ms') ?? single('x-ms-retry-after-ms');
    if (milliseconds !== undefined && number.test(milliseconds))
        return Number(milliseconds);
    const retryAfter = single('retry-after');
    if (retryAfter === undefined)
        return undefined;
    if (number.test(retryAfter))
        return Number(retryAfter) * 1000;
    // An HTTP date has a day name and a year; a bare "-86400" or "soon" is not one.
    const date = /[a-z]{3},?\s.*\d{4}/i.test(retryAfter) ? Date.parse(retryAfter) : NaN;
    return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
/**
 * The wait before retrying a throttled request: what the server asked for (or, when it asked
 * for nothing, 1 s doubling with each throttled attempt), plus 0-20 % drawn per request, capped.
 */
function throttleWaitMs(requested, throttledAttempts, random) {
    const base = requested ?? THROTTLE_FIRST_BACKOFF_MS * 2 ** Math.min(throttledAttempts - 1, 10);
    return Math.round(Math.min(RETRY_AFTER_CAP_MS, base * (1 + THROTTLE_JITTER * random())));
}
/** The wait before retrying another fault: what the server asked for (capped), else exponential backoff. */
function faultWaitMs(policy, requested, faultAttempts, random) {
    if (requested !== undefined)
        return Math.min(RETRY_AFTER_CAP_MS, requested);
    return backoffMs(policy, faultAttempts, random);
}
/** Exponential backoff for the retry after `attemptNumber`, jittered to [½, 1] of its value. */
function backoffMs(policy, attemptNumber, random) {
    const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attemptNumber - 1));
    return Math.round(ceiling * (0.5 + random() / 2));
}

;// CONCATENATED MODULE: ./src/core/http.ts
/**
 * The one HTTP layer every request goes through: a deadline per attempt, retries of transient
 * faults (retry.ts), bounded answers, proxies through @actions/http-client, no redirects
 * followed, no bearer token sent in clear text but to this machine, one debug line per attempt.
 * Sleep, timers and randomness come from the injected clock, so tests never wait.
 */






const DEFAULT_TIMEOUT_MS = 30_000;
/** No answer the action reads is larger: a secret is at most 25 KB, a listing page 25 items. */
const MAX_BODY_BYTES = 1024 * 1024;
/**
 * A failure of one attempt: retried, and reported if it was the last. `unreachable`: nothing
 * answered at all (refused, no route, no name, or silence until the timeout), as opposed to an
 * answer that broke off. `final`: retrying cannot help (an answer over the size bound).
 */
class AttemptFailure extends Error {
    unreachable;
    final;
    constructor(message, unreachable = false, final = false) {
        super(message);
        this.unreachable = unreachable;
        this.final = final;
    }
}
/** A request that got no usable answer after its last attempt. */
class RequestFailedError extends ActionError {
    unreachable;
    reason;
    constructor(message, hint, 
    /** True when nothing answered at all: the host is not there, as opposed to failing. */
    unreachable, 
    /** The last attempt's failure alone: `connect EHOSTUNREACH 169.254.169.254:80`. */
    reason) {
        super(message, hint);
        this.unreachable = unreachable;
        this.reason = reason;
        this.name = 'RequestFailedError';
    }
}
/** Error codes of a connection that never reached a server. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT']);
const REACH_HINT = 'Check the runner can reach the host (firewall, proxy: HTTPS_PROXY and NO_PROXY), then re-run the job.';
function createHttp(options) {
    const { clock, log } = options;
    const connections = createConnections(options.userAgent ?? 'azure-token');
    const clients = new Map();
    const defaultTimeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // One client per timeout: http-client sets the socket timeout per client. The connections
    // (agents, proxies, preconnected sockets) are shared by all (connections.ts).
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
        let cancelTimer = () => { };
        const deadline = new Promise((_, reject) => {
            cancelTimer = clock.timer(timeoutMs, () => {
                message?.destroy();
                reject(new AttemptFailure(`no answer within ${formatSeconds(timeoutMs)}`, true));
            });
        });
        try {
            const info = connections.requestInfo(request.method, new URL(request.url), headers);
            const response = await Promise.race([clientFor(timeoutMs).requestRaw(info, request.body ?? null), deadline]);
            message = response.message;
            const body = await Promise.race([readBody(response.message), deadline]);
            return { status: response.message.statusCode ?? 0, headers: response.message.headers, body, json: parseJson(body) };
        }
        catch (error) {
            if (error instanceof AttemptFailure)
                throw error;
            const code = error?.code;
            const timedOut = messageOf(error).startsWith('Request timeout');
            throw new AttemptFailure(networkErrorText(error), timedOut || (typeof code === 'string' && UNREACHABLE_CODES.has(code)));
        }
        finally {
            cancelTimer();
        }
    }
    async function request(request) {
        checkBearerTarget(request);
        const policy = { ...DEFAULT_RETRY, ...request.retry };
        const timeoutMs = request.timeoutMs ?? defaultTimeout;
        const endpoint = `${request.what} (${request.method} ${displayEndpoint(request.url)})`;
        const startedAt = clock.now();
        const budgetEnd = startedAt + Math.min(request.totalMs ?? Infinity, THROTTLE_BUDGET_MS + timeoutMs);
        let faults = 0;
        let throttled = 0;
        for (let attemptNumber = 1;; attemptNumber++) {
            const attemptStart = clock.now();
            let failure;
            let waitMs;
            try {
                const response = await attempt(request, Math.max(1, Math.min(timeoutMs, budgetEnd - attemptStart)));
                log.debug(`${request.method} ${debugUrl(request.url)}: HTTP ${response.status} in ${clock.now() - attemptStart} ` +
                    `ms (attempt ${attemptNumber})`);
                const malformed = response.status >= 200 && response.status < 300 && response.json === undefined;
                const done = { ...response, attempts: attemptNumber, endpoint };
                if (!policy.statuses.has(response.status) && !malformed)
                    return done;
                const requested = requestedWaitMs(response.headers, clock.now());
                failure = malformed ? `answered ${response.status} with a body that is not JSON` : `answered ${response.status}`;
                // A single-attempt request (a probe) is never retried, not even when throttled.
                if (response.status === 429 && policy.attempts > 1) {
                    throttled++;
                    waitMs = throttleWaitMs(requested, throttled, () => clock.random());
                    if (clock.now() + waitMs - startedAt > THROTTLE_BUDGET_MS || clock.now() + waitMs >= budgetEnd)
                        return done;
                }
                else {
                    faults++;
                    waitMs = faultWaitMs(policy, requested, faults, () => clock.random());
                    if (faults >= policy.attempts || clock.now() + waitMs >= budgetEnd) {
                        if (malformed)
                            throw new AttemptFailure(failure);
                        return done;
                    }
                }
            }
            catch (error) {
                if (!(error instanceof AttemptFailure))
                    throw error;
                log.debug(`${request.method} ${debugUrl(request.url)}: ${error.message} after ${clock.now() - attemptStart} ms (attempt ${attemptNumber})`);
                faults++;
                waitMs = faultWaitMs(policy, undefined, faults, () => clock.random());
                if (error.final || faults >= policy.attempts || clock.now() + waitMs >= budgetEnd) {
                    const attempts = `${attemptNumber} ${attemptNumber === 1 ? 'attempt' : 'attempts'}`;
                    throw new RequestFailedError(`${endpoint} failed after ${attempts}: ${error.message}`, REACH_HINT, error.unreachable, error.message);
                }
                failure = error.message;
            }
            log.info(`${endpoint} ${failure}; retrying in ${formatSeconds(waitMs)} (attempt ${attemptNumber + 1}).`);
            await clock.sleep(waitMs);
        }
    }
    return {
        request,
        preconnect: (url, count = 1) => {
            try {
                connections.preconnect(url, count);
            }
            catch (error) {
                // A connection opened ahead of need is an optimisation: its failure is the request's to report.
                log.debug(`Could not open a connection to ${displayEndpoint(url)} ahead of need: ${messageOf(error)}`);
            }
        },
        dispose: () => {
            for (const client of clients.values())
                client.dispose();
            clients.clear();
            connections.dispose();
        }
    };
}
/**
 * What a caller says when a request's last answer was an error it cannot explain further:
 * `Entra ID token endpoint (POST https://login.microsoftonline.com/t/oauth2/v2.0/token) answered HTTP 503 after 4 attempts`.
 */
function answeredAfter(response) {
    return (`${response.endpoint} answered HTTP ${response.status} after ${response.attempts} ` +
        `${response.attempts === 1 ? 'attempt' : 'attempts'}`);
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
/** Reads a whole response body, up to MAX_BODY_BYTES; rejects if the connection drops before the end. */
function readBody(message) {
    return new Promise((resolve, reject) => {
        const chunks = [];
        let size = 0;
        message.on('data', (chunk) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) {
                message.destroy();
                reject(new AttemptFailure(`answered with a body over ${MAX_BODY_BYTES / 1024 / 1024} MiB, more than any answer it may send`, false, true));
                return;
            }
            chunks.push(chunk);
        });
        message.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        message.on('error', error => reject(new AttemptFailure(`connection failed while reading the answer (${networkErrorText(error)})`)));
        message.on('close', () => {
            if (!message.complete)
                reject(new AttemptFailure('connection closed before the whole answer arrived'));
        });
    });
}
function networkErrorText(error) {
    const code = error?.code;
    const text = messageOf(error);
    return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}
/** Origin and path, no query: short, and a query is no place for a user to look (nor for a secret to show). */
function displayEndpoint(url) {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
}
/** Query parameters whose values are never secret, shown in debug lines; any other value shows as `***`. */
const PLAIN_QUERY = new Set(['api-version', 'resource', 'audience', 'maxresults', 'client_id', 'clientid']);
function debugUrl(url) {
    const parsed = new URL(url);
    const query = [...parsed.searchParams].map(([name, value]) => `${name}=${PLAIN_QUERY.has(name.toLowerCase()) ? value : '***'}`);
    return `${parsed.origin}${parsed.pathname}${query.length ? `?${query.join('&')}` : ''}`;
}
function formatSeconds(ms) {
    return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

;// CONCATENATED MODULE: ./src/core/keyvault/explanations.ts
/**
 * What Key Vault's error answers mean, and what to do about them (docs/protocol.md#key-vault-errors).
 * Every line names the secret, its vault and Key Vault's code; a command to run stands on its own
 * line, so it can be copied whole.
 */




/** `db-password in https://my-vault.vault.azure.net` (or `listing https://...`), the way every line names a secret. */
function labelOf(vault, name, version) {
    if (name === '*')
        return `listing ${vault}`;
    return `${name}${version === undefined ? '' : `/${version}`} in ${vault}`;
}
/**
 * The explainer for one load. `assignee` (the identity's object id, from the vault token) goes
 * into the role assignment and access policy commands; `redact` hides known secrets in
 * Key Vault's own messages.
 */
function createExplainer(assignee, redact) {
    const who = assignee ?? '<object-id>';
    return {
        answer(response, vault, name, version) {
            const error = jsonFields(jsonFields(response.json)['error']);
            const outer = stringField(error, 'code');
            const inner = stringField(jsonFields(error['innererror']), 'code');
            const firstLine = (stringField(error, 'message') ?? '').split(/\r?\n/)[0]?.trim() ?? '';
            const message = externalText(firstLine, { redact });
            const code = inner ?? outer;
            const kind = response.status === 404 && name !== '*'
                ? 'missing'
                : code === 'SecretDisabled'
                    ? 'disabled'
                    : response.status === 401 || response.status === 403
                        ? 'forbidden'
                        : 'error';
            const vaultName = new URL(vault).hostname.split('.')[0] ?? vault;
            const accessPolicy = response.status === 403 && (inner === 'AccessDenied' || /access polic/i.test(firstLine));
            const facts = { vaultName, name, assignee: who, message, response };
            const why = kind === 'missing' ? whyMissing(facts) : accessPolicy ? whyAccessPolicy(facts) : whyOther(code, facts);
            const status = code === undefined ? `HTTP ${response.status}` : `${externalText(code)} (HTTP ${response.status})`;
            return { kind, text: `${labelOf(vault, name, version)}: ${status}: ${why}` };
        }
    };
}
const command = (text) => `\n    ${text}`;
function whyMissing(f) {
    return ('the vault has no such secret (or version). Check the name; a secret deleted recently can be recovered with:' +
        command(`az keyvault secret recover --vault-name ${f.vaultName} --name ${f.name}`));
}
function whyAccessPolicy(f) {
    return ('the vault uses access policies, and none lets this identity read secrets. Add one:' +
        command(`az keyvault set-policy --name ${f.vaultName} --object-id ${f.assignee} --secret-permissions get list`));
}
function whyOther(code, f) {
    const roleCommand = command(`az role assignment create --role "Key Vault Secrets User" --assignee ${f.assignee} ` +
        `--scope $(az keyvault show --name ${f.vaultName} --query id --output tsv)`);
    switch (code) {
        case 'SecretDisabled':
            return `the secret is disabled. Enable it:${command(`az keyvault secret set-attributes --vault-name ${f.vaultName} --name ${f.name} --enabled true`)}`;
        case 'ForbiddenByRbac':
            return `the identity has no role that may read secrets in this vault. Assign it 'Key Vault Secrets User':${roleCommand}`;
        case 'ForbiddenByFirewall':
            return ("the vault's firewall refused the runner's address. GitHub-hosted runners have no fixed address: run on a " +
                "self-hosted runner in a network the vault allows (or behind a private endpoint), or allow the runner's IP for the job:" +
                command(`az keyvault network-rule add --name ${f.vaultName} --ip-address <runner-ip>`));
        default:
            break;
    }
    const status = f.response.status;
    if (status === 403) {
        return (`access denied (${f.message || 'Forbidden'}). Give the identity the role 'Key Vault Secrets User', ` +
            `or, on a vault with access policies, a policy with secret get and list:${roleCommand}`);
    }
    if (status === 401) {
        return (`Key Vault refused the token (${f.message || 'Unauthorized'}). Check that the vault is in the ` +
            `identity's tenant and in the cloud set by 'environment'.`);
    }
    if (status >= 500 || status === 429) {
        const said = f.message ? ` (${f.message})` : '';
        return `${answeredAfter(f.response)}${said}. Re-run the job; if it persists, check Azure status for Key Vault in the vault's region.`;
    }
    return f.message || 'Key Vault gave no explanation.';
}
/** One error for every failure of a load: nothing was exported. */
function failuresError(failures, ignoreMissing) {
    const skippable = failures.some(failure => failure.kind === 'missing' || failure.kind === 'disabled');
    return new ActionError(`Could not load ${failures.length === 1 ? 'a Key Vault secret' : `${failures.length} Key Vault secrets`}, so none was exported:\n` +
        failures.map(failure => `- ${failure.text}`).join('\n'), skippable && !ignoreMissing
        ? 'To load the others and only warn about missing or disabled secrets, set ignore-missing-secrets: true.'
        : undefined);
}

;// CONCATENATED MODULE: ./src/core/clouds.ts
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

;// CONCATENATED MODULE: external "node:path"
const external_node_path_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");
;// CONCATENATED MODULE: ./src/core/input-values.ts
/**
 * Parsers for single input values. Each failure is an InputError naming the input and what it
 * expects; a value is echoed only when it cannot be a secret, and then as data (escaped, cut).
 */





const AUTH_TYPES = ['oidc', 'secret', 'certificate', 'managed-identity', 'workload-identity', 'azure-cli'];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{3,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i;
const MULTI_TENANT = ['common', 'organizations', 'consumers'];
/**
 * An input's value in a message: quoted, on one line, escaped and cut. Only for values that are
 * never secret; a URL's `user:password@` is hidden all the same, in case one was pasted by mistake.
 */
function quoted(value) {
    return `'${externalText(value.replace(/\/\/[^/@\s]*@/g, '//***@'), { maxLength: 120 })}'`;
}
function parseAuthType(value) {
    const wanted = value.toLowerCase() || 'auto';
    if (wanted === 'auto')
        return 'auto';
    const match = AUTH_TYPES.find(type => type === wanted);
    if (!match)
        throw new InputError('auth-type', `must be one of auto, ${AUTH_TYPES.join(', ')}; got ${quoted(value)}.`);
    return match;
}
function parseClientId(value, source) {
    if (value !== undefined && !GUID.test(value)) {
        throw new InputError(source, `must hold the application (client) ID, a GUID such as 00000000-0000-0000-0000-000000000000; got ${quoted(value)}.`, "Copy the 'Application (client) ID' from the app registration's overview page (for a managed identity: its 'Client ID').");
    }
    return value;
}
function parseTenantId(value, source) {
    if (value === undefined)
        return undefined;
    const hint = "Use the 'Directory (tenant) ID' from the app registration's overview page.";
    if (MULTI_TENANT.includes(value.toLowerCase())) {
        throw new InputError(source, `must be a tenant GUID or domain, not ${quoted(value)}: an app signs in to one tenant.`, hint);
    }
    if (!GUID.test(value) && !DOMAIN.test(value)) {
        throw new InputError(source, `must be a tenant GUID or domain (contoso.onmicrosoft.com); got ${quoted(value)}.`, hint);
    }
    return value;
}
function parseCloud(value) {
    if (!value)
        return findCloud('AzureCloud');
    if (value.toLowerCase() === 'azuregermancloud') {
        throw new InputError('environment', 'names AzureGermanCloud, which Microsoft closed on 2021-10-29.', 'Resources there moved to the public cloud regions in Germany: use AzureCloud.');
    }
    const cloud = findCloud(value);
    if (!cloud) {
        throw new InputError('environment', `must be AzureCloud, AzureUSGovernment or AzureChinaCloud; got ${quoted(value)}.`, "It names the Azure cloud, not a GitHub deployment environment (that is the job's own `environment:` key).");
    }
    return cloud;
}
/** `source` is the input, or AZURE_AUTHORITY_HOST when the value came from the environment. */
function parseAuthorityHost(value, source, cloud) {
    if (!value)
        return cloud.authorityHost;
    // AZURE_AUTHORITY_HOST is a variable, not an input: name what the user has to fix.
    const bad = (expectation, hint) => source === 'authority-host'
        ? new InputError(source, expectation, hint)
        : new ActionError(`Environment variable ${source} ${expectation}`, hint);
    let url;
    try {
        url = new URL(value);
    }
    catch {
        throw bad(`must be an https:// URL such as ${cloud.authorityHost}; got ${quoted(value)}.`);
    }
    const secure = url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
    if (!secure || url.search || url.hash || url.username || url.password) {
        throw bad(`must be an https:// URL with no user or query, such as ${cloud.authorityHost}; got ${quoted(url.username || url.password ? `${url.protocol}//${url.host}` : value)}.`, 'Plain http:// is accepted only for loopback hosts (127.0.0.1, localhost, [::1]).');
    }
    return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}
const RESOURCE_EXPECTATION = `must be a resource URI (https://vault.azure.net), a scope ending in /.default, an application ID, or one of ${WELL_KNOWN_RESOURCES.join(', ')}`;
/** Resource and scope from the `resource` input; the cloud's Resource Manager by default. */
function parseResource(value, cloud) {
    const known = WELL_KNOWN_RESOURCES.find(name => name === value.toLowerCase());
    const raw = !value ? cloud.resourceManager : known ? wellKnownResource(cloud, known) : value;
    if (/\s/.test(raw) || raw.includes(',')) {
        throw new InputError('resource', `${RESOURCE_EXPECTATION}; a token is for one resource, so give one. Got ${quoted(value)}.`);
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
    if (url && (url.username || url.password)) {
        // A user and password in a resource URI would be sent to Entra ID and printed: refuse, echo nothing.
        throw new InputError('resource', `${RESOURCE_EXPECTATION}; it must hold no user or password (user:password@).`);
    }
    if (!url || !/^[a-z][a-z0-9+.-]*:$/.test(url.protocol) || url.search || url.hash || (!url.host && !url.pathname.replace(/\/+$/, ''))) {
        throw new InputError('resource', `${RESOURCE_EXPECTATION}; got ${quoted(original)}.`);
    }
    return resource;
}
/** An audience Entra ID can match: printable, no spaces, at most 600 characters (its federated credential limit). */
function parseAudience(value, cloud) {
    if (!value)
        return cloud.oidcAudience;
    if (value.length > 600 || !/^[\x21-\x7e]+$/.test(value)) {
        throw new InputError('audience', `must be the audience of a federated credential, such as ${cloud.oidcAudience}; got ${quoted(value)}.`);
    }
    return value;
}
function parseBoolean(name, value, fallback) {
    if (!value)
        return fallback;
    const lower = value.toLowerCase();
    if (lower === 'true')
        return true;
    if (lower === 'false')
        return false;
    throw new InputError(name, `must be true or false; got ${quoted(value)}.`);
}
function parseTokenFile(value, workspace) {
    // eslint-disable-next-line no-control-regex -- control characters are what this matches
    if (/[\u0000-\u001f]/.test(value))
        throw new InputError('token-file', 'must be a file path, with no control characters.');
    return external_node_path_namespaceObject.resolve(workspace, value);
}

;// CONCATENATED MODULE: ./src/core/keyvault/references.ts
/**
 * The `secrets` and `keyvault` inputs, parsed into references to Key Vault secrets.
 * Syntax: the README's "Key Vault secrets". Name rules and DNS suffixes:
 * docs/protocol.md#names-and-dns and #clouds.
 *
 * Every problem is a bad input that names the input and quotes the entry: entries name
 * secrets, they never hold one. A vault host outside the cloud's Key Vault domain is refused
 * here, before any request, so the vault token can never be sent anywhere else.
 */





/** 3-24 characters, letters, digits and dashes, starting with a letter, ending with a letter or digit, no `--` . */
const VAULT_NAME = /^(?!.*--)[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;
/** What the service enforces, which is looser than its docs: a leading digit or dash is accepted . */
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
        .split(/\r\n|\r|\n/)
        .map(line => line.replace(/#.*$/, ''))
        .flatMap(line => line.split(/[;,]/))
        .map(entry => entry.trim())
        .filter(entry => entry !== '');
}
function badEntry(entry, problem, hint = SYNTAX_HINT) {
    return new InputError('secrets', `entry ${quoted(entry)} ${problem}`, hint);
}
/** The `keyvault` input: a vault name, a vault host, or a vault URL with no path. */
function parseKeyvaultInput(text, cloud) {
    const fail = (problem, hint) => new InputError('keyvault', problem, hint);
    const { origin, path } = parseVault(text, cloud, fail);
    if (path !== '' && path !== '/') {
        throw fail(`must be a vault name or URL with no path, such as my-vault or https://my-vault.${cloud.keyVaultSuffix}; got ${quoted(text)}.`);
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
            throw badEntry(entry, `has the prefix ${quoted(prefix)}, which must be letters, digits and '_', not starting with a digit.`);
        }
        if (isRefusedPrefix(prefix)) {
            throw badEntry(entry, `has the prefix '${prefix}', which would make every name one that steers later steps (${prefix}...).`, REFUSED_HINT);
        }
        return Object.freeze({ kind: 'all', entry, vault, prefix });
    }
    const [name, version, ...extra] = segments;
    if (name === undefined || name === '' || extra.length > 0) {
        throw badEntry(entry, 'is not VAULT/SECRET[/VERSION].');
    }
    if (!SECRET_NAME.test(name)) {
        throw badEntry(entry, `has the secret name ${quoted(name)}, which must be 1-127 letters, digits and dashes.`);
    }
    if (version !== undefined && !SECRET_VERSION.test(version)) {
        throw badEntry(entry, `has the version ${quoted(version)}, which must be a version id (32 hex characters).`);
    }
    if (alias !== undefined && !ENV_NAME.test(alias)) {
        throw badEntry(entry, `has the environment variable name ${quoted(alias)}, which must be letters, digits and '_', not starting with a digit.`, 'Environment variable names match ^[A-Za-z_][A-Za-z0-9_]*$.');
    }
    const envName = alias ?? defaultEnvName(name);
    if (isRefusedEnvName(envName)) {
        throw badEntry(entry, `maps to the environment variable '${envName}', which would run code in, steer, or redirect the job's later steps.`, REFUSED_HINT);
    }
    return Object.freeze({ kind: 'secret', entry, vault, name, version, envName });
}
const REFUSED_HINT = 'Give the secret another name: VAULT/SECRET | APP_NAME (or the vault a prefix: VAULT/* | APP_). ' +
    'Names such as PATH, BASH_ENV, NODE_OPTIONS, LD_*, GITHUB_*, HTTPS_PROXY or IDENTITY_* are refused.';
/**
 * A vault name (`my-vault`), host (`my-vault.vault.azure.net`) or URL, as its origin and the
 * URL's path. Names get the cloud's suffix; hosts and URLs must already be in the cloud's
 * Key Vault domain, or be loopback http:// with a port (tests, local fakes).
 */
function parseVault(text, cloud, fail) {
    if (!URL_LIKE.test(text) && !text.includes('.')) {
        if (!VAULT_NAME.test(text)) {
            throw fail(`has the vault name ${quoted(text)}, which must be 3-24 letters, digits and dashes, start ` +
                `with a letter, end with a letter or digit, and have no '--'.`, "Use the vault's name as the portal shows it (my-vault), or its URL.");
        }
        return { origin: `https://${text.toLowerCase()}.${cloud.keyVaultSuffix}`, path: '' };
    }
    let url;
    try {
        url = new URL(URL_LIKE.test(text) ? text : `https://${text}`);
    }
    catch {
        throw fail(`has the vault ${quoted(text)}, which is not a vault name or URL.`);
    }
    if (url.username || url.password || url.search || url.hash) {
        throw fail(`has a vault URL with a user, query or fragment (${url.origin === 'null' ? 'not shown' : url.host}); a vault URL is https://NAME.${cloud.keyVaultSuffix}.`);
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
        throw fail(`has the vault '${url.origin}': Key Vault is reached over https:// only (plain http:// is accepted for loopback hosts with a port, for tests).`, `Use https://NAME.${cloud.keyVaultSuffix}, or just the vault's name.`);
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
        throw fail(`has the vault host '${host}', whose vault name ${quoted(name)} must be 3-24 letters, digits and dashes.`);
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
            throw new InputError('secrets', `entries ${quoted(earlier.entry)} and ${quoted(reference.entry)} both map to ${what}; names are compared ignoring case.`, 'Give one of them its own name: VAULT/SECRET | ENV_NAME (or VAULT/* | PREFIX_).');
        }
        seen.set(key, reference);
    }
}

;// CONCATENATED MODULE: ./src/core/keyvault/listing.ts
/**
 * Listing a vault for `VAULT/*`: every enabled secret whose `exp` is not past and whose `nbf`
 * is not ahead, following `nextLink` pages as given, empty pages included; certificate-backed
 * secrets (`managed: true`: they hold a certificate's private key) are left out
 * (docs/protocol.md#list-secrets). A hostile or broken vault cannot keep the step
 * listing forever: pages and items are bounded, and a page must be a page.
 */





/** The largest page Key Vault serves (maxresults is 1-25). */
const LIST_PAGE_SIZE = 25;
/** A vault holds a few thousand secrets at most: a listing longer than this is broken or hostile. */
const LIST_LIMITS = Object.freeze({ pages: 1_000, items: 100_000 });
/** Lists `vault`, handing each page's usable names to `onPage` as soon as the page arrives. */
async function listVault(vault, deps, onPage) {
    const names = [];
    const skipped = [];
    const certificates = [];
    const visited = new Set();
    let items = 0;
    const limits = deps.limits ?? LIST_LIMITS;
    let url = `${vault}/secrets?api-version=${KEY_VAULT_API_VERSION}&maxresults=${LIST_PAGE_SIZE}`;
    while (url !== undefined) {
        if (visited.size >= limits.pages)
            throw new ActionError(`the listing went on past ${limits.pages} pages; stopping (a vault holds at most a few thousand secrets).`);
        visited.add(url);
        const response = await deps.client.get(vault, url, 'Key Vault listing', { first: true });
        if (response.status !== 200)
            return { ok: false, failure: deps.explainer.answer(response, vault, '*') };
        const page = jsonFields(response.json);
        const value = page['value'];
        if (!Array.isArray(value))
            throw new ActionError(`page ${visited.size} of the listing holds no 'value' array: it is not a Key Vault listing.`);
        items += value.length;
        if (items > limits.items)
            throw new ActionError(`the listing went on past ${limits.items} items; stopping.`);
        const found = names.length;
        for (const item of value) {
            const name = listedName(item);
            if (name === undefined)
                continue;
            const why = whyUnusable(item, deps.now());
            if (why === 'certificate')
                certificates.push(name);
            else if (why !== undefined)
                skipped.push(`${name} (${why})`);
            else
                names.push(name);
        }
        onPage(names.slice(found));
        url = nextPage(page['nextLink'], vault, visited);
    }
    report(vault, names.length, skipped, certificates, deps.log);
    return { ok: true, names };
}
function report(vault, count, skipped, certificates, log) {
    const skippedNote = skipped.length > 0 ? ` (skipped ${skipped.length} disabled, expired or not yet valid)` : '';
    log.info(`Listed ${count} ${count === 1 ? 'secret' : 'secrets'} in ${vault}${skippedNote}.`);
    if (skipped.length > 0)
        log.debug(`Skipped in ${vault}: ${skipped.join(', ')}`);
    if (certificates.length > 0) {
        log.notice(`Skipped ${certificates.length} certificate-backed ${certificates.length === 1 ? 'secret' : 'secrets'} of ${vault}/* ` +
            `(each holds a certificate's private key): ${certificates.join(', ')}. Name one in 'secrets' to load it.`);
    }
}
/** The secret name from a list item's id, `https://v.vault.azure.net/secrets/NAME`. */
function listedName(item) {
    const id = jsonFields(item)['id'];
    if (typeof id !== 'string')
        return undefined;
    const name = /\/secrets\/([^/?#]+)\/?$/.exec(id)?.[1];
    return name !== undefined && isSecretName(name) ? name : undefined;
}
/** Why a listed secret is not loaded, or undefined when it is (`exp`, `nbf`: epoch seconds). */
function whyUnusable(item, now) {
    const fields = jsonFields(item);
    if (fields['managed'] === true)
        return 'certificate';
    const attributes = jsonFields(fields['attributes']);
    if (attributes['enabled'] === false)
        return 'disabled';
    const { exp, nbf } = attributes;
    if (typeof exp === 'number' && exp * 1000 <= now)
        return 'expired';
    if (typeof nbf === 'number' && nbf * 1000 > now)
        return 'not yet valid';
    return undefined;
}
/** The next page's URL, taken as given, but only on the vault's own origin: the token goes nowhere else. */
function nextPage(nextLink, vault, visited) {
    if (typeof nextLink !== 'string' || nextLink === '')
        return undefined;
    let origin;
    try {
        // An explicit :443 (real Key Vault sends it) is the same origin: URL drops a scheme's default port.
        origin = new URL(nextLink).origin;
    }
    catch {
        origin = undefined;
    }
    if (origin !== vault) {
        throw new ActionError(`the listing's nextLink points to ${externalText(origin ?? nextLink)}, not to the vault; refusing to send it the vault token.`);
    }
    if (visited.has(nextLink))
        throw new ActionError('the listing sent a nextLink to a page it had already sent; stopping.');
    return nextLink;
}

;// CONCATENATED MODULE: ./src/core/keyvault/load.ts







/**
 * Vault requests in flight at once, for all vaults together. Measured (bench/, issue 12): 64 load
 * 100 secrets in two waves of round trips where 16 took seven, and 1,000 in a third of the time;
 * a step still sends at most a few hundred requests a second, and Key Vault allows 4,000 per
 * 10 s per vault (docs/protocol.md#throttling), so one step stays far inside it, and a throttled
 * matrix is waited out.
 */
const MAX_REQUESTS_IN_FLIGHT = 64;
/** Key Vault stores values of at most 25 KB: anything larger is not a secret it sent. */
const MAX_SECRET_BYTES = 25 * 1024;
/** The scope of the vault token in a cloud: `https://vault.azure.net/.default`. */
function vaultScope(cloud) {
    return `${cloud.keyVaultResource}/.default`;
}
/** Loads every referenced secret, or throws one ActionError listing every failure. */
async function loadSecrets(references, deps, options) {
    const load = {
        client: vaultClient(deps.http, deps.tokens, options.scope, options.maxInFlight ?? MAX_REQUESTS_IN_FLIGHT),
        explainer: createExplainer(options.assignee, text => deps.masker.redact(text)),
        deps,
        listLimits: options.listLimits
    };
    const fetchOnce = fetcher(load);
    // Listed secrets are fetched page by page while the listing goes on: it never waits for the last page.
    // (The fetches are remembered by fetchOnce, which never rejects: the loop below collects them.)
    const startFetches = (page) => {
        for (const target of page)
            void fetchOnce(target);
    };
    const listed = await Promise.all(references.map(reference => expand(load, reference, startFetches)));
    const expanded = listed.flatMap(outcome => (outcome.ok ? outcome.value : []));
    const { targets, collisions } = separateCollisions(expanded);
    const fetched = await Promise.all(targets.map(fetchOnce));
    const failures = [...listed, ...fetched].flatMap(outcome => (outcome.ok ? [] : [outcome.failure]));
    failures.push(...collisions);
    const warnings = fetched.flatMap(outcome => (outcome.ok && outcome.warning !== undefined ? [outcome.warning] : []));
    const ignorable = (failure) => options.ignoreMissing && (failure.kind === 'missing' || failure.kind === 'disabled');
    const ignored = failures.filter(ignorable);
    const fatal = failures.filter(failure => !ignorable(failure));
    if (fatal.length > 0)
        throw failuresError(fatal, options.ignoreMissing);
    warnings.push(...ignored.map(failure => `Skipped, as ignore-missing-secrets is true: ${failure.text}`));
    const secrets = fetched.flatMap(outcome => (outcome.ok ? [outcome.value] : []));
    warnings.push(...secrets.filter(secret => !secret.exportable).map(notExportedWarning));
    return { secrets, warnings };
}
function notExportedWarning(secret) {
    const reference = secret.reference;
    return (`${labelOf(secret.vault, secret.name)} is set as the output ${secret.envName} only, not exported: ` +
        'that environment variable would run code in, steer, or redirect the later steps. To export it, give the vault a prefix:' +
        `\n    ${reference.entry.split('|')[0]?.trim()} | APP_`);
}
/**
 * Fetches each secret (vault, name, version) once, however many targets name it: a secret both
 * listed by `VAULT/*` and named, or named twice under two env names, costs one request.
 */
function fetcher(load) {
    const fetches = new Map();
    return async (target) => {
        const key = secretKey(target);
        let fetch = fetches.get(key);
        if (!fetch) {
            fetch = fetchSecret(load, target);
            fetches.set(key, fetch);
        }
        const outcome = await fetch;
        if (!outcome.ok)
            return outcome;
        const exportable = target.reference.kind === 'secret' || !isRefusedEnvName(target.envName);
        return { ...outcome, value: { ...outcome.value, reference: target.reference, envName: target.envName, exportable } };
    };
}
function secretKey(target) {
    return `${target.vault} ${target.name.toLowerCase()} ${target.version ?? ''}`;
}
async function expand(load, reference, onPage) {
    if (reference.kind === 'secret') {
        const target = { reference, vault: reference.vault, name: reference.name, version: reference.version, envName: reference.envName };
        onPage([target]);
        return { ok: true, value: [target] };
    }
    const toTargets = (names) => names.map(name => ({ reference, vault: reference.vault, name, version: undefined, envName: defaultEnvName(name, reference.prefix) }));
    try {
        const deps = {
            client: load.client,
            explainer: load.explainer,
            now: load.deps.now,
            log: load.deps.log,
            ...(load.listLimits ? { limits: load.listLimits } : {})
        };
        const listing = await listVault(reference.vault, deps, names => onPage(toTargets(names)));
        return listing.ok ? { ok: true, value: toTargets(listing.names) } : listing;
    }
    catch (error) {
        return { ok: false, failure: { kind: 'error', text: `${labelOf(reference.vault, '*')}: ${messageOf(error)}` } };
    }
}
/**
 * Secrets found twice (a `VAULT/*` and a named entry for the same secret) are fetched once;
 * two different secrets for one env name are a failure: the contract allows one value per name.
 * Linear in the number of targets, however many repeat.
 */
function separateCollisions(targets) {
    const byName = new Map();
    for (const target of targets) {
        const key = target.envName.toUpperCase();
        let group = byName.get(key);
        if (!group)
            byName.set(key, (group = new Map()));
        // A named entry wins over a listed one for the same secret: it carries the user's own name.
        const earlier = group.get(secretKey(target));
        if (!earlier || (target.reference.kind === 'secret' && earlier.reference.kind !== 'secret'))
            group.set(secretKey(target), target);
    }
    const kept = new Set();
    const collisions = [];
    for (const group of byName.values()) {
        const distinct = [...group.values()];
        if (distinct.length === 1) {
            kept.add(distinct[0]);
            continue;
        }
        const holders = distinct.map(target => `${labelOf(target.vault, target.name, target.version)} (entry '${target.reference.entry}')`);
        collisions.push({
            kind: 'error',
            text: `${distinct[0]?.envName}: more than one secret maps to this name: ${holders.join(', ')}. ` +
                'Give one its own name (VAULT/SECRET | NAME), or the vault a prefix (VAULT/* | PREFIX_).'
        });
    }
    return { targets: targets.filter(target => kept.has(target)), collisions };
}
/** `GET {vault}/secrets/{name}[/{version}]`; the value is masked at once. */
async function fetchSecret(load, target) {
    const { deps } = load;
    const label = labelOf(target.vault, target.name, target.version);
    const path = `/secrets/${encodeURIComponent(target.name)}${target.version === undefined ? '' : `/${encodeURIComponent(target.version)}`}`;
    let response;
    try {
        response = await load.client.get(target.vault, `${target.vault}${path}?api-version=${KEY_VAULT_API_VERSION}`, 'Key Vault');
    }
    catch (error) {
        return { ok: false, failure: { kind: 'error', text: `${label}: ${messageOf(error)}` } };
    }
    if (response.status !== 200)
        return { ok: false, failure: load.explainer.answer(response, target.vault, target.name, target.version) };
    const body = jsonFields(response.json);
    const value = body['value'];
    if (typeof value !== 'string')
        return { ok: false, failure: { kind: 'error', text: `${label}: Key Vault answered 200 without a value.` } };
    deps.masker.mask(value);
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > MAX_SECRET_BYTES) {
        return {
            ok: false,
            failure: {
                kind: 'error',
                text: `${label}: the answer's value has ${bytes} bytes, more than the 25 KB a Key Vault secret can hold; refusing to export it.`
            }
        };
    }
    const secret = {
        reference: target.reference,
        name: target.name,
        envName: target.envName,
        vault: target.vault,
        value,
        exportable: true
    };
    const expiry = jsonFields(body['attributes'])['exp'];
    if (typeof expiry === 'number' && expiry * 1000 <= deps.now()) {
        const when = new Date(expiry * 1000).toISOString().replace('.000Z', 'Z');
        return { ok: true, value: secret, warning: `${label} expired at ${when}; loaded anyway, as named. Set a new version of it.` };
    }
    return { ok: true, value: secret };
}

;// CONCATENATED MODULE: ./src/core/token-cache.ts

function cachedTokenSource(credential, log) {
    const tokens = new Map();
    return (scope, tenantId) => {
        const key = `${tenantId?.toLowerCase() ?? ''} ${scope}`;
        let token = tokens.get(key);
        if (!token) {
            token = requestToken(credential, scope, tenantId);
            tokens.set(key, token);
        }
        else {
            log?.debug(`Token for ${scope}${tenantId === undefined ? '' : ` in tenant ${tenantId}`}: the one this step already asked for.`);
        }
        return token;
    };
}
async function requestToken(credential, scope, tenantId) {
    try {
        return await credential.getToken(scope, tenantId === undefined ? undefined : { tenantId });
    }
    catch (error) {
        const tenant = tenantId === undefined ? '' : ` in tenant ${tenantId}`;
        throw withContext(`Getting a token for ${scope}${tenant} with auth-type '${credential.kind}'`, error);
    }
}

;// CONCATENATED MODULE: ./src/core/acquire.ts



async function acquire(config, credential, deps) {
    warmConnections(config, credential, deps.http);
    const tokens = cachedTokenSource(credential, deps.log);
    const [token, loaded] = await Promise.all([tokens(config.scope), loadConfiguredSecrets(config, deps, tokens)]);
    const identity = identityOf(token.token, config);
    for (const warning of loaded.warnings)
        deps.log.warning(warning);
    if (config.secrets.length > 0) {
        const names = loaded.secrets.map(secret => secret.envName).join(', ') || 'none';
        deps.log.info(`Loaded ${loaded.secrets.length} Key Vault ${loaded.secrets.length === 1 ? 'secret' : 'secrets'}: ${names}.`);
    }
    deps.log.info(`Signed in with auth-type '${credential.kind}' as client ${identity.clientId ?? '-'} (object ` +
        `${identity.objectId ?? '-'}) in tenant ${identity.tenantId ?? '-'}.`);
    deps.log.info(`Token for ${config.resource} expires at ${formatExpiry(token.expiresOn)}.`);
    return { token, identity, secrets: loaded.secrets };
}
/**
 * Opens the connections the step will need while its first request is on its way (issue 12):
 * Entra ID's token endpoint (two when the vault token is asked for alongside the resource token)
 * and each https vault, as many as its secrets will use at once. Only hosts of the credential
 * that was chosen: never IMDS, never a host behind a credential the step will not use.
 */
function warmConnections(config, credential, http) {
    const vaultToken = vaultScope(config.cloud);
    if (credential.tokenOrigin)
        http.preconnect(credential.tokenOrigin, config.secrets.length > 0 && config.scope !== vaultToken ? 2 : 1);
    const perVault = new Map();
    for (const reference of config.secrets) {
        // A listing's first page brings up to 25 secrets to fetch at once.
        perVault.set(reference.vault, (perVault.get(reference.vault) ?? 0) + (reference.kind === 'all' ? 25 : 1));
    }
    for (const [vault, count] of perVault)
        http.preconnect(vault, Math.min(count, MAX_REQUESTS_IN_FLIGHT));
}
/** The `secrets` input's values, all fetched and masked, or one error listing every failure. */
async function loadConfiguredSecrets(config, deps, tokens) {
    if (config.secrets.length === 0)
        return { secrets: [], warnings: [] };
    const scope = vaultScope(config.cloud);
    // The vault token's identity names the assignee in the role assignment commands of error hints.
    const assignee = identityOf((await tokens(scope)).token, config).objectId;
    return loadSecrets(config.secrets, { http: deps.http, now: () => deps.machine.now(), masker: deps.masker, tokens, log: deps.log }, { scope, ignoreMissing: config.ignoreMissingSecrets, assignee });
}

;// CONCATENATED MODULE: ./src/core/config.ts
/**
 * Every input and every variable of the environment the core uses is read here, once,
 * validated, and frozen into a typed Config. Nothing after this module reads `process.env` or
 * an input: it is handed what it needs. Secrets are masked here, the moment they enter.
 * The front-end says where the inputs come from (the action's INPUT_* variables, the command
 * line's flags) and where relative paths resolve.
 */





/** Reads and validates every input. Throws InputError, naming the input, on the first bad one. */
function readConfig(source, masker) {
    const input = (name) => source.input(name).trim();
    const optional = (name) => input(name) || undefined;
    const { env } = source;
    // Mask before anything can fail and be reported.
    const explicitSecret = optional('client-secret');
    const certificatePassword = optional('client-certificate-password');
    for (const secret of [explicitSecret, certificatePassword, env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'], env['IDENTITY_HEADER']]) {
        if (secret)
            masker.mask(secret);
    }
    const certificate = optional('client-certificate');
    if (certificate?.includes('PRIVATE KEY'))
        masker.mask(certificate);
    const creds = parseCreds(input('creds'), masker);
    const cloud = parseCloud(input('environment'));
    const { resource, scope } = parseResource(input('resource'), cloud);
    const context = readContext(env, source.workspace);
    const tokenFile = optional('token-file');
    if (certificatePassword && !certificate) {
        throw new InputError('client-certificate-password', "is set, but 'client-certificate' is empty.", 'Give the certificate too, or remove the password.');
    }
    const authorityInput = optional('authority-host');
    return Object.freeze({
        authType: parseAuthType(input('auth-type')),
        clientId: parseClientId(optional('client-id') ?? creds.clientId, optional('client-id') ? 'client-id' : 'creds'),
        tenantId: parseTenantId(optional('tenant-id') ?? creds.tenantId, optional('tenant-id') ? 'tenant-id' : 'creds'),
        clientSecret: explicitSecret ?? creds.clientSecret,
        clientCertificate: certificate,
        clientCertificatePassword: certificatePassword,
        cloud,
        authorityHost: parseAuthorityHost(authorityInput ?? env['AZURE_AUTHORITY_HOST']?.trim(), authorityInput ? 'authority-host' : 'AZURE_AUTHORITY_HOST', cloud),
        oidcAudience: parseAudience(optional('audience'), cloud),
        resource,
        scope,
        secrets: parseSecretsInput(input('secrets'), optional('keyvault'), cloud),
        exportEnv: parseBoolean('export-env', input('export-env'), true),
        ignoreMissingSecrets: parseBoolean('ignore-missing-secrets', input('ignore-missing-secrets'), false),
        tokenFile: tokenFile === undefined ? undefined : parseTokenFile(tokenFile, context.workspace),
        jobSummary: parseBoolean('job-summary', input('job-summary'), false),
        signInLaterSteps: parseBoolean('sign-in-later-steps', input('sign-in-later-steps'), false),
        context
    });
}
function readContext(env, workspace) {
    const value = (name) => env[name]?.trim() || undefined;
    const inWorkflow = value('GITHUB_ACTIONS') === 'true';
    return Object.freeze({
        workspace,
        inWorkflow,
        probeImds: !inWorkflow || value('RUNNER_ENVIRONMENT') === 'self-hosted',
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
/**
 * Accepts azure/login's `{"clientId","clientSecret","tenantId",...}` and the output of
 * `az ad sp create-for-rbac` (`{"appId","password","tenant"}`). The secret is masked before
 * any check can fail; nothing from the JSON is ever echoed but its field names.
 */
function parseCreds(text, masker, input = 'creds') {
    if (!text)
        return { clientId: undefined, clientSecret: undefined, tenantId: undefined };
    let parsed;
    try {
        parsed = JSON.parse(text);
    }
    catch {
        masker.mask(text);
        throw new InputError(input, 'is not valid JSON.', "Give the JSON printed by 'az ad sp create-for-rbac' or azure/login's " +
            '{"clientId","clientSecret","tenantId"} object, stored whole in one secret.');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new InputError(input, 'must be a JSON object such as {"clientId": "...", "clientSecret": "...", "tenantId": "..."}.');
    }
    const fields = parsed;
    const secretValue = fields['clientSecret'] ?? fields['password'];
    if (typeof secretValue === 'string' && secretValue.trim())
        masker.mask(secretValue.trim());
    const field = (...names) => {
        for (const name of names) {
            const value = fields[name];
            if (value === undefined || value === null || value === '')
                continue;
            if (typeof value !== 'string')
                throw new InputError(input, `field '${name}' must be a string.`);
            return value.trim() || undefined;
        }
        return undefined;
    };
    return { clientId: field('clientId', 'appId'), clientSecret: field('clientSecret', 'password'), tenantId: field('tenantId', 'tenant') };
}

;// CONCATENATED MODULE: ./src/core/executables.ts
/** Finding a program on PATH the way a shell would, but never in the working directory. */

/** The full path of an executable on PATH (with PATHEXT on Windows), or undefined. */
async function findOnPath(name, search, machine) {
    const windows = machine.platform === 'win32';
    const paths = windows ? external_node_path_namespaceObject.win32 : external_node_path_namespaceObject.posix;
    const extensions = windows ? (search.pathExt ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean) : [''];
    for (const directory of (search.path ?? '').split(windows ? ';' : ':')) {
        // A relative entry would search the working directory, which holds the repository's files.
        if (!directory || !paths.isAbsolute(directory))
            continue;
        for (const extension of extensions) {
            const candidate = paths.join(directory, name + extension.toLowerCase());
            if (await machine.isExecutable(candidate))
                return candidate;
        }
    }
    return undefined;
}

;// CONCATENATED MODULE: ./src/core/managed-identity/imds.ts


/**
 * Microsoft's IMDS guidance: retry 404, 429 and 5xx with backoff, and wait out 410 ("back
 * within 70 s"). 408 as everywhere. Waits before jitter: 2, 4, 8, 16, 30, 30, 30, 30 s, jittered
 * to at least half; all of it within IMDS_TOTAL_MS, so a 410 is waited out for at least 70 s.
 */
const IMDS_RETRY = Object.freeze({
    attempts: 9,
    statuses: new Set([404, 408, 410, 429, ...Array.from({ length: 100 }, (_, i) => 500 + i)]),
    baseDelayMs: 2_000,
    maxDelayMs: 30_000
});
/** Every IMDS token request ends within this, answered or not (the README's "Time bounds"). */
const IMDS_TOTAL_MS = 120_000;
/** IMDS answers in milliseconds; an attempt that hears nothing for this long is retried. */
const IMDS_ATTEMPT_TIMEOUT_MS = 15_000;
/** The VM's instance metadata service, or the host that AZURE_POD_IDENTITY_AUTHORITY_HOST names. */
function imdsHost(context) {
    return (context.podIdentityAuthorityHost ?? 'http://169.254.169.254').replace(/\/+$/, '');
}
/**
 * Whether IMDS answers: one GET with no query and no Metadata header, 1 s, no retries. Any HTTP
 * answer means it is there, except Docker Desktop's 403 "unreachable" (protocol.md#managed-identity-retries-and-probing).
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
/**
 * One try first: no answer at all means this is no Azure VM, and retrying would only make the
 * user wait minutes to learn it. An answer IMDS asks us to retry, or one that broke off, goes
 * to the full policy, whose first retry is immediate (Microsoft's backoff starts at 0 s).
 */
async function requestImdsToken(http, clock, host, query) {
    const url = new URL(`${host}/metadata/identity/oauth2/token`);
    url.search = new URLSearchParams({ 'api-version': '2018-02-01', ...Object.fromEntries(query) }).toString();
    const request = {
        method: 'GET',
        url: url.toString(),
        what: 'IMDS managed identity endpoint',
        headers: { Metadata: 'true' },
        timeoutMs: IMDS_ATTEMPT_TIMEOUT_MS
    };
    const startedAt = clock.now();
    // The first try is counted in what the retries report: "after 10 attempts", not 9.
    const rest = async () => {
        const response = await http.request({ ...request, retry: IMDS_RETRY, totalMs: Math.max(1, IMDS_TOTAL_MS - (clock.now() - startedAt)) });
        const attempts = response.attempts + 1;
        return { ...response, attempts, endpoint: response.endpoint };
    };
    let first;
    try {
        first = await http.request({ ...request, retry: { attempts: 1 } });
    }
    catch (error) {
        if (!(error instanceof RequestFailedError && error.unreachable))
            return rest();
        throw new ActionError(`No managed identity: the VM instance metadata service at ${host} did not answer (${error.reason}).`, 'Managed identity without IDENTITY_ENDPOINT works on an Azure VM or scale set only. ' +
            'If the runner uses a proxy, add 169.254.169.254 to NO_PROXY: IMDS must be reached directly.');
    }
    return IMDS_RETRY.statuses.has(first.status) ? rest() : first;
}

;// CONCATENATED MODULE: ./src/core/credentials/auto.ts



/**
 * True when the inputs say "OIDC" (a client and tenant, no secret, no certificate, in a
 * workflow) but GitHub offers the job no OIDC token: the job lacks `id-token: write`, and that,
 * not whatever `auto` tried next, is what the user must read first.
 */
function meantOidcWithoutToken(config) {
    const { context } = config;
    const oidcOffered = Boolean(context.oidcRequestUrl && context.oidcRequestToken);
    return (context.inWorkflow && !oidcOffered && Boolean(config.clientId && config.tenantId) && !config.clientSecret && !config.clientCertificate);
}
const MISSING_ID_TOKEN_PERMISSION = "The job has no GitHub OIDC token: 'client-id' and 'tenant-id' are given for OIDC, and the job needs `permissions: id-token: write`.";
/** The contract's order: explicit credentials first, then what the platform offers. */
async function chooseAuthType(config, deps) {
    const { context } = config;
    const candidates = [
        {
            kind: 'secret',
            because: 'a client secret is given',
            whyNot: () => (config.clientSecret ? undefined : "no 'client-secret' input and no clientSecret in 'creds'")
        },
        {
            kind: 'certificate',
            because: 'a client certificate is given',
            whyNot: () => (config.clientCertificate ? undefined : "no 'client-certificate' input")
        },
        { kind: 'oidc', because: "'client-id', 'tenant-id' and GitHub's OIDC token are there", whyNot: () => oidcWhyNot(config) },
        {
            kind: 'workload-identity',
            because: 'AZURE_FEDERATED_TOKEN_FILE is set',
            whyNot: () => (context.federatedTokenFile ? undefined : 'AZURE_FEDERATED_TOKEN_FILE is not set (not an AKS workload identity pod)')
        },
        {
            kind: 'managed-identity',
            because: 'IDENTITY_ENDPOINT is set',
            whyNot: () => context.identityEndpoint ? undefined : 'IDENTITY_ENDPOINT is not set (not App Service, Functions, Container Apps or Azure Arc)'
        },
        {
            kind: 'managed-identity',
            label: 'managed-identity (VM)',
            because: 'the VM instance metadata service (IMDS) answers',
            whyNot: async () => {
                if (!context.probeImds)
                    return 'the VM instance metadata service (IMDS) is probed only on self-hosted runners (RUNNER_ENVIRONMENT=self-hosted)';
                return (await probeImds(deps.http, imdsHost(context)))
                    ? undefined
                    : 'the VM instance metadata service (IMDS) did not answer within 1 s';
            }
        },
        {
            kind: 'azure-cli',
            because: "'az' is on PATH",
            whyNot: async () => ((await findOnPath('az', context, deps.machine)) ? undefined : "'az' is not on PATH")
        }
    ];
    const ruledOut = [];
    for (const candidate of candidates) {
        const whyNot = await candidate.whyNot();
        deps.log.debug(`auth-type 'auto': ${candidate.label ?? candidate.kind}: ${whyNot === undefined ? `applies (${candidate.because})` : `no, ${whyNot}`}`);
        if (whyNot === undefined)
            return { kind: candidate.kind, because: candidate.because, ruledOut };
        ruledOut.push(`  ${candidate.label ?? candidate.kind}: ${whyNot}`);
    }
    const found = `auth-type 'auto' found no credential here:\n${ruledOut.join('\n')}`;
    throw new ActionError(found, "For GitHub-hosted runners, use OIDC: set 'client-id' and 'tenant-id' and give the job `permissions: id-token: write`.", meantOidcWithoutToken(config) ? MISSING_ID_TOKEN_PERMISSION : undefined);
}
function oidcWhyNot(config) {
    // GitHub's OIDC variables mean "this job's token" only inside a workflow: outside one (the
    // command line on a laptop or in a pod) auto never picks OIDC; --auth-type oidc still can.
    if (!config.context.inWorkflow)
        return 'not inside a GitHub Actions workflow (GITHUB_ACTIONS is not true)';
    const missing = [
        config.clientId ? undefined : "'client-id'",
        config.tenantId ? undefined : "'tenant-id'",
        config.context.oidcRequestUrl && config.context.oidcRequestToken
            ? undefined
            : 'ACTIONS_ID_TOKEN_REQUEST_URL (the job needs `permissions: id-token: write`)'
    ].filter(Boolean);
    return missing.length ? `no ${missing.join(', no ')}` : undefined;
}

;// CONCATENATED MODULE: ./src/core/token.ts
/**
 * What every credential hands back, and the one strict way to read a token answer's numbers:
 * Entra ID, the managed identity endpoints and the Azure CLI all go through here, so `true`,
 * `[3599]`, `"0x10"` or a lifetime of a million years is refused the same way everywhere.
 */

/** No Azure token lives longer than a day or so; a longer claimed lifetime is a broken answer. */
const MAX_TOKEN_LIFETIME_S = 30 * 24 * 3600;
/**
 * A count of seconds: a finite non-negative number, or a string of decimal digits (Entra ID and
 * the managed identity endpoints send both, protocol.md#token-response and #managed-identity-responses). Anything else is undefined.
 */
function readSeconds(value) {
    if (typeof value === 'number')
        return Number.isFinite(value) && value >= 0 ? value : undefined;
    if (typeof value === 'string' && /^\s*\d{1,15}(\.\d+)?\s*$/.test(value))
        return Number(value);
    return undefined;
}
/** `startedAt + expires_in`, when `expires_in` is a positive lifetime of at most MAX_TOKEN_LIFETIME_S. */
function expiryFromLifetime(expiresIn, startedAt) {
    const seconds = readSeconds(expiresIn);
    if (seconds === undefined || seconds <= 0 || seconds > MAX_TOKEN_LIFETIME_S)
        return undefined;
    return new Date(startedAt + seconds * 1000);
}
/**
 * An absolute expiry: epoch seconds (number or digits), or a date string (ISO 8601, or the
 * App Service 2017 form `11/23/2026 12:00:00 +00:00`). Undefined unless it is a real time no
 * further than MAX_TOKEN_LIFETIME_S from now.
 */
function expiryFromTimestamp(expiresOn, now) {
    const seconds = readSeconds(expiresOn);
    const ms = seconds !== undefined ? seconds * 1000 : typeof expiresOn === 'string' ? Date.parse(expiresOn) : NaN;
    if (!Number.isFinite(ms) || ms <= 0 || ms > now + MAX_TOKEN_LIFETIME_S * 1000)
        return undefined;
    return new Date(ms);
}
/** Fails with a clear line when a token is already expired: handing it on would only fail later, less clearly. */
function checkNotExpired(token, now, source) {
    if (token.expiresOn.getTime() > now)
        return token;
    throw new ActionError(`${source} answered with a token that expired at ${token.expiresOn.toISOString().replace(/\.\d{3}Z$/, 'Z')}.`, 'Check the runner clock (a self-hosted runner should sync it with NTP); if the clock is ' +
        'right, the service is broken: re-run the job later.');
}

;// CONCATENATED MODULE: ./src/core/credentials/credential.ts
/** The resource a v1-style endpoint (managed identity, Azure CLI) wants for a v2 scope. */
function scopeToResource(scope) {
    return scope.endsWith('/.default') ? scope.slice(0, -'/.default'.length) : scope;
}

;// CONCATENATED MODULE: ./src/core/credentials/azure-cli.ts
/**
 * `azure-cli`: reuses the runner's `az login` session (for instance after azure/login):
 * `az account get-access-token --output json --resource R [--tenant T]`.
 * Behaviour and output format: docs/protocol.md#4-azure-cli.
 */







/** `az` may refresh its own token first: give it time, but not forever. */
const AZ_TIMEOUT_MS = 60_000;
/** What may reach the command line: nothing a shell would read as syntax. */
const SAFE_RESOURCE = /^[0-9a-zA-Z\-_.:/]+$/;
const SAFE_TENANT = /^[0-9a-zA-Z\-.]+$/;
const INSTALL_HINT = 'Install the Azure CLI (https://aka.ms/azure-cli), or choose another auth-type.';
const LOGIN_HINT = "Sign the CLI in earlier in the job (azure/login), or run `az login` as the runner's user on a self-hosted runner. " +
    "On GitHub-hosted runners prefer auth-type 'oidc': it needs no az login step.";
function createAzureCliCredential(settings, deps) {
    return {
        kind: 'azure-cli',
        async getToken(scope, options) {
            const resource = scopeToResource(scope);
            const tenant = options?.tenantId ?? settings.tenantId;
            if (!SAFE_RESOURCE.test(resource) || (tenant !== undefined && !SAFE_TENANT.test(tenant))) {
                const inTenant = tenant ? ` in tenant '${externalText(tenant)}'` : '';
                throw new ActionError(`The Azure CLI cannot be asked for resource '${externalText(resource)}'${inTenant}: only ` +
                    `letters, digits and - _ . : / may be used.`);
            }
            const args = ['account', 'get-access-token', '--output', 'json', '--resource', resource, ...(tenant ? ['--tenant', tenant] : [])];
            const result = await runAz(settings, deps, args);
            const now = deps.machine.now();
            return checkNotExpired(parseAzOutput(result.stdout, deps.masker, now), now, 'The Azure CLI');
        }
    };
}
/**
 * Runs `az` by its full path from PATH (never a copy in the working directory). Windows ships it
 * as `az.cmd`, which node runs only through cmd.exe (CVE-2024-27980): the path is quoted and
 * every argument has been checked to hold no character cmd.exe would interpret.
 */
async function runAz(settings, deps, args) {
    const { platform } = deps.machine;
    const az = await findOnPath('az', settings, deps.machine);
    if (az === undefined)
        throw new ActionError("The Azure CLI ('az') is not on PATH.", INSTALL_HINT);
    const batch = platform === 'win32' && /\.(cmd|bat)$/i.test(az);
    if (batch && /["%\r\n]/.test(az)) {
        throw new ActionError(`Refusing to run the Azure CLI from '${externalText(az)}': the path holds a character cmd.exe would interpret.`);
    }
    const result = await deps.machine.runProcess(batch ? `"${az}"` : az, args, { timeoutMs: AZ_TIMEOUT_MS, shell: batch });
    if (result.failure === 'ENOENT')
        throw new ActionError(`The Azure CLI could not be started from ${az}.`, INSTALL_HINT);
    if (result.failure === 'ETIMEDOUT') {
        throw new ActionError(`The Azure CLI did not answer within ${AZ_TIMEOUT_MS / 1000} s (${external_node_path_namespaceObject.basename(az)} account get-access-token).`, LOGIN_HINT);
    }
    if (result.exitCode !== 0)
        throw explainAzFailure(result, args.includes('--tenant'), text => deps.masker.redact(text));
    return result;
}
/** Turns what `az` printed on stderr into what failed and what to do (protocol.md#azure-cli-errors). */
function explainAzFailure(result, withTenant, redact = text => text) {
    const stderr = result.stderr.trim();
    if (/az:(.*)not found/.test(stderr) || /^'az' is not recognized/.test(stderr)) {
        return new ActionError("The Azure CLI ('az') is not installed.", INSTALL_HINT);
    }
    const said = externalText(stderr.replace(/\s+/g, ' '), { redact, maxLength: 500 }) || `exit code ${result.exitCode ?? 'none'}, no message`;
    // Azure CLI signed in with `az login --identity` refuses --tenant (azure-cli _profile.py).
    if (withTenant && /Tenant shouldn't be specified for managed identity account/i.test(stderr)) {
        return new ActionError(`The Azure CLI is signed in with a managed identity, which refuses --tenant: ${said}`, "Remove 'tenant-id' (a managed identity has one tenant), or use auth-type 'managed-identity' directly: it needs no az login.");
    }
    if (/az login/.test(stderr) && !/az login --scope/.test(stderr)) {
        return new ActionError(`The Azure CLI is not signed in: ${said}`, LOGIN_HINT);
    }
    return new ActionError(`The Azure CLI failed to get a token: ${said}`, 'Run `az account get-access-token` on the runner to see the problem.');
}
/**
 * `accessToken`, masked at once; expiry from `expires_on` (epoch seconds, CLI 2.54+), else the
 * deprecated `expiresOn` (a local time with no zone, read as the runner's local time).
 */
function parseAzOutput(stdout, masker, now) {
    let output;
    try {
        output = JSON.parse(stdout);
    }
    catch {
        throw new ActionError('The Azure CLI printed no JSON for az account get-access-token.', 'Update the Azure CLI: az upgrade');
    }
    const fields = jsonFields(output);
    const token = stringField(fields, 'accessToken');
    if (token === undefined)
        throw new ActionError('The Azure CLI answered without an accessToken.', 'Update the Azure CLI: az upgrade');
    masker.mask(token);
    const expiresOn = expiryFromTimestamp(fields['expires_on'], now) ?? expiryFromTimestamp(fields['expiresOn'], now);
    if (expiresOn === undefined)
        throw new ActionError('The Azure CLI answered without a valid expiry (expires_on / expiresOn).', 'Update the Azure CLI: az upgrade');
    return { token, expiresOn };
}

;// CONCATENATED MODULE: external "node:crypto"
const external_node_crypto_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");
;// CONCATENATED MODULE: ./src/core/entra/explanations.ts
/**
 * What Entra ID's error answers mean for a workflow, and what to do about them. Codes and
 * meanings: docs/protocol.md#entra-id-errors, and Entra ID's error code reference.
 */




const FEDERATION_MISMATCH = new Set([70021, 700211, 700212, 700213, 7002138]);
const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
/** AADSTS700213's fix when the token is a Kubernetes service account's (AKS workload identity). */
const KUBERNETES_SUBJECT_FIX = "The subject is the pod's service account, system:serviceaccount:NAMESPACE:NAME: add a " +
    'federated credential for exactly the subject below.';
/** What each AADSTS code means for a workflow, and what to do about it. */
const ENTRA_EXPLANATIONS = Object.freeze({
    70021: {
        meaning: 'No federated credential of the app matches the issuer, subject and audience of the token presented.',
        fix: 'Add a federated credential with exactly the values below.'
    },
    700211: {
        meaning: 'No federated credential of the app has the issuer of the token presented.',
        fix: 'Add a federated credential with exactly the values below (issuer included).'
    },
    700212: {
        meaning: 'No federated credential of the app has the audience of the token presented.',
        fix: "Add a federated credential with the audience below, or set the action's 'audience' input to the one registered."
    },
    700213: {
        meaning: 'No federated credential of the app has the subject of the token presented.',
        fix: "The subject depends on the trigger and on the job's `environment:`, and GitHub writes it " +
            'by name (repo:OWNER/REPO:...) or, for repositories ' +
            'created or renamed since 2026-07-15, with immutable ids (repo:OWNER@ID/REPO@ID:...). Add a ' +
            'federated credential for exactly the subject below: it is the one this job presents.'
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
        fix: 'Ask for one resource per step: run the action once for each resource.'
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
        fix: "Enable the app's service principal (Enterprise applications > Properties > Enabled for users to sign in)."
    },
    7000229: {
        meaning: 'The app has no service principal in the tenant.',
        fix: 'Create one: az ad sp create --id <client-id>'
    },
    53003: {
        meaning: 'A Conditional Access policy blocked the sign-in.',
        fix: 'Ask a tenant admin to allow this workload identity (Conditional Access for workload ' +
            "identities), or the runner's network location."
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
function explainEntraError(response, request, masker) {
    const fields = jsonFields(response.json);
    const error = stringField(fields, 'error');
    const description = stringField(fields, 'error_description') ?? '';
    const code = errorCode(fields['error_codes'], description);
    // Newer descriptions put "Trace ID: ... Correlation ID: ... Timestamp: ..." on the first line: shown once, below.
    const firstLine = description
        .split(/\r?\n/)[0]
        ?.replace(/^AADSTS\d+:\s*/, '')
        .replace(/\s*Trace ID:.*$/, '')
        .trim() ?? '';
    const summary = firstLine ? externalText(firstLine, { redact: text => masker.redact(text) }) : '';
    const traceId = stringField(fields, 'trace_id');
    const correlationId = stringField(fields, 'correlation_id');
    const outage = response.status >= 500 || response.status === 429;
    const what = outage ? answeredAfter(response) : `Entra ID refused the token request with HTTP ${response.status}`;
    const head = code !== undefined ? `Entra ID refused the token request with AADSTS${code}` : `${what}${error ? ` (${externalText(error)})` : ''}`;
    const explanation = code !== undefined ? ENTRA_EXPLANATIONS[code] : undefined;
    const lines = [`${head}: ${explanation?.meaning ?? (summary || 'the answer held no OAuth error')}`];
    if (explanation && summary)
        lines.push(`Entra ID said: ${summary}`);
    if (traceId || correlationId)
        lines.push(`Trace ID: ${externalText(traceId ?? '-')}, correlation ID: ${externalText(correlationId ?? '-')}`);
    const hints = [];
    if (code === undefined && outage) {
        hints.push('Entra ID kept failing through the retries: re-run the job (https://azure.status.microsoft shows outages).');
    }
    else if (error === undefined && code === undefined) {
        hints.push(`Check that ${request.authorityHost} is an Entra ID authority ('authority-host', ` +
            `AZURE_AUTHORITY_HOST) and that no proxy answers in its place.`);
    }
    const presented = 'presented' in request.proof ? request.proof.presented : undefined;
    const fromKubernetes = presented !== undefined && presented.issuer !== GITHUB_ISSUER && presented.subject.startsWith('system:serviceaccount:');
    if (explanation)
        hints.push(code === 700213 && fromKubernetes ? KUBERNETES_SUBJECT_FIX : explanation.fix.replace(/<client-id>/g, request.clientId));
    if (code !== undefined && (FEDERATION_MISMATCH.has(code) || code === 70025) && presented) {
        hints.push(...federatedCredentialAdvice(request.clientId, presented));
    }
    return new ActionError(lines.join('\n'), hints.length ? hints.join('\n') : undefined);
}
function errorCode(codes, description) {
    if (Array.isArray(codes) && typeof codes[0] === 'number')
        return codes[0];
    const match = /AADSTS(\d+)/.exec(description);
    return match?.[1] ? Number(match[1]) : undefined;
}
/**
 * The values a federated token (GitHub's, or a Kubernetes service account's) presented, and the
 * command that registers a match for them.
 */
function federatedCredentialAdvice(clientId, presented) {
    const prefix = presented.issuer === GITHUB_ISSUER ? 'github' : 'federated';
    const name = `${prefix}-${presented.subject}`
        .replace(/[^A-Za-z0-9_-]+/g, '-')
        .replace(/-+$/, '')
        .slice(0, 120);
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
        `(for a user-assigned managed identity: az identity federated-credential create --name ${name} ` +
            `--identity-name <identity> --resource-group <group> --issuer ${shellQuote(presented.issuer)} ` +
            `--subject ${shellQuote(presented.subject)} --audiences ${shellQuote(presented.audience)})`
    ];
}
/** One POSIX shell word: a branch name may hold a `'` (git allows it), which would end a plain '...'. */
function shellQuote(text) {
    return `'${text.replace(/'/g, `'\\''`)}'`;
}

;// CONCATENATED MODULE: ./src/core/entra/token-endpoint.ts






/**
 * What a federated token presents, read from its claims as data (escaped: a token's claims are
 * not ours). Never used to decide anything: only shown when Entra ID finds no match.
 */
function presentedBy(token, fallbackAudience) {
    const claims = readClaims(token);
    const claim = (name, fallback) => externalText(stringClaim(claims, name) ?? fallback, { maxLength: 1000 });
    return { issuer: claim('iss', '(unknown)'), subject: claim('sub', '(unknown)'), audience: claim('aud', fallbackAudience) };
}
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
function tokenEndpoint(authorityHost, tenantId) {
    return `${authorityHost}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;
}
/** Exchanges a client secret or assertion for an access token; the token is masked at once. */
async function requestEntraToken(deps, request) {
    const form = new URLSearchParams({ client_id: request.clientId, scope: request.scope, grant_type: 'client_credentials' });
    if ('clientSecret' in request.proof) {
        form.set('client_secret', request.proof.clientSecret);
    }
    else {
        form.set('client_assertion_type', JWT_BEARER);
        form.set('client_assertion', request.proof.clientAssertion);
    }
    const startedAt = deps.clock.now();
    // Client-credential requests are idempotent, so the HTTP layer may retry them.
    const response = await deps.http.request({
        method: 'POST',
        url: tokenEndpoint(request.authorityHost, request.tenantId),
        what: 'Entra ID token endpoint',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: form.toString()
    });
    if (response.status !== 200)
        throw explainEntraError(response, request, deps.masker);
    return checkNotExpired(parseTokenResponse(response.json, startedAt, deps.masker), deps.clock.now(), 'Entra ID');
}
/** Reads `access_token` and `expires_in` (a number or a numeric string, docs/protocol.md#token-response). */
function parseTokenResponse(body, startedAt, masker) {
    const fields = jsonFields(body);
    const token = fields['access_token'];
    if (typeof token !== 'string' || token === '') {
        throw new ActionError('Entra ID answered 200 without an access_token.');
    }
    masker.mask(token);
    const expiresOn = expiryFromLifetime(fields['expires_in'], startedAt);
    if (expiresOn === undefined) {
        throw new ActionError('Entra ID answered without a valid expires_in (a number of seconds up to 30 days).');
    }
    return { token, expiresOn };
}

;// CONCATENATED MODULE: ./src/core/entra/app-credential.ts

function entraAppCredential(kind, app, deps, proof) {
    let subject;
    return {
        kind,
        subject: () => subject,
        tokenOrigin: new URL(tokenEndpoint(app.authorityHost, app.tenantId)).origin,
        async getToken(scope, options) {
            const tenantId = options?.tenantId ?? app.tenantId;
            const clientProof = await proof({ tenantId, tokenEndpoint: tokenEndpoint(app.authorityHost, tenantId) });
            if ('presented' in clientProof)
                subject = clientProof.presented?.subject;
            return requestEntraToken({ http: deps.http, clock: deps.machine, masker: deps.masker }, { authorityHost: app.authorityHost, tenantId, clientId: app.clientId, scope, proof: clientProof });
        }
    };
}

;// CONCATENATED MODULE: external "node:fs"
const external_node_fs_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");
;// CONCATENATED MODULE: external "node:child_process"
const external_node_child_process_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:child_process");
;// CONCATENATED MODULE: ./src/core/processes.ts
/**
 * The real machine's processes (machine.ts's nodeMachine): a program run to its end without a
 * shell, a program started in the background that outlives the step, and whether a process is
 * still there.
 */


/** Output beyond this is a broken program, not a token. */
const MAX_PROCESS_OUTPUT = 4 * 1024 * 1024;
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
/** A first line longer than this is not the short report the caller waits for. */
const MAX_FIRST_LINE = 64 * 1024;
function startBackground(file, args, options) {
    return new Promise(resolve => {
        // Inheriting the step's stdout or stderr would make the runner wait for the child and then
        // kill it (and on Windows its whole tree) when the step ends: pipes of its own, or nothing.
        const child = (0,external_node_child_process_namespaceObject.spawn)(file, args, {
            env: options.env,
            stdio: ['pipe', 'pipe', 'ignore'],
            detached: true,
            windowsHide: true,
            shell: false
        });
        let output = '';
        let settled = false;
        const finish = (result) => {
            if (settled)
                return;
            settled = true;
            clearTimeout(timer);
            child.stdout?.destroy();
            child.stdin?.destroy();
            if (!result.started)
                child.kill('SIGKILL');
            child.unref();
            resolve(result);
        };
        const timer = setTimeout(() => finish({ started: false, why: `it wrote nothing within ${options.timeoutMs / 1000} s` }), options.timeoutMs);
        child.on('error', error => finish({ started: false, why: error.code === 'ENOENT' ? `${file} was not found` : messageOfError(error) }));
        // 'close': it has exited and all its output was read.
        child.on('close', (code, signal) => finish({ started: false, why: `it exited (${signal ?? `code ${code}`}) without a word` }));
        child.stdout?.setEncoding('utf8');
        child.stdout?.on('data', (chunk) => {
            output += chunk;
            const end = output.indexOf('\n');
            if (end >= 0 && child.pid !== undefined)
                finish({ started: true, pid: child.pid, firstLine: output.slice(0, end).replace(/\r$/, '') });
            else if (output.length > MAX_FIRST_LINE)
                finish({ started: false, why: `its first line is longer than ${MAX_FIRST_LINE} bytes` });
        });
        // A program that exits before it reads its input breaks the pipe: reported by the above.
        child.stdin?.on('error', () => { });
        child.stdin?.end(options.input);
    });
}
function isRunning(pid) {
    try {
        process.kill(pid, 0);
    }
    catch (error) {
        // EPERM: it exists, and belongs to someone else.
        return error.code === 'EPERM';
    }
    if (process.platform !== 'linux')
        return true;
    // A zombie has ended: it only waits for its parent (or an init that does not reap) to collect it.
    try {
        const stat = (0,external_node_fs_namespaceObject.readFileSync)(`/proc/${pid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    }
    catch {
        return false;
    }
}
function messageOfError(error) {
    return error instanceof Error ? error.message : String(error);
}

;// CONCATENATED MODULE: ./src/core/machine.ts
/**
 * The machine around the core: the clock and timers, files, and processes. Everything that
 * touches them goes through a Machine, so tests hand in a fake one and never wait, never touch
 * the real file system by accident, and never start a real program they did not mean to.
 * `nodeMachine()` is the real one (its processes: processes.ts).
 */




/** Why a file that must hold a credential could not be read. */
class FileReadError extends Error {
    reason;
    constructor(message, 
    /** `not-regular`: a FIFO, device, directory or socket; `too-large`: over the caller's bound. */
    reason) {
        super(message);
        this.reason = reason;
        this.name = 'FileReadError';
    }
}
function nodeMachine() {
    return {
        platform: process.platform,
        now: Date.now,
        random: Math.random,
        sleep: ms => new Promise(resolve => setTimeout(resolve, ms)),
        timer: (ms, onTimeout) => {
            const handle = setTimeout(onTimeout, ms);
            return () => clearTimeout(handle);
        },
        readRegularFile,
        realPath: file => external_node_fs_namespaceObject.promises.realpath(file),
        isExecutable: async (file) => {
            try {
                const stat = await external_node_fs_namespaceObject.promises.stat(file);
                return stat.isFile() && (process.platform === 'win32' || (stat.mode & 0o111) !== 0);
            }
            catch {
                return false;
            }
        },
        createFile,
        replaceFile,
        fileIdentity: async (file) => {
            try {
                const stat = await external_node_fs_namespaceObject.promises.lstat(file, { bigint: true });
                return stat.isFile() ? machine_identityOf(stat) : undefined;
            }
            catch {
                return undefined;
            }
        },
        removeFile: file => external_node_fs_namespaceObject.promises.rm(file, { force: true }),
        runProcess: runProcess,
        startBackground: startBackground,
        isRunning: isRunning
    };
}
async function readRegularFile(file, maxBytes) {
    let handle;
    try {
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
        handle = await external_node_fs_namespaceObject.promises.open(file, external_node_fs_namespaceObject.constants.O_RDONLY | (external_node_fs_namespaceObject.constants.O_NONBLOCK ?? 0));
    }
    catch (error) {
        const code = error.code;
        throw new FileReadError(code === 'ENOENT' ? 'no such file' : machine_messageOfError(error), code === 'ENOENT' ? 'missing' : 'unreadable');
    }
    try {
        const stat = await handle.stat();
        if (!stat.isFile())
            throw new FileReadError(`it is ${kindOf(stat)}, not a regular file`, 'not-regular');
        if (stat.size > maxBytes)
            throw new FileReadError(`it has ${stat.size} bytes, more than the ${maxBytes} allowed`, 'too-large');
        const content = await handle.readFile();
        if (content.length > maxBytes)
            throw new FileReadError(`it has more than the ${maxBytes} bytes allowed`, 'too-large');
        return content;
    }
    catch (error) {
        if (error instanceof FileReadError)
            throw error;
        throw new FileReadError(machine_messageOfError(error), 'unreadable');
    }
    finally {
        await handle.close();
    }
}
function kindOf(stat) {
    if (stat.isDirectory())
        return 'a directory';
    if (stat.isFIFO())
        return 'a FIFO (named pipe)';
    if (stat.isSocket())
        return 'a socket';
    if (stat.isCharacterDevice() || stat.isBlockDevice())
        return 'a device';
    return 'not a file';
}
function machine_identityOf(stat) {
    return { device: String(stat.dev), inode: String(stat.ino), size: String(stat.size), modifiedNs: String(stat.mtimeNs) };
}
async function createFile(file, content, mode) {
    const directory = external_node_path_namespaceObject.dirname(file);
    await external_node_fs_namespaceObject.promises.mkdir(directory, { recursive: true, mode: 0o700 }).catch((error) => {
        // mkdir says EEXIST when a parent is a file: that is not "the file exists".
        if (error.code !== 'EEXIST')
            throw error;
        throw Object.assign(new Error(`ENOTDIR: a parent of the file is not a directory, mkdir '${directory}'`), { code: 'ENOTDIR' });
    });
    // 'wx' is O_CREAT | O_EXCL: it fails on an existing file and on a symbolic link, dangling or not.
    const handle = await external_node_fs_namespaceObject.promises.open(file, 'wx', mode);
    try {
        await handle.writeFile(content, 'utf8');
        return machine_identityOf(await handle.stat({ bigint: true }));
    }
    catch (error) {
        await external_node_fs_namespaceObject.promises.rm(file, { force: true });
        throw error;
    }
    finally {
        await handle.close();
    }
}
async function replaceFile(file, content, mode) {
    const temporary = external_node_path_namespaceObject.join(external_node_path_namespaceObject.dirname(file), `.${external_node_path_namespaceObject.basename(file)}.${(0,external_node_crypto_namespaceObject.randomBytes)(6).toString('hex')}.tmp`);
    await createFile(temporary, content, mode);
    try {
        await external_node_fs_namespaceObject.promises.rename(temporary, file);
    }
    catch (error) {
        await external_node_fs_namespaceObject.promises.rm(temporary, { force: true });
        throw error;
    }
}
function machine_messageOfError(error) {
    return error instanceof Error ? error.message : String(error);
}

;// CONCATENATED MODULE: ./src/core/credentials/certificate.ts
/**
 * `certificate`: a client assertion JWT signed with the app's certificate key, sent to the Entra
 * ID token endpoint. Header `alg: PS256` + `x5t#S256`; claims `aud` (the token endpoint URL),
 * `iss` = `sub` = client id, `jti`, `nbf`, `exp` = now + 10 min.
 * Wire format: docs/protocol.md#certificate-assertion.
 */






/** Entra ID wants 5 to 10 minutes between `nbf` and `exp` (protocol.md#certificate-assertion). */
const ASSERTION_LIFETIME_S = 600;
/** A certificate with its chain and key is a few KB; a file near this is not one. */
const MAX_PEM_BYTES = 1024 * 1024;
const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const KEY_BLOCK = /-----BEGIN ((?:RSA |ENCRYPTED |EC )?PRIVATE KEY)-----[\s\S]+?-----END \1-----/;
const PEM_HINT = 'Give the certificate and its private key in one PEM, e.g. cat cert.pem key.pem > combined.pem (from ' +
    'a .pfx: openssl pkcs12 -in cert.pfx -out combined.pem -nodes), stored in a secret or as a file path.';
async function createCertificateCredential(settings, deps) {
    const pem = await readCertificatePem(settings, deps);
    const signing = loadSigningCertificate(pem, settings.password, deps.machine.now());
    // The SHA-1 thumbprint, as the app's "Certificates & secrets" page lists it.
    const portalThumbprint = signing.certificate.fingerprint.replace(/:/g, '');
    const subject = externalText(signing.certificate.subject.replace(/\n/g, ', '));
    deps.log.info(`Client certificate ${subject}, thumbprint ${portalThumbprint}, valid until ${new Date(signing.certificate.validTo).toISOString()}.`);
    return entraAppCredential('certificate', settings, deps, exchange => Promise.resolve({
        clientAssertion: signClientAssertion(signing, {
            audience: exchange.tokenEndpoint,
            clientId: settings.clientId,
            now: deps.machine.now()
        })
    }));
}
/**
 * The input itself when it holds PEM text, else the file it names (relative to the workspace).
 * Also what the token endpoint for later steps is handed, so that it never reads a key file.
 */
async function readCertificatePem(settings, deps) {
    const input = settings.certificate;
    if (input.includes('-----BEGIN'))
        return input;
    const file = external_node_path_namespaceObject.resolve(settings.workspace, input);
    let text;
    try {
        text = (await deps.machine.readRegularFile(file, MAX_PEM_BYTES)).toString('utf8');
    }
    catch (error) {
        const why = error instanceof FileReadError ? error.message : messageOf(error);
        throw new InputError('client-certificate', `is neither PEM text nor a readable file: ${file} (${why}).`, PEM_HINT);
    }
    // The key came from a file, so config.ts could not mask it: do it before anything can fail.
    const key = KEY_BLOCK.exec(text)?.[0];
    if (key)
        deps.masker.mask(key);
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
    const renew = 'Create a new certificate, upload it to the app (az ad app credential reset --id <client-id> --cert ' +
        '@cert.pem --append) and update the secret that holds it.';
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

;// CONCATENATED MODULE: ./src/core/managed-identity/answer.ts
/**
 * Reading a managed identity endpoint's answer: the token, its expiry, or what went wrong and
 * what to do about it. Shapes: docs/protocol.md#managed-identity-responses.
 */





const SOURCE_NAMES = {
    'app-service': 'The App Service / Container Apps identity endpoint',
    arc: 'The Azure Arc identity endpoint',
    imds: 'The VM instance metadata service (IMDS)'
};
/**
 * `access_token`, masked at once, and its expiry. The endpoints cache tokens for up to 24 h, so
 * a cached answer's `expires_in` can claim a full day while the token ends within the hour:
 * `expires_on` (epoch seconds, or a date) wins when it is a valid time, as in the Azure SDKs
 * (Azure/azure-sdk-for-js PR #8591); `expires_in` from the request's start is the fallback.
 */
function parseManagedIdentityToken(body, startedAt, now, masker) {
    const fields = jsonFields(body);
    const token = stringField(fields, 'access_token');
    if (token === undefined)
        throw new ActionError('The managed identity endpoint answered 200 without an access_token.');
    masker.mask(token);
    const expiresOn = expiryFromTimestamp(fields['expires_on'], now) ?? expiryFromLifetime(fields['expires_in'], startedAt);
    if (expiresOn === undefined) {
        throw new ActionError('The managed identity endpoint answered without a valid expires_on or expires_in.');
    }
    return checkNotExpired({ token, expiresOn }, now, 'The managed identity endpoint');
}
/** What the endpoint said, from any of its error shapes, and what to do about it. */
function managedIdentityError(response, context) {
    const fields = jsonFields(response.json);
    const nested = jsonFields(fields['error']);
    const raw = stringField(fields, 'error_description') ??
        stringField(nested, 'message') ??
        stringField(fields, 'message') ??
        stringField(fields, 'error') ??
        response.body;
    const said = externalText(raw.replace(/\s+/g, ' ').trim(), { redact: text => context.masker.redact(text) });
    const correlationId = stringField(fields, 'correlationId');
    const retryable = response.status === 410 || response.status === 404 || response.status === 429 || response.status >= 500;
    const head = retryable
        ? answeredAfter(response)
        : `${SOURCE_NAMES[context.source]} refused the token request with HTTP ${response.status}`;
    const lines = [`${head}${said ? `: ${said}` : ''}`];
    if (correlationId)
        lines.push(`Correlation ID: ${externalText(correlationId)}`);
    return new ActionError(lines.join('\n'), errorHint(context, response.status, said, retryable));
}
function errorHint(context, status, said, retryable) {
    const { source, clientId, resource } = context;
    if (/AADSTS500011/.test(said))
        return `The resource '${resource}' is not known in the identity's tenant: check 'resource' for a typo.`;
    if (retryable)
        return 'The endpoint is busy or being updated; re-run the job in a minute.';
    if (status !== 400 && status !== 401 && status !== 403)
        return undefined;
    if (source === 'app-service') {
        // Several user-assigned identities and no system-assigned one: the platform cannot guess (Azure/azure-sdk-for-net#43691).
        if (!clientId && /Unable to load the proper Managed Identity/i.test(said)) {
            return ("The app has several user-assigned identities and none is selected: set 'client-id' to the client ID of the one to use " +
                '(list them: az containerapp identity show -g <group> -n <app>, or az webapp identity show -g <group> -n <app>).');
        }
        return clientId
            ? `Assign the user-assigned identity with client ID ${clientId} to the app: az containerapp identity ` +
                `assign --user-assigned <identity-resource-id> (Functions / App Service: az webapp identity assign ` +
                `--identities <identity-resource-id>).`
            : 'Turn on the system-assigned identity: az containerapp identity assign --system-assigned ' +
                '(Functions / App Service: az webapp identity assign).';
    }
    if (source === 'imds') {
        return clientId
            ? `Assign the user-assigned identity with client ID ${clientId} to the VM: az vm identity assign -g ` +
                `<group> -n <vm> --identities <identity-resource-id> (a scale set: az vmss identity assign).`
            : "Turn on the VM's system-assigned identity: az vm identity assign -g <group> -n <vm> (a scale set: az vmss identity " +
                "assign), or give 'client-id' of a user-assigned one.";
    }
    return 'Check the Arc agent is connected (azcmagent show) and restart it: sudo systemctl restart himdsd.';
}

;// CONCATENATED MODULE: ./src/core/managed-identity/arc.ts
/**
 * Azure Arc's identity endpoint: a first request is answered 401 with
 * `WWW-Authenticate: Basic realm=<key file>`; the file's contents, read only from the agent's
 * token directory, prove we run on the machine (docs/protocol.md#managed-identity-sources).
 */




/** Azure Arc's key file must be this small: anything bigger is not the agent's key. */
const ARC_KEY_MAX_BYTES = 4096;
const AGENT_HINT = 'Check that IDENTITY_ENDPOINT is the Arc agent (azcmagent show), and restart the agent: sudo systemctl restart himdsd.';
async function requestArcToken(context, deps, resource) {
    // The agent listens on IPv4; `localhost` may resolve to ::1 (msal-node does the same).
    const endpoint = new URL(context.identityEndpoint);
    if (endpoint.hostname === 'localhost')
        endpoint.hostname = '127.0.0.1';
    endpoint.searchParams.set('api-version', '2020-06-01');
    endpoint.searchParams.set('resource', resource);
    const request = { method: 'GET', url: endpoint.toString(), what: 'Azure Arc managed identity endpoint' };
    const challenge = await deps.http.request({ ...request, headers: { Metadata: 'true' } });
    if (challenge.status !== 401)
        return challenge;
    const keyFile = arcKeyFile(challenge.headers['www-authenticate']);
    const directory = arcKeyDirectory(context, deps.machine.platform);
    if (context.testArcKeyDirectory)
        deps.log.info(`Azure Arc: test hook AZURE_TOKEN_TEST_ARC_KEY_DIR allows key files in ${directory}.`);
    const key = await readArcKey(keyFile, directory, deps.machine);
    deps.masker.mask(key);
    return deps.http.request({ ...request, headers: { Metadata: 'true', Authorization: `Basic ${key}` } });
}
function arcKeyFile(header) {
    const value = Array.isArray(header) ? header[0] : header;
    const file = /^\s*Basic\s+realm=(.+)$/i.exec(value ?? '')?.[1]?.trim();
    if (!file) {
        throw new ActionError('The Azure Arc identity endpoint answered 401 without naming a key file (no "WWW-Authenticate: Basic realm=<path>").', AGENT_HINT);
    }
    return file;
}
/**
 * Where the Arc agent writes its key files; the test hook's directory when it is set
 * (config.ts explains why that is safe). Undefined on platforms Arc does not run on.
 */
function arcKeyDirectory(context, platform) {
    if (context.testArcKeyDirectory)
        return context.testArcKeyDirectory;
    if (platform === 'linux')
        return '/var/opt/azcmagent/tokens';
    if (platform === 'win32')
        return external_node_path_namespaceObject.win32.join(context.programData ?? 'C:\\ProgramData', 'AzureConnectedMachineAgent', 'Tokens');
    return undefined;
}
/**
 * Reads the key the endpoint named, under Microsoft's rules: directly in the agent's token
 * directory (also once every link is resolved), named `*.key`, a regular file of at most 4096
 * bytes. A rogue endpoint could otherwise have us send it any file the runner can read.
 */
async function readArcKey(file, directory, machine) {
    if (directory === undefined) {
        throw new ActionError(`Azure Arc managed identity works on Linux and Windows only, not on ${machine.platform}.`);
    }
    const shown = externalText(file);
    const paths = machine.platform === 'win32' ? external_node_path_namespaceObject.win32 : external_node_path_namespaceObject.posix;
    const refuse = (why) => new ActionError(`Refusing the Azure Arc key file '${shown}': ${why}.`, 'Only the Arc agent names key files; ' + AGENT_HINT.charAt(0).toLowerCase() + AGENT_HINT.slice(1));
    if (!paths.isAbsolute(file) || !inDirectory(file, directory, paths) || !paths.basename(file).endsWith('.key')) {
        throw refuse(`it must be a .key file directly in ${directory}`);
    }
    try {
        // A link in the directory could point anywhere: what it resolves to must be in the directory too.
        const [real, realDirectory] = await Promise.all([machine.realPath(file), machine.realPath(directory)]);
        if (!inDirectory(real, realDirectory, paths))
            throw refuse(`it resolves to a file outside ${directory}`);
        const key = (await machine.readRegularFile(real, ARC_KEY_MAX_BYTES)).toString('utf8').trim();
        if (!key)
            throw new CredentialFileError(`The Azure Arc key file '${shown}' is empty.`, AGENT_HINT);
        return key;
    }
    catch (error) {
        if (error instanceof ActionError)
            throw error;
        if (error instanceof FileReadError && error.reason !== 'unreadable')
            throw refuse(error.message);
        throw new CredentialFileError(`Cannot read the Azure Arc key file '${shown}': ${error instanceof Error ? error.message : String(error)}`, "The runner's user must be allowed to read the agent's keys: on Linux add it to the 'himds' group " +
            "(sudo usermod -aG himds <runner-user>), on Windows to 'Hybrid agent extension applications'; then restart the runner service.");
    }
}
function inDirectory(file, directory, paths) {
    const windows = paths === external_node_path_namespaceObject.win32;
    const normal = (text) => {
        const trimmed = paths.normalize(text).replace(windows ? /\\+$/ : /\/+$/, '');
        return windows ? trimmed.toLowerCase() : trimmed;
    };
    return normal(paths.dirname(file)) === normal(directory);
}

;// CONCATENATED MODULE: ./src/core/credentials/managed-identity.ts







/** Which endpoint the environment offers (msal-node's order, protocol.md#managed-identity-sources). */
function managedIdentitySource(context) {
    if (context.identityEndpoint && context.identityHeader)
        return 'app-service';
    if (context.identityEndpoint && context.imdsEndpoint)
        return 'arc';
    if (context.identityEndpoint) {
        throw new ActionError('IDENTITY_ENDPOINT is set, but neither IDENTITY_HEADER (App Service, Functions, Container Apps) nor IMDS_ENDPOINT (Azure Arc) is.', 'The platform sets these together: do not set IDENTITY_ENDPOINT by hand, or set the matching second variable.');
    }
    return 'imds';
}
function createManagedIdentityCredential(settings, deps) {
    const { context, clientId } = settings;
    const source = managedIdentitySource(context);
    if (source === 'arc' && clientId) {
        throw new InputError('client-id', 'selects a user-assigned identity, but an Azure Arc machine has only its system-assigned identity.', "Remove 'client-id' to use the machine's identity.");
    }
    if (source === 'imds' && context.podIdentityAuthorityHost) {
        deps.log.info(`Managed identity: IMDS at ${imdsHost(context)} (AZURE_POD_IDENTITY_AUTHORITY_HOST).`);
    }
    const request = (resource) => {
        const query = new URLSearchParams({ resource, ...(clientId ? { client_id: clientId } : {}) });
        switch (source) {
            case 'app-service': {
                const url = new URL(context.identityEndpoint);
                for (const [name, value] of new URLSearchParams({ 'api-version': '2019-08-01', ...Object.fromEntries(query) }))
                    url.searchParams.set(name, value);
                const headers = { 'X-IDENTITY-HEADER': context.identityHeader };
                return deps.http.request({ method: 'GET', url: url.toString(), what: 'App Service managed identity endpoint', headers });
            }
            case 'arc':
                return requestArcToken(context, deps, resource);
            case 'imds':
                return requestImdsToken(deps.http, deps.machine, imdsHost(context), query);
        }
    };
    return {
        kind: 'managed-identity',
        async getToken(scope, options) {
            const resource = scopeToResource(scope);
            const startedAt = deps.machine.now();
            const response = await request(resource);
            if (response.status !== 200)
                throw managedIdentityError(response, { source, clientId, resource, masker: deps.masker });
            const token = parseManagedIdentityToken(response.json, startedAt, deps.machine.now(), deps.masker);
            checkTenant(token, options?.tenantId);
            return token;
        }
    };
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
    throw new ActionError(`A managed identity gets tokens only in its own tenant (${externalText(tenant ?? 'unknown')}), and tenant ${wanted} was asked for.`, "Use a vault in the identity's tenant, or an app registration of that tenant (auth-type oidc, secret or certificate).");
}

;// CONCATENATED MODULE: ./src/core/credentials/settings.ts

const PERMISSIONS_HINT = 'Give the job `permissions: id-token: write` (and the calling workflow too, for a reusable workflow). ' +
    'Workflows triggered from forks and by Dependabot get no OIDC token: use another credential there.';
const WEBHOOK_HINT = 'Label the pod azure.workload.identity/use: "true" and run it under a service account ' +
    'annotated with azure.workload.identity/client-id, ' +
    'so the webhook sets AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID and AZURE_TENANT_ID.';
/** An input a credential cannot do without, named in the error when it is empty. */
function required(value, input, purpose, hint) {
    if (!value)
        throw new InputError(input, `is needed for ${purpose}.`, hint);
    return value;
}
function app(config, kind) {
    return {
        clientId: required(config.clientId, 'client-id', `auth-type '${kind}' (the app registration's Application (client) ID)`),
        tenantId: required(config.tenantId, 'tenant-id', `auth-type '${kind}' (the Directory (tenant) ID)`),
        authorityHost: config.authorityHost
    };
}
function secretSettings(config) {
    const clientSecret = config.clientSecret;
    if (!clientSecret)
        throw new InputError('client-secret', "is needed for auth-type 'secret' (or give 'creds' with clientSecret).");
    return { ...app(config, 'secret'), clientSecret };
}
function certificateSettings(config) {
    const certificate = required(config.clientCertificate, 'client-certificate', "auth-type 'certificate'");
    return { ...app(config, 'certificate'), certificate, password: config.clientCertificatePassword, workspace: config.context.workspace };
}
function oidcSettings(config) {
    const settings = app(config, 'oidc');
    const { oidcRequestUrl, oidcRequestToken } = config.context;
    if (!oidcRequestUrl || !oidcRequestToken) {
        throw new ActionError('GitHub offers this job no OIDC token: ACTIONS_ID_TOKEN_REQUEST_URL is not set.', PERMISSIONS_HINT);
    }
    return { ...settings, requestUrl: oidcRequestUrl, requestToken: oidcRequestToken, audience: config.oidcAudience };
}
function workloadIdentitySettings(config) {
    const { context } = config;
    const tokenFile = context.federatedTokenFile;
    if (!tokenFile)
        throw new ActionError("auth-type 'workload-identity' needs AZURE_FEDERATED_TOKEN_FILE, and it is not set.", WEBHOOK_HINT);
    return {
        clientId: required(config.clientId ?? context.azureClientId, 'client-id', "auth-type 'workload-identity' when AZURE_CLIENT_ID is not set", WEBHOOK_HINT),
        tenantId: required(config.tenantId ?? context.azureTenantId, 'tenant-id', "auth-type 'workload-identity' when AZURE_TENANT_ID is not set", WEBHOOK_HINT),
        authorityHost: config.authorityHost,
        tokenFile
    };
}
function managedIdentitySettings(config) {
    return { clientId: config.clientId, context: config.context };
}
function azureCliSettings(config) {
    return { tenantId: config.tenantId, path: config.context.path, pathExt: config.context.pathExt };
}

;// CONCATENATED MODULE: ./src/core/credentials/oidc.ts
/**
 * `oidc`: GitHub's OIDC token, presented to Entra ID as a federated client assertion.
 * Wire format: docs/protocol.md#1-github-actions-oidc and #2-entra-id-v2-token-endpoint.
 */







function createOidcCredential(settings, deps) {
    let logged = false;
    // A GitHub token lives about five minutes: each exchange gets one fetched right before it
    // (protocol.md#oidc-token-lifetime). Exchanges that start together (the resource token and the
    // vault token) share the one fetch under way: it is fresh for each of them.
    let underWay;
    const fresh = () => {
        underWay ??= fetchGitHubToken(settings, deps).finally(() => {
            underWay = undefined;
        });
        return underWay;
    };
    return entraAppCredential('oidc', settings, deps, async () => {
        const { token, presented } = await fresh();
        if (!logged) {
            logged = true;
            deps.log.info(`GitHub OIDC token: issuer ${presented.issuer}, subject ${presented.subject}, audience ${presented.audience}`);
        }
        return { clientAssertion: token, presented };
    });
}
/** Asks GitHub for a fresh OIDC token for the audience, masks it, and reads what it presents. */
async function fetchGitHubToken(settings, deps) {
    const url = new URL(settings.requestUrl);
    url.searchParams.set('audience', settings.audience);
    const response = await deps.http.request({
        method: 'GET',
        url: url.toString(),
        what: 'GitHub OIDC token service',
        bearerToken: settings.requestToken
    });
    const body = jsonFields(response.json);
    if (response.status !== 200) {
        const message = stringField(body, 'message');
        const said = message ? `: ${externalText(message, { redact: text => deps.masker.redact(text) })}` : '';
        // 401/403/404 mean this job may not have a token; anything else outlasted the retries.
        const refused = [401, 403, 404].includes(response.status);
        throw new ActionError(refused ? `GitHub refused the OIDC token request with HTTP ${response.status}${said}` : `${answeredAfter(response)}${said}`, refused
            ? PERMISSIONS_HINT
            : "GitHub's OIDC token service kept failing through the retries: re-run the job (https://www.githubstatus.com shows outages).");
    }
    const token = stringField(body, 'value');
    if (token === undefined)
        throw new ActionError('GitHub answered the OIDC token request without a token (no "value" field).');
    deps.masker.mask(token);
    return { token, presented: presentedBy(token, settings.audience) };
}

;// CONCATENATED MODULE: ./src/core/credentials/secret.ts
/** `secret`: an app registration's client secret, sent to the Entra ID token endpoint. */

function createSecretCredential(settings, deps) {
    return entraAppCredential('secret', settings, deps, () => Promise.resolve({ clientSecret: settings.clientSecret }));
}

;// CONCATENATED MODULE: ./src/core/credentials/workload-identity.ts
/**
 * `workload-identity`: the Kubernetes service account token that AKS projects into the pod
 * (AZURE_FEDERATED_TOKEN_FILE), presented to Entra ID as a federated client assertion.
 * Wire format: docs/protocol.md#aks-workload-identity and #2-entra-id-v2-token-endpoint.
 */





/** A projected service account token is about 1 KB; anything near this is not one. */
const MAX_TOKEN_FILE_BYTES = 64 * 1024;
function createWorkloadIdentityCredential(settings, deps) {
    // Kubernetes rotates the file (the token lives about an hour): read it for every exchange.
    return entraAppCredential('workload-identity', settings, deps, async () => {
        const token = await readFederatedToken(settings.tokenFile, deps);
        return { clientAssertion: token, presented: presentedBy(token, '(unknown)') };
    });
}
/** The trimmed token of the file, masked. */
async function readFederatedToken(file, deps) {
    const what = `The federated token file AZURE_FEDERATED_TOKEN_FILE (${file})`;
    let token;
    try {
        token = (await deps.machine.readRegularFile(file, MAX_TOKEN_FILE_BYTES)).toString('utf8').trim();
    }
    catch (error) {
        const why = error instanceof FileReadError ? error.message : String(error);
        throw new CredentialFileError(`${what} cannot be read: ${why}.`, WEBHOOK_HINT);
    }
    if (!token)
        throw new CredentialFileError(`${what} is empty.`, WEBHOOK_HINT);
    deps.masker.mask(token);
    return token;
}

;// CONCATENATED MODULE: ./src/core/credentials/index.ts









async function createCredential(config, deps) {
    if (config.authType !== 'auto')
        return credentialOfKind(config.authType, config, deps);
    const choice = await chooseAuthType(config, deps);
    deps.log.info(`auth-type 'auto' chose '${choice.kind}': ${choice.because}.`);
    return explainingChoice(await credentialOfKind(choice.kind, config, deps), choice, meantOidcWithoutToken(config));
}
function credentialOfKind(kind, config, deps) {
    switch (kind) {
        case 'oidc':
            return createOidcCredential(oidcSettings(config), deps);
        case 'secret':
            return createSecretCredential(secretSettings(config), deps);
        case 'certificate':
            return createCertificateCredential(certificateSettings(config), deps);
        case 'managed-identity':
            return createManagedIdentityCredential(managedIdentitySettings(config), deps);
        case 'workload-identity':
            return createWorkloadIdentityCredential(workloadIdentitySettings(config), deps);
        case 'azure-cli':
            return createAzureCliCredential(azureCliSettings(config), deps);
    }
}
/**
 * When a credential `auto` picked fails, the user also learns why the ones before it did not
 * apply; and when the inputs meant OIDC but the job has no OIDC token, that comes first: `az`
 * on a GitHub-hosted runner is usually a missing `id-token: write`, not a missing login.
 */
function explainingChoice(credential, choice, meantOidc) {
    if (choice.ruledOut.length === 0)
        return credential;
    return {
        kind: credential.kind,
        ...(credential.subject ? { subject: credential.subject } : {}),
        ...(credential.tokenOrigin ? { tokenOrigin: credential.tokenOrigin } : {}),
        async getToken(scope, options) {
            try {
                return await credential.getToken(scope, options);
            }
            catch (error) {
                if (!(error instanceof ActionError))
                    throw error;
                const context = `auth-type 'auto' chose '${choice.kind}' because ${choice.because}, after ruling ` + `out:\n${choice.ruledOut.join('\n')}`;
                const headline = meantOidc ? MISSING_ID_TOKEN_PERMISSION : error.headline;
                const explained = new ActionError(error.message, error.hint ? `${error.hint}\n${context}` : context, headline);
                explained.name = error.name;
                throw explained;
            }
        }
    };
}

;// CONCATENATED MODULE: ./src/core/masking.ts
/** The runner splits a log into lines at `\n`, `\r\n` and a lone `\r`, and matches masks line by line. */
const LINE_BREAK = /\r\n|\r|\n/;
/**
 * Lines shorter than four characters (a lone `}` of a JSON secret) are not masked on their own:
 * masking them would garble the log and hide nothing.
 */
const SHORTEST_MASKED_LINE = 4;
function createMasker(register) {
    const known = new Set();
    let longestFirst;
    const add = (value) => {
        if (known.has(value))
            return;
        known.add(value);
        longestFirst = undefined;
        register(value);
    };
    return {
        mask(value) {
            if (value.trim() === '')
                return;
            add(value);
            const lines = value.split(LINE_BREAK);
            if (lines.length < 2)
                return;
            for (const line of lines) {
                const trimmed = line.trim();
                if (trimmed.length >= SHORTEST_MASKED_LINE)
                    add(trimmed);
            }
        },
        redact(text) {
            longestFirst ??= [...known].sort((a, b) => b.length - a.length);
            let redacted = text;
            for (const value of longestFirst) {
                if (redacted.includes(value))
                    redacted = redacted.split(value).join('***');
            }
            return redacted;
        }
    };
}

;// CONCATENATED MODULE: ./src/core/token-file.ts
/**
 * Writing the access token to a file for another process (a later step, the main container of
 * a pod): its exact bytes, readable by its owner only, created new (never overwriting, never
 * following a planted link) or, when asked, replacing the old one at once by a rename.
 */

async function writeTokenFile(machine, file, token, options = {}) {
    try {
        if (options.replace) {
            await machine.replaceFile(file, token, 0o600);
            return undefined;
        }
        return await machine.createFile(file, token, 0o600);
    }
    catch (error) {
        if (error.code === 'EEXIST') {
            throw new ActionError(`The token file ${file} already exists.`, 'A new file is written and never overwrites one: choose a path that does not exist, or delete the file first.');
        }
        // A bare "EACCES: permission denied" would not say what was being written.
        throw withContext(`Writing the token file ${file}`, error);
    }
}

;// CONCATENATED MODULE: external "node:url"
const external_node_url_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:url");
;// CONCATENATED MODULE: ./src/endpoint/handoff.ts
/**
 * What the main step and the endpoint's process say to each other over the two pipes between
 * them. Down stdin, once: the start message, the whole configuration the credential needs,
 * secrets included (a pipe is the one channel no other process of the job can read: a command
 * line and an environment can be read in /proc, a file on disk). Up stdout, once: the report,
 * the port it listens on or why it could not start. Nothing else passes, either way.
 */
/** The inputs a credential is built from; the others (resource, secrets, token-file, ...) are the step's business. */
const CREDENTIAL_INPUTS = [
    'auth-type',
    'client-id',
    'tenant-id',
    'client-secret',
    'client-certificate',
    'client-certificate-password',
    'creds',
    'environment',
    'authority-host',
    'audience'
];
/** The environment the core's configuration reads for those credentials (config.ts readContext). */
const CREDENTIAL_ENV = [
    'GITHUB_ACTIONS',
    'ACTIONS_ID_TOKEN_REQUEST_URL',
    'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
    'AZURE_FEDERATED_TOKEN_FILE',
    'AZURE_CLIENT_ID',
    'AZURE_TENANT_ID',
    'AZURE_AUTHORITY_HOST'
];
/**
 * The endpoint process's own environment: what Node and the HTTP layer need to run and reach
 * Entra ID (proxies, CA certificates, temp directories, Windows' system paths), and
 * RUNNER_TRACKING_ID, by which the runner finds and ends it when the job ends. Nothing else of
 * the step's environment: no INPUT_*, no secret, no ACTIONS_* token.
 */
const PROCESS_ENV = [
    'PATH',
    'Path',
    'HOME',
    'USERPROFILE',
    'SystemRoot',
    'SYSTEMROOT',
    'windir',
    'ComSpec',
    'TEMP',
    'TMP',
    'TMPDIR',
    'RUNNER_TEMP',
    'RUNNER_TRACKING_ID',
    'HTTP_PROXY',
    'HTTPS_PROXY',
    'NO_PROXY',
    'http_proxy',
    'https_proxy',
    'no_proxy',
    'NODE_EXTRA_CA_CERTS',
    'SSL_CERT_FILE',
    'SSL_CERT_DIR'
];
/** A start message larger than this is not one (a certificate chain is a few KB). */
const MAX_START_MESSAGE_BYTES = (/* unused pure expression or super */ null && (1024 * 1024));
function encodeStartMessage(message) {
    return JSON.stringify(message);
}
/** The start message, or an Error saying what is wrong with it (never quoting it: it holds secrets). */
function parseStartMessage(text) {
    let value;
    try {
        value = JSON.parse(text);
    }
    catch {
        throw new Error('the start message is not JSON');
    }
    if (typeof value !== 'object' || value === null)
        throw new Error('the start message is not a JSON object');
    const { inputs, env, workspace, secret } = value;
    if (!isStringMap(inputs) || !isStringMap(env) || typeof workspace !== 'string' || typeof secret !== 'string' || secret.length < 32) {
        throw new Error('the start message lacks inputs, env, workspace or secret');
    }
    return { inputs, env, workspace, secret };
}
function encodeReport(report) {
    return `${JSON.stringify(report)}\n`;
}
/** The report line, or undefined when it is not one. */
function parseReport(line) {
    let value;
    try {
        value = JSON.parse(line);
    }
    catch {
        return undefined;
    }
    if (typeof value !== 'object' || value === null)
        return undefined;
    const { port, error } = value;
    if (typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536)
        return { port };
    if (typeof error === 'string')
        return { error };
    return undefined;
}
function isStringMap(value) {
    return (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every(item => typeof item === 'string'));
}

;// CONCATENATED MODULE: ./src/endpoint/protocol.ts
/**
 * The token endpoint's wire protocol, as pure functions: which requests it answers, and what it
 * answers. It speaks the App Service managed identity protocol in its two versions
 * (docs/protocol.md#managed-identity-sources), as the later steps' clients send them and with
 * the fields they read (docs/later-steps.md#what-the-clients-send-and-read, measured with Azure
 * CLI 2.45, Python azure-identity 1.13 and @azure/identity 4.13).
 *
 * Every error is JSON `{"error","error_description"}` (@azure/identity reports a body that is not
 * JSON as "Network unreachable"), and never 404 or 410 for a request it understood:
 * @azure/identity retries those five times.
 */

/** The path of IDENTITY_ENDPOINT and MSI_ENDPOINT; it answers with and without a trailing `/` (Azure CLI 2.45 adds one). */
const TOKEN_PATH = '/msi/token';
/** Stops the endpoint (the post step): answers its statistics, then the process exits. */
const SHUTDOWN_PATH = '/shutdown';
/** A resource is one URI or GUID: printable ASCII without spaces or commas, of a sane length. */
const RESOURCE = /^[\x21-\x2b\x2d-\x7e]{1,2000}$/;
/** Headers a proxy adds: a request that passed through one did not come straight from this machine's later steps. */
const FORWARDED = (/* unused pure expression or super */ null && (['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip', 'via']));
/** Ways of selecting another identity than by client id: this endpoint has one identity, and knows it only by client id. */
const OTHER_SELECTORS = (/* unused pure expression or super */ null && (['object_id', 'principal_id', 'mi_res_id', 'msi_res_id']));
/** Decides what to do with a request: refuse it (and how), mint a token, or shut down. Nothing is minted before every check passed. */
function decide(request, identity) {
    if (request.method !== 'GET') {
        return refuse(405, 'method_not_allowed', `Only GET is answered, not ${request.method}. Azure CLI before 2.73 POSTs here when ` +
            `APPSETTING_WEBSITE_SITE_NAME is not set: set it (to any value) on every step that runs az.`, { Allow: 'GET' });
    }
    const forwarded = FORWARDED.find(name => request.headers[name] !== undefined);
    if (forwarded) {
        return refuse(400, 'invalid_request', `The request came through a proxy (it has a ${forwarded} header); this endpoint answers ` +
            `this machine only. Add 127.0.0.1,localhost to NO_PROXY.`);
    }
    const host = request.headers.host?.toLowerCase();
    if (host !== `127.0.0.1:${identity.port}` && host !== `localhost:${identity.port}`) {
        return refuse(400, 'invalid_request', `The Host header must be 127.0.0.1:${identity.port} or localhost:${identity.port}.`);
    }
    const url = protocol_parseTarget(request.url, identity.port);
    if (url === undefined)
        return refuse(400, 'invalid_request', 'The request target is not a URL path.');
    const query = url.searchParams;
    if (url.pathname === SHUTDOWN_PATH) {
        return carries(request.headers['x-identity-header'], identity.secret) ? { kind: 'shutdown' } : unauthorized('2019-08-01');
    }
    if (url.pathname !== TOKEN_PATH && url.pathname !== `${TOKEN_PATH}/`) {
        return refuse(404, 'not_found', `There is nothing at ${url.pathname}: the token endpoint is ${TOKEN_PATH} (IDENTITY_ENDPOINT, MSI_ENDPOINT).`);
    }
    const versions = query.getAll('api-version');
    // The header that authenticates a request depends on the protocol version it speaks.
    const claimed = versions[0] === '2017-09-01' ? '2017-09-01' : '2019-08-01';
    const given = claimed === '2017-09-01' ? request.headers['secret'] : request.headers['x-identity-header'];
    if (!carries(given, identity.secret))
        return unauthorized(claimed);
    if (versions.length !== 1 || (versions[0] !== '2019-08-01' && versions[0] !== '2017-09-01')) {
        return refuse(400, 'invalid_request', 'api-version must be 2019-08-01 (IDENTITY_ENDPOINT, header X-IDENTITY-HEADER) or ' +
            '2017-09-01 (MSI_ENDPOINT, header secret), given once.');
    }
    const resources = query.getAll('resource');
    const resource = resources[0];
    if (resources.length !== 1 || resource === undefined || !RESOURCE.test(resource)) {
        return refuse(400, 'invalid_request', 'The query needs one resource: a resource URI or app ID, e.g. resource=https://management.azure.com.');
    }
    const selector = OTHER_SELECTORS.find(name => query.has(name));
    if (selector) {
        return refuse(400, 'invalid_request', `This endpoint serves one identity, client ID ${identity.clientId}: select it by client_id, or not at all (not by ${selector}).`);
    }
    const asked = [...query.getAll('client_id'), ...query.getAll('clientid')].find(id => id.toLowerCase() !== identity.clientId.toLowerCase());
    if (asked !== undefined) {
        return refuse(400, 'invalid_request', `This endpoint serves one identity, client ID ${identity.clientId}, and the request asked for ${printable(asked)}. ` +
            "DefaultAzureCredential asks for AZURE_CLIENT_ID's app when that variable is set: remove " +
            "it from the job's env, or set it to this client ID.");
    }
    return { kind: 'token', version: versions[0], resource };
}
/** The token, in the shape each version's clients read (Python needs `resource`, Azure CLI 2.45 `token_type`). */
function tokenAnswer(version, resource, token, clientId) {
    const seconds = Math.floor(token.expiresOn.getTime() / 1000);
    return {
        status: 200,
        body: {
            access_token: token.token,
            // 2019-08-01: epoch seconds as a string. 2017-09-01: the 24-hour form, which Azure CLI 2.45
            // parses and older @azure/identity too (an AM/PM time crashes Azure CLI 2.45).
            expires_on: version === '2019-08-01' ? String(seconds) : twentyFourHourTime(token.expiresOn),
            resource,
            token_type: 'Bearer',
            client_id: clientId
        }
    };
}
/**
 * A token that could not be minted: 500 with the explanation the step itself would have printed
 * (the AADSTS code, its meaning, the fix). 500, not 404 or 410, which @azure/identity retries
 * five times; the text has already been stripped of every secret.
 */
function mintFailureAnswer(description) {
    return { status: 500, body: { error: 'server_error', error_description: description } };
}
/** `MM/DD/YYYY HH:MM:SS +00:00` in UTC. */
function twentyFourHourTime(date) {
    const two = (value) => String(value).padStart(2, '0');
    const day = `${two(date.getUTCMonth() + 1)}/${two(date.getUTCDate())}/${date.getUTCFullYear()}`;
    return `${day} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +00:00`;
}
function shutdownAnswer(stats) {
    return { status: 200, body: { served: stats.served, failures: stats.failures, refused: stats.refused, pid: stats.pid } };
}
/** The shutdown answer's statistics, or undefined when the body is not one. */
function parseShutdownAnswer(body) {
    if (typeof body !== 'object' || body === null)
        return undefined;
    const { served, failures, refused, pid } = body;
    const count = (value) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
    if (typeof served !== 'object' || served === null || Array.isArray(served) || !count(failures) || !count(refused) || !count(pid))
        return undefined;
    const entries = Object.entries(served);
    if (!entries.every(([, value]) => count(value)))
        return undefined;
    return { served: Object.fromEntries(entries), failures, refused, pid };
}
/**
 * Whether a header carries the secret. Compared in constant time: both sides are hashed first,
 * so timingSafeEqual gets buffers of one length and neither the length nor any prefix of the
 * secret can be learnt from how long a refusal takes.
 */
function carries(given, secret) {
    if (typeof given !== 'string')
        return false;
    const digest = (text) => createHash('sha256').update(text, 'utf8').digest();
    return timingSafeEqual(digest(given), digest(secret));
}
function protocol_parseTarget(target, port) {
    try {
        return new URL(target, `http://127.0.0.1:${port}`);
    }
    catch {
        return undefined;
    }
}
function unauthorized(version) {
    const [header, variable] = version === '2017-09-01' ? ['secret', 'MSI_SECRET'] : ['X-IDENTITY-HEADER', 'IDENTITY_HEADER'];
    return refuse(401, 'unauthorized', `The ${header} header is missing or wrong: send the value of ${variable}.`);
}
function refuse(status, error, description, headers) {
    return { kind: 'refused', answer: { status, body: { error, error_description: description }, ...(headers ? { headers } : {}) } };
}
/** A value from the request, quoted back only when it is short printable text. */
function printable(value) {
    return /^[\x20-\x7e]{1,100}$/.test(value) ? `'${value}'` : 'another one';
}

;// CONCATENATED MODULE: ./src/endpoint/lifecycle.ts
/**
 * The endpoint's life as the action's steps see it: the main step starts it in the background
 * and waits for its port; the post step stops it through the authenticated shutdown, which
 * answers its statistics, and waits until its process has gone. Nothing here ever signals a
 * process by a pid read from anywhere but the endpoint's own authenticated answer: a pid in a
 * file or the state can name another process by the time it is read.
 */






/** How long the main step waits for the port; the endpoint needs well under a second. */
const START_TIMEOUT_MS = 5_000;
/** Starts the endpoint with the message down its stdin; throws an ActionError saying why when it does not report a port in time. */
async function startEndpoint(machine, program, message, env, timeoutMs = START_TIMEOUT_MS) {
    const started = await machine.startBackground(program.node, [program.entry], {
        env: processEnv(env),
        input: encodeStartMessage(message),
        timeoutMs
    });
    const report = started.started ? parseReport(started.firstLine) : undefined;
    if (started.started && report && 'port' in report)
        return { url: `http://127.0.0.1:${report.port}${TOKEN_PATH}`, pid: started.pid };
    const why = !started.started
        ? started.why
        : report && 'error' in report
            ? externalText(report.error, { maxLength: 2000 })
            : 'it answered something other than its port';
    throw new ActionError(`The token endpoint for later steps did not start: ${why}. Later steps are not signed in.`, `Re-run the job; if it fails again, remove 'sign-in-later-steps' and run this action again in each step that needs a token.`);
}
/** The endpoint process's environment: only the PROCESS_ENV variables of this one. */
function processEnv(env) {
    const kept = {};
    for (const name of PROCESS_ENV) {
        const value = env[name];
        if (value !== undefined)
            kept[name] = value;
    }
    return kept;
}
const STOP_TIMEOUT_MS = 5_000;
/** The statistics are a few hundred bytes. */
const MAX_ANSWER_BYTES = 64 * 1024;
/**
 * Asks the endpoint at `url` to stop (`GET /shutdown` with the header), straight to the
 * loopback address: never through a proxy, which would see the header.
 */
function stopEndpoint(url, secret, timeoutMs = STOP_TIMEOUT_MS) {
    return new Promise(resolve => {
        const target = new URL(SHUTDOWN_PATH, url);
        const request = external_node_http_namespaceObject.request({
            host: target.hostname,
            port: target.port,
            path: target.pathname,
            method: 'GET',
            headers: { 'X-IDENTITY-HEADER': secret },
            agent: false,
            timeout: timeoutMs
        }, response => {
            const chunks = [];
            let size = 0;
            response.on('data', (chunk) => {
                size += chunk.length;
                if (size <= MAX_ANSWER_BYTES)
                    chunks.push(chunk);
            });
            response.on('error', error => resolve({ outcome: 'failed', why: error.message }));
            response.on('end', () => {
                const text = Buffer.concat(chunks).toString('utf8');
                const stats = response.statusCode === 200 ? parseShutdownAnswer(parseJson(text)) : undefined;
                resolve(stats
                    ? { outcome: 'stopped', stats }
                    : { outcome: 'refused', status: response.statusCode ?? 0, said: externalText(text, { maxLength: 200 }) });
            });
        });
        request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
        request.on('error', (error) => resolve(error.code === 'ECONNREFUSED' ? { outcome: 'gone' } : { outcome: 'failed', why: error.message }));
        request.end();
    });
}
const POLL_MS = 20;
/** Waits (bounded) until the process has exited; true once it has. */
async function waitUntilGone(machine, pid, timeoutMs = STOP_TIMEOUT_MS) {
    for (let waited = 0; machine.isRunning(pid); waited += POLL_MS) {
        if (waited >= timeoutMs)
            return false;
        await machine.sleep(POLL_MS);
    }
    return true;
}

;// CONCATENATED MODULE: ./src/action/later-steps.ts
/**
 * `sign-in-later-steps: true`, in the main step, once the step's own work is done and handed
 * over: start the local token endpoint with the step's credential and point the later steps'
 * tools at it (IDENTITY_* for the Azure SDKs and this action, MSI_* for Azure CLI before 2.73).
 * A managed identity or an Azure CLI session is there for later steps already: nothing starts.
 * Docs: docs/later-steps.md.
 */






const ENDPOINT_STATE = 'token-endpoint';
async function signInLaterSteps(config, credential, identity, deps) {
    const { runner, machine } = deps;
    if (credential.kind === 'managed-identity' || credential.kind === 'azure-cli') {
        runner.notice(alreadySignedIn(credential.kind, config.clientId));
        return;
    }
    const secret = (0,external_node_crypto_namespaceObject.randomBytes)(32).toString('hex');
    deps.masker.mask(secret);
    const message = await startMessage(config, credential, deps, secret);
    const startedAt = machine.now();
    const endpoint = await startEndpoint(machine, deps.endpoint ?? defaultProgram(), message, deps.env);
    const took = machine.now() - startedAt;
    try {
        const state = { url: endpoint.url, pid: endpoint.pid };
        runner.saveState(ENDPOINT_STATE, JSON.stringify(state));
        runner.exportVariables([...endpointVariables(endpoint.url, secret), ...noProxyVariables(deps.env)]);
        runner.setOutputs([['token-endpoint', endpoint.url]]);
    }
    catch (error) {
        // Nothing would ever stop an endpoint that no later step and no post step knows of.
        await stopEndpoint(endpoint.url, secret);
        throw error;
    }
    runner.info(`Later steps are signed in as client ${identity.clientId ?? '-'}: token endpoint ${endpoint.url} ` +
        `(IDENTITY_ENDPOINT, MSI_ENDPOINT), started in ${took} ms; the post step stops it.`);
}
/** The variables of both protocol versions; MSI_ENDPOINT without a trailing `/` (Azure CLI 2.45 adds one). */
function endpointVariables(url, secret) {
    return [
        ['IDENTITY_ENDPOINT', url],
        ['IDENTITY_HEADER', secret],
        ['MSI_ENDPOINT', url],
        ['MSI_SECRET', secret]
    ];
}
const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'];
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost'];
/**
 * With a proxy set, Azure CLI, Python's azure-identity and @azure/identity all send the token
 * request, header included, to the proxy unless NO_PROXY names 127.0.0.1 (measured:
 * docs/later-steps.md#proxies): the proxy would see the header, and the endpoint refuses what
 * comes through a proxy anyway. So NO_PROXY (and no_proxy, when set: Python reads it first)
 * gets 127.0.0.1 and localhost added.
 */
function noProxyVariables(env) {
    if (!PROXY_VARIABLES.some(name => env[name]?.trim()))
        return [];
    const entries = [];
    for (const name of ['NO_PROXY', 'no_proxy']) {
        const current = env[name]?.trim() ?? '';
        if (name === 'no_proxy' && !current)
            continue;
        const listed = current
            .split(',')
            .map(item => item.trim())
            .filter(Boolean);
        if (listed.includes('*'))
            continue;
        const missing = LOOPBACK_NAMES.filter(host => !listed.some(item => item.toLowerCase() === host));
        if (missing.length > 0)
            entries.push([name, [...listed, ...missing].join(',')]);
    }
    return entries;
}
/** Everything the endpoint needs to mint as this step did, for its stdin. */
async function startMessage(config, credential, deps, secret) {
    const inputs = {};
    for (const name of CREDENTIAL_INPUTS) {
        const value = deps.input(name).trim();
        if (value)
            inputs[name] = value;
    }
    // The kind `auto` chose: the endpoint does not choose again.
    inputs['auth-type'] = credential.kind;
    if (credential.kind === 'certificate' && config.clientCertificate !== undefined) {
        // The key itself goes down the pipe, not the name of a file for the endpoint to read.
        inputs['client-certificate'] = await readCertificatePem({ certificate: config.clientCertificate, workspace: config.context.workspace }, deps);
    }
    const env = {};
    for (const name of CREDENTIAL_ENV) {
        const value = deps.env[name];
        if (value !== undefined)
            env[name] = value;
    }
    return { inputs, env, workspace: config.context.workspace, secret };
}
function alreadySignedIn(kind, clientId) {
    if (kind === 'azure-cli') {
        return ('sign-in-later-steps: no token endpoint was started, because later steps can already use the Azure CLI session this step used: ' +
            'az itself, AzureCliCredential (and DefaultAzureCredential) of the Azure SDKs, and this action with auth-type azure-cli.');
    }
    const select = clientId
        ? ` Select the user-assigned identity by its client ID ${clientId}: AZURE_CLIENT_ID for ` +
            `DefaultAzureCredential, az login --identity --username ${clientId}, this action's client-id.`
        : '';
    return ("sign-in-later-steps: no token endpoint was started, because later steps can already use this runner's managed identity: " +
        `DefaultAzureCredential or ManagedIdentityCredential of the Azure SDKs, az login ` +
        `--identity, and this action with auth-type managed-identity.${select}`);
}
/** dist/endpoint/index.js, beside this step's dist/main/ (built from src/endpoint/ by npm run build). */
function defaultProgram() {
    const bundle = external_node_path_namespaceObject.dirname((0,external_node_url_namespaceObject.fileURLToPath)(import.meta.url));
    return { node: process.execPath, entry: external_node_path_namespaceObject.join(bundle, '..', 'endpoint', 'index.js') };
}

;// CONCATENATED MODULE: ./src/action/outputs.ts

/** The token's outputs (the token was masked when it was parsed). */
function tokenOutputs(acquired, authType, tokenFile) {
    const { token, identity } = acquired;
    return [
        ['access-token', token.token],
        ['expires-on', formatExpiry(token.expiresOn)],
        ['token-type', 'Bearer'],
        ['tenant-id', identity.tenantId ?? ''],
        ['client-id', identity.clientId ?? ''],
        ['object-id', identity.objectId ?? ''],
        ['auth-type', authType],
        ...(tokenFile === undefined ? [] : [['token-file', tokenFile]])
    ];
}
/**
 * One output per loaded secret, named like its environment variable, and the variable exported
 * when `exportEnv` is true and the name may be exported. Called only once every secret was
 * fetched (so a failing step exports nothing), with values masked when they were parsed. An
 * empty value is set as empty, not skipped: a later step sees the variable exists.
 */
function publishSecrets(runner, secrets, exportEnv) {
    runner.setOutputs(secrets.map(secret => [secret.envName, secret.value]));
    if (exportEnv)
        runner.exportVariables(secrets.filter(secret => secret.exportable).map(secret => [secret.envName, secret.value]));
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
function utils_toCommandValue(input) {
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
function toCommandProperties(annotationProperties) {
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
    return utils_toCommandValue(s)
        .replace(/%/g, '%25')
        .replace(/\r/g, '%0D')
        .replace(/\n/g, '%0A');
}
function escapeProperty(s) {
    return utils_toCommandValue(s)
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
    if (!fs.existsSync(filePath)) {
        throw new Error(`Missing file at path: ${filePath}`);
    }
    fs.appendFileSync(filePath, `${toCommandValue(message)}${os.EOL}`, {
        encoding: 'utf8'
    });
}
function file_command_prepareKeyValueMessage(key, value) {
    const delimiter = `ghadelimiter_${crypto.randomUUID()}`;
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
    return `${key}<<${delimiter}${os.EOL}${convertedValue}${os.EOL}${delimiter}`;
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
        return issueFileCommand('ENV', prepareKeyValueMessage(name, val));
    }
    issueCommand('set-env', { name }, convertedVal);
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
        return issueFileCommand('OUTPUT', prepareKeyValueMessage(name, value));
    }
    process.stdout.write(os.EOL);
    issueCommand('set-output', { name }, toCommandValue(value));
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
    command_issueCommand('error', toCommandProperties(properties), message instanceof Error ? message.toString() : message);
}
/**
 * Adds a warning issue
 * @param message warning issue message. Errors will be converted to string via toString()
 * @param properties optional properties to add to the annotation.
 */
function warning(message, properties = {}) {
    command_issueCommand('warning', toCommandProperties(properties), message instanceof Error ? message.toString() : message);
}
/**
 * Adds a notice issue
 * @param message notice issue message. Errors will be converted to string via toString()
 * @param properties optional properties to add to the annotation.
 */
function notice(message, properties = {}) {
    command_issueCommand('notice', toCommandProperties(properties), message instanceof Error ? message.toString() : message);
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
        return issueFileCommand('STATE', prepareKeyValueMessage(name, value));
    }
    issueCommand('save-state', { name }, toCommandValue(value));
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
;// CONCATENATED MODULE: external "node:os"
const external_node_os_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");
;// CONCATENATED MODULE: ./src/action/runner.ts
/**
 * The GitHub runner, as the action's steps see it: masks, log lines, outputs, environment,
 * state and the job summary. The Runner interface wraps @actions/core so tests can record
 * every call.
 */





/**
 * The real runner. Outputs and environment go only to the GITHUB_OUTPUT and GITHUB_ENV files:
 * @actions/core would otherwise fall back to printing them as workflow commands, values and all.
 */
function actionsRunner(env = process.env) {
    return {
        setSecret: core_setSecret,
        setOutputs: entries => appendFileCommands(env, 'GITHUB_OUTPUT', 'set outputs', entries),
        exportVariables: entries => appendFileCommands(env, 'GITHUB_ENV', 'export environment variables', entries),
        saveState: (name, value) => appendFileCommands(env, 'GITHUB_STATE', 'save state for its post step', [[name, value]]),
        getState: getState,
        info: message => info(neutralizeCommands(message)),
        notice: message => notice(message),
        warning: message => warning(message),
        debug: core_debug,
        setFailed: message => setFailed(message),
        appendSummary: async (markdown) => {
            await summary.addRaw(markdown, true).write();
        }
    };
}
/**
 * The runner reads a line of the log that starts with `::` (after spaces) as a workflow command.
 * Text from outside is escaped before it is ever logged; this is the net under that rule, for
 * the one channel @actions/core writes unescaped.
 */
function neutralizeCommands(message) {
    return message.replace(/(^|\r\n|\r|\n)([ \t]*)::/g, '$1$2\\:\\:');
}
/**
 * Appends `name<<DELIMITER` heredocs to a runner file (the format @actions/core writes), all in
 * one write: at a thousand secrets, one append per value shows in the step's time.
 */
function appendFileCommands(env, variable, what, entries) {
    if (entries.length === 0)
        return;
    const file = env[variable];
    if (!file)
        throw new ActionError(`${variable} is not set, so the action cannot ${what}: run it as a GitHub Actions step.`);
    if (!external_node_fs_namespaceObject.existsSync(file))
        throw new ActionError(`${variable} names ${file}, which does not exist, so the action cannot ${what}.`);
    const delimiter = `ghadelimiter_${(0,external_node_crypto_namespaceObject.randomUUID)()}`;
    const text = entries.map(([name, value]) => {
        if (name.includes(delimiter) || value.includes(delimiter))
            throw new ActionError(`Refusing to ${what}: a value holds the file's delimiter.`);
        return `${name}<<${delimiter}${external_node_os_namespaceObject.EOL}${value}${external_node_os_namespaceObject.EOL}${delimiter}${external_node_os_namespaceObject.EOL}`;
    });
    external_node_fs_namespaceObject.appendFileSync(file, text.join(''), { encoding: 'utf8' });
}

;// CONCATENATED MODULE: ./src/action/summary.ts
/**
 * The job summary (`job-summary: true`): who signed in, for what, until when, and the names
 * (never the values) of the loaded secrets; on failure, what was tried and the error's first
 * line. Every value stands in a code span, so a URL does not render as a link and a `|` or a
 * backtick cannot break the table.
 */

/** A value as inline code: a run of backticks longer than any inside it, and `|` escaped for the table. */
function code(text) {
    if (text === undefined || text === '')
        return '-';
    const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map(run => run[0].length));
    const fence = '`'.repeat(longest + 1);
    const padded = longest > 0 || text.startsWith(' ') ? ` ${text} ` : text;
    return `${fence}${padded.replace(/\|/g, '\\|').replace(/\r?\n|\r/g, ' ')}${fence}`;
}
function successSummary(facts) {
    const rows = [
        ['Credential', code(facts.authType)],
        ['Client ID', code(facts.identity.clientId)],
        ['Object ID', code(facts.identity.objectId)],
        ['Tenant ID', code(facts.identity.tenantId)],
        ...(facts.subject === undefined ? [] : [['Federated subject', code(facts.subject)]]),
        ['Resource', code(facts.resource)],
        ['Expires', code(formatExpiry(facts.expiresOn))]
    ];
    const lines = ['### Azure token', '', '| Item | Value |', '|---|---|', ...rows.map(([name, value]) => `| ${name} | ${value} |`)];
    if (facts.secrets.length > 0) {
        lines.push('', `#### Key Vault secrets (${facts.secrets.length})`, '', '| Secret | Vault | Name |', '|---|---|---|');
        for (const secret of facts.secrets) {
            const name = secret.exportable ? code(secret.envName) : `${code(secret.envName)} (output only)`;
            lines.push(`| ${code(secret.name)} | ${code(secret.vault)} | ${name} |`);
        }
    }
    return `${lines.join('\n')}\n`;
}
function failureSummary(facts) {
    const lines = [
        '### Azure token: failed',
        '',
        '| Item | Value |',
        '|---|---|',
        `| Credential | ${code(facts.authType)} |`,
        `| Resource | ${code(facts.resource)} |`,
        `| Error | ${code(facts.error)} |`,
        '',
        'The step log holds the whole error, with what to do about it.'
    ];
    return `${lines.join('\n')}\n`;
}

;// CONCATENATED MODULE: ./src/action/main.ts
/**
 * The action's main step, top to bottom: read the inputs, pick the credential, get the token
 * and the secrets, then hand everything to the runner, and (when asked) keep the identity
 * available to the later steps.
 */












function defaultDeps() {
    const runner = actionsRunner();
    const machine = nodeMachine();
    return { env: process.env, runner, machine, http: createHttp({ clock: machine, log: runner }) };
}
/** The action's inputs, as the runner hands them over: INPUT_<NAME> variables. */
function actionInputs(env) {
    return name => env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '';
}
/** Runs the main step. Never throws: a failure is reported once, with setFailed. */
async function run(deps = defaultDeps()) {
    const { runner, machine, http } = deps;
    const masker = createMasker(value => runner.setSecret(value));
    let config;
    let credential;
    try {
        config = readConfig({ input: actionInputs(deps.env), env: deps.env, workspace: deps.env['GITHUB_WORKSPACE']?.trim() || process.cwd() }, masker);
        credential = await createCredential(config, { http, machine, masker, log: runner });
        const acquired = await acquire(config, credential, { http, machine, masker, log: runner });
        // Everything was obtained: only now does anything reach the runner's files.
        await handOver(config, credential, acquired, deps);
        if (config.signInLaterSteps)
            await signInLaterSteps(config, credential, acquired.identity, { ...deps, masker, input: actionInputs(deps.env) });
    }
    catch (error) {
        const message = describeError(error);
        runner.setFailed(message);
        await summarizeFailure(deps, config, credential, message);
    }
    finally {
        http.dispose();
    }
}
async function handOver(config, credential, acquired, deps) {
    const { runner } = deps;
    if (config.tokenFile !== undefined)
        await writeTokenFileForPost(deps, config.tokenFile, acquired.token.token);
    runner.setOutputs(tokenOutputs(acquired, credential.kind, config.tokenFile));
    publishSecrets(runner, acquired.secrets, config.exportEnv);
    if (config.jobSummary) {
        await runner.appendSummary(successSummary({
            identity: acquired.identity,
            authType: credential.kind,
            resource: config.resource,
            expiresOn: acquired.token.expiresOn,
            subject: credential.subject?.(),
            secrets: acquired.secrets
        }));
    }
}
/**
 * Writes the token file and tells the post step to delete it. What the state names is the file
 * as created (path, device, inode, size, modification time): the post step deletes nothing
 * else. A file whose state could not be saved is removed at once rather than left behind.
 */
async function writeTokenFileForPost(deps, file, token) {
    const identity = await writeTokenFile(deps.machine, file, token);
    try {
        deps.runner.saveState('token-file', JSON.stringify({ path: file, ...identity }));
    }
    catch (error) {
        await deps.machine.removeFile(file);
        throw error;
    }
}
/** The failure's summary, when the step was asked for one (read from the raw input if the inputs did not parse). */
async function summarizeFailure(deps, config, credential, message) {
    const wanted = config?.jobSummary ?? actionInputs(deps.env)('job-summary').trim().toLowerCase() === 'true';
    if (!wanted)
        return;
    try {
        await deps.runner.appendSummary(failureSummary({
            authType: credential?.kind ?? config?.authType ?? 'auto',
            resource: config?.resource,
            error: message.split('\n')[0] ?? message
        }));
    }
    catch (error) {
        deps.runner.warning(`Could not write the job summary: ${describeError(error)}`);
    }
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
/******/ var __webpack_exports__ = __nccwpck_require__(218);
/******/ __webpack_exports__ = await __webpack_exports__;
/******/ 
