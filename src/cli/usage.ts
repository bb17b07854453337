/**
 * `azure-token --help`: made from the flag table, so that no flag can be missing from it.
 * docs/command-line.md says the same at length (a test holds both to every flag and variable).
 */
import { FLAGS } from './flags.js';

/** Two columns, the second wrapped at word boundaries within WIDTH. */
function table(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const indent = Math.max(...rows.map(([first]) => first.length)) + 4;
  return rows.flatMap(([first, second]) => {
    const lines: string[] = [];
    let line = `  ${first.padEnd(indent - 2)}`;
    for (const word of second.split(' ')) {
      if (line.length + word.length > WIDTH && line.trim() !== first) {
        lines.push(line.trimEnd());
        line = ' '.repeat(indent);
      }
      line += `${word} `;
    }
    lines.push(line.trimEnd());
    return lines;
  });
}

/** The variables the command line reads, beyond the flags' own fallbacks (which FLAGS lists). */
export const VARIABLES: ReadonlyArray<readonly [name: string, meaning: string]> = [
  ['AZURE_CLIENT_SECRET', 'client secret (auth-type secret); there is no flag for it'],
  ['AZURE_CLIENT_CERTIFICATE_PASSWORD', "passphrase of the certificate's encrypted key; there is no flag for it"],
  ['ENTRA_SERVICE_PRINCIPAL', 'path of a JSON file {"appId","password","tenant"}, all three required (when --creds is absent)'],
  ['AZURE_FEDERATED_TOKEN_FILE', 'AKS workload identity: the projected service account token'],
  ['IDENTITY_ENDPOINT, IDENTITY_HEADER', 'managed identity on App Service, Functions, Container Apps'],
  ['IDENTITY_ENDPOINT, IMDS_ENDPOINT', 'managed identity on an Azure Arc machine'],
  ['AZURE_POD_IDENTITY_AUTHORITY_HOST', "the VM instance metadata service's address (default http://169.254.169.254)"],
  ['HTTPS_PROXY, HTTP_PROXY, NO_PROXY', 'proxy for every request'],
  ['GITHUB_ACTIONS=true', "inside a workflow: auto tries OIDC too, in the action's order"]
];

const SYNOPSIS = `azure-token [--resource R] [--auth-type T] [--client-id ID] [--tenant-id T]
            [--environment CLOUD] [--authority-host URL] [--audience A]
            [--client-certificate PEM-PATH] [--creds @FILE]
            [--keyvault V] [--secrets LIST] [--token-file PATH [--replace]]
            [--output token|json|env] [--quiet] [--verbose] [--help] [--version]`;

/** Help lines stay within this many columns; longer descriptions wrap under themselves. */
const WIDTH = 100;

export function usageText(): string {
  const flagColumn = FLAGS.map(flag => `--${flag.name}${flag.value ? ` ${flag.value}` : ''}`);
  const flags = table(FLAGS.map((flag, at) => [flagColumn[at] as string, `${flag.help}${flag.env ? ` [${flag.env}]` : ''}`]));
  const variables = table(VARIABLES);
  return [
    'A Microsoft Entra ID access token for any Azure resource, and Azure Key Vault secrets.',
    '',
    `Usage: ${SYNOPSIS}`,
    '',
    'Flags (a variable in [brackets] is read when the flag is absent):',
    ...flags,
    '',
    'Precedence: a flag, then the file of --creds or ENTRA_SERVICE_PRINCIPAL, then the AZURE_* variables.',
    '',
    'Variables:',
    ...variables,
    '',
    'auto tries, in order: a client secret, a certificate, AZURE_FEDERATED_TOKEN_FILE, IDENTITY_ENDPOINT,',
    'an IMDS that answers within 1 s, az on PATH (inside a workflow, OIDC after the certificate).',
    '',
    "Output on stdout: token (the token and a newline), json (one object), env (export NAME='value'",
    'lines, for eval). The log goes to stderr.',
    '',
    'Exit status: 0 token (and every secret) obtained and written; 1 failure; 2 bad flag or input,',
    'or a credential file that is missing or unreadable.',
    '',
    'Examples:',
    '  azure-token --resource graph',
    '  eval "$(azure-token --secrets my-vault/db-password)"',
    '  ENTRA_SERVICE_PRINCIPAL=/sp/sp.json azure-token --resource keyvault --token-file /tokens/token',
    '',
    'More: docs/command-line.md (https://github.com/OWNER/azure-token/blob/main/docs/command-line.md)',
    ''
  ].join('\n');
}
