/**
 * Cases for features the action does not have yet, measured once they exist and reported as
 * "not available" until then:
 * - `sign-in-later-steps`: what the input costs the step, and what each token the local
 *   endpoint serves costs a later step (the first, minted; the next, cached). Skipped while
 *   action.yml has no such input.
 * - the command line `dist/cli/index.js`: its start-up (`--version`) and one client-secret
 *   token. Skipped while the file is absent.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { DEFAULTS } from '../test/fake-azure/server.js';
import { parseActionInputs, REPO_ROOT, runAction } from '../test/harness/runner.js';
import { summarize, timeNode } from './measure.js';
import { actionOnce, interleave } from './runs.js';

export const CLI = path.join(REPO_ROOT, 'dist', 'cli', 'index.js');
const SIGN_IN_INPUT = 'sign-in-later-steps';
const RESOURCE = 'https://management.azure.com';

/** GET a managed-identity token from the step's endpoint; resolves to the ms it took. */
function fetchToken(endpoint, header, resource) {
  const url = new URL(endpoint);
  url.searchParams.set('resource', resource);
  url.searchParams.set('api-version', '2019-08-01');
  const started = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { 'X-IDENTITY-HEADER': header }, agent: false }, response => {
        const chunks = [];
        response.on('data', chunk => chunks.push(chunk));
        response.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if (response.statusCode === 200 && JSON.parse(body).access_token) resolve(performance.now() - started);
          else reject(new Error(`the token endpoint answered ${response.statusCode}: ${body.slice(0, 300)}`));
        });
      })
      .on('error', reject);
  });
}

/** The post step of a main step that started the endpoint: stops it; resolves to its result. */
function runPostOf(bench, main) {
  const stateEnv = Object.fromEntries(Object.entries(main.state).map(([name, value]) => [`STATE_${name}`, value]));
  return runAction({ node: bench.node, entry: 'dist/post/index.js', runPost: false, env: { ...main.exportedEnv, ...stateEnv } });
}

/** One step with the endpoint on: the step's time, then a first and a second token from the endpoint, then the post step. */
async function signInOnce(bench, benchCase) {
  const run = await actionOnce(bench, benchCase, 'direct', { extraInputs: { [SIGN_IN_INPUT]: 'true' } });
  const { IDENTITY_ENDPOINT: endpoint, IDENTITY_HEADER: header } = run.result.exportedEnv;
  let measured;
  let post;
  try {
    if (!endpoint || !header) throw new Error('the step exported no IDENTITY_ENDPOINT / IDENTITY_HEADER');
    const firstMs = await fetchToken(endpoint, header, RESOURCE);
    const cachedMs = await fetchToken(endpoint, header, RESOURCE);
    measured = { ms: run.ms, firstMs, cachedMs };
  } finally {
    // The post step runs whatever happened above: it stops the endpoint.
    post = await runPostOf(bench, run.result);
    fs.rmSync(post.tempDir, { recursive: true, force: true });
  }
  if (post.exitCode !== 0)
    throw new Error(`the post step failed to stop the endpoint (exit ${post.exitCode}):\n${post.stdout}${post.stderr}`);
  return measured;
}

export async function measureSignIn(bench, benchCase, { runs, warmup, progress }) {
  const inputs = parseActionInputs(fs.readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8'));
  if (!(SIGN_IN_INPUT in inputs))
    return { available: false, case: benchCase, reason: `not available: action.yml has no \`${SIGN_IN_INPUT}\` input` };
  try {
    const samples = await interleave(
      { off: () => actionOnce(bench, benchCase, 'direct'), on: () => signInOnce(bench, benchCase) },
      { runs, warmup, progress, label: SIGN_IN_INPUT }
    );
    const of = (kind, field) => summarize(samples[kind].map(sample => sample[field]));
    return {
      available: true,
      case: benchCase,
      off: of('off', 'ms'),
      on: of('on', 'ms'),
      first: of('on', 'firstMs'),
      cached: of('on', 'cachedMs')
    };
  } catch (error) {
    return { available: true, case: benchCase, error: error instanceof Error ? error.message : String(error) };
  }
}

export async function measureCli(bench, { runs }) {
  if (!fs.existsSync(CLI)) return { available: false, reason: `not available: ${path.relative(REPO_ROOT, CLI)} is absent` };
  const { node, fake, origins } = bench;
  const env = {
    AZURE_CLIENT_ID: DEFAULTS.clientId,
    AZURE_TENANT_ID: DEFAULTS.tenantId,
    AZURE_CLIENT_SECRET: DEFAULTS.clientSecret,
    AZURE_AUTHORITY_HOST: origins.entra
  };
  const version = [];
  const token = [];
  for (let i = 0; i < runs * 3; i++) {
    const started = await timeNode([CLI, '--version'], { node });
    if (started.exitCode !== 0) return { available: true, error: `--version exited ${started.exitCode}: ${started.stderr.slice(0, 300)}` };
    version.push(started.ms);
    fake.clearRequests();
    const run = await timeNode([CLI, '--auth-type', 'secret', '--resource', RESOURCE, '--output', 'token', '--quiet'], { node, env });
    if (run.exitCode !== 0 || !run.stdout.trim())
      return { available: true, error: `a token run exited ${run.exitCode}: ${run.stderr.slice(0, 300)}` };
    token.push(run.ms);
  }
  return { available: true, version: summarize(version), token: summarize(token), tokenRoundTrips: 1 };
}
