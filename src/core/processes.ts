/**
 * The real machine's processes (machine.ts's nodeMachine): a program run to its end without a
 * shell, a program started in the background that outlives the step, and whether a process is
 * still there.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { BackgroundOptions, BackgroundStart, ProcessOptions, ProcessResult } from './machine.js';

/** Output beyond this is a broken program, not a token. */
const MAX_PROCESS_OUTPUT = 4 * 1024 * 1024;

export function runProcess(file: string, args: readonly string[], options: ProcessOptions): Promise<ProcessResult> {
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

/** A first line longer than this is not the short report the caller waits for. */
const MAX_FIRST_LINE = 64 * 1024;

export function startBackground(file: string, args: readonly string[], options: BackgroundOptions): Promise<BackgroundStart> {
  return new Promise(resolve => {
    // Inheriting the step's stdout or stderr would make the runner wait for the child and then
    // kill it (and on Windows its whole tree) when the step ends: pipes of its own, or nothing.
    const child = spawn(file, args, {
      env: options.env,
      stdio: ['pipe', 'pipe', 'ignore'],
      detached: true,
      windowsHide: true,
      shell: false
    });
    let output = '';
    let settled = false;
    const finish = (result: BackgroundStart): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdout?.destroy();
      child.stdin?.destroy();
      if (!result.started) child.kill('SIGKILL');
      child.unref();
      resolve(result);
    };
    const timer = setTimeout(
      () => finish({ started: false, why: `it wrote nothing within ${options.timeoutMs / 1000} s` }),
      options.timeoutMs
    );
    child.on('error', error =>
      finish({ started: false, why: (error as NodeJS.ErrnoException).code === 'ENOENT' ? `${file} was not found` : messageOfError(error) })
    );
    // 'close': it has exited and all its output was read.
    child.on('close', (code, signal) => finish({ started: false, why: `it exited (${signal ?? `code ${code}`}) without a word` }));
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      output += chunk;
      const end = output.indexOf('\n');
      if (end >= 0 && child.pid !== undefined)
        finish({ started: true, pid: child.pid, firstLine: output.slice(0, end).replace(/\r$/, '') });
      else if (output.length > MAX_FIRST_LINE) finish({ started: false, why: `its first line is longer than ${MAX_FIRST_LINE} bytes` });
    });
    // A program that exits before it reads its input breaks the pipe: reported by the above.
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.input);
  });
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists, and belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  // A zombie has ended: it only waits for its parent (or an init that does not reap) to collect it.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function messageOfError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
