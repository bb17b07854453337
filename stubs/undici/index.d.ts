/** See index.js: the action's stand-in for undici; constructing a ProxyAgent throws. */
export declare class ProxyAgent {
  constructor(options?: unknown);
}
