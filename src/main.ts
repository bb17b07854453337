/**
 * The action's main step, top to bottom: read the inputs, pick the credential, get the token
 * (and the Key Vault token, at the same time), then hand everything to the runner.
 */
import { type Config, readConfig, type Env } from './config.js';
import type { Credential } from './credentials/credential.js';
import { imdsHost, probeImds } from './credentials/auto.js';
import { createCredential } from './credentials/index.js';
import { describeError, withContext } from './errors.js';
import { createHttp, type Http } from './http.js';
import { maskValue } from './masking.js';
import {
  actionsRunner,
  formatExpiry,
  identityOf,
  type Identity,
  type Runner,
  setTokenOutputs,
  summaryMarkdown,
  writeTokenFile
} from './outputs.js';
import type { AccessToken } from './token.js';

export interface Deps {
  readonly env: Env;
  readonly runner: Runner;
  readonly http: Http;
  readonly now: () => number;
}

export function defaultDeps(): Deps {
  const runner = actionsRunner();
  return {
    env: process.env,
    runner,
    now: Date.now,
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
  try {
    const config = readConfig(deps.env, value => maskValue(runner.setSecret, value));
    const credential = await createCredential(config, {
      http: deps.http,
      now: deps.now,
      mask: value => maskValue(runner.setSecret, value),
      log: runner.info,
      imdsAnswers: () => probeImds(deps.http, imdsHost(config))
    });
    const token = await getToken(credential, config.scope);
    const identity = identityOf(token.token, config);
    logIdentity(runner, credential, identity, config, token);

    if (config.tokenFile !== undefined) {
      await writeTokenFile(config.tokenFile, token.token);
      runner.saveState('token-file', config.tokenFile);
    }
    setTokenOutputs(runner, { token, identity, authType: credential.kind, tokenFile: config.tokenFile });
    if (config.jobSummary) {
      await runner.appendSummary(
        summaryMarkdown({ identity, authType: credential.kind, resource: config.resource, expiresOn: token.expiresOn, secrets: [] })
      );
    }
  } catch (error) {
    runner.setFailed(describeError(error));
  } finally {
    deps.http.dispose();
  }
}

async function getToken(credential: Credential, scope: string): Promise<AccessToken> {
  try {
    return await credential.getToken(scope);
  } catch (error) {
    throw withContext(`Getting a token for ${scope} with auth-type '${credential.kind}'`, error);
  }
}

function logIdentity(runner: Runner, credential: Credential, identity: Identity, config: Config, token: AccessToken): void {
  runner.info(
    `Signed in with auth-type '${credential.kind}' as client ${identity.clientId ?? '-'} (object ${identity.objectId ?? '-'}) in tenant ${identity.tenantId ?? '-'}.`
  );
  runner.info(`Token for ${config.resource} expires at ${formatExpiry(token.expiresOn)}.`);
}
