import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import type { Config } from '../../../../src/core/config.js';
import type { CredentialDeps } from '../../../../src/core/credentials/credential.js';
import { workloadIdentitySettings } from '../../../../src/core/credentials/settings.js';
import { createWorkloadIdentityCredential } from '../../../../src/core/credentials/workload-identity.js';
import { CredentialFileError } from '../../../../src/core/errors.js';
import { configFrom, credentialDeps, failureOf, fakeMachine } from '../../credential-support.js';
import { CLIENT_ID, fakeJwt, TENANT_ID } from '../../support.js';

const TOKEN_FILE = '/var/run/secrets/azure/tokens/azure-identity-token';
const SA_TOKEN = fakeJwt({
  iss: 'https://westeurope.oic.prod-aks.azure.com/tenant/issuer/',
  sub: 'system:serviceaccount:runners:arc-runner',
  aud: 'api://AzureADTokenExchange'
});
const ACCESS_TOKEN = fakeJwt({ tid: TENANT_ID, appid: CLIENT_ID });
const SCOPE = 'https://management.azure.com/.default';
const WEBHOOK_HINT =
  'Label the pod azure.workload.identity/use: "true" and run it under a service account annotated with azure.workload.identity/client-id, ' +
  'so the webhook sets AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID and AZURE_TENANT_ID.';

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

const workloadIdentity = (config: Config, deps: CredentialDeps) => createWorkloadIdentityCredential(workloadIdentitySettings(config), deps);

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

    const credential = workloadIdentity(configFrom({}, AKS_ENV), deps);
    const token = await credential.getToken(SCOPE);

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
    expect(credential.subject?.()).toBe('system:serviceaccount:runners:arc-runner');
  });

  it('reads the file afresh for every exchange (Kubernetes rotates it)', async () => {
    const forms = entra(TENANT_ID);
    const machine = fakeMachine({ files: { [TOKEN_FILE]: 'first-token' } });
    const credential = workloadIdentity(configFrom({}, AKS_ENV), credentialDeps(machine));
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
    await workloadIdentity(config, credentialDeps(machine)).getToken(SCOPE);
    expect(forms[0]?.get('client_id')).toBe(otherClient);
  });

  it('goes to the authority AZURE_AUTHORITY_HOST names', async () => {
    const forms = entra(TENANT_ID, 'https://login.microsoftonline.us');
    const machine = fakeMachine({ files: { [TOKEN_FILE]: SA_TOKEN } });
    const config = configFrom({}, { ...AKS_ENV, AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.us/' });
    await workloadIdentity(config, credentialDeps(machine)).getToken(SCOPE);
    expect(forms).toHaveLength(1);
  });

  it('asks the tenant a Key Vault challenge names', async () => {
    const other = '0000aaaa-0000-0000-0000-000000000000';
    const forms = entra(other);
    const machine = fakeMachine({ files: { [TOKEN_FILE]: SA_TOKEN } });
    await workloadIdentity(configFrom({}, AKS_ENV), credentialDeps(machine)).getToken(SCOPE, { tenantId: other });
    expect(forms).toHaveLength(1);
  });

  it('shows what the service account token presented when no federated credential matches', async () => {
    nock('https://login.microsoftonline.com')
      .post(`/${TENANT_ID}/oauth2/v2.0/token`)
      .reply(400, {
        error: 'invalid_request',
        error_description: 'AADSTS700213: No matching federated identity record found.',
        error_codes: [700213]
      });
    const machine = fakeMachine({ files: { [TOKEN_FILE]: SA_TOKEN } });
    const message = await failureOf(workloadIdentity(configFrom({}, AKS_ENV), credentialDeps(machine)).getToken(SCOPE));
    expect(message).toContain('  subject:  system:serviceaccount:runners:arc-runner');
    expect(message).toContain('  issuer:   https://westeurope.oic.prod-aks.azure.com/tenant/issuer/');
  });
});

describe('a token file that cannot be used fails at once, before any request, naming AZURE_FEDERATED_TOKEN_FILE', () => {
  const WHAT = `The federated token file AZURE_FEDERATED_TOKEN_FILE (${TOKEN_FILE})`;

  it.each<[string, (machine: ReturnType<typeof fakeMachine>) => void, string]>([
    ['an empty file', machine => machine.files.set(TOKEN_FILE, ' \n'), `${WHAT} is empty.`],
    ['a missing file', () => undefined, `${WHAT} cannot be read: no such file.`],
    [
      'a FIFO',
      machine => machine.special.set(TOKEN_FILE, 'a FIFO (named pipe)'),
      `${WHAT} cannot be read: it is a FIFO (named pipe), not a regular file.`
    ],
    [
      'a directory',
      machine => machine.special.set(TOKEN_FILE, 'a directory'),
      `${WHAT} cannot be read: it is a directory, not a regular file.`
    ],
    [
      'a file over 64 KiB',
      machine => machine.files.set(TOKEN_FILE, 'x'.repeat(64 * 1024 + 1)),
      `${WHAT} cannot be read: it has 65537 bytes, more than the 65536 allowed.`
    ],
    [
      'a link to a FIFO',
      machine => {
        machine.links.set(TOKEN_FILE, '/run/pipe');
        machine.special.set('/run/pipe', 'a FIFO (named pipe)');
      },
      `${WHAT} cannot be read: it is a FIFO (named pipe), not a regular file.`
    ]
  ])('%s', async (_, prepare, message) => {
    const machine = fakeMachine();
    prepare(machine);
    const error = await workloadIdentity(configFrom({}, AKS_ENV), credentialDeps(machine))
      .getToken(SCOPE)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CredentialFileError);
    expect(await failureOf(Promise.reject(error))).toBe(`${message}\n${WEBHOOK_HINT}`);
    expect(machine.reads).toEqual([TOKEN_FILE]);
  });
});

// What the workload-identity kind needs before it can be built (the token file, client and tenant): settings.test.ts.
