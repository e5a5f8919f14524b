/** What regcert reports about a certificate (the contract's --json fields). */
import type { KeyObject } from 'node:crypto';
import { certificateExtensions, certificateKeyAlgorithm, certificatePublicKey, isCa, sha256Fingerprint, type Certificate } from './certificates.js';
import { id_ce_subjectAltName, sansOfNames } from './cert-asn.js';
import { keyBits, keyTypeName, type KeyShape } from './keys.js';
import type { San } from './san.js';
import type { x509 } from './x509.js';

export interface CertificateSummary {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  sans: string[];
  ekus: string[];
  isCa: boolean;
  keyType: string;
  sha256: string;
}

const EKU_NAMES: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  '2.5.29.37.0': 'anyExtendedKeyUsage',
};

export function ekuNames(cert: Certificate): string[] {
  return ekuNamesOf(certificateExtensions(cert).ekus ?? []);
}

/** The names regcert reports for EKU OIDs ("serverAuth"; an OID it has no name for as it is). */
export function ekuNamesOf(oids: readonly string[]): string[] {
  return oids.map((u) => EKU_NAMES[u] ?? u);
}

type SanExtension = InstanceType<typeof x509.SubjectAlternativeNameExtension>;

/** The SANs of a CSR's extension list (other name forms are skipped). @peculiar/x509 reads a SAN extension as a SubjectAlternativeNameExtension. */
export function sansOf(extensions: readonly InstanceType<typeof x509.Extension>[]): San[] {
  const ext = extensions.find((e): e is SanExtension => e.type === id_ce_subjectAltName && 'names' in e);
  return ext ? sansOfNames(ext.names.items) : [];
}

/** The SANs of a certificate (other name forms are skipped). */
export function certificateSans(cert: Certificate): San[] {
  return sansOfNames(certificateExtensions(cert).subjectAltNames);
}

export function formatSans(sans: San[]): string[] {
  return sans.map((s) => `${{ dns: 'DNS', ip: 'IP', email: 'email', uri: 'URI' }[s.type]}:${s.value}`);
}

export interface KeyInfo {
  keyType: string;
  keyBits: number | null;
}

/** The type and size of a key (a KeyObject: Node's view of it). */
export function keyInfo(key: KeyObject): KeyInfo {
  return keyInfoOf({ type: key.asymmetricKeyType, ...(key.asymmetricKeyDetails ?? {}) });
}

function keyInfoOf(shape: KeyShape): KeyInfo {
  return { keyType: keyTypeName(shape.type, shape), keyBits: keyBits(shape) };
}

const WEBCRYPTO_CURVES: Record<string, string> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' };

/**
 * The type and size of a certificate's key. EC keys on the NIST curves and
 * Ed25519 keys are named by their SubjectPublicKeyInfo's algorithm
 * identifier alone, as @peculiar/x509 reads it: OpenSSL's decoding of the
 * key (0.3 ms, most of it checking the point) would not change the name, and
 * inspecting 1,000 certificates would pay it 1,000 times. Other keys (RSA:
 * its exact bit length) are decoded.
 */
export function certificateKeyInfo(cert: Certificate): KeyInfo {
  const alg = certificateKeyAlgorithm(cert);
  const curve = alg.name === 'ECDSA' ? WEBCRYPTO_CURVES[alg.namedCurve ?? ''] : undefined;
  if (curve !== undefined) return keyInfoOf({ type: 'ec', namedCurve: curve });
  if (alg.name === 'Ed25519') return keyInfoOf({ type: 'ed25519' });
  const key = certificatePublicKey(cert);
  return key ? keyInfo(key) : { keyType: 'unknown', keyBits: null };
}

export function publicKeyType(cert: Certificate): string {
  return certificateKeyInfo(cert).keyType;
}

export function summarizeCertificate(cert: Certificate): CertificateSummary {
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    serial: cert.serialNumber,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    sans: formatSans(certificateSans(cert)),
    ekus: ekuNames(cert),
    isCa: isCa(cert),
    keyType: publicKeyType(cert),
    sha256: sha256Fingerprint(cert.rawData),
  };
}
