/**
 * Everything that writes to the runner: masks, outputs, environment, state, the token file and
 * the job summary. The Runner interface wraps @actions/core so tests can record every call.
 */
import * as core from '@actions/core';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { AuthType } from './config.js';
import { ActionError, withContext } from './errors.js';
import { readClaims, stringClaim } from './jwt.js';
import type { AccessToken } from './token.js';

export interface Runner {
  setSecret(value: string): void;
  setOutput(name: string, value: string): void;
  exportVariable(name: string, value: string): void;
  saveState(name: string, value: string): void;
  getState(name: string): string;
  info(message: string): void;
  warning(message: string): void;
  debug(message: string): void;
  setFailed(message: string): void;
  appendSummary(markdown: string): Promise<void>;
}

/**
 * The real runner. Outputs and environment go only to the GITHUB_OUTPUT and GITHUB_ENV files:
 * @actions/core would otherwise fall back to printing them as workflow commands, values and all.
 */
export function actionsRunner(env: NodeJS.ProcessEnv = process.env): Runner {
  const requireFile = (variable: string, what: string): void => {
    if (!env[variable]) {
      throw new ActionError(`${variable} is not set, so the action cannot ${what}: run it as a GitHub Actions step.`);
    }
  };
  return {
    setSecret: core.setSecret,
    setOutput: (name, value) => {
      requireFile('GITHUB_OUTPUT', 'set outputs');
      core.setOutput(name, value);
    },
    exportVariable: (name, value) => {
      requireFile('GITHUB_ENV', 'export environment variables');
      core.exportVariable(name, value);
    },
    saveState: (name, value) => {
      requireFile('GITHUB_STATE', 'save state for its post step');
      core.saveState(name, value);
    },
    getState: core.getState,
    info: core.info,
    warning: message => core.warning(message),
    debug: core.debug,
    setFailed: message => core.setFailed(message),
    appendSummary: async markdown => {
      await core.summary.addRaw(markdown, true).write();
    }
  };
}

/** Who the token belongs to, from its claims (`tid`, `appid` or `azp`, `oid`). */
export interface Identity {
  readonly tenantId: string | undefined;
  readonly clientId: string | undefined;
  readonly objectId: string | undefined;
}

export function identityOf(token: string, fallback: { tenantId: string | undefined; clientId: string | undefined }): Identity {
  const claims = readClaims(token);
  return {
    tenantId: stringClaim(claims, 'tid') ?? fallback.tenantId,
    clientId: stringClaim(claims, 'appid') ?? stringClaim(claims, 'azp') ?? fallback.clientId,
    objectId: stringClaim(claims, 'oid')
  };
}

/** ISO 8601 in UTC with whole seconds: `2026-11-23T12:34:56Z`. */
export function formatExpiry(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * Writes the token to a new file, readable by its owner only. The file must not exist: opening
 * with O_EXCL never overwrites a file nor follows a planted symlink.
 */
export async function writeTokenFile(file: string, token: string): Promise<void> {
  // A bare "EACCES: permission denied" would not say which step failed.
  const failed = (error: unknown): ActionError => withContext(`Writing token-file ${file}`, error);
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 }).catch((error: unknown) => {
    throw failed(error);
  });
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ActionError(
        `token-file ${file} already exists.`,
        'The action writes a new file and never overwrites one: choose a path that does not exist, or delete the file first.'
      );
    }
    throw failed(error);
  }
  try {
    await handle.writeFile(token, 'utf8');
  } finally {
    await handle.close();
  }
}

export interface TokenOutputs {
  readonly token: AccessToken;
  readonly identity: Identity;
  readonly authType: AuthType;
  readonly tokenFile: string | undefined;
}

/** Sets the token's outputs. The token was masked when it was parsed. */
export function setTokenOutputs(runner: Runner, outputs: TokenOutputs): void {
  runner.setOutput('access-token', outputs.token.token);
  runner.setOutput('expires-on', formatExpiry(outputs.token.expiresOn));
  runner.setOutput('token-type', 'Bearer');
  runner.setOutput('tenant-id', outputs.identity.tenantId ?? '');
  runner.setOutput('client-id', outputs.identity.clientId ?? '');
  runner.setOutput('object-id', outputs.identity.objectId ?? '');
  runner.setOutput('auth-type', outputs.authType);
  if (outputs.tokenFile !== undefined) runner.setOutput('token-file', outputs.tokenFile);
}

export interface SummaryFacts {
  readonly identity: Identity;
  readonly authType: AuthType;
  readonly resource: string;
  readonly expiresOn: Date;
  /** Names only: a summary never holds a value. */
  readonly secrets: ReadonlyArray<{ readonly name: string; readonly envName: string; readonly vault: string }>;
}

/** The job summary: identity, resource, expiry and the names (never values) of loaded secrets. */
export function summaryMarkdown(facts: SummaryFacts): string {
  const cell = (text: string | undefined): string => (text ? text.replace(/\|/g, '\\|') : '-');
  const lines = [
    '### Azure token',
    '',
    '| | |',
    '|---|---|',
    `| Credential | ${cell(facts.authType)} |`,
    `| Client ID | ${cell(facts.identity.clientId)} |`,
    `| Object ID | ${cell(facts.identity.objectId)} |`,
    `| Tenant ID | ${cell(facts.identity.tenantId)} |`,
    `| Resource | ${cell(facts.resource)} |`,
    `| Expires | ${formatExpiry(facts.expiresOn)} |`
  ];
  if (facts.secrets.length > 0) {
    lines.push('', `#### Key Vault secrets (${facts.secrets.length})`, '', '| Secret | Vault | Environment variable |', '|---|---|---|');
    for (const secret of facts.secrets) {
      lines.push(`| ${cell(secret.name)} | ${cell(secret.vault)} | ${cell(secret.envName)} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Sets one output per loaded secret, named like its environment variable, and exports the
 * variable when `exportEnv` is true. Called only once every secret was fetched (so a failing
 * step exports nothing), with values masked when they were parsed. An empty value is set as
 * empty, not skipped: a later step sees the variable exists.
 */
export function publishSecrets(
  runner: Runner,
  secrets: ReadonlyArray<{ readonly envName: string; readonly value: string }>,
  exportEnv: boolean
): void {
  for (const secret of secrets) {
    runner.setOutput(secret.envName, secret.value);
    if (exportEnv) runner.exportVariable(secret.envName, secret.value);
  }
}
