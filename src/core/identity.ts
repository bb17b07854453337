/** Who a token belongs to, from its claims, and how its expiry is written for users. */
import { externalText } from './external-text.js';
import { readClaims, stringClaim } from './jwt.js';

/** `tid`, `appid` or `azp`, `oid`: read for display, never trusted for a decision. */
export interface Identity {
  readonly tenantId: string | undefined;
  readonly clientId: string | undefined;
  readonly objectId: string | undefined;
}

export function identityOf(token: string, fallback: { tenantId: string | undefined; clientId: string | undefined }): Identity {
  const claims = readClaims(token);
  const claim = (name: string): string | undefined => {
    const value = stringClaim(claims, name);
    return value === undefined ? undefined : externalText(value, { maxLength: 100 });
  };
  return {
    tenantId: claim('tid') ?? fallback.tenantId,
    clientId: claim('appid') ?? claim('azp') ?? fallback.clientId,
    objectId: claim('oid')
  };
}

/** ISO 8601 in UTC with whole seconds: `2026-11-23T12:34:56Z`. */
export function formatExpiry(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
