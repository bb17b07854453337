/**
 * `sign-in-later-steps: true`, in the main step, once the step's own work is done and handed
 * over: start the local token endpoint with the step's credential and point the later steps'
 * tools at it (IDENTITY_* for the Azure SDKs and this action, MSI_* for Azure CLI before 2.73).
 * A managed identity or an Azure CLI session is there for later steps already: nothing starts.
 * Docs: docs/later-steps.md.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config, Env } from '../core/config.js';
import { readCertificatePem } from '../core/credentials/certificate.js';
import type { Credential } from '../core/credentials/index.js';
import type { Identity } from '../core/identity.js';
import type { Machine } from '../core/machine.js';
import type { Masker } from '../core/masking.js';
import { CREDENTIAL_ENV, CREDENTIAL_INPUTS, type StartMessage } from '../endpoint/handoff.js';
import { type EndpointProgram, startEndpoint, stopEndpoint } from '../endpoint/lifecycle.js';
import type { Entries, Runner } from './runner.js';

interface LaterStepsDeps {
  readonly env: Env;
  readonly runner: Runner;
  readonly machine: Machine;
  readonly masker: Masker;
  /** The action's inputs as given (INPUT_*). */
  readonly input: (name: string) => string;
  /** Default: the Node running this step, and dist/endpoint/index.js beside this bundle. */
  readonly endpoint?: EndpointProgram;
}

/** What the post step needs to stop the endpoint: its address and process id, never its header. */
export interface EndpointState {
  readonly url: string;
  readonly pid: number;
}

export const ENDPOINT_STATE = 'token-endpoint';

export async function signInLaterSteps(config: Config, credential: Credential, identity: Identity, deps: LaterStepsDeps): Promise<void> {
  const { runner, machine } = deps;
  if (credential.kind === 'managed-identity' || credential.kind === 'azure-cli') {
    runner.notice(alreadySignedIn(credential.kind, config.clientId));
    return;
  }
  const secret = randomBytes(32).toString('hex');
  deps.masker.mask(secret);
  const message = await startMessage(config, credential, deps, secret);
  const startedAt = machine.now();
  const endpoint = await startEndpoint(machine, deps.endpoint ?? defaultProgram(), message, deps.env);
  const took = machine.now() - startedAt;
  try {
    const state: EndpointState = { url: endpoint.url, pid: endpoint.pid };
    runner.saveState(ENDPOINT_STATE, JSON.stringify(state));
    runner.exportVariables([...endpointVariables(endpoint.url, secret), ...noProxyVariables(deps.env)]);
    runner.setOutputs([['token-endpoint', endpoint.url]]);
  } catch (error) {
    // Nothing would ever stop an endpoint that no later step and no post step knows of.
    await stopEndpoint(endpoint.url, secret);
    throw error;
  }
  runner.info(
    `Later steps are signed in as client ${identity.clientId ?? '-'}: token endpoint ${endpoint.url} ` +
      `(IDENTITY_ENDPOINT, MSI_ENDPOINT), started in ${took} ms; the post step stops it.`
  );
}

/** The variables of both protocol versions; MSI_ENDPOINT without a trailing `/` (Azure CLI 2.45 adds one). */
function endpointVariables(url: string, secret: string): Entries {
  return [
    ['IDENTITY_ENDPOINT', url],
    ['IDENTITY_HEADER', secret],
    ['MSI_ENDPOINT', url],
    ['MSI_SECRET', secret]
  ];
}

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'];
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost'];

/**
 * With a proxy set, Azure CLI, Python's azure-identity and @azure/identity all send the token
 * request, header included, to the proxy unless NO_PROXY names 127.0.0.1 (measured:
 * docs/later-steps.md#proxies): the proxy would see the header, and the endpoint refuses what
 * comes through a proxy anyway. So NO_PROXY (and no_proxy, when set: Python reads it first)
 * gets 127.0.0.1 and localhost added.
 */
export function noProxyVariables(env: Env): Entries {
  if (!PROXY_VARIABLES.some(name => env[name]?.trim())) return [];
  const entries: Array<readonly [string, string]> = [];
  for (const name of ['NO_PROXY', 'no_proxy']) {
    const current = env[name]?.trim() ?? '';
    if (name === 'no_proxy' && !current) continue;
    const listed = current
      .split(',')
      .map(item => item.trim())
      .filter(Boolean);
    if (listed.includes('*')) continue;
    const missing = LOOPBACK_NAMES.filter(host => !listed.some(item => item.toLowerCase() === host));
    if (missing.length > 0) entries.push([name, [...listed, ...missing].join(',')]);
  }
  return entries;
}

/** Everything the endpoint needs to mint as this step did, for its stdin. */
async function startMessage(config: Config, credential: Credential, deps: LaterStepsDeps, secret: string): Promise<StartMessage> {
  const inputs: Record<string, string> = {};
  for (const name of CREDENTIAL_INPUTS) {
    const value = deps.input(name).trim();
    if (value) inputs[name] = value;
  }
  // The kind `auto` chose: the endpoint does not choose again.
  inputs['auth-type'] = credential.kind;
  if (credential.kind === 'certificate' && config.clientCertificate !== undefined) {
    // The key itself goes down the pipe, not the name of a file for the endpoint to read.
    inputs['client-certificate'] = await readCertificatePem(
      { certificate: config.clientCertificate, workspace: config.context.workspace },
      deps
    );
  }
  const env: Record<string, string> = {};
  for (const name of CREDENTIAL_ENV) {
    const value = deps.env[name];
    if (value !== undefined) env[name] = value;
  }
  return { inputs, env, workspace: config.context.workspace, secret };
}

function alreadySignedIn(kind: 'managed-identity' | 'azure-cli', clientId: string | undefined): string {
  if (kind === 'azure-cli') {
    return (
      'sign-in-later-steps: no token endpoint was started, because later steps can already use the Azure CLI session this step used: ' +
      'az itself, AzureCliCredential (and DefaultAzureCredential) of the Azure SDKs, and this action with auth-type azure-cli.'
    );
  }
  const select = clientId
    ? ` Select the user-assigned identity by its client ID ${clientId}: AZURE_CLIENT_ID for ` +
      `DefaultAzureCredential, az login --identity --username ${clientId}, this action's client-id.`
    : '';
  return (
    "sign-in-later-steps: no token endpoint was started, because later steps can already use this runner's managed identity: " +
    `DefaultAzureCredential or ManagedIdentityCredential of the Azure SDKs, az login ` +
    `--identity, and this action with auth-type managed-identity.${select}`
  );
}

/** dist/endpoint/index.js, beside this step's dist/main/ (built from src/endpoint/ by npm run build). */
function defaultProgram(): EndpointProgram {
  const bundle = path.dirname(fileURLToPath(import.meta.url));
  return { node: process.execPath, entry: path.join(bundle, '..', 'endpoint', 'index.js') };
}
