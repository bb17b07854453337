/**
 * The one HTTP layer every request goes through: a per-request timeout, retries with jittered
 * exponential backoff on network faults and on 408/429/500/502/503/504, `Retry-After` honoured
 * up to a cap, proxies from HTTPS_PROXY/HTTP_PROXY/NO_PROXY (done by @actions/http-client), and
 * bearer tokens only over https (or to loopback) and never across a redirect: redirects are not
 * followed at all. Sleep, randomness and the clock are injected so tests never wait.
 * Retry norms: ../shared/reference/azure-protocol.md §6.
 */
import { HttpClient } from '@actions/http-client';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { isLoopbackHost } from './loopback.js';
import { ActionError, messageOf } from './errors.js';

export interface RetryPolicy {
  /** Tries in all, the first included. */
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

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  /** What is being asked, for logs and errors: "the Entra ID token endpoint". */
  readonly what: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A form or JSON body, for POST. */
  readonly body?: string;
  /** Sent as `Authorization: Bearer`, and only over https or to a loopback host. */
  readonly bearerToken?: string;
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
  readonly attempts: number;
}

export interface Http {
  /**
   * Sends a request, retrying transient faults. Resolves with the last response whatever its
   * status (the caller knows what an error body means); rejects when no response came at all.
   */
  request(request: HttpRequest): Promise<HttpResponse>;
  /** Closes kept-alive and hung sockets so the process can exit. */
  dispose(): void;
}

export interface HttpOptions {
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly now: () => number;
  /** Where each retry is reported. */
  readonly log: (message: string) => void;
  readonly timeoutMs?: number;
  readonly retryAfterCapMs?: number;
  readonly userAgent?: string;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const RETRY_AFTER_CAP_MS = 30_000;

/**
 * A transient failure of one attempt: retried, and reported if it was the last. `unreachable`:
 * nothing answered at all (refused, no route, no name, or silence until the timeout), as
 * opposed to an answer that broke off.
 */
class AttemptFailure extends Error {
  constructor(
    message: string,
    readonly unreachable = false
  ) {
    super(message);
  }
}

/** A request that got no usable answer after its last attempt. */
export class RequestFailedError extends ActionError {
  constructor(
    message: string,
    hint: string,
    /** True when nothing answered at all: the host is not there, as opposed to failing. */
    readonly unreachable: boolean
  ) {
    super(message, hint);
    this.name = 'RequestFailedError';
  }
}

/** Error codes of a connection that never reached a server. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT']);

export function createHttp(options: HttpOptions): Http {
  const clients = new Map<number, HttpClient>();
  const defaultTimeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const retryAfterCap = options.retryAfterCapMs ?? RETRY_AFTER_CAP_MS;

  // One client per timeout value: http-client sets the socket timeout per client.
  const clientFor = (timeoutMs: number): HttpClient => {
    let client = clients.get(timeoutMs);
    if (!client) {
      client = new HttpClient(options.userAgent ?? 'azure-token', [], {
        allowRedirects: false,
        allowRetries: false,
        keepAlive: true,
        socketTimeout: timeoutMs
      });
      clients.set(timeoutMs, client);
    }
    return client;
  };

  async function attempt(request: HttpRequest, timeoutMs: number): Promise<HttpResponse & { attempts: 0 }> {
    const headers: Record<string, string> = { Accept: 'application/json', ...request.headers };
    if (request.bearerToken !== undefined) headers['Authorization'] = `Bearer ${request.bearerToken}`;
    let message: IncomingMessage | undefined;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        message?.destroy();
        reject(new AttemptFailure(`no answer within ${formatSeconds(timeoutMs)}`, true));
      }, timeoutMs);
    });
    try {
      const response = await Promise.race([
        clientFor(timeoutMs).request(request.method, request.url, request.body ?? null, headers),
        deadline
      ]);
      message = response.message;
      const body = await Promise.race([readBody(response.message), deadline]);
      return { status: response.message.statusCode ?? 0, headers: response.message.headers, body, json: parseJson(body), attempts: 0 };
    } catch (error) {
      if (error instanceof AttemptFailure) throw error;
      const code = (error as { code?: unknown } | undefined)?.code;
      const timedOut = messageOf(error).startsWith('Request timeout');
      throw new AttemptFailure(networkErrorText(error), timedOut || (typeof code === 'string' && UNREACHABLE_CODES.has(code)));
    } finally {
      clearTimeout(timer);
    }
  }

  async function request(request: HttpRequest): Promise<HttpResponse> {
    checkBearerTarget(request);
    const policy: RetryPolicy = { ...DEFAULT_RETRY, ...request.retry };
    const timeoutMs = request.timeoutMs ?? defaultTimeout;
    for (let attemptNumber = 1; ; attemptNumber++) {
      let failure: string;
      let delayMs: number | undefined;
      try {
        const response = await attempt(request, timeoutMs);
        const malformed = response.status >= 200 && response.status < 300 && response.json === undefined;
        if (!policy.statuses.has(response.status) && !malformed) {
          return { ...response, attempts: attemptNumber };
        }
        if (attemptNumber >= policy.attempts) {
          if (malformed) throw new AttemptFailure(`answered ${response.status} with a body that is not JSON`);
          return { ...response, attempts: attemptNumber };
        }
        failure = malformed ? `answered ${response.status} with a body that is not JSON` : `answered ${response.status}`;
        delayMs = retryAfterMs(response.headers, options.now(), retryAfterCap);
      } catch (error) {
        if (!(error instanceof AttemptFailure)) throw error;
        if (attemptNumber >= policy.attempts) {
          throw new RequestFailedError(
            `${request.what} (${request.method} ${displayUrl(request.url)}) failed after ${attemptNumber} ${attemptNumber === 1 ? 'attempt' : 'attempts'}: ${error.message}`,
            'Check the runner can reach the host (firewall, proxy: HTTPS_PROXY and NO_PROXY), then re-run the job.',
            error.unreachable
          );
        }
        failure = error.message;
      }
      const waitMs = delayMs ?? backoffMs(policy, attemptNumber, options.random);
      options.log(
        `${request.what} ${failure}; retrying in ${formatSeconds(waitMs)} (attempt ${attemptNumber + 1} of ${policy.attempts}).`
      );
      await options.sleep(waitMs);
    }
  }

  return {
    request,
    dispose: () => {
      for (const client of clients.values()) client.dispose();
      clients.clear();
    }
  };
}

/** Refuses to put a bearer token on the wire in clear text, except to this machine. */
function checkBearerTarget(request: HttpRequest): void {
  if (request.bearerToken === undefined) return;
  const url = new URL(request.url);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))) return;
  throw new ActionError(
    `Refusing to send a bearer token to ${url.origin}: only https:// (or http:// to a loopback host) may carry one.`
  );
}

/** Reads a whole response body; rejects if the connection drops before the end. */
function readBody(message: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    message.on('data', (chunk: Buffer) => chunks.push(chunk));
    message.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    message.on('error', error => reject(new AttemptFailure(`connection failed while reading the answer (${networkErrorText(error)})`)));
    message.on('close', () => {
      if (!message.complete) reject(new AttemptFailure('connection closed before the whole answer arrived'));
    });
  });
}

/** The fields of a JSON object answer; an empty record for anything else, so reads find nothing. */
export function jsonFields(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The wait a throttled or unavailable server asked for, capped: `retry-after-ms`,
 * `x-ms-retry-after-ms` (milliseconds), or `Retry-After` (seconds, or an HTTP date).
 */
export function retryAfterMs(headers: IncomingHttpHeaders, now: number, capMs: number): number | undefined {
  const single = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  let wait: number | undefined;
  const milliseconds = single('retry-after-ms') ?? single('x-ms-retry-after-ms');
  const retryAfter = single('retry-after');
  if (milliseconds !== undefined && /^\d+(\.\d+)?$/.test(milliseconds.trim())) {
    wait = Number(milliseconds);
  } else if (retryAfter !== undefined && /^\d+(\.\d+)?$/.test(retryAfter.trim())) {
    wait = Number(retryAfter) * 1000;
  } else if (retryAfter !== undefined && !Number.isNaN(Date.parse(retryAfter))) {
    wait = Math.max(0, Date.parse(retryAfter) - now);
  }
  return wait === undefined ? undefined : Math.min(wait, capMs);
}

/** Exponential backoff for the retry after `attemptNumber`, jittered to [½, 1] of its value. */
export function backoffMs(policy: RetryPolicy, attemptNumber: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attemptNumber - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}

function networkErrorText(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  const text = messageOf(error);
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}

/** The URL without its query: short, and a query is no place for a user to look. */
function displayUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}
