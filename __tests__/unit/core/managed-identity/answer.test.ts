import { describe, expect, it } from '@jest/globals';
import { ActionError, describeError } from '../../../../src/core/errors.js';
import type { HttpResponse } from '../../../../src/core/http.js';
import { type ErrorContext, managedIdentityError, parseManagedIdentityToken } from '../../../../src/core/managed-identity/answer.js';
import { CLIENT_ID, NOW, recordingMasker } from '../../support.js';

/** NOW is 2026-11-23T12:00:00Z, 1795435200 in epoch seconds. */
const NOW_S = 1795435200;
const CLOCK_HINT =
  'Check the runner clock (a self-hosted runner should sync it with NTP); if the clock is right, the service is broken: re-run the job later.';

/** What a user reads for the failure `run` throws; fails the test when it does not throw. */
function failureText(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ActionError);
    return describeError(error);
  }
  throw new Error('expected a failure');
}

describe('parseManagedIdentityToken: the token and its expiry', () => {
  it.each<[string, Record<string, unknown>, number]>([
    ['expires_in as a string', { expires_in: '3600' }, NOW + 3_600_000],
    ['expires_in as a number', { expires_in: 3600 }, NOW + 3_600_000],
    ['expires_on as epoch seconds', { expires_on: NOW_S + 3600 }, Date.UTC(2026, 10, 23, 13)],
    ['expires_on as an epoch string', { expires_on: '1795438800' }, Date.UTC(2026, 10, 23, 13)],
    ['expires_on as an ISO date', { expires_on: '2026-11-24T12:00:00Z' }, Date.UTC(2026, 10, 24, 12)],
    ["expires_on in App Service's 2017 form", { expires_on: '11/23/2026 13:00:00 +00:00' }, Date.UTC(2026, 10, 23, 13)],
    // The endpoints cache tokens: expires_in can claim a full day while the token ends within the hour.
    [
      'a cached answer: expires_on (1 h ahead) wins over expires_in (a day)',
      { expires_in: '86399', expires_on: String(NOW_S + 3600) },
      Date.UTC(2026, 10, 23, 13)
    ],
    ['expires_in when expires_on is not a time', { expires_in: '60', expires_on: 'soon' }, NOW + 60_000],
    ['expires_in when expires_on is empty', { expires_in: '60', expires_on: '' }, NOW + 60_000],
    ['expires_in when expires_on is more than 30 days ahead', { expires_in: '60', expires_on: NOW_S + 31 * 86400 }, NOW + 60_000],
    ['expires_in when expires_on is in milliseconds', { expires_in: '60', expires_on: (NOW_S + 3600) * 1000 }, NOW + 60_000],
    ['expires_in when expires_on is 0', { expires_in: '60', expires_on: 0 }, NOW + 60_000]
  ])('reads %s', (_, fields, expected) => {
    expect(parseManagedIdentityToken({ access_token: 'tok', ...fields }, NOW, NOW, recordingMasker()).expiresOn).toEqual(
      new Date(expected)
    );
  });

  it('counts expires_in from when the request started, not from when the answer came', () => {
    const token = parseManagedIdentityToken({ access_token: 'tok', expires_in: 3600 }, NOW - 5_000, NOW, recordingMasker());
    expect(token.expiresOn).toEqual(new Date(NOW + 3_595_000));
  });

  it('masks the token at once, even when the answer is then refused', () => {
    const masker = recordingMasker();
    failureText(() => parseManagedIdentityToken({ access_token: 'tok', expires_on: NOW_S - 60 }, NOW, NOW, masker));
    expect(masker.masks).toEqual(['tok']);
  });

  const NO_EXPIRY = 'The managed identity endpoint answered without a valid expires_on or expires_in.';
  it.each<[string, unknown, string]>([
    ['no access_token', { expires_in: 60 }, 'The managed identity endpoint answered 200 without an access_token.'],
    ['an empty access_token', { access_token: '', expires_in: 60 }, 'The managed identity endpoint answered 200 without an access_token.'],
    ['an answer that is not an object', ['tok'], 'The managed identity endpoint answered 200 without an access_token.'],
    ['no expiry', { access_token: 'tok' }, NO_EXPIRY],
    ['an unreadable expiry', { access_token: 'tok', expires_on: 'soon' }, NO_EXPIRY],
    ['expires_in true', { access_token: 'tok', expires_in: true }, NO_EXPIRY],
    ['expires_in in an array', { access_token: 'tok', expires_in: [3599] }, NO_EXPIRY],
    ['a hexadecimal expires_in', { access_token: 'tok', expires_in: '0x10' }, NO_EXPIRY],
    ['a negative expires_in', { access_token: 'tok', expires_in: -60 }, NO_EXPIRY],
    ['expires_in 0', { access_token: 'tok', expires_in: '0' }, NO_EXPIRY],
    ['expires_in over 30 days', { access_token: 'tok', expires_in: 31 * 86400 }, NO_EXPIRY],
    ['an expires_on far off and no expires_in', { access_token: 'tok', expires_on: NOW_S + 31 * 86400 }, NO_EXPIRY],
    [
      'an already expired token',
      { access_token: 'tok', expires_on: NOW_S - 60 },
      `The managed identity endpoint answered with a token that expired at 2026-11-23T11:59:00Z.\n${CLOCK_HINT}`
    ],
    [
      'a token that expires right now',
      { access_token: 'tok', expires_on: NOW_S },
      `The managed identity endpoint answered with a token that expired at 2026-11-23T12:00:00Z.\n${CLOCK_HINT}`
    ],
    [
      'an expired cached token, whatever expires_in claims',
      { access_token: 'tok', expires_in: '86399', expires_on: '1795431600' },
      `The managed identity endpoint answered with a token that expired at 2026-11-23T11:00:00Z.\n${CLOCK_HINT}`
    ]
  ])('fails on %s', (_, body, message) => {
    expect(failureText(() => parseManagedIdentityToken(body, NOW, NOW, recordingMasker()))).toBe(message);
  });
});

describe('managedIdentityError: what the endpoint said, and what to do', () => {
  /** An error answer as the HTTP layer hands it on. */
  function answer(status: number, body: unknown, attempts = 1): HttpResponse {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return {
      status,
      headers: {},
      body: text,
      json: typeof body === 'string' ? undefined : body,
      attempts,
      endpoint: 'IMDS managed identity endpoint (GET http://169.254.169.254/metadata/identity/oauth2/token)'
    };
  }
  const context = (source: ErrorContext['source'], clientId?: string): ErrorContext => ({
    source,
    clientId,
    resource: 'https://management.azure.com',
    masker: recordingMasker()
  });

  const APP_SERVICE_REFUSED = 'The App Service / Container Apps identity endpoint refused the token request with HTTP 400';
  const IMDS_REFUSED = 'The VM instance metadata service (IMDS) refused the token request with HTTP';

  it.each<[string, HttpResponse, ErrorContext, string]>([
    [
      'App Service: several user-assigned identities and no client-id',
      answer(400, {
        statusCode: 400,
        message: 'Unable to load the proper Managed Identity.',
        correlationId: '7f3c2a10-1b2c-4d5e-8f90-123456789abc'
      }),
      context('app-service'),
      `${APP_SERVICE_REFUSED}: Unable to load the proper Managed Identity.\n` +
        'Correlation ID: 7f3c2a10-1b2c-4d5e-8f90-123456789abc\n' +
        "The app has several user-assigned identities and none is selected: set 'client-id' to the client ID of the one to use " +
        '(list them: az containerapp identity show -g <group> -n <app>, or az webapp identity show -g <group> -n <app>).'
    ],
    [
      'App Service: the same answer with client-id is an unassigned identity',
      answer(400, { statusCode: 400, message: 'Unable to load the proper Managed Identity.', correlationId: 'c0ffee' }),
      context('app-service', CLIENT_ID),
      `${APP_SERVICE_REFUSED}: Unable to load the proper Managed Identity.\n` +
        'Correlation ID: c0ffee\n' +
        `Assign the user-assigned identity with client ID ${CLIENT_ID} to the app: az containerapp identity assign --user-assigned <identity-resource-id> ` +
        '(Functions / App Service: az webapp identity assign --identities <identity-resource-id>).'
    ],
    [
      'App Service: no identity at all',
      answer(400, { statusCode: 400, message: 'No managed identity found for the given client id.', correlationId: 'c0ffee' }),
      context('app-service'),
      `${APP_SERVICE_REFUSED}: No managed identity found for the given client id.\n` +
        'Correlation ID: c0ffee\n' +
        'Turn on the system-assigned identity: az containerapp identity assign --system-assigned (Functions / App Service: az webapp identity assign).'
    ],
    [
      'IMDS: Identity not found, without client-id',
      answer(400, { error: 'invalid_request', error_description: 'Identity not found' }),
      context('imds'),
      `${IMDS_REFUSED} 400: Identity not found\n` +
        "Turn on the VM's system-assigned identity: az vm identity assign -g <group> -n <vm> (a scale set: az vmss identity assign), or give 'client-id' of a user-assigned one."
    ],
    [
      'IMDS: Identity not found, with client-id',
      answer(400, { error: 'invalid_request', error_description: 'Identity not found' }),
      context('imds', CLIENT_ID),
      `${IMDS_REFUSED} 400: Identity not found\n` +
        `Assign the user-assigned identity with client ID ${CLIENT_ID} to the VM: az vm identity assign -g <group> -n <vm> --identities <identity-resource-id> (a scale set: az vmss identity assign).`
    ],
    [
      'an unknown resource',
      answer(400, {
        error: 'invalid_resource',
        error_description: 'AADSTS500011: The resource principal named https://nope was not found.'
      }),
      { ...context('imds'), resource: 'https://nope' },
      `${IMDS_REFUSED} 400: AADSTS500011: The resource principal named https://nope was not found.\n` +
        "The resource 'https://nope' is not known in the identity's tenant: check 'resource' for a typo."
    ],
    [
      'the {error: {code, message}} shape',
      answer(403, { error: { code: 'Forbidden', message: 'Access denied by policy.' } }),
      context('imds'),
      `${IMDS_REFUSED} 403: Access denied by policy.\n` +
        "Turn on the VM's system-assigned identity: az vm identity assign -g <group> -n <vm> (a scale set: az vmss identity assign), or give 'client-id' of a user-assigned one."
    ],
    [
      'a plain-text answer, on one line',
      answer(401, 'Unauthorized:\n  bad key'),
      context('arc'),
      'The Azure Arc identity endpoint refused the token request with HTTP 401: Unauthorized: bad key\n' +
        'Check the Arc agent is connected (azcmagent show) and restart it: sudo systemctl restart himdsd.'
    ],
    [
      'a 410 that outlasted the retries',
      answer(410, { error: 'gone', error_description: 'IMDS is being updated.' }, 9),
      context('imds'),
      'IMDS managed identity endpoint (GET http://169.254.169.254/metadata/identity/oauth2/token) answered HTTP 410 after 9 attempts: IMDS is being updated.\n' +
        'The endpoint is busy or being updated; re-run the job in a minute.'
    ],
    [
      'a 503 with an empty body',
      answer(503, ''),
      context('imds'),
      'IMDS managed identity endpoint (GET http://169.254.169.254/metadata/identity/oauth2/token) answered HTTP 503 after 1 attempt\n' +
        'The endpoint is busy or being updated; re-run the job in a minute.'
    ],
    ['a status with no advice', answer(418, { error: 'teapot' }), context('imds'), `${IMDS_REFUSED} 418: teapot`]
  ])('%s', (_, response, errorContext, expected) => {
    expect(describeError(managedIdentityError(response, errorContext))).toBe(expected);
  });

  it('shows what the endpoint said as data, with known secrets redacted', () => {
    const errorContext = context('app-service');
    errorContext.masker.mask('identity-header-secret');
    const error = managedIdentityError(
      answer(400, { message: 'bad header identity-header-secret\r\n::error::forged', correlationId: 'id\nline' }),
      errorContext
    );
    expect(error.message).toBe(`${APP_SERVICE_REFUSED}: bad header *** ::error::forged\nCorrelation ID: id\\nline`);
  });
});
