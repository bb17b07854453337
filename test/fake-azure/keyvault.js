/**
 * Key Vault secrets data plane (§5): get (latest or a version), list with nextLink paging,
 * the 401 bearer challenge, token checks, RBAC readers, and the real error bodies. A vault's
 * `listing` options (or the scenario's `keyVaultListing`) reproduce the real listing shapes and
 * hostile ones: see ListingOptions in server.d.ts.
 */
import crypto from 'node:crypto';
import { decodeJwt, nowSeconds, verifyJwtSignature } from './jwt.js';
import { send } from './respond.js';

const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;
const MAX_PAGE = 25;
/**
 * The api-version a nextLink carries unless the listing options say otherwise ('echo' = the
 * caller's): 7.2, as on the 7.5 call of the spec's example.
 * Source: Azure/azure-rest-api-specs specification/keyvault/data-plane/Microsoft.KeyVault/stable/7.5/examples/GetSecrets-example.json
 */
const DEFAULT_NEXT_LINK_API_VERSION = '7.2';

/** Cloud of a vault host: token resource and the authority its challenge names (§2 clouds table). */
export const VAULT_CLOUDS = Object.freeze([
  { suffix: '.vault.azure.net', resource: 'https://vault.azure.net', authority: 'https://login.microsoftonline.com' },
  { suffix: '.vault.usgovcloudapi.net', resource: 'https://vault.usgovcloudapi.net', authority: 'https://login.microsoftonline.us' },
  { suffix: '.vault.azure.cn', resource: 'https://vault.azure.cn', authority: 'https://login.chinacloudapi.cn' }
]);

function kvError(code, message, innerCode) {
  return { error: { code, message, ...(innerCode ? { innererror: { code: innerCode } } : {}) } };
}

/**
 * The headers Key Vault puts on every answer, errors and 429s included.
 * Source: quoted in vcsjones/AzureSignTool#219 (the x-ms-keyvault-* headers of a real 429).
 */
export function keyVaultHeaders() {
  return {
    'cache-control': 'no-cache',
    'x-ms-request-id': crypto.randomUUID(),
    'x-ms-keyvault-region': 'eastus',
    'x-ms-keyvault-service-version': '1.9.2179.1',
    'x-ms-keyvault-network-info': 'conn_type=Ipv4;addr=127.0.0.1;act_addr_fam=InterNetwork;'
  };
}

/**
 * Key Vault's own 429 body: code Throttled, no innererror.
 * Source: quoted in vcsjones/AzureSignTool#219. The reference quotes the message only in part
 * ("Operations per second for this vault is over the limit ... VaultRequestTypeLimitReached
 * ..."); the text between and after those fragments is the fake's filler.
 */
export function keyVaultThrottledBody(vaultName, { limit, windowMs }) {
  return {
    error: {
      code: 'Throttled',
      message: `Operations per second for this vault is over the limit. Vault: ${vaultName};location=eastus;Type: VaultRequestTypeLimitReached;Limit: ${limit} requests per ${windowMs / 1000} seconds.`
    }
  };
}

function newVersionId() {
  return crypto.randomBytes(16).toString('hex');
}

export function createVaults({ scenario, clock, keys }) {
  const vaults = new Map();
  const startedAt = nowSeconds(clock);

  /**
   * One version of a secret from config: a string value or {value, enabled, exp, nbf,
   * contentType, tags, managed, kid}. `managed: true` makes it certificate-backed: contentType
   * defaults to application/x-pkcs12 and GET serves `kid` and `managed`.
   */
  function toVersion(spec) {
    const s = typeof spec === 'string' ? { value: spec } : spec;
    return {
      id: s.version ?? newVersionId(),
      value: s.value,
      managed: s.managed === true,
      kid: s.kid,
      contentType: s.contentType ?? (s.managed === true ? 'application/x-pkcs12' : undefined),
      tags: s.tags ?? {},
      enabled: s.enabled ?? true,
      nbf: s.nbf,
      exp: s.exp,
      created: s.created ?? startedAt,
      updated: s.updated ?? startedAt
    };
  }

  /** Sets a secret: its `versions` (oldest first) then the spec itself as the latest. */
  function setSecret(vault, name, spec) {
    const key = name.toLowerCase();
    const previous = vault.secrets.get(key)?.versions ?? [];
    const older = typeof spec === 'object' && Array.isArray(spec.versions) ? spec.versions.map(toVersion) : [];
    vault.secrets.set(key, { name, versions: [...previous, ...older, toVersion(spec)] });
  }

  /** Creates (or reconfigures) a vault: { secrets, readers, tenantId, resource, challenge, pageSize, listing }. */
  function addVault(name, config = {}) {
    const vault = {
      name,
      tenantId: config.tenantId ?? scenario.tenants[0].id,
      resource: config.resource,
      readers: config.readers,
      challenge: config.challenge ?? {},
      pageSize: config.pageSize,
      listing: config.listing ?? {},
      secrets: new Map()
    };
    for (const [secretName, spec] of Object.entries(config.secrets ?? {})) setSecret(vault, secretName, spec);
    vaults.set(name.toLowerCase(), vault);
    return vault;
  }

  for (const [name, config] of Object.entries(scenario.vaults ?? {})) addVault(name, config);

  function cloudOf(host) {
    return VAULT_CLOUDS.find(c => host.toLowerCase().split(':')[0].endsWith(c.suffix)) ?? VAULT_CLOUDS[0];
  }

  function expectedResource(vault, host) {
    return vault.resource ?? cloudOf(host).resource;
  }

  /** §5 challenge: `Bearer authorization="<authority>/<tenant>", resource="<resource>"`. */
  function challengeHeader(vault, host) {
    const authority = vault.challenge.authority ?? cloudOf(host).authority;
    const tenantId = vault.challenge.tenantId ?? vault.tenantId;
    const resource = vault.challenge.resource ?? expectedResource(vault, host);
    return `Bearer authorization="${authority}/${tenantId}", resource="${resource}"`;
  }

  /** The caller's token claims, or the 401 message explaining why the token is refused. */
  function authenticate(vault, info) {
    const bearer = /^Bearer\s+(.+)$/i.exec(info.headers.authorization ?? '')?.[1];
    if (!bearer) return { refusal: 'AKV10000: Request is missing a Bearer or PoP token.' };
    const jwt = decodeJwt(bearer);
    if (!jwt || !verifyJwtSignature(jwt, keys.entra.publicKey))
      return { refusal: 'AKV10046: Unable to resolve the key used for signature validation.' };
    const claims = jwt.payload;
    if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds(clock)) return { refusal: 'AKV10017: The token has expired.' };
    const resource = expectedResource(vault, info.host);
    if (claims.aud !== resource && claims.aud !== `${resource}/`) {
      return { refusal: `AKV10022: Invalid audience. Expected ${resource}, found: ${claims.aud}.` };
    }
    if (claims.tid !== vault.tenantId) {
      return { refusal: `AKV10032: Invalid issuer. Expected one of https://sts.windows.net/${vault.tenantId}/, found: ${claims.iss}.` };
    }
    return { claims };
  }

  function forbiddenByRbac(vault, claims, action, scope) {
    return kvError(
      'Forbidden',
      `Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: appid=${claims.appid};oid=${claims.oid};iss=${claims.iss}\r\nAction: '${action}'\r\nResource: '/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourcegroups/rg-octo/providers/microsoft.keyvault/vaults/${vault.name}${scope}'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: 'DeniedWithNoValidRBAC' \r\nVault: ${vault.name};location=eastus\r\n`,
      'ForbiddenByRbac'
    );
  }

  function attributesOf(version) {
    const attributes = { enabled: version.enabled };
    if (version.nbf !== undefined) attributes.nbf = version.nbf;
    if (version.exp !== undefined) attributes.exp = version.exp;
    return {
      ...attributes,
      created: version.created,
      updated: version.updated,
      recoveryLevel: 'Recoverable+Purgeable',
      recoverableDays: 90
    };
  }

  function describe(version) {
    return { ...(version.contentType ? { contentType: version.contentType } : {}), attributes: attributesOf(version), tags: version.tags };
  }

  /**
   * The key behind a certificate-backed secret: {vault}/keys/{name}/{version}.
   * Source: Azure/azure-sdk-for-js sdk/keyvault/keyvault-secrets/recordings/node/secret_client__list_secrets_in_various_ways/
   */
  function kidOf(origin, secret, version) {
    return version.kid ?? `${origin}/keys/${secret.name}/${version.id}`;
  }

  /** Runs the checks every vault request shares; returns the caller's claims, or undefined once it answered. */
  function admit(vault, info, res, action, scope) {
    // The Key Vault headers are already set by the server, before faults and throttling.
    if (!info.query['api-version']) {
      send(res, 400, kvError('BadParameter', 'The request URI must contain an api-version query parameter.'));
      return undefined;
    }
    const { claims, refusal } = authenticate(vault, info);
    if (!claims) {
      send(res, 401, kvError('Unauthorized', refusal), { 'www-authenticate': challengeHeader(vault, info.host) });
      return undefined;
    }
    if (vault.readers && !vault.readers.includes(claims.oid)) {
      send(res, 403, forbiddenByRbac(vault, claims, action, scope));
      return undefined;
    }
    return claims;
  }

  /** GET /secrets/{name}[/{version}] */
  function handleGet(vault, info, res, origin, name, versionId) {
    if (!admit(vault, info, res, 'Microsoft.KeyVault/vaults/secrets/getSecret/action', `/secrets/${name}`)) return;
    if (!SECRET_NAME.test(name)) {
      send(res, 400, kvError('BadParameter', `The request URI contains an invalid name: ${name}`));
      return;
    }
    const secret = vault.secrets.get(name.toLowerCase());
    const version = versionId ? secret?.versions.find(v => v.id === versionId.toLowerCase()) : secret?.versions.at(-1);
    if (!secret || !version) {
      const what = versionId ? `${name}/${versionId}` : name;
      send(
        res,
        404,
        kvError(
          'SecretNotFound',
          `A secret with (name/id) ${what} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`
        )
      );
      return;
    }
    if (!version.enabled) {
      send(res, 403, kvError('Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled'));
      return;
    }
    // Key Vault serves expired and not-yet-valid secrets; callers judge `attributes` themselves.
    const certificate = version.managed ? { kid: kidOf(origin, secret, version), managed: true } : {};
    send(res, 200, { value: version.value, id: `${origin}/secrets/${secret.name}/${version.id}`, ...describe(version), ...certificate });
  }

  /** The listing options in force for a vault: the scenario's keyVaultListing, then the vault's own. */
  function listingOf(vault) {
    return { ...(scenario.keyVaultListing ?? {}), ...(vault.listing ?? {}) };
  }

  /**
   * A listing item: no value; `managed: true` for a certificate-backed secret (its `kid` only
   * with the `itemKid` option: the REST spec's SecretItem has no kid).
   * Source: Azure/azure-sdk-for-js sdk/keyvault/keyvault-secrets/recordings/node/secret_client__list_secrets_in_various_ways/
   */
  function listItem(origin, secret, listing) {
    const latest = secret.versions.at(-1);
    const item = { id: `${origin}/secrets/${secret.name}`, ...describe(latest) };
    if (latest.managed) {
      item.managed = true;
      if (listing.itemKid) item.kid = kidOf(origin, secret, latest);
    }
    return item;
  }

  /** GET /secrets?maxresults=N, paged by an absolute nextLink with $skiptoken (§5). */
  function handleList(vault, info, res, origin) {
    if (!admit(vault, info, res, 'Microsoft.KeyVault/vaults/secrets/readMetadata/action', '')) return;
    const maxResults = info.query.maxresults === undefined ? undefined : Number(info.query.maxresults);
    if (maxResults !== undefined && !(Number.isInteger(maxResults) && maxResults >= 1 && maxResults <= MAX_PAGE)) {
      send(res, 400, kvError('BadParameter', `invalid maxresults: ${info.query.maxresults}. The value must be between 1 and ${MAX_PAGE}.`));
      return;
    }
    const position = parseSkipToken(info.query.$skiptoken);
    if (position === undefined) {
      send(res, 400, kvError('BadParameter', 'The $skiptoken is not valid.'));
      return;
    }
    const listing = listingOf(vault);
    const all = [...vault.secrets.values()].sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
    if (listing.endlessBody) {
      streamEndlessBody(
        res,
        all[0] ? listItem(origin, all[0], listing) : { id: `${origin}/secrets/endless`, attributes: { enabled: true } }
      );
      return;
    }
    const { offset, page } = position;
    const pageSize = Math.min(maxResults ?? MAX_PAGE, vault.pageSize ?? scenario.keyVaultPageSize ?? MAX_PAGE);
    const emptyIndices = Array.isArray(listing.emptyPages) ? listing.emptyPages : [];
    const withoutValue = Array.isArray(listing.withoutValue) ? listing.withoutValue : [];
    const laterSpecialPage = [...emptyIndices, ...withoutValue].some(index => index > page);
    // Source: Azure/azure-sdk-for-js sdk/keyvault/keyvault-secrets/recordings/node/secret_client__list_secrets_in_various_ways/
    // (empty middle pages: "value":[] with a nextLink; the last page has "nextLink": null).
    const empty = (listing.emptyPages === 'between' && page % 2 === 1) || emptyIndices.includes(page) || withoutValue.includes(page);
    const items = empty ? [] : all.slice(offset, offset + pageSize);
    const nextOffset = offset + items.length;
    const more = nextOffset < all.length || laterSpecialPage || listing.endlessPages === true;
    const value = items.map(secret => listItem(origin, secret, listing));
    if (listing.repeatItem > 0) {
      const repeated = value[0] ?? (all[0] ? listItem(origin, all[0], listing) : undefined);
      if (repeated) for (let i = 0; i < listing.repeatItem; i += 1) value.push(repeated);
    }
    const body = withoutValue.includes(page) ? {} : { value };
    body.nextLink = more ? nextLink(origin, info, { offset: nextOffset, page: page + 1 }, listing) : null;
    const json = JSON.stringify(body);
    const padding = Math.max(0, (listing.hugeBodyBytes ?? 0) - Buffer.byteLength(json));
    // Whitespace after the object keeps the huge body valid JSON.
    send(res, 200, padding > 0 ? json + ' '.repeat(padding) : json, { 'content-type': 'application/json; charset=utf-8' });
  }

  /**
   * Like the real service: absolute, explicit :443 on https (a loopback listener's own origin,
   * port included), an opaque $skiptoken, and, as the listing options say, another api-version
   * and maxresults dropped or replaced.
   * Source: Azure/azure-rest-api-specs specification/keyvault/data-plane/Microsoft.KeyVault/stable/7.5/examples/GetSecrets-example.json
   * (nextLink "https://...:443/secrets?api-version=7.2&$skiptoken=...&maxresults=1" on a 7.5 call).
   */
  function nextLink(origin, info, position, listing) {
    const linkOrigin = origin.startsWith('https://') && !/:\d+$/.test(origin) ? `${origin}:443` : origin;
    const token = Buffer.from(JSON.stringify(position)).toString('base64url');
    const version = listing.nextLinkApiVersion ?? DEFAULT_NEXT_LINK_API_VERSION;
    const apiVersion = version === 'echo' ? info.query['api-version'] : version;
    const wanted = listing.nextLinkMaxResults ?? 'echo';
    const max = wanted === 'drop' ? undefined : wanted === 'echo' ? info.query.maxresults : wanted;
    return `${linkOrigin}/secrets?api-version=${apiVersion}&$skiptoken=${token}${max === undefined ? '' : `&maxresults=${max}`}`;
  }

  /** Routes a vault request by path; returns {route, handle} or null. */
  function resolve(vault, info) {
    const origin = `${info.scheme}://${info.host}`;
    const parts = info.path.split('/').filter(Boolean);
    if (parts[0] !== 'secrets' || parts.length > 3) return null;
    if (parts.length === 1) return { route: 'keyvault-list', vault: vault.name, handle: res => handleList(vault, info, res, origin) };
    return {
      route: 'keyvault-get',
      vault: vault.name,
      handle: res => handleGet(vault, info, res, origin, decodeURIComponent(parts[1]), parts[2])
    };
  }

  return {
    get: name => vaults.get(name.toLowerCase()),
    addVault,
    setSecret: (vaultName, name, spec) => setSecret(vaults.get(vaultName.toLowerCase()) ?? addVault(vaultName), name, spec),
    resolve,
    cloudOf
  };
}

/** The {offset, page} a $skiptoken carries; {0, 0} for the first page, undefined when it is not ours. */
function parseSkipToken(token) {
  if (token === undefined) return { offset: 0, page: 0 };
  try {
    const { offset, page } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    return Number.isInteger(offset) && offset >= 0 && Number.isInteger(page) && page >= 0 ? { offset, page } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A listing that never ends: `{"value":[` and then the same item over and over, written as fast
 * as the client reads, until it disconnects (or the fake closes).
 */
function streamEndlessBody(res, item) {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  const piece = Buffer.from(`${JSON.stringify(item)},`.repeat(64));
  let open = true;
  res.once('close', () => {
    open = false;
  });
  const pump = () => {
    while (open) {
      if (!res.write(piece)) {
        res.once('drain', pump);
        return;
      }
    }
  };
  res.write('{"value":[');
  pump();
}
