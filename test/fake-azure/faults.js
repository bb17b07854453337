/**
 * Fault injection and throttling per route. A fault is consumed by the requests it matches
 * (`times`, default 1); a throttle answers 429 + Retry-After once a fixed window is full, the
 * way Key Vault does (§5 "Throttling", scaled down). Neither counts a 429 it sends.
 */

export const ROUTES = Object.freeze(['github', 'entra', 'msi', 'imds', 'arc', 'keyvault-get', 'keyvault-list']);

function assertRoute(route) {
  if (!ROUTES.includes(route)) throw new Error(`unknown route '${route}', expected one of ${ROUTES.join(', ')}`);
}

function matches(fault, info) {
  if (fault.match === undefined) return true;
  if (typeof fault.match === 'function') return Boolean(fault.match(info));
  return info.path.includes(String(fault.match));
}

export function createFaultInjector(clock) {
  let faults = [];
  let throttles = new Map();

  return {
    /** spec: { status, retryAfter, body, times=1, latencyMs, reset, truncate, html, hang, match } */
    add(route, spec) {
      assertRoute(route);
      faults.push({ route, ...spec, remaining: spec.times ?? 1 });
    },

    throttle(route, { limit, windowMs = 1000, retryAfterSeconds = 1 }) {
      assertRoute(route);
      throttles.set(route, { limit, windowMs, retryAfterSeconds, windowStart: clock(), count: 0 });
    },

    clear() {
      faults = [];
      throttles = new Map();
    },

    /** The fault this request consumes, or null. */
    take(route, info) {
      const fault = faults.find((f) => f.route === route && f.remaining > 0 && matches(f, info));
      if (!fault) return null;
      fault.remaining -= 1;
      return fault;
    },

    /** Seconds to announce in Retry-After when the route's window is full, else null. */
    throttled(route) {
      const window = throttles.get(route);
      if (!window) return null;
      const now = clock();
      if (now - window.windowStart >= window.windowMs) {
        window.windowStart = now;
        window.count = 0;
      }
      if (window.count >= window.limit) return window.retryAfterSeconds;
      window.count += 1;
      return null;
    }
  };
}
