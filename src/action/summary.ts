/**
 * The job summary (`job-summary: true`): who signed in, for what, until when, and the names
 * (never the values) of the loaded secrets; on failure, what was tried and the error's first
 * line. Every value stands in a code span, so a URL does not render as a link and a `|` or a
 * backtick cannot break the table.
 */
import { formatExpiry, type Identity } from '../core/identity.js';

interface SuccessFacts {
  readonly identity: Identity;
  readonly authType: string;
  readonly resource: string;
  readonly expiresOn: Date;
  /** The federated subject presented (OIDC, workload identity), when there was one. */
  readonly subject: string | undefined;
  /** Names only: a summary never holds a value. */
  readonly secrets: ReadonlyArray<{
    readonly name: string;
    readonly envName: string;
    readonly vault: string;
    readonly exportable: boolean;
  }>;
}

interface FailureFacts {
  readonly authType: string;
  readonly resource: string | undefined;
  /** The error's first line; it holds no secret (errors never do), but it is shown as code all the same. */
  readonly error: string;
}

/** A value as inline code: a run of backticks longer than any inside it, and `|` escaped for the table. */
export function code(text: string | undefined): string {
  if (text === undefined || text === '') return '-';
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map(run => run[0].length));
  const fence = '`'.repeat(longest + 1);
  const padded = longest > 0 || text.startsWith(' ') ? ` ${text} ` : text;
  return `${fence}${padded.replace(/\|/g, '\\|').replace(/\r?\n|\r/g, ' ')}${fence}`;
}

export function successSummary(facts: SuccessFacts): string {
  const rows: Array<[string, string]> = [
    ['Credential', code(facts.authType)],
    ['Client ID', code(facts.identity.clientId)],
    ['Object ID', code(facts.identity.objectId)],
    ['Tenant ID', code(facts.identity.tenantId)],
    ...(facts.subject === undefined ? [] : ([['Federated subject', code(facts.subject)]] as Array<[string, string]>)),
    ['Resource', code(facts.resource)],
    ['Expires', code(formatExpiry(facts.expiresOn))]
  ];
  const lines = ['### Azure token', '', '| Item | Value |', '|---|---|', ...rows.map(([name, value]) => `| ${name} | ${value} |`)];
  if (facts.secrets.length > 0) {
    lines.push('', `#### Key Vault secrets (${facts.secrets.length})`, '', '| Secret | Vault | Name |', '|---|---|---|');
    for (const secret of facts.secrets) {
      const name = secret.exportable ? code(secret.envName) : `${code(secret.envName)} (output only)`;
      lines.push(`| ${code(secret.name)} | ${code(secret.vault)} | ${name} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function failureSummary(facts: FailureFacts): string {
  const lines = [
    '### Azure token: failed',
    '',
    '| Item | Value |',
    '|---|---|',
    `| Credential | ${code(facts.authType)} |`,
    `| Resource | ${code(facts.resource)} |`,
    `| Error | ${code(facts.error)} |`,
    '',
    'The step log holds the whole error, with what to do about it.'
  ];
  return `${lines.join('\n')}\n`;
}
