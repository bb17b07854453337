/**
 * The machine around the core: the clock and timers, files, and processes. Everything that
 * touches them goes through a Machine, so tests hand in a fake one and never wait, never touch
 * the real file system by accident, and never start a real program they did not mean to.
 * `nodeMachine()` is the real one (its processes: processes.ts).
 */
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isRunning, runProcess, startBackground } from './processes.js';

/** What a finished process left behind: the exit code (null when killed) and its output. */
export interface ProcessResult {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when it never ran (`ENOENT`) or was killed for the timeout (`ETIMEDOUT`). */
  readonly failure?: 'ENOENT' | 'ETIMEDOUT';
}

export interface ProcessOptions {
  readonly timeoutMs: number;
  /** Only for Windows batch files (`az.cmd`), whose arguments the caller has checked. */
  readonly shell?: boolean;
}

/** How to start a program that outlives this one (the token endpoint for later steps). */
export interface BackgroundOptions {
  /** Its whole environment: nothing of this process's is inherited. */
  readonly env: Readonly<Record<string, string>>;
  /** Written to its stdin, which is then closed: the one way a secret reaches it (never argv, env or a file). */
  readonly input: string;
  /** How long to wait for the first line it writes to its stdout. */
  readonly timeoutMs: number;
}

/**
 * A program started in the background: its pid and the first line it wrote (without the line
 * break), or why it did not start: then it is not running any more.
 */
export type BackgroundStart =
  { readonly started: true; readonly pid: number; readonly firstLine: string } | { readonly started: false; readonly why: string };

/**
 * Who a file is, to tell later that a path still names the file we created: a new file can
 * reuse a deleted one's inode at once, so the modification time (in ns) and size count too.
 */
export interface FileIdentity {
  readonly device: string;
  readonly inode: string;
  readonly size: string;
  readonly modifiedNs: string;
}

/** Why a file that must hold a credential could not be read. */
export class FileReadError extends Error {
  constructor(
    message: string,
    /** `not-regular`: a FIFO, device, directory or socket; `too-large`: over the caller's bound. */
    readonly reason: 'missing' | 'not-regular' | 'too-large' | 'unreadable'
  ) {
    super(message);
    this.name = 'FileReadError';
  }
}

export interface Clock {
  now(): number;
  /** In [0, 1), for jitter. */
  random(): number;
  sleep(ms: number): Promise<void>;
  /** Calls `onTimeout` after `ms` unless the returned function is called first. */
  timer(ms: number, onTimeout: () => void): () => void;
}

export interface Machine extends Clock {
  readonly platform: NodeJS.Platform;
  /**
   * A regular file's bytes, at most `maxBytes` of them. Opened without blocking and checked on
   * the open handle, so a FIFO or a device fails at once instead of hanging the step.
   */
  readRegularFile(file: string, maxBytes: number): Promise<Buffer>;
  /** The path with every symbolic link resolved. */
  realPath(file: string): Promise<string>;
  /** True when `file` is a regular file this user may run. */
  isExecutable(file: string): Promise<boolean>;
  /** Creates a new file (never overwrites, never follows a planted link), and its parents with mode 0700. */
  createFile(file: string, content: string, mode: number): Promise<FileIdentity>;
  /** Writes a temporary file beside `file` and renames it over `file`. */
  replaceFile(file: string, content: string, mode: number): Promise<void>;
  /** The identity of the regular file at `file` (links not followed), or undefined when there is none. */
  fileIdentity(file: string): Promise<FileIdentity | undefined>;
  removeFile(file: string): Promise<void>;
  /** Runs a program without a shell unless `shell` is set; never rejects for a non-zero exit. */
  runProcess(file: string, args: readonly string[], options: ProcessOptions): Promise<ProcessResult>;
  /**
   * Starts a program that keeps running after this process ends, without a shell: detached (its
   * own process group, no console window on Windows), stdin a pipe that gets `input` and is
   * closed, stdout a pipe read up to its first line and then let go, stderr discarded. No handle
   * of this process's stdout or stderr reaches it, so the runner does not wait for it. A program
   * that writes no line within the timeout, or exits first, is killed (through the handle
   * this call holds) and reported as not started. Never rejects.
   */
  startBackground(file: string, args: readonly string[], options: BackgroundOptions): Promise<BackgroundStart>;
  /** Whether a process with this id exists (signal 0: nothing is sent to it). */
  isRunning(pid: number): boolean;
}

export function nodeMachine(): Machine {
  return {
    platform: process.platform,
    now: Date.now,
    random: Math.random,
    sleep: ms => new Promise(resolve => setTimeout(resolve, ms)),
    timer: (ms, onTimeout) => {
      const handle = setTimeout(onTimeout, ms);
      return () => clearTimeout(handle);
    },
    readRegularFile,
    realPath: file => fs.realpath(file),
    isExecutable: async file => {
      try {
        const stat = await fs.stat(file);
        return stat.isFile() && (process.platform === 'win32' || (stat.mode & 0o111) !== 0);
      } catch {
        return false;
      }
    },
    createFile,
    replaceFile,
    fileIdentity: async file => {
      try {
        const stat = await fs.lstat(file, { bigint: true });
        return stat.isFile() ? identityOf(stat) : undefined;
      } catch {
        return undefined;
      }
    },
    removeFile: file => fs.rm(file, { force: true }),
    runProcess,
    startBackground,
    isRunning
  };
}

async function readRegularFile(file: string, maxBytes: number): Promise<Buffer> {
  let handle: fs.FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    handle = await fs.open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FileReadError(code === 'ENOENT' ? 'no such file' : messageOfError(error), code === 'ENOENT' ? 'missing' : 'unreadable');
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new FileReadError(`it is ${kindOf(stat)}, not a regular file`, 'not-regular');
    if (stat.size > maxBytes) throw new FileReadError(`it has ${stat.size} bytes, more than the ${maxBytes} allowed`, 'too-large');
    const content = await handle.readFile();
    if (content.length > maxBytes) throw new FileReadError(`it has more than the ${maxBytes} bytes allowed`, 'too-large');
    return content;
  } catch (error) {
    if (error instanceof FileReadError) throw error;
    throw new FileReadError(messageOfError(error), 'unreadable');
  } finally {
    await handle.close();
  }
}

function kindOf(stat: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'not a file';
}

function identityOf(stat: { dev: bigint; ino: bigint; size: bigint; mtimeNs: bigint }): FileIdentity {
  return { device: String(stat.dev), inode: String(stat.ino), size: String(stat.size), modifiedNs: String(stat.mtimeNs) };
}

async function createFile(file: string, content: string, mode: number): Promise<FileIdentity> {
  const directory = path.dirname(file);
  await fs.mkdir(directory, { recursive: true, mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
    // mkdir says EEXIST when a parent is a file: that is not "the file exists".
    if (error.code !== 'EEXIST') throw error;
    throw Object.assign(new Error(`ENOTDIR: a parent of the file is not a directory, mkdir '${directory}'`), { code: 'ENOTDIR' });
  });
  // 'wx' is O_CREAT | O_EXCL: it fails on an existing file and on a symbolic link, dangling or not.
  const handle = await fs.open(file, 'wx', mode);
  try {
    await handle.writeFile(content, 'utf8');
    return identityOf(await handle.stat({ bigint: true }));
  } catch (error) {
    await fs.rm(file, { force: true });
    throw error;
  } finally {
    await handle.close();
  }
}

async function replaceFile(file: string, content: string, mode: number): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  await createFile(temporary, content, mode);
  try {
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}

function messageOfError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
