/**
 * The action's main step, top to bottom: read the inputs, pick the credential, get the token
 * (and the Key Vault token, at the same time), then hand everything to the runner.
 */
import * as fs from 'node:fs/promises';
import { type Config, readConfig, type Env } from './config.js';
import type { Credential, MachineDeps } from './credentials/credential.js';
import { imdsHost, probeImds } from './credentials/auto.js';
import { createCredential } from './credentials/index.js';
import { describeError } from './errors.js';
import { createHttp, type Http } from './http.js';
import { nodeMachine } from './machine.js';
import { type LoadedSecret, loadSecrets, type SecretsLoad, vaultScope } from './keyvault.js';
import { maskValue } from './masking.js';
import {
  actionsRunner,
  formatExpiry,
  identityOf,
  type Identity,
  publishSecrets,
  type Runner,
  setTokenOutputs,
  summaryMarkdown,
  writeTokenFile
} from './outputs.js';
import type { AccessToken } from './token.js';
import { cachedTokenSource, type TokenSource } from './token-cache.js';

export interface Deps {
  readonly env: Env;
  readonly runner: Runner;
  readonly http: Http;
  readonly now: () => number;
  /** Files, processes and the platform, for the credentials that use them. */
  readonly machine: MachineDeps;
}

export function defaultDeps(): Deps {
  const runner = actionsRunner();
  return {
    env: process.env,
    runner,
    now: Date.now,
    machine: nodeMachine(),
    http: createHttp({
      sleep: ms => new Promise(resolve => setTimeout(resolve, ms)),
      random: Math.random,
      now: Date.now,
      log: runner.info
    })
  };
}

/** Runs the main step. Never throws: a failure is reported once, with setFailed. */
export async function run(deps: Deps = defaultDeps()): Promise<void> {
  const { runner } = deps;
  const mask = (value: string): void => maskValue(runner.setSecret, value);
  try {
    const config = readConfig(deps.env, mask);
    const credential = await createCredential(config, {
      http: deps.http,
      now: deps.now,
      mask,
      log: runner.info,
      machine: deps.machine,
      imdsAnswers: () => probeImds(deps.http, imdsHost(config))
    });
    const tokens = cachedTokenSource(credential);
    // Key Vault starts as soon as its own token arrives, alongside the resource token (one request when they are the same).
    const [token, loaded] = await Promise.all([tokens(config.scope), loadConfiguredSecrets(config, { ...deps, mask }, tokens)]);
    const identity = identityOf(token.token, config);
    logIdentity(runner, credential, identity, config, token);
    const secrets = reportSecrets(runner, config, loaded);

    // Everything was obtained: only now does anything reach the runner's files.
    if (config.tokenFile !== undefined) await writeTokenFileForPost(runner, config.tokenFile, token.token);
    setTokenOutputs(runner, { token, identity, authType: credential.kind, tokenFile: config.tokenFile });
    publishSecrets(runner, secrets, config.exportEnv);
    if (config.jobSummary) {
      await runner.appendSummary(
        summaryMarkdown({ identity, authType: credential.kind, resource: config.resource, expiresOn: token.expiresOn, secrets })
      );
    }
  } catch (error) {
    runner.setFailed(describeError(error));
  } finally {
    deps.http.dispose();
  }
}

/** The `secrets` input's values, all fetched and masked, or one error listing every failure. */
async function loadConfiguredSecrets(config: Config, deps: Deps & { mask: (value: string) => void }, tokens: TokenSource): Promise<SecretsLoad> {
  if (config.secrets.length === 0) return { secrets: [], warnings: [] };
  const scope = vaultScope(config.cloud);
  // The vault token's identity names the assignee in the role assignment commands of error hints.
  const assignee = identityOf((await tokens(scope)).token, config).objectId;
  return loadSecrets(
    config.secrets,
    { http: deps.http, now: deps.now, mask: deps.mask, tokens, log: deps.runner.info },
    { scope, ignoreMissing: config.ignoreMissingSecrets, assignee }
  );
}

function reportSecrets(runner: Runner, config: Config, loaded: SecretsLoad): readonly LoadedSecret[] {
  for (const warning of loaded.warnings) runner.warning(warning);
  if (config.secrets.length > 0) {
    const names = loaded.secrets.map(secret => secret.envName).join(', ') || 'none';
    runner.info(`Loaded ${loaded.secrets.length} Key Vault ${loaded.secrets.length === 1 ? 'secret' : 'secrets'}: ${names}.`);
  }
  return loaded.secrets;
}

/**
 * Writes the token file and tells the post step to delete it. The path is saved only once the
 * file is ours (the post step must never delete a file that was there before), and a file whose
 * path could not be saved is removed at once rather than left behind.
 */
async function writeTokenFileForPost(runner: Runner, file: string, token: string): Promise<void> {
  await writeTokenFile(file, token);
  try {
    runner.saveState('token-file', file);
  } catch (error) {
    await fs.rm(file, { force: true });
    throw error;
  }
}

function logIdentity(runner: Runner, credential: Credential, identity: Identity, config: Config, token: AccessToken): void {
  runner.info(
    `Signed in with auth-type '${credential.kind}' as client ${identity.clientId ?? '-'} (object ${identity.objectId ?? '-'}) in tenant ${identity.tenantId ?? '-'}.`
  );
  runner.info(`Token for ${config.resource} expires at ${formatExpiry(token.expiresOn)}.`);
}
