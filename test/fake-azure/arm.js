/**
 * A tiny Azure Resource Manager: just enough for `az login --identity --allow-no-subscriptions`
 * and `az account get-access-token` of Azure CLI 2.45, i.e. `GET /subscriptions` and
 * `GET /tenants`. Served on the host management.azure.com (proxy + TLS) and by path on the
 * plain listener. Every request, matched or not, is logged as one line in `log` so that what a
 * real `az` asks for and what the fake answers can be compared; anything else is a 404 naming
 * the request.
 *
 * The bodies are the minimum az reads; the error bodies are ARM's {"error":{"code","message"}}
 * envelope with the fake's own wording (not copied from a recorded response).
 */
import { decodeJwt, nowSeconds, verifyJwtSignature } from './jwt.js';
import { send } from './respond.js';

/** Audiences ARM accepts: az asks for https://management.core.windows.net/, others for https://management.azure.com. */
const ARM_AUDIENCES = ['https://management.azure.com', 'https://management.core.windows.net'];

export function createArm({ scenario, clock, keys }) {
  const log = [];

  /** The configured subscriptions (scenario.arm.subscriptions), each completed to ARM's shape. */
  function subscriptions(tenantId) {
    const configured = scenario.arm?.subscriptions ?? [];
    return configured.map(sub => ({
      id: `/subscriptions/${sub.subscriptionId}`,
      authorizationSource: 'RoleBased',
      managedByTenants: [],
      subscriptionId: sub.subscriptionId,
      tenantId: sub.tenantId ?? tenantId,
      displayName: sub.displayName ?? sub.subscriptionId,
      state: sub.state ?? 'Enabled',
      subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' }
    }));
  }

  /** The caller's claims, or why the token is refused. */
  function authenticate(info) {
    const bearer = /^Bearer\s+(.+)$/i.exec(info.headers.authorization ?? '')?.[1];
    if (!bearer) return { refusal: ['AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing."] };
    const jwt = decodeJwt(bearer);
    if (!jwt || !verifyJwtSignature(jwt, keys.entra.publicKey))
      return { refusal: ['InvalidAuthenticationToken', 'The access token is invalid (not issued by the fake Entra ID).'] };
    const { aud, exp } = jwt.payload;
    if (typeof exp !== 'number' || exp <= nowSeconds(clock))
      return { refusal: ['ExpiredAuthenticationToken', 'The access token has expired.'] };
    if (!ARM_AUDIENCES.includes(String(aud).replace(/\/+$/, ''))) {
      return {
        refusal: [
          'InvalidAuthenticationTokenAudience',
          `The access token has been obtained for wrong audience or resource '${aud}'. It should exactly match with one of the allowed audiences '${ARM_AUDIENCES.map(a => `${a}/`).join("', '")}'.`
        ]
      };
    }
    return { claims: jwt.payload };
  }

  function answer(info, res, status, body, headers = {}, note = '') {
    const query = new URLSearchParams(info.query).toString();
    const line = `${info.method} ${info.host}${info.path}${query ? `?${query}` : ''} -> ${status}${note ? ` (${note})` : ''}`;
    log.push(line);
    scenario.arm?.onLog?.(line);
    send(res, status, body, headers);
  }

  /** GET /subscriptions and GET /tenants; any other ARM request is a logged 404. */
  function handle(info, res) {
    const path = info.path.replace(/\/+$/, '') || '/';
    const known = path === '/subscriptions' || path === '/tenants';
    if (!known || info.method !== 'GET') {
      return answer(
        info,
        res,
        404,
        {
          error: {
            code: 'NotFoundInFakeArm',
            message: `fake-azure's Resource Manager serves only GET /subscriptions and GET /tenants, not ${info.method} ${path}.`
          }
        },
        {},
        'not served'
      );
    }
    if (!info.query['api-version']) {
      return answer(info, res, 400, {
        error: {
          code: 'MissingApiVersionParameter',
          message: 'The api-version query parameter (?api-version=) is required for all requests.'
        }
      });
    }
    const { claims, refusal } = authenticate(info);
    if (!claims) {
      return answer(
        info,
        res,
        401,
        { error: { code: refusal[0], message: refusal[1] } },
        {
          'www-authenticate': `Bearer authorization_uri="https://login.microsoftonline.com/${scenario.tenants[0].id}", error="invalid_token", error_description="${refusal[1].replace(/"/g, "'")}"`
        },
        refusal[0]
      );
    }
    if (path === '/subscriptions') {
      const value = subscriptions(claims.tid);
      return answer(info, res, 200, { value, count: { type: 'Total', value: value.length } });
    }
    return answer(info, res, 200, { value: [{ id: `/tenants/${claims.tid}`, tenantId: claims.tid }] });
  }

  return { handle, log };
}
