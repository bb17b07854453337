/**
 * Writing the access token to a file for another process (a later step, the main container of
 * a pod): its exact bytes, readable by its owner only, created new (never overwriting, never
 * following a planted link) or, when asked, replacing the old one at once by a rename.
 */
import { ActionError, withContext } from './errors.js';
import type { FileIdentity, Machine } from './machine.js';

export async function writeTokenFile(
  machine: Machine,
  file: string,
  token: string,
  options: { replace?: boolean } = {}
): Promise<FileIdentity | undefined> {
  try {
    if (options.replace) {
      await machine.replaceFile(file, token, 0o600);
      return undefined;
    }
    return await machine.createFile(file, token, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ActionError(
        `The token file ${file} already exists.`,
        'A new file is written and never overwrites one: choose a path that does not exist, or delete the file first.'
      );
    }
    // A bare "EACCES: permission denied" would not say what was being written.
    throw withContext(`Writing the token file ${file}`, error);
  }
}
