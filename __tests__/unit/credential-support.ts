/**
 * Test doubles for the credential modules: a Config read from the env a platform sets, the
 * deps a credential is handed (recording masks and logs), and a machine with in-memory files.
 */
import { type Config, readConfig } from '../../src/config.js';
import { describeError } from '../../src/errors.js';
import type { MachineCredentialDeps, MachineDeps, ProcessResult } from '../../src/credentials/credential.js';
import { nodeMachine } from '../../src/machine.js';
import { inputEnv, NOW, type TestHttp, testHttp } from './support.js';

/** The Config the action would read from these inputs and runner variables. */
export function configFrom(inputs: Record<string, string>, env: Record<string, string> = {}): Config {
  return readConfig({ GITHUB_WORKSPACE: '/work/space', ...inputEnv(inputs), ...env }, () => undefined);
}

export interface RecordingDeps extends MachineCredentialDeps {
  readonly http: TestHttp;
  readonly masks: string[];
  readonly logs: string[];
}

export function credentialDeps(machine: MachineDeps = nodeMachine(), http: TestHttp = testHttp()): RecordingDeps {
  const masks: string[] = [];
  const logs: string[] = [];
  return { http, now: () => NOW, mask: value => masks.push(value), log: message => logs.push(message), machine, masks, logs };
}

export interface FakeMachine extends MachineDeps {
  /** Path → contents; change it between calls to see what is read when. */
  readonly files: Map<string, string>;
  readonly reads: string[];
  readonly processes: { file: string; args: readonly string[]; shell: boolean }[];
}

/** A machine whose files live in a Map and whose processes answer `processResult`. */
export function fakeMachine(
  options: { platform?: NodeJS.Platform; files?: Record<string, string>; processResult?: ProcessResult } = {}
): FakeMachine {
  const files = new Map(Object.entries(options.files ?? {}));
  const reads: string[] = [];
  const processes: FakeMachine['processes'] = [];
  const contents = (file: string): string => {
    const text = files.get(file);
    if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${file}'`), { code: 'ENOENT' });
    return text;
  };
  return {
    platform: options.platform ?? 'linux',
    files,
    reads,
    processes,
    readFile: async file => {
      reads.push(file);
      return Buffer.from(contents(file));
    },
    fileSize: async file => Buffer.byteLength(contents(file)),
    runProcess: async (file, args, processOptions) => {
      processes.push({ file, args, shell: processOptions.shell ?? false });
      return options.processResult ?? { exitCode: 0, stdout: '{}', stderr: '' };
    }
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
