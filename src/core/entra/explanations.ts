/**
 * What Entra ID's error answers mean for a workflow, and what to do about them. Codes and
 * meanings: docs/protocol.md#entra-id-errors, and Entra ID's error code reference.
 */
import { ActionError } from '../errors.js';
import { externalText } from '../external-text.js';
import { answeredAfter, type HttpResponse } from '../http.js';
import { jsonFields, stringField } from '../json.js';
import type { Masker } from '../masking.js';
import type { EntraTokenRequest, PresentedAssertion } from './token-endpoint.js';

interface Explanation {
  readonly meaning: string;
  readonly fix: string;
}

const FEDERATION_MISMATCH = new Set([70021, 700211, 700212, 700213, 7002138]);

const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

/** AADSTS700213's fix when the token is a Kubernetes service account's (AKS workload identity). */
const KUBERNETES_SUBJECT_FIX =
  "The subject is the pod's service account, system:serviceaccount:NAMESPACE:NAME: add a " +
  'federated credential for exactly the subject below.';

/** What each AADSTS code means for a workflow, and what to do about it. */
export const ENTRA_EXPLANATIONS: Readonly<Record<number, Explanation>> = Object.freeze({
  70021: {
    meaning: 'No federated credential of the app matches the issuer, subject and audience of the token presented.',
    fix: 'Add a federated credential with exactly the values below.'
  },
  700211: {
    meaning: 'No federated credential of the app has the issuer of the token presented.',
    fix: 'Add a federated credential with exactly the values below (issuer included).'
  },
  700212: {
    meaning: 'No federated credential of the app has the audience of the token presented.',
    fix: "Add a federated credential with the audience below, or set the action's 'audience' input to the one registered."
  },
  700213: {
    meaning: 'No federated credential of the app has the subject of the token presented.',
    fix:
      "The subject depends on the trigger and on the job's `environment:`, and GitHub writes it " +
      'by name (repo:OWNER/REPO:...) or, for repositories ' +
      'created or renamed since 2026-07-15, with immutable ids (repo:OWNER@ID/REPO@ID:...). Add a ' +
      'federated credential for exactly the subject below: it is the one this job presents.'
  },
  7002138: {
    meaning: 'A federated credential matches the subject only if letter case is ignored, and Entra ID compares subjects case-sensitively.',
    fix: 'Change the registered subject to exactly the one below, letter case included.'
  },
  70025: {
    meaning: 'The app has no federated credential at all.',
    fix: 'Add a federated credential with exactly the values below.'
  },
  700024: {
    meaning: 'The client assertion is outside its valid time range: it expired, or the runner clock is wrong.',
    fix: 'The action fetches a fresh assertion for every request, so check the runner clock (a self-hosted runner should sync it with NTP).'
  },
  700016: {
    meaning: 'No application with this client ID exists in the tenant.',
    fix: "Check 'client-id' and 'tenant-id' against the app registration's overview page, and that 'environment' names the app's cloud."
  },
  7000215: {
    meaning: 'The client secret is wrong.',
    fix: "Give the secret's Value, not its Secret ID. Create a new one with: az ad app credential reset --id <client-id> --append"
  },
  7000222: {
    meaning: 'The client secret has expired.',
    fix: 'Create a new secret (az ad app credential reset --id <client-id> --append) and update the GitHub secret that holds it.'
  },
  700027: {
    meaning:
      "The client assertion's signature does not verify: the certificate is not registered on the app, or it signed with another key.",
    fix: 'Upload the certificate to the app: az ad app credential reset --id <client-id> --cert @cert.pem --append'
  },
  50012: {
    meaning: 'The client assertion is invalid, or its certificate is not registered on the app.',
    fix: 'Upload the certificate to the app: az ad app credential reset --id <client-id> --cert @cert.pem --append'
  },
  90002: {
    meaning: 'The tenant does not exist in this cloud.',
    fix: "Check 'tenant-id', and that 'environment' names the tenant's cloud (a US Government or China tenant is not found in AzureCloud)."
  },
  500011: {
    meaning: 'The resource is not known in the tenant.',
    fix: "Check 'resource' for a typo; an app's own API must have a service principal in the tenant."
  },
  70011: {
    meaning: 'The scope is not valid.',
    fix: "Give 'resource' as one resource URI (https://graph.microsoft.com) or one scope ending in /.default."
  },
  700022: {
    meaning: 'The scope names more than one resource.',
    fix: 'Ask for one resource per step: run the action once for each resource.'
  },
  7000218: {
    meaning: 'The request carried neither a client secret nor a client assertion.',
    fix: 'Set the credential the app expects: client-secret, client-certificate, or OIDC federation.'
  },
  900144: {
    meaning: 'A required parameter of the token request is missing.',
    fix: 'Check that client-id, tenant-id and the credential inputs are set.'
  },
  7000112: {
    meaning: 'The application is disabled.',
    fix: "Enable the app's service principal (Enterprise applications > Properties > Enabled for users to sign in)."
  },
  7000229: {
    meaning: 'The app has no service principal in the tenant.',
    fix: 'Create one: az ad sp create --id <client-id>'
  },
  53003: {
    meaning: 'A Conditional Access policy blocked the sign-in.',
    fix:
      'Ask a tenant admin to allow this workload identity (Conditional Access for workload ' +
      "identities), or the runner's network location."
  },
  90055: {
    meaning: 'The tenant is throttling token requests.',
    fix: 'Wait a few minutes, and spread jobs out (a matrix with max-parallel).'
  },
  50196: {
    meaning: 'Entra ID detected a loop of identical token requests.',
    fix: 'Request each token once per job step; wait a few minutes and re-run.'
  },
  50173: {
    meaning: 'The grant was revoked.',
    fix: 'Sign in again to get a fresh credential.'
  }
});

/** Turns an Entra ID error answer into an ActionError saying what it means and what to do. */
export function explainEntraError(response: HttpResponse, request: EntraTokenRequest, masker: Masker): ActionError {
  const fields = jsonFields(response.json);
  const error = stringField(fields, 'error');
  const description = stringField(fields, 'error_description') ?? '';
  const code = errorCode(fields['error_codes'], description);
  // Newer descriptions put "Trace ID: ... Correlation ID: ... Timestamp: ..." on the first line: shown once, below.
  const firstLine =
    description
      .split(/\r?\n/)[0]
      ?.replace(/^AADSTS\d+:\s*/, '')
      .replace(/\s*Trace ID:.*$/, '')
      .trim() ?? '';
  const summary = firstLine ? externalText(firstLine, { redact: text => masker.redact(text) }) : '';
  const traceId = stringField(fields, 'trace_id');
  const correlationId = stringField(fields, 'correlation_id');

  const outage = response.status >= 500 || response.status === 429;
  const what = outage ? answeredAfter(response) : `Entra ID refused the token request with HTTP ${response.status}`;
  const head =
    code !== undefined ? `Entra ID refused the token request with AADSTS${code}` : `${what}${error ? ` (${externalText(error)})` : ''}`;
  const explanation = code !== undefined ? ENTRA_EXPLANATIONS[code] : undefined;
  const lines = [`${head}: ${explanation?.meaning ?? (summary || 'the answer held no OAuth error')}`];
  if (explanation && summary) lines.push(`Entra ID said: ${summary}`);
  if (traceId || correlationId)
    lines.push(`Trace ID: ${externalText(traceId ?? '-')}, correlation ID: ${externalText(correlationId ?? '-')}`);

  const hints: string[] = [];
  if (code === undefined && outage) {
    hints.push('Entra ID kept failing through the retries: re-run the job (https://azure.status.microsoft shows outages).');
  } else if (error === undefined && code === undefined) {
    hints.push(
      `Check that ${request.authorityHost} is an Entra ID authority ('authority-host', ` +
        `AZURE_AUTHORITY_HOST) and that no proxy answers in its place.`
    );
  }
  const presented = 'presented' in request.proof ? request.proof.presented : undefined;
  const fromKubernetes =
    presented !== undefined && presented.issuer !== GITHUB_ISSUER && presented.subject.startsWith('system:serviceaccount:');
  if (explanation)
    hints.push(code === 700213 && fromKubernetes ? KUBERNETES_SUBJECT_FIX : explanation.fix.replace(/<client-id>/g, request.clientId));
  if (code !== undefined && (FEDERATION_MISMATCH.has(code) || code === 70025) && presented) {
    hints.push(...federatedCredentialAdvice(request.clientId, presented));
  }
  return new ActionError(lines.join('\n'), hints.length ? hints.join('\n') : undefined);
}

function errorCode(codes: unknown, description: string): number | undefined {
  if (Array.isArray(codes) && typeof codes[0] === 'number') return codes[0];
  const match = /AADSTS(\d+)/.exec(description);
  return match?.[1] ? Number(match[1]) : undefined;
}

/**
 * The values a federated token (GitHub's, or a Kubernetes service account's) presented, and the
 * command that registers a match for them.
 */
function federatedCredentialAdvice(clientId: string, presented: PresentedAssertion): string[] {
  const prefix = presented.issuer === GITHUB_ISSUER ? 'github' : 'federated';
  const name = `${prefix}-${presented.subject}`
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/-+$/, '')
    .slice(0, 120);
  const parameters = JSON.stringify({
    name,
    issuer: presented.issuer,
    subject: presented.subject,
    audiences: [presented.audience]
  });
  return [
    'The token presented:',
    `  issuer:   ${presented.issuer}`,
    `  subject:  ${presented.subject}`,
    `  audience: ${presented.audience}`,
    'Register it with:',
    `  az ad app federated-credential create --id ${clientId} --parameters ${shellQuote(parameters)}`,
    `(for a user-assigned managed identity: az identity federated-credential create --name ${name} ` +
      `--identity-name <identity> --resource-group <group> --issuer ${shellQuote(presented.issuer)} ` +
      `--subject ${shellQuote(presented.subject)} --audiences ${shellQuote(presented.audience)})`
  ];
}

/** One POSIX shell word: a branch name may hold a `'` (git allows it), which would end a plain '...'. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
