/**
 * Azure Arc's identity endpoint: a first request is answered 401 with
 * `WWW-Authenticate: Basic realm=<key file>`; the file's contents, read only from the agent's
 * token directory, prove we run on the machine (docs/protocol.md#managed-identity-sources).
 */
import * as path from 'node:path';
import type { Context } from '../config.js';
import { ActionError, CredentialFileError } from '../errors.js';
import { externalText } from '../external-text.js';
import type { Http, HttpResponse } from '../http.js';
import type { Log } from '../log.js';
import { FileReadError, type Machine } from '../machine.js';
import type { Masker } from '../masking.js';

/** Azure Arc's key file must be this small: anything bigger is not the agent's key. */
export const ARC_KEY_MAX_BYTES = 4096;

const AGENT_HINT = 'Check that IDENTITY_ENDPOINT is the Arc agent (azcmagent show), and restart the agent: sudo systemctl restart himdsd.';

interface ArcDeps {
  readonly http: Http;
  readonly machine: Machine;
  readonly masker: Masker;
  readonly log: Log;
}

export async function requestArcToken(context: Context, deps: ArcDeps, resource: string): Promise<HttpResponse> {
  // The agent listens on IPv4; `localhost` may resolve to ::1 (msal-node does the same).
  const endpoint = new URL(context.identityEndpoint as string);
  if (endpoint.hostname === 'localhost') endpoint.hostname = '127.0.0.1';
  endpoint.searchParams.set('api-version', '2020-06-01');
  endpoint.searchParams.set('resource', resource);
  const request = { method: 'GET', url: endpoint.toString(), what: 'Azure Arc managed identity endpoint' } as const;

  const challenge = await deps.http.request({ ...request, headers: { Metadata: 'true' } });
  if (challenge.status !== 401) return challenge;
  const keyFile = arcKeyFile(challenge.headers['www-authenticate']);
  const directory = arcKeyDirectory(context, deps.machine.platform);
  if (context.testArcKeyDirectory) deps.log.info(`Azure Arc: test hook AZURE_TOKEN_TEST_ARC_KEY_DIR allows key files in ${directory}.`);
  const key = await readArcKey(keyFile, directory, deps.machine);
  deps.masker.mask(key);
  return deps.http.request({ ...request, headers: { Metadata: 'true', Authorization: `Basic ${key}` } });
}

function arcKeyFile(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  const file = /^\s*Basic\s+realm=(.+)$/i.exec(value ?? '')?.[1]?.trim();
  if (!file) {
    throw new ActionError(
      'The Azure Arc identity endpoint answered 401 without naming a key file (no "WWW-Authenticate: Basic realm=<path>").',
      AGENT_HINT
    );
  }
  return file;
}

/**
 * Where the Arc agent writes its key files; the test hook's directory when it is set
 * (config.ts explains why that is safe). Undefined on platforms Arc does not run on.
 */
export function arcKeyDirectory(context: Context, platform: NodeJS.Platform): string | undefined {
  if (context.testArcKeyDirectory) return context.testArcKeyDirectory;
  if (platform === 'linux') return '/var/opt/azcmagent/tokens';
  if (platform === 'win32') return path.win32.join(context.programData ?? 'C:\\ProgramData', 'AzureConnectedMachineAgent', 'Tokens');
  return undefined;
}

/**
 * Reads the key the endpoint named, under Microsoft's rules: directly in the agent's token
 * directory (also once every link is resolved), named `*.key`, a regular file of at most 4096
 * bytes. A rogue endpoint could otherwise have us send it any file the runner can read.
 */
export async function readArcKey(file: string, directory: string | undefined, machine: Machine): Promise<string> {
  if (directory === undefined) {
    throw new ActionError(`Azure Arc managed identity works on Linux and Windows only, not on ${machine.platform}.`);
  }
  const shown = externalText(file);
  const paths = machine.platform === 'win32' ? path.win32 : path.posix;
  const refuse = (why: string): ActionError =>
    new ActionError(
      `Refusing the Azure Arc key file '${shown}': ${why}.`,
      'Only the Arc agent names key files; ' + AGENT_HINT.charAt(0).toLowerCase() + AGENT_HINT.slice(1)
    );
  if (!paths.isAbsolute(file) || !inDirectory(file, directory, paths) || !paths.basename(file).endsWith('.key')) {
    throw refuse(`it must be a .key file directly in ${directory}`);
  }
  try {
    // A link in the directory could point anywhere: what it resolves to must be in the directory too.
    const [real, realDirectory] = await Promise.all([machine.realPath(file), machine.realPath(directory)]);
    if (!inDirectory(real, realDirectory, paths)) throw refuse(`it resolves to a file outside ${directory}`);
    const key = (await machine.readRegularFile(real, ARC_KEY_MAX_BYTES)).toString('utf8').trim();
    if (!key) throw new CredentialFileError(`The Azure Arc key file '${shown}' is empty.`, AGENT_HINT);
    return key;
  } catch (error) {
    if (error instanceof ActionError) throw error;
    if (error instanceof FileReadError && error.reason !== 'unreadable') throw refuse(error.message);
    throw new CredentialFileError(
      `Cannot read the Azure Arc key file '${shown}': ${error instanceof Error ? error.message : String(error)}`,
      "The runner's user must be allowed to read the agent's keys: on Linux add it to the 'himds' group " +
        "(sudo usermod -aG himds <runner-user>), on Windows to 'Hybrid agent extension applications'; then restart the runner service."
    );
  }
}

function inDirectory(file: string, directory: string, paths: typeof path.posix): boolean {
  const windows = paths === path.win32;
  const normal = (text: string): string => {
    const trimmed = paths.normalize(text).replace(windows ? /\\+$/ : /\/+$/, '');
    return windows ? trimmed.toLowerCase() : trimmed;
  };
  return normal(paths.dirname(file)) === normal(directory);
}
