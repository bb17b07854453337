/**
 * Scale: a matrix fan-out. `legs` copies of the action start at once (GitHub's largest matrix
 * has 256), each loading `secrets` secrets from one vault throttled the way Key Vault throttles,
 * scaled down (§5 Throttling: a fixed number of gets per window, then 429). Every leg must
 * succeed; the total is set against the least time the throttle itself allows.
 *
 * The throttle is the fake's `throttle('keyvault-get', spec)`, called in one place with the spec
 * given (`throttle`: today { limit, windowMs, retryAfterSeconds }), so another throttle model
 * is one argument away.
 */
import fs from 'node:fs';
import os from 'node:os';
import { DEFAULTS } from '../test/fake-azure/server.js';
import { runAction } from '../test/harness/runner.js';
import { summarize } from './measure.js';
import { secretName, vaultSecrets } from './cases.js';

const SCALE_VAULT = 'bench-scale';
/** A leg's peak RSS, with room to spare (the action peaks near 58 MB on Node 24). */
const LEG_MB = 64;

/**
 * The least time the throttle allows, two ways. `rate`: gets ÷ limit × window, the long-run
 * rate bound (256 legs × 10 secrets at 1,024 per 10 s: 25 s), which the targets use. `window`:
 * what a fixed-window throttle allows at best, (⌈gets ÷ limit⌉ − 1) windows after the first
 * get plus one unthrottled leg's floor: the last window need not be full, so a run can beat the
 * rate bound by up to one window.
 */
export function throttleMinimumMs({ gets, limit, windowMs, runFloorMs }) {
  return { rate: (gets / limit) * windowMs, window: (Math.ceil(gets / limit) - 1) * windowMs + runFloorMs };
}

/** Starts `legs` copies of the action at once; resolves to each one's result and finish time, and the total. */
async function fanOut({ node }, legs, inputs, env, progress) {
  const started = performance.now();
  let finished = 0;
  const ticker = setInterval(
    () => progress?.(`scale: ${finished} of ${legs} legs done after ${((performance.now() - started) / 1000).toFixed(0)} s`),
    10_000
  );
  try {
    const outcomes = await Promise.all(
      Array.from({ length: legs }, async () => {
        const result = await runAction({ node, inputs, env, runPost: false, timeoutMs: 360_000 });
        const ms = performance.now() - started;
        finished += 1;
        fs.rmSync(result.tempDir, { recursive: true, force: true });
        return { ms, result };
      })
    );
    return { outcomes, totalMs: performance.now() - started };
  } finally {
    clearInterval(ticker);
  }
}

/**
 * `baseline`: first run the same legs unthrottled, which shows what this machine's CPUs allow
 * (on 2 cores, 256 Node processes at once take many seconds to start; on GitHub each leg has a
 * runner of its own).
 */
export async function runScale(bench, { legs, secrets, throttle, runFloorMs, baseline = true, progress }) {
  // Each leg peaks near 60 MB: 256 at once need about 15 GB. On a shared machine, run only when it fits.
  const neededMb = legs * LEG_MB;
  const freeMb = os.freemem() / 2 ** 20;
  if (freeMb < neededMb)
    return {
      legs,
      secrets,
      throttle,
      skipped: `not run: ${legs} legs need about ${(neededMb / 1024).toFixed(1)} GB of free memory, ${(freeMb / 1024).toFixed(1)} GB free (--scale-legs N to run fewer)`
    };
  const { fake, origins } = bench;
  const vault = await fake.addVault(SCALE_VAULT, { secrets: vaultSecrets(secrets) });
  const inputs = {
    'auth-type': 'oidc',
    'client-id': DEFAULTS.clientId,
    'tenant-id': DEFAULTS.tenantId,
    'authority-host': origins.entra,
    keyvault: vault,
    secrets: Array.from({ length: secrets }, (_, i) => secretName(i)).join(',')
  };
  const env = {
    ACTIONS_ID_TOKEN_REQUEST_URL: `${origins.github}/github/idtoken?api-version=2.0`,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: fake.github.requestToken
  };
  const failuresOf = outcomes =>
    outcomes.filter(({ result }) => result.exitCode !== 0 || Object.keys(result.exportedEnv).length !== secrets);
  let unthrottled;
  if (baseline) {
    progress?.(`scale: ${legs} legs unthrottled first (this machine's own bound)`);
    const run = await fanOut(bench, legs, inputs, env, progress);
    unthrottled = { totalMs: run.totalMs, succeeded: legs - failuresOf(run.outcomes).length };
  }
  fake.clearRequests();
  fake.throttle('keyvault-get', throttle);
  try {
    progress?.(`scale: ${legs} legs against the throttle`);
    const { outcomes, totalMs } = await fanOut(bench, legs, inputs, env, progress);
    const gets = fake.requestsFor('keyvault-get');
    const failures = failuresOf(outcomes);
    return {
      unthrottled,
      legs,
      secrets,
      throttle,
      totalMs,
      legMs: summarize(outcomes.map(outcome => outcome.ms)),
      minimumMs: throttleMinimumMs({ gets: legs * secrets, limit: throttle.limit, windowMs: throttle.windowMs, runFloorMs }),
      succeeded: legs - failures.length,
      served: gets.filter(request => request.status === 200).length,
      throttled: gets.filter(request => request.status === 429).length,
      firstFailure: failures[0] && `${failures[0].result.stdout}${failures[0].result.stderr}`
    };
  } finally {
    fake.clearFaults();
  }
}
