/**
 * Running the built command line (dist/cli/index.js) as a process, as a user would: a clean
 * environment (nothing of the test process's AZURE_* or GITHUB_*), its own working directory,
 * stdout and stderr apart, and a timeout that kills it.
 */
import { expect } from '@jest/globals';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { REPO_ROOT } from '../../test/harness/runner.js';
import { NODE24, SCENARIO_SECRETS } from './support.js';

export const CLI = path.join(REPO_ROOT, 'dist', 'cli', 'index.js');

export interface CliRun {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly node: string;
  readonly args?: readonly string[];
  /** The whole environment besides HOME (PATH is an empty directory unless given). */
  readonly env?: Record<string, string>;
  readonly cwd: string;
  /** Run as another user (a root test process dropping to nobody). */
  readonly uid?: number;
  readonly gid?: number;
  /** The program to run instead of `node dist/cli/index.js` (an installed bin). */
  readonly command?: readonly string[];
  readonly timeoutMs?: number;
  /** A file descriptor for stdout instead of a pipe (stdout is then '' in the result). */
  readonly stdoutFd?: number;
}

export function runCli(options: CliOptions): Promise<CliRun> {
  if (options.node === NODE24 && !fs.existsSync(NODE24)) {
    throw new Error(
      `Node 24 (the action's runtime) is not installed at ${NODE24}: run npm run setup:node24 (or run the tests under Node 24).`
    );
  }
  const [file, ...args] = options.command ?? [options.node, CLI];
  const env = { HOME: options.cwd, PATH: path.join(options.cwd, 'no-such-bin'), ...options.env };
  return new Promise((resolve, reject) => {
    const child = spawn(file as string, [...args, ...(options.args ?? [])], {
      cwd: options.cwd,
      env,
      stdio: ['ignore', options.stdoutFd ?? 'pipe', 'pipe'],
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid ?? options.uid })
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', error => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ exitCode, signal, stdout, stderr });
    });
  });
}

const JWT = /eyJ[\w-]{4,}\.eyJ[\w-]{4,}\.[\w-]+/;

/** No secret of the scenario, no given secret, and no token at all (a JWT) on stderr. */
export function expectNothingSecretOnStderr(run: CliRun, extraSecrets: readonly string[] = []): void {
  const secrets = [...SCENARIO_SECRETS, ...extraSecrets].filter(secret => secret.trim() !== '');
  expect(
    secrets.filter(secret => run.stderr.includes(secret)).map(secret => `stderr holds a secret of ${secret.length} characters`)
  ).toEqual([]);
  expect(JWT.test(run.stderr)).toBe(false);
}

/** A loopback port nothing listens on: connections to it are refused at once. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise(resolve => server.close(resolve));
  return port;
}
