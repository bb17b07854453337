import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cleanup } from '../../src/post.js';
import { recordingRunner } from './support.js';

describe('post step', () => {
  let directory: string;
  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'post-'));
  });
  afterEach(() => {
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it('deletes the token file named in the state', async () => {
    const file = path.join(directory, 'token');
    fs.writeFileSync(file, 'the-token');
    const runner = recordingRunner({ 'token-file': file });
    await cleanup(runner);
    expect(fs.existsSync(file)).toBe(false);
    expect(runner.calls).toEqual([['info', `Deleted the token file ${file}.`]]);
  });

  it('does nothing without state', async () => {
    const runner = recordingRunner();
    await cleanup(runner);
    expect(runner.calls).toEqual([]);
  });

  it('is fine when the file is already gone', async () => {
    const file = path.join(directory, 'token');
    const runner = recordingRunner({ 'token-file': file });
    await cleanup(runner);
    expect(runner.failures).toEqual([]);
    expect(runner.calls.filter(([method]) => method === 'warning')).toEqual([]);
  });

  (process.platform === 'win32' ? it.skip : it)('deletes a symlink, never what it points at', async () => {
    const target = path.join(directory, 'target');
    const file = path.join(directory, 'token');
    fs.writeFileSync(target, 'keep me');
    fs.symlinkSync(target, file);
    await cleanup(recordingRunner({ 'token-file': file }));
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.readFileSync(target, 'utf8')).toBe('keep me');
  });

  it('warns, without failing the job, when the file cannot be deleted', async () => {
    // A non-empty directory: rm without `recursive` cannot remove it.
    const file = path.join(directory, 'token');
    fs.mkdirSync(file);
    fs.writeFileSync(path.join(file, 'inside'), 'x');
    const runner = recordingRunner({ 'token-file': file });
    await cleanup(runner);
    expect(runner.failures).toEqual([]);
    const warnings = runner.calls.filter(([method]) => method === 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.[1]).toMatch(new RegExp(`^Could not delete the token file ${file}: `));
  });
});
