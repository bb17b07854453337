/** Finding a program on PATH the way a shell would, but never in the working directory. */
import * as path from 'node:path';
import type { Machine } from './machine.js';

export interface SearchPath {
  /** PATH, and PATHEXT on Windows. */
  readonly path: string | undefined;
  readonly pathExt: string | undefined;
}

/** The full path of an executable on PATH (with PATHEXT on Windows), or undefined. */
export async function findOnPath(name: string, search: SearchPath, machine: Machine): Promise<string | undefined> {
  const windows = machine.platform === 'win32';
  const paths = windows ? path.win32 : path.posix;
  const extensions = windows ? (search.pathExt ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean) : [''];
  for (const directory of (search.path ?? '').split(windows ? ';' : ':')) {
    // A relative entry would search the working directory, which holds the repository's files.
    if (!directory || !paths.isAbsolute(directory)) continue;
    for (const extension of extensions) {
      const candidate = paths.join(directory, name + extension.toLowerCase());
      if (await machine.isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}
