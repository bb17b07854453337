/**
 * When to try a request again, and how long to wait first. Norms: docs/protocol.md#6-retry-and-refresh-defaults
 * and the contract's "Behaviour every path shares": throttling is waited out (up to 5 minutes
 * of 429s, each wait jittered so a matrix's legs do not return in one burst), other faults get
 * a few attempts with exponential backoff.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface RetryPolicy {
  /** Tries in all, the first included, for faults other than throttling. */
  readonly attempts: number;
  readonly statuses: ReadonlySet<number>;
  /** The first backoff; it doubles each retry and is jittered to between half and all of it. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  attempts: 4,
  statuses: new Set([408, 429, 500, 502, 503, 504]),
  baseDelayMs: 500,
  maxDelayMs: 8_000
});

/** How long a request may keep being throttled (429) before it fails. */
export const THROTTLE_BUDGET_MS = 5 * 60_000;
/** A Retry-After longer than this waits this long. */
const RETRY_AFTER_CAP_MS = 30_000;
/** Up to this share is added to a throttled wait, drawn per request. */
const THROTTLE_JITTER = 0.2;
/** A 429 without Retry-After (Key Vault sends none) backs off from here, doubling (protocol.md#throttling). */
const THROTTLE_FIRST_BACKOFF_MS = 1_000;

/**
 * The wait a server asked for: `retry-after-ms` or `x-ms-retry-after-ms` (milliseconds), or
 * `Retry-After` (seconds, or an HTTP date). Undefined when it asked for none, or for a wait that
 * is not a time (a negative number, garbage).
 */
export function requestedWaitMs(headers: IncomingHttpHeaders, now: number): number | undefined {
  const single = (name: string): string | undefined => {
    const value = headers[name];
    return (Array.isArray(value) ? value[0] : value)?.trim();
  };
  const number = /^\d+(\.\d+)?$/;
  const milliseconds = single('retry-after-ms') ?? single('x-ms-retry-after-ms');
  if (milliseconds !== undefined && number.test(milliseconds)) return Number(milliseconds);
  const retryAfter = single('retry-after');
  if (retryAfter === undefined) return undefined;
  if (number.test(retryAfter)) return Number(retryAfter) * 1000;
  // An HTTP date has a day name and a year; a bare "-86400" or "soon" is not one.
  const date = /[a-z]{3},?\s.*\d{4}/i.test(retryAfter) ? Date.parse(retryAfter) : NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The wait before retrying a throttled request: what the server asked for (or, when it asked
 * for nothing, 1 s doubling with each throttled attempt), plus 0-20 % drawn per request, capped.
 */
export function throttleWaitMs(requested: number | undefined, throttledAttempts: number, random: () => number): number {
  const base = requested ?? THROTTLE_FIRST_BACKOFF_MS * 2 ** Math.min(throttledAttempts - 1, 10);
  return Math.round(Math.min(RETRY_AFTER_CAP_MS, base * (1 + THROTTLE_JITTER * random())));
}

/** The wait before retrying another fault: what the server asked for (capped), else exponential backoff. */
export function faultWaitMs(policy: RetryPolicy, requested: number | undefined, faultAttempts: number, random: () => number): number {
  if (requested !== undefined) return Math.min(RETRY_AFTER_CAP_MS, requested);
  return backoffMs(policy, faultAttempts, random);
}

/** Exponential backoff for the retry after `attemptNumber`, jittered to [½, 1] of its value. */
export function backoffMs(policy: RetryPolicy, attemptNumber: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attemptNumber - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}
