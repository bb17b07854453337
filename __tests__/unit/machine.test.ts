import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nodeMachine } from '../../src/machine.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'machine-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

describe('nodeMachine', () => {
  const machine = nodeMachine();

  it('runs a program without a shell: arguments reach it verbatim', async () => {
    const echo = script('echo-args', 'printf "%s|" "$@"; echo "warn" >&2');
    await expect(machine.runProcess(echo, ['a b', '$HOME', '&&'], { timeoutMs: 5_000 })).resolves.toEqual({
      exitCode: 0,
      stdout: 'a b|$HOME|&&|',
      stderr: 'warn\n'
    });
  });

  it('reports a non-zero exit with its output', async () => {
    const fail = script('fail', 'echo nope >&2; exit 3');
    await expect(machine.runProcess(fail, [], { timeoutMs: 5_000 })).resolves.toEqual({ exitCode: 3, stdout: '', stderr: 'nope\n' });
  });

  it('reports a program that does not exist as ENOENT', async () => {
    await expect(machine.runProcess(path.join(dir, 'missing'), [], { timeoutMs: 5_000 })).resolves.toMatchObject({ exitCode: null, failure: 'ENOENT' });
  });

  it('kills a program that outlives its timeout', async () => {
    const hang = script('hang', 'exec sleep 5');
    await expect(machine.runProcess(hang, [], { timeoutMs: 100 })).resolves.toMatchObject({ exitCode: null, failure: 'ETIMEDOUT' });
  });

  it('reads files and their sizes', async () => {
    const file = path.join(dir, 'k.key');
    fs.writeFileSync(file, 'abc');
    await expect(machine.readFile(file)).resolves.toEqual(Buffer.from('abc'));
    await expect(machine.fileSize(file)).resolves.toBe(3);
  });
});
