/**
 * The post step (dist/post/index.js): stops the token endpoint the main step started for later
 * steps, and deletes the token file the main step wrote, and only that file. The state names
 * the file as it was created; a path that now names anything else (a new file, a link, a file
 * changed since) is left alone with a warning. The state never holds a token or a secret: the
 * endpoint's header comes from this step's environment, where GITHUB_ENV put it.
 */
import type { Env } from '../core/config.js';
import { messageOf } from '../core/errors.js';
import { externalText } from '../core/external-text.js';
import type { FileIdentity, Machine } from '../core/machine.js';
import { stopEndpoint, type StopResult, waitUntilGone } from '../endpoint/lifecycle.js';
import type { EndpointStats } from '../endpoint/protocol.js';
import { ENDPOINT_STATE, type EndpointState } from './later-steps.js';
import type { Runner } from './runner.js';

interface PostDeps {
  readonly runner: Runner;
  readonly machine: Machine;
  readonly env: Env;
  /** How the endpoint is asked to stop (tests hand in their own). */
  readonly stop?: (url: string, secret: string) => Promise<StopResult>;
}

/** Runs the post step. Never throws: what it cannot clean up is a warning, not a failed job. */
export async function runPost(deps: PostDeps): Promise<void> {
  await stopTokenEndpoint(deps);
  await cleanup(deps.runner, deps.machine);
}

/**
 * Stops the endpoint through its authenticated shutdown and prints its one line. Never by a
 * pid: the only pid used is the one the endpoint itself answers, and only to wait for it to go.
 */
export async function stopTokenEndpoint(deps: PostDeps): Promise<void> {
  const { runner } = deps;
  const state = runner.getState(ENDPOINT_STATE);
  if (!state) return;
  const saved = parseEndpointState(state);
  if (saved === undefined) {
    runner.warning(
      `The saved state of the token endpoint is not the main step's (${externalText(state, { maxLength: 80 })}); nothing was stopped.`
    );
    return;
  }
  const secret = deps.env['IDENTITY_HEADER'];
  if (!secret) {
    runner.warning(
      `Could not stop the token endpoint at ${saved.url}: IDENTITY_HEADER is not set in this ` +
        `step (did a step remove it?). The runner ends it with the job.`
    );
    return;
  }
  const result = await (deps.stop ?? stopEndpoint)(saved.url, secret);
  switch (result.outcome) {
    case 'stopped': {
      const line = statsLine(result.stats);
      if (!(await waitUntilGone(deps.machine, result.stats.pid))) {
        runner.warning(`${line} Its process ${result.stats.pid} had not exited 5 s later; the runner ends it with the job.`);
      } else if (result.stats.failures > 0) {
        runner.warning(line);
      } else {
        runner.info(line);
      }
      return;
    }
    case 'gone':
      runner.info(`The token endpoint at ${saved.url} had stopped already: nothing answers there.`);
      return;
    case 'refused': {
      const replaced =
        deps.env['IDENTITY_ENDPOINT'] !== saved.url
          ? ' IDENTITY_ENDPOINT names another endpoint now: a later step replaced it, and its header with it.'
          : '';
      runner.warning(
        `The token endpoint at ${saved.url} refused to stop (HTTP ${result.status}: ` +
          `${result.said}).${replaced} The runner ends it with the job.`
      );
      return;
    }
    case 'failed':
      runner.warning(`Could not stop the token endpoint at ${saved.url}: ${result.why}. The runner ends it with the job.`);
  }
}

/** At most this many resources are named in the line; a job asks for a few. */
const LISTED_RESOURCES = 20;

/** "Token endpoint stopped: served 14 tokens (https://management.azure.com 9, https://vault.azure.net 5), 0 failures." */
export function statsLine(stats: EndpointStats): string {
  const served = Object.entries(stats.served).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  const total = served.reduce((sum, [, count]) => sum + count, 0);
  const listed = served.slice(0, LISTED_RESOURCES).map(([resource, count]) => `${externalText(resource, { maxLength: 200 })} ${count}`);
  if (served.length > LISTED_RESOURCES) listed.push(`${served.length - LISTED_RESOURCES} more resources`);
  const tokens = `served ${total} ${total === 1 ? 'token' : 'tokens'}${listed.length ? ` (${listed.join(', ')})` : ''}`;
  const failures = `${stats.failures} ${stats.failures === 1 ? 'failure' : 'failures'}`;
  const refused = stats.refused > 0 ? `, ${stats.refused} refused ${stats.refused === 1 ? 'request' : 'requests'}` : '';
  return `Token endpoint stopped: ${tokens}, ${failures}${refused}.`;
}

/** The state only ever names a loopback address: the header is never sent anywhere else. */
function parseEndpointState(state: string): EndpointState | undefined {
  try {
    const value = JSON.parse(state) as Record<string, unknown>;
    const { url, pid } = value;
    if (typeof url !== 'string' || typeof pid !== 'number' || !/^http:\/\/127\.0\.0\.1:\d{1,5}\/msi\/token$/.test(url)) return undefined;
    return { url, pid };
  } catch {
    return undefined;
  }
}

interface SavedTokenFile extends FileIdentity {
  readonly path: string;
}

export async function cleanup(runner: Runner, machine: Machine): Promise<void> {
  const state = runner.getState('token-file');
  if (!state) return;
  const saved = parseState(state);
  if (saved === undefined) {
    runner.warning(
      `The saved state of the token file is not the main step's (${externalText(state, { maxLength: 80 })}); nothing was deleted.`
    );
    return;
  }
  const now = await machine.fileIdentity(saved.path);
  if (now === undefined) {
    runner.info(`The token file ${saved.path} is gone already.`);
    return;
  }
  if (now.device !== saved.device || now.inode !== saved.inode || now.size !== saved.size || now.modifiedNs !== saved.modifiedNs) {
    runner.warning(`Left ${saved.path} alone: it is no longer the token file this step wrote (it was replaced or changed since).`);
    return;
  }
  try {
    await machine.removeFile(saved.path);
    runner.info(`Deleted the token file ${saved.path}.`);
  } catch (error) {
    // A file left behind is worth a warning, not a failed job: the token expires anyway.
    runner.warning(`Could not delete the token file ${saved.path}: ${messageOf(error)}`);
  }
}

function parseState(state: string): SavedTokenFile | undefined {
  try {
    const value = JSON.parse(state) as Record<string, unknown>;
    const fields = ['path', 'device', 'inode', 'size', 'modifiedNs'] as const;
    if (!fields.every(field => typeof value[field] === 'string' && value[field] !== '')) return undefined;
    return value as unknown as SavedTokenFile;
  } catch {
    return undefined;
  }
}
