/**
 * One measured run of each kind of process the benchmark compares: the action (through the
 * runner harness) and the node scripts (bare client, SDK), each checked for the work it had to
 * do, with the traffic it caused: new connections per service on the direct transport, CONNECTs
 * per host through the proxy (the fake's proxy log).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../test/harness/runner.js';
import { actionRun, bareRun, sdkRun } from './cases.js';
import { readModules, readRss, rssProbeEnv, timeAction, timeNode } from './measure.js';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const SDK_CLIENT = path.join(BENCH_DIR, 'sdk-client.js');
export const BARE_CLIENT = path.join(BENCH_DIR, 'bare-client.js');
export const HTTPS_START = path.join(BENCH_DIR, 'https-start.js');
export const MAIN = path.join(REPO_ROOT, 'dist', 'main', 'index.js');
export const POST = path.join(REPO_ROOT, 'dist', 'post', 'index.js');

/** Fails loudly: a failed run's time means nothing. */
export function failed(what, details) {
  return new Error(`bench: ${what} failed.\n${details}`);
}

function clearTraffic(fake) {
  fake.clearRequests();
  fake.latency.clearConnections();
  fake.proxyLog.length = 0;
}

/**
 * What a run sent where. `requests`: requests per service as the fake logged them.
 * `connections`: new connections per service on the direct transport
 * (GitHub and Entra ID by their alias hosts, the vault by its listener's port). `connects`:
 * CONNECT tunnels per host through the proxy.
 */
function trafficOf(bench, benchCase) {
  const { fake, origins } = bench;
  const vaultPort = Number(new URL(fake.vaultUrl(benchCase.vault)).port);
  const count = predicate => fake.latency.connections.filter(predicate).length;
  const connects = {};
  for (const line of fake.proxyLog) {
    const match = /^CONNECT (.+):\d+$/.exec(line);
    if (match) connects[match[1]] = (connects[match[1]] ?? 0) + 1;
  }
  const routes = route => fake.requests.filter(request => route.test(request.route)).length;
  return {
    requests: { github: routes(/^github$/), entra: routes(/^entra$/), vault: routes(/^keyvault/) },
    connections: {
      github: count(c => c.host === origins.hosts.github),
      entra: count(c => c.host === origins.hosts.entra),
      vault: count(c => c.port === vaultPort && c.host === '127.0.0.1')
    },
    connects
  };
}

/**
 * One run of the action for a case over a transport (cases.js benchOrigins); its time, when it
 * sent its first request, and its traffic. `probe`: also its peak RSS and loaded modules (a run
 * made for that only).
 */
export async function actionOnce(bench, benchCase, transport, { probe = false, extraInputs = {} } = {}) {
  const { fake, node, origins } = bench;
  const { inputs, env } = actionRun(fake, origins, benchCase, transport);
  const rss = probe ? rssProbeEnv({ modules: true }) : undefined;
  clearTraffic(fake);
  const { ms, startedAt, result } = await timeAction({ node, inputs: { ...inputs, ...extraInputs }, env: { ...env, ...rss?.env } });
  const loaded = Object.keys(result.exportedEnv).filter(name => !/^(IDENTITY|MSI)_/.test(name)).length;
  if (result.exitCode !== 0 || loaded !== benchCase.expected || !result.outputs['access-token']) {
    throw failed(
      `case (${benchCase.id}), the action (${transport})`,
      `exit ${result.exitCode}, ${loaded} of ${benchCase.expected} secrets\n${result.stdout}${result.stderr}`
    );
  }
  const firstRequestAt = Math.min(...fake.requests.map(request => request.at));
  const modules = rss && readModules(rss.modulesFile);
  return {
    ms,
    firstRequestMs: firstRequestAt - startedAt,
    rssMb: rss && readRss(rss.file),
    modules,
    result,
    ...trafficOf(bench, benchCase)
  };
}

/** One run of a script (the SDK's, or the bare client) that prints {"secrets": N}. */
export async function scriptOnce(bench, benchCase, what, script, env, { probe = false } = {}) {
  const rss = probe ? rssProbeEnv({ modules: true }) : undefined;
  clearTraffic(bench.fake);
  const run = await timeNode([script], { node: bench.node, env: { ...env, ...rss?.env } });
  const loaded = run.exitCode === 0 ? JSON.parse(run.stdout.trim().split('\n').pop()).secrets : undefined;
  if (loaded !== benchCase.expected) {
    throw failed(
      `case (${benchCase.id}), ${what}`,
      `exit ${run.exitCode}, ${loaded} of ${benchCase.expected} secrets\n${run.stdout}${run.stderr}`
    );
  }
  const modules = rss && readModules(rss.modulesFile);
  return { ms: run.ms, rssMb: rss && readRss(rss.file), modules, ...trafficOf(bench, benchCase) };
}

/** The bare client, plain or preconnecting, on the direct transport. */
export function bareOnce(bench, benchCase, { preconnect = false, probe = false } = {}) {
  const env = bareRun(bench.fake, bench.origins, benchCase, { concurrency: bench.concurrency, preconnect });
  return scriptOnce(bench, benchCase, preconnect ? 'the preconnecting bare client' : 'the bare client', BARE_CLIENT, env, { probe });
}

/** The SDK script, `loop` or `all`, through the proxy. */
export function sdkOnce(bench, benchCase, mode, { probe = false } = {}) {
  return scriptOnce(bench, benchCase, `the SDK script (${mode})`, SDK_CLIENT, sdkRun(bench.fake, bench.origins, benchCase, mode), {
    probe
  });
}

/**
 * Runs every kind `rounds` times, interleaved (kind A, B, C, A, B, C ...) so that drift hits
 * them alike, after `warmup` unmeasured rounds. `kinds`: name → () => Promise<sample>.
 * Resolves to name → samples.
 */
export async function interleave(kinds, { runs, warmup, progress, label }) {
  const samples = Object.fromEntries(Object.keys(kinds).map(kind => [kind, []]));
  for (let round = 1 - warmup; round <= runs; round++) {
    progress?.(`${label}: ${round <= 0 ? 'warm-up round' : `round ${round} of ${runs}`}`);
    for (const [kind, once] of Object.entries(kinds)) {
      const sample = await once();
      if (round > 0) samples[kind].push(sample);
    }
  }
  return samples;
}
