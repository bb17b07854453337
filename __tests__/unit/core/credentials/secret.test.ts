import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { createSecretCredential } from '../../../../src/core/credentials/secret.js';
import { secretSettings } from '../../../../src/core/credentials/settings.js';
import { configFrom, credentialDeps, failureOf, type RecordingDeps } from '../../credential-support.js';
import { CLIENT_ID, NOW, TENANT_ID } from '../../support.js';

const SECRET = 'S3cr3t~Value_ABC';
const ARM = 'https://management.azure.com/.default';

let deps: RecordingDeps;
beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => {
  deps = credentialDeps();
});
afterEach(() => {
  deps.http.dispose();
  nock.cleanAll();
});

/** Entra ID answering one request; records the form it received. */
function entra(forms: Array<Record<string, string>>, tenant = TENANT_ID, authority = 'https://login.microsoftonline.com'): nock.Scope {
  return nock(authority)
    .post(`/${tenant}/oauth2/v2.0/token`, body => {
      forms.push(Object.fromEntries(new URLSearchParams(body as string)));
      return true;
    })
    .reply(200, { token_type: 'Bearer', expires_in: 3599, access_token: 'access-token' });
}

const secretCredential = (inputs: Record<string, string>) => createSecretCredential(secretSettings(configFrom(inputs)), deps);

describe('client secret credential', () => {
  it('sends the secret to the tenant of the config, and returns the masked token', async () => {
    const forms: Array<Record<string, string>> = [];
    entra(forms);
    const credential = secretCredential({ 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID, 'client-secret': SECRET });
    expect(credential.kind).toBe('secret');
    const token = await credential.getToken(ARM);
    expect(token).toEqual({ token: 'access-token', expiresOn: new Date(NOW + 3_599_000) });
    expect(forms).toEqual([{ client_id: CLIENT_ID, scope: ARM, grant_type: 'client_credentials', client_secret: SECRET }]);
    expect(deps.masks).toEqual(['access-token']);
  });

  it('takes client, tenant and secret from creds', async () => {
    const forms: Array<Record<string, string>> = [];
    entra(forms);
    const creds = JSON.stringify({ appId: CLIENT_ID, password: SECRET, tenant: TENANT_ID });
    await secretCredential({ creds }).getToken(ARM);
    expect(forms[0]).toMatchObject({ client_id: CLIENT_ID, client_secret: SECRET });
  });

  it("asks the tenant a Key Vault challenge names, at the cloud's authority", async () => {
    const other = '99999999-8888-7777-6666-555555555555';
    const forms: Array<Record<string, string>> = [];
    const scope = entra(forms, other, 'https://login.microsoftonline.us');
    const credential = secretCredential({
      'client-id': CLIENT_ID,
      'tenant-id': TENANT_ID,
      'client-secret': SECRET,
      environment: 'AzureUSGovernment'
    });
    await credential.getToken('https://vault.usgovcloudapi.net/.default', { tenantId: other });
    expect(scope.isDone()).toBe(true);
    expect(forms).toEqual([
      { client_id: CLIENT_ID, scope: 'https://vault.usgovcloudapi.net/.default', grant_type: 'client_credentials', client_secret: SECRET }
    ]);
  });

  it('refuses an answer whose token has already expired', async () => {
    nock('https://login.microsoftonline.com')
      .post(`/${TENANT_ID}/oauth2/v2.0/token`)
      .reply(200, { token_type: 'Bearer', expires_in: 3599, access_token: 'access-token' });
    // The clock jumps two hours while the request is on its way: the answer ends before it arrives.
    let calls = 0;
    deps = credentialDeps({ ...deps.machine, now: () => (calls++ === 0 ? NOW : NOW + 7_200_000) });
    const message = await failureOf(
      secretCredential({ 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID, 'client-secret': SECRET }).getToken(ARM)
    );
    expect(message).toBe(
      'Entra ID answered with a token that expired at 2026-11-23T12:59:59Z.\n' +
        'Check the runner clock (a self-hosted runner should sync it with NTP); if the clock is right, the service is broken: re-run the job later.'
    );
  });
});

// What the secret kind needs before it can be built ('client-secret', 'client-id', 'tenant-id'): settings.test.ts.
