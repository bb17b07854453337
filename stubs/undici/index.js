/**
 * Stand-in for `undici`, put in its place by the `overrides` entry in the root package.json.
 *
 * @actions/http-client imports undici at load time only for `getAgentDispatcher()`, which hands
 * a proxy to `fetch`. This action never calls it: every request goes through HttpClient's own
 * agents, which honour HTTPS_PROXY / NO_PROXY with `tunnel`. Bundling the real undici made every
 * start ~45 ms slower (bench/: start-up row) for code that never ran.
 */
export class ProxyAgent {
  constructor() {
    throw new Error(
      'azure-token bundles no undici: HttpClient.getAgentDispatcher() is not supported. ' +
        'Send requests through HttpClient (it honours HTTPS_PROXY and NO_PROXY itself).'
    );
  }
}
