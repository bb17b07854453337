/**
 * Prototype, not used by the action: the connection strategy its HTTP layer should adopt,
 * measured by bench/prototype/measure.js against the round-trip emulation of the fake
 * (test/fake-azure/latency.js). Plain JS, node: builtins only.
 *
 * (a) Preconnect. `pool.preconnect(origin, n)` opens n connections (TCP + TLS, or CONNECT + TLS
 *     through a proxy) ahead of need, e.g. to Entra ID and Key Vault while the GitHub token is on
 *     its way. A real request to that origin then takes one of them instead of opening its own.
 *     How: Node's Agent asks `agent.createConnection(options, callback)` for a socket whenever
 *     it has no free one for the request's origin (a documented override point; it may answer
 *     through the callback, later). The pool's agents answer with a warm connection when they
 *     hold one, and open a new one otherwise; from then on the socket is an ordinary agent
 *     socket: kept alive, reused, in `agent.freeSockets` between requests. Nothing internal to
 *     the Agent is touched (`freeSockets`, `addRequest` and the 'free' event would need a fake
 *     request to accept a socket: a dummy HEAD/OPTIONS costs a round trip and a log line at the
 *     service, and keeps the socket busy for that round trip).
 * (b) Keep-alive through an HTTP CONNECT proxy. The same override does the CONNECT and then TLS
 *     over the tunnel (https.Agent's own createConnection with `socket`, so TLS sessions are
 *     cached per origin as usual), so a tunnel is one agent socket: kept alive and reused, one
 *     tunnel per connection instead of one per request (the `tunnel` package behind
 *     @actions/http-client opens a tunnel for every request and destroys it after). With
 *     `maxSocketsPerOrigin: 1` there is exactly one tunnel per origin, and requests to it take
 *     turns (HTTP/1.1 has one request in flight per connection).
 *
 * Wiring into an @actions/http-client based layer (src/http.ts sends each attempt with
 * `client.request(method, url, body, headers)`): send it with the public
 * `client.requestRaw(pool.requestInfo(method, url, headers), body)` instead, which takes the
 * agent given; `requestInfo` picks the agent from the URL and the proxy http-client would use
 * (its exported getProxyUrl: HTTPS_PROXY, NO_PROXY, loopback bypass), and preconnect where the
 * step knows its next origins. See measure.js for numbers and the report for the wiring.
 */
import { createRequire } from 'module';

const require = createRequire(import.meta.url);
const http = require('http');
const https = require('https');

const keyOf = (host, port) => `${String(host).toLowerCase()}:${port}`;
const isIp = host => /^[\d.]+$/.test(host) || host.includes(':');

/**
 * An Agent class (http.Agent or https.Agent) with warm connections and, when `proxy` is given,
 * keep-alive CONNECT tunnels. Counts `opened` connections and `connects` per origin.
 */
function poolAgent(Base) {
  const secure = Base === https.Agent || Base.prototype instanceof https.Agent;
  return class PoolAgent extends Base {
    #warm = new Map();
    #proxy;

    constructor({ proxy, maxSocketsPerOrigin, ...options } = {}) {
      super({ keepAlive: true, ...(maxSocketsPerOrigin ? { maxSockets: maxSocketsPerOrigin } : {}), ...options });
      this.#proxy = proxy ? new URL(proxy) : undefined;
      this.opened = {};
    }

    /** Opens `count` connections to `host:port` now; requests to it take them before opening any. */
    preconnect(host, port, count = 1) {
      const key = keyOf(host, port);
      const warm = this.#warm.get(key) ?? [];
      this.#warm.set(key, warm);
      const options = { ...this.options, host, port, ...(secure && !isIp(host) ? { servername: host } : {}) };
      if (secure) options._agentKey = this.getName(options);
      for (let i = 0; i < count; i++) {
        const entry = new Promise((resolve, reject) => this.#open(options, (error, socket) => (error ? reject(error) : resolve(socket))));
        const drop = () => {
          const at = warm.indexOf(entry);
          if (at >= 0) warm.splice(at, 1);
        };
        // A warm connection that fails or closes before use is forgotten; the request opens its own.
        entry.then(socket => {
          entry.ready = socket;
          entry.onIdleEnd = () => drop();
          socket.once('close', entry.onIdleEnd);
          socket.on('error', entry.onIdleEnd);
        }, drop);
        warm.push(entry);
      }
    }

    createConnection(options, callback) {
      const entry = this.#warm.get(keyOf(options.host, options.port))?.shift();
      if (!entry) return this.#open(options, callback);
      if (entry.ready && !entry.ready.destroyed) {
        // Handed over at once, so the Agent counts it against maxSockets before the next request.
        entry.ready.off('close', entry.onIdleEnd).off('error', entry.onIdleEnd);
        return entry.ready;
      }
      entry.then(
        socket => {
          socket.off('close', entry.onIdleEnd);
          socket.off('error', entry.onIdleEnd);
          if (socket.destroyed) this.#open(options, callback);
          else callback(null, socket);
        },
        () => this.#open(options, callback)
      );
      return undefined;
    }

    /** A new connection: direct (the base class's), or CONNECT through the proxy then TLS over the tunnel. */
    #open(options, callback) {
      const key = keyOf(options.host, options.port);
      this.opened[key] = (this.opened[key] ?? 0) + 1;
      if (!this.#proxy) {
        const socket = super.createConnection(options);
        callback(null, socket);
        return undefined;
      }
      const proxy = this.#proxy;
      const target = `${options.host}:${options.port}`;
      const auth = proxy.username
        ? {
            'proxy-authorization': `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`
          }
        : {};
      const connect = http.request({
        host: proxy.hostname,
        port: proxy.port || 80,
        method: 'CONNECT',
        path: target,
        headers: { host: target, ...auth },
        agent: false
      });
      connect.once('connect', (response, socket) => {
        if (response.statusCode !== 200) {
          socket.destroy();
          callback(
            Object.assign(new Error(`proxy ${proxy.host} refused CONNECT ${target}: ${response.statusCode}`), { code: 'ERR_PROXY_TUNNEL' })
          );
          return;
        }
        callback(null, secure ? super.createConnection({ ...options, socket }) : socket);
      });
      connect.once('error', callback);
      connect.end();
      return undefined;
    }

    destroy() {
      for (const warm of this.#warm.values())
        for (const entry of warm.splice(0))
          entry.then(
            socket => socket.destroy(),
            () => {}
          );
      super.destroy();
    }
  };
}

export const HttpPoolAgent = poolAgent(http.Agent);
export const HttpsPoolAgent = poolAgent(https.Agent);

/**
 * One agent per (scheme, proxy), shared by every request of the step. `proxyFor(url)`: the proxy
 * URL string to use for `url`, or '' (pass @actions/http-client's getProxyUrl).
 */
export function createConnectionPool({ proxyFor = () => '', maxSocketsPerOrigin, userAgent = 'azure-token' } = {}) {
  const agents = new Map();

  function agentFor(url) {
    const parsed = typeof url === 'string' ? new URL(url) : url;
    const proxy = proxyFor(parsed.href) || undefined;
    const key = `${parsed.protocol}|${proxy ?? ''}`;
    let agent = agents.get(key);
    if (!agent) {
      const Agent = parsed.protocol === 'https:' ? HttpsPoolAgent : HttpPoolAgent;
      agent = new Agent({ proxy, maxSocketsPerOrigin });
      agents.set(key, agent);
    }
    return agent;
  }

  const portOf = parsed => Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));

  return {
    agentFor,
    /** Opens `count` connections to the origin of `url` now. */
    preconnect(url, count = 1) {
      const parsed = new URL(url);
      agentFor(parsed).preconnect(parsed.hostname, portOf(parsed), count);
    },
    /** The RequestInfo that @actions/http-client's requestRaw(info, data) sends, with the pool's agent. */
    requestInfo(method, url, headers = {}) {
      const parsed = new URL(url);
      return {
        parsedUrl: parsed,
        httpModule: parsed.protocol === 'https:' ? https : http,
        options: {
          host: parsed.hostname,
          port: portOf(parsed),
          path: parsed.pathname + parsed.search,
          method,
          headers: {
            'user-agent': userAgent,
            ...Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]))
          },
          agent: agentFor(parsed)
        }
      };
    },
    /** New connections per origin (each through the proxy is one CONNECT). */
    opened() {
      const total = {};
      for (const agent of agents.values()) for (const [key, count] of Object.entries(agent.opened)) total[key] = (total[key] ?? 0) + count;
      return total;
    },
    destroy() {
      for (const agent of agents.values()) agent.destroy();
      agents.clear();
    }
  };
}
