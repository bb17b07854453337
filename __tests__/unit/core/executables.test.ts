import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findOnPath, type SearchPath } from '../../../src/core/executables.js';
import { configFrom, fakeMachine } from '../credential-support.js';
import { testMachine } from '../support.js';

describe('findOnPath', () => {
  it.each<[string, NodeJS.Platform, SearchPath, string[], string | undefined]>([
    ['an az on Linux', 'linux', { path: '/nonexistent:/opt/az/bin', pathExt: undefined }, ['/opt/az/bin/az'], '/opt/az/bin/az'],
    [
      'the first of two on PATH',
      'linux',
      { path: '/usr/local/bin:/usr/bin', pathExt: undefined },
      ['/usr/bin/az', '/usr/local/bin/az'],
      '/usr/local/bin/az'
    ],
    ['nothing where PATH has none', 'linux', { path: '/nonexistent', pathExt: undefined }, ['/opt/az/bin/az'], undefined],
    ['nothing without PATH', 'linux', { path: undefined, pathExt: undefined }, ['/usr/bin/az'], undefined],
    [
      'nothing in an empty PATH entry (it would mean the working directory)',
      'linux',
      { path: ':/nonexistent', pathExt: undefined },
      ['az'],
      undefined
    ],
    [
      'nothing in a relative PATH entry (it would find an az in the checked-out repository)',
      'linux',
      { path: 'node_modules/.bin:tools', pathExt: undefined },
      ['tools/az'],
      undefined
    ],
    [
      'past a relative PATH entry, the absolute one after it',
      'linux',
      { path: 'tools:/usr/bin', pathExt: undefined },
      ['tools/az', '/usr/bin/az'],
      '/usr/bin/az'
    ],
    // PATHEXT's extensions, lower-cased, in a ;-separated PATH.
    [
      'az.cmd on Windows through PATHEXT',
      'win32',
      { path: 'C:\\Windows;C:\\CLI2\\wbin', pathExt: '.EXE;.CMD' },
      ['C:\\CLI2\\wbin\\az.cmd'],
      'C:\\CLI2\\wbin\\az.cmd'
    ],
    [
      "PATHEXT's order within a directory",
      'win32',
      { path: 'C:\\tools', pathExt: '.CMD;.EXE' },
      ['C:\\tools\\az.exe', 'C:\\tools\\az.cmd'],
      'C:\\tools\\az.cmd'
    ],
    [
      'the default PATHEXT (.COM;.EXE;.BAT;.CMD) when it is not set',
      'win32',
      { path: 'C:\\tools', pathExt: undefined },
      ['C:\\tools\\az.bat'],
      'C:\\tools\\az.bat'
    ],
    [
      'nothing in a relative Windows PATH entry',
      'win32',
      { path: 'tools;.\\bin', pathExt: '.CMD' },
      ['tools\\az.cmd', '.\\bin\\az.cmd'],
      undefined
    ],
    ['no extensionless az on Windows', 'win32', { path: 'C:\\tools', pathExt: '.EXE' }, ['C:\\tools\\az'], undefined],
    ['a Linux PATH is split at : only', 'linux', { path: '/a;/opt/az/bin', pathExt: undefined }, ['/opt/az/bin/az'], undefined]
  ])('finds %s', async (_, platform, search, executables, found) => {
    await expect(findOnPath('az', search, fakeMachine({ platform, executables }))).resolves.toBe(found);
  });

  it("takes PATH and PATHEXT from the config's context", async () => {
    const context = configFrom({}, { PATH: 'C:\\Windows;C:\\CLI2\\wbin', PATHEXT: '.EXE;.CMD' }).context;
    await expect(findOnPath('az', context, fakeMachine({ platform: 'win32', executables: ['C:\\CLI2\\wbin\\az.cmd'] }))).resolves.toBe(
      'C:\\CLI2\\wbin\\az.cmd'
    );
  });
});

// The real machine: a file counts only when it is a regular file this user may run.
(process.platform === 'win32' ? describe.skip : describe)('findOnPath on the real file system', () => {
  let bin: string;
  beforeAll(() => {
    bin = fs.mkdtempSync(path.join(os.tmpdir(), 'executables-'));
    for (const dir of ['runs', 'not-executable', 'directory']) fs.mkdirSync(path.join(bin, dir));
    fs.writeFileSync(path.join(bin, 'runs', 'az'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'not-executable', 'az'), '#!/bin/sh\n', { mode: 0o644 });
    fs.mkdirSync(path.join(bin, 'directory', 'az'), { mode: 0o755 });
  });
  afterAll(() => fs.rmSync(bin, { recursive: true, force: true }));

  it.each([
    ['an executable az', ['runs'], 'runs'],
    ['no az that is not executable', ['not-executable'], undefined],
    ['no directory named az', ['directory'], undefined],
    ['the executable one, past those', ['not-executable', 'directory', 'runs'], 'runs']
  ])('finds %s', async (_, dirs, found) => {
    const search = { path: dirs.map(dir => path.join(bin, dir)).join(':'), pathExt: undefined };
    await expect(findOnPath('az', search, testMachine())).resolves.toBe(found === undefined ? undefined : path.join(bin, found, 'az'));
  });
});
