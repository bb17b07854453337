/**
 * `certificate`: a client assertion JWT signed with the app's certificate key, sent to the Entra
 * ID token endpoint. Header `alg: PS256` + `x5t#S256`; claims `aud` (the token endpoint URL),
 * `iss` = `sub` = client id, `jti`, `nbf`, `exp` = now + 10 min.
 * Wire format: docs/protocol.md#certificate-assertion.
 */
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { entraAppCredential } from '../entra/app-credential.js';
import { InputError, messageOf } from '../errors.js';
import { externalText } from '../external-text.js';
import { FileReadError } from '../machine.js';
import type { Credential, CredentialDeps } from './credential.js';
import type { CertificateSettings } from './settings.js';

/** Entra ID wants 5 to 10 minutes between `nbf` and `exp` (protocol.md#certificate-assertion). */
const ASSERTION_LIFETIME_S = 600;
/** A certificate with its chain and key is a few KB; a file near this is not one. */
const MAX_PEM_BYTES = 1024 * 1024;

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const KEY_BLOCK = /-----BEGIN ((?:RSA |ENCRYPTED |EC )?PRIVATE KEY)-----[\s\S]+?-----END \1-----/;

const PEM_HINT =
  'Give the certificate and its private key in one PEM, e.g. cat cert.pem key.pem > combined.pem (from ' +
  'a .pfx: openssl pkcs12 -in cert.pfx -out combined.pem -nodes), stored in a secret or as a file path.';

interface SigningCertificate {
  readonly certificate: crypto.X509Certificate;
  readonly key: crypto.KeyObject;
  /** base64url SHA-256 of the certificate's DER: the `x5t#S256` header. */
  readonly thumbprint: string;
}

export async function createCertificateCredential(settings: CertificateSettings, deps: CredentialDeps): Promise<Credential> {
  const pem = await readCertificatePem(settings, deps);
  const signing = loadSigningCertificate(pem, settings.password, deps.machine.now());
  // The SHA-1 thumbprint, as the app's "Certificates & secrets" page lists it.
  const portalThumbprint = signing.certificate.fingerprint.replace(/:/g, '');
  const subject = externalText(signing.certificate.subject.replace(/\n/g, ', '));
  deps.log.info(
    `Client certificate ${subject}, thumbprint ${portalThumbprint}, valid until ${new Date(signing.certificate.validTo).toISOString()}.`
  );
  return entraAppCredential('certificate', settings, deps, exchange =>
    Promise.resolve({
      clientAssertion: signClientAssertion(signing, {
        audience: exchange.tokenEndpoint,
        clientId: settings.clientId,
        now: deps.machine.now()
      })
    })
  );
}

/**
 * The input itself when it holds PEM text, else the file it names (relative to the workspace).
 * Also what the token endpoint for later steps is handed, so that it never reads a key file.
 */
export async function readCertificatePem(
  settings: Pick<CertificateSettings, 'certificate' | 'workspace'>,
  deps: Pick<CredentialDeps, 'machine' | 'masker'>
): Promise<string> {
  const input = settings.certificate;
  if (input.includes('-----BEGIN')) return input;
  const file = path.resolve(settings.workspace, input);
  let text: string;
  try {
    text = (await deps.machine.readRegularFile(file, MAX_PEM_BYTES)).toString('utf8');
  } catch (error) {
    const why = error instanceof FileReadError ? error.message : messageOf(error);
    throw new InputError('client-certificate', `is neither PEM text nor a readable file: ${file} (${why}).`, PEM_HINT);
  }
  // The key came from a file, so config.ts could not mask it: do it before anything can fail.
  const key = KEY_BLOCK.exec(text)?.[0];
  if (key) deps.masker.mask(key);
  return text;
}

/**
 * The certificate and its RSA key from one PEM. The certificate used is the one the key belongs
 * to (a chain may come along); no match, no key, or a certificate outside its validity are errors.
 */
function loadSigningCertificate(pem: string, password: string | undefined, now: number): SigningCertificate {
  const certificates = (pem.match(CERTIFICATE_BLOCK) ?? []).map(parseCertificate);
  if (certificates.length === 0) {
    throw new InputError('client-certificate', 'holds no certificate (no -----BEGIN CERTIFICATE----- block).', PEM_HINT);
  }
  const keyBlock = KEY_BLOCK.exec(pem);
  if (!keyBlock) {
    throw new InputError('client-certificate', 'holds a certificate but no private key (no -----BEGIN PRIVATE KEY----- block).', PEM_HINT);
  }
  const key = parsePrivateKey(keyBlock[0], password);
  if (key.asymmetricKeyType !== 'rsa') {
    throw new InputError(
      'client-certificate',
      `holds a key of type ${key.asymmetricKeyType ?? 'unknown'}; Entra ID client certificates need an RSA key.`
    );
  }
  const certificate = certificates.find(candidate => candidate.checkPrivateKey(key));
  if (!certificate) {
    throw new InputError(
      'client-certificate',
      'holds a private key that belongs to none of its certificates.',
      'Bundle the certificate with its own key (compare: openssl x509 -noout -pubkey -in cert.pem and openssl pkey -pubout -in key.pem).'
    );
  }
  checkValidity(certificate, now);
  return { certificate, key, thumbprint: crypto.createHash('sha256').update(certificate.raw).digest('base64url') };
}

function parseCertificate(block: string): crypto.X509Certificate {
  try {
    return new crypto.X509Certificate(block);
  } catch (error) {
    throw new InputError('client-certificate', `holds a certificate that cannot be read: ${messageOf(error)}.`, PEM_HINT);
  }
}

function parsePrivateKey(block: string, password: string | undefined): crypto.KeyObject {
  const encrypted = block.includes('ENCRYPTED');
  if (encrypted && !password) {
    throw new InputError(
      'client-certificate',
      'holds an encrypted private key, and client-certificate-password is empty.',
      'Set client-certificate-password to its passphrase.'
    );
  }
  try {
    return crypto.createPrivateKey({ key: block, format: 'pem', ...(encrypted && password ? { passphrase: password } : {}) });
  } catch (error) {
    if (encrypted) {
      throw new InputError(
        'client-certificate-password',
        'does not decrypt the private key in client-certificate.',
        'Check the passphrase the key was exported with.'
      );
    }
    throw new InputError('client-certificate', `holds a private key that cannot be read: ${messageOf(error)}.`, PEM_HINT);
  }
}

function checkValidity(certificate: crypto.X509Certificate, now: number): void {
  const from = new Date(certificate.validFrom);
  const to = new Date(certificate.validTo);
  const renew =
    'Create a new certificate, upload it to the app (az ad app credential reset --id <client-id> --cert ' +
    '@cert.pem --append) and update the secret that holds it.';
  if (now > to.getTime()) {
    throw new InputError('client-certificate', `holds a certificate that expired on ${to.toISOString()}.`, renew);
  }
  if (now < from.getTime()) {
    throw new InputError(
      'client-certificate',
      `holds a certificate that is not valid before ${from.toISOString()}.`,
      'Check the runner clock, or wait until the certificate becomes valid.'
    );
  }
}

/** The self-signed client assertion: a compact JWS, RSASSA-PSS with SHA-256 (PS256, RFC 7518 §3.5). */
function signClientAssertion(signing: SigningCertificate, claims: { audience: string; clientId: string; now: number }): string {
  const issuedAt = Math.floor(claims.now / 1000);
  const header = { alg: 'PS256', typ: 'JWT', 'x5t#S256': signing.thumbprint };
  const payload = {
    aud: claims.audience,
    iss: claims.clientId,
    sub: claims.clientId,
    jti: crypto.randomUUID(),
    nbf: issuedAt,
    exp: issuedAt + ASSERTION_LIFETIME_S
  };
  const signingInput = `${base64url(header)}.${base64url(payload)}`;
  const signature = crypto.sign('sha256', Buffer.from(signingInput), {
    key: signing.key,
    padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
    saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST
  });
  return `${signingInput}.${signature.toString('base64url')}`;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
