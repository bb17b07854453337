/**
 * Where the core reports what it does. Each front-end supplies one: the action writes to the
 * runner's log (debug lines only with RUNNER_DEBUG=1), the command line to stderr, the token
 * endpoint nowhere. Nothing secret is ever passed here.
 */
export interface Log {
  info(message: string): void;
  /** Something the user should know, that is not a problem (the runner shows it highlighted). */
  notice(message: string): void;
  warning(message: string): void;
  /** Every request and decision, for `RUNNER_DEBUG=1` / `--verbose`. */
  debug(message: string): void;
}

export const SILENT_LOG: Log = Object.freeze({ info: () => {}, notice: () => {}, warning: () => {}, debug: () => {} });
