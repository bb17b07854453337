/**
 * The command line's log: stderr, so that stdout holds only what a script captures. The lines
 * are the core's (the same the action logs); levels show as `warning: `, `notice: `, `debug: `
 * and `error: ` prefixes, as git writes them. `--quiet` keeps errors only, `--verbose` adds the
 * debug lines. Nothing secret is passed here; as a net under that rule every known secret is
 * replaced by `***` (the runner's masks do this for the action).
 */
import type { Log } from '../core/log.js';

export interface CliLog extends Log {
  /** The one report of a failure: always shown, even with --quiet. */
  error(message: string): void;
}

interface CliLogOptions {
  readonly quiet: boolean;
  readonly verbose: boolean;
  /** Replaces every known secret (Masker.redact). */
  readonly redact: (text: string) => string;
}

export function cliLog(write: (text: string) => void, options: CliLogOptions): CliLog {
  const print = (prefix: string, message: string): void => write(`${neutralizeCommands(options.redact(`${prefix}${message}`))}\n`);
  const unlessQuiet =
    (prefix: string) =>
    (message: string): void => {
      if (!options.quiet) print(prefix, message);
    };
  return {
    info: unlessQuiet(''),
    notice: unlessQuiet('notice: '),
    warning: unlessQuiet('warning: '),
    debug: message => {
      if (options.verbose && !options.quiet) print('debug: ', message);
    },
    error: message => print('error: ', message)
  };
}

/**
 * Run inside a workflow, stderr is the job's log, where a line starting with `::` is a workflow
 * command. The core escapes text from outside; this is the net under that rule (as the
 * action's runner.ts has one for its own log).
 */
export function neutralizeCommands(text: string): string {
  return text.replace(/(^|\r\n|\r|\n)([ \t]*)::/g, '$1$2\\:\\:');
}
