/**
 * Reading a managed identity endpoint's answer: the token, its expiry, or what went wrong and
 * what to do about it. Shapes: docs/protocol.md#managed-identity-responses.
 */
import { ActionError } from '../errors.js';
import { externalText } from '../external-text.js';
import { answeredAfter, type HttpResponse } from '../http.js';
import { jsonFields, stringField } from '../json.js';
import type { Masker } from '../masking.js';
import { type AccessToken, checkNotExpired, expiryFromLifetime, expiryFromTimestamp } from '../token.js';

export type ManagedIdentitySource = 'app-service' | 'arc' | 'imds';

const SOURCE_NAMES: Readonly<Record<ManagedIdentitySource, string>> = {
  'app-service': 'The App Service / Container Apps identity endpoint',
  arc: 'The Azure Arc identity endpoint',
  imds: 'The VM instance metadata service (IMDS)'
};

/**
 * `access_token`, masked at once, and its expiry. The endpoints cache tokens for up to 24 h, so
 * a cached answer's `expires_in` can claim a full day while the token ends within the hour:
 * `expires_on` (epoch seconds, or a date) wins when it is a valid time, as in the Azure SDKs
 * (Azure/azure-sdk-for-js PR #8591); `expires_in` from the request's start is the fallback.
 */
export function parseManagedIdentityToken(body: unknown, startedAt: number, now: number, masker: Masker): AccessToken {
  const fields = jsonFields(body);
  const token = stringField(fields, 'access_token');
  if (token === undefined) throw new ActionError('The managed identity endpoint answered 200 without an access_token.');
  masker.mask(token);
  const expiresOn = expiryFromTimestamp(fields['expires_on'], now) ?? expiryFromLifetime(fields['expires_in'], startedAt);
  if (expiresOn === undefined) {
    throw new ActionError('The managed identity endpoint answered without a valid expires_on or expires_in.');
  }
  return checkNotExpired({ token, expiresOn }, now, 'The managed identity endpoint');
}

export interface ErrorContext {
  readonly source: ManagedIdentitySource;
  readonly clientId: string | undefined;
  readonly resource: string;
  readonly masker: Masker;
}

/** What the endpoint said, from any of its error shapes, and what to do about it. */
export function managedIdentityError(response: HttpResponse, context: ErrorContext): ActionError {
  const fields = jsonFields(response.json);
  const nested = jsonFields(fields['error']);
  const raw =
    stringField(fields, 'error_description') ??
    stringField(nested, 'message') ??
    stringField(fields, 'message') ??
    stringField(fields, 'error') ??
    response.body;
  const said = externalText(raw.replace(/\s+/g, ' ').trim(), { redact: text => context.masker.redact(text) });
  const correlationId = stringField(fields, 'correlationId');
  const retryable = response.status === 410 || response.status === 404 || response.status === 429 || response.status >= 500;
  const head = retryable
    ? answeredAfter(response)
    : `${SOURCE_NAMES[context.source]} refused the token request with HTTP ${response.status}`;
  const lines = [`${head}${said ? `: ${said}` : ''}`];
  if (correlationId) lines.push(`Correlation ID: ${externalText(correlationId)}`);
  return new ActionError(lines.join('\n'), errorHint(context, response.status, said, retryable));
}

function errorHint(context: ErrorContext, status: number, said: string, retryable: boolean): string | undefined {
  const { source, clientId, resource } = context;
  if (/AADSTS500011/.test(said)) return `The resource '${resource}' is not known in the identity's tenant: check 'resource' for a typo.`;
  if (retryable) return 'The endpoint is busy or being updated; re-run the job in a minute.';
  if (status !== 400 && status !== 401 && status !== 403) return undefined;
  if (source === 'app-service') {
    // Several user-assigned identities and no system-assigned one: the platform cannot guess (Azure/azure-sdk-for-net#43691).
    if (!clientId && /Unable to load the proper Managed Identity/i.test(said)) {
      return (
        "The app has several user-assigned identities and none is selected: set 'client-id' to the client ID of the one to use " +
        '(list them: az containerapp identity show -g <group> -n <app>, or az webapp identity show -g <group> -n <app>).'
      );
    }
    return clientId
      ? `Assign the user-assigned identity with client ID ${clientId} to the app: az containerapp identity ` +
          `assign --user-assigned <identity-resource-id> (Functions / App Service: az webapp identity assign ` +
          `--identities <identity-resource-id>).`
      : 'Turn on the system-assigned identity: az containerapp identity assign --system-assigned ' +
          '(Functions / App Service: az webapp identity assign).';
  }
  if (source === 'imds') {
    return clientId
      ? `Assign the user-assigned identity with client ID ${clientId} to the VM: az vm identity assign -g ` +
          `<group> -n <vm> --identities <identity-resource-id> (a scale set: az vmss identity assign).`
      : "Turn on the VM's system-assigned identity: az vm identity assign -g <group> -n <vm> (a scale set: az vmss identity " +
          "assign), or give 'client-id' of a user-assigned one.";
  }
  return 'Check the Arc agent is connected (azcmagent show) and restart it: sudo systemctl restart himdsd.';
}
