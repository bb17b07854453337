/**
 * The action's main step, top to bottom: read the inputs, pick the credential, get the token
 * and the secrets, then hand everything to the runner, and (when asked) keep the identity
 * available to the later steps.
 */
import { acquire, type Acquired } from '../core/acquire.js';
import { type Config, type Env, readConfig } from '../core/config.js';
import { createCredential, type Credential } from '../core/credentials/index.js';
import { describeError } from '../core/errors.js';
import { createHttp, type Http } from '../core/http.js';
import { type Machine, nodeMachine } from '../core/machine.js';
import { createMasker } from '../core/masking.js';
import { writeTokenFile } from '../core/token-file.js';
import type { EndpointProgram } from '../endpoint/lifecycle.js';
import { signInLaterSteps } from './later-steps.js';
import { publishSecrets, tokenOutputs } from './outputs.js';
import { actionsRunner, type Runner } from './runner.js';
import { failureSummary, successSummary } from './summary.js';

export interface Deps {
  readonly env: Env;
  readonly runner: Runner;
  readonly machine: Machine;
  /** The HTTP layer, given the masker and log the step uses (tests hand in one that never sleeps). */
  readonly http: Http;
  /** The token endpoint's program, for sign-in-later-steps (default: dist/endpoint/ beside this bundle). */
  readonly endpoint?: EndpointProgram;
}

function defaultDeps(): Deps {
  const runner = actionsRunner();
  const machine = nodeMachine();
  return { env: process.env, runner, machine, http: createHttp({ clock: machine, log: runner }) };
}

/** The action's inputs, as the runner hands them over: INPUT_<NAME> variables. */
export function actionInputs(env: Env): (name: string) => string {
  return name => env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '';
}

/** Runs the main step. Never throws: a failure is reported once, with setFailed. */
export async function run(deps: Deps = defaultDeps()): Promise<void> {
  const { runner, machine, http } = deps;
  const masker = createMasker(value => runner.setSecret(value));
  let config: Config | undefined;
  let credential: Credential | undefined;
  try {
    config = readConfig(
      { input: actionInputs(deps.env), env: deps.env, workspace: deps.env['GITHUB_WORKSPACE']?.trim() || process.cwd() },
      masker
    );
    credential = await createCredential(config, { http, machine, masker, log: runner });
    const acquired = await acquire(config, credential, { http, machine, masker, log: runner });
    // Everything was obtained: only now does anything reach the runner's files.
    await handOver(config, credential, acquired, deps);
    if (config.signInLaterSteps)
      await signInLaterSteps(config, credential, acquired.identity, { ...deps, masker, input: actionInputs(deps.env) });
  } catch (error) {
    const message = describeError(error);
    runner.setFailed(message);
    await summarizeFailure(deps, config, credential, message);
  } finally {
    http.dispose();
  }
}

async function handOver(config: Config, credential: Credential, acquired: Acquired, deps: Deps): Promise<void> {
  const { runner } = deps;
  if (config.tokenFile !== undefined) await writeTokenFileForPost(deps, config.tokenFile, acquired.token.token);
  runner.setOutputs(tokenOutputs(acquired, credential.kind, config.tokenFile));
  publishSecrets(runner, acquired.secrets, config.exportEnv);
  if (config.jobSummary) {
    await runner.appendSummary(
      successSummary({
        identity: acquired.identity,
        authType: credential.kind,
        resource: config.resource,
        expiresOn: acquired.token.expiresOn,
        subject: credential.subject?.(),
        secrets: acquired.secrets
      })
    );
  }
}

/**
 * Writes the token file and tells the post step to delete it. What the state names is the file
 * as created (path, device, inode, size, modification time): the post step deletes nothing
 * else. A file whose state could not be saved is removed at once rather than left behind.
 */
async function writeTokenFileForPost(deps: Deps, file: string, token: string): Promise<void> {
  const identity = await writeTokenFile(deps.machine, file, token);
  try {
    deps.runner.saveState('token-file', JSON.stringify({ path: file, ...identity }));
  } catch (error) {
    await deps.machine.removeFile(file);
    throw error;
  }
}

/** The failure's summary, when the step was asked for one (read from the raw input if the inputs did not parse). */
async function summarizeFailure(
  deps: Deps,
  config: Config | undefined,
  credential: Credential | undefined,
  message: string
): Promise<void> {
  const wanted = config?.jobSummary ?? actionInputs(deps.env)('job-summary').trim().toLowerCase() === 'true';
  if (!wanted) return;
  try {
    await deps.runner.appendSummary(
      failureSummary({
        authType: credential?.kind ?? config?.authType ?? 'auto',
        resource: config?.resource,
        error: message.split('\n')[0] ?? message
      })
    );
  } catch (error) {
    deps.runner.warning(`Could not write the job summary: ${describeError(error)}`);
  }
}
