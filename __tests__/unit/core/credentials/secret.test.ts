import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { type Config, readConfig } from '../../src/config.js';
import { createSecretCredential } from '../../src/credentials/secret.js';
import { InputError } from '../../src/errors.js';
import { CLIENT_ID, inputEnv, NOW, TENANT_ID, testHttp, type TestHttp } from './support.js';

const SECRET = 'S3cr3t~Value_ABC';
const ARM = 'https://management.azure.com/.default';

function secretConfig(inputs: Record<string, string>): Config {
  return readConfig({ GITHUB_WORKSPACE: '/work/space', ...inputEnv(inputs) }, () => undefined);
}

let http: TestHttp;
let masks: string[];
beforeEach(() => {
  nock.disableNetConnect();
  http = testHttp();
  masks = [];
});
afterEach(() => {
  http.dispose();
  nock.cleanAll();
  nock.enableNetConnect();
});

const deps = () => ({ http, now: () => NOW, mask: (value: string) => masks.push(value), log: () => undefined });

/** Entra ID answering one request; records the form it received. */
function entra(forms: Array<Record<string, string>>, tenant = TENANT_ID, authority = 'https://login.microsoftonline.com'): nock.Scope {
  return nock(authority)
    .post(`/${tenant}/oauth2/v2.0/token`, body => {
      forms.push(Object.fromEntries(new URLSearchParams(body as string)));
      return true;
    })
    .reply(200, { token_type: 'Bearer', expires_in: 3599, access_token: 'access-token' });
}

describe('client secret credential', () => {
  it('sends the secret to the tenant of the config, and returns the masked token', async () => {
    const forms: Array<Record<string, string>> = [];
    entra(forms);
    const credential = createSecretCredential(secretConfig({ 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID, 'client-secret': SECRET }), deps());
    expect(credential.kind).toBe('secret');
    const token = await credential.getToken(ARM);
    expect(token).toEqual({ token: 'access-token', expiresOn: new Date(NOW + 3_599_000) });
    expect(forms).toEqual([{ client_id: CLIENT_ID, scope: ARM, grant_type: 'client_credentials', client_secret: SECRET }]);
    expect(masks).toEqual(['access-token']);
  });

  it('takes client, tenant and secret from creds', async () => {
    const forms: Array<Record<string, string>> = [];
    entra(forms);
    const creds = JSON.stringify({ appId: CLIENT_ID, password: SECRET, tenant: TENANT_ID });
    await createSecretCredential(secretConfig({ creds }), deps()).getToken(ARM);
    expect(forms[0]).toMatchObject({ client_id: CLIENT_ID, client_secret: SECRET });
  });

  it("asks the tenant a Key Vault challenge names, at the cloud's authority", async () => {
    const other = '99999999-8888-7777-6666-555555555555';
    const forms: Array<Record<string, string>> = [];
    const scope = entra(forms, other, 'https://login.microsoftonline.us');
    const config = secretConfig({ 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID, 'client-secret': SECRET, environment: 'AzureUSGovernment' });
    await createSecretCredential(config, deps()).getToken('https://vault.usgovcloudapi.net/.default', { tenantId: other });
    expect(scope.isDone()).toBe(true);
  });

  it.each<[string, Record<string, string>, string]>([
    ['client-secret', { 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID }, "Input 'client-secret' is needed for auth-type 'secret' (or give 'creds' with clientSecret)."],
    ['client-id', { 'tenant-id': TENANT_ID, 'client-secret': SECRET }, "Input 'client-id' is needed for auth-type 'secret'."],
    ['tenant-id', { 'client-id': CLIENT_ID, 'client-secret': SECRET }, "Input 'tenant-id' is needed for auth-type 'secret'."]
  ])('needs %s', (_, inputs, message) => {
    const create = () => createSecretCredential(secretConfig(inputs), deps());
    expect(create).toThrow(InputError);
    expect(create).toThrow(message);
  });
});
