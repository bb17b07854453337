/**
 * Scale: a matrix fan-out. `runs` copies of the action start at once, each loading `secrets`
 * secrets from one vault throttled the way Key Vault throttles, scaled down (§5 Throttling:
 * a fixed number of requests per window, then 429 with Retry-After). Every run must succeed;
 * the total is set against the least time the throttle itself allows.
 */
import { DEFAULTS } from '../test/fake-azure/server.js';
import { timeAction } from './measure.js';
import { secretName, vaultSecrets } from './cases.js';

const SCALE_VAULT = 'bench-scale';

/**
 * The least time `gets` requests can take when only `limit` are served per window: the last
 * window that serves any starts (windows - 1) full windows after the first, and one unthrottled
 * run (its floor) is still needed around it.
 */
export function throttleMinimumMs({ gets, limit, windowMs, runFloorMs }) {
  return (Math.ceil(gets / limit) - 1) * windowMs + runFloorMs;
}

export async function runScale(fake, { node, runs, secrets, limit, windowMs, retryAfterSeconds, runFloorMs }) {
  const vault = await fake.addVault(SCALE_VAULT, { secrets: vaultSecrets(secrets) });
  const inputs = {
    'auth-type': 'oidc',
    'client-id': DEFAULTS.clientId,
    'tenant-id': DEFAULTS.tenantId,
    'authority-host': fake.url,
    keyvault: vault,
    secrets: Array.from({ length: secrets }, (_, i) => secretName(i)).join(',')
  };
  fake.clearRequests();
  fake.throttle('keyvault-get', { limit, windowMs, retryAfterSeconds });
  const started = performance.now();
  try {
    const outcomes = await Promise.all(Array.from({ length: runs }, () => timeAction({ node, inputs, env: fake.env.oidc, timeoutMs: 300_000 })));
    const totalMs = performance.now() - started;
    const gets = fake.requestsFor('keyvault-get');
    const failures = outcomes.filter(({ result }) => result.exitCode !== 0 || Object.keys(result.exportedEnv).length !== secrets);
    return {
      runs,
      secrets,
      limit,
      windowMs,
      retryAfterSeconds,
      totalMs,
      minimumMs: throttleMinimumMs({ gets: runs * secrets, limit, windowMs, runFloorMs }),
      succeeded: runs - failures.length,
      served: gets.filter(request => request.status === 200).length,
      throttled: gets.filter(request => request.status === 429).length,
      firstFailure: failures[0] && `${failures[0].result.stdout}${failures[0].result.stderr}`
    };
  } finally {
    fake.clearFaults();
  }
}
