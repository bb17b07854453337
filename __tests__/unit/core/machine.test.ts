import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileReadError, nodeMachine } from '../../../src/core/machine.js';

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

const posix = process.platform === 'win32' ? describe.skip : describe;

posix('nodeMachine: processes', () => {
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
    await expect(machine.runProcess(path.join(dir, 'missing'), [], { timeoutMs: 5_000 })).resolves.toMatchObject({
      exitCode: null,
      failure: 'ENOENT'
    });
  });

  it('kills a program that outlives its timeout', async () => {
    const hang = script('hang', 'exec sleep 5');
    await expect(machine.runProcess(hang, [], { timeoutMs: 100 })).resolves.toMatchObject({ exitCode: null, failure: 'ETIMEDOUT' });
  });

  it('tells an executable file from a plain one and from a directory', async () => {
    const plain = path.join(dir, 'plain');
    fs.writeFileSync(plain, 'x', { mode: 0o644 });
    await expect(machine.isExecutable(script('runnable', 'true'))).resolves.toBe(true);
    await expect(machine.isExecutable(plain)).resolves.toBe(false);
    await expect(machine.isExecutable(dir)).resolves.toBe(false);
  });
});

posix('nodeMachine: credential files are regular files', () => {
  const machine = nodeMachine();
  const reason = async (file: string, max = 100): Promise<[string, string]> => {
    try {
      await machine.readRegularFile(file, max);
    } catch (error) {
      if (error instanceof FileReadError) return [error.reason, error.message];
      throw error;
    }
    throw new Error('expected a failure');
  };

  it('reads a regular file', async () => {
    const file = path.join(dir, 'k.key');
    fs.writeFileSync(file, 'abc');
    await expect(machine.readRegularFile(file, 100)).resolves.toEqual(Buffer.from('abc'));
  });

  it('refuses a FIFO at once, without waiting for a writer', async () => {
    const fifo = path.join(dir, 'pipe.key');
    execFileSync('mkfifo', [fifo]);
    await expect(reason(fifo)).resolves.toEqual(['not-regular', 'it is a FIFO (named pipe), not a regular file']);
  });

  it('refuses a directory and a device', async () => {
    await expect(reason(dir)).resolves.toEqual(['not-regular', 'it is a directory, not a regular file']);
    await expect(reason('/dev/zero')).resolves.toEqual(['not-regular', 'it is a device, not a regular file']);
  });

  it('refuses a file over the bound', async () => {
    const big = path.join(dir, 'big.key');
    fs.writeFileSync(big, 'x'.repeat(101));
    await expect(reason(big)).resolves.toEqual(['too-large', 'it has 101 bytes, more than the 100 allowed']);
  });

  it('says a missing file is missing', async () => {
    await expect(reason(path.join(dir, 'nope'))).resolves.toEqual(['missing', 'no such file']);
  });
});

posix('nodeMachine: files it writes', () => {
  const machine = nodeMachine();

  it('creates a new file with mode 0600, and its parents, and knows it again', async () => {
    const file = path.join(dir, 'new', 'deeper', 'token');
    const identity = await machine.createFile(file, 'tok', 0o600);
    expect(fs.readFileSync(file, 'utf8')).toBe('tok');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    await expect(machine.fileIdentity(file)).resolves.toEqual(identity);
  });

  it('never overwrites a file nor follows a planted link', async () => {
    const existing = path.join(dir, 'existing');
    fs.writeFileSync(existing, 'keep');
    await expect(machine.createFile(existing, 'tok', 0o600)).rejects.toMatchObject({ code: 'EEXIST' });
    const link = path.join(dir, 'link');
    fs.symlinkSync(path.join(dir, 'target-that-does-not-exist'), link);
    await expect(machine.createFile(link, 'tok', 0o600)).rejects.toMatchObject({ code: 'EEXIST' });
    expect(fs.existsSync(path.join(dir, 'target-that-does-not-exist'))).toBe(false);
    expect(fs.readFileSync(existing, 'utf8')).toBe('keep');
  });

  it('replaces a file by a rename, leaving no temporary file', async () => {
    const file = path.join(dir, 'replaced');
    fs.writeFileSync(file, 'old');
    await machine.replaceFile(file, 'new', 0o600);
    expect(fs.readFileSync(file, 'utf8')).toBe('new');
    expect(fs.readdirSync(dir).filter(name => name.endsWith('.tmp'))).toEqual([]);
  });

  it('sees a file replaced at the same path as another file', async () => {
    const file = path.join(dir, 'swapped');
    const first = await machine.createFile(file, 'tok', 0o600);
    fs.rmSync(file);
    fs.writeFileSync(file, 'other');
    await expect(machine.fileIdentity(file)).resolves.not.toEqual(first);
  });

  it('gives no identity for a link or a directory', async () => {
    const link = path.join(dir, 'link-to-existing');
    fs.symlinkSync(path.join(dir, 'existing'), link);
    await expect(machine.fileIdentity(link)).resolves.toBeUndefined();
    await expect(machine.fileIdentity(dir)).resolves.toBeUndefined();
  });
});

describe('nodeMachine: programs started in the background', () => {
  const machine = nodeMachine();
  const started: number[] = [];
  afterAll(() => {
    for (const pid of started) if (machine.isRunning(pid)) process.kill(pid, 'SIGKILL');
  });

  /** A Node program (so it runs on every platform) from its source. */
  function program(name: string, source: string): string {
    const file = path.join(dir, `${name}.mjs`);
    fs.writeFileSync(file, source);
    return file;
  }

  async function gone(pid: number): Promise<boolean> {
    for (let tries = 0; tries < 100 && machine.isRunning(pid); tries++) await new Promise(resolve => setTimeout(resolve, 10));
    return !machine.isRunning(pid);
  }

  it('hands it its input on stdin, reads its first line, and lets it run on with only the environment given', async () => {
    const echo = program(
      'echo-input',
      "let input = ''; process.stdin.on('data', c => (input += c)); process.stdin.on('end', () => { " +
        "process.stdout.write(JSON.stringify({ input, env: Object.keys(process.env).filter(n => n !== 'PWD').sort() }) + '\\n'); process.stdout.end(); }); setInterval(() => {}, 1000);"
    );
    const result = await machine.startBackground(process.execPath, [echo], {
      env: { ONLY_THIS: '1' },
      input: 'the message',
      timeoutMs: 5_000
    });
    if (!result.started) throw new Error(result.why);
    started.push(result.pid);
    expect(JSON.parse(result.firstLine)).toEqual({ input: 'the message', env: ['ONLY_THIS'] });
    expect(machine.isRunning(result.pid)).toBe(true);
    if (process.platform === 'linux') {
      // Nothing of this process's: stdout a pipe of its own, stderr discarded.
      expect(fs.readlinkSync(`/proc/${result.pid}/fd/2`)).toBe('/dev/null');
      expect(fs.readlinkSync(`/proc/${result.pid}/fd/1`)).not.toBe(fs.readlinkSync(`/proc/${process.pid}/fd/1`));
    }
    process.kill(result.pid, 'SIGKILL');
    await expect(gone(result.pid)).resolves.toBe(true);
  });

  it('kills a program that writes no line in time', async () => {
    const pidFile = path.join(dir, 'silent.pid');
    const silent = program(
      'silent',
      `import fs from 'node:fs'; fs.writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000);`
    );
    const result = await machine.startBackground(process.execPath, [silent], { env: {}, input: '', timeoutMs: 500 });
    expect(result).toEqual({ started: false, why: 'it wrote nothing within 0.5 s' });
    // On a loaded machine it may have been killed before it wrote its pid: then there is nothing left to see.
    if (!fs.existsSync(pidFile)) return;
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    started.push(pid);
    await expect(gone(pid)).resolves.toBe(true);
  });

  it('reads the line of a program that answers and exits', async () => {
    const report = program('report-and-exit', 'process.stdout.write(\'{"error":"no"}\\n\'); process.exit(1);');
    const result = await machine.startBackground(process.execPath, [report], { env: {}, input: '', timeoutMs: 5_000 });
    expect(result).toMatchObject({ started: true, firstLine: '{"error":"no"}' });
  });

  it('says so when a program exits without a word, or is not there', async () => {
    const quiet = program('exit-quietly', 'process.exit(3);');
    await expect(machine.startBackground(process.execPath, [quiet], { env: {}, input: '', timeoutMs: 5_000 })).resolves.toEqual({
      started: false,
      why: 'it exited (code 3) without a word'
    });
    const missing = path.join(dir, 'no-such-program');
    await expect(machine.startBackground(missing, [], { env: {}, input: '', timeoutMs: 5_000 })).resolves.toEqual({
      started: false,
      why: `${missing} was not found`
    });
  });

  it('tells a running process from one that has exited', async () => {
    expect(machine.isRunning(process.pid)).toBe(true);
    const child = execFileSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    expect(machine.isRunning(Number(child.trim()))).toBe(false);
  });
});
