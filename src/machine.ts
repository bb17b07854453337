/** The real machine behind `MachineDeps`: node's file system and child processes. */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import type { MachineDeps, ProcessResult } from './credentials/credential.js';

/** Output beyond this is a broken program, not a token. */
const MAX_PROCESS_OUTPUT = 4 * 1024 * 1024;

export function nodeMachine(): MachineDeps {
  return {
    platform: process.platform,
    readFile: file => fs.readFile(file),
    fileSize: async file => (await fs.stat(file)).size,
    runProcess
  };
}

function runProcess(
  file: string,
  args: readonly string[],
  options: { readonly timeoutMs: number; readonly shell?: boolean }
): Promise<ProcessResult> {
  return new Promise(resolve => {
    execFile(
      file,
      args,
      { timeout: options.timeoutMs, maxBuffer: MAX_PROCESS_OUTPUT, windowsHide: true, shell: options.shell ?? false, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        const killed = (error as { killed?: boolean } | null)?.killed === true;
        resolve({
          exitCode: error === null ? 0 : typeof code === 'number' ? code : null,
          stdout,
          stderr,
          ...(code === 'ENOENT' ? { failure: 'ENOENT' as const } : killed ? { failure: 'ETIMEDOUT' as const } : {})
        });
      }
    );
  });
}
