/**
 * `azure-cli`: reuses the runner's `az login` session (for instance after azure/login):
 * `az account get-access-token --output json --resource R [--tenant T]`.
 * Behaviour and output format: ../shared/reference/azure-protocol.md §4.
 */
import * as path from 'node:path';
import type { Config } from '../config.js';
import { ActionError } from '../errors.js';
import { jsonFields } from '../http.js';
import type { AccessToken } from '../token.js';
import { findOnPath } from './auto.js';
import { type Credential, type MachineCredentialDeps, type ProcessResult, scopeToResource } from './credential.js';

/** `az` may refresh its own token first: give it time, but not forever. */
export const AZ_TIMEOUT_MS = 60_000;

/** What may reach the command line (§4): nothing a shell would read as syntax. */
const SAFE_RESOURCE = /^[0-9a-zA-Z\-_.:/]+$/;
const SAFE_TENANT = /^[0-9a-zA-Z\-.]+$/;

const INSTALL_HINT = 'Install the Azure CLI (https://aka.ms/azure-cli), or choose another auth-type.';
const LOGIN_HINT =
  'Sign the CLI in earlier in the job (azure/login), or run `az login` as the runner\'s user on a self-hosted runner. ' +
  "On GitHub-hosted runners prefer auth-type 'oidc': it needs no az login step.";

export function createAzureCliCredential(config: Config, deps: MachineCredentialDeps): Credential {
  return {
    kind: 'azure-cli',
    async getToken(scope, options) {
      const resource = scopeToResource(scope);
      const tenant = options?.tenantId ?? config.tenantId;
      if (!SAFE_RESOURCE.test(resource) || (tenant !== undefined && !SAFE_TENANT.test(tenant))) {
        throw new ActionError(`The Azure CLI cannot be asked for resource '${resource}'${tenant ? ` in tenant '${tenant}'` : ''}: only letters, digits and - _ . : / may be used.`);
      }
      const args = ['account', 'get-access-token', '--output', 'json', '--resource', resource, ...(tenant ? ['--tenant', tenant] : [])];
      const result = await runAz(config, deps, args);
      return parseAzOutput(result.stdout, deps.mask);
    }
  };
}

/**
 * Runs `az` by its full path from PATH (never a copy in the working directory). Windows ships it
 * as `az.cmd`, which node runs only through cmd.exe (CVE-2024-27980): the path is quoted and
 * every argument has been checked to hold no character cmd.exe would interpret.
 */
async function runAz(config: Config, deps: MachineCredentialDeps, args: readonly string[]): Promise<ProcessResult> {
  const { platform } = deps.machine;
  const az = findOnPath('az', config, platform);
  if (az === undefined) {
    throw new ActionError("The Azure CLI ('az') is not on PATH.", INSTALL_HINT);
  }
  const batch = platform === 'win32' && /\.(cmd|bat)$/i.test(az);
  if (batch && /["%\r\n]/.test(az)) {
    throw new ActionError(`Refusing to run the Azure CLI from '${az}': the path holds a character cmd.exe would interpret.`);
  }
  const result = await deps.machine.runProcess(batch ? `"${az}"` : az, args, { timeoutMs: AZ_TIMEOUT_MS, shell: batch });
  if (result.failure === 'ENOENT') {
    throw new ActionError(`The Azure CLI could not be started from ${az}.`, INSTALL_HINT);
  }
  if (result.failure === 'ETIMEDOUT') {
    throw new ActionError(`The Azure CLI did not answer within ${AZ_TIMEOUT_MS / 1000} s (${path.basename(az)} account get-access-token).`, LOGIN_HINT);
  }
  if (result.exitCode !== 0) throw explainAzFailure(result);
  return result;
}

/** Turns what `az` printed on stderr into what failed and what to do (§4 stderr detection). */
export function explainAzFailure(result: ProcessResult): ActionError {
  const stderr = result.stderr.trim();
  if (/az:(.*)not found/.test(stderr) || /^'az' is not recognized/.test(stderr)) {
    return new ActionError("The Azure CLI ('az') is not installed.", INSTALL_HINT);
  }
  const said = stderr.replace(/\s+/g, ' ').slice(0, 500) || `exit code ${result.exitCode ?? 'none'}, no message`;
  if (/az login/.test(stderr) && !/az login --scope/.test(stderr)) {
    return new ActionError(`The Azure CLI is not signed in: ${said}`, LOGIN_HINT);
  }
  return new ActionError(`The Azure CLI failed to get a token: ${said}`, 'Run `az account get-access-token` on the runner to see the problem.');
}

/**
 * `accessToken`, masked at once; expiry from `expires_on` (epoch seconds, CLI 2.54+), else the
 * deprecated `expiresOn` (a local time with no zone, read as the runner's local time).
 */
export function parseAzOutput(stdout: string, mask: (value: string) => void): AccessToken {
  let output: unknown;
  try {
    output = JSON.parse(stdout);
  } catch {
    throw new ActionError('The Azure CLI printed no JSON for az account get-access-token.', 'Update the Azure CLI: az upgrade');
  }
  const fields = jsonFields(output);
  const token = fields['accessToken'];
  if (typeof token !== 'string' || token === '') {
    throw new ActionError('The Azure CLI answered without an accessToken.', 'Update the Azure CLI: az upgrade');
  }
  mask(token);
  const epoch = fields['expires_on'];
  const seconds = typeof epoch === 'number' ? epoch : typeof epoch === 'string' && /^\d+$/.test(epoch) ? Number(epoch) : NaN;
  if (Number.isFinite(seconds) && seconds > 0) return { token, expiresOn: new Date(seconds * 1000) };
  const local = typeof fields['expiresOn'] === 'string' ? new Date(fields['expiresOn']) : undefined;
  if (local && !Number.isNaN(local.getTime())) return { token, expiresOn: local };
  throw new ActionError(`The Azure CLI answered without a valid expiry (expires_on / expiresOn).`, 'Update the Azure CLI: az upgrade');
}
