/**
 * A later step's Node program, as users write one: @azure/identity's ManagedIdentityCredential
 * or DefaultAzureCredential, from the environment alone. Used by the end-to-end tests of
 * sign-in-later-steps.
 *
 *   node node-client.mjs managed|default SCOPE [--client-id ID] [--repeat N]
 *
 * Prints one JSON line per getToken: {"token","expiresOnTimestamp"}; on failure
 * {"error": "<name>: <message>"} and exits 1.
 */
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';

const [kind, scope, ...rest] = process.argv.slice(2);
const option = name => {
  const at = rest.indexOf(name);
  return at < 0 ? undefined : rest[at + 1];
};
const clientId = option('--client-id');
const repeat = Number(option('--repeat') ?? 1);

const credential =
  kind === 'default'
    ? new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {})
    : new ManagedIdentityCredential(clientId ? { clientId } : {});
try {
  for (let i = 0; i < repeat; i++) {
    const token = await credential.getToken(scope);
    process.stdout.write(`${JSON.stringify({ token: token.token, expiresOnTimestamp: token.expiresOnTimestamp })}\n`);
  }
} catch (error) {
  process.stdout.write(`${JSON.stringify({ error: `${error.name}: ${error.message}` })}\n`);
  process.exitCode = 1;
}
