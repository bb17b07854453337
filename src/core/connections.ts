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
import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { getProxyUrl } from '@actions/http-client/lib/proxy';
import type { RequestInfo } from '@actions/http-client/lib/interfaces';

interface Connections {
  /** What http-client's requestRaw sends: the request options, with the agent that carries it. */
  requestInfo(method: string, url: URL, headers: Readonly<Record<string, string>>): RequestInfo;
  /** Opens `count` connections to `url`'s origin now; requests to it then take them first. */
  preconnect(url: string, count: number): void;
  /** Closes every connection, kept-alive and warm, so the process can exit. */
  dispose(): void;
}

type Callback = (error: Error | null, socket?: Duplex) => void;
type ConnectOptions = http.ClientRequestArgs & { servername?: string; _agentKey?: string; socket?: Duplex };

/** A connection opened ahead of need, waiting for a request to its origin. */
interface Warm {
  readonly socket: Promise<Duplex>;
  ready?: Duplex;
  /** Forgets this connection if it closes or fails before a request takes it. */
  forget?: () => void;
}

/** How long a connection opened ahead of need waits for its request before it is closed. */
const WARM_IDLE_MS = 20_000;

const originKey = (host: string, port: number | string): string => `${host.toLowerCase()}:${port}`;
const isAddress = (host: string): boolean => /^[\d.]+$/.test(host) || host.includes(':');

/** An Agent class (http or https) with warm connections and, given a proxy, kept-alive CONNECT tunnels. */
function poolAgent<T extends typeof http.Agent>(Base: T, secure: boolean) {
  return class PoolAgent extends (Base as typeof http.Agent) {
    readonly #warm = new Map<string, Warm[]>();
    readonly #proxy: URL | undefined;

    constructor(proxy: URL | undefined) {
      super({ keepAlive: true });
      this.#proxy = proxy;
    }

    preconnect(host: string, port: number, count: number): void {
      const key = originKey(host, port);
      const warm = this.#warm.get(key) ?? [];
      this.#warm.set(key, warm);
      const options: ConnectOptions = {
        ...(this as unknown as { options: object }).options,
        host,
        port,
        ...(secure && !isAddress(host) ? { servername: host } : {})
      };
      if (secure) options._agentKey = this.getName(options);
      for (let i = 0; i < count; i++) {
        const entry: Warm = {
          socket: new Promise((resolve, reject) => {
            const direct = this.#open(options, (error, socket) => (socket ? resolve(socket) : reject(error ?? new Error('no connection'))));
            if (direct) resolve(direct);
          })
        };
        // A warm connection that fails or closes before a request takes it is forgotten.
        const forget = (): void => {
          const at = warm.indexOf(entry);
          if (at >= 0) warm.splice(at, 1);
        };
        entry.forget = forget;
        entry.socket.then(socket => {
          entry.ready = socket;
          socket.once('close', forget);
          socket.on('error', forget);
          // Warm only while the step's first requests are due; a server may time an idle connection out.
          (socket as Socket).setTimeout(WARM_IDLE_MS, () => socket.destroy());
        }, forget);
        warm.push(entry);
      }
    }

    override createConnection(options: ConnectOptions, callback: Callback): Duplex | undefined {
      const entry = this.#warm.get(originKey(String(options.host), Number(options.port)))?.shift();
      if (!entry) return this.#open(options, callback);
      // Only our own listeners come off: TLS keeps its own on 'close'.
      const take = (socket: Duplex): Duplex => {
        (socket as Socket).setTimeout(0);
        return entry.forget ? socket.off('close', entry.forget).off('error', entry.forget) : socket;
      };
      // Nothing may have arrived on a connection no request was sent on (a server's 408 for an idle
      // connection): the next request would read it as its own answer.
      const usable = (socket: Duplex): boolean => !socket.destroyed && socket.readableLength === 0;
      if (entry.ready && usable(entry.ready)) return take(entry.ready);
      const reopen = (): void => {
        const direct = this.#open(options, callback);
        if (direct) callback(null, direct);
      };
      entry.socket.then(socket => {
        if (usable(socket)) return callback(null, take(socket));
        socket.destroy();
        reopen();
      }, reopen);
      return undefined;
    }

    /**
     * A new connection: the base class's own (returned at once, as Agent expects of a plain
     * createConnection), or a CONNECT through the proxy and then TLS over the tunnel (through the callback).
     */
    #open(options: ConnectOptions, callback: Callback): Duplex | undefined {
      const proxy = this.#proxy;
      if (!proxy) return (super.createConnection as (options: ConnectOptions) => Duplex)(options);
      const host = String(options.host);
      const target = `${host.includes(':') ? `[${host}]` : host}:${options.port}`;
      const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
      const auth = proxy.username ? { 'proxy-authorization': `Basic ${Buffer.from(credentials).toString('base64')}` } : {};
      const connect = (proxy.protocol === 'https:' ? https : http).request({
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
          callback(
            Object.assign(new Error(`tunneling socket could not be established, statusCode=${response.statusCode}`), { code: 'ECONNRESET' })
          );
          return;
        }
        callback(null, secure ? (super.createConnection as (options: ConnectOptions) => Duplex)({ ...options, socket }) : socket);
      });
      connect.once('error', error => callback(error));
      connect.end();
      return undefined;
    }

    override destroy(): void {
      for (const warm of this.#warm.values())
        for (const entry of warm.splice(0))
          entry.socket.then(
            socket => socket.destroy(),
            () => undefined
          );
      super.destroy();
    }
  };
}

const HttpPoolAgent = poolAgent(http.Agent, false);
const HttpsPoolAgent = poolAgent(https.Agent, true);
type PoolAgent = InstanceType<typeof HttpPoolAgent>;

export function createConnections(userAgent: string): Connections {
  const agents = new Map<string, PoolAgent>();
  const portOf = (url: URL): number => Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const agentFor = (url: URL): PoolAgent => {
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
  const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

  return {
    requestInfo(method, url, headers) {
      const lowered = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
      return {
        parsedUrl: url,
        httpModule: url.protocol === 'https:' ? https : http,
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
      if (count > 0) agentFor(url).preconnect(hostOf(url), portOf(url), count);
    },
    dispose() {
      for (const agent of agents.values()) agent.destroy();
      agents.clear();
    }
  };
}
