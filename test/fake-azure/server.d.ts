/** Types of server.js for the TypeScript tests (the fake itself is plain JS, zero dependencies). */
import type { KeyObject } from 'node:crypto';

export type Route = 'github' | 'entra' | 'msi' | 'imds' | 'arc' | 'keyvault-get' | 'keyvault-list';

export interface SecretVersionSpec {
  value: string;
  version?: string;
  enabled?: boolean;
  /** epoch seconds */
  exp?: number;
  /** epoch seconds */
  nbf?: number;
  contentType?: string;
  tags?: Record<string, string>;
  created?: number;
  updated?: number;
}
export type SecretSpec = string | (SecretVersionSpec & { versions?: Array<string | SecretVersionSpec> });

export interface VaultConfig {
  secrets?: Record<string, SecretSpec>;
  /** object ids allowed to read; undefined = everyone */
  readers?: string[];
  /** tenant whose tokens the vault accepts (default: the first tenant) */
  tenantId?: string;
  /** token audience the vault accepts (default: the cloud's, e.g. https://vault.azure.net) */
  resource?: string;
  /** what the 401 WWW-Authenticate names, for challenge tests */
  challenge?: { authority?: string; tenantId?: string; resource?: string };
  pageSize?: number;
}

export interface FederatedCredential {
  issuer: string;
  subject: string;
  audiences: string[];
}

export interface AppRegistration {
  clientId: string;
  /** object id of the app's service principal (the token's oid) */
  objectId: string;
  displayName?: string;
  /** values, or {value, expiresOn: epoch seconds} */
  secrets?: Array<string | { value: string; expiresOn?: number }>;
  /** PEM certificates */
  certificates?: string[];
  federatedCredentials?: FederatedCredential[];
}

export interface Tenant {
  id: string;
  domains?: string[];
  apps: AppRegistration[];
}

export interface ManagedIdentityConfig {
  clientId: string;
  objectId: string;
  resourceId: string;
  system: boolean;
}

export interface Scenario {
  tenants: Tenant[];
  resources: string[];
  github: { issuer: string; subject: string; requestToken: string; claims: Record<string, unknown>; lifetimeSeconds?: number };
  managedIdentity: { identityHeader: string; tenantId: string };
  managedIdentities: ManagedIdentityConfig[];
  vaults: Record<string, VaultConfig>;
  keyVaultPageSize: number;
  latencyMs: number;
  /** round trips a new connection costs before its first request (latency.js); default 0 */
  handshakeRoundTrips?: number;
  arcKeyDir?: string;
}

export interface FakeAzureOptions extends Partial<Scenario> {
  /** also start the HTTPS listener and the proxy */
  tls?: boolean;
  /** epoch ms, default Date.now */
  clock?: () => number;
}

export interface FaultSpec {
  status?: number;
  retryAfter?: string | number;
  body?: unknown;
  /** requests affected, default 1; Infinity for persistent */
  times?: number;
  latencyMs?: number;
  reset?: boolean;
  truncate?: boolean;
  html?: boolean;
  hang?: boolean;
  /** a substring of the path, or a predicate on the request */
  match?: string | ((request: { method: string; path: string; query: Record<string, string>; headers: Record<string, string | string[] | undefined>; form?: Record<string, string> }) => boolean);
}

export interface LoggedRequest {
  route: Route | 'unknown';
  method: string;
  path: string;
  query: Record<string, string>;
  host: string;
  headers: Record<string, string | string[] | undefined>;
  form: Record<string, string> | undefined;
  /** null while in flight, or when the fault dropped/hung the connection */
  status: number | null;
  at: number;
}

export interface AccessTokenRequest {
  tenantId: string;
  resource: string;
  clientId: string;
  objectId: string;
  lifetime?: number;
  claims?: Record<string, unknown>;
}

/** The round-trip emulation (latency.js). */
export interface FakeLatency {
  /** every connection a tracked listener or alias accepted */
  connections: Array<{ at: number; host: string; port: number }>;
  clearConnections(): void;
  set(changes: { latencyMs?: number; handshakeRoundTrips?: number }): void;
  /** another loopback origin (e.g. 127.0.0.2) forwarding to the fake's listener on targetPort */
  alias(host: string, targetPort: number): Promise<{ host: string; port: number; url: string; close(): Promise<void> }>;
}

export interface FakeAzure {
  url: string;
  httpsUrl?: string;
  proxyUrl?: string;
  caFile?: string;
  /** "CONNECT host:port" and "GET http://..." lines, in order */
  proxyLog: string[];
  latency: FakeLatency;
  scenario: Scenario;
  requests: LoggedRequest[];
  requestsFor(route: Route | 'unknown'): LoggedRequest[];
  inFlight(route: Route): number;
  maxInFlight(route: Route): number;
  clearRequests(): void;
  fault(route: Route, spec: FaultSpec): void;
  throttle(route: Route, spec: { limit: number; windowMs?: number; retryAfterSeconds?: number }): void;
  clearFaults(): void;
  vaultUrl(name: string): string;
  addVault(name: string, config?: VaultConfig): Promise<string>;
  vault(name: string): { name: string; tenantId: string; readers: string[] | undefined; challenge: NonNullable<VaultConfig['challenge']>; secrets: Map<string, unknown> } | undefined;
  setSecret(vaultName: string, name: string, spec: SecretSpec): void;
  github: { issuer: string; requestToken: string; idTokenUrl: string; mintToken(overrides?: Record<string, unknown>): string; publicKey: KeyObject };
  entra: { tokenUrl(tenant?: string): string; mintAccessToken(request: AccessTokenRequest): string; publicKey: KeyObject };
  managedIdentity: { identityHeader: string; appServiceEndpoint: string; arcEndpoint: string; arcKeyDir: string };
  env: {
    oidc: { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string };
    appService: { IDENTITY_ENDPOINT: string; IDENTITY_HEADER: string };
    arc: { IDENTITY_ENDPOINT: string; IMDS_ENDPOINT: string };
    imds: { AZURE_POD_IDENTITY_AUTHORITY_HOST: string };
  };
  close(): Promise<void>;
}

export function startFakeAzure(options?: FakeAzureOptions): Promise<FakeAzure>;

export interface TestCertificate {
  kind: string;
  certPem: string;
  keyPem: string;
  combinedPem: string;
  combinedPath: string;
  passphrase: string | undefined;
  x5t: string;
  x5tS256: string;
}
export function loadTestCertificate(kind?: 'client' | 'client-encrypted' | 'expired' | 'mismatched'): TestCertificate;
export function thumbprints(certPem: string): { x5t: string; x5tS256: string };
export const CA_FILE: string;

export interface DecodedJwt {
  header: Record<string, any>;
  payload: Record<string, any>;
  signingInput: string;
  signature: Buffer;
}
export function decodeJwt(token: string): DecodedJwt | null;
export function signJwt(header: Record<string, unknown> & { alg: 'RS256' | 'PS256' }, payload: Record<string, unknown>, key: KeyObject | string): string;

export const KNOWN_RESOURCES: readonly string[];
export function defaultScenario(): Scenario;

interface Identity {
  readonly clientId: string;
  readonly objectId: string;
  readonly resourceId: string;
  readonly system: boolean;
}
export const DEFAULTS: {
  readonly tenantId: string;
  readonly tenantDomain: string;
  readonly clientId: string;
  readonly servicePrincipalObjectId: string;
  readonly clientSecret: string;
  readonly expiredClientSecret: string;
  readonly githubIssuer: string;
  readonly githubSubject: string;
  readonly githubRequestToken: string;
  readonly federatedAudience: string;
  readonly identityHeader: string;
  readonly systemIdentity: Identity;
  readonly userIdentity: Identity;
  readonly vaultName: string;
  readonly secrets: Readonly<Record<'db-password' | 'api-key' | 'tls-key' | 'connection-string' | '2fa-seed', string>>;
  readonly disabledSecret: string;
  readonly expiredSecret: string;
};
