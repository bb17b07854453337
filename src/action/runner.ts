/**
 * The GitHub runner, as the action's steps see it: masks, log lines, outputs, environment,
 * state and the job summary. The Runner interface wraps @actions/core so tests can record
 * every call.
 */
import * as core from '@actions/core';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { EOL } from 'node:os';
import { ActionError } from '../core/errors.js';
import type { Log } from '../core/log.js';

export type Entries = ReadonlyArray<readonly [name: string, value: string]>;

export interface Runner extends Log {
  setSecret(value: string): void;
  /** Sets outputs for this step, in one write however many there are. */
  setOutputs(entries: Entries): void;
  /** Exports variables to the later steps, in one write however many there are. */
  exportVariables(entries: Entries): void;
  saveState(name: string, value: string): void;
  getState(name: string): string;
  setFailed(message: string): void;
  appendSummary(markdown: string): Promise<void>;
}

/**
 * The real runner. Outputs and environment go only to the GITHUB_OUTPUT and GITHUB_ENV files:
 * @actions/core would otherwise fall back to printing them as workflow commands, values and all.
 */
export function actionsRunner(env: NodeJS.ProcessEnv = process.env): Runner {
  return {
    setSecret: core.setSecret,
    setOutputs: entries => appendFileCommands(env, 'GITHUB_OUTPUT', 'set outputs', entries),
    exportVariables: entries => appendFileCommands(env, 'GITHUB_ENV', 'export environment variables', entries),
    saveState: (name, value) => appendFileCommands(env, 'GITHUB_STATE', 'save state for its post step', [[name, value]]),
    getState: core.getState,
    info: message => core.info(neutralizeCommands(message)),
    notice: message => core.notice(message),
    warning: message => core.warning(message),
    debug: core.debug,
    setFailed: message => core.setFailed(message),
    appendSummary: async markdown => {
      await core.summary.addRaw(markdown, true).write();
    }
  };
}

/**
 * The runner reads a line of the log that starts with `::` (after spaces) as a workflow command.
 * Text from outside is escaped before it is ever logged; this is the net under that rule, for
 * the one channel @actions/core writes unescaped.
 */
export function neutralizeCommands(message: string): string {
  return message.replace(/(^|\r\n|\r|\n)([ \t]*)::/g, '$1$2\\:\\:');
}

/**
 * Appends `name<<DELIMITER` heredocs to a runner file (the format @actions/core writes), all in
 * one write: at a thousand secrets, one append per value shows in the step's time.
 */
function appendFileCommands(env: NodeJS.ProcessEnv, variable: string, what: string, entries: Entries): void {
  if (entries.length === 0) return;
  const file = env[variable];
  if (!file) throw new ActionError(`${variable} is not set, so the action cannot ${what}: run it as a GitHub Actions step.`);
  if (!fs.existsSync(file)) throw new ActionError(`${variable} names ${file}, which does not exist, so the action cannot ${what}.`);
  const delimiter = `ghadelimiter_${randomUUID()}`;
  const text = entries.map(([name, value]) => {
    if (name.includes(delimiter) || value.includes(delimiter))
      throw new ActionError(`Refusing to ${what}: a value holds the file's delimiter.`);
    return `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`;
  });
  fs.appendFileSync(file, text.join(''), { encoding: 'utf8' });
}
