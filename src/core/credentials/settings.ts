/**
 * What each credential kind needs, taken from the Config once the kind is known (after `auto`
 * chose): every "is needed for auth-type X" check lives here, so each kind gets typed settings
 * that are complete, and never the whole Config.
 */
import type { Config, Context } from '../config.js';
import type { AppSettings } from '../entra/app-credential.js';
import { ActionError, InputError } from '../errors.js';
import type { SearchPath } from '../executables.js';

export interface SecretSettings extends AppSettings {
  readonly clientSecret: string;
}

export interface CertificateSettings extends AppSettings {
  /** PEM text, or a path to a PEM file. */
  readonly certificate: string;
  readonly password: string | undefined;
  /** Against which a relative certificate path resolves. */
  readonly workspace: string;
}

export interface OidcSettings extends AppSettings {
  readonly requestUrl: string;
  readonly requestToken: string;
  readonly audience: string;
}

export interface WorkloadIdentitySettings extends AppSettings {
  readonly tokenFile: string;
}

export interface ManagedIdentitySettings {
  /** A user-assigned identity, or undefined for the system-assigned one. */
  readonly clientId: string | undefined;
  readonly context: Context;
}

export interface AzureCliSettings extends SearchPath {
  readonly tenantId: string | undefined;
}

export const PERMISSIONS_HINT =
  'Give the job `permissions: id-token: write` (and the calling workflow too, for a reusable workflow). ' +
  'Workflows triggered from forks and by Dependabot get no OIDC token: use another credential there.';

export const WEBHOOK_HINT =
  'Label the pod azure.workload.identity/use: "true" and run it under a service account ' +
  'annotated with azure.workload.identity/client-id, ' +
  'so the webhook sets AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID and AZURE_TENANT_ID.';

/** An input a credential cannot do without, named in the error when it is empty. */
function required(value: string | undefined, input: string, purpose: string, hint?: string): string {
  if (!value) throw new InputError(input, `is needed for ${purpose}.`, hint);
  return value;
}

function app(config: Config, kind: string): AppSettings {
  return {
    clientId: required(config.clientId, 'client-id', `auth-type '${kind}' (the app registration's Application (client) ID)`),
    tenantId: required(config.tenantId, 'tenant-id', `auth-type '${kind}' (the Directory (tenant) ID)`),
    authorityHost: config.authorityHost
  };
}

export function secretSettings(config: Config): SecretSettings {
  const clientSecret = config.clientSecret;
  if (!clientSecret) throw new InputError('client-secret', "is needed for auth-type 'secret' (or give 'creds' with clientSecret).");
  return { ...app(config, 'secret'), clientSecret };
}

export function certificateSettings(config: Config): CertificateSettings {
  const certificate = required(config.clientCertificate, 'client-certificate', "auth-type 'certificate'");
  return { ...app(config, 'certificate'), certificate, password: config.clientCertificatePassword, workspace: config.context.workspace };
}

export function oidcSettings(config: Config): OidcSettings {
  const settings = app(config, 'oidc');
  const { oidcRequestUrl, oidcRequestToken } = config.context;
  if (!oidcRequestUrl || !oidcRequestToken) {
    throw new ActionError('GitHub offers this job no OIDC token: ACTIONS_ID_TOKEN_REQUEST_URL is not set.', PERMISSIONS_HINT);
  }
  return { ...settings, requestUrl: oidcRequestUrl, requestToken: oidcRequestToken, audience: config.oidcAudience };
}

export function workloadIdentitySettings(config: Config): WorkloadIdentitySettings {
  const { context } = config;
  const tokenFile = context.federatedTokenFile;
  if (!tokenFile) throw new ActionError("auth-type 'workload-identity' needs AZURE_FEDERATED_TOKEN_FILE, and it is not set.", WEBHOOK_HINT);
  return {
    clientId: required(
      config.clientId ?? context.azureClientId,
      'client-id',
      "auth-type 'workload-identity' when AZURE_CLIENT_ID is not set",
      WEBHOOK_HINT
    ),
    tenantId: required(
      config.tenantId ?? context.azureTenantId,
      'tenant-id',
      "auth-type 'workload-identity' when AZURE_TENANT_ID is not set",
      WEBHOOK_HINT
    ),
    authorityHost: config.authorityHost,
    tokenFile
  };
}

export function managedIdentitySettings(config: Config): ManagedIdentitySettings {
  return { clientId: config.clientId, context: config.context };
}

export function azureCliSettings(config: Config): AzureCliSettings {
  return { tenantId: config.tenantId, path: config.context.path, pathExt: config.context.pathExt };
}
