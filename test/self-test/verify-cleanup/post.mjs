/**
 * Runs after the post step of the action under test (post steps run in the reverse order of
 * their main steps): the token file must be gone and the token endpoint stopped.
 */
import fs from 'node:fs';

const tokenFile = process.env['INPUT_TOKEN-FILE'] ?? '';
const failures = [];
if (fs.existsSync(tokenFile)) failures.push(`the token file ${tokenFile} is still there after the post step`);
const endpoint = process.env.IDENTITY_ENDPOINT;
if (endpoint) {
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(5_000) });
    failures.push(`the token endpoint ${endpoint} still answers after the post step`);
  } catch {
    // Refused: it is stopped.
  }
}
if (failures.length > 0) {
  for (const failure of failures) console.log(`::error::self-test: ${failure}`);
  process.exit(1);
}
console.log('self-test: the post step removed the token file and stopped the token endpoint.');
