/**
 * The default world the fake describes: one tenant, one app registration with every kind of
 * credential, two managed identities, and a vault with a few secrets. Tests import DEFAULTS to
 * refer to ids and values; startFakeAzure(options) overrides top-level keys of defaultScenario().
 */
import { loadTestCertificate } from './certificates.js';

const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
const SUBSCRIPTION = '/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourcegroups/rg-octo';

export const DEFAULTS = Object.freeze({
  tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  tenantDomain: 'contoso.onmicrosoft.com',
  clientId: '8a4c3b7e-2f1d-4e6a-9b5c-0d7e8f9a1b2c',
  servicePrincipalObjectId: 'f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b',
  clientSecret: 'fake~Q8Q.secret-value_0123456789abcdefGHIJ',
  expiredClientSecret: 'fake~Q8Q.expired-secret_9876543210zyxwvuTS',
  githubIssuer: GITHUB_ISSUER,
  githubSubject: 'repo:octo-org/octo-repo:ref:refs/heads/main',
  /** The same subject in GitHub's immutable form (github.subjectFormat 'immutable'); Source: github/docs PR #45221 */
  githubImmutableSubject: 'repo:octo-org@9919/octo-repo@690079427:ref:refs/heads/main',
  githubRequestToken: 'fake-actions-id-token-request-token',
  federatedAudience: 'api://AzureADTokenExchange',
  identityHeader: 'fake-identity-header-1f2e3d4c',
  systemIdentity: Object.freeze({
    clientId: '5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f',
    objectId: '0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d',
    resourceId: `${SUBSCRIPTION}/providers/Microsoft.Compute/virtualMachines/vm-runner`,
    system: true
  }),
  userIdentity: Object.freeze({
    clientId: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b',
    objectId: '6b5a4f3e-2d1c-4b0a-9f8e-7d6c5b4a3f2e',
    resourceId: `${SUBSCRIPTION}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-deploy`,
    system: false
  }),
  vaultName: 'my-vault',
  /** The subscription the fake Resource Manager lists by default. */
  subscriptionId: '0b1f6471-1bf0-4dda-aec3-cb9272f09590',
  secrets: Object.freeze({
    'db-password': 'Pa55w0rd!fake-db-7Hq2',
    'api-key': 'ak_fake_4f9c2e7b1d8a6035',
    'tls-key': '-----BEGIN FAKE KEY-----\nMIIEfakefakefakeline1\nMIIEfakefakefakeline2\n-----END FAKE KEY-----',
    'connection-string': 'Server=tcp:db.example;Password=p%25"q\'r;',
    '2fa-seed': 'JBSWY3DPEHPK3PXP'
  }),
  disabledSecret: 'disabled-secret',
  expiredSecret: 'expired-secret'
});

/** Resources Entra knows in every tenant (public, US Gov and China clouds, §2). */
export const KNOWN_RESOURCES = Object.freeze([
  'https://management.azure.com',
  'https://management.core.windows.net',
  'https://graph.microsoft.com',
  'https://vault.azure.net',
  'https://storage.azure.com',
  '499b84ac-1321-427f-aa17-267ca6975798',
  'https://management.usgovcloudapi.net',
  'https://management.core.usgovcloudapi.net',
  'https://graph.microsoft.us',
  'https://vault.usgovcloudapi.net',
  'https://management.chinacloudapi.cn',
  'https://management.core.chinacloudapi.cn',
  'https://microsoftgraph.chinacloudapi.cn',
  'https://vault.azure.cn'
]);

const YEAR_SECONDS = 365 * 24 * 3600;

/** A fresh, mutable copy of the default world. */
export function defaultScenario() {
  const now = Math.floor(Date.now() / 1000);
  return {
    tenants: [
      {
        id: DEFAULTS.tenantId,
        domains: [DEFAULTS.tenantDomain],
        apps: [
          {
            clientId: DEFAULTS.clientId,
            objectId: DEFAULTS.servicePrincipalObjectId,
            displayName: 'octo-deployer',
            secrets: [DEFAULTS.clientSecret, { value: DEFAULTS.expiredClientSecret, expiresOn: now - YEAR_SECONDS }],
            certificates: [loadTestCertificate('client').certPem, loadTestCertificate('expired').certPem],
            federatedCredentials: [{ issuer: GITHUB_ISSUER, subject: DEFAULTS.githubSubject, audiences: [DEFAULTS.federatedAudience] }]
          }
        ]
      }
    ],
    resources: [...KNOWN_RESOURCES],
    github: {
      issuer: GITHUB_ISSUER,
      subject: DEFAULTS.githubSubject,
      requestToken: DEFAULTS.githubRequestToken,
      claims: {}
    },
    managedIdentity: { identityHeader: DEFAULTS.identityHeader, tenantId: DEFAULTS.tenantId },
    managedIdentities: [{ ...DEFAULTS.systemIdentity }, { ...DEFAULTS.userIdentity }],
    vaults: {
      [DEFAULTS.vaultName]: {
        secrets: {
          ...DEFAULTS.secrets,
          [DEFAULTS.disabledSecret]: { value: 'disabled-value-never-served', enabled: false },
          [DEFAULTS.expiredSecret]: { value: 'expired-value-fake-0042', exp: now - 24 * 3600 }
        }
      }
    },
    keyVaultPageSize: 25,
    keyVaultListing: {},
    arm: { subscriptions: [{ subscriptionId: DEFAULTS.subscriptionId, displayName: 'octo-subscription' }] },
    latencyMs: 0
  };
}
