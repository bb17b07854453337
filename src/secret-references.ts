/**
 * The `secrets` input, parsed into references to Key Vault secrets. Placeholder until Key Vault
 * support lands: any entry is refused as a bad input.
 */
import type { Cloud } from './clouds.js';
import { InputError } from './errors.js';

export interface SecretReference {
  /** Vault origin: `https://my-vault.vault.azure.net`. */
  readonly vault: string;
}

export function parseSecretsInput(text: string, _defaultVault: string | undefined, _cloud: Cloud): readonly SecretReference[] {
  if (text.trim()) {
    throw new InputError('secrets', 'is not supported yet.');
  }
  return [];
}
