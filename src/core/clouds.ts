/**
 * The per-cloud endpoints. Sources: docs/protocol.md#oidc-token-request (audiences) and
 * #clouds (authority, Resource Manager, Key Vault); Graph hosts from Microsoft's national
 * cloud deployment docs. Azure Germany closed on 2021-10-29 and is rejected by config.ts.
 */
type CloudName = 'AzureCloud' | 'AzureUSGovernment' | 'AzureChinaCloud';

export interface Cloud {
  readonly name: CloudName;
  readonly authorityHost: string;
  readonly resourceManager: string;
  readonly graph: string;
  /** DNS suffix of vault hosts, without the leading dot: `vault.azure.net`. */
  readonly keyVaultSuffix: string;
  /** The resource a Key Vault token is requested for. */
  readonly keyVaultResource: string;
  /** Managed HSM hosts hold keys only, never secrets: vault references to them are refused. */
  readonly managedHsmSuffix: string;
  /** Audience of the GitHub OIDC token that Entra ID expects in this cloud. */
  readonly oidcAudience: string;
}

export const CLOUDS: Readonly<Record<CloudName, Cloud>> = Object.freeze({
  AzureCloud: {
    name: 'AzureCloud',
    authorityHost: 'https://login.microsoftonline.com',
    resourceManager: 'https://management.azure.com',
    graph: 'https://graph.microsoft.com',
    keyVaultSuffix: 'vault.azure.net',
    keyVaultResource: 'https://vault.azure.net',
    managedHsmSuffix: 'managedhsm.azure.net',
    oidcAudience: 'api://AzureADTokenExchange'
  },
  AzureUSGovernment: {
    name: 'AzureUSGovernment',
    authorityHost: 'https://login.microsoftonline.us',
    resourceManager: 'https://management.usgovcloudapi.net',
    graph: 'https://graph.microsoft.us',
    keyVaultSuffix: 'vault.usgovcloudapi.net',
    keyVaultResource: 'https://vault.usgovcloudapi.net',
    managedHsmSuffix: 'managedhsm.usgovcloudapi.net',
    oidcAudience: 'api://AzureADTokenExchangeUSGov'
  },
  AzureChinaCloud: {
    name: 'AzureChinaCloud',
    authorityHost: 'https://login.chinacloudapi.cn',
    resourceManager: 'https://management.chinacloudapi.cn',
    graph: 'https://microsoftgraph.chinacloudapi.cn',
    keyVaultSuffix: 'vault.azure.cn',
    keyVaultResource: 'https://vault.azure.cn',
    managedHsmSuffix: 'managedhsm.chinacloudapi.cn',
    oidcAudience: 'api://AzureADTokenExchangeChina'
  }
});

/** Finds a cloud by its name, case-insensitively. */
export function findCloud(name: string): Cloud | undefined {
  const wanted = name.toLowerCase();
  return Object.values(CLOUDS).find(cloud => cloud.name.toLowerCase() === wanted);
}

/** Azure DevOps' application id: the same in every cloud it runs in. */
const AZURE_DEVOPS_APP_ID = '499b84ac-1321-427f-aa17-267ca6975798';

export const WELL_KNOWN_RESOURCES = ['arm', 'graph', 'keyvault', 'storage', 'devops'] as const;
export type WellKnownResource = (typeof WELL_KNOWN_RESOURCES)[number];

/** The resource behind a well-known short name, in the given cloud. */
export function wellKnownResource(cloud: Cloud, name: WellKnownResource): string {
  switch (name) {
    case 'arm':
      return cloud.resourceManager;
    case 'graph':
      return cloud.graph;
    case 'keyvault':
      return cloud.keyVaultResource;
    case 'storage':
      // Azure Storage uses one resource id in every cloud.
      return 'https://storage.azure.com';
    case 'devops':
      return AZURE_DEVOPS_APP_ID;
  }
}
