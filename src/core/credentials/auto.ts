/**
 * `auto`: the first credential the environment offers, in the contract's order. When none
 * applies, one error lists every candidate and why it did not apply.
 */
import type { Config } from '../config.js';
import { ActionError } from '../errors.js';
import { findOnPath } from '../executables.js';
import type { Http } from '../http.js';
import type { AuthType } from '../input-values.js';
import type { Log } from '../log.js';
import type { Machine } from '../machine.js';
import { imdsHost, probeImds } from '../managed-identity/imds.js';

interface AutoDeps {
  readonly http: Http;
  readonly machine: Machine;
  readonly log: Log;
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
  readonly whyNot: () => Promise<string | undefined> | string | undefined;
}

/**
 * True when the inputs say "OIDC" (a client and tenant, no secret, no certificate, in a
 * workflow) but GitHub offers the job no OIDC token: the job lacks `id-token: write`, and that,
 * not whatever `auto` tried next, is what the user must read first.
 */
export function meantOidcWithoutToken(config: Config): boolean {
  const { context } = config;
  const oidcOffered = Boolean(context.oidcRequestUrl && context.oidcRequestToken);
  return (
    context.inWorkflow && !oidcOffered && Boolean(config.clientId && config.tenantId) && !config.clientSecret && !config.clientCertificate
  );
}

export const MISSING_ID_TOKEN_PERMISSION =
  "The job has no GitHub OIDC token: 'client-id' and 'tenant-id' are given for OIDC, and the job needs `permissions: id-token: write`.";

/** The contract's order: explicit credentials first, then what the platform offers. */
export async function chooseAuthType(config: Config, deps: AutoDeps): Promise<AutoChoice> {
  const { context } = config;
  const candidates: Candidate[] = [
    {
      kind: 'secret',
      because: 'a client secret is given',
      whyNot: () => (config.clientSecret ? undefined : "no 'client-secret' input and no clientSecret in 'creds'")
    },
    {
      kind: 'certificate',
      because: 'a client certificate is given',
      whyNot: () => (config.clientCertificate ? undefined : "no 'client-certificate' input")
    },
    { kind: 'oidc', because: "'client-id', 'tenant-id' and GitHub's OIDC token are there", whyNot: () => oidcWhyNot(config) },
    {
      kind: 'workload-identity',
      because: 'AZURE_FEDERATED_TOKEN_FILE is set',
      whyNot: () => (context.federatedTokenFile ? undefined : 'AZURE_FEDERATED_TOKEN_FILE is not set (not an AKS workload identity pod)')
    },
    {
      kind: 'managed-identity',
      because: 'IDENTITY_ENDPOINT is set',
      whyNot: () =>
        context.identityEndpoint ? undefined : 'IDENTITY_ENDPOINT is not set (not App Service, Functions, Container Apps or Azure Arc)'
    },
    {
      kind: 'managed-identity',
      label: 'managed-identity (VM)',
      because: 'the VM instance metadata service (IMDS) answers',
      whyNot: async () => {
        if (!context.probeImds)
          return 'the VM instance metadata service (IMDS) is probed only on self-hosted runners (RUNNER_ENVIRONMENT=self-hosted)';
        return (await probeImds(deps.http, imdsHost(context)))
          ? undefined
          : 'the VM instance metadata service (IMDS) did not answer within 1 s';
      }
    },
    {
      kind: 'azure-cli',
      because: "'az' is on PATH",
      whyNot: async () => ((await findOnPath('az', context, deps.machine)) ? undefined : "'az' is not on PATH")
    }
  ];
  const ruledOut: string[] = [];
  for (const candidate of candidates) {
    const whyNot = await candidate.whyNot();
    deps.log.debug(
      `auth-type 'auto': ${candidate.label ?? candidate.kind}: ${whyNot === undefined ? `applies (${candidate.because})` : `no, ${whyNot}`}`
    );
    if (whyNot === undefined) return { kind: candidate.kind, because: candidate.because, ruledOut };
    ruledOut.push(`  ${candidate.label ?? candidate.kind}: ${whyNot}`);
  }
  const found = `auth-type 'auto' found no credential here:\n${ruledOut.join('\n')}`;
  throw new ActionError(
    found,
    "For GitHub-hosted runners, use OIDC: set 'client-id' and 'tenant-id' and give the job `permissions: id-token: write`.",
    meantOidcWithoutToken(config) ? MISSING_ID_TOKEN_PERMISSION : undefined
  );
}

function oidcWhyNot(config: Config): string | undefined {
  // GitHub's OIDC variables mean "this job's token" only inside a workflow: outside one (the
  // command line on a laptop or in a pod) auto never picks OIDC; --auth-type oidc still can.
  if (!config.context.inWorkflow) return 'not inside a GitHub Actions workflow (GITHUB_ACTIONS is not true)';
  const missing = [
    config.clientId ? undefined : "'client-id'",
    config.tenantId ? undefined : "'tenant-id'",
    config.context.oidcRequestUrl && config.context.oidcRequestToken
      ? undefined
      : 'ACTIONS_ID_TOKEN_REQUEST_URL (the job needs `permissions: id-token: write`)'
  ].filter(Boolean);
  return missing.length ? `no ${missing.join(', no ')}` : undefined;
}
