import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nodeMachine } from '../../../src/core/machine.js';
import { writeTokenFile } from '../../../src/core/token-file.js';

const posix = process.platform === 'win32' ? it.skip : it;

describe('writeTokenFile', () => {
  const machine = nodeMachine();
  let directory: string;
  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'token-file-'));
  });
  afterEach(() => {
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it('creates the file with the token, exactly, readable by its owner only', async () => {
    const file = path.join(directory, 'token');
    await writeTokenFile(machine, file, 'the-token');
    expect(fs.readFileSync(file, 'utf8')).toBe('the-token');
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('creates missing parent directories', async () => {
    const file = path.join(directory, 'a', 'b', 'token');
    await writeTokenFile(machine, file, 'the-token');
    expect(fs.readFileSync(file, 'utf8')).toBe('the-token');
  });

  it('refuses to overwrite an existing file', async () => {
    const file = path.join(directory, 'token');
    fs.writeFileSync(file, 'before');
    await expect(writeTokenFile(machine, file, 'the-token')).rejects.toThrow(`The token file ${file} already exists.`);
    expect(fs.readFileSync(file, 'utf8')).toBe('before');
  });

  it('replaces an existing file when asked, by a rename', async () => {
    const file = path.join(directory, 'token');
    fs.writeFileSync(file, 'before');
    await writeTokenFile(machine, file, 'the-token', { replace: true });
    expect(fs.readFileSync(file, 'utf8')).toBe('the-token');
    expect(fs.readdirSync(directory)).toEqual(['token']);
  });

  it('says what was being written when the directory cannot be made', async () => {
    const blocker = path.join(directory, 'not-a-directory');
    fs.writeFileSync(blocker, '');
    const file = path.join(blocker, 'token');
    // (node's errors come from outside jest's realm, so they print as "Error: E...")
    await expect(writeTokenFile(machine, file, 'the-token')).rejects.toThrow(
      new RegExp(`^Writing the token file ${file}: (Error: )?E[A-Z]+: `)
    );
  });

  posix('refuses an existing symlink and leaves its target alone', async () => {
    const target = path.join(directory, 'target');
    const file = path.join(directory, 'token');
    fs.writeFileSync(target, 'before');
    fs.symlinkSync(target, file);
    await expect(writeTokenFile(machine, file, 'the-token')).rejects.toThrow(`The token file ${file} already exists.`);
    expect(fs.readFileSync(target, 'utf8')).toBe('before');
  });

  posix('refuses a dangling symlink and creates nothing at its target', async () => {
    const target = path.join(directory, 'planted');
    const file = path.join(directory, 'token');
    fs.symlinkSync(target, file);
    await expect(writeTokenFile(machine, file, 'the-token')).rejects.toThrow('already exists');
    expect(fs.existsSync(target)).toBe(false);
  });
});
