/**
 * The token endpoint's wire protocol, as pure functions: which requests it answers, and what it
 * answers. It speaks the App Service managed identity protocol in its two versions
 * (docs/protocol.md#managed-identity-sources), as the later steps' clients send them and with
 * the fields they read (docs/later-steps.md#what-the-clients-send-and-read, measured with Azure
 * CLI 2.45, Python azure-identity 1.13 and @azure/identity 4.13).
 *
 * Every error is JSON `{"error","error_description"}` (@azure/identity reports a body that is not
 * JSON as "Network unreachable"), and never 404 or 410 for a request it understood:
 * @azure/identity retries those five times.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AccessToken } from '../core/token.js';

/** The path of IDENTITY_ENDPOINT and MSI_ENDPOINT; it answers with and without a trailing `/` (Azure CLI 2.45 adds one). */
export const TOKEN_PATH = '/msi/token';
/** Stops the endpoint (the post step): answers its statistics, then the process exits. */
export const SHUTDOWN_PATH = '/shutdown';

/** 2019-08-01: IDENTITY_ENDPOINT + `X-IDENTITY-HEADER`; 2017-09-01: MSI_ENDPOINT + `secret` (Azure CLI before 2.73). */
type ApiVersion = '2019-08-01' | '2017-09-01';

export interface EndpointRequest {
  readonly method: string;
  /** The request target as received: a path and query (or, through a proxy, an absolute URL). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** What the endpoint knows of itself. */
export interface EndpointIdentity {
  readonly port: number;
  /** The value of IDENTITY_HEADER, which is also MSI_SECRET. */
  readonly secret: string;
  /** The identity's own client id: the only one a request may ask for. */
  readonly clientId: string;
}

export interface Answer {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
  readonly headers?: Readonly<Record<string, string>>;
}

type Decision =
  | { readonly kind: 'token'; readonly version: ApiVersion; readonly resource: string }
  | { readonly kind: 'shutdown' }
  | { readonly kind: 'refused'; readonly answer: Answer };

/** A resource is one URI or GUID: printable ASCII without spaces or commas, of a sane length. */
const RESOURCE = /^[\x21-\x2b\x2d-\x7e]{1,2000}$/;

/** Headers a proxy adds: a request that passed through one did not come straight from this machine's later steps. */
const FORWARDED = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip', 'via'];

/** Ways of selecting another identity than by client id: this endpoint has one identity, and knows it only by client id. */
const OTHER_SELECTORS = ['object_id', 'principal_id', 'mi_res_id', 'msi_res_id'];

/** Decides what to do with a request: refuse it (and how), mint a token, or shut down. Nothing is minted before every check passed. */
export function decide(request: EndpointRequest, identity: EndpointIdentity): Decision {
  if (request.method !== 'GET') {
    return refuse(
      405,
      'method_not_allowed',
      `Only GET is answered, not ${request.method}. Azure CLI before 2.73 POSTs here when ` +
        `APPSETTING_WEBSITE_SITE_NAME is not set: set it (to any value) on every step that runs az.`,
      { Allow: 'GET' }
    );
  }
  const forwarded = FORWARDED.find(name => request.headers[name] !== undefined);
  if (forwarded) {
    return refuse(
      400,
      'invalid_request',
      `The request came through a proxy (it has a ${forwarded} header); this endpoint answers ` +
        `this machine only. Add 127.0.0.1,localhost to NO_PROXY.`
    );
  }
  const host = request.headers.host?.toLowerCase();
  if (host !== `127.0.0.1:${identity.port}` && host !== `localhost:${identity.port}`) {
    return refuse(400, 'invalid_request', `The Host header must be 127.0.0.1:${identity.port} or localhost:${identity.port}.`);
  }
  const url = parseTarget(request.url, identity.port);
  if (url === undefined) return refuse(400, 'invalid_request', 'The request target is not a URL path.');
  const query = url.searchParams;
  if (url.pathname === SHUTDOWN_PATH) {
    return carries(request.headers['x-identity-header'], identity.secret) ? { kind: 'shutdown' } : unauthorized('2019-08-01');
  }
  if (url.pathname !== TOKEN_PATH && url.pathname !== `${TOKEN_PATH}/`) {
    return refuse(
      404,
      'not_found',
      `There is nothing at ${url.pathname}: the token endpoint is ${TOKEN_PATH} (IDENTITY_ENDPOINT, MSI_ENDPOINT).`
    );
  }

  const versions = query.getAll('api-version');
  // The header that authenticates a request depends on the protocol version it speaks.
  const claimed: ApiVersion = versions[0] === '2017-09-01' ? '2017-09-01' : '2019-08-01';
  const given = claimed === '2017-09-01' ? request.headers['secret'] : request.headers['x-identity-header'];
  if (!carries(given, identity.secret)) return unauthorized(claimed);

  if (versions.length !== 1 || (versions[0] !== '2019-08-01' && versions[0] !== '2017-09-01')) {
    return refuse(
      400,
      'invalid_request',
      'api-version must be 2019-08-01 (IDENTITY_ENDPOINT, header X-IDENTITY-HEADER) or ' +
        '2017-09-01 (MSI_ENDPOINT, header secret), given once.'
    );
  }
  const resources = query.getAll('resource');
  const resource = resources[0];
  if (resources.length !== 1 || resource === undefined || !RESOURCE.test(resource)) {
    return refuse(
      400,
      'invalid_request',
      'The query needs one resource: a resource URI or app ID, e.g. resource=https://management.azure.com.'
    );
  }
  const selector = OTHER_SELECTORS.find(name => query.has(name));
  if (selector) {
    return refuse(
      400,
      'invalid_request',
      `This endpoint serves one identity, client ID ${identity.clientId}: select it by client_id, or not at all (not by ${selector}).`
    );
  }
  const asked = [...query.getAll('client_id'), ...query.getAll('clientid')].find(
    id => id.toLowerCase() !== identity.clientId.toLowerCase()
  );
  if (asked !== undefined) {
    return refuse(
      400,
      'invalid_request',
      `This endpoint serves one identity, client ID ${identity.clientId}, and the request asked for ${printable(asked)}. ` +
        "DefaultAzureCredential asks for AZURE_CLIENT_ID's app when that variable is set: remove " +
        "it from the job's env, or set it to this client ID."
    );
  }
  return { kind: 'token', version: versions[0], resource };
}

/** The token, in the shape each version's clients read (Python needs `resource`, Azure CLI 2.45 `token_type`). */
export function tokenAnswer(version: ApiVersion, resource: string, token: AccessToken, clientId: string): Answer {
  const seconds = Math.floor(token.expiresOn.getTime() / 1000);
  return {
    status: 200,
    body: {
      access_token: token.token,
      // 2019-08-01: epoch seconds as a string. 2017-09-01: the 24-hour form, which Azure CLI 2.45
      // parses and older @azure/identity too (an AM/PM time crashes Azure CLI 2.45).
      expires_on: version === '2019-08-01' ? String(seconds) : twentyFourHourTime(token.expiresOn),
      resource,
      token_type: 'Bearer',
      client_id: clientId
    }
  };
}

/**
 * A token that could not be minted: 500 with the explanation the step itself would have printed
 * (the AADSTS code, its meaning, the fix). 500, not 404 or 410, which @azure/identity retries
 * five times; the text has already been stripped of every secret.
 */
export function mintFailureAnswer(description: string): Answer {
  return { status: 500, body: { error: 'server_error', error_description: description } };
}

/** `MM/DD/YYYY HH:MM:SS +00:00` in UTC. */
export function twentyFourHourTime(date: Date): string {
  const two = (value: number): string => String(value).padStart(2, '0');
  const day = `${two(date.getUTCMonth() + 1)}/${two(date.getUTCDate())}/${date.getUTCFullYear()}`;
  return `${day} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +00:00`;
}

/** What the endpoint did in its life, as the shutdown answers it and the post step prints it. */
export interface EndpointStats {
  /** Tokens answered (200), per resource as requested. */
  readonly served: Readonly<Record<string, number>>;
  /** Requests answered 500: a token could not be minted. */
  readonly failures: number;
  /** Requests refused (400, 401, 404, 405). */
  readonly refused: number;
  /** The endpoint's process id, so the post step can wait until it has exited. */
  readonly pid: number;
}

export function shutdownAnswer(stats: EndpointStats): Answer {
  return { status: 200, body: { served: stats.served, failures: stats.failures, refused: stats.refused, pid: stats.pid } };
}

/** The shutdown answer's statistics, or undefined when the body is not one. */
export function parseShutdownAnswer(body: unknown): EndpointStats | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { served, failures, refused, pid } = body as Record<string, unknown>;
  const count = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
  if (typeof served !== 'object' || served === null || Array.isArray(served) || !count(failures) || !count(refused) || !count(pid))
    return undefined;
  const entries = Object.entries(served as Record<string, unknown>);
  if (!entries.every(([, value]) => count(value))) return undefined;
  return { served: Object.fromEntries(entries) as Record<string, number>, failures, refused, pid };
}

/**
 * Whether a header carries the secret. Compared in constant time: both sides are hashed first,
 * so timingSafeEqual gets buffers of one length and neither the length nor any prefix of the
 * secret can be learnt from how long a refusal takes.
 */
export function carries(given: string | string[] | undefined, secret: string): boolean {
  if (typeof given !== 'string') return false;
  const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(secret));
}

function parseTarget(target: string, port: number): URL | undefined {
  try {
    return new URL(target, `http://127.0.0.1:${port}`);
  } catch {
    return undefined;
  }
}

function unauthorized(version: ApiVersion): Decision {
  const [header, variable] = version === '2017-09-01' ? ['secret', 'MSI_SECRET'] : ['X-IDENTITY-HEADER', 'IDENTITY_HEADER'];
  return refuse(401, 'unauthorized', `The ${header} header is missing or wrong: send the value of ${variable}.`);
}

function refuse(status: number, error: string, description: string, headers?: Record<string, string>): Decision {
  return { kind: 'refused', answer: { status, body: { error, error_description: description }, ...(headers ? { headers } : {}) } };
}

/** A value from the request, quoted back only when it is short printable text. */
function printable(value: string): string {
  return /^[\x20-\x7e]{1,100}$/.test(value) ? `'${value}'` : 'another one';
}
