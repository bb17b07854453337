/**
 * The VM's instance metadata service (IMDS): the managed identity of an Azure VM or scale set.
 * Wire format and Microsoft's retry guidance: docs/protocol.md#managed-identity-retries-and-probing.
 */
import type { Context } from '../config.js';
import { ActionError } from '../errors.js';
import { type Http, type HttpResponse, RequestFailedError } from '../http.js';
import type { Clock } from '../machine.js';
import type { RetryPolicy } from '../retry.js';

/**
 * Microsoft's IMDS guidance: retry 404, 429 and 5xx with backoff, and wait out 410 ("back
 * within 70 s"). 408 as everywhere. Waits before jitter: 2, 4, 8, 16, 30, 30, 30, 30 s, jittered
 * to at least half; all of it within IMDS_TOTAL_MS, so a 410 is waited out for at least 70 s.
 */
export const IMDS_RETRY: RetryPolicy = Object.freeze({
  attempts: 9,
  statuses: new Set([404, 408, 410, 429, ...Array.from({ length: 100 }, (_, i) => 500 + i)]),
  baseDelayMs: 2_000,
  maxDelayMs: 30_000
});

/** Every IMDS token request ends within this, answered or not (the README's "Time bounds"). */
export const IMDS_TOTAL_MS = 120_000;
/** IMDS answers in milliseconds; an attempt that hears nothing for this long is retried. */
const IMDS_ATTEMPT_TIMEOUT_MS = 15_000;

/** The VM's instance metadata service, or the host that AZURE_POD_IDENTITY_AUTHORITY_HOST names. */
export function imdsHost(context: Context): string {
  return (context.podIdentityAuthorityHost ?? 'http://169.254.169.254').replace(/\/+$/, '');
}

/**
 * Whether IMDS answers: one GET with no query and no Metadata header, 1 s, no retries. Any HTTP
 * answer means it is there, except Docker Desktop's 403 "unreachable" (protocol.md#managed-identity-retries-and-probing).
 */
export async function probeImds(http: Http, host: string): Promise<boolean> {
  try {
    const response = await http.request({
      method: 'GET',
      url: `${host}/metadata/identity/oauth2/token`,
      what: 'IMDS probe',
      timeoutMs: 1_000,
      retry: { attempts: 1 }
    });
    return !(response.status === 403 && response.body.includes('unreachable'));
  } catch {
    return false;
  }
}

/**
 * One try first: no answer at all means this is no Azure VM, and retrying would only make the
 * user wait minutes to learn it. An answer IMDS asks us to retry, or one that broke off, goes
 * to the full policy, whose first retry is immediate (Microsoft's backoff starts at 0 s).
 */
export async function requestImdsToken(http: Http, clock: Clock, host: string, query: URLSearchParams): Promise<HttpResponse> {
  const url = new URL(`${host}/metadata/identity/oauth2/token`);
  url.search = new URLSearchParams({ 'api-version': '2018-02-01', ...Object.fromEntries(query) }).toString();
  const request = {
    method: 'GET',
    url: url.toString(),
    what: 'IMDS managed identity endpoint',
    headers: { Metadata: 'true' },
    timeoutMs: IMDS_ATTEMPT_TIMEOUT_MS
  } as const;
  const startedAt = clock.now();
  // The first try is counted in what the retries report: "after 10 attempts", not 9.
  const rest = async (): Promise<HttpResponse> => {
    const response = await http.request({ ...request, retry: IMDS_RETRY, totalMs: Math.max(1, IMDS_TOTAL_MS - (clock.now() - startedAt)) });
    const attempts = response.attempts + 1;
    return { ...response, attempts, endpoint: response.endpoint };
  };
  let first: HttpResponse;
  try {
    first = await http.request({ ...request, retry: { attempts: 1 } });
  } catch (error) {
    if (!(error instanceof RequestFailedError && error.unreachable)) return rest();
    throw new ActionError(
      `No managed identity: the VM instance metadata service at ${host} did not answer (${error.reason}).`,
      'Managed identity without IDENTITY_ENDPOINT works on an Azure VM or scale set only. ' +
        'If the runner uses a proxy, add 169.254.169.254 to NO_PROXY: IMDS must be reached directly.'
    );
  }
  return IMDS_RETRY.statuses.has(first.status) ? rest() : first;
}
