/**
 * Entra ID v2 token endpoint, client-credentials grant only (§2): tenant, app, scope and
 * resource checks, then one of client secret, federated assertion (GitHub OIDC, §1) or
 * certificate assertion. Errors carry the AADSTS code and body shape of the real service.
 */
import crypto from 'node:crypto';
import { decodeJwt, nowSeconds, signJwt, verifyJwtSignature } from './jwt.js';
import { thumbprints } from './certificates.js';
import { send } from './respond.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const FIC_DOCS = 'https://learn.microsoft.com/entra/workload-id/workload-identity-federation';
const CERT_DOCS = 'https://learn.microsoft.com/entra/identity-platform/certificate-credentials';
const ACCESS_TOKEN_LIFETIME = 3599;
/** error_description form when the scenario names none: the newer one (see entraErrorBody). */
const DEFAULT_ERROR_STYLE = 'inline';

class EntraError extends Error {
  constructor(code, error, message) {
    super(message);
    this.code = code;
    this.error = error;
  }
}

function fail(code, error, message) {
  throw new EntraError(code, error, message);
}

/** "2023-05-06 06:03:00Z", the timestamp format of Entra error bodies. */
function entraTimestamp(ms) {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

function isoTime(seconds) {
  return new Date(seconds * 1000).toISOString().replace('Z', '0000Z');
}

/**
 * The §2 error body, error_description in one of Entra's two forms:
 * - 'crlf': `AADSTS...: message\r\nTrace ID: ...\r\nCorrelation ID: ...\r\nTimestamp: ...`
 *   (the older form, reference-error-codes.md);
 * - 'inline': `AADSTS...: message Trace ID: ... Correlation ID: ... Timestamp: ...` on the same line.
 *   Source: microsoft/Agents#202; Azure/login#453, #482, #517.
 * `message` is used as given, so a test can put hostile text (line breaks, `::` commands) in it.
 */
export function entraErrorBody({ code, error, message, style = 'crlf', clock = Date.now, correlationId, traceId = crypto.randomUUID() }) {
  const timestamp = entraTimestamp(clock());
  const correlation = correlationId ?? crypto.randomUUID();
  const ids =
    style === 'inline'
      ? ` Trace ID: ${traceId} Correlation ID: ${correlation} Timestamp: ${timestamp}`
      : `\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlation}\r\nTimestamp: ${timestamp}`;
  return {
    error,
    error_description: `AADSTS${code}: ${message}${ids}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlation,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`
  };
}

/** The §2 error response; 401 for invalid_client (observed), else 400. */
export function entraErrorResponse(err, { clock, correlationId, style }) {
  return {
    status: err.error === 'invalid_client' ? 401 : 400,
    body: entraErrorBody({ code: err.code, error: err.error, message: err.message, style, clock, correlationId })
  };
}

export function createEntra({ scenario, clock, keys }) {
  function findTenant(segment) {
    const wanted = segment.toLowerCase();
    return scenario.tenants.find(t => t.id.toLowerCase() === wanted || (t.domains ?? []).some(d => d.toLowerCase() === wanted));
  }

  function isKnownResource(resource) {
    const bare = resource.replace(/\/+$/, '');
    return scenario.resources.some(known => known.replace(/\/+$/, '') === bare);
  }

  /** An access token like Entra's v1 app tokens, signed by the fake's Entra key. */
  function mintAccessToken({ tenantId, resource, clientId, objectId, lifetime = ACCESS_TOKEN_LIFETIME, claims = {} }) {
    const now = nowSeconds(clock);
    const payload = {
      aud: resource,
      iss: `https://sts.windows.net/${tenantId}/`,
      iat: now,
      nbf: now,
      exp: now + lifetime,
      appid: clientId,
      azp: clientId,
      appidacr: '1',
      idp: `https://sts.windows.net/${tenantId}/`,
      idtyp: 'app',
      oid: objectId,
      sub: objectId,
      tid: tenantId,
      uti: crypto.randomBytes(16).toString('base64url'),
      ver: '1.0',
      ...claims
    };
    return signJwt({ alg: 'RS256', kid: keys.entra.kid, x5t: keys.entra.x5t }, payload, keys.entra.privateKey);
  }

  /** Checks the whole request and returns the success body, or throws an EntraError. */
  function clientCredentials(tenantSegment, form, basicAuth, endpoint) {
    if (['common', 'organizations', 'consumers'].includes(tenantSegment.toLowerCase())) {
      fail(
        9001023,
        'invalid_request',
        'The grant type is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.'
      );
    }
    const tenant =
      findTenant(tenantSegment) ??
      fail(
        90002,
        'invalid_request',
        `Tenant '${tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`
      );
    const clientId = form.client_id ?? basicAuth?.clientId;
    if (!form.grant_type) fail(900144, 'invalid_request', "The request body must contain the following parameter: 'grant_type'.");
    if (!clientId) fail(900144, 'invalid_request', "The request body must contain the following parameter: 'client_id'.");
    const app =
      tenant.apps.find(a => a.clientId.toLowerCase() === clientId.toLowerCase()) ??
      fail(
        700016,
        'unauthorized_client',
        `Application with identifier '${clientId}' was not found in the directory '${tenant.domains?.[0] ?? tenant.id}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`
      );
    if (form.grant_type !== 'client_credentials')
      fail(70003, 'unsupported_grant_type', `The app requested an unsupported grant type '${form.grant_type}'.`);
    if (form.resource !== undefined) fail(901002, 'invalid_request', "The 'resource' request parameter is not supported.");
    const resource = resourceOfScope(form.scope);
    if (!isKnownResource(resource)) {
      fail(
        500011,
        'invalid_resource',
        `The resource principal named ${resource} was not found in the tenant named ${tenant.domains?.[0] ?? tenant.id}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`
      );
    }
    authenticateClient(app, form, basicAuth, endpoint);
    return {
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_LIFETIME,
      ext_expires_in: ACCESS_TOKEN_LIFETIME,
      access_token: mintAccessToken({ tenantId: tenant.id, resource, clientId: app.clientId, objectId: app.objectId })
    };
  }

  function authenticateClient(app, form, basicAuth, endpoint) {
    if (form.client_assertion !== undefined) return checkAssertion(app, form, endpoint);
    const secret = form.client_secret ?? basicAuth?.secret;
    if (secret !== undefined) return checkSecret(app, secret);
    fail(7000218, 'invalid_client', "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  }

  function checkSecret(app, presented) {
    const match = (app.secrets ?? []).map(normalizeSecret).find(s => s.value === presented);
    if (!match) {
      fail(
        7000215,
        'invalid_client',
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`
      );
    }
    if (match.expiresOn !== undefined && match.expiresOn <= nowSeconds(clock)) {
      fail(
        7000222,
        'invalid_client',
        `The provided client secret keys for app '${app.clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`
      );
    }
  }

  function checkAssertion(app, form, endpoint) {
    if (form.client_assertion_type !== JWT_BEARER) {
      fail(900144, 'invalid_request', "The request body must contain the following parameter: 'client_assertion_type'.");
    }
    const jwt = decodeJwt(form.client_assertion) ?? fail(50027, 'invalid_request', 'JWT token is invalid or malformed.');
    // A certificate assertion is self-issued by the app; anything else is a federated token.
    if (jwt.payload.iss === app.clientId) return checkCertificateAssertion(app, jwt, endpoint);
    return checkFederatedAssertion(app, jwt);
  }

  function checkTimeWindow({ payload }) {
    const now = nowSeconds(clock);
    const tooEarly = typeof payload.nbf === 'number' && payload.nbf > now;
    const expired = typeof payload.exp !== 'number' || payload.exp <= now;
    if (tooEarly || expired) {
      fail(
        700024,
        'invalid_client',
        `Client assertion is not within its valid time range. Current time: ${isoTime(now)}, assertion valid from ${isoTime(payload.nbf ?? payload.iat ?? 0)}, expiry time of assertion ${isoTime(payload.exp ?? 0)}. Review the documentation at ${CERT_DOCS} .`
      );
    }
  }

  /** §1/§2: signature, lifetime, then issuer + subject + audience matched exactly. */
  function checkFederatedAssertion(app, jwt) {
    if (!verifyJwtSignature(jwt, keys.github.publicKey)) fail(700027, 'invalid_client', 'Client assertion failed signature validation.');
    checkTimeWindow(jwt);
    const { iss, sub } = jwt.payload;
    const audiences = [].concat(jwt.payload.aud ?? []);
    const presented = `Presented assertion issuer '${iss}', subject '${sub}', audience '${audiences.join(',')}'.`;
    const byIssuer = (app.federatedCredentials ?? []).filter(f => f.issuer === iss);
    if (byIssuer.length === 0) {
      fail(
        700211,
        'invalid_request',
        `No matching federated identity record found for presented assertion issuer '${iss}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${presented} ${FIC_DOCS}`
      );
    }
    const bySubject = byIssuer.filter(f => f.subject === sub);
    if (bySubject.length === 0) {
      const caseOnly = byIssuer.some(f => String(f.subject).toLowerCase() === String(sub).toLowerCase());
      if (caseOnly) {
        fail(
          7002138,
          'invalid_request',
          `No matching federated identity record found for presented assertion subject '${sub}'. The subject matches with case-insensitive comparison, but not with case-sensitive comparison. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${presented} ${FIC_DOCS}`
        );
      }
      fail(
        700213,
        'invalid_request',
        `No matching federated identity record found for presented assertion subject '${sub}'. Please note that the matching is done using a case-sensitive comparison. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${presented} ${FIC_DOCS}`
      );
    }
    if (!bySubject.some(f => (f.audiences ?? []).some(a => audiences.includes(a)))) {
      fail(
        70021,
        'invalid_request',
        `No matching federated identity record found for presented assertion. Assertion Issuer: '${iss}'. Assertion Subject: '${sub}'. Assertion Audience: '${audiences.join(',')}'. ${FIC_DOCS}`
      );
    }
  }

  /** §2 certificate assertion: PS256 + x5t#S256 (or RS256 + x5t) of a registered certificate. */
  function checkCertificateAssertion(app, jwt, endpoint) {
    const { header, payload } = jwt;
    const registered = (app.certificates ?? []).map(pem => ({ pem, ...thumbprints(pem), x509: new crypto.X509Certificate(pem) }));
    const cert =
      header.alg === 'PS256' && header['x5t#S256']
        ? registered.find(c => c.x5tS256 === header['x5t#S256'])
        : header.alg === 'RS256' && header.x5t
          ? registered.find(c => c.x5t === header.x5t)
          : undefined;
    const presentedThumbprint = Buffer.from(String(header['x5t#S256'] ?? header.x5t ?? ''), 'base64url')
      .toString('hex')
      .toUpperCase();
    if (!cert) {
      fail(
        700027,
        'invalid_client',
        `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${presentedThumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${app.clientId}'. Review the documentation at https://learn.microsoft.com/graph/api/application-addkey .]`
      );
    }
    if (Date.parse(cert.x509.validTo) <= clock()) {
      fail(
        700027,
        'invalid_client',
        `The certificate with identifier used to sign the client assertion is expired on application. [Reason - The key used is expired., Thumbprint of key used by client: '${presentedThumbprint}', Found key 'Start=${cert.x509.validFrom}, End=${cert.x509.validTo}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${app.clientId}'.]`
      );
    }
    if (!verifyJwtSignature(jwt, crypto.createPublicKey(cert.pem)))
      fail(50012, 'invalid_client', 'Client assertion contains an invalid signature.');
    if (payload.sub !== app.clientId)
      fail(700021, 'invalid_client', "Client assertion application identifier doesn't match 'client_id' parameter.");
    if (payload.aud !== endpoint) {
      fail(
        50027,
        'invalid_client',
        `JWT token is invalid or malformed. The client assertion audience '${payload.aud}' is not this token endpoint '${endpoint}'.`
      );
    }
    checkTimeWindow(jwt);
  }

  /** POST /{tenant}/oauth2/v2.0/token; `endpoint` is the exact URL the request was made to. */
  function handleToken(info, res, tenantSegment) {
    const endpoint = `${info.scheme}://${info.host}${info.path}`;
    try {
      if (info.method !== 'POST') fail(900561, 'invalid_request', 'The endpoint only accepts POST requests. Received a GET request.');
      send(res, 200, clientCredentials(tenantSegment, info.form ?? {}, basicCredentials(info.headers), endpoint));
    } catch (err) {
      if (!(err instanceof EntraError)) throw err;
      const style = scenario.entraErrorStyle ?? DEFAULT_ERROR_STYLE;
      const { status, body } = entraErrorResponse(err, { clock, correlationId: info.headers['client-request-id'], style });
      send(res, status, body);
    }
  }

  /** An Entra error body as the scenario's style writes it; for `fake.fault('entra', { body })`. */
  function errorBody(spec) {
    return entraErrorBody({ style: scenario.entraErrorStyle ?? DEFAULT_ERROR_STYLE, clock, ...spec });
  }

  return { handleToken, mintAccessToken, isKnownResource, findTenant, errorBody };
}

function normalizeSecret(secret) {
  return typeof secret === 'string' ? { value: secret } : secret;
}

/** §2: exactly one resource, as `<resource>/.default`. */
function resourceOfScope(scope) {
  if (!scope) fail(900144, 'invalid_request', "The request body must contain the following parameter: 'scope'.");
  const scopes = scope.split(' ').filter(Boolean);
  if (scopes.length > 1) {
    fail(
      700022,
      'invalid_scope',
      `The provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${scope} is not valid.`
    );
  }
  if (!scopes[0]?.endsWith('/.default')) {
    fail(
      70011,
      'invalid_scope',
      `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`
    );
  }
  return scopes[0].slice(0, -'/.default'.length);
}

/** §2: "HTTP Basic is also accepted" (client_id:client_secret, each form-urlencoded). */
function basicCredentials(headers) {
  const match = /^Basic\s+(.+)$/i.exec(headers.authorization ?? '');
  if (!match) return undefined;
  const [id, ...rest] = Buffer.from(match[1], 'base64').toString('utf8').split(':');
  return { clientId: decodeURIComponent(id ?? ''), secret: decodeURIComponent(rest.join(':')) };
}
