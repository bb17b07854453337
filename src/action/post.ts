/**
 * The post step (dist/post/index.js): deletes the token file the main step wrote, and only that
 * file. The state names the file as it was created; a path that now names anything else (a new
 * file, a link, a file changed since) is left alone with a warning. The state never holds a
 * token or a secret.
 */
import { messageOf } from '../core/errors.js';
import { externalText } from '../core/external-text.js';
import type { FileIdentity, Machine } from '../core/machine.js';
import type { Runner } from './runner.js';

interface SavedTokenFile extends FileIdentity {
  readonly path: string;
}

export async function cleanup(runner: Runner, machine: Machine): Promise<void> {
  const state = runner.getState('token-file');
  if (!state) return;
  const saved = parseState(state);
  if (saved === undefined) {
    runner.warning(`The saved state of the token file is not the main step's (${externalText(state, { maxLength: 80 })}); nothing was deleted.`);
    return;
  }
  const now = await machine.fileIdentity(saved.path);
  if (now === undefined) {
    runner.info(`The token file ${saved.path} is gone already.`);
    return;
  }
  if (now.device !== saved.device || now.inode !== saved.inode || now.size !== saved.size || now.modifiedNs !== saved.modifiedNs) {
    runner.warning(`Left ${saved.path} alone: it is no longer the token file this step wrote (it was replaced or changed since).`);
    return;
  }
  try {
    await machine.removeFile(saved.path);
    runner.info(`Deleted the token file ${saved.path}.`);
  } catch (error) {
    // A file left behind is worth a warning, not a failed job: the token expires anyway.
    runner.warning(`Could not delete the token file ${saved.path}: ${messageOf(error)}`);
  }
}

function parseState(state: string): SavedTokenFile | undefined {
  try {
    const value = JSON.parse(state) as Record<string, unknown>;
    const fields = ['path', 'device', 'inode', 'size', 'modifiedNs'] as const;
    if (!fields.every(field => typeof value[field] === 'string' && value[field] !== '')) return undefined;
    return value as unknown as SavedTokenFile;
  } catch {
    return undefined;
  }
}
