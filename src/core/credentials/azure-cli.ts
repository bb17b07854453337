/**
 * `azure-cli`: reuses the runner's `az login` session (for instance after azure/login):
 * `az account get-access-token --output json --resource R [--tenant T]`.
 * Behaviour and output format: docs/protocol.md#4-azure-cli.
 */
import * as path from 'node:path';
import { ActionError } from '../errors.js';
import { findOnPath } from '../executables.js';
import { externalText } from '../external-text.js';
import { jsonFields, stringField } from '../json.js';
import type { ProcessResult } from '../machine.js';
import { type AccessToken, checkNotExpired, expiryFromTimestamp } from '../token.js';
import { type Credential, type CredentialDeps, scopeToResource } from './credential.js';
import type { AzureCliSettings } from './settings.js';

/** `az` may refresh its own token first: give it time, but not forever. */
const AZ_TIMEOUT_MS = 60_000;

/** What may reach the command line: nothing a shell would read as syntax. */
const SAFE_RESOURCE = /^[0-9a-zA-Z\-_.:/]+$/;
const SAFE_TENANT = /^[0-9a-zA-Z\-.]+$/;

const INSTALL_HINT = 'Install the Azure CLI (https://aka.ms/azure-cli), or choose another auth-type.';
const LOGIN_HINT =
  "Sign the CLI in earlier in the job (azure/login), or run `az login` as the runner's user on a self-hosted runner. " +
  "On GitHub-hosted runners prefer auth-type 'oidc': it needs no az login step.";

export function createAzureCliCredential(settings: AzureCliSettings, deps: CredentialDeps): Credential {
  return {
    kind: 'azure-cli',
    async getToken(scope, options) {
      const resource = scopeToResource(scope);
      const tenant = options?.tenantId ?? settings.tenantId;
      if (!SAFE_RESOURCE.test(resource) || (tenant !== undefined && !SAFE_TENANT.test(tenant))) {
        const inTenant = tenant ? ` in tenant '${externalText(tenant)}'` : '';
        throw new ActionError(
          `The Azure CLI cannot be asked for resource '${externalText(resource)}'${inTenant}: only ` +
            `letters, digits and - _ . : / may be used.`
        );
      }
      const args = ['account', 'get-access-token', '--output', 'json', '--resource', resource, ...(tenant ? ['--tenant', tenant] : [])];
      const result = await runAz(settings, deps, args);
      const now = deps.machine.now();
      return checkNotExpired(parseAzOutput(result.stdout, deps.masker, now), now, 'The Azure CLI');
    }
  };
}

/**
 * Runs `az` by its full path from PATH (never a copy in the working directory). Windows ships it
 * as `az.cmd`, which node runs only through cmd.exe (CVE-2024-27980): the path is quoted and
 * every argument has been checked to hold no character cmd.exe would interpret.
 */
async function runAz(settings: AzureCliSettings, deps: CredentialDeps, args: readonly string[]): Promise<ProcessResult> {
  const { platform } = deps.machine;
  const az = await findOnPath('az', settings, deps.machine);
  if (az === undefined) throw new ActionError("The Azure CLI ('az') is not on PATH.", INSTALL_HINT);
  const batch = platform === 'win32' && /\.(cmd|bat)$/i.test(az);
  if (batch && /["%\r\n]/.test(az)) {
    throw new ActionError(`Refusing to run the Azure CLI from '${externalText(az)}': the path holds a character cmd.exe would interpret.`);
  }
  const result = await deps.machine.runProcess(batch ? `"${az}"` : az, args, { timeoutMs: AZ_TIMEOUT_MS, shell: batch });
  if (result.failure === 'ENOENT') throw new ActionError(`The Azure CLI could not be started from ${az}.`, INSTALL_HINT);
  if (result.failure === 'ETIMEDOUT') {
    throw new ActionError(
      `The Azure CLI did not answer within ${AZ_TIMEOUT_MS / 1000} s (${path.basename(az)} account get-access-token).`,
      LOGIN_HINT
    );
  }
  if (result.exitCode !== 0) throw explainAzFailure(result, args.includes('--tenant'), text => deps.masker.redact(text));
  return result;
}

/** Turns what `az` printed on stderr into what failed and what to do (protocol.md#azure-cli-errors). */
export function explainAzFailure(result: ProcessResult, withTenant: boolean, redact: (text: string) => string = text => text): ActionError {
  const stderr = result.stderr.trim();
  if (/az:(.*)not found/.test(stderr) || /^'az' is not recognized/.test(stderr)) {
    return new ActionError("The Azure CLI ('az') is not installed.", INSTALL_HINT);
  }
  const said =
    externalText(stderr.replace(/\s+/g, ' '), { redact, maxLength: 500 }) || `exit code ${result.exitCode ?? 'none'}, no message`;
  // Azure CLI signed in with `az login --identity` refuses --tenant (azure-cli _profile.py).
  if (withTenant && /Tenant shouldn't be specified for managed identity account/i.test(stderr)) {
    return new ActionError(
      `The Azure CLI is signed in with a managed identity, which refuses --tenant: ${said}`,
      "Remove 'tenant-id' (a managed identity has one tenant), or use auth-type 'managed-identity' directly: it needs no az login."
    );
  }
  if (/az login/.test(stderr) && !/az login --scope/.test(stderr)) {
    return new ActionError(`The Azure CLI is not signed in: ${said}`, LOGIN_HINT);
  }
  return new ActionError(
    `The Azure CLI failed to get a token: ${said}`,
    'Run `az account get-access-token` on the runner to see the problem.'
  );
}

/**
 * `accessToken`, masked at once; expiry from `expires_on` (epoch seconds, CLI 2.54+), else the
 * deprecated `expiresOn` (a local time with no zone, read as the runner's local time).
 */
export function parseAzOutput(stdout: string, masker: { mask(value: string): void }, now: number): AccessToken {
  let output: unknown;
  try {
    output = JSON.parse(stdout);
  } catch {
    throw new ActionError('The Azure CLI printed no JSON for az account get-access-token.', 'Update the Azure CLI: az upgrade');
  }
  const fields = jsonFields(output);
  const token = stringField(fields, 'accessToken');
  if (token === undefined) throw new ActionError('The Azure CLI answered without an accessToken.', 'Update the Azure CLI: az upgrade');
  masker.mask(token);
  const expiresOn = expiryFromTimestamp(fields['expires_on'], now) ?? expiryFromTimestamp(fields['expiresOn'], now);
  if (expiresOn === undefined)
    throw new ActionError('The Azure CLI answered without a valid expiry (expires_on / expiresOn).', 'Update the Azure CLI: az upgrade');
  return { token, expiresOn };
}
