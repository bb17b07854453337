/** The one interface every credential kind implements, and what they are handed. */
import type { AuthType } from '../config.js';
import { InputError } from '../errors.js';
import type { Http } from '../http.js';
import type { AccessToken } from '../token.js';

export interface TokenOptions {
  /** Another tenant than the configured one, when a Key Vault challenge names it. */
  readonly tenantId?: string;
}

export interface Credential {
  readonly kind: AuthType;
  /** A token for a v2 scope (`https://vault.azure.net/.default`); its value is already masked. */
  getToken(scope: string, options?: TokenOptions): Promise<AccessToken>;
}

export interface CredentialDeps {
  readonly http: Http;
  readonly now: () => number;
  /** Registers a secret with the runner's log masker. */
  readonly mask: (value: string) => void;
  readonly log: (message: string) => void;
}

/** What a finished process left behind: the exit code (null when killed) and its output. */
export interface ProcessResult {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when it never ran (`ENOENT`) or was killed for the timeout (`ETIMEDOUT`). */
  readonly failure?: 'ENOENT' | 'ETIMEDOUT';
}

/**
 * The machine around the action, for the credentials that read files or run programs
 * (certificate, workload identity, Azure Arc, Azure CLI). Injected so tests stay hermetic;
 * the real one is `nodeMachine()` in ../machine.ts.
 */
export interface MachineDeps {
  readonly platform: NodeJS.Platform;
  readonly readFile: (file: string) => Promise<Buffer>;
  readonly fileSize: (file: string) => Promise<number>;
  /** Runs a program without a shell unless `shell` is set; never rejects for a non-zero exit. */
  readonly runProcess: (
    file: string,
    args: readonly string[],
    options: { readonly timeoutMs: number; readonly shell?: boolean }
  ) => Promise<ProcessResult>;
}

export interface MachineCredentialDeps extends CredentialDeps {
  readonly machine: MachineDeps;
}

/** The resource a v1-style endpoint (managed identity, Azure CLI) wants for a v2 scope. */
export function scopeToResource(scope: string): string {
  return scope.endsWith('/.default') ? scope.slice(0, -'/.default'.length) : scope;
}

/** An input a credential cannot do without, named in the error when it is empty. */
export function required(value: string | undefined, input: string, purpose: string): string {
  if (!value) {
    throw new InputError(input, `is needed for ${purpose}.`);
  }
  return value;
}
