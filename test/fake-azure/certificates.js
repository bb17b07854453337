/**
 * The committed test certificates (see tls/README.md). node:crypto cannot create X.509
 * certificates, so these were made once with openssl; this module loads them and computes the
 * thumbprints a certificate assertion names (§2: x5t = SHA-1, x5t#S256 = SHA-256 of the DER).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const TLS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'tls');

const KINDS = {
  client: { cert: 'client.pem', key: 'client.key', combined: 'client-combined.pem' },
  'client-encrypted': {
    cert: 'client.pem',
    key: 'client-encrypted.key',
    combined: 'client-encrypted-combined.pem',
    passphrase: 'test-passphrase'
  },
  expired: { cert: 'expired.pem', key: 'expired.key', combined: 'expired-combined.pem' },
  mismatched: { cert: 'mismatched-cert.pem', key: 'client.key', combined: 'mismatched-combined.pem' }
};

function readTls(name) {
  return fs.readFileSync(path.join(TLS_DIR, name), 'utf8');
}

/**
 * One of the committed test certificates: `client`, `client-encrypted` (passphrase
 * `test-passphrase`), `expired`, or `mismatched` (its key is not the certificate's).
 */
export function loadTestCertificate(kind = 'client') {
  const files = KINDS[kind];
  if (!files) throw new Error(`unknown test certificate '${kind}', expected one of ${Object.keys(KINDS).join(', ')}`);
  const certPem = readTls(files.cert);
  return {
    kind,
    certPem,
    keyPem: readTls(files.key),
    combinedPem: readTls(files.combined),
    combinedPath: path.join(TLS_DIR, files.combined),
    passphrase: files.passphrase,
    ...thumbprints(certPem)
  };
}

/** base64url SHA-1 and SHA-256 of a certificate's DER, as `x5t` and `x5t#S256` carry them. */
export function thumbprints(certPem) {
  const der = new crypto.X509Certificate(certPem).raw;
  return {
    x5t: crypto.createHash('sha1').update(der).digest('base64url'),
    x5tS256: crypto.createHash('sha256').update(der).digest('base64url')
  };
}

export function tlsServerOptions() {
  return { cert: readTls('server.pem'), key: readTls('server.key') };
}

export const CA_FILE = path.join(TLS_DIR, 'ca.pem');
