/**
 * The command line, top to bottom: find the inputs (flags, a credentials file, variables), let
 * the core read them, pick the credential, get the token and the secrets, then hand them over:
 * the token file, then stdout. The log goes to stderr; the exit status says how it went.
 */
import { acquire } from '../core/acquire.js';
import { type Config, type Env, readConfig } from '../core/config.js';
import { createCredential } from '../core/credentials/index.js';
import { createHttp, type Http } from '../core/http.js';
import type { Log } from '../core/log.js';
import { type Machine, nodeMachine } from '../core/machine.js';
import { createMasker, type Masker } from '../core/masking.js';
import { writeTokenFile } from '../core/token-file.js';
import { BadInputError, type ExitCode, failureOf } from './failure.js';
import { type Flags, UsageError } from './flags.js';
import { type CliInputs, readInputs } from './inputs.js';
import { type CliLog, cliLog } from './log.js';
import { formatOutput, type Printed, printedForm, type Result } from './output.js';

/** The token file asked for (an absolute path), and whether it may replace one. */
interface TokenFile {
  readonly file: string | undefined;
  readonly replace: boolean;
}

export interface CliDeps {
  readonly env: Env;
  /** Where relative paths resolve. */
  readonly cwd: string;
  readonly machine: Machine;
  /** The HTTP layer, given the log (tests hand in one that never sleeps). */
  readonly http: (log: Log) => Http;
  /** Resolves once the text is written (or rejects: a closed pipe). */
  readonly stdout: (text: string) => Promise<void>;
  readonly stderr: (text: string) => void;
}

function defaultDeps(): CliDeps {
  const machine = nodeMachine();
  return {
    env: process.env,
    cwd: process.cwd(),
    machine,
    http: log => createHttp({ clock: machine, log }),
    stdout: text =>
      new Promise((resolve, reject) => {
        if (text === '') resolve();
        else process.stdout.write(text, error => (error ? reject(error) : resolve()));
      }),
    stderr: text => process.stderr.write(text)
  };
}

/** Runs the command with parsed flags; resolves with the exit status, never rejects. */
export async function run(flags: Flags, deps: CliDeps = defaultDeps()): Promise<ExitCode> {
  const masker = createMasker(() => {});
  const log = cliLog(deps.stderr, {
    quiet: flags.quiet,
    verbose: flags.verbose || debugRequested(deps.env),
    redact: text => masker.redact(text)
  });
  const http = deps.http(log);
  let inputs: CliInputs | undefined;
  try {
    inputs = await readInputs(flags, { env: deps.env, cwd: deps.cwd, machine: deps.machine, masker, log });
    const config = readCliConfig(inputs, masker);
    const printed = chooseOutput(flags, config);
    const credential = await createCredential(config, { http, machine: deps.machine, masker, log });
    const acquired = await acquire(config, credential, { http, machine: deps.machine, masker, log });
    const result = { acquired, authType: credential.kind, resource: config.resource, secretsAsked: config.secrets.length > 0 };
    await handOver(result, printed, { file: config.tokenFile, replace: flags.replace }, deps, log);
    return 0;
  } catch (error) {
    const failure = failureOf(error, inputs);
    log.error(failure.text);
    return failure.exitCode;
  } finally {
    http.dispose();
  }
}

/** AZURE_TOKEN_DEBUG=1 is --verbose, for containers whose arguments are fixed. */
function debugRequested(env: Env): boolean {
  const value = env['AZURE_TOKEN_DEBUG']?.trim().toLowerCase();
  return value === '1' || value === 'true';
}

/** The core's readConfig; whatever it refuses is a bad input (exit 2), made before any request. */
function readCliConfig(inputs: CliInputs, masker: Masker): Config {
  try {
    return readConfig(inputs.source, masker);
  } catch (error) {
    if (error instanceof Error && error.name === 'InputError') throw error;
    throw new BadInputError(error);
  }
}

/** What stdout will get; `--output env` with no secrets to print is a bad flag, found before any request. */
function chooseOutput(flags: Flags, config: Config): Printed {
  const printed = printedForm(flags.output, config.secrets.length > 0, config.tokenFile !== undefined);
  if (printed === 'env' && config.secrets.length === 0) {
    throw new UsageError(
      '--output env prints Key Vault secrets, and no --secrets are given: use --output token or --output json for the token.'
    );
  }
  return printed;
}

/**
 * Everything was obtained: the output is formatted first (it can still refuse a value), then
 * the token file is written, then stdout. A token file this run created is removed again if
 * stdout fails, so that exit 0 means both were written and a failure leaves no file.
 */
async function handOver(result: Result, printed: Printed, tokenFile: TokenFile, deps: CliDeps, log: CliLog): Promise<void> {
  const output = formatOutput(printed, result);
  for (const line of output.omitted) log.warning(line);
  const { file, replace } = tokenFile;
  if (file !== undefined) {
    await writeTokenFile(deps.machine, file, result.acquired.token.token, { replace });
    log.info(`Wrote the token to ${file}${replace ? ' (replacing any file there)' : ''}.`);
  }
  try {
    await deps.stdout(output.text);
  } catch (error) {
    if (file !== undefined && !replace) await deps.machine.removeFile(file);
    throw error;
  }
}
