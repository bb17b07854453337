export const id = 598;
export const ids = [598];
export const modules = {

/***/ 809:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  run: () => (/* binding */ run)
});

// EXTERNAL MODULE: ./src/core/external-text.ts
var external_text = __webpack_require__(150);
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
        return value === undefined ? undefined : (0,external_text/* externalText */.R)(value, { maxLength: 100 });
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
    throw new ActionError(`The vault ${vault} answered 401 with a challenge for the resource '${(0,external_text/* externalText */.R)(scope.replace(/\/\.default$/, ''))}', ` +
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

// EXTERNAL MODULE: ./node_modules/@actions/http-client/lib/index.js
var lib = __webpack_require__(779);
// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(67);
// EXTERNAL MODULE: external "node:https"
var external_node_https_ = __webpack_require__(708);
// EXTERNAL MODULE: ./node_modules/@actions/http-client/lib/proxy.js
var lib_proxy = __webpack_require__(783);
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
            const connect = (proxy.protocol === 'https:' ? external_node_https_ : external_node_http_).request({
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
const HttpPoolAgent = poolAgent(external_node_http_.Agent, false);
const HttpsPoolAgent = poolAgent(external_node_https_.Agent, true);
function createConnections(userAgent) {
    const agents = new Map();
    const portOf = (url) => Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const agentFor = (url) => {
        const proxy = (0,lib_proxy/* getProxyUrl */.s)(url);
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
                httpModule: url.protocol === 'https:' ? external_node_https_ : external_node_http_,
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
            client = new lib/* HttpClient */.Qq(options.userAgent ?? 'azure-token', [], {
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
            const message = (0,external_text/* externalText */.R)(firstLine, { redact });
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
            const status = code === undefined ? `HTTP ${response.status}` : `${(0,external_text/* externalText */.R)(code)} (HTTP ${response.status})`;
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

// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(760);
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
    return `'${(0,external_text/* externalText */.R)(value.replace(/\/\/[^/@\s]*@/g, '//***@'), { maxLength: 120 })}'`;
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
    return external_node_path_.resolve(workspace, value);
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
        throw new ActionError(`the listing's nextLink points to ${(0,external_text/* externalText */.R)(origin ?? nextLink)}, not to the vault; refusing to send it the vault token.`);
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
    if (!directory || !identityEndpoint || !external_node_path_.isAbsolute(directory))
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
    const paths = windows ? external_node_path_.win32 : external_node_path_.posix;
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
                const inTenant = tenant ? ` in tenant '${(0,external_text/* externalText */.R)(tenant)}'` : '';
                throw new ActionError(`The Azure CLI cannot be asked for resource '${(0,external_text/* externalText */.R)(resource)}'${inTenant}: only ` +
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
        throw new ActionError(`Refusing to run the Azure CLI from '${(0,external_text/* externalText */.R)(az)}': the path holds a character cmd.exe would interpret.`);
    }
    const result = await deps.machine.runProcess(batch ? `"${az}"` : az, args, { timeoutMs: AZ_TIMEOUT_MS, shell: batch });
    if (result.failure === 'ENOENT')
        throw new ActionError(`The Azure CLI could not be started from ${az}.`, INSTALL_HINT);
    if (result.failure === 'ETIMEDOUT') {
        throw new ActionError(`The Azure CLI did not answer within ${AZ_TIMEOUT_MS / 1000} s (${external_node_path_.basename(az)} account get-access-token).`, LOGIN_HINT);
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
    const said = (0,external_text/* externalText */.R)(stderr.replace(/\s+/g, ' '), { redact, maxLength: 500 }) || `exit code ${result.exitCode ?? 'none'}, no message`;
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

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(598);
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
    const summary = firstLine ? (0,external_text/* externalText */.R)(firstLine, { redact: text => masker.redact(text) }) : '';
    const traceId = stringField(fields, 'trace_id');
    const correlationId = stringField(fields, 'correlation_id');
    const outage = response.status >= 500 || response.status === 429;
    const what = outage ? answeredAfter(response) : `Entra ID refused the token request with HTTP ${response.status}`;
    const head = code !== undefined ? `Entra ID refused the token request with AADSTS${code}` : `${what}${error ? ` (${(0,external_text/* externalText */.R)(error)})` : ''}`;
    const explanation = code !== undefined ? ENTRA_EXPLANATIONS[code] : undefined;
    const lines = [`${head}: ${explanation?.meaning ?? (summary || 'the answer held no OAuth error')}`];
    if (explanation && summary)
        lines.push(`Entra ID said: ${summary}`);
    if (traceId || correlationId)
        lines.push(`Trace ID: ${(0,external_text/* externalText */.R)(traceId ?? '-')}, correlation ID: ${(0,external_text/* externalText */.R)(correlationId ?? '-')}`);
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
    const claim = (name, fallback) => (0,external_text/* externalText */.R)(stringClaim(claims, name) ?? fallback, { maxLength: 1000 });
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

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(24);
// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(421);
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
        (0,external_node_child_process_.execFile)(file, args, { timeout: options.timeoutMs, maxBuffer: MAX_PROCESS_OUTPUT, windowsHide: true, shell: options.shell ?? false, encoding: 'utf8' }, (error, stdout, stderr) => {
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
        const child = (0,external_node_child_process_.spawn)(file, args, {
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
        const stat = (0,external_node_fs_.readFileSync)(`/proc/${pid}/stat`, 'utf8');
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
        realPath: file => external_node_fs_.promises.realpath(file),
        isExecutable: async (file) => {
            try {
                const stat = await external_node_fs_.promises.stat(file);
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
                const stat = await external_node_fs_.promises.lstat(file, { bigint: true });
                return stat.isFile() ? machine_identityOf(stat) : undefined;
            }
            catch {
                return undefined;
            }
        },
        removeFile: file => external_node_fs_.promises.rm(file, { force: true }),
        runProcess: runProcess,
        startBackground: startBackground,
        isRunning: isRunning
    };
}
async function readRegularFile(file, maxBytes) {
    let handle;
    try {
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
        handle = await external_node_fs_.promises.open(file, external_node_fs_.constants.O_RDONLY | (external_node_fs_.constants.O_NONBLOCK ?? 0));
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
    const directory = external_node_path_.dirname(file);
    await external_node_fs_.promises.mkdir(directory, { recursive: true, mode: 0o700 }).catch((error) => {
        // mkdir says EEXIST when a parent is a file: that is not "the file exists".
        if (error.code !== 'EEXIST')
            throw error;
        throw Object.assign(new Error(`ENOTDIR: a parent of the file is not a directory, mkdir '${directory}'`), { code: 'ENOTDIR' });
    });
    // 'wx' is O_CREAT | O_EXCL: it fails on an existing file and on a symbolic link, dangling or not.
    const handle = await external_node_fs_.promises.open(file, 'wx', mode);
    try {
        await handle.writeFile(content, 'utf8');
        return machine_identityOf(await handle.stat({ bigint: true }));
    }
    catch (error) {
        await external_node_fs_.promises.rm(file, { force: true });
        throw error;
    }
    finally {
        await handle.close();
    }
}
async function replaceFile(file, content, mode) {
    const temporary = external_node_path_.join(external_node_path_.dirname(file), `.${external_node_path_.basename(file)}.${(0,external_node_crypto_.randomBytes)(6).toString('hex')}.tmp`);
    await createFile(temporary, content, mode);
    try {
        await external_node_fs_.promises.rename(temporary, file);
    }
    catch (error) {
        await external_node_fs_.promises.rm(temporary, { force: true });
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
    const subject = (0,external_text/* externalText */.R)(signing.certificate.subject.replace(/\n/g, ', '));
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
    const file = external_node_path_.resolve(settings.workspace, input);
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
    return { certificate, key, thumbprint: external_node_crypto_.createHash('sha256').update(certificate.raw).digest('base64url') };
}
function parseCertificate(block) {
    try {
        return new external_node_crypto_.X509Certificate(block);
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
        return external_node_crypto_.createPrivateKey({ key: block, format: 'pem', ...(encrypted && password ? { passphrase: password } : {}) });
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
        jti: external_node_crypto_.randomUUID(),
        nbf: issuedAt,
        exp: issuedAt + ASSERTION_LIFETIME_S
    };
    const signingInput = `${base64url(header)}.${base64url(payload)}`;
    const signature = external_node_crypto_.sign('sha256', Buffer.from(signingInput), {
        key: signing.key,
        padding: external_node_crypto_.constants.RSA_PKCS1_PSS_PADDING,
        saltLength: external_node_crypto_.constants.RSA_PSS_SALTLEN_DIGEST
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
    const said = (0,external_text/* externalText */.R)(raw.replace(/\s+/g, ' ').trim(), { redact: text => context.masker.redact(text) });
    const correlationId = stringField(fields, 'correlationId');
    const retryable = response.status === 410 || response.status === 404 || response.status === 429 || response.status >= 500;
    const head = retryable
        ? answeredAfter(response)
        : `${SOURCE_NAMES[context.source]} refused the token request with HTTP ${response.status}`;
    const lines = [`${head}${said ? `: ${said}` : ''}`];
    if (correlationId)
        lines.push(`Correlation ID: ${(0,external_text/* externalText */.R)(correlationId)}`);
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
        return external_node_path_.win32.join(context.programData ?? 'C:\\ProgramData', 'AzureConnectedMachineAgent', 'Tokens');
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
    const shown = (0,external_text/* externalText */.R)(file);
    const paths = machine.platform === 'win32' ? external_node_path_.win32 : external_node_path_.posix;
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
    const windows = paths === external_node_path_.win32;
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
    throw new ActionError(`A managed identity gets tokens only in its own tenant (${(0,external_text/* externalText */.R)(tenant ?? 'unknown')}), and tenant ${wanted} was asked for.`, "Use a vault in the identity's tenant, or an app registration of that tenant (auth-type oidc, secret or certificate).");
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
        const said = message ? `: ${(0,external_text/* externalText */.R)(message, { redact: text => deps.masker.redact(text) })}` : '';
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

// EXTERNAL MODULE: ./src/cli/flags.ts
var cli_flags = __webpack_require__(377);
;// CONCATENATED MODULE: ./src/cli/failure.ts
/**
 * What a failure tells the user, and the exit status that goes with it: 2 for what the user
 * fixes where the command is set up (a bad flag or input, a credential file that is missing or
 * unreadable), in one line naming the flag, variable or file; 1 for everything else, with the
 * core's whole explanation (what failed, why, what to do).
 */


/** An error found while reading the configuration: a bad input, whatever its type (a bad AZURE_AUTHORITY_HOST is an ActionError). */
class BadInputError extends ActionError {
    constructor(error) {
        super(messageOf(error), error instanceof ActionError ? error.hint : undefined);
        this.name = 'BadInputError';
    }
}
/** Errors that the core may wrap on the way up (`withContext` keeps the name, not the class). */
const BAD_INPUT_NAMES = new Set(['InputError', 'CredentialFileError', 'BadInputError']);
function failureOf(error, inputs) {
    if (error instanceof cli_flags/* UsageError */.eb)
        return { exitCode: 2, text: error.message };
    const translate = inputs?.translate ?? ((text) => text);
    if (error instanceof InputError && inputs) {
        return {
            exitCode: 2,
            text: oneLine(`${inputs.label(error.input)} ${translate(error.expectation)}`, error.hint && translate(error.hint))
        };
    }
    if (error instanceof Error && BAD_INPUT_NAMES.has(error.name)) {
        // `Input 'client-certificate' ...` inside a wrapped message: name the flag or variable instead.
        const message = error.message.replace(/Input '([a-z-]+)'/g, (whole, input) => (inputs ? inputs.label(input) : whole));
        return {
            exitCode: 2,
            text: oneLine(translate(message), error instanceof ActionError && error.hint ? translate(error.hint) : undefined)
        };
    }
    return { exitCode: 1, text: describeError(error) };
}
/**
 * The message and the first line of its hint, on one line. Later lines of a hint are context
 * that `auto` adds (which credentials it ruled out): not what a missing file needs.
 */
function oneLine(message, hint) {
    const fix = hint?.split('\n')[0];
    return [message.split('\n').join(' '), fix].filter(Boolean).join(' ');
}

;// CONCATENATED MODULE: ./src/cli/inputs.ts
/**
 * The action's inputs, as the command line finds them: a flag, then the credentials file that
 * `--creds @FILE` or ENTRA_SERVICE_PRINCIPAL names, then the generic AZURE_* variables. The
 * core reads and validates them (readConfig) exactly as it does the action's; this module only
 * says where each value came from, so that a bad one is reported under the flag, variable or
 * file the user has to fix.
 *
 * Why the file beats the variables: on AKS a webhook injects AZURE_CLIENT_ID (and
 * AZURE_TENANT_ID) into every pod of a workload-identity service account; a pod that was
 * handed a service principal's file means that app, not the injected one.
 */






/** A service principal's file is a few hundred bytes; anything near this is not one. */
const MAX_CREDENTIALS_FILE_BYTES = 64 * 1024;
/** The variable each input falls back to when its flag is absent (and the file does not give it). */
const VARIABLE_OF = {
    'client-id': 'AZURE_CLIENT_ID',
    'tenant-id': 'AZURE_TENANT_ID',
    'client-secret': 'AZURE_CLIENT_SECRET',
    'client-certificate': 'AZURE_CLIENT_CERTIFICATE_PATH',
    'client-certificate-password': 'AZURE_CLIENT_CERTIFICATE_PASSWORD',
    'authority-host': 'AZURE_AUTHORITY_HOST',
    resource: 'AZURE_RESOURCE',
    'token-file': 'BEARER_TOKEN_FILE'
};
/** Inputs the command line has no flag for: their values come from variables or the file only. */
const NO_FLAG = new Set(['client-secret', 'client-certificate-password']);
/** Inputs the command line has a flag for, of the same name (`--creds` takes a file, not the input's JSON). */
const FLAG_INPUTS = new Set(cli_flags/* FLAGS */.Wg.filter(flag => flag.value !== undefined && flag.name !== 'creds' && flag.name !== 'output').map(flag => flag.name));
/** The inputs the action has that the command line leaves at their defaults. */
const ACTION_ONLY = new Set(['export-env', 'ignore-missing-secrets', 'job-summary', 'sign-in-later-steps']);
async function readInputs(flags, deps) {
    const variable = (name) => deps.env[name]?.trim() || undefined;
    // Mask what the environment holds before anything can fail and be reported.
    for (const name of ['AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PASSWORD']) {
        const secret = variable(name);
        if (secret)
            deps.masker.mask(secret);
    }
    const file = await readCredentialsFile(flags, deps);
    const origins = new Map();
    const values = new Map();
    const take = (input, value, origin) => {
        if (value === undefined || values.has(input))
            return;
        values.set(input, value);
        origins.set(input, origin);
    };
    for (const [name, value] of Object.entries(flags.values)) {
        if (name !== 'creds' && name !== 'output')
            take(name, value, { kind: 'flag' });
    }
    if (file) {
        values.set('creds', file.text);
        origins.set('creds', { kind: 'file' });
        // The file's own fields win over the variables: the core reads them from `creds` when the input is empty.
        if (file.fields.clientId)
            take('client-id', '', { kind: 'file' });
        if (file.fields.tenantId)
            take('tenant-id', '', { kind: 'file' });
        if (file.fields.clientSecret)
            take('client-secret', '', { kind: 'file' });
    }
    for (const [input, name] of Object.entries(VARIABLE_OF)) {
        // The core reads AZURE_AUTHORITY_HOST itself, and names it in its errors.
        if (input === 'authority-host')
            continue;
        // A stray passphrase without a certificate is ignored, as the Azure SDKs ignore it.
        if (input === 'client-certificate-password' && !values.get('client-certificate'))
            continue;
        take(input, variable(name), { kind: 'variable', name });
    }
    if (flags.replace && !values.get('token-file'))
        throw new cli_flags/* UsageError */.eb('--replace needs --token-file (or BEARER_TOKEN_FILE).');
    const label = (input) => {
        const origin = origins.get(input);
        if (origin?.kind === 'file' && file)
            return file.label;
        if (origin?.kind === 'flag')
            return `--${input}`;
        if (origin?.kind === 'variable')
            return `Environment variable ${origin.name}`;
        // Absent: name every place it could have come from.
        const variableName = VARIABLE_OF[input];
        if (NO_FLAG.has(input))
            return variableName ?? input;
        return variableName ? `--${input} (or ${variableName})` : `--${input}`;
    };
    return {
        source: {
            input: name => (ACTION_ONLY.has(name) ? '' : (values.get(name) ?? '')),
            env: deps.env,
            workspace: deps.cwd
        },
        label,
        translate: translateInputNames
    };
}
/**
 * `--creds @FILE`, else the file ENTRA_SERVICE_PRINCIPAL names: read as a regular file (a FIFO
 * or a directory fails at once), masked whole, and parsed by the core's `creds` parser.
 * ENTRA_SERVICE_PRINCIPAL's file must hold all three of appId, password and tenant.
 */
async function readCredentialsFile(flags, deps) {
    const fromFlag = flags.values['creds'];
    const fromVariable = deps.env['ENTRA_SERVICE_PRINCIPAL']?.trim() || undefined;
    if (fromFlag === undefined && fromVariable === undefined)
        return undefined;
    if (fromFlag !== undefined && fromVariable !== undefined)
        deps.log.debug('--creds is given: ENTRA_SERVICE_PRINCIPAL is not read.');
    const file = external_node_path_.resolve(deps.cwd, fromFlag === undefined ? fromVariable : fromFlag.slice(1).trim());
    const shownFile = (0,external_text/* externalText */.R)(file, { maxLength: 200 });
    const label = fromFlag === undefined ? `ENTRA_SERVICE_PRINCIPAL (${shownFile})` : `--creds @${shownFile}`;
    let text;
    try {
        text = (await deps.machine.readRegularFile(file, MAX_CREDENTIALS_FILE_BYTES)).toString('utf8');
    }
    catch (error) {
        const why = error instanceof FileReadError ? error.message : String(error);
        throw new cli_flags/* UsageError */.eb(`${label} cannot be read: ${why}.`);
    }
    const json = text.trim();
    if (!json)
        throw new cli_flags/* UsageError */.eb(`${label} is empty: it must hold a JSON object such as {"appId": "...", "password": "...", "tenant": "..."}.`);
    deps.masker.mask(json);
    let fields;
    try {
        fields = parseCreds(json, deps.masker);
    }
    catch (error) {
        if (!(error instanceof InputError))
            throw error;
        throw new cli_flags/* UsageError */.eb(`${label} ${translateInputNames(error.expectation)}`);
    }
    if (fromFlag === undefined) {
        const missing = [
            fields.clientId ? undefined : 'appId',
            fields.clientSecret ? undefined : 'password',
            fields.tenantId ? undefined : 'tenant'
        ].filter(Boolean);
        if (missing.length > 0) {
            throw new cli_flags/* UsageError */.eb(`${label} has no ${missing.join(', no ')}: the file must hold appId, password and tenant (the output of az ad sp create-for-rbac).`);
        }
    }
    return { label, text: json, fields };
}
/**
 * The core's messages name inputs as the action's users know them (`'client-id'`, `the
 * keyvault input`); a command line user knows flags and variables.
 */
function translateInputNames(text) {
    return text
        .replace(/'client-secret' input/g, 'AZURE_CLIENT_SECRET')
        .replace(/'client-secret'/g, 'AZURE_CLIENT_SECRET')
        .replace(/'?client-certificate-password'?/g, 'AZURE_CLIENT_CERTIFICATE_PASSWORD')
        .replace(/'creds'/g, '--creds @FILE')
        .replace(/the ([a-z-]+) input/g, (whole, name) => (FLAG_INPUTS.has(name) ? `--${name}` : whole))
        .replace(/'([a-z]+(?:-[a-z]+)*)'/g, (whole, name) => (FLAG_INPUTS.has(name) ? `--${name}` : whole));
}

// EXTERNAL MODULE: ./src/cli/log.ts
var cli_log = __webpack_require__(644);
;// CONCATENATED MODULE: ./src/cli/output.ts




/** The default: `token`, or `env` when secrets are asked for, or nothing besides a token file. */
function printedForm(output, secretsAsked, tokenFile) {
    if (output !== undefined)
        return output;
    if (secretsAsked)
        return 'env';
    return tokenFile ? 'nothing' : 'token';
}
function formatOutput(form, result) {
    switch (form) {
        case 'nothing':
            return { text: '', omitted: [] };
        case 'token':
            return { text: `${result.acquired.token.token}\n`, omitted: [] };
        case 'json':
            return { text: jsonText(result), omitted: [] };
        case 'env':
            return envText(result.acquired.secrets);
    }
}
/**
 * The contract's keys in its order, `null` for a claim the token lacks. Every secret is in
 * `secrets`, also one whose name `env` output refuses (like the action's outputs, which hold it
 * too): JSON is data, read by name, never evaluated as a shell's variables.
 */
function jsonText(result) {
    const { token, identity, secrets } = result.acquired;
    const object = {
        accessToken: token.token,
        expiresOn: formatExpiry(token.expiresOn),
        tokenType: 'Bearer',
        tenantId: identity.tenantId ?? null,
        clientId: identity.clientId ?? null,
        objectId: identity.objectId ?? null,
        authType: result.authType,
        resource: result.resource
    };
    if (result.secretsAsked)
        object['secrets'] = Object.fromEntries(secrets.map(secret => [secret.envName, secret.value]));
    return `${JSON.stringify(object)}\n`;
}
/** A shell variable's name: nothing else may stand left of the `=` in a line that is eval'ed. */
const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * One `export NAME='value'` line per secret. Names the `secrets` rules refuse to export (found
 * by `VAULT/*` without a prefix: PATH, LD_PRELOAD, ...) are left out, as the action leaves
 * them out of the environment: an eval would set them in the user's shell.
 */
function envText(secrets) {
    const omitted = [];
    const lines = [];
    for (const secret of secrets) {
        if (!secret.exportable || isRefusedEnvName(secret.envName) || !SHELL_NAME.test(secret.envName)) {
            omitted.push(`${labelOf(secret.vault, secret.name)} is left out of the env output: ${secret.envName} would run ` +
                `code in, steer, or redirect the shell that evals it. ` +
                'Give the vault a prefix (VAULT/* | APP_), or read it with --output json.');
            continue;
        }
        if (secret.value.includes('\0')) {
            throw new ActionError(`${labelOf(secret.vault, secret.name)} holds a NUL character, which no shell variable can hold.`, 'Read it with --output json instead.');
        }
        lines.push(`export ${secret.envName}=${output_shellQuote(secret.value)}\n`);
    }
    return { text: lines.join(''), omitted };
}
/**
 * POSIX single quotes: every character stands for itself inside them, newlines, `$`, backticks
 * and backslashes included, except `'` itself, which closes the quotes, is escaped, and
 * reopens them: `it's` → `'it'\''s'`.
 */
function output_shellQuote(value) {
    return `'${value.replace(/'/g, "'\\''")}'`;
}

;// CONCATENATED MODULE: ./src/cli/main.ts
/**
 * The command line, top to bottom: find the inputs (flags, a credentials file, variables), let
 * the core read them, pick the credential, get the token and the secrets, then hand them over:
 * the token file, then stdout. The log goes to stderr; the exit status says how it went.
 */












function defaultDeps() {
    const machine = nodeMachine();
    return {
        env: process.env,
        cwd: process.cwd(),
        machine,
        http: log => createHttp({ clock: machine, log }),
        stdout: text => new Promise((resolve, reject) => {
            if (text === '')
                resolve();
            else
                process.stdout.write(text, error => (error ? reject(error) : resolve()));
        }),
        stderr: text => process.stderr.write(text)
    };
}
/** Runs the command with parsed flags; resolves with the exit status, never rejects. */
async function run(flags, deps = defaultDeps()) {
    const masker = createMasker(() => { });
    const log = (0,cli_log/* cliLog */.$)(deps.stderr, {
        quiet: flags.quiet,
        verbose: flags.verbose || debugRequested(deps.env),
        redact: text => masker.redact(text)
    });
    const http = deps.http(log);
    let inputs;
    try {
        inputs = await readInputs(flags, { env: deps.env, cwd: deps.cwd, machine: deps.machine, masker, log });
        const config = readCliConfig(inputs, masker);
        const printed = chooseOutput(flags, config);
        const credential = await createCredential(config, { http, machine: deps.machine, masker, log });
        const acquired = await acquire(config, credential, { http, machine: deps.machine, masker, log });
        const result = { acquired, authType: credential.kind, resource: config.resource, secretsAsked: config.secrets.length > 0 };
        await handOver(result, printed, { file: config.tokenFile, replace: flags.replace }, deps, log);
        return 0;
    }
    catch (error) {
        const failure = failureOf(error, inputs);
        log.error(failure.text);
        return failure.exitCode;
    }
    finally {
        http.dispose();
    }
}
/** AZURE_TOKEN_DEBUG=1 is --verbose, for containers whose arguments are fixed. */
function debugRequested(env) {
    const value = env['AZURE_TOKEN_DEBUG']?.trim().toLowerCase();
    return value === '1' || value === 'true';
}
/** The core's readConfig; whatever it refuses is a bad input (exit 2), made before any request. */
function readCliConfig(inputs, masker) {
    try {
        return readConfig(inputs.source, masker);
    }
    catch (error) {
        if (error instanceof Error && error.name === 'InputError')
            throw error;
        throw new BadInputError(error);
    }
}
/** What stdout will get; `--output env` with no secrets to print is a bad flag, found before any request. */
function chooseOutput(flags, config) {
    const printed = printedForm(flags.output, config.secrets.length > 0, config.tokenFile !== undefined);
    if (printed === 'env' && config.secrets.length === 0) {
        throw new cli_flags/* UsageError */.eb('--output env prints Key Vault secrets, and no --secrets are given: use --output token or --output json for the token.');
    }
    return printed;
}
/**
 * Everything was obtained: the output is formatted first (it can still refuse a value), then
 * the token file is written, then stdout. A token file this run created is removed again if
 * stdout fails, so that exit 0 means both were written and a failure leaves no file.
 */
async function handOver(result, printed, tokenFile, deps, log) {
    const output = formatOutput(printed, result);
    for (const line of output.omitted)
        log.warning(line);
    const { file, replace } = tokenFile;
    if (file !== undefined) {
        await writeTokenFile(deps.machine, file, result.acquired.token.token, { replace });
        log.info(`Wrote the token to ${file}${replace ? ' (replacing any file there)' : ''}.`);
    }
    try {
        await deps.stdout(output.text);
    }
    catch (error) {
        if (file !== undefined && !replace)
            await deps.machine.removeFile(file);
        throw error;
    }
}


/***/ }),

/***/ 897:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   k: () => (/* binding */ ProxyAgent)
/* harmony export */ });
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


/***/ })

};
