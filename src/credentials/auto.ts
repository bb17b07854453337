/**
 * `auto`: the first credential the runner offers, in the contract's order. When none applies,
 * one error lists every candidate and why it did not apply.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AuthType, Config } from '../config.js';
import { ActionError } from '../errors.js';
import type { Http } from '../http.js';

export interface AutoDeps {
  /** True when the VM's instance metadata service answers (a short probe, no retries). */
  readonly imdsAnswers: () => Promise<boolean>;
}

/** What `auto` picked, why, and why each candidate before it did not apply. */
export interface AutoChoice {
  readonly kind: AuthType;
  readonly because: string;
  readonly ruledOut: readonly string[];
}

interface Candidate {
  readonly kind: AuthType;
  /** Shown in the list of candidates when the kind alone does not say which one. */
  readonly label?: string;
  readonly because: string;
  /** Undefined when it applies, else why not. */
  readonly whyNot: (config: Config) => Promise<string | undefined> | string | undefined;
}

/** The contract's order: explicit credentials first, then what the runner's platform offers. */
export async function chooseAuthType(config: Config, deps: AutoDeps, platform: NodeJS.Platform): Promise<AutoChoice> {
  const candidates: Candidate[] = [
    {
      kind: 'secret',
      because: 'a client secret is given',
      whyNot: c => (c.clientSecret ? undefined : "no 'client-secret' input and no clientSecret in 'creds'")
    },
    { kind: 'certificate', because: 'a client certificate is given', whyNot: c => (c.clientCertificate ? undefined : "no 'client-certificate' input") },
    { kind: 'oidc', because: "'client-id', 'tenant-id' and GitHub's OIDC token are there", whyNot: oidcWhyNot },
    {
      kind: 'workload-identity',
      because: 'AZURE_FEDERATED_TOKEN_FILE is set',
      whyNot: c => (c.runner.federatedTokenFile ? undefined : 'AZURE_FEDERATED_TOKEN_FILE is not set (not an AKS workload identity pod)')
    },
    {
      kind: 'managed-identity',
      because: 'IDENTITY_ENDPOINT is set',
      whyNot: c => (c.runner.identityEndpoint ? undefined : 'IDENTITY_ENDPOINT is not set (not App Service, Functions, Container Apps or Azure Arc)')
    },
    {
      kind: 'managed-identity',
      label: 'managed-identity (VM)',
      because: 'the VM instance metadata service (IMDS) answers',
      whyNot: async c => {
        if (!c.runner.selfHosted) return 'the VM instance metadata service (IMDS) is probed only on self-hosted runners (RUNNER_ENVIRONMENT=self-hosted)';
        return (await deps.imdsAnswers()) ? undefined : 'the VM instance metadata service (IMDS) did not answer within 1 s';
      }
    },
    { kind: 'azure-cli', because: "'az' is on PATH", whyNot: c => (findOnPath('az', c, platform) ? undefined : "'az' is not on PATH") }
  ];
  const ruledOut: string[] = [];
  for (const candidate of candidates) {
    const whyNot = await candidate.whyNot(config);
    if (whyNot === undefined) return { kind: candidate.kind, because: candidate.because, ruledOut };
    ruledOut.push(`  ${candidate.label ?? candidate.kind}: ${whyNot}`);
  }
  throw new ActionError(
    `auth-type 'auto' found no credential on this runner:\n${ruledOut.join('\n')}`,
    "For GitHub-hosted runners, use OIDC: set 'client-id' and 'tenant-id' and give the job `permissions: id-token: write`."
  );
}

function oidcWhyNot(config: Config): string | undefined {
  const missing = [
    config.clientId ? undefined : "'client-id'",
    config.tenantId ? undefined : "'tenant-id'",
    config.runner.oidcRequestUrl && config.runner.oidcRequestToken ? undefined : 'ACTIONS_ID_TOKEN_REQUEST_URL (the job needs `permissions: id-token: write`)'
  ].filter(Boolean);
  return missing.length ? `no ${missing.join(', no ')}` : undefined;
}

/** The full path of an executable on PATH (with PATHEXT on Windows), or undefined. */
export function findOnPath(name: string, config: Config, platform: NodeJS.Platform): string | undefined {
  const extensions = platform === 'win32' ? (config.runner.pathExt ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean) : [''];
  for (const directory of (config.runner.path ?? '').split(platform === 'win32' ? ';' : ':')) {
    // A relative entry would search the working directory, which holds the repository's files.
    if (!directory || !path.isAbsolute(directory)) continue;
    for (const extension of extensions) {
      const candidate = path.join(directory, name + extension.toLowerCase());
      if (isExecutableFile(candidate, platform)) return candidate;
    }
  }
  return undefined;
}

function isExecutableFile(file: string, platform: NodeJS.Platform): boolean {
  try {
    const stat = fs.statSync(file);
    return stat.isFile() && (platform === 'win32' || (stat.mode & 0o111) !== 0);
  } catch {
    return false;
  }
}

/** The VM's instance metadata service, or the host that AZURE_POD_IDENTITY_AUTHORITY_HOST names. */
export function imdsHost(config: Config): string {
  return (config.runner.podIdentityAuthorityHost ?? 'http://169.254.169.254').replace(/\/+$/, '');
}

/**
 * Whether IMDS answers: one GET with no query and no Metadata header, 1 s, no retries. Any HTTP
 * answer means it is there, except Docker Desktop's 403 "unreachable" (protocol reference §3).
 */
export async function probeImds(http: Http, host: string): Promise<boolean> {
  try {
    const response = await http.request({
      method: 'GET',
      url: `${host}/metadata/identity/oauth2/token`,
      what: 'IMDS probe',
      timeoutMs: 1_000,
      retry: { attempts: 1 }
    });
    return !(response.status === 403 && response.body.includes('unreachable'));
  } catch {
    return false;
  }
}
