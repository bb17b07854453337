/**
 * What Key Vault's error answers mean, and what to do about them (docs/protocol.md#key-vault-errors).
 * Every line names the secret, its vault and Key Vault's code; a command to run stands on its own
 * line, so it can be copied whole.
 */
import { ActionError } from '../errors.js';
import { externalText } from '../external-text.js';
import { answeredAfter, type HttpResponse } from '../http.js';
import { jsonFields, stringField } from '../json.js';

type FailureKind = 'missing' | 'disabled' | 'forbidden' | 'error';

export interface Failure {
  readonly kind: FailureKind;
  /** What, where, Key Vault's code, and what to do; a command on a line of its own. */
  readonly text: string;
}

/** `db-password in https://my-vault.vault.azure.net` (or `listing https://...`), the way every line names a secret. */
export function labelOf(vault: string, name: string, version?: string): string {
  if (name === '*') return `listing ${vault}`;
  return `${name}${version === undefined ? '' : `/${version}`} in ${vault}`;
}

export interface Explainer {
  /** A vault's error answer for one secret (or `*`, its listing). */
  answer(response: HttpResponse, vault: string, name: string, version?: string): Failure;
}

/**
 * The explainer for one load. `assignee` (the identity's object id, from the vault token) goes
 * into the role assignment and access policy commands; `redact` hides known secrets in
 * Key Vault's own messages.
 */
export function createExplainer(assignee: string | undefined, redact: (text: string) => string): Explainer {
  const who = assignee ?? '<object-id>';
  return {
    answer(response, vault, name, version) {
      const error = jsonFields(jsonFields(response.json)['error']);
      const outer = stringField(error, 'code');
      const inner = stringField(jsonFields(error['innererror']), 'code');
      const firstLine = (stringField(error, 'message') ?? '').split(/\r?\n/)[0]?.trim() ?? '';
      const message = externalText(firstLine, { redact });
      const code = inner ?? outer;
      const kind: FailureKind =
        response.status === 404 && name !== '*'
          ? 'missing'
          : code === 'SecretDisabled'
            ? 'disabled'
            : response.status === 401 || response.status === 403
              ? 'forbidden'
              : 'error';
      const vaultName = new URL(vault).hostname.split('.')[0] ?? vault;
      const accessPolicy = response.status === 403 && (inner === 'AccessDenied' || /access polic/i.test(firstLine));
      const facts = { vaultName, name, assignee: who, message, response };
      const why = kind === 'missing' ? whyMissing(facts) : accessPolicy ? whyAccessPolicy(facts) : whyOther(code, facts);
      const status = code === undefined ? `HTTP ${response.status}` : `${externalText(code)} (HTTP ${response.status})`;
      return { kind, text: `${labelOf(vault, name, version)}: ${status}: ${why}` };
    }
  };
}

interface Facts {
  readonly vaultName: string;
  readonly name: string;
  readonly assignee: string;
  /** The first line of Key Vault's message, as data: later lines repeat caller details. */
  readonly message: string;
  readonly response: HttpResponse;
}

const command = (text: string): string => `\n    ${text}`;

function whyMissing(f: Facts): string {
  return (
    'the vault has no such secret (or version). Check the name; a secret deleted recently can be recovered with:' +
    command(`az keyvault secret recover --vault-name ${f.vaultName} --name ${f.name}`)
  );
}

function whyAccessPolicy(f: Facts): string {
  return (
    'the vault uses access policies, and none lets this identity read secrets. Add one:' +
    command(`az keyvault set-policy --name ${f.vaultName} --object-id ${f.assignee} --secret-permissions get list`)
  );
}

function whyOther(code: string | undefined, f: Facts): string {
  const roleCommand = command(
    `az role assignment create --role "Key Vault Secrets User" --assignee ${f.assignee} ` +
      `--scope $(az keyvault show --name ${f.vaultName} --query id --output tsv)`
  );
  switch (code) {
    case 'SecretDisabled':
      return `the secret is disabled. Enable it:${command(
        `az keyvault secret set-attributes --vault-name ${f.vaultName} --name ${f.name} --enabled true`
      )}`;
    case 'ForbiddenByRbac':
      return `the identity has no role that may read secrets in this vault. Assign it 'Key Vault Secrets User':${roleCommand}`;
    case 'ForbiddenByFirewall':
      return (
        "the vault's firewall refused the runner's address. GitHub-hosted runners have no fixed address: run on a " +
        "self-hosted runner in a network the vault allows (or behind a private endpoint), or allow the runner's IP for the job:" +
        command(`az keyvault network-rule add --name ${f.vaultName} --ip-address <runner-ip>`)
      );
    default:
      break;
  }
  const status = f.response.status;
  if (status === 403) {
    return (
      `access denied (${f.message || 'Forbidden'}). Give the identity the role 'Key Vault Secrets User', ` +
      `or, on a vault with access policies, a policy with secret get and list:${roleCommand}`
    );
  }
  if (status === 401) {
    return (
      `Key Vault refused the token (${f.message || 'Unauthorized'}). Check that the vault is in the ` +
      `identity's tenant and in the cloud set by 'environment'.`
    );
  }
  if (status >= 500 || status === 429) {
    const said = f.message ? ` (${f.message})` : '';
    return `${answeredAfter(f.response)}${said}. Re-run the job; if it persists, check Azure status for Key Vault in the vault's region.`;
  }
  return f.message || 'Key Vault gave no explanation.';
}

/** One error for every failure of a load: nothing was exported. */
export function failuresError(failures: readonly Failure[], ignoreMissing: boolean): ActionError {
  const skippable = failures.some(failure => failure.kind === 'missing' || failure.kind === 'disabled');
  return new ActionError(
    `Could not load ${failures.length === 1 ? 'a Key Vault secret' : `${failures.length} Key Vault secrets`}, so none was exported:\n` +
      failures.map(failure => `- ${failure.text}`).join('\n'),
    skippable && !ignoreMissing
      ? 'To load the others and only warn about missing or disabled secrets, set ignore-missing-secrets: true.'
      : undefined
  );
}
