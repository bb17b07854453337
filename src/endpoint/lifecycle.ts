/**
 * The endpoint's life as the action's steps see it: the main step starts it in the background
 * and waits for its port; the post step stops it through the authenticated shutdown, which
 * answers its statistics, and waits until its process has gone. Nothing here ever signals a
 * process by a pid read from anywhere but the endpoint's own authenticated answer: a pid in a
 * file or the state can name another process by the time it is read.
 */
import * as http from 'node:http';
import type { Env } from '../core/config.js';
import { ActionError } from '../core/errors.js';
import { externalText } from '../core/external-text.js';
import { parseJson } from '../core/json.js';
import type { Machine } from '../core/machine.js';
import { encodeStartMessage, parseReport, PROCESS_ENV, type StartMessage } from './handoff.js';
import { type EndpointStats, parseShutdownAnswer, SHUTDOWN_PATH, TOKEN_PATH } from './protocol.js';

/** The program to run: Node (the runner's, the one running the step) and the endpoint's bundle. */
export interface EndpointProgram {
  readonly node: string;
  readonly entry: string;
}

interface StartedEndpoint {
  /** `http://127.0.0.1:PORT/msi/token`: IDENTITY_ENDPOINT and MSI_ENDPOINT. */
  readonly url: string;
  readonly pid: number;
}

/** How long the main step waits for the port; the endpoint needs well under a second. */
const START_TIMEOUT_MS = 5_000;

/** Starts the endpoint with the message down its stdin; throws an ActionError saying why when it does not report a port in time. */
export async function startEndpoint(
  machine: Machine,
  program: EndpointProgram,
  message: StartMessage,
  env: Env,
  timeoutMs = START_TIMEOUT_MS
): Promise<StartedEndpoint> {
  const started = await machine.startBackground(program.node, [program.entry], {
    env: processEnv(env),
    input: encodeStartMessage(message),
    timeoutMs
  });
  const report = started.started ? parseReport(started.firstLine) : undefined;
  if (started.started && report && 'port' in report) return { url: `http://127.0.0.1:${report.port}${TOKEN_PATH}`, pid: started.pid };
  const why = !started.started
    ? started.why
    : report && 'error' in report
      ? externalText(report.error, { maxLength: 2000 })
      : 'it answered something other than its port';
  throw new ActionError(
    `The token endpoint for later steps did not start: ${why}. Later steps are not signed in.`,
    `Re-run the job; if it fails again, remove 'sign-in-later-steps' and run this action again in each step that needs a token.`
  );
}

/** The endpoint process's environment: only the PROCESS_ENV variables of this one. */
export function processEnv(env: Env): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of PROCESS_ENV) {
    const value = env[name];
    if (value !== undefined) kept[name] = value;
  }
  return kept;
}

export type StopResult =
  | { readonly outcome: 'stopped'; readonly stats: EndpointStats }
  /** Nothing listens at its address: it ended already (or the runner ended it). */
  | { readonly outcome: 'gone' }
  /** It answered, but not with its statistics: the status, and what it said. */
  | { readonly outcome: 'refused'; readonly status: number; readonly said: string }
  | { readonly outcome: 'failed'; readonly why: string };

const STOP_TIMEOUT_MS = 5_000;
/** The statistics are a few hundred bytes. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * Asks the endpoint at `url` to stop (`GET /shutdown` with the header), straight to the
 * loopback address: never through a proxy, which would see the header.
 */
export function stopEndpoint(url: string, secret: string, timeoutMs = STOP_TIMEOUT_MS): Promise<StopResult> {
  return new Promise(resolve => {
    const target = new URL(SHUTDOWN_PATH, url);
    const request = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'GET',
        headers: { 'X-IDENTITY-HEADER': secret },
        agent: false,
        timeout: timeoutMs
      },
      response => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
        });
        response.on('error', error => resolve({ outcome: 'failed', why: error.message }));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const stats = response.statusCode === 200 ? parseShutdownAnswer(parseJson(text)) : undefined;
          resolve(
            stats
              ? { outcome: 'stopped', stats }
              : { outcome: 'refused', status: response.statusCode ?? 0, said: externalText(text, { maxLength: 200 }) }
          );
        });
      }
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    request.on('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'ECONNREFUSED' ? { outcome: 'gone' } : { outcome: 'failed', why: error.message })
    );
    request.end();
  });
}

const POLL_MS = 20;

/** Waits (bounded) until the process has exited; true once it has. */
export async function waitUntilGone(machine: Machine, pid: number, timeoutMs = STOP_TIMEOUT_MS): Promise<boolean> {
  for (let waited = 0; machine.isRunning(pid); waited += POLL_MS) {
    if (waited >= timeoutMs) return false;
    await machine.sleep(POLL_MS);
  }
  return true;
}
