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
export class ProxyAgent {
  constructor() {
    throw new Error(
      'azure-token bundles no undici: HttpClient.getAgentDispatcher() is not supported. ' +
        'Send requests through HttpClient (it honours HTTPS_PROXY and NO_PROXY itself).'
    );
  }
}
