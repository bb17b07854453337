/**
 * Fault injection and throttling per route. A fault is consumed by the requests it matches
 * (`times`, default 1); a throttle answers 429 once its window is full. Neither counts a 429
 * it sends: Key Vault's "429s do not count toward the limit" (§5 "Throttling").
 *
 * `keyvault` is a route group: a fault or throttle on it applies to keyvault-get and
 * keyvault-list alike, and a `keyvault` throttle counts each vault on its own, the way Key
 * Vault's limit is per vault.
 */

export const ROUTES = Object.freeze(['github', 'entra', 'msi', 'imds', 'arc', 'keyvault-get', 'keyvault-list', 'arm']);
/** Names a fault or throttle may target: every route, and the `keyvault` group. */
export const TARGETS = Object.freeze([...ROUTES, 'keyvault']);

function assertTarget(route) {
  if (!TARGETS.includes(route)) throw new Error(`unknown route '${route}', expected one of ${TARGETS.join(', ')}`);
}

/** Whether a fault or throttle registered on `target` applies to a request on `route`. */
function covers(target, route) {
  return target === route || (target === 'keyvault' && route.startsWith('keyvault-'));
}

function matches(fault, info) {
  if (fault.match === undefined) return true;
  if (typeof fault.match === 'function') return Boolean(fault.match(info));
  return info.path.includes(String(fault.match));
}

/**
 * A throttle from its spec. The original form `{ limit, windowMs = 1000, retryAfterSeconds = 1 }`
 * keeps its meaning; `perWindow` is another name for `limit`, `retryAfter` replaces
 * `retryAfterSeconds` (present and undefined = no Retry-After header, as Key Vault sends none),
 * `window: 'sliding'` counts the last `windowMs` instead of fixed windows, and `perVault`
 * counts each vault apart. On the `keyvault` group the defaults are Key Vault's: a 10 s window,
 * per vault, no Retry-After.
 */
function throttleFrom(route, spec, now) {
  const keyVaultModel = route === 'keyvault';
  const limit = spec.perWindow ?? spec.limit;
  if (!Number.isInteger(limit) || limit < 0) throw new Error(`throttle('${route}'): perWindow (or limit) must be a whole number >= 0`);
  const retryAfter =
    'retryAfter' in spec ? spec.retryAfter : 'retryAfterSeconds' in spec ? spec.retryAfterSeconds : keyVaultModel ? undefined : 1;
  const window = spec.window ?? 'fixed';
  if (window !== 'fixed' && window !== 'sliding') throw new Error(`throttle('${route}'): window must be 'fixed' or 'sliding'`);
  return {
    target: route,
    limit,
    windowMs: spec.windowMs ?? (keyVaultModel ? 10_000 : 1000),
    retryAfter,
    window,
    perVault: spec.perVault ?? keyVaultModel,
    startedAt: now,
    counters: new Map()
  };
}

/** The counter of one key (a vault, or '' for the whole route), brought up to `now`. */
function counterOf(throttle, key, now) {
  let counter = throttle.counters.get(key);
  if (!counter) {
    counter = { windowStart: throttle.startedAt, count: 0, admitted: [] };
    throttle.counters.set(key, counter);
  }
  if (throttle.window === 'sliding') {
    while (counter.admitted.length > 0 && now - counter.admitted[0] >= throttle.windowMs) counter.admitted.shift();
  } else if (now - counter.windowStart >= throttle.windowMs) {
    counter.windowStart = now;
    counter.count = 0;
  }
  return counter;
}

function isFull(throttle, counter) {
  return (throttle.window === 'sliding' ? counter.admitted.length : counter.count) >= throttle.limit;
}

function count(throttle, counter, now) {
  if (throttle.window === 'sliding') counter.admitted.push(now);
  else counter.count += 1;
}

export function createFaultInjector(clock) {
  let faults = [];
  let throttles = new Map();

  return {
    /**
     * spec: { status, retryAfter, body, headers, times=1, latencyMs, reset, truncate, html, hang,
     * match, thenHang }. Faults are taken in the order they were added; `thenHang` adds, right
     * after this one, a fault that hangs every later matching request (until clearFaults).
     */
    add(route, spec) {
      assertTarget(route);
      faults.push({ route, ...spec, remaining: spec.times ?? 1 });
      if (spec.thenHang) faults.push({ route, hang: true, match: spec.match, remaining: Infinity });
    },

    /** Replaces the route's throttle; see throttleFrom for the spec. */
    throttle(route, spec) {
      assertTarget(route);
      throttles.set(route, throttleFrom(route, spec ?? {}, clock()));
    },

    clear() {
      faults = [];
      throttles = new Map();
    },

    /** The fault this request consumes, or null. */
    take(route, info) {
      const fault = faults.find(f => covers(f.route, route) && f.remaining > 0 && matches(f, info));
      if (!fault) return null;
      fault.remaining -= 1;
      return fault;
    },

    /**
     * The throttle whose window is full for this request, or null when the request is admitted
     * (then every throttle that covers it counts it). `vault` names the vault on Key Vault routes.
     */
    throttled(route, vault) {
      const now = clock();
      const applicable = [...throttles.values()]
        .filter(throttle => covers(throttle.target, route))
        .map(throttle => ({ throttle, counter: counterOf(throttle, throttle.perVault ? String(vault ?? '').toLowerCase() : '', now) }));
      const full = applicable.find(({ throttle, counter }) => isFull(throttle, counter));
      if (full) return full.throttle;
      for (const { throttle, counter } of applicable) count(throttle, counter, now);
      return null;
    }
  };
}
