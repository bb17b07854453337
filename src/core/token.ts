/**
 * What every credential hands back, and the one strict way to read a token answer's numbers:
 * Entra ID, the managed identity endpoints and the Azure CLI all go through here, so `true`,
 * `[3599]`, `"0x10"` or a lifetime of a million years is refused the same way everywhere.
 */
import { ActionError } from './errors.js';

export interface AccessToken {
  readonly token: string;
  /** From the local time the request started + `expires_in`, or the endpoint's `expires_on`. */
  readonly expiresOn: Date;
}

/** No Azure token lives longer than a day or so; a longer claimed lifetime is a broken answer. */
const MAX_TOKEN_LIFETIME_S = 30 * 24 * 3600;

/**
 * A count of seconds: a finite non-negative number, or a string of decimal digits (Entra ID and
 * the managed identity endpoints send both, protocol.md#token-response and #managed-identity-responses). Anything else is undefined.
 */
function readSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value === 'string' && /^\s*\d{1,15}(\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

/** `startedAt + expires_in`, when `expires_in` is a positive lifetime of at most MAX_TOKEN_LIFETIME_S. */
export function expiryFromLifetime(expiresIn: unknown, startedAt: number): Date | undefined {
  const seconds = readSeconds(expiresIn);
  if (seconds === undefined || seconds <= 0 || seconds > MAX_TOKEN_LIFETIME_S) return undefined;
  return new Date(startedAt + seconds * 1000);
}

/**
 * An absolute expiry: epoch seconds (number or digits), or a date string (ISO 8601, or the
 * App Service 2017 form `11/23/2026 12:00:00 +00:00`). Undefined unless it is a real time no
 * further than MAX_TOKEN_LIFETIME_S from now.
 */
export function expiryFromTimestamp(expiresOn: unknown, now: number): Date | undefined {
  const seconds = readSeconds(expiresOn);
  const ms = seconds !== undefined ? seconds * 1000 : typeof expiresOn === 'string' ? Date.parse(expiresOn) : NaN;
  if (!Number.isFinite(ms) || ms <= 0 || ms > now + MAX_TOKEN_LIFETIME_S * 1000) return undefined;
  return new Date(ms);
}

/** Fails with a clear line when a token is already expired: handing it on would only fail later, less clearly. */
export function checkNotExpired(token: AccessToken, now: number, source: string): AccessToken {
  if (token.expiresOn.getTime() > now) return token;
  throw new ActionError(
    `${source} answered with a token that expired at ${token.expiresOn.toISOString().replace(/\.\d{3}Z$/, 'Z')}.`,
    'Check the runner clock (a self-hosted runner should sync it with NTP); if the clock is ' +
      'right, the service is broken: re-run the job later.'
  );
}
