/**
 * Parsers for single input values. Each failure is an InputError naming the input and what it
 * expects; a value is echoed only when it cannot be a secret, and then as data (escaped, cut).
 */
import * as path from 'node:path';
import { type Cloud, findCloud, WELL_KNOWN_RESOURCES, type WellKnownResource, wellKnownResource } from './clouds.js';
import { ActionError, InputError } from './errors.js';
import { externalText } from './external-text.js';
import { isLoopbackHost } from './loopback.js';

const AUTH_TYPES = ['oidc', 'secret', 'certificate', 'managed-identity', 'workload-identity', 'azure-cli'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{3,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i;
const MULTI_TENANT = ['common', 'organizations', 'consumers'];

/**
 * An input's value in a message: quoted, on one line, escaped and cut. Only for values that are
 * never secret; a URL's `user:password@` is hidden all the same, in case one was pasted by mistake.
 */
export function quoted(value: string): string {
  return `'${externalText(value.replace(/\/\/[^/@\s]*@/g, '//***@'), { maxLength: 120 })}'`;
}

export function parseAuthType(value: string): AuthType | 'auto' {
  const wanted = value.toLowerCase() || 'auto';
  if (wanted === 'auto') return 'auto';
  const match = AUTH_TYPES.find(type => type === wanted);
  if (!match) throw new InputError('auth-type', `must be one of auto, ${AUTH_TYPES.join(', ')}; got ${quoted(value)}.`);
  return match;
}

export function parseClientId(value: string | undefined, source: string): string | undefined {
  if (value !== undefined && !GUID.test(value)) {
    throw new InputError(
      source,
      `must hold the application (client) ID, a GUID such as 00000000-0000-0000-0000-000000000000; got ${quoted(value)}.`,
      "Copy the 'Application (client) ID' from the app registration's overview page (for a managed identity: its 'Client ID')."
    );
  }
  return value;
}

export function parseTenantId(value: string | undefined, source: string): string | undefined {
  if (value === undefined) return undefined;
  const hint = "Use the 'Directory (tenant) ID' from the app registration's overview page.";
  if (MULTI_TENANT.includes(value.toLowerCase())) {
    throw new InputError(source, `must be a tenant GUID or domain, not ${quoted(value)}: an app signs in to one tenant.`, hint);
  }
  if (!GUID.test(value) && !DOMAIN.test(value)) {
    throw new InputError(source, `must be a tenant GUID or domain (contoso.onmicrosoft.com); got ${quoted(value)}.`, hint);
  }
  return value;
}

export function parseCloud(value: string): Cloud {
  if (!value) return findCloud('AzureCloud') as Cloud;
  if (value.toLowerCase() === 'azuregermancloud') {
    throw new InputError(
      'environment',
      'names AzureGermanCloud, which Microsoft closed on 2021-10-29.',
      'Resources there moved to the public cloud regions in Germany: use AzureCloud.'
    );
  }
  const cloud = findCloud(value);
  if (!cloud) {
    throw new InputError(
      'environment',
      `must be AzureCloud, AzureUSGovernment or AzureChinaCloud; got ${quoted(value)}.`,
      "It names the Azure cloud, not a GitHub deployment environment (that is the job's own `environment:` key)."
    );
  }
  return cloud;
}

/** `source` is the input, or AZURE_AUTHORITY_HOST when the value came from the environment. */
export function parseAuthorityHost(value: string | undefined, source: string, cloud: Cloud): string {
  if (!value) return cloud.authorityHost;
  // AZURE_AUTHORITY_HOST is a variable, not an input: name what the user has to fix.
  const bad = (expectation: string, hint?: string): ActionError =>
    source === 'authority-host'
      ? new InputError(source, expectation, hint)
      : new ActionError(`Environment variable ${source} ${expectation}`, hint);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad(`must be an https:// URL such as ${cloud.authorityHost}; got ${quoted(value)}.`);
  }
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  if (!secure || url.search || url.hash || url.username || url.password) {
    throw bad(
      `must be an https:// URL with no user or query, such as ${cloud.authorityHost}; got ${quoted(url.username || url.password ? `${url.protocol}//${url.host}` : value)}.`,
      'Plain http:// is accepted only for loopback hosts (127.0.0.1, localhost, [::1]).'
    );
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

const RESOURCE_EXPECTATION = `must be a resource URI (https://vault.azure.net), a scope ending in /.default, an application ID, or one of ${WELL_KNOWN_RESOURCES.join(', ')}`;

/** Resource and scope from the `resource` input; the cloud's Resource Manager by default. */
export function parseResource(value: string, cloud: Cloud): { resource: string; scope: string } {
  const known: WellKnownResource | undefined = WELL_KNOWN_RESOURCES.find(name => name === value.toLowerCase());
  const raw = !value ? cloud.resourceManager : known ? wellKnownResource(cloud, known) : value;
  if (/\s/.test(raw) || raw.includes(',')) {
    throw new InputError('resource', `${RESOURCE_EXPECTATION}; a token is for one resource, so give one. Got ${quoted(value)}.`);
  }
  if (raw.endsWith('/.default')) {
    return { resource: checkedResource(raw.slice(0, -'/.default'.length), value), scope: raw };
  }
  const resource = checkedResource(raw.replace(/\/+$/, ''), value);
  return { resource, scope: `${resource}/.default` };
}

function checkedResource(resource: string, original: string): string {
  if (GUID.test(resource)) return resource;
  let url: URL | undefined;
  try {
    url = new URL(resource);
  } catch {
    url = undefined;
  }
  if (url && (url.username || url.password)) {
    // A user and password in a resource URI would be sent to Entra ID and printed: refuse, echo nothing.
    throw new InputError('resource', `${RESOURCE_EXPECTATION}; it must hold no user or password (user:password@).`);
  }
  if (!url || !/^[a-z][a-z0-9+.-]*:$/.test(url.protocol) || url.search || url.hash || (!url.host && !url.pathname.replace(/\/+$/, ''))) {
    throw new InputError('resource', `${RESOURCE_EXPECTATION}; got ${quoted(original)}.`);
  }
  return resource;
}

/** An audience Entra ID can match: printable, no spaces, at most 600 characters (its federated credential limit). */
export function parseAudience(value: string | undefined, cloud: Cloud): string {
  if (!value) return cloud.oidcAudience;
  if (value.length > 600 || !/^[\x21-\x7e]+$/.test(value)) {
    throw new InputError(
      'audience',
      `must be the audience of a federated credential, such as ${cloud.oidcAudience}; got ${quoted(value)}.`
    );
  }
  return value;
}

export function parseBoolean(name: string, value: string, fallback: boolean): boolean {
  if (!value) return fallback;
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw new InputError(name, `must be true or false; got ${quoted(value)}.`);
}

export function parseTokenFile(value: string, workspace: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this matches
  if (/[\u0000-\u001f]/.test(value)) throw new InputError('token-file', 'must be a file path, with no control characters.');
  return path.resolve(workspace, value);
}
