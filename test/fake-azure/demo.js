/**
 * `npm run demo`: runs the committed dist/ against the local fake Azure, the way a workflow
 * would (GitHub OIDC → Entra ID → Key Vault, real host names through a local proxy with a
 * test CA). No network, no npm install: node: builtins only.
 */
import { startFakeAzure, DEFAULTS } from './server.js';
import { runAction, findLeaks } from '../harness/runner.js';

function printStep(title, step) {
  console.log(`\n── ${title}: exit ${step.exitCode}`);
  for (const line of step.stdout.split('\n')) {
    if (line && !line.startsWith('::add-mask::')) console.log(`   ${line}`);
  }
  if (step.stderr.trim()) console.log(`   stderr: ${step.stderr.trim()}`);
}

const fake = await startFakeAzure({ tls: true });
try {
  const result = await runAction({
    inputs: {
      'auth-type': 'oidc',
      'client-id': DEFAULTS.clientId,
      'tenant-id': DEFAULTS.tenantId,
      resource: 'keyvault',
      secrets: 'my-vault/db-password | PGPASSWORD\nmy-vault/api-key'
    },
    env: { ...fake.env.oidc, HTTPS_PROXY: fake.proxyUrl, NODE_EXTRA_CA_CERTS: fake.caFile },
    timeoutMs: 30000
  });
  printStep('main', result);
  if (result.post) printStep('post', result.post);
  console.log(`\n── outputs: ${Object.keys(result.outputs).join(', ') || '(none)'}`);
  console.log(`── exported env: ${Object.keys(result.exportedEnv).join(', ') || '(none)'}`);
  console.log(`── requests: ${fake.requests.map((r) => `${r.route} ${r.status}`).join(', ')}`);
  console.log(`── through the proxy: ${fake.proxyLog.join(', ')}`);
  const leaks = findLeaks(result, [...Object.values(DEFAULTS.secrets), result.outputs['access-token'] ?? '']);
  console.log(`── leaks: ${leaks.length === 0 ? 'none' : leaks.join('; ')}`);
  process.exitCode = result.exitCode === 0 && leaks.length === 0 ? 0 : 1;
} finally {
  await fake.close();
}
