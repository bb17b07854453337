import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cleanup, runPost, statsLine, stopTokenEndpoint } from '../../../src/action/post.js';
import { nodeMachine } from '../../../src/core/machine.js';
import type { StopResult } from '../../../src/endpoint/lifecycle.js';
import { recordingRunner, testMachine } from '../support.js';

const posix = process.platform === 'win32' ? it.skip : it;

describe('post step', () => {
  const machine = nodeMachine();
  let directory: string;
  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'post-'));
  });
  afterEach(() => {
    fs.rmSync(directory, { recursive: true, force: true });
  });

  /** The state the main step saves for a file it created. */
  async function created(file: string, content = 'the-token'): Promise<string> {
    const identity = await machine.createFile(file, content, 0o600);
    return JSON.stringify({ path: file, ...identity });
  }

  it('deletes the token file the main step created', async () => {
    const file = path.join(directory, 'token');
    const runner = recordingRunner({ 'token-file': await created(file) });
    await cleanup(runner, machine);
    expect(fs.existsSync(file)).toBe(false);
    expect(runner.calls).toEqual([['info', `Deleted the token file ${file}.`]]);
  });

  it('does nothing without state', async () => {
    const runner = recordingRunner();
    await cleanup(runner, machine);
    expect(runner.calls).toEqual([]);
  });

  it('is fine when the file is already gone', async () => {
    const file = path.join(directory, 'token');
    const state = await created(file);
    fs.rmSync(file);
    const runner = recordingRunner({ 'token-file': state });
    await cleanup(runner, machine);
    expect(runner.calls).toEqual([['info', `The token file ${file} is gone already.`]]);
  });

  it('leaves alone, with a warning, a file put in its place since (even one reusing the inode)', async () => {
    const file = path.join(directory, 'token');
    const state = await created(file);
    fs.rmSync(file);
    fs.writeFileSync(file, 'someone else');
    const runner = recordingRunner({ 'token-file': state });
    await cleanup(runner, machine);
    expect(fs.readFileSync(file, 'utf8')).toBe('someone else');
    expect(runner.warnings).toEqual([
      `Left ${file} alone: it is no longer the token file this step wrote (it was replaced or changed since).`
    ]);
  });

  it('leaves alone a file whose content changed since', async () => {
    const file = path.join(directory, 'token');
    const state = await created(file);
    fs.appendFileSync(file, 'more');
    const runner = recordingRunner({ 'token-file': state });
    await cleanup(runner, machine);
    expect(fs.existsSync(file)).toBe(true);
    expect(runner.warnings).toHaveLength(1);
  });

  it.each<[string, (file: string) => string]>([
    ['a bare path (a forged ::save-state::)', file => file],
    ['JSON without the identity', file => JSON.stringify({ path: file })],
    ['JSON with a wrong identity', file => JSON.stringify({ path: file, device: '1', inode: '2', size: '3', modifiedNs: '4' })]
  ])('never deletes what %s names', async (_, state) => {
    const file = path.join(directory, 'precious');
    fs.writeFileSync(file, 'keep me');
    const runner = recordingRunner({ 'token-file': state(file) });
    await cleanup(runner, machine);
    expect(fs.readFileSync(file, 'utf8')).toBe('keep me');
    expect(runner.warnings).toHaveLength(1);
    expect(runner.failures).toEqual([]);
  });

  posix('never follows a symlink put where the token file was', async () => {
    const target = path.join(directory, 'target');
    const file = path.join(directory, 'token');
    const state = await created(file);
    fs.rmSync(file);
    fs.writeFileSync(target, 'keep me');
    fs.symlinkSync(target, file);
    const runner = recordingRunner({ 'token-file': state });
    await cleanup(runner, machine);
    expect(fs.readFileSync(target, 'utf8')).toBe('keep me');
    expect(fs.lstatSync(file).isSymbolicLink()).toBe(true);
  });

  it('warns, without failing the job, when the file cannot be deleted', async () => {
    const file = path.join(directory, 'token');
    const state = await created(file);
    const failing = { ...machine, removeFile: async () => Promise.reject(new Error('EPERM: operation not permitted')) };
    const runner = recordingRunner({ 'token-file': state });
    await cleanup(runner, failing);
    expect(runner.failures).toEqual([]);
    expect(runner.warnings).toEqual([`Could not delete the token file ${file}: EPERM: operation not permitted`]);
  });
});

describe('post step: the token endpoint', () => {
  const URL_ = 'http://127.0.0.1:41234/msi/token';
  const HEADER = '12'.repeat(32);
  const STATE = { 'token-endpoint': JSON.stringify({ url: URL_, pid: 4242 }) };
  const STATS = { served: { 'https://management.azure.com': 9, 'https://vault.azure.net': 5 }, failures: 0, refused: 0, pid: 4343 };

  /** stopTokenEndpoint with an endpoint that answers `result`, and a process that is gone once asked `checks` times. */
  async function stopWith(
    result: StopResult,
    options: { state?: Record<string, string>; env?: Record<string, string>; running?: () => boolean } = {}
  ) {
    const runner = recordingRunner(options.state ?? STATE);
    const asked: Array<[string, string]> = [];
    const checked: number[] = [];
    const machine = {
      ...testMachine(),
      isRunning: (pid: number) => {
        checked.push(pid);
        return options.running?.() ?? false;
      }
    };
    const env = options.env ?? { IDENTITY_HEADER: HEADER, IDENTITY_ENDPOINT: URL_ };
    await stopTokenEndpoint({ runner, machine, env, stop: async (url, secret) => (asked.push([url, secret]), result) });
    return { runner, asked, checked };
  }

  it('stops it with the header from its environment, waits for the process it names, and prints one line', async () => {
    const { runner, asked, checked } = await stopWith({ outcome: 'stopped', stats: STATS });
    expect(asked).toEqual([[URL_, HEADER]]);
    expect(checked).toEqual([4343]);
    expect(runner.calls).toEqual([
      ['info', 'Token endpoint stopped: served 14 tokens (https://management.azure.com 9, https://vault.azure.net 5), 0 failures.']
    ]);
  });

  it('warns with the line when some tokens could not be minted', async () => {
    const { runner } = await stopWith({ outcome: 'stopped', stats: { ...STATS, failures: 2, refused: 1 } });
    expect(runner.warnings).toEqual([
      'Token endpoint stopped: served 14 tokens (https://management.azure.com 9, https://vault.azure.net 5), 2 failures, 1 refused request.'
    ]);
  });

  it('warns when the process has not exited after the shutdown', async () => {
    const { runner } = await stopWith({ outcome: 'stopped', stats: STATS }, { running: () => true });
    expect(runner.warnings).toEqual([
      'Token endpoint stopped: served 14 tokens (https://management.azure.com 9, https://vault.azure.net 5), 0 failures. Its process 4343 had not exited 5 s later; the runner ends it with the job.'
    ]);
  });

  it('says so, without failing, when it is gone already', async () => {
    const { runner } = await stopWith({ outcome: 'gone' });
    expect(runner.calls).toEqual([['info', `The token endpoint at ${URL_} had stopped already: nothing answers there.`]]);
    expect(runner.failures).toEqual([]);
  });

  it('warns when it refuses, naming a replaced IDENTITY_ENDPOINT', async () => {
    const { runner } = await stopWith(
      { outcome: 'refused', status: 401, said: '{"error":"unauthorized"}' },
      { env: { IDENTITY_HEADER: 'ab'.repeat(32), IDENTITY_ENDPOINT: 'http://127.0.0.1:50000/msi/token' } }
    );
    expect(runner.warnings).toEqual([
      `The token endpoint at ${URL_} refused to stop (HTTP 401: {"error":"unauthorized"}). IDENTITY_ENDPOINT names another endpoint now: a later step replaced it, and its header with it. The runner ends it with the job.`
    ]);
  });

  it('warns when IDENTITY_HEADER is missing, and asks nothing', async () => {
    const { runner, asked } = await stopWith({ outcome: 'gone' }, { env: {} });
    expect(asked).toEqual([]);
    expect(runner.warnings).toEqual([
      `Could not stop the token endpoint at ${URL_}: IDENTITY_HEADER is not set in this step (did a step remove it?). The runner ends it with the job.`
    ]);
  });

  it.each([
    ['a URL that is not loopback', JSON.stringify({ url: 'http://evil.example:80/msi/token', pid: 1 })],
    ['a URL with another path', JSON.stringify({ url: 'http://127.0.0.1:1/steal', pid: 1 })],
    ['no pid', JSON.stringify({ url: URL_ })],
    ['not JSON', URL_]
  ])('never sends the header where %s names', async (_name, state) => {
    const { runner, asked } = await stopWith({ outcome: 'gone' }, { state: { 'token-endpoint': state } });
    expect(asked).toEqual([]);
    expect(runner.warnings).toHaveLength(1);
  });

  it('does nothing when no endpoint was started', async () => {
    const { runner, asked } = await stopWith({ outcome: 'gone' }, { state: {} });
    expect(asked).toEqual([]);
    expect(runner.calls).toEqual([]);
  });

  it('stops the endpoint, then deletes the token file, in one post step', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'post-'));
    const file = path.join(directory, 'token');
    const identity = await nodeMachine().createFile(file, 'the-token', 0o600);
    const runner = recordingRunner({ ...STATE, 'token-file': JSON.stringify({ path: file, ...identity }) });
    const machine = { ...nodeMachine(), isRunning: () => false };
    await runPost({ runner, machine, env: { IDENTITY_HEADER: HEADER }, stop: async () => ({ outcome: 'stopped', stats: STATS }) });
    expect(runner.calls).toEqual([
      ['info', 'Token endpoint stopped: served 14 tokens (https://management.azure.com 9, https://vault.azure.net 5), 0 failures.'],
      ['info', `Deleted the token file ${file}.`]
    ]);
    fs.rmSync(directory, { recursive: true, force: true });
  });
});

describe('statsLine', () => {
  it.each<[string, Parameters<typeof statsLine>[0], string]>([
    ['nothing served', { served: {}, failures: 0, refused: 0, pid: 1 }, 'Token endpoint stopped: served 0 tokens, 0 failures.'],
    [
      'one token',
      { served: { 'https://vault.azure.net': 1 }, failures: 1, refused: 0, pid: 1 },
      'Token endpoint stopped: served 1 token (https://vault.azure.net 1), 1 failure.'
    ],
    [
      'most served first',
      { served: { a: 1, b: 3, c: 3 }, failures: 0, refused: 2, pid: 1 },
      'Token endpoint stopped: served 7 tokens (b 3, c 3, a 1), 0 failures, 2 refused requests.'
    ],
    [
      'a resource with a line break, as data',
      { served: { 'x\n::error::forged': 1 }, failures: 0, refused: 0, pid: 1 },
      'Token endpoint stopped: served 1 token (x\\n::error::forged 1), 0 failures.'
    ]
  ])('%s', (_name, stats, expected) => {
    expect(statsLine(stats)).toBe(expected);
  });

  it('names at most 20 resources', () => {
    const served = Object.fromEntries(Array.from({ length: 23 }, (_, i) => [`https://r${String(i).padStart(2, '0')}.example`, 1]));
    expect(statsLine({ served, failures: 0, refused: 0, pid: 1 })).toMatch(/https:\/\/r19\.example 1, 3 more resources\), 0 failures\.$/);
  });
});
