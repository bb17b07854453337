/**
 * Every input and every runner variable the action uses is read here, once, validated, and
 * frozen into a typed Config. Nothing after this module reads `process.env` or calls
 * `core.getInput`: it is handed what it needs. Secrets are masked here, the moment they enter.
 */
import * as path from 'node:path';
import { type Cloud, findCloud, WELL_KNOWN_RESOURCES, type WellKnownResource, wellKnownResource } from './clouds.js';
import { ActionError, InputError } from './errors.js';
import { isLoopbackHost } from './loopback.js';
import { maskValue } from './masking.js';
import { parseSecretsInput, type SecretReference } from './secret-references.js';

export const AUTH_TYPES = [
  'oidc',
  'secret',
  'certificate',
  'managed-identity',
  'workload-identity',
  'azure-cli'
] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

export type Env = Readonly<Record<string, string | undefined>>;

/** What the runner offers the credentials, from its environment variables. */
export interface RunnerContext {
  /** GITHUB_WORKSPACE, against which relative paths resolve. */
  readonly workspace: string;
  readonly selfHosted: boolean;
  /** ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN: present only with `permissions: id-token: write`. */
  readonly oidcRequestUrl: string | undefined;
  readonly oidcRequestToken: string | undefined;
  /** AKS workload identity, as the webhook injects it. */
  readonly federatedTokenFile: string | undefined;
  readonly azureClientId: string | undefined;
  readonly azureTenantId: string | undefined;
  /** Managed identity endpoints (App Service, Container Apps, Arc) and the IMDS host override. */
  readonly identityEndpoint: string | undefined;
  readonly identityHeader: string | undefined;
  readonly imdsEndpoint: string | undefined;
  readonly podIdentityAuthorityHost: string | undefined;
  /** %ProgramData% on Windows: Azure Arc's key files live under it. */
  readonly programData: string | undefined;
  /**
   * TEST HOOK: AZURE_TOKEN_TEST_ARC_KEY_DIR, the directory an Azure Arc key file may be read
   * from instead of the agent's own, so end-to-end tests can run a fake Arc endpoint. Honoured
   * only when IDENTITY_ENDPOINT is http:// on a loopback host (see arcKeyDirectoryForTests).
   */
  readonly testArcKeyDirectory: string | undefined;
  /** PATH (and PATHEXT on Windows), to find `az`. */
  readonly path: string | undefined;
  readonly pathExt: string | undefined;
}

export interface Config {
  readonly authType: AuthType | 'auto';
  readonly clientId: string | undefined;
  readonly tenantId: string | undefined;
  readonly clientSecret: string | undefined;
  /** PEM text, or a path to a PEM file (resolved by the certificate credential). */
  readonly clientCertificate: string | undefined;
  readonly clientCertificatePassword: string | undefined;
  readonly cloud: Cloud;
  /** Entra ID authority, no trailing slash: `https://login.microsoftonline.com`. */
  readonly authorityHost: string;
  readonly oidcAudience: string;
  /** The resource as given to managed identity and the Azure CLI (no `/.default`). */
  readonly resource: string;
  /** The resource as a v2 scope: `https://management.azure.com/.default`. */
  readonly scope: string;
  readonly secrets: readonly SecretReference[];
  readonly exportEnv: boolean;
  readonly ignoreMissingSecrets: boolean;
  /** Absolute path of the token file, when one was asked for. */
  readonly tokenFile: string | undefined;
  readonly jobSummary: boolean;
  readonly runner: RunnerContext;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{3,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i;
const MULTI_TENANT = ['common', 'organizations', 'consumers'];

/** Reads and validates every input. Throws InputError, naming the input, on the first bad one. */
export function readConfig(env: Env, setSecret: (value: string) => void): Config {
  const input = (name: string): string => (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
  const optional = (name: string): string | undefined => input(name) || undefined;

  // Mask before anything can fail and be reported.
  const explicitSecret = optional('client-secret');
  const certificatePassword = optional('client-certificate-password');
  for (const secret of [explicitSecret, certificatePassword, env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'], env['IDENTITY_HEADER']]) {
    if (secret) maskValue(setSecret, secret);
  }
  const certificate = optional('client-certificate');
  if (certificate?.includes('PRIVATE KEY')) maskValue(setSecret, certificate);
  const creds = parseCreds(input('creds'), setSecret);

  const cloud = parseCloud(input('environment'));
  const { resource, scope } = parseResource(input('resource'), cloud);
  const runner = readRunnerContext(env);
  const tokenFile = optional('token-file');
  if (certificatePassword && !certificate) {
    throw new InputError('client-certificate-password', "is set but 'client-certificate' is empty", 'Give the certificate too, or remove the password.');
  }

  return Object.freeze({
    authType: parseAuthType(input('auth-type')),
    clientId: parseClientId(optional('client-id') ?? creds.clientId, optional('client-id') ? 'client-id' : 'creds'),
    tenantId: parseTenantId(optional('tenant-id') ?? creds.tenantId, optional('tenant-id') ? 'tenant-id' : 'creds'),
    clientSecret: explicitSecret ?? creds.clientSecret,
    clientCertificate: certificate,
    clientCertificatePassword: certificatePassword,
    cloud,
    authorityHost: parseAuthorityHost(optional('authority-host') ?? env['AZURE_AUTHORITY_HOST']?.trim(), optional('authority-host') ? 'authority-host' : 'AZURE_AUTHORITY_HOST', cloud),
    oidcAudience: optional('audience') ?? cloud.oidcAudience,
    resource,
    scope,
    secrets: parseSecretsInput(input('secrets'), optional('keyvault'), cloud),
    exportEnv: parseBoolean('export-env', input('export-env'), true),
    ignoreMissingSecrets: parseBoolean('ignore-missing-secrets', input('ignore-missing-secrets'), false),
    tokenFile: tokenFile === undefined ? undefined : parseTokenFile(tokenFile, runner.workspace),
    jobSummary: parseBoolean('job-summary', input('job-summary'), false),
    runner
  });
}

function readRunnerContext(env: Env): RunnerContext {
  const value = (name: string): string | undefined => env[name]?.trim() || undefined;
  return Object.freeze({
    workspace: value('GITHUB_WORKSPACE') ?? process.cwd(),
    selfHosted: value('RUNNER_ENVIRONMENT') === 'self-hosted',
    oidcRequestUrl: value('ACTIONS_ID_TOKEN_REQUEST_URL'),
    oidcRequestToken: value('ACTIONS_ID_TOKEN_REQUEST_TOKEN'),
    federatedTokenFile: value('AZURE_FEDERATED_TOKEN_FILE'),
    azureClientId: value('AZURE_CLIENT_ID'),
    azureTenantId: value('AZURE_TENANT_ID'),
    identityEndpoint: value('IDENTITY_ENDPOINT'),
    identityHeader: value('IDENTITY_HEADER'),
    imdsEndpoint: value('IMDS_ENDPOINT'),
    podIdentityAuthorityHost: value('AZURE_POD_IDENTITY_AUTHORITY_HOST'),
    programData: value('ProgramData') ?? value('PROGRAMDATA'),
    testArcKeyDirectory: arcKeyDirectoryForTests(value('AZURE_TOKEN_TEST_ARC_KEY_DIR'), value('IDENTITY_ENDPOINT')),
    path: env['PATH'] ?? env['Path'],
    pathExt: env['PATHEXT']
  });
}

/**
 * The test hook's directory, only when the Arc endpoint is http:// on this machine. Why that is
 * safe: the key-directory rule stops a rogue endpoint from naming any file for us to read and
 * send back. With the hook, the endpoint can still name only `.key` files of at most 4096 bytes
 * in the one directory the job's own environment chose (whoever sets a job's environment can
 * run code in it anyway), and the key only ever goes to a loopback address: it never leaves
 * the machine. The hook is an absolute path or nothing.
 */
function arcKeyDirectoryForTests(directory: string | undefined, identityEndpoint: string | undefined): string | undefined {
  if (!directory || !identityEndpoint || !path.isAbsolute(directory)) return undefined;
  let endpoint: URL;
  try {
    endpoint = new URL(identityEndpoint);
  } catch {
    return undefined;
  }
  return endpoint.protocol === 'http:' && isLoopbackHost(endpoint.hostname) ? directory : undefined;
}

function parseAuthType(value: string): AuthType | 'auto' {
  const wanted = value.toLowerCase() || 'auto';
  if (wanted === 'auto') return 'auto';
  const match = AUTH_TYPES.find(type => type === wanted);
  if (!match) {
    throw new InputError('auth-type', `must be one of auto, ${AUTH_TYPES.join(', ')}; got '${value}'.`);
  }
  return match;
}

function parseClientId(value: string | undefined, source: string): string | undefined {
  if (value !== undefined && !GUID.test(value)) {
    throw new InputError(
      source,
      `must hold the application (client) ID, a GUID such as 00000000-0000-0000-0000-000000000000; got '${value}'.`,
      "Copy the 'Application (client) ID' from the app registration's overview page (for a managed identity: its 'Client ID')."
    );
  }
  return value;
}

function parseTenantId(value: string | undefined, source: string): string | undefined {
  if (value === undefined) return undefined;
  if (MULTI_TENANT.includes(value.toLowerCase())) {
    throw new InputError(
      source,
      `must be a tenant GUID or domain, not '${value}': an app signs in to one tenant.`,
      "Use the 'Directory (tenant) ID' from the app registration's overview page."
    );
  }
  if (!GUID.test(value) && !DOMAIN.test(value)) {
    throw new InputError(
      source,
      `must be a tenant GUID or domain (contoso.onmicrosoft.com); got '${value}'.`,
      "Use the 'Directory (tenant) ID' from the app registration's overview page."
    );
  }
  return value;
}

interface CredsFields {
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
  readonly tenantId: string | undefined;
}

/**
 * Accepts azure/login's `{"clientId","clientSecret","tenantId",...}` and the output of
 * `az ad sp create-for-rbac` (`{"appId","password","tenant"}`). The secret is masked before
 * any check can fail; nothing from the JSON is ever echoed but its field names.
 */
function parseCreds(text: string, setSecret: (value: string) => void): CredsFields {
  if (!text) return { clientId: undefined, clientSecret: undefined, tenantId: undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    maskValue(setSecret, text);
    throw new InputError(
      'creds',
      'is not valid JSON.',
      "Give the JSON printed by 'az ad sp create-for-rbac' or azure/login's {\"clientId\",\"clientSecret\",\"tenantId\"} object, stored whole in one secret."
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InputError('creds', 'must be a JSON object such as {"clientId": "...", "clientSecret": "...", "tenantId": "..."}.');
  }
  const fields = parsed as Record<string, unknown>;
  const field = (...names: string[]): string | undefined => {
    for (const name of names) {
      const value = fields[name];
      if (value === undefined || value === null || value === '') continue;
      if (typeof value !== 'string') {
        throw new InputError('creds', `field '${name}' must be a string.`);
      }
      return value.trim() || undefined;
    }
    return undefined;
  };
  const clientSecret = field('clientSecret', 'password');
  if (clientSecret) maskValue(setSecret, clientSecret);
  return { clientId: field('clientId', 'appId'), clientSecret, tenantId: field('tenantId', 'tenant') };
}

function parseCloud(value: string): Cloud {
  if (!value) return findCloud('AzureCloud') as Cloud;
  if (value.toLowerCase() === 'azuregermancloud') {
    throw new InputError(
      'environment',
      "names AzureGermanCloud, which Microsoft closed on 2021-10-29.",
      'Resources there moved to the public cloud regions in Germany: use AzureCloud.'
    );
  }
  const cloud = findCloud(value);
  if (!cloud) {
    throw new InputError('environment', `must be AzureCloud, AzureUSGovernment or AzureChinaCloud; got '${value}'.`);
  }
  return cloud;
}

function parseAuthorityHost(value: string | undefined, source: string, cloud: Cloud): string {
  if (!value) return cloud.authorityHost;
  // AZURE_AUTHORITY_HOST is a runner variable, not an input: name what the user has to fix.
  const bad = (expectation: string, hint?: string): ActionError =>
    source === 'authority-host' ? new InputError(source, expectation, hint) : new ActionError(`Environment variable ${source} ${expectation}`, hint);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad(`must be an https:// URL such as ${cloud.authorityHost}; got '${value}'.`);
  }
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  if (!secure || url.search || url.hash || url.username || url.password) {
    throw bad(
      `must be an https:// URL with no query, such as ${cloud.authorityHost}; got '${value}'.`,
      'Plain http:// is accepted only for loopback hosts (127.0.0.1, localhost, [::1]).'
    );
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

const RESOURCE_EXPECTATION =
  `must be a resource URI (https://vault.azure.net), a scope ending in /.default, an application ID, or one of ${WELL_KNOWN_RESOURCES.join(', ')}`;

/** Resource and scope from the `resource` input; the cloud's Resource Manager by default. */
function parseResource(value: string, cloud: Cloud): { resource: string; scope: string } {
  const known = WELL_KNOWN_RESOURCES.find(name => name === value.toLowerCase()) as WellKnownResource | undefined;
  const raw = !value ? cloud.resourceManager : known ? wellKnownResource(cloud, known) : value;
  if (/\s/.test(raw) || raw.includes(',')) {
    throw new InputError('resource', `${RESOURCE_EXPECTATION}; a token is for one resource, so give one. Got '${value}'.`);
  }
  if (raw.endsWith('/.default')) {
    return { resource: checkedResource(raw.slice(0, -'/.default'.length), value), scope: raw };
  }
  const resource = checkedResource(raw.replace(/\/+$/, ''), value);
  return { resource, scope: `${resource}/.default` };
}

function checkedResource(resource: string, original: string): string {
  if (GUID.test(resource)) return resource;
  let url: URL | undefined;
  try {
    url = new URL(resource);
  } catch {
    url = undefined;
  }
  if (!url || !/^[a-z][a-z0-9+.-]*:$/.test(url.protocol) || url.search || url.hash || !url.host && !url.pathname.replace(/\/+$/, '')) {
    throw new InputError('resource', `${RESOURCE_EXPECTATION}; got '${original}'.`);
  }
  return resource;
}

function parseBoolean(name: string, value: string, fallback: boolean): boolean {
  if (!value) return fallback;
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw new InputError(name, `must be true or false; got '${value}'.`);
}

function parseTokenFile(value: string, workspace: string): string {
  if (value.includes('\0')) {
    throw new InputError('token-file', 'must be a file path.');
  }
  return path.resolve(workspace, value);
}
