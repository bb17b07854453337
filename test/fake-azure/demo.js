/**
 * `npm run demo`: runs the committed dist/ against the local fake Azure the way a workflow step
 * would (GitHub OIDC → Entra ID → a Resource Manager token, then Key Vault secrets), with real
 * host names through a local proxy and a test CA, and prints what the workflow would show: the
 * step's log as the runner renders it (masked values as ***), the outputs, the environment for
 * later steps, the job summary, and the post step. No network, no npm install: node: builtins only.
 */
import { startFakeAzure, DEFAULTS } from './server.js';
import { runAction, findLeaks } from '../harness/runner.js';

const INPUTS = {
  'auth-type': 'oidc',
  'client-id': DEFAULTS.clientId,
  'tenant-id': DEFAULTS.tenantId,
  secrets: `${DEFAULTS.vaultName}/db-password | PGPASSWORD\n${DEFAULTS.vaultName}/tls-key\n${DEFAULTS.vaultName}/api-key`,
  'job-summary': 'true'
};

const WORKFLOW = `    permissions:
      id-token: write
    steps:
      - uses: OWNER/azure-token@v1
        id: azure
        with:
          auth-type: oidc
          client-id: ${INPUTS['client-id']}
          tenant-id: ${INPUTS['tenant-id']}
          secrets: |
${INPUTS.secrets
  .split('\n')
  .map(line => `            ${line}`)
  .join('\n')}
          job-summary: true`;

/** Replaces every masked value (longest first, as the runner does) with ***. */
function masker(masks) {
  const values = [...new Set(masks.filter(Boolean))].sort((a, b) => b.length - a.length);
  return text => values.reduce((out, value) => out.split(value).join('***'), text);
}

/** One line of the step's output as the runner's log shows it (null: not shown). */
function rendered(line) {
  const command = /^::([a-z-]+)(?: [^:]*)?::(.*)$/.exec(line);
  if (!command) return line;
  const [, name, data] = command;
  const text = data.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
  if (name === 'error') return `Error: ${text}`;
  if (name === 'warning') return `Warning: ${text}`;
  if (name === 'notice') return `Notice: ${text}`;
  if (name === 'debug') return `##[debug]${text}`;
  return null; // add-mask and the like: consumed by the runner, never shown
}

function section(title) {
  console.log(`\n── ${title} ${'─'.repeat(Math.max(0, 76 - title.length))}`);
}

function printLog(step, mask) {
  for (const line of `${step.stdout}${step.stderr}`.split('\n')) {
    const shown = line ? rendered(line) : null;
    if (shown !== null) console.log(`   ${mask(shown).replace(/\n/g, '\n   ')}`);
  }
  console.log(`   (exit code ${step.exitCode})`);
}

function printValues(values, mask) {
  const names = Object.keys(values);
  if (names.length === 0) console.log('   (none)');
  const width = Math.max(...names.map(name => name.length));
  for (const name of names) console.log(`   ${name.padEnd(width)}  ${mask(values[name]).replace(/\n/g, '\\n')}`);
}

const fake = await startFakeAzure({ tls: true });
try {
  console.log('Azure Token demo: the committed dist/ against a local fake of GitHub OIDC, Entra ID and Key Vault.');
  console.log('Nothing leaves this machine: real host names go through a local proxy that answers for them.');
  section('the workflow step');
  console.log(WORKFLOW);

  const result = await runAction({
    inputs: INPUTS,
    env: { ...fake.env.oidc, HTTPS_PROXY: fake.proxyUrl, NODE_EXTRA_CA_CERTS: fake.caFile, RUNNER_DEBUG: '1' },
    timeoutMs: 30000
  });
  const mask = masker([...result.masks, ...(result.post?.masks ?? [])]);

  section('the step log (debug logging on; masked values show as ***)');
  printLog(result, mask);
  section('outputs (steps.azure.outputs.*)');
  printValues(result.outputs, mask);
  section('environment for later steps');
  printValues(result.exportedEnv, mask);
  section('job summary (markdown)');
  console.log(result.summary.trim() ? mask(result.summary).trim().replace(/^/gm, '   ') : '   (none)');
  if (result.post) {
    section('post step log');
    printLog(result.post, mask);
  }
  section('what the fake Azure saw');
  for (const request of fake.requests) {
    // GitHub's token service is the fake's plain local listener; the rest came through the proxy.
    const origin = request.host.startsWith('127.0.0.1') ? `http://${request.host}` : `https://${request.host}`;
    console.log(`   ${request.status}  ${request.route.padEnd(13)} ${request.method.padEnd(4)} ${origin}${request.path}`);
  }

  const secrets = [...Object.values(DEFAULTS.secrets), DEFAULTS.githubRequestToken, result.outputs['access-token'] ?? ''];
  const leaks = findLeaks(result, secrets);
  section('leak check');
  console.log(
    leaks.length === 0
      ? '   no secret or token appears in the log, the saved state or the summary'
      : leaks.map(leak => `   ${leak}`).join('\n')
  );
  process.exitCode = result.exitCode === 0 && leaks.length === 0 ? 0 : 1;
} finally {
  await fake.close();
}
