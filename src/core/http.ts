/**
 * The one HTTP layer every request goes through: a deadline per attempt, retries of transient
 * faults (retry.ts), bounded answers, proxies through @actions/http-client, no redirects
 * followed, no bearer token sent in clear text but to this machine, one debug line per attempt.
 * Sleep, timers and randomness come from the injected clock, so tests never wait.
 */
import { HttpClient } from '@actions/http-client';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { createConnections } from './connections.js';
import { ActionError, messageOf } from './errors.js';
import { parseJson } from './json.js';
import type { Log } from './log.js';
import { isLoopbackHost } from './loopback.js';
import type { Clock } from './machine.js';
import { DEFAULT_RETRY, faultWaitMs, requestedWaitMs, type RetryPolicy, THROTTLE_BUDGET_MS, throttleWaitMs } from './retry.js';

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  /** The service, for logs and errors: "Entra ID token endpoint". */
  readonly what: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A form or JSON body, for POST. */
  readonly body?: string;
  /** Sent as `Authorization: Bearer`, and only over https or to a loopback host. */
  readonly bearerToken?: string;
  readonly timeoutMs?: number;
  /** A bound on all attempts and waits together; no attempt starts or waits past it. */
  readonly totalMs?: number;
  readonly retry?: Partial<RetryPolicy>;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
  readonly attempts: number;
  /** The request's service and endpoint, for messages: `Entra ID token endpoint (POST https://host/path)`. */
  readonly endpoint: string;
}

export interface Http {
  /**
   * Sends a request, retrying transient faults. Resolves with the last response whatever its
   * status (the caller knows what an error body means); rejects when no response came at all.
   */
  request(request: HttpRequest): Promise<HttpResponse>;
  /** Opens `count` connections to `url`'s origin ahead of need (TCP and TLS, or a proxy tunnel). */
  preconnect(url: string, count?: number): void;
  /** Closes kept-alive and hung sockets so the process can exit. */
  dispose(): void;
}

interface HttpOptions {
  readonly clock: Clock;
  /** Retries are reported with `info`, every attempt with `debug`. */
  readonly log: Log;
  readonly timeoutMs?: number;
  readonly userAgent?: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** No answer the action reads is larger: a secret is at most 25 KB, a listing page 25 items. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * A failure of one attempt: retried, and reported if it was the last. `unreachable`: nothing
 * answered at all (refused, no route, no name, or silence until the timeout), as opposed to an
 * answer that broke off. `final`: retrying cannot help (an answer over the size bound).
 */
class AttemptFailure extends Error {
  constructor(
    message: string,
    readonly unreachable = false,
    readonly final = false
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
    readonly unreachable: boolean,
    /** The last attempt's failure alone: `connect EHOSTUNREACH 169.254.169.254:80`. */
    readonly reason: string
  ) {
    super(message, hint);
    this.name = 'RequestFailedError';
  }
}

/** Error codes of a connection that never reached a server. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT']);

const REACH_HINT = 'Check the runner can reach the host (firewall, proxy: HTTPS_PROXY and NO_PROXY), then re-run the job.';

export function createHttp(options: HttpOptions): Http {
  const { clock, log } = options;
  const connections = createConnections(options.userAgent ?? 'azure-token');
  const clients = new Map<number, HttpClient>();
  const defaultTimeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  // One client per timeout: http-client sets the socket timeout per client. The connections
  // (agents, proxies, preconnected sockets) are shared by all (connections.ts).
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

  async function attempt(request: HttpRequest, timeoutMs: number): Promise<Omit<HttpResponse, 'attempts' | 'endpoint'>> {
    const headers: Record<string, string> = { Accept: 'application/json', ...request.headers };
    if (request.bearerToken !== undefined) headers['Authorization'] = `Bearer ${request.bearerToken}`;
    let message: IncomingMessage | undefined;
    let cancelTimer = (): void => {};
    const deadline = new Promise<never>((_, reject) => {
      cancelTimer = clock.timer(timeoutMs, () => {
        message?.destroy();
        reject(new AttemptFailure(`no answer within ${formatSeconds(timeoutMs)}`, true));
      });
    });
    try {
      const info = connections.requestInfo(request.method, new URL(request.url), headers);
      const response = await Promise.race([clientFor(timeoutMs).requestRaw(info, request.body ?? null), deadline]);
      message = response.message;
      const body = await Promise.race([readBody(response.message), deadline]);
      return { status: response.message.statusCode ?? 0, headers: response.message.headers, body, json: parseJson(body) };
    } catch (error) {
      if (error instanceof AttemptFailure) throw error;
      const code = (error as { code?: unknown } | undefined)?.code;
      const timedOut = messageOf(error).startsWith('Request timeout');
      throw new AttemptFailure(networkErrorText(error), timedOut || (typeof code === 'string' && UNREACHABLE_CODES.has(code)));
    } finally {
      cancelTimer();
    }
  }

  async function request(request: HttpRequest): Promise<HttpResponse> {
    checkBearerTarget(request);
    const policy: RetryPolicy = { ...DEFAULT_RETRY, ...request.retry };
    const timeoutMs = request.timeoutMs ?? defaultTimeout;
    const endpoint = `${request.what} (${request.method} ${displayEndpoint(request.url)})`;
    const startedAt = clock.now();
    const budgetEnd = startedAt + Math.min(request.totalMs ?? Infinity, THROTTLE_BUDGET_MS + timeoutMs);
    let faults = 0;
    let throttled = 0;
    for (let attemptNumber = 1; ; attemptNumber++) {
      const attemptStart = clock.now();
      let failure: string;
      let waitMs: number;
      try {
        const response = await attempt(request, Math.max(1, Math.min(timeoutMs, budgetEnd - attemptStart)));
        log.debug(
          `${request.method} ${debugUrl(request.url)}: HTTP ${response.status} in ${clock.now() - attemptStart} ` +
            `ms (attempt ${attemptNumber})`
        );
        const malformed = response.status >= 200 && response.status < 300 && response.json === undefined;
        const done = { ...response, attempts: attemptNumber, endpoint };
        if (!policy.statuses.has(response.status) && !malformed) return done;
        const requested = requestedWaitMs(response.headers, clock.now());
        failure = malformed ? `answered ${response.status} with a body that is not JSON` : `answered ${response.status}`;
        // A single-attempt request (a probe) is never retried, not even when throttled.
        if (response.status === 429 && policy.attempts > 1) {
          throttled++;
          waitMs = throttleWaitMs(requested, throttled, () => clock.random());
          if (clock.now() + waitMs - startedAt > THROTTLE_BUDGET_MS || clock.now() + waitMs >= budgetEnd) return done;
        } else {
          faults++;
          waitMs = faultWaitMs(policy, requested, faults, () => clock.random());
          if (faults >= policy.attempts || clock.now() + waitMs >= budgetEnd) {
            if (malformed) throw new AttemptFailure(failure);
            return done;
          }
        }
      } catch (error) {
        if (!(error instanceof AttemptFailure)) throw error;
        log.debug(
          `${request.method} ${debugUrl(request.url)}: ${error.message} after ${clock.now() - attemptStart} ms (attempt ${attemptNumber})`
        );
        faults++;
        waitMs = faultWaitMs(policy, undefined, faults, () => clock.random());
        if (error.final || faults >= policy.attempts || clock.now() + waitMs >= budgetEnd) {
          const attempts = `${attemptNumber} ${attemptNumber === 1 ? 'attempt' : 'attempts'}`;
          throw new RequestFailedError(
            `${endpoint} failed after ${attempts}: ${error.message}`,
            REACH_HINT,
            error.unreachable,
            error.message
          );
        }
        failure = error.message;
      }
      log.info(`${endpoint} ${failure}; retrying in ${formatSeconds(waitMs)} (attempt ${attemptNumber + 1}).`);
      await clock.sleep(waitMs);
    }
  }

  return {
    request,
    preconnect: (url, count = 1) => {
      try {
        connections.preconnect(url, count);
      } catch (error) {
        // A connection opened ahead of need is an optimisation: its failure is the request's to report.
        log.debug(`Could not open a connection to ${displayEndpoint(url)} ahead of need: ${messageOf(error)}`);
      }
    },
    dispose: () => {
      for (const client of clients.values()) client.dispose();
      clients.clear();
      connections.dispose();
    }
  };
}

/**
 * What a caller says when a request's last answer was an error it cannot explain further:
 * `Entra ID token endpoint (POST https://login.microsoftonline.com/t/oauth2/v2.0/token) answered HTTP 503 after 4 attempts`.
 */
export function answeredAfter(response: HttpResponse): string {
  return (
    `${response.endpoint} answered HTTP ${response.status} after ${response.attempts} ` +
    `${response.attempts === 1 ? 'attempt' : 'attempts'}`
  );
}

/** Refuses to put a bearer token on the wire in clear text, except to this machine. */
function checkBearerTarget(request: HttpRequest): void {
  if (request.bearerToken === undefined) return;
  const url = new URL(request.url);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))) return;
  throw new ActionError(`Refusing to send a bearer token to ${url.origin}: only https:// (or http:// to a loopback host) may carry one.`);
}

/** Reads a whole response body, up to MAX_BODY_BYTES; rejects if the connection drops before the end. */
function readBody(message: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    message.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        message.destroy();
        reject(
          new AttemptFailure(`answered with a body over ${MAX_BODY_BYTES / 1024 / 1024} MiB, more than any answer it may send`, false, true)
        );
        return;
      }
      chunks.push(chunk);
    });
    message.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    message.on('error', error => reject(new AttemptFailure(`connection failed while reading the answer (${networkErrorText(error)})`)));
    message.on('close', () => {
      if (!message.complete) reject(new AttemptFailure('connection closed before the whole answer arrived'));
    });
  });
}

function networkErrorText(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  const text = messageOf(error);
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}

/** Origin and path, no query: short, and a query is no place for a user to look (nor for a secret to show). */
function displayEndpoint(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

/** Query parameters whose values are never secret, shown in debug lines; any other value shows as `***`. */
const PLAIN_QUERY = new Set(['api-version', 'resource', 'audience', 'maxresults', 'client_id', 'clientid']);

function debugUrl(url: string): string {
  const parsed = new URL(url);
  const query = [...parsed.searchParams].map(([name, value]) => `${name}=${PLAIN_QUERY.has(name.toLowerCase()) ? value : '***'}`);
  return `${parsed.origin}${parsed.pathname}${query.length ? `?${query.join('&')}` : ''}`;
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}
