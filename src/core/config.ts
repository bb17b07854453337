/**
 * Every input and every variable of the environment the core uses is read here, once,
 * validated, and frozen into a typed Config. Nothing after this module reads `process.env` or
 * an input: it is handed what it needs. Secrets are masked here, the moment they enter.
 * The front-end says where the inputs come from (the action's INPUT_* variables, the command
 * line's flags) and where relative paths resolve.
 */
import * as path from 'node:path';
import type { Cloud } from './clouds.js';
import { InputError } from './errors.js';
import {
  type AuthType,
  parseAudience,
  parseAuthorityHost,
  parseAuthType,
  parseBoolean,
  parseClientId,
  parseCloud,
  parseResource,
  parseTenantId,
  parseTokenFile
} from './input-values.js';
import { isLoopbackHost } from './loopback.js';
import type { Masker } from './masking.js';
import { parseSecretsInput, type SecretReference } from './keyvault/references.js';

export type { AuthType } from './input-values.js';
export type Env = Readonly<Record<string, string | undefined>>;

/** What the environment offers the credentials. */
export interface Context {
  /** Where relative paths resolve: GITHUB_WORKSPACE for the action, the working directory for the command line. */
  readonly workspace: string;
  /** Inside a GitHub Actions job (GITHUB_ACTIONS=true). */
  readonly inWorkflow: boolean;
  /** Whether `auto` may probe the VM's IMDS: always outside a workflow, only on self-hosted runners inside one. */
  readonly probeImds: boolean;
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
  readonly signInLaterSteps: boolean;
  readonly context: Context;
}

/** Where a front-end's inputs come from. */
export interface ConfigSource {
  /** An input's value as given, '' when absent (`client-id`, `secrets`, ...). */
  readonly input: (name: string) => string;
  readonly env: Env;
  readonly workspace: string;
}

/** Reads and validates every input. Throws InputError, naming the input, on the first bad one. */
export function readConfig(source: ConfigSource, masker: Masker): Config {
  const input = (name: string): string => source.input(name).trim();
  const optional = (name: string): string | undefined => input(name) || undefined;
  const { env } = source;

  // Mask before anything can fail and be reported.
  const explicitSecret = optional('client-secret');
  const certificatePassword = optional('client-certificate-password');
  for (const secret of [explicitSecret, certificatePassword, env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'], env['IDENTITY_HEADER']]) {
    if (secret) masker.mask(secret);
  }
  const certificate = optional('client-certificate');
  if (certificate?.includes('PRIVATE KEY')) masker.mask(certificate);
  const creds = parseCreds(input('creds'), masker);

  const cloud = parseCloud(input('environment'));
  const { resource, scope } = parseResource(input('resource'), cloud);
  const context = readContext(env, source.workspace);
  const tokenFile = optional('token-file');
  if (certificatePassword && !certificate) {
    throw new InputError(
      'client-certificate-password',
      "is set, but 'client-certificate' is empty.",
      'Give the certificate too, or remove the password.'
    );
  }
  const authorityInput = optional('authority-host');

  return Object.freeze({
    authType: parseAuthType(input('auth-type')),
    clientId: parseClientId(optional('client-id') ?? creds.clientId, optional('client-id') ? 'client-id' : 'creds'),
    tenantId: parseTenantId(optional('tenant-id') ?? creds.tenantId, optional('tenant-id') ? 'tenant-id' : 'creds'),
    clientSecret: explicitSecret ?? creds.clientSecret,
    clientCertificate: certificate,
    clientCertificatePassword: certificatePassword,
    cloud,
    authorityHost: parseAuthorityHost(
      authorityInput ?? env['AZURE_AUTHORITY_HOST']?.trim(),
      authorityInput ? 'authority-host' : 'AZURE_AUTHORITY_HOST',
      cloud
    ),
    oidcAudience: parseAudience(optional('audience'), cloud),
    resource,
    scope,
    secrets: parseSecretsInput(input('secrets'), optional('keyvault'), cloud),
    exportEnv: parseBoolean('export-env', input('export-env'), true),
    ignoreMissingSecrets: parseBoolean('ignore-missing-secrets', input('ignore-missing-secrets'), false),
    tokenFile: tokenFile === undefined ? undefined : parseTokenFile(tokenFile, context.workspace),
    jobSummary: parseBoolean('job-summary', input('job-summary'), false),
    signInLaterSteps: parseBoolean('sign-in-later-steps', input('sign-in-later-steps'), false),
    context
  });
}

function readContext(env: Env, workspace: string): Context {
  const value = (name: string): string | undefined => env[name]?.trim() || undefined;
  const inWorkflow = value('GITHUB_ACTIONS') === 'true';
  return Object.freeze({
    workspace,
    inWorkflow,
    probeImds: !inWorkflow || value('RUNNER_ENVIRONMENT') === 'self-hosted',
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
export function parseCreds(text: string, masker: Masker, input = 'creds'): CredsFields {
  if (!text) return { clientId: undefined, clientSecret: undefined, tenantId: undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    masker.mask(text);
    throw new InputError(
      input,
      'is not valid JSON.',
      "Give the JSON printed by 'az ad sp create-for-rbac' or azure/login's " +
        '{"clientId","clientSecret","tenantId"} object, stored whole in one secret.'
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InputError(input, 'must be a JSON object such as {"clientId": "...", "clientSecret": "...", "tenantId": "..."}.');
  }
  const fields = parsed as Record<string, unknown>;
  const secretValue = fields['clientSecret'] ?? fields['password'];
  if (typeof secretValue === 'string' && secretValue.trim()) masker.mask(secretValue.trim());
  const field = (...names: string[]): string | undefined => {
    for (const name of names) {
      const value = fields[name];
      if (value === undefined || value === null || value === '') continue;
      if (typeof value !== 'string') throw new InputError(input, `field '${name}' must be a string.`);
      return value.trim() || undefined;
    }
    return undefined;
  };
  return { clientId: field('clientId', 'appId'), clientSecret: field('clientSecret', 'password'), tenantId: field('tenantId', 'tenant') };
}
