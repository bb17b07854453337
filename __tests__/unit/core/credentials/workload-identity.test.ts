import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { createWorkloadIdentityCredential } from '../../src/credentials/workload-identity.js';
import { configFrom, credentialDeps, failureOf, fakeMachine } from './credential-support.js';
import { CLIENT_ID, fakeJwt, TENANT_ID } from './support.js';

const TOKEN_FILE = '/var/run/secrets/azure/tokens/azure-identity-token';
const SA_TOKEN = fakeJwt({ iss: 'https://westeurope.oic.prod-aks.azure.com/tenant/issuer/', sub: 'system:serviceaccount:runners:arc-runner', aud: 'api://AzureADTokenExchange' });
const ACCESS_TOKEN = fakeJwt({ tid: TENANT_ID, appid: CLIENT_ID });
const SCOPE = 'https://management.azure.com/.default';

/** The variables the AKS workload identity webhook injects into a pod. */
const AKS_ENV = {
  AZURE_FEDERATED_TOKEN_FILE: TOKEN_FILE,
  AZURE_CLIENT_ID: CLIENT_ID,
  AZURE_TENANT_ID: TENANT_ID,
  AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.com/'
};

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => nock.cleanAll());

/** Records each form posted to the token endpoint of `tenant` and answers with a token. */
function entra(tenant: string, host = 'https://login.microsoftonline.com'): URLSearchParams[] {
  const forms: URLSearchParams[] = [];
  nock(host)
    .post(`/${tenant}/oauth2/v2.0/token`)
    .times(5)
    .reply(200, (_, body) => {
      forms.push(new URLSearchParams(body as string));
      return { token_type: 'Bearer', expires_in: 3599, access_token: ACCESS_TOKEN };
    });
  return forms;
}

describe('workload identity', () => {
  it("presents the file's token, trimmed, as the client assertion with the webhook's client and tenant", async () => {
    const forms = entra(TENANT_ID);
    const machine = fakeMachine({ files: { [TOKEN_FILE]: `${SA_TOKEN}\n` } });
    const deps = credentialDeps(machine);

    const token = await createWorkloadIdentityCredential(configFrom({}, AKS_ENV), deps).getToken(SCOPE);

    expect(token.token).toBe(ACCESS_TOKEN);
    expect(Object.fromEntries(forms[0] ?? [])).toEqual({
      client_id: CLIENT_ID,
      scope: SCOPE,
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: SA_TOKEN
    });
    expect(deps.masks).toEqual([SA_TOKEN, ACCESS_TOKEN]);
    expect(deps.logs.join('\n')).not.toContain(SA_TOKEN);
  });

  it('reads the file afresh for every exchange (Kubernetes rotates it)', async () => {
    const forms = entra(TENANT_ID);
    const machine = fakeMachine({ files: { [TOKEN_FILE]: 'first-token' } });
    const credential = createWorkloadIdentityCredential(configFrom({}, AKS_ENV), credentialDeps(machine));
    await credential.getToken(SCOPE);
    machine.files.set(TOKEN_FILE, 'rotated-token');
    await credential.getToken('https://vault.azure.net/.default');
    expect(forms.map(form => form.get('client_assertion'))).toEqual(['first-token', 'rotated-token']);
    expect(machine.reads).toEqual([TOKEN_FILE, TOKEN_FILE]);
  });

  it("prefers the 'client-id' and 'tenant-id' inputs over AZURE_CLIENT_ID and AZURE_TENANT_ID", async () => {
    const otherClient = '99999999-2222-3333-4444-555555555555';
    const forms = entra('contoso.onmicrosoft.com');
    const machine = fakeMachine({ files: { [TOKEN_FILE]: SA_TOKEN } });
    const config = configFrom({ 'client-id': otherClient, 'tenant-id': 'contoso.onmicrosoft.com' }, AKS_ENV);
    await createWorkloadIdentityCredential(config, credentialDeps(machine)).getToken(SCOPE);
    expect(forms[0]?.get('client_id')).toBe(otherClient);
  });

  it('goes to the authority AZURE_AUTHORITY_HOST names', async () => {
    const forms = entra(TENANT_ID, 'https://login.microsoftonline.us');
    const machine = fakeMachine({ files: { [TOKEN_FILE]: SA_TOKEN } });
    const config = configFrom({}, { ...AKS_ENV, AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.us/' });
    await createWorkloadIdentityCredential(config, credentialDeps(machine)).getToken(SCOPE);
    expect(forms).toHaveLength(1);
  });

  it('asks the tenant a Key Vault challenge names', async () => {
    const other = '0000aaaa-0000-0000-0000-000000000000';
    const forms = entra(other);
    const machine = fakeMachine({ files: { [TOKEN_FILE]: SA_TOKEN } });
    await createWorkloadIdentityCredential(configFrom({}, AKS_ENV), credentialDeps(machine)).getToken(SCOPE, { tenantId: other });
    expect(forms).toHaveLength(1);
  });

  it('shows what the service account token presented when no federated credential matches', async () => {
    nock('https://login.microsoftonline.com')
      .post(`/${TENANT_ID}/oauth2/v2.0/token`)
      .reply(400, { error: 'invalid_request', error_description: 'AADSTS700213: No matching federated identity record found.', error_codes: [700213] });
    const machine = fakeMachine({ files: { [TOKEN_FILE]: SA_TOKEN } });
    const message = await failureOf(createWorkloadIdentityCredential(configFrom({}, AKS_ENV), credentialDeps(machine)).getToken(SCOPE));
    expect(message).toContain('  subject:  system:serviceaccount:runners:arc-runner');
    expect(message).toContain('  issuer:   https://westeurope.oic.prod-aks.azure.com/tenant/issuer/');
  });

  it.each([
    ['an empty file', { [TOKEN_FILE]: ' \n' }, `The federated token file AZURE_FEDERATED_TOKEN_FILE (${TOKEN_FILE}) is empty.`],
    ['a missing file', {}, `Cannot read the federated token file AZURE_FEDERATED_TOKEN_FILE (${TOKEN_FILE}): ENOENT: no such file or directory`]
  ])('fails on %s, before any request', async (_, files, message) => {
    const deps = credentialDeps(fakeMachine({ files }));
    const failure = await failureOf(createWorkloadIdentityCredential(configFrom({}, AKS_ENV), deps).getToken(SCOPE));
    expect(failure).toContain(message);
    expect(failure).toContain('azure.workload.identity/use');
  });

  it.each([
    ['AZURE_FEDERATED_TOKEN_FILE', "auth-type 'workload-identity' needs AZURE_FEDERATED_TOKEN_FILE, and it is not set."],
    ['AZURE_CLIENT_ID', "Input 'client-id' is needed for auth-type 'workload-identity' when AZURE_CLIENT_ID is not set."],
    ['AZURE_TENANT_ID', "Input 'tenant-id' is needed for auth-type 'workload-identity' when AZURE_TENANT_ID is not set."]
  ])('fails without %s', (missing, message) => {
    const env: Record<string, string> = { ...AKS_ENV };
    delete env[missing];
    expect(() => createWorkloadIdentityCredential(configFrom({}, env), credentialDeps(fakeMachine()))).toThrow(message);
  });
});
