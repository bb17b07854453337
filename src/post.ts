/**
 * The post step (dist/post/index.js): deletes the token file the main step wrote. It reads only
 * the path saved in the step's state, which never holds a token or a secret.
 */
import * as fs from 'node:fs/promises';
import type { Runner } from './outputs.js';
import { messageOf } from './errors.js';

export async function cleanup(runner: Runner): Promise<void> {
  const tokenFile = runner.getState('token-file');
  if (!tokenFile) return;
  try {
    await fs.rm(tokenFile, { force: true });
    runner.info(`Deleted the token file ${tokenFile}.`);
  } catch (error) {
    // A file left behind is worth a warning, not a failed job: the token expires anyway.
    runner.warning(`Could not delete the token file ${tokenFile}: ${messageOf(error)}`);
  }
}

