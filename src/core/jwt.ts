/**
 * Reads the claims of a JWT without verifying it: enough to log which GitHub subject was
 * presented and which identity a token belongs to. Never used to make a trust decision.
 */
type Claims = Readonly<Record<string, unknown>>;

/** The payload of a compact JWS, or undefined when the text is not one. */
export function readClaims(token: string): Claims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? (payload as Claims) : undefined;
  } catch {
    return undefined;
  }
}

/** A claim as a string (arrays, such as a multi-valued `aud`, joined with commas). */
export function stringClaim(claims: Claims | undefined, name: string): string | undefined {
  const value = claims?.[name];
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every(item => typeof item === 'string')) return value.join(',');
  return undefined;
}
