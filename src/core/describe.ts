/** What regcert reports about a certificate (the contract's --json fields). */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { isCa, sha256Fingerprint, type Certificate } from './certificates.js';
import { describeKey } from './keys.js';
import type { San, SanType } from './san.js';
import { x509 } from './x509.js';

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
  const ext = cert.getExtension(x509.ExtendedKeyUsageExtension);
  return ext ? ext.usages.map((u) => EKU_NAMES[String(u)] ?? String(u)) : [];
}

const SAN_TYPES: Record<string, SanType> = { dns: 'dns', ip: 'ip', email: 'email', url: 'uri' };

/** The SANs of a certificate or CSR extension list (other name forms are skipped). */
export function sansOf(extensions: readonly InstanceType<typeof x509.Extension>[]): San[] {
  const ext = extensions.find((e) => e instanceof x509.SubjectAlternativeNameExtension) as
    | InstanceType<typeof x509.SubjectAlternativeNameExtension>
    | undefined;
  if (!ext) return [];
  const out: San[] = [];
  for (const n of ext.names.items) {
    const type = SAN_TYPES[n.type];
    if (type) out.push({ type, value: n.value });
  }
  return out;
}

export function formatSans(sans: San[]): string[] {
  return sans.map((s) => `${{ dns: 'DNS', ip: 'IP', email: 'email', uri: 'URI' }[s.type]}:${s.value}`);
}

/** Parsed once per certificate (OpenSSL's key decoder is the slow step when 1,000 certificates are described). */
const publicKeys = new WeakMap<Certificate, KeyObject | null>();

/** The certificate's public key as a KeyObject, or null when Node cannot read it. */
export function certificatePublicKey(cert: Certificate): KeyObject | null {
  let key = publicKeys.get(cert);
  if (key === undefined) {
    try {
      key = createPublicKey({ key: Buffer.from(cert.publicKey.rawData), format: 'der', type: 'spki' });
    } catch {
      key = null;
    }
    publicKeys.set(cert, key);
  }
  return key;
}

export function publicKeyType(cert: Certificate): string {
  const key = certificatePublicKey(cert);
  return key ? describeKey(key) : 'unknown';
}

export function summarizeCertificate(cert: Certificate): CertificateSummary {
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    serial: cert.serialNumber,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    sans: formatSans(sansOf(cert.extensions)),
    ekus: ekuNames(cert),
    isCa: isCa(cert),
    keyType: publicKeyType(cert),
    sha256: sha256Fingerprint(cert.rawData),
  };
}
