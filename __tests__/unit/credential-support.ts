/**
 * Test doubles for the credential modules: a Config read from the env a platform sets, the
 * deps a credential is handed (recording masks and logs), and a machine with in-memory files.
 */
import { actionInputs } from '../../src/action/main.js';
import { type Config, readConfig } from '../../src/core/config.js';
import type { CredentialDeps } from '../../src/core/credentials/credential.js';
import { describeError } from '../../src/core/errors.js';
import { FileReadError, type FileIdentity, type Machine, type ProcessResult } from '../../src/core/machine.js';
import { createMasker } from '../../src/core/masking.js';
import { inputEnv, NOW, type RecordingLog, recordingLog, recordingMasker, type TestHttp, testHttp, testMachine } from './support.js';

/** The Config the action would read from these inputs and runner variables (in a workflow, unless GITHUB_ACTIONS says otherwise). */
export function configFrom(inputs: Record<string, string>, env: Record<string, string> = {}): Config {
  const all = { GITHUB_ACTIONS: 'true', ...inputEnv(inputs), ...env };
  return readConfig(
    { input: actionInputs(all), env: all, workspace: '/work/space' },
    createMasker(() => undefined)
  );
}

export interface RecordingDeps extends CredentialDeps {
  readonly http: TestHttp;
  readonly masks: string[];
  readonly logs: string[];
  readonly log: RecordingLog;
}

export function credentialDeps(machine: Machine = testMachine(), http: TestHttp = testHttp()): RecordingDeps {
  const masker = recordingMasker();
  const log = recordingLog();
  return { http, machine, masker, log, masks: masker.masks, logs: log.infos };
}

export interface FakeMachine extends Machine {
  /** Path → contents; change it between calls to see what is read when. */
  readonly files: Map<string, string>;
  /** Path → what it resolves to (a symbolic link). */
  readonly links: Map<string, string>;
  /** Paths that exist but are not regular files (a FIFO, a directory): path → what they are. */
  readonly special: Map<string, string>;
  readonly reads: string[];
  readonly processes: { file: string; args: readonly string[]; shell: boolean }[];
  readonly sleeps: number[];
}

/** A machine whose files live in a Map and whose processes answer `processResult`. */
export function fakeMachine(
  options: {
    platform?: NodeJS.Platform;
    files?: Record<string, string>;
    executables?: string[];
    processResult?: ProcessResult;
    now?: () => number;
  } = {}
): FakeMachine {
  const files = new Map(Object.entries(options.files ?? {}));
  const links = new Map<string, string>();
  const special = new Map<string, string>();
  const executables = new Set(options.executables ?? []);
  const reads: string[] = [];
  const processes: FakeMachine['processes'] = [];
  const clock = testMachine({ now: options.now ?? (() => NOW) });
  let inode = 1000;
  const identities = new Map<string, FileIdentity>();
  const resolve = (file: string): string => links.get(file) ?? file;
  return {
    ...clock,
    platform: options.platform ?? 'linux',
    files,
    links,
    special,
    reads,
    processes,
    readRegularFile: async (file, maxBytes) => {
      reads.push(file);
      const target = resolve(file);
      const kind = special.get(target);
      if (kind) throw new FileReadError(`it is ${kind}, not a regular file`, 'not-regular');
      const text = files.get(target);
      if (text === undefined) throw new FileReadError('no such file', 'missing');
      const content = Buffer.from(text);
      if (content.length > maxBytes)
        throw new FileReadError(`it has ${content.length} bytes, more than the ${maxBytes} allowed`, 'too-large');
      return content;
    },
    realPath: async file => resolve(file),
    isExecutable: async file => executables.has(file),
    createFile: async (file, content) => {
      if (files.has(file) || links.has(file))
        throw Object.assign(new Error(`EEXIST: file already exists, open '${file}'`), { code: 'EEXIST' });
      files.set(file, content);
      const identity = { device: '1', inode: String(inode++), size: String(Buffer.byteLength(content)), modifiedNs: String(NOW * 1e6) };
      identities.set(file, identity);
      return identity;
    },
    replaceFile: async (file, content) => {
      files.set(file, content);
    },
    fileIdentity: async file => (files.has(file) ? identities.get(file) : undefined),
    removeFile: async file => {
      files.delete(file);
      identities.delete(file);
    },
    runProcess: async (file, args, processOptions) => {
      processes.push({ file, args, shell: processOptions.shell ?? false });
      return options.processResult ?? { exitCode: 0, stdout: '{}', stderr: '' };
    },
    sleeps: clock.sleeps
  };
}

/** The text a user would read for the failure `promise` ends in; throws if it succeeds. */
export async function failureOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return describeError(error);
  }
  throw new Error('expected a failure');
}
