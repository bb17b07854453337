/** Types of server.js for the TypeScript tests (the fake itself is plain JS, zero dependencies). */
import type { KeyObject } from 'node:crypto';

export type Route = 'github' | 'entra' | 'msi' | 'imds' | 'arc' | 'keyvault-get' | 'keyvault-list' | 'arm';
/** What fault() and throttle() may target: a route, or `keyvault` = keyvault-get and keyvault-list together. */
export type FaultTarget = Route | 'keyvault';

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
  /**
   * A certificate-backed secret (it holds a certificate's private key): listings carry
   * `managed: true`, GET also `kid` ({vault}/keys/{name}/{version} unless `kid` is given), and
   * contentType defaults to application/x-pkcs12 (give 'application/x-pem-file' for PEM).
   * e.g. setSecret('my-vault', 'tls-cert', { value: pfxBase64, managed: true })
   */
  managed?: boolean;
  kid?: string;
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
  /** how this vault's GET /secrets answers (over the scenario's keyVaultListing) */
  listing?: ListingOptions;
}

/**
 * Listing shapes (GET /secrets), per vault (`VaultConfig.listing`, or live:
 * `fake.vault('my-vault')!.listing = {...}`) or for every vault (`keyVaultListing`). Page
 * indices count from 0 (the first page). Defaults: api-version=7.2 in every nextLink, the
 * caller's maxresults echoed, explicit :443 on https (a loopback listener's own origin and port),
 * an opaque $skiptoken, `"nextLink": null` on the last page.
 */
export interface ListingOptions {
  /** api-version written into nextLinks: default '7.2' whatever the call's (as in GetSecrets-example.json); 'echo' = the caller's */
  nextLinkApiVersion?: string;
  /** maxresults in nextLinks: 'echo' the caller's (default), 'drop' it, or a number (e.g. 1: later pages hold one item) */
  nextLinkMaxResults?: 'echo' | 'drop' | number;
  /** pages answered `"value":[]` with a nextLink (no item is lost): these indices, or 'between' every two real pages */
  emptyPages?: number[] | 'between';
  /** also put `kid` on listing items of managed secrets (the REST spec's SecretItem has none; GET always has it) */
  itemKid?: boolean;
  /** hostile: a fresh nextLink on every page, forever (pages after the last secret are empty) */
  endlessPages?: boolean;
  /** hostile: these pages have no `value` key at all (only nextLink); no item is lost */
  withoutValue?: number[];
  /** hostile: every page also carries this many copies of one item (its first, or the vault's first) */
  repeatItem?: number;
  /** hostile: each page padded with trailing whitespace (still valid JSON) to at least this many bytes, e.g. 2_000_000 */
  hugeBodyBytes?: number;
  /** hostile: a 200 whose body `{"value":[item,item,...` never ends, streamed until the client disconnects */
  endlessBody?: boolean;
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

export interface GithubConfig {
  issuer: string;
  subject: string;
  requestToken: string;
  claims: Record<string, unknown>;
  /** exp = iat + this (default 300); a few seconds works, e.g. 2 with an injected clock */
  lifetimeSeconds?: number;
  /**
   * 'immutable': sub becomes `repo:octo-org@9919/octo-repo@690079427:ref:refs/heads/main`
   * (DEFAULTS.githubImmutableSubject; owner/repo ids from the claims). Default: `subject` as is.
   * The default app has no federated credential for it: add one to accept it.
   */
  subjectFormat?: 'name' | 'immutable';
}

export interface ArmSubscription {
  subscriptionId: string;
  displayName?: string;
  /** default: the caller's tenant */
  tenantId?: string;
  state?: string;
}

/** Everything in a Scenario is read per request: change `fake.scenario` at run time to switch modes. */
export interface Scenario {
  tenants: Tenant[];
  resources: string[];
  github: GithubConfig;
  managedIdentity: { identityHeader: string; tenantId: string };
  managedIdentities: ManagedIdentityConfig[];
  vaults: Record<string, VaultConfig>;
  keyVaultPageSize: number;
  /** listing shapes for every vault (a vault's own `listing` wins) */
  keyVaultListing: ListingOptions;
  latencyMs: number;
  /** round trips a new connection costs before its first request (latency.js); default 0 */
  handshakeRoundTrips?: number;
  /** where Arc key files are written (default: a temp dir the fake removes; in a given dir only the files it wrote are removed) */
  arcKeyDir?: string;
  /**
   * the path the Arc 401 names in `WWW-Authenticate: Basic realm=<path>` instead of a fresh key
   * file: a FIFO, a symlink out of the key dir, a directory... (the test makes it). A function
   * is called per challenge. Basic <contents> of it is accepted when it is a regular file.
   */
  arcRealm?: string | (() => string);
  /**
   * error_description form: 'inline' (default; the newer form) `AADSTS...: msg Trace ID: ... Correlation ID: ... Timestamp: ...`
   * on one line, or 'crlf' (older) `AADSTS...: msg\r\nTrace ID: ...\r\nCorrelation ID: ...\r\nTimestamp: ...`
   */
  entraErrorStyle?: 'crlf' | 'inline';
  /**
   * cached-token mode of IMDS, App Service and Arc: a token is reused until it expires,
   * `remainingSeconds` (default 3600, under the 2 h at which SDKs refresh early) after it was
   * first handed out; `expires_on` and the token's exp say so, `expires_in` still says
   * `expiresIn` (default '86399'; App Service then also sends expires_in).
   */
  managedIdentityCache?: { remainingSeconds?: number; expiresIn?: string | number };
  /** the tiny Resource Manager: subscriptions GET /subscriptions lists ([] for none); onLog gets each log line */
  arm: { subscriptions?: ArmSubscription[]; onLog?: (line: string) => void };
}

/**
 * Throttle spec. The original form `{ limit, windowMs = 1000, retryAfterSeconds = 1 }` keeps its
 * meaning. On the `keyvault` target the defaults are Key Vault's: windowMs 10_000, per vault,
 * no Retry-After; a Key Vault 429 is Key Vault's own body (code Throttled, no innererror).
 * 429s never count toward the limit.
 *   fake.throttle('keyvault', { perWindow: 40, windowMs: 1000 })           // real: no Retry-After
 *   fake.throttle('keyvault', { perWindow: 40, window: 'sliding', retryAfter: 2 })
 */
export interface ThrottleSpec {
  /** requests admitted per window (alias: limit) */
  perWindow?: number;
  limit?: number;
  windowMs?: number;
  /** 'fixed' (default) windows, or 'sliding': at most N in any windowMs */
  window?: 'fixed' | 'sliding';
  /** Retry-After seconds; present and undefined = no header */
  retryAfter?: number | string | undefined;
  /** older name of retryAfter */
  retryAfterSeconds?: number;
  /** count each vault apart (default: true on `keyvault`, false elsewhere) */
  perVault?: boolean;
}

export interface FakeAzureOptions extends Partial<Omit<Scenario, 'github' | 'managedIdentity' | 'arm'>> {
  /** merged key by key into the default github config */
  github?: Partial<GithubConfig>;
  managedIdentity?: Partial<Scenario['managedIdentity']>;
  arm?: Partial<Scenario['arm']>;
  /** also start the HTTPS listener and the proxy */
  tls?: boolean;
  /** epoch ms, default Date.now */
  clock?: () => number;
}

/**
 * A fault. Faults on a route are taken in the order they were added.
 * A custom body is sent as is (an object as JSON, a string as text): for hostile Entra errors,
 *   fake.fault('entra', { status: 400, body: fake.entra.errorBody({ code: 700213, error: 'invalid_request',
 *     message: 'No match.\n::save-state name=token-file::/etc/passwd\r\n::add-mask::x' }) })
 * IMDS answering 500 once, then never again:
 *   fake.fault('imds', { status: 500, thenHang: true })
 */
export interface FaultSpec {
  status?: number;
  retryAfter?: string | number;
  body?: unknown;
  /** extra headers on a `status` answer */
  headers?: Record<string, string>;
  /** after this fault's `times`, hang every later matching request (until clearFaults) */
  thenHang?: boolean;
  /** requests affected, default 1; Infinity for persistent */
  times?: number;
  latencyMs?: number;
  reset?: boolean;
  truncate?: boolean;
  html?: boolean;
  hang?: boolean;
  /** a substring of the path, or a predicate on the request */
  match?:
    | string
    | ((request: {
        method: string;
        path: string;
        query: Record<string, string>;
        headers: Record<string, string | string[] | undefined>;
        form?: Record<string, string>;
      }) => boolean);
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
  fault(route: FaultTarget, spec: FaultSpec): void;
  /** several faults for one route, taken in order: faultSequence('imds', [{ status: 500 }, { hang: true, times: Infinity }]) */
  faultSequence(route: FaultTarget, specs: FaultSpec[]): void;
  /** replaces the target's throttle; clearFaults() removes it */
  throttle(route: FaultTarget, spec: ThrottleSpec): void;
  clearFaults(): void;
  vaultUrl(name: string): string;
  addVault(name: string, config?: VaultConfig): Promise<string>;
  vault(name: string):
    | {
        name: string;
        tenantId: string;
        readers: string[] | undefined;
        challenge: NonNullable<VaultConfig['challenge']>;
        listing: ListingOptions;
        secrets: Map<string, unknown>;
      }
    | undefined;
  setSecret(vaultName: string, name: string, spec: SecretSpec): void;
  github: {
    issuer: string;
    requestToken: string;
    idTokenUrl: string;
    mintToken(overrides?: Record<string, unknown>): string;
    publicKey: KeyObject;
  };
  entra: {
    tokenUrl(tenant?: string): string;
    mintAccessToken(request: AccessTokenRequest): string;
    /** a real-shaped error body (error, error_description in the scenario's style, error_codes, trace_id, ...); `message` is used verbatim */
    errorBody(spec: {
      code: number;
      error: string;
      message: string;
      style?: 'crlf' | 'inline';
      correlationId?: string;
      traceId?: string;
    }): Record<string, unknown>;
    publicKey: KeyObject;
  };
  /**
   * The tiny Resource Manager (route 'arm'): GET /subscriptions and GET /tenants with a bearer
   * token of the fake Entra for https://management.azure.com or https://management.core.windows.net
   * (401 otherwise), on `url` (plain listener, by path) and on management.azure.com (proxy + TLS).
   * `log` has one line per request, served or not: "GET host/path?query -> status (note)".
   */
  arm: { url: string; host: string; log: string[] };
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
export function signJwt(
  header: Record<string, unknown> & { alg: 'RS256' | 'PS256' },
  payload: Record<string, unknown>,
  key: KeyObject | string
): string;

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
  readonly githubImmutableSubject: string;
  readonly githubRequestToken: string;
  readonly federatedAudience: string;
  readonly identityHeader: string;
  readonly systemIdentity: Identity;
  readonly userIdentity: Identity;
  readonly vaultName: string;
  readonly subscriptionId: string;
  readonly secrets: Readonly<Record<'db-password' | 'api-key' | 'tls-key' | 'connection-string' | '2fa-seed', string>>;
  readonly disabledSecret: string;
  readonly expiredSecret: string;
};
