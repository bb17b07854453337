/**
 * What the main step and the endpoint's process say to each other over the two pipes between
 * them. Down stdin, once: the start message, the whole configuration the credential needs,
 * secrets included (a pipe is the one channel no other process of the job can read: a command
 * line and an environment can be read in /proc, a file on disk). Up stdout, once: the report,
 * the port it listens on or why it could not start. Nothing else passes, either way.
 */

/** The inputs a credential is built from; the others (resource, secrets, token-file, ...) are the step's business. */
export const CREDENTIAL_INPUTS = [
  'auth-type',
  'client-id',
  'tenant-id',
  'client-secret',
  'client-certificate',
  'client-certificate-password',
  'creds',
  'environment',
  'authority-host',
  'audience'
] as const;

/** The environment the core's configuration reads for those credentials (config.ts readContext). */
export const CREDENTIAL_ENV = [
  'GITHUB_ACTIONS',
  'ACTIONS_ID_TOKEN_REQUEST_URL',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'AZURE_FEDERATED_TOKEN_FILE',
  'AZURE_CLIENT_ID',
  'AZURE_TENANT_ID',
  'AZURE_AUTHORITY_HOST'
] as const;

/**
 * The endpoint process's own environment: what Node and the HTTP layer need to run and reach
 * Entra ID (proxies, CA certificates, temp directories, Windows' system paths), and
 * RUNNER_TRACKING_ID, by which the runner finds and ends it when the job ends. Nothing else of
 * the step's environment: no INPUT_*, no secret, no ACTIONS_* token.
 */
export const PROCESS_ENV = [
  'PATH',
  'Path',
  'HOME',
  'USERPROFILE',
  'SystemRoot',
  'SYSTEMROOT',
  'windir',
  'ComSpec',
  'TEMP',
  'TMP',
  'TMPDIR',
  'RUNNER_TEMP',
  'RUNNER_TRACKING_ID',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR'
] as const;

export interface StartMessage {
  /** Input name → value, as readConfig reads them; `auth-type` is the kind the step resolved `auto` to. */
  readonly inputs: Readonly<Record<string, string>>;
  /** CREDENTIAL_ENV variables that are set. */
  readonly env: Readonly<Record<string, string>>;
  /** Where relative paths resolve (GITHUB_WORKSPACE). */
  readonly workspace: string;
  /** The value of IDENTITY_HEADER and MSI_SECRET, which every request must carry. */
  readonly secret: string;
}

type Report = { readonly port: number } | { readonly error: string };

/** A start message larger than this is not one (a certificate chain is a few KB). */
export const MAX_START_MESSAGE_BYTES = 1024 * 1024;

export function encodeStartMessage(message: StartMessage): string {
  return JSON.stringify(message);
}

/** The start message, or an Error saying what is wrong with it (never quoting it: it holds secrets). */
export function parseStartMessage(text: string): StartMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('the start message is not JSON');
  }
  if (typeof value !== 'object' || value === null) throw new Error('the start message is not a JSON object');
  const { inputs, env, workspace, secret } = value as Record<string, unknown>;
  if (!isStringMap(inputs) || !isStringMap(env) || typeof workspace !== 'string' || typeof secret !== 'string' || secret.length < 32) {
    throw new Error('the start message lacks inputs, env, workspace or secret');
  }
  return { inputs, env, workspace, secret };
}

export function encodeReport(report: Report): string {
  return `${JSON.stringify(report)}\n`;
}

/** The report line, or undefined when it is not one. */
export function parseReport(line: string): Report | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { port, error } = value as Record<string, unknown>;
  if (typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536) return { port };
  if (typeof error === 'string') return { error };
  return undefined;
}

function isStringMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every(item => typeof item === 'string')
  );
}
