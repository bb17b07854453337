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
import { actionConcurrency, actionRun, benchCases, sdkRun, vaultSecrets, VAULT_NAME } from './cases.js';
import { readRss, rssProbeEnv, summarize, timeAction, timeNode } from './measure.js';
import { formatReport } from './report.js';
import { runScale } from './scale.js';

const SDK_CLIENT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sdk-client.js');
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

function usage() {
  const lines = Object.entries(OPTIONS).map(([name, [fallback, what]]) => `  --${name} N`.padEnd(22) + `${what} (default ${fallback})`);
  return `usage: npm run bench -- [options]\n${lines.join('\n')}`;
}

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: { ...Object.fromEntries(Object.keys(OPTIONS).map(name => [name, { type: 'string' }])), help: { type: 'boolean' } }
  });
  if (values.help) {
    console.log(usage());
    process.exit(0);
  }
  const options = {};
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

/** One run of the action for a case over a transport; its time, and when it sent its first request. */
async function actionOnce(fake, benchCase, transport, probe) {
  const { inputs, env } = actionRun(fake, benchCase, transport);
  const rss = probe ? rssProbeEnv() : undefined;
  fake.clearRequests();
  const { ms, startedAt, result } = await timeAction({ inputs, env: { ...env, ...rss?.env } });
  const loaded = Object.keys(result.exportedEnv).length;
  if (result.exitCode !== 0 || loaded !== benchCase.expected || !result.outputs['access-token']) {
    throw failed(`case (${benchCase.id}), the action (${transport})`, `exit ${result.exitCode}, ${loaded} of ${benchCase.expected} secrets\n${result.stdout}${result.stderr}`);
  }
  const firstRequestAt = Math.min(...fake.requests.map(request => request.at));
  return { ms, firstRequestMs: firstRequestAt - startedAt, rssMb: rss && readRss(rss.file) };
}

/** One run of the SDK script (`loop` or `all`) for a case. */
async function sdkOnce(fake, benchCase, mode, probe) {
  const rss = probe ? rssProbeEnv() : undefined;
  const run = await timeNode([SDK_CLIENT], { env: { ...sdkRun(fake, benchCase, mode), ...rss?.env } });
  const loaded = run.exitCode === 0 ? JSON.parse(run.stdout.trim().split('\n').pop()).secrets : undefined;
  if (loaded !== benchCase.expected) {
    throw failed(`case (${benchCase.id}), the SDK script (${mode})`, `exit ${run.exitCode}, ${loaded} of ${benchCase.expected} secrets\n${run.stdout}${run.stderr}`);
  }
  return { ms: run.ms, rssMb: rss && readRss(rss.file) };
}

/** The kinds measured for a case: the action on two transports, the SDK one way or two. */
function kindsOf(benchCase) {
  const kinds = {
    action: (fake, probe) => actionOnce(fake, benchCase, 'direct', probe),
    proxy: (fake, probe) => actionOnce(fake, benchCase, 'proxy', probe),
    sdkLoop: (fake, probe) => sdkOnce(fake, benchCase, 'loop', probe)
  };
  // With no secrets, the loop and Promise.all scripts are the same script.
  if (benchCase.expected > 0) kinds.sdkAll = (fake, probe) => sdkOnce(fake, benchCase, 'all', probe);
  return kinds;
}

async function measureStartup(runs) {
  const node = [];
  const missingInput = [];
  // Cheap runs: three times as many, interleaved, so drift hits both alike.
  for (let i = 0; i < runs * 3; i++) {
    node.push((await timeNode(['-e', '0'])).ms);
    const run = await timeNode([MAIN], { env: { 'INPUT_AUTH-TYPE': 'oidc' } });
    if (!run.stdout.includes("::error::Input 'client-id'")) throw failed('the missing-input start-up run', `${run.stdout}${run.stderr}`);
    missingInput.push(run.ms);
  }
  const probe = rssProbeEnv();
  await timeNode(['-e', '0'], { env: probe.env });
  return { node: summarize(node), missingInput: summarize(missingInput), nodeRss: readRss(probe.file) };
}

/** Runs every kind of every case `runs` times, interleaved, after one unmeasured warm-up each. */
async function measureCases(fake, cases, runs) {
  const samples = new Map(cases.map(c => [c.id, Object.fromEntries(Object.keys(kindsOf(c)).map(kind => [kind, []]))]));
  const firstRequests = [];
  for (let round = 0; round <= runs; round++) {
    progress(round === 0 ? 'warm-up round' : `round ${round} of ${runs}`);
    for (const benchCase of cases) {
      for (const [kind, once] of Object.entries(kindsOf(benchCase))) {
        const sample = await once(fake, false);
        if (round === 0) continue;
        samples.get(benchCase.id)[kind].push(sample.ms);
        if (kind === 'action') firstRequests.push(sample.firstRequestMs);
      }
    }
  }
  return { samples, firstRequests };
}

/** Peak RSS of the action (direct) and of the SDK loop script, one probed run each. */
async function measureMemory(fake, benchCase) {
  const kinds = kindsOf(benchCase);
  return { action: (await kinds.action(fake, true)).rssMb, sdk: (await kinds.sdkLoop(fake, true)).rssMb };
}

async function benchmark(options) {
  for (const file of [MAIN, POST]) {
    if (!fs.existsSync(file)) throw new Error(`bench: ${path.relative(REPO_ROOT, file)} is missing; run npm run build first`);
  }
  const concurrency = actionConcurrency();
  const cases = benchCases({ small: options.small, large: options.large, concurrency });
  progress(`start-up: node -e 0 against dist/main failing on a missing input, ${options.runs * 3} runs each`);
  const startup = await measureStartup(options.runs);

  const fake = await startFakeAzure({ tls: true, latencyMs: options.latency });
  try {
    await fake.addVault(VAULT_NAME, { secrets: vaultSecrets(options.large) });
    const { samples, firstRequests } = await measureCases(fake, cases, options.runs);
    const results = [];
    for (const benchCase of cases) {
      const stats = Object.fromEntries(Object.entries(samples.get(benchCase.id)).map(([kind, values]) => [kind, summarize(values)]));
      const floorMs = startup.node.median + benchCase.roundTrips * options.latency;
      results.push({ ...benchCase, ...stats, floorMs, rss: await measureMemory(fake, benchCase) });
    }
    progress(`scale: ${options['scale-runs']} concurrent runs × ${options['scale-secrets']} secrets, ${options['scale-limit']} gets per ${options['scale-window']} s`);
    const scale = await runScale(fake, {
      runs: options['scale-runs'],
      secrets: options['scale-secrets'],
      limit: options['scale-limit'],
      windowMs: options['scale-window'] * 1000,
      retryAfterSeconds: options['scale-window'],
      // One unthrottled run's floor: GitHub, Entra ID, then its waves of gets.
      runFloorMs: startup.node.median + (2 + Math.ceil(options['scale-secrets'] / concurrency)) * options.latency
    });
    return {
      settings: { latencyMs: options.latency, runs: options.runs, cpus: os.cpus().length, concurrency },
      cases: results,
      startup: { ...startup, firstRequest: summarize(firstRequests) },
      bundle: { main: fs.statSync(MAIN).size, post: fs.statSync(POST).size },
      scale
    };
  } finally {
    await fake.close();
  }
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
