/**
 * Compact JWS (JWT) signing and checking with node:crypto only: RS256 (GitHub OIDC, Entra
 * access tokens, legacy certificate assertions) and PS256 (modern certificate assertions, §2).
 */
import crypto from 'node:crypto';

const ALGORITHMS = {
  RS256: { hash: 'sha256', padding: crypto.constants.RSA_PKCS1_PADDING },
  // PS256 = RSASSA-PSS with SHA-256 and a 32-byte salt (RFC 7518 §3.5).
  PS256: { hash: 'sha256', padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
};

export function base64url(input) {
  return Buffer.from(input).toString('base64url');
}

function encodeJson(value) {
  return base64url(JSON.stringify(value));
}

/** Signs `payload` with `key` (a KeyObject or PEM); `header.alg` picks RS256 or PS256. */
export function signJwt(header, payload, key) {
  const alg = ALGORITHMS[header.alg];
  if (!alg) throw new Error(`signJwt: unsupported alg ${header.alg}`);
  const signingInput = `${encodeJson({ typ: 'JWT', ...header })}.${encodeJson(payload)}`;
  const signature = crypto.sign(alg.hash, Buffer.from(signingInput), { key, ...paddingOf(alg) });
  return `${signingInput}.${signature.toString('base64url')}`;
}

function paddingOf(alg) {
  return alg.saltLength === undefined ? { padding: alg.padding } : { padding: alg.padding, saltLength: alg.saltLength };
}

/** Splits a JWT into its parts; returns null when it is not three base64url JSON segments. */
export function decodeJwt(token) {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3) return null;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return { header, payload, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2], 'base64url') };
  } catch {
    return null;
  }
}

/** True when the decoded JWT's signature verifies with `publicKey` under its header's alg. */
export function verifyJwtSignature(decoded, publicKey) {
  const alg = ALGORITHMS[decoded.header.alg];
  if (!alg) return false;
  try {
    return crypto.verify(alg.hash, Buffer.from(decoded.signingInput), { key: publicKey, ...paddingOf(alg) }, decoded.signature);
  } catch {
    return false;
  }
}

/** A signing key pair with the `kid` / `x5t` header values a real issuer would publish. */
export function createSigningKey() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  // No certificate exists for a generated key, so the thumbprint is taken over the public key.
  const x5t = crypto.createHash('sha1').update(der).digest('base64url');
  return { privateKey, publicKey, kid: x5t, x5t };
}

export function nowSeconds(clock) {
  return Math.floor(clock() / 1000);
}
