import { describe, expect, it } from '@jest/globals';
import type { IncomingHttpHeaders } from 'node:http';
import {
  carries,
  decide,
  type EndpointRequest,
  mintFailureAnswer,
  parseShutdownAnswer,
  shutdownAnswer,
  tokenAnswer,
  twentyFourHourTime
} from '../../../src/endpoint/protocol.js';
import { CLIENT_ID, NOW } from '../support.js';

const SECRET = '5f0c1e2d3b4a59687766554433221100ffeeddccbbaa99887766554433221100';
const PORT = 41234;
const IDENTITY = { port: PORT, secret: SECRET, clientId: CLIENT_ID };
const ARM = 'https://management.azure.com';

/** A request as @azure/identity 4.13 sends it (Content-Type on a GET included), with overrides. */
function request(url: string, headers: IncomingHttpHeaders = {}, method = 'GET'): EndpointRequest {
  return {
    method,
    url,
    headers: {
      host: `127.0.0.1:${PORT}`,
      'x-identity-header': SECRET,
      'content-type': 'application/x-www-form-urlencoded;charset=utf-8',
      ...headers
    }
  };
}
const v2019 = (query = `resource=${encodeURIComponent(ARM)}`): string => `/msi/token?api-version=2019-08-01&${query}`;
/** Azure CLI 2.45: MSI_ENDPOINT + "/?resource=R&api-version=2017-09-01", the resource not encoded, header `secret`. */
const v2017 = (query = 'resource=https://management.core.windows.net/'): string => `/msi/token/?${query}&api-version=2017-09-01`;
const CLI_HEADERS = { 'x-identity-header': undefined, secret: SECRET, accept: '*/*', 'user-agent': 'python-requests/2.28.1' };

describe('decide: the requests it answers', () => {
  it.each<[string, EndpointRequest, ReturnType<typeof decide>]>([
    ['2019-08-01 as @azure/identity sends it', request(v2019()), { kind: 'token', version: '2019-08-01', resource: ARM }],
    [
      '2019-08-01 as Python sends it (resource not encoded)',
      request(`/msi/token?api-version=2019-08-01&resource=${ARM}`, { 'content-type': undefined, accept: '*/*' }),
      { kind: 'token', version: '2019-08-01', resource: ARM }
    ],
    [
      '2017-09-01 as Azure CLI 2.45 sends it, on the path with a trailing /',
      request(v2017(), CLI_HEADERS),
      { kind: 'token', version: '2017-09-01', resource: 'https://management.core.windows.net/' }
    ],
    [
      '2017-09-01 on the path without one',
      request('/msi/token?api-version=2017-09-01&resource=https://vault.azure.net', CLI_HEADERS),
      { kind: 'token', version: '2017-09-01', resource: 'https://vault.azure.net' }
    ],
    ['Host localhost:PORT', request(v2019(), { host: `localhost:${PORT}` }), { kind: 'token', version: '2019-08-01', resource: ARM }],
    [
      'its own client_id, in other letter case',
      request(v2019(`resource=${ARM}&client_id=${CLIENT_ID.toUpperCase()}`)),
      { kind: 'token', version: '2019-08-01', resource: ARM }
    ],
    [
      'its own clientid (the 2017 spelling)',
      request(v2017(`resource=${ARM}&clientid=${CLIENT_ID}`), CLI_HEADERS),
      { kind: 'token', version: '2017-09-01', resource: ARM }
    ],
    ['an absolute request target', request(`http://127.0.0.1:${PORT}${v2019()}`), { kind: 'token', version: '2019-08-01', resource: ARM }],
    [
      'an app ID as the resource',
      request(v2019('resource=00000003-0000-0000-c000-000000000000')),
      { kind: 'token', version: '2019-08-01', resource: '00000003-0000-0000-c000-000000000000' }
    ],
    ['the shutdown with the header', request('/shutdown'), { kind: 'shutdown' }]
  ])('%s', (_name, given, expected) => {
    expect(decide(given, IDENTITY)).toEqual(expected);
  });
});

describe('decide: the requests it refuses (nothing is minted for any)', () => {
  it.each<[string, EndpointRequest, number, string]>([
    [
      'POST (Azure CLI 2.45 without APPSETTING_WEBSITE_SITE_NAME)',
      request('/msi/token', { metadata: 'true' }, 'POST'),
      405,
      'Only GET is answered, not POST. Azure CLI before 2.73 POSTs here when APPSETTING_WEBSITE_SITE_NAME is not set: set it (to any value) on every step that runs az.'
    ],
    [
      'PUT',
      request(v2019(), {}, 'PUT'),
      405,
      'Only GET is answered, not PUT. Azure CLI before 2.73 POSTs here when APPSETTING_WEBSITE_SITE_NAME is not set: set it (to any value) on every step that runs az.'
    ],
    [
      'X-Forwarded-For',
      request(v2019(), { 'x-forwarded-for': '10.0.0.7' }),
      400,
      'The request came through a proxy (it has a x-forwarded-for header); this endpoint answers this machine only. Add 127.0.0.1,localhost to NO_PROXY.'
    ],
    [
      'Forwarded',
      request(v2019(), { forwarded: 'for=10.0.0.7' }),
      400,
      'The request came through a proxy (it has a forwarded header); this endpoint answers this machine only. Add 127.0.0.1,localhost to NO_PROXY.'
    ],
    [
      'Via',
      request(v2019(), { via: '1.1 squid' }),
      400,
      'The request came through a proxy (it has a via header); this endpoint answers this machine only. Add 127.0.0.1,localhost to NO_PROXY.'
    ],
    [
      'another Host (DNS rebinding)',
      request(v2019(), { host: `evil.example:${PORT}` }),
      400,
      `The Host header must be 127.0.0.1:${PORT} or localhost:${PORT}.`
    ],
    [
      'another port in Host',
      request(v2019(), { host: '127.0.0.1:80' }),
      400,
      `The Host header must be 127.0.0.1:${PORT} or localhost:${PORT}.`
    ],
    ['no Host', request(v2019(), { host: undefined }), 400, `The Host header must be 127.0.0.1:${PORT} or localhost:${PORT}.`],
    [
      'a wrong header',
      request(v2019(), { 'x-identity-header': `${SECRET}0` }),
      401,
      'The X-IDENTITY-HEADER header is missing or wrong: send the value of IDENTITY_HEADER.'
    ],
    [
      'a prefix of the header',
      request(v2019(), { 'x-identity-header': SECRET.slice(0, 10) }),
      401,
      'The X-IDENTITY-HEADER header is missing or wrong: send the value of IDENTITY_HEADER.'
    ],
    [
      'no header',
      request(v2019(), { 'x-identity-header': undefined }),
      401,
      'The X-IDENTITY-HEADER header is missing or wrong: send the value of IDENTITY_HEADER.'
    ],
    [
      '2017-09-01 with X-IDENTITY-HEADER but no secret',
      request(v2017()),
      401,
      'The secret header is missing or wrong: send the value of MSI_SECRET.'
    ],
    [
      'a bad api-version',
      request(`/msi/token?api-version=2018-02-01&resource=${ARM}`),
      400,
      'api-version must be 2019-08-01 (IDENTITY_ENDPOINT, header X-IDENTITY-HEADER) or 2017-09-01 (MSI_ENDPOINT, header secret), given once.'
    ],
    [
      'no api-version',
      request(`/msi/token?resource=${ARM}`),
      400,
      'api-version must be 2019-08-01 (IDENTITY_ENDPOINT, header X-IDENTITY-HEADER) or 2017-09-01 (MSI_ENDPOINT, header secret), given once.'
    ],
    [
      'two api-versions',
      request(`${v2019()}&api-version=2017-09-01`),
      400,
      'api-version must be 2019-08-01 (IDENTITY_ENDPOINT, header X-IDENTITY-HEADER) or 2017-09-01 (MSI_ENDPOINT, header secret), given once.'
    ],
    [
      'no resource',
      request('/msi/token?api-version=2019-08-01'),
      400,
      'The query needs one resource: a resource URI or app ID, e.g. resource=https://management.azure.com.'
    ],
    [
      'two resources',
      request(v2019(`resource=${ARM}&resource=https://vault.azure.net`)),
      400,
      'The query needs one resource: a resource URI or app ID, e.g. resource=https://management.azure.com.'
    ],
    [
      'a resource with a space',
      request(v2019('resource=https%3A%2F%2Fa%20b')),
      400,
      'The query needs one resource: a resource URI or app ID, e.g. resource=https://management.azure.com.'
    ],
    [
      'another client_id (AZURE_CLIENT_ID of another app)',
      request(v2019(`resource=${ARM}&client_id=99999999-8888-7777-6666-555555555555`)),
      400,
      `This endpoint serves one identity, client ID ${CLIENT_ID}, and the request asked for '99999999-8888-7777-6666-555555555555'. DefaultAzureCredential asks for AZURE_CLIENT_ID's app when that variable is set: remove it from the job's env, or set it to this client ID.`
    ],
    [
      'another clientid',
      request(v2017(`resource=${ARM}&clientid=other`), CLI_HEADERS),
      400,
      `This endpoint serves one identity, client ID ${CLIENT_ID}, and the request asked for 'other'. DefaultAzureCredential asks for AZURE_CLIENT_ID's app when that variable is set: remove it from the job's env, or set it to this client ID.`
    ],
    [
      'its own client_id and another clientid',
      request(v2019(`resource=${ARM}&client_id=${CLIENT_ID}&clientid=other`)),
      400,
      `This endpoint serves one identity, client ID ${CLIENT_ID}, and the request asked for 'other'. DefaultAzureCredential asks for AZURE_CLIENT_ID's app when that variable is set: remove it from the job's env, or set it to this client ID.`
    ],
    [
      'an identity by resource id',
      request(v2019(`resource=${ARM}&mi_res_id=/subscriptions/x`)),
      400,
      `This endpoint serves one identity, client ID ${CLIENT_ID}: select it by client_id, or not at all (not by mi_res_id).`
    ],
    [
      'an identity by object id',
      request(v2019(`resource=${ARM}&object_id=x`)),
      400,
      `This endpoint serves one identity, client ID ${CLIENT_ID}: select it by client_id, or not at all (not by object_id).`
    ],
    [
      'another path',
      request('/metadata/identity/oauth2/token?api-version=2019-08-01&resource=x'),
      404,
      'There is nothing at /metadata/identity/oauth2/token: the token endpoint is /msi/token (IDENTITY_ENDPOINT, MSI_ENDPOINT).'
    ],
    [
      'the shutdown without the header',
      request('/shutdown', { 'x-identity-header': undefined }),
      401,
      'The X-IDENTITY-HEADER header is missing or wrong: send the value of IDENTITY_HEADER.'
    ],
    [
      'the shutdown by POST',
      request('/shutdown', {}, 'POST'),
      405,
      'Only GET is answered, not POST. Azure CLI before 2.73 POSTs here when APPSETTING_WEBSITE_SITE_NAME is not set: set it (to any value) on every step that runs az.'
    ]
  ])('%s: %s', (_name, given, status, description) => {
    const decision = decide(given, IDENTITY);
    expect(decision).toMatchObject({ kind: 'refused', answer: { status, body: { error_description: description } } });
    if (decision.kind === 'refused') expect(Object.keys(decision.answer.body)).toEqual(['error', 'error_description']);
  });

  it('names the method it allows on a 405', () => {
    expect(decide(request(v2019(), {}, 'POST'), IDENTITY)).toEqual({
      kind: 'refused',
      answer: { status: 405, headers: { Allow: 'GET' }, body: { error: 'method_not_allowed', error_description: expect.any(String) } }
    });
  });

  it('checks the header before it reads the query: an unauthenticated request learns nothing of what is wrong with it', () => {
    expect(decide(request('/msi/token?api-version=bogus', { 'x-identity-header': 'wrong' }), IDENTITY)).toMatchObject({
      answer: { status: 401 }
    });
    expect(decide(request(`/msi/token?resource=${ARM}&client_id=other`, { 'x-identity-header': undefined }), IDENTITY)).toMatchObject({
      answer: { status: 401 }
    });
  });
});

describe('tokenAnswer: the shapes the clients read', () => {
  const token = { token: 'eyJ.the.token', expiresOn: new Date(NOW + 3600_000) };

  it('2019-08-01: expires_on in epoch seconds, as a string', () => {
    const answer = tokenAnswer('2019-08-01', ARM, token, CLIENT_ID);
    expect(answer.status).toBe(200);
    expect(JSON.stringify(answer.body)).toBe(
      `{"access_token":"eyJ.the.token","expires_on":"1795438800","resource":"https://management.azure.com","token_type":"Bearer","client_id":"${CLIENT_ID}"}`
    );
  });

  it('2017-09-01: expires_on in the 24-hour form, and token_type (Azure CLI 2.45 needs both)', () => {
    const answer = tokenAnswer('2017-09-01', 'https://management.core.windows.net/', token, CLIENT_ID);
    expect(JSON.stringify(answer.body)).toBe(
      `{"access_token":"eyJ.the.token","expires_on":"11/23/2026 13:00:00 +00:00","resource":"https://management.core.windows.net/","token_type":"Bearer","client_id":"${CLIENT_ID}"}`
    );
  });

  it.each([
    ['2027-01-05T03:04:05Z', '01/05/2027 03:04:05 +00:00'],
    ['2026-12-31T23:59:59.999Z', '12/31/2026 23:59:59 +00:00'],
    ['2026-06-01T12:00:00Z', '06/01/2026 12:00:00 +00:00'],
    ['2026-06-01T15:30:00+02:00', '06/01/2026 13:30:00 +00:00']
  ])('the 24-hour form of %s is %s (zero-padded, in UTC, never AM/PM)', (time, expected) => {
    expect(twentyFourHourTime(new Date(time))).toBe(expected);
  });

  it('a failed mint is a 500 with the explanation, as JSON', () => {
    expect(mintFailureAnswer('Entra ID refused ...\nfix')).toEqual({
      status: 500,
      body: { error: 'server_error', error_description: 'Entra ID refused ...\nfix' }
    });
  });
});

describe('carries: the header check', () => {
  it.each<[string, string | string[] | undefined, boolean]>([
    ['the secret', SECRET, true],
    ['another value of the same length', SECRET.replace(/^5/, '6'), false],
    ['a prefix', SECRET.slice(0, 63), false],
    ['a longer value', `${SECRET}00`, false],
    ['an empty value', '', false],
    ['no header', undefined, false],
    ['a repeated header', [SECRET, SECRET], false]
  ])('%s', (_name, given, expected) => {
    // Lengths differ in some rows: the comparison hashes both sides first, so it never throws.
    expect(carries(given, SECRET)).toBe(expected);
  });
});

describe('the shutdown answer', () => {
  const stats = { served: { [ARM]: 9, 'https://vault.azure.net': 5 }, failures: 1, refused: 2, pid: 4242 };

  it('round-trips its statistics', () => {
    const answer = shutdownAnswer(stats);
    expect(answer.status).toBe(200);
    expect(parseShutdownAnswer(JSON.parse(JSON.stringify(answer.body)))).toEqual(stats);
  });

  it.each<[string, unknown]>([
    ['not an object', 'stopped'],
    ['no served', { failures: 0, refused: 0, pid: 1 }],
    ['a count that is not a number', { served: { [ARM]: '9' }, failures: 0, refused: 0, pid: 1 }],
    ['a negative count', { served: {}, failures: -1, refused: 0, pid: 1 }],
    ['no pid', { served: {}, failures: 0, refused: 0 }],
    ['served as a list', { served: [1], failures: 0, refused: 0, pid: 1 }]
  ])('refuses %s', (_name, body) => {
    expect(parseShutdownAnswer(body)).toBeUndefined();
  });
});
