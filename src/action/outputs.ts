/** What the main step hands the runner once everything was obtained: outputs, environment, the token file's state. */
import type { Acquired } from '../core/acquire.js';
import { formatExpiry } from '../core/identity.js';
import type { LoadedSecret } from '../core/keyvault/load.js';
import type { Entries, Runner } from './runner.js';

/** The token's outputs (the token was masked when it was parsed). */
export function tokenOutputs(acquired: Acquired, authType: string, tokenFile: string | undefined): Entries {
  const { token, identity } = acquired;
  return [
    ['access-token', token.token],
    ['expires-on', formatExpiry(token.expiresOn)],
    ['token-type', 'Bearer'],
    ['tenant-id', identity.tenantId ?? ''],
    ['client-id', identity.clientId ?? ''],
    ['object-id', identity.objectId ?? ''],
    ['auth-type', authType],
    ...(tokenFile === undefined ? [] : ([['token-file', tokenFile]] as const))
  ];
}

/**
 * One output per loaded secret, named like its environment variable, and the variable exported
 * when `exportEnv` is true and the name may be exported. Called only once every secret was
 * fetched (so a failing step exports nothing), with values masked when they were parsed. An
 * empty value is set as empty, not skipped: a later step sees the variable exists.
 */
export function publishSecrets(runner: Runner, secrets: readonly LoadedSecret[], exportEnv: boolean): void {
  runner.setOutputs(secrets.map(secret => [secret.envName, secret.value]));
  if (exportEnv) runner.exportVariables(secrets.filter(secret => secret.exportable).map(secret => [secret.envName, secret.value]));
}
