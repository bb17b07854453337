import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { actionInputs } from '../../../src/action/main.js';
import { readConfig } from '../../../src/core/config.js';
import { createCredential } from '../../../src/core/credentials/index.js';
import type { Credential } from '../../../src/core/credentials/credential.js';
import { createMasker } from '../../../src/core/masking.js';
import { createMinter } from '../../../src/endpoint/minter.js';
import type { EndpointRequest } from '../../../src/endpoint/protocol.js';
import { createTokenService } from '../../../src/endpoint/service.js';
import { CLIENT_ID, inputEnv, NOW, recordingLog, TENANT_ID, testHttp, testMachine } from '../support.js';

const SECRET = 'S3cr3t~Value_ABC';
const HEADER = 'ab'.repeat(32);
const PORT = 40001;
const VAULT = 'https://vault.azure.net';

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => nock.cleanAll());

const get = (query: string, header = HEADER): EndpointRequest => ({
  method: 'GET',
  url: `/msi/token?api-version=2019-08-01&${query}`,
  headers: { host: `127.0.0.1:${PORT}`, 'x-identity-header': header }
});

/** The endpoint's service over a credential, as its process builds it. */
function serviceOver(credential: Credential, masker = createMasker(() => {})) {
  return createTokenService({
    identity: { port: PORT, secret: HEADER, clientId: CLIENT_ID },
    minter: createMinter(credential, { now: () => NOW }),
    masker,
    pid: 777
  });
}

/** A credential that counts its mints. */
function counting(): Credential & { mints: number } {
  return {
    kind: 'oidc',
    mints: 0,
    async getToken() {
      this.mints++;
      return { token: `token-${this.mints}`, expiresOn: new Date(NOW + 3600_000) };
    }
  };
}

describe('the token service', () => {
  it('serves tokens from the cache and counts what it served, refused and failed', async () => {
    const credential = counting();
    const service = serviceOver(credential);
    const answers = [
      await service.handle(get(`resource=${VAULT}`)),
      await service.handle(get(`resource=${VAULT}`)),
      await service.handle(get('resource=https://management.azure.com')),
      await service.handle(get(`resource=${VAULT}`, 'wrong'))
    ];
    expect(answers.map(outcome => [outcome.answer.status, outcome.answer.body['access_token'], outcome.shutdown])).toEqual([
      [200, 'token-1', false],
      [200, 'token-1', false],
      [200, 'token-2', false],
      [401, undefined, false]
    ]);
    expect(credential.mints).toBe(2);
    expect(service.stats()).toEqual({ served: { [VAULT]: 2, 'https://management.azure.com': 1 }, failures: 0, refused: 1, pid: 777 });
  });

  it('mints nothing for a refused request', async () => {
    const credential = counting();
    const service = serviceOver(credential);
    await service.handle(get(`resource=${VAULT}`, ''));
    await service.handle({ ...get(`resource=${VAULT}`), method: 'POST' });
    await service.handle({ ...get(`resource=${VAULT}`), headers: { host: 'evil.example', 'x-identity-header': HEADER } });
    await service.handle(get(`resource=${VAULT}&client_id=someone-else`));
    expect(credential.mints).toBe(0);
    expect(service.stats()).toMatchObject({ served: {}, refused: 4 });
  });

  it('answers the shutdown with its statistics', async () => {
    const service = serviceOver(counting());
    await service.handle(get(`resource=${VAULT}`));
    await expect(
      service.handle({ method: 'GET', url: '/shutdown', headers: { host: `localhost:${PORT}`, 'x-identity-header': HEADER } })
    ).resolves.toEqual({
      answer: { status: 200, body: { served: { [VAULT]: 1 }, failures: 0, refused: 0, pid: 777 } },
      shutdown: true
    });
  });

  it("answers a failed mint with 500 and the step's own explanation (AADSTS code, meaning, fix), without any secret, and carries on", async () => {
    const masker = createMasker(() => {});
    const env = {
      GITHUB_ACTIONS: 'true',
      ...inputEnv({ 'auth-type': 'secret', 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID, 'client-secret': SECRET })
    };
    const config = readConfig({ input: actionInputs(env), env, workspace: '/work/space' }, masker);
    const http = testHttp();
    const credential = await createCredential(config, { http, machine: testMachine(), masker, log: recordingLog() });
    const service = serviceOver(credential, masker);
    nock('https://login.microsoftonline.com')
      .post(`/${TENANT_ID}/oauth2/v2.0/token`)
      .reply(401, {
        error: 'invalid_client',
        error_description: `AADSTS7000215: Invalid client secret provided ('${SECRET}'). Trace ID: 0a1b Correlation ID: 2c3d Timestamp: 2026-11-23 12:00:00Z`,
        error_codes: [7000215],
        trace_id: '0a1b',
        correlation_id: '2c3d'
      })
      .post(`/${TENANT_ID}/oauth2/v2.0/token`)
      .reply(200, { token_type: 'Bearer', expires_in: 3599, access_token: 'the-token' });

    const failed = await service.handle(get(`resource=${VAULT}`));
    expect(failed.answer).toEqual({
      status: 500,
      body: {
        error: 'server_error',
        error_description: [
          "Getting a token for https://vault.azure.net with auth-type 'secret': Entra ID refused the token request with AADSTS7000215: The client secret is wrong.",
          "Entra ID said: Invalid client secret provided ('***').",
          'Trace ID: 0a1b, correlation ID: 2c3d',
          `Give the secret's Value, not its Secret ID. Create a new one with: az ad app credential reset --id ${CLIENT_ID} --append`
        ].join('\n')
      }
    });
    const served = await service.handle(get(`resource=${VAULT}`));
    expect(served.answer).toMatchObject({ status: 200, body: { access_token: 'the-token' } });
    expect(service.stats()).toMatchObject({ served: { [VAULT]: 1 }, failures: 1 });
    http.dispose();
  });
});
