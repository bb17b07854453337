import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cleanup } from '../../../src/action/post.js';
import { nodeMachine } from '../../../src/core/machine.js';
import { recordingRunner } from '../support.js';

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
    expect(runner.warnings).toEqual([`Left ${file} alone: it is no longer the token file this step wrote (it was replaced or changed since).`]);
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
