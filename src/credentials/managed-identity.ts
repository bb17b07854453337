/**
 * `managed-identity`: the token of the Azure resource the runner runs on, from the endpoint the
 * platform offers: App Service / Functions / Container Apps, Azure Arc, or the VM's instance
 * metadata service (IMDS). Wire format: ../shared/reference/azure-protocol.md §3.
 * The endpoints are plain http on loopback or link-local addresses; no bearer token goes there.
 */
import * as path from 'node:path';
import type { Config, RunnerContext } from '../config.js';
import { ActionError, InputError, messageOf } from '../errors.js';
import { type HttpResponse, jsonFields, RequestFailedError, type RetryPolicy } from '../http.js';
import { readClaims, stringClaim } from '../jwt.js';
import type { AccessToken } from '../token.js';
import { imdsHost } from './auto.js';
import { type Credential, type MachineCredentialDeps, type MachineDeps, scopeToResource } from './credential.js';

export type ManagedIdentitySource = 'app-service' | 'arc' | 'imds';

const SOURCE_NAMES: Readonly<Record<ManagedIdentitySource, string>> = {
  'app-service': 'The App Service / Container Apps identity endpoint',
  arc: 'The Azure Arc identity endpoint',
  imds: 'The VM instance metadata service (IMDS)'
};

/**
 * Microsoft's IMDS guidance (§3, how-to-use-vm-token.md): retry 404, 429 and 5xx with backoff,
 * and wait out 410 ("back within 70 s"). 408 as everywhere. Waits before jitter: 2, 4, 8, 16,
 * 30, 30, 30, 30 s; jittered to at least half, so a 410 is waited out for at least 75 s.
 */
export const IMDS_RETRY: RetryPolicy = Object.freeze({
  attempts: 9,
  statuses: new Set([404, 408, 410, 429, ...Array.from({ length: 100 }, (_, i) => 500 + i)]),
  baseDelayMs: 2_000,
  maxDelayMs: 30_000
});

/** Azure Arc's key file must be this small (§3): anything bigger is not the agent's key. */
export const ARC_KEY_MAX_BYTES = 4096;

/** Which endpoint the runner's environment offers (msal-node's order, §3). */
export function managedIdentitySource(runner: RunnerContext): ManagedIdentitySource {
  if (runner.identityEndpoint && runner.identityHeader) return 'app-service';
  if (runner.identityEndpoint && runner.imdsEndpoint) return 'arc';
  if (runner.identityEndpoint) {
    throw new ActionError(
      'IDENTITY_ENDPOINT is set, but neither IDENTITY_HEADER (App Service, Functions, Container Apps) nor IMDS_ENDPOINT (Azure Arc) is.',
      'The platform sets these together: do not set IDENTITY_ENDPOINT by hand, or set the matching second variable.'
    );
  }
  return 'imds';
}

export function createManagedIdentityCredential(config: Config, deps: MachineCredentialDeps): Credential {
  const source = managedIdentitySource(config.runner);
  const clientId = config.clientId;
  if (source === 'arc' && clientId) {
    throw new InputError(
      'client-id',
      'selects a user-assigned identity, but an Azure Arc machine has only its system-assigned identity.',
      "Remove 'client-id' to use the machine's identity."
    );
  }
  if (source === 'imds' && config.runner.podIdentityAuthorityHost) {
    deps.log(`Managed identity: IMDS at ${imdsHost(config)} (AZURE_POD_IDENTITY_AUTHORITY_HOST).`);
  }

  return {
    kind: 'managed-identity',
    async getToken(scope, options) {
      const resource = scopeToResource(scope);
      const startedAt = deps.now();
      const response = await requestToken(source, config, deps, resource);
      if (response.status !== 200) {
        throw managedIdentityError(source, response, clientId, resource);
      }
      const token = parseManagedIdentityToken(response.json, startedAt, deps.mask);
      checkTenant(token, options?.tenantId);
      return token;
    }
  };
}

function requestToken(source: ManagedIdentitySource, config: Config, deps: MachineCredentialDeps, resource: string): Promise<HttpResponse> {
  const { runner } = config;
  const query = { resource, ...(config.clientId ? { client_id: config.clientId } : {}) };
  switch (source) {
    case 'app-service':
      return deps.http.request({
        method: 'GET',
        url: withQuery(runner.identityEndpoint as string, { 'api-version': '2019-08-01', ...query }),
        what: 'App Service managed identity endpoint',
        headers: { 'X-IDENTITY-HEADER': runner.identityHeader as string }
      });
    case 'arc':
      return requestArcToken(config, deps, resource);
    case 'imds':
      return requestImdsToken(deps, imdsHost(config), { 'api-version': '2018-02-01', ...query });
  }
}

/**
 * One try first: no answer at all means this is no Azure VM, and retrying would only make the
 * user wait minutes to learn it. An answer IMDS asks us to retry, or one that broke off, goes
 * to the full policy, whose first retry is immediate (Microsoft's backoff starts at 0 s).
 */
async function requestImdsToken(deps: MachineCredentialDeps, host: string, query: Readonly<Record<string, string>>): Promise<HttpResponse> {
  const request = {
    method: 'GET',
    url: withQuery(`${host}/metadata/identity/oauth2/token`, query),
    what: 'IMDS managed identity endpoint',
    headers: { Metadata: 'true' }
  } as const;
  let first: HttpResponse;
  try {
    first = await deps.http.request({ ...request, retry: { attempts: 1 } });
  } catch (error) {
    if (!(error instanceof RequestFailedError && error.unreachable)) return deps.http.request({ ...request, retry: IMDS_RETRY });
    throw new ActionError(
      `No managed identity: the VM instance metadata service at ${host} did not answer (${messageOf(error)}).`,
      'Managed identity without IDENTITY_ENDPOINT works on an Azure VM or scale set only. ' +
        'If the runner uses a proxy, add 169.254.169.254 to NO_PROXY: IMDS must be reached directly.'
    );
  }
  return IMDS_RETRY.statuses.has(first.status) ? deps.http.request({ ...request, retry: IMDS_RETRY }) : first;
}

/**
 * Azure Arc answers a first request with 401 and `WWW-Authenticate: Basic realm=<key file>`;
 * the file's contents, read only from the agent's token directory, prove we run on the machine.
 */
async function requestArcToken(config: Config, deps: MachineCredentialDeps, resource: string): Promise<HttpResponse> {
  // The agent listens on IPv4; `localhost` may resolve to ::1 (msal-node does the same).
  const endpoint = new URL(config.runner.identityEndpoint as string);
  if (endpoint.hostname === 'localhost') endpoint.hostname = '127.0.0.1';
  const url = withQuery(endpoint.toString(), { 'api-version': '2020-06-01', resource });
  const request = { method: 'GET', url, what: 'Azure Arc managed identity endpoint' } as const;

  const challenge = await deps.http.request({ ...request, headers: { Metadata: 'true' } });
  if (challenge.status !== 401) return challenge;
  const keyFile = arcKeyFile(challenge.headers['www-authenticate']);
  const directory = arcKeyDirectory(config.runner, deps.machine.platform);
  if (config.runner.testArcKeyDirectory) deps.log(`Azure Arc: test hook AZURE_TOKEN_TEST_ARC_KEY_DIR allows key files in ${directory}.`);
  const key = await readArcKey(keyFile, directory, deps.machine);
  deps.mask(key);
  return deps.http.request({ ...request, headers: { Metadata: 'true', Authorization: `Basic ${key}` } });
}

function arcKeyFile(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  const file = /^\s*Basic\s+realm=(.+)$/i.exec(value ?? '')?.[1]?.trim();
  if (!file) {
    throw new ActionError(
      'The Azure Arc identity endpoint answered 401 without naming a key file (no "WWW-Authenticate: Basic realm=<path>").',
      'Check that IDENTITY_ENDPOINT is the Arc agent (azcmagent show), and restart the agent: sudo systemctl restart himdsd.'
    );
  }
  return file;
}

/**
 * Where the Arc agent writes its key files (§3); the test hook's directory when it is set
 * (config.ts explains why that is safe). Undefined on platforms Arc does not run on.
 */
export function arcKeyDirectory(runner: RunnerContext, platform: NodeJS.Platform): string | undefined {
  if (runner.testArcKeyDirectory) return runner.testArcKeyDirectory;
  if (platform === 'linux') return '/var/opt/azcmagent/tokens';
  if (platform === 'win32') return path.win32.join(runner.programData ?? 'C:\\ProgramData', 'AzureConnectedMachineAgent', 'Tokens');
  return undefined;
}

/**
 * Reads the key the endpoint named, under Microsoft's rules (§3): directly in the agent's token
 * directory, named `*.key`, at most 4096 bytes. A rogue endpoint could otherwise have us send
 * it any file the runner can read.
 */
export async function readArcKey(file: string, directory: string | undefined, machine: MachineDeps): Promise<string> {
  if (directory === undefined) {
    throw new ActionError(`Azure Arc managed identity works on Linux and Windows only, not on ${machine.platform}.`);
  }
  const paths = machine.platform === 'win32' ? path.win32 : path.posix;
  const sameDirectory =
    machine.platform === 'win32'
      ? paths.dirname(file).toLowerCase() === paths.normalize(directory).replace(/\\+$/, '').toLowerCase()
      : paths.dirname(file) === paths.normalize(directory).replace(/\/+$/, '');
  if (!paths.isAbsolute(file) || !sameDirectory || !paths.basename(file).endsWith('.key')) {
    throw new ActionError(
      `Refusing the Azure Arc key file '${file}': it must be a .key file directly in ${directory}.`,
      'Only the Arc agent names key files; check that IDENTITY_ENDPOINT points at the agent (azcmagent show).'
    );
  }
  try {
    const size = await machine.fileSize(file);
    if (size > ARC_KEY_MAX_BYTES) {
      throw new ActionError(`Refusing the Azure Arc key file '${file}': ${size} bytes, more than the ${ARC_KEY_MAX_BYTES} a key may have.`);
    }
    const key = (await machine.readFile(file)).toString('utf8').trim();
    if (!key) throw new ActionError(`The Azure Arc key file '${file}' is empty.`);
    return key;
  } catch (error) {
    if (error instanceof ActionError) throw error;
    throw new ActionError(
      `Cannot read the Azure Arc key file '${file}': ${messageOf(error)}`,
      "The runner's user must be allowed to read the agent's keys: on Linux add it to the 'himds' group " +
        "(sudo usermod -aG himds <runner-user>), on Windows to 'Hybrid agent extension applications'; then restart the runner service."
    );
  }
}

/**
 * `access_token` with `expires_in` (preferred: request time + lifetime, no clock skew), else
 * `expires_on` as epoch seconds (number or string) or an ISO date (§3). Masked at once.
 */
export function parseManagedIdentityToken(body: unknown, startedAt: number, mask: (value: string) => void): AccessToken {
  const fields = jsonFields(body);
  const token = fields['access_token'];
  if (typeof token !== 'string' || token === '') {
    throw new ActionError('The managed identity endpoint answered 200 without an access_token.');
  }
  mask(token);
  const expiresOn = expiryOf(fields, startedAt);
  if (expiresOn === undefined) {
    throw new ActionError('The managed identity endpoint answered without a valid expires_in or expires_on.');
  }
  return { token, expiresOn };
}

function expiryOf(fields: Record<string, unknown>, startedAt: number): Date | undefined {
  const expiresIn = numeric(fields['expires_in']);
  if (expiresIn !== undefined && expiresIn > 0) return new Date(startedAt + expiresIn * 1000);
  const expiresOn = fields['expires_on'];
  const epochSeconds = numeric(expiresOn);
  if (epochSeconds !== undefined) return epochSeconds > 0 ? new Date(epochSeconds * 1000) : undefined;
  const parsed = typeof expiresOn === 'string' ? Date.parse(expiresOn) : NaN;
  return Number.isNaN(parsed) ? undefined : new Date(parsed);
}

function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  return typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : undefined;
}

/**
 * A managed identity lives in one tenant: a Key Vault in another tenant (its challenge names
 * that tenant) cannot be reached with it. Checked against the token's own `tid`.
 */
function checkTenant(token: AccessToken, wanted: string | undefined): void {
  if (wanted === undefined) return;
  const tenant = stringClaim(readClaims(token.token), 'tid');
  if (tenant !== undefined && tenant.toLowerCase() === wanted.toLowerCase()) return;
  throw new ActionError(
    `A managed identity gets tokens only in its own tenant (${tenant ?? 'unknown'}), and tenant ${wanted} was asked for.`,
    "Use a vault in the identity's tenant, or an app registration of that tenant (auth-type oidc, secret or certificate)."
  );
}

/** What the endpoint said, from any of the three error shapes (§3), and what to do about it. */
function managedIdentityError(source: ManagedIdentitySource, response: HttpResponse, clientId: string | undefined, resource: string): ActionError {
  const said = errorText(response);
  const message = `${SOURCE_NAMES[source]} refused the token request with HTTP ${response.status}${said ? `: ${said}` : ''}`;
  return new ActionError(message, errorHint(source, response.status, said, clientId, resource));
}

function errorText(response: HttpResponse): string {
  const fields = jsonFields(response.json);
  const nested = typeof fields['error'] === 'object' && fields['error'] !== null ? (fields['error'] as Record<string, unknown>) : undefined;
  const text = [fields['error_description'], nested?.['message'], fields['message'], fields['error']].find(
    (value): value is string => typeof value === 'string' && value !== ''
  );
  return (text ?? response.body).replace(/\s+/g, ' ').trim().slice(0, 300);
}

function errorHint(source: ManagedIdentitySource, status: number, said: string, clientId: string | undefined, resource: string): string | undefined {
  if (/AADSTS500011/.test(said)) return `The resource '${resource}' is not known in the identity's tenant: check 'resource' for a typo.`;
  if (status === 410 || status === 404 || status === 429 || status >= 500) {
    return 'The endpoint is busy or being updated; re-run the job in a minute.';
  }
  if (status !== 400 && status !== 401 && status !== 403) return undefined;
  if (source === 'app-service') {
    return clientId
      ? `Assign the user-assigned identity with client ID ${clientId} to the app: az containerapp identity assign --user-assigned <identity-resource-id> (Functions / App Service: az webapp identity assign --identities <identity-resource-id>).`
      : 'Turn on the system-assigned identity: az containerapp identity assign --system-assigned (Functions / App Service: az webapp identity assign).';
  }
  if (source === 'imds') {
    return clientId
      ? `Assign the user-assigned identity with client ID ${clientId} to the VM: az vm identity assign -g <group> -n <vm> --identities <identity-resource-id> (a scale set: az vmss identity assign).`
      : 'Turn on the VM\'s system-assigned identity: az vm identity assign -g <group> -n <vm> (a scale set: az vmss identity assign), or give \'client-id\' of a user-assigned one.';
  }
  return 'Check the Arc agent is connected (azcmagent show) and restart it: sudo systemctl restart himdsd.';
}

function withQuery(base: string, query: Readonly<Record<string, string>>): string {
  const url = new URL(base);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url.toString();
}
