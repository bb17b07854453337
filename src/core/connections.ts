/**
 * The connections under the HTTP layer. @actions/http-client decides the proxy (HTTPS_PROXY,
 * NO_PROXY) and builds each request; this module hands it the agent a direct request goes out
 * on, one keep-alive agent per protocol, and the address to connect to: a bracketed IPv6
 * literal (`[::1]`) would otherwise reach DNS as a name, brackets and all, and fail ENOTFOUND.
 * Proxied requests keep http-client's tunnelling agent.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { RequestHandler } from '@actions/http-client/lib/interfaces';

export type Protocol = 'http:' | 'https:';

export interface Connections {
  /** Plugs into an HttpClient that sends only `protocol` requests. */
  handlerFor(protocol: Protocol): RequestHandler;
  /** Closes every kept-alive socket, so the process can exit. */
  dispose(): void;
}

export function createConnections(): Connections {
  const agents: Record<Protocol, http.Agent> = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ keepAlive: true })
  };
  return {
    handlerFor: protocol => ({
      prepareRequest(options: http.RequestOptions) {
        if (typeof options.host === 'string' && options.host.startsWith('[') && options.host.endsWith(']')) {
          options.host = options.host.slice(1, -1);
        }
        // http-client's direct agent is an http.Agent; a proxy's tunnelling agent is not.
        if (options.agent instanceof http.Agent) options.agent = agents[protocol];
      },
      canHandleAuthentication: () => false,
      handleAuthentication: () => Promise.reject(new Error('azure-token handles no authentication challenge in the HTTP layer'))
    }),
    dispose() {
      for (const agent of Object.values(agents)) agent.destroy();
    }
  };
}
