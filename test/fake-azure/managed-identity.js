/**
 * Managed identity endpoints (§3): App Service / Functions / Container Apps (/msi/token),
 * VM IMDS (/metadata/identity/oauth2/token) and Azure Arc (/arc/token, with its key-file
 * challenge). A request without a selector gets the system-assigned identity.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nowSeconds } from './jwt.js';
import { send } from './respond.js';

const MI_TOKEN_LIFETIME = 86399;

/** Query parameters that select a user-assigned identity, and the identity field each names. */
const SELECTORS = {
  client_id: 'clientId',
  object_id: 'objectId',
  principal_id: 'objectId',
  msi_res_id: 'resourceId',
  mi_res_id: 'resourceId'
};

/** The contents of `file` when it is a regular file (never opening a FIFO or a device), else undefined. */
function regularFileText(file) {
  try {
    return fs.statSync(file).isFile() ? fs.readFileSync(file, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

export function createManagedIdentity({ scenario, clock, entra }) {
  const ownsKeyDir = scenario.arcKeyDir === undefined;
  const arcKeyDir = scenario.arcKeyDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'fake-azure-arc-'));
  const arcKeys = new Set();

  /** The identity the query selects, or a reason it selects none (`ambiguous`: several user-assigned, no system-assigned). */
  function selectIdentity(query) {
    const given = Object.keys(SELECTORS).filter(name => query[name] !== undefined);
    if (given.length > 1) return { reason: `Only one of ${given.join(', ')} may be given.` };
    if (given.length === 0) {
      const system = scenario.managedIdentities.find(mi => mi.system);
      if (system) return { identity: system };
      const ambiguous = scenario.managedIdentities.filter(mi => !mi.system).length > 1;
      return { ambiguous, reason: 'No system-assigned managed identity is enabled on this resource.' };
    }
    const [name] = given;
    const field = SELECTORS[name];
    const wanted = String(query[name]).toLowerCase();
    const identity = scenario.managedIdentities.find(mi => String(mi[field] ?? '').toLowerCase() === wanted);
    return identity ? { identity } : { reason: `No managed identity with ${name} '${query[name]}' is assigned to this resource.` };
  }

  /** Tokens the endpoints hand out again in the cached-token mode, by endpoint, identity and resource. */
  const cache = new Map();

  /**
   * A token for `identity`. Normally fresh (86399 s). In the cached-token mode
   * (scenario.managedIdentityCache = { remainingSeconds }) the endpoint answers from its cache,
   * as IMDS and App Service do (tokens cached up to 24 h): the token expires `remainingSeconds`
   * after it was first handed out, `exp` = `expires_on`, while `expires_in` still says 86399.
   * Source: Azure/azure-sdk-for-js PR #8591 / issue #6643; MicrosoftDocs/azure-docs#67361.
   */
  function issue(kind, identity, resource) {
    const now = nowSeconds(clock);
    const cached = scenario.managedIdentityCache;
    const key = `${kind} ${identity.clientId} ${resource}`;
    if (cached) {
      const hit = cache.get(key);
      if (hit && hit.exp > now) return { ...hit, now, expiresIn: String(cached.expiresIn ?? MI_TOKEN_LIFETIME) };
    }
    const lifetime = cached ? Math.min(cached.remainingSeconds ?? 3600, MI_TOKEN_LIFETIME) : MI_TOKEN_LIFETIME;
    const token = entra.mintAccessToken({
      tenantId: scenario.managedIdentity.tenantId,
      resource,
      clientId: identity.clientId,
      objectId: identity.objectId,
      lifetime,
      claims: { appidacr: '2', xms_mirid: identity.resourceId }
    });
    const minted = { token, exp: now + lifetime, notBefore: now, expiresOn: String(now + lifetime) };
    if (cached) cache.set(key, minted);
    return { ...minted, now, expiresIn: String(cached ? (cached.expiresIn ?? MI_TOKEN_LIFETIME) : lifetime) };
  }

  /** App Service: X-IDENTITY-HEADER, api-version 2019-08-01; errors as {statusCode, message, correlationId}. */
  function handleAppService(info, res) {
    const appServiceError = (status, message) => send(res, status, { statusCode: status, message, correlationId: crypto.randomUUID() });
    if (info.headers['x-identity-header'] !== scenario.managedIdentity.identityHeader) {
      return appServiceError(400, 'The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.');
    }
    if (info.query['api-version'] !== '2019-08-01')
      return appServiceError(400, `Unsupported api-version '${info.query['api-version'] ?? ''}'.`);
    const resource = info.query.resource;
    if (!resource) return appServiceError(400, "The 'resource' query parameter is required.");
    const { identity, reason, ambiguous } = selectIdentity(info.query);
    // Several user-assigned identities, no system-assigned one, no selector.
    // Source: Azure/azure-sdk-for-net#43691; microsoft/azure-container-apps#442
    if (ambiguous) return appServiceError(400, 'Unable to load the proper Managed Identity.');
    if (!identity) return appServiceError(400, reason);
    if (!entra.isKnownResource(resource))
      return appServiceError(400, `AADSTS500011: The resource principal named ${resource} was not found in the tenant.`);
    const { token, expiresOn, expiresIn } = issue('app-service', identity, resource);
    // Source: MicrosoftDocs/azure-docs articles/app-service/overview-managed-identity.md (expires_on an epoch-seconds string)
    const stale = scenario.managedIdentityCache ? { expires_in: expiresIn } : {};
    send(res, 200, { access_token: token, expires_on: expiresOn, ...stale, resource, token_type: 'Bearer', client_id: identity.clientId });
  }

  /** IMDS and Arc share the token request and the {error, error_description} errors. */
  function imdsStyleToken(kind, info, res, apiVersions) {
    const imdsError = (status, error, description) => send(res, status, { error, error_description: description });
    if (info.query['api-version'] === undefined)
      return imdsError(400, 'invalid_request', "Required query variable 'api-version' is missing");
    if (!apiVersions.includes(info.query['api-version']))
      return imdsError(400, 'invalid_request', `Invalid api-version '${info.query['api-version']}'`);
    const resource = info.query.resource;
    if (!resource) return imdsError(400, 'invalid_request', "Required query variable 'resource' is missing");
    const { identity, reason } = selectIdentity(info.query);
    if (!identity) return imdsError(400, 'invalid_request', `Identity not found. ${reason}`);
    if (!entra.isKnownResource(resource)) {
      return imdsError(400, 'invalid_resource', `AADSTS500011: The resource principal named ${resource} was not found in the tenant.`);
    }
    const { token, notBefore, expiresOn, expiresIn } = issue(kind, identity, resource);
    send(res, 200, {
      access_token: token,
      refresh_token: '',
      expires_in: expiresIn,
      expires_on: expiresOn,
      not_before: String(notBefore),
      resource,
      token_type: 'Bearer',
      client_id: identity.clientId
    });
  }

  /** IMDS requires `Metadata: true` (bad_request_102); a bare probe gets that 400 at once (§3). */
  function handleImds(info, res) {
    if (info.headers.metadata !== 'true') {
      send(res, 400, { error: 'invalid_request', error_description: 'Required metadata header not specified' });
      return;
    }
    imdsStyleToken('imds', info, res, ['2018-02-01', '2019-08-01']);
  }

  /**
   * Arc: 401 naming a fresh key file, then Basic <file contents> (§3).
   * Source: msal-node src/client/ManagedIdentitySources/AzureArc.ts (401 + WWW-Authenticate: Basic realm=<path>).
   * With scenario.arcRealm (a path, or a function returning one) the challenge names that path
   * instead, as given: a FIFO, a symlink out of the key directory, a directory... The fake
   * writes nothing then; a Basic value equal to the named file's contents (when it is a regular
   * file) is accepted.
   */
  function handleArc(info, res) {
    if (info.headers.metadata !== 'true') {
      send(res, 400, { error: 'invalid_request', error_description: 'Required metadata header not specified' });
      return;
    }
    const realm = typeof scenario.arcRealm === 'function' ? scenario.arcRealm() : scenario.arcRealm;
    const presented = /^Basic (.+)$/.exec(info.headers.authorization ?? '')?.[1];
    if (presented === undefined || !(arcKeys.has(presented) || (realm !== undefined && presented === regularFileText(realm)))) {
      const keyFile = realm ?? writeArcKey();
      send(
        res,
        401,
        { error: 'unauthorized_client', error_description: 'A valid key is required: read the file named in WWW-Authenticate.' },
        {
          'www-authenticate': `Basic realm=${keyFile}`
        }
      );
      return;
    }
    imdsStyleToken('arc', info, res, ['2020-06-01', '2019-11-01']);
  }

  const writtenKeys = [];
  function writeArcKey() {
    const key = crypto.randomBytes(32).toString('hex');
    const file = path.join(arcKeyDir, `${crypto.randomBytes(8).toString('hex')}.key`);
    fs.writeFileSync(file, key, { mode: 0o600 });
    arcKeys.add(key);
    writtenKeys.push(file);
    return file;
  }

  /** Removes the key directory it made, or, in a directory the test gave, only the key files it wrote. */
  function close() {
    if (ownsKeyDir) fs.rmSync(arcKeyDir, { recursive: true, force: true });
    else for (const file of writtenKeys) fs.rmSync(file, { force: true });
  }

  return { handleAppService, handleImds, handleArc, arcKeyDir, close };
}
