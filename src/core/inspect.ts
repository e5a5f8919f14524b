/**
 * What a file holds, for `regcert inspect`: certificates, CSRs, private keys
 * (plain or encrypted) or a PKCS#12 bundle, and what can be told about each
 * one. Pure: bytes in, descriptions out (the clock is a parameter).
 */
import { createHash, createPrivateKey } from 'node:crypto';
import { id_data } from '@peculiar/asn1-cms';
import { PFX } from '@peculiar/asn1-pfx';
import { AsnConvert } from '@peculiar/asn1-schema';
import { certificateExtensions, certificateFromDer, certificateRefusal, isCa, isSelfSigned, nameDer, publicKeyFromSpki, signedDataOf, spkiDer, type Certificate, type SignedData } from './certificates.js';
import { parseCsrBytes, type Csr } from './csr.js';
import { certificateKeyInfo, formatSans, keyInfo, sansOf, summarizeCertificate, type KeyInfo } from './describe.js';
import { daysUntil } from './time.js';
import { inputError } from './errors.js';
import { isEncryptedPemBlock, isEncryptedPkcs8Der, PRIVATE_KEY_LABELS } from './keys.js';
import { PbeMalformed, PbeUnsupported, parseEncryptedPrivateKeyInfo, parsePbeScheme, summarizePbeScheme } from './pbe.js';
import { looksLikeDer, looksLikePem, parsePemBlocks, type PemBlock } from './pem.js';
import { x509 } from './x509.js';

export { keyInfo, type KeyInfo };

/** One object found in a file, before any decryption. */
export type FoundObject =
  | { kind: 'certificate'; cert: Certificate }
  | { kind: 'csr'; csr: Csr }
  | { kind: 'private-key'; block: PemBlock; encrypted: boolean; der: boolean }
  | { kind: 'pkcs12' };

/**
 * As FoundObject, but a PEM certificate block is not parsed yet: `inspect`
 * parses every block at once after the scan (inspectCertificateDer). A DER
 * file is parsed to tell what it is.
 */
export type ScannedObject = FoundObject | { kind: 'certificate-block'; der: Uint8Array<ArrayBuffer>; blockLabel: string };

const CERT_LABELS = ['CERTIFICATE', 'TRUSTED CERTIFICATE', 'X509 CERTIFICATE'];
const CSR_LABELS = ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'];

/** PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo (pkcs7-data), macData OPTIONAL } */
export function isPkcs12Der(data: Uint8Array): boolean {
  if (!looksLikeDer(data)) return false;
  try {
    const pfx = AsnConvert.parse(data, PFX);
    return String(pfx.version) === '3' && pfx.authSafe.contentType === id_data;
  } catch {
    return false;
  }
}

function tryCertificate(der: Uint8Array): Certificate | undefined {
  try {
    return certificateFromDer(new Uint8Array(der));
  } catch {
    return undefined;
  }
}

function tryCsr(der: Uint8Array): Csr | undefined {
  try {
    return parseCsrBytes(der);
  } catch {
    return undefined;
  }
}

function tryPlainDerKey(der: Uint8Array): boolean {
  for (const type of ['pkcs8', 'sec1', 'pkcs1'] as const) {
    try {
      createPrivateKey({ key: Buffer.from(der), format: 'der', type });
      return true;
    } catch {
      /* next */
    }
  }
  return false;
}

/** The refusal of a labelled certificate block that does not parse (with the reader's reason): a damaged file, never skipped. */
export function malformedCertificateBlock(source: string, blockLabel: string, der: Uint8Array): Error {
  return inputError('BAD_CERTIFICATE', `${source} holds a malformed "${blockLabel}" block${certificateRefusal(der)}`, 'the file was truncated or edited, or the certificate is not encoded as RFC 5280 defines: get a fresh copy');
}

/**
 * Everything recognisable in a file, in order, PEM certificate blocks not
 * parsed yet (see ScannedObject). An empty list means the file is none of
 * the things regcert reads.
 */
export function scanObjects(data: Uint8Array, source = 'the file'): ScannedObject[] {
  if (looksLikePem(data)) {
    const out: ScannedObject[] = [];
    for (const b of parsePemBlocks(Buffer.from(data).toString('utf8'), source)) {
      // A labelled block that does not parse is a damaged file: say so, never skip it.
      if (CERT_LABELS.includes(b.label)) {
        out.push({ kind: 'certificate-block', der: b.der, blockLabel: b.label });
      } else if (CSR_LABELS.includes(b.label)) {
        const csr = tryCsr(b.der);
        if (!csr) throw inputError('BAD_CSR', `${source} holds a malformed "${b.label}" block`, 'the file was truncated or edited: get a fresh copy');
        out.push({ kind: 'csr', csr });
      } else if (PRIVATE_KEY_LABELS.includes(b.label)) {
        out.push({ kind: 'private-key', block: b, encrypted: isEncryptedPemBlock(b), der: false });
      }
    }
    return out;
  }
  if (!looksLikeDer(data)) return [];
  if (isPkcs12Der(data)) return [{ kind: 'pkcs12' }];
  const cert = tryCertificate(data);
  if (cert) return [{ kind: 'certificate', cert }];
  const csr = tryCsr(data);
  if (csr) return [{ kind: 'csr', csr }];
  const der = new Uint8Array(data);
  const block: PemBlock = { label: 'PRIVATE KEY', headers: {}, der, text: '' };
  if (isEncryptedPkcs8Der(der)) return [{ kind: 'private-key', block: { ...block, label: 'ENCRYPTED PRIVATE KEY' }, encrypted: true, der: true }];
  if (tryPlainDerKey(der)) return [{ kind: 'private-key', block, encrypted: false, der: true }];
  return [];
}

/** Everything recognisable in a file, in order, certificates parsed. An empty list means the file is none of the things regcert reads. */
export function findObjects(data: Uint8Array, source = 'the file'): FoundObject[] {
  return scanObjects(data, source).map((o) => {
    if (o.kind !== 'certificate-block') return o;
    const cert = tryCertificate(o.der);
    if (!cert) throw malformedCertificateBlock(source, o.blockLabel, o.der);
    return { kind: 'certificate', cert };
  });
}

/** Names for the schemes regcert reads no further than their OID. */
const SCHEME_NAMES: Record<string, string> = {
  '1.2.840.113549.1.5.3': 'pbeWithMD5AndDES-CBC',
  '1.2.840.113549.1.5.10': 'pbeWithSHA1AndDES-CBC',
  '1.2.840.113549.1.5.13': 'PBES2',
};

/**
 * What an encrypted key's envelope says without the passphrase, e.g.
 * "PBES2, PBKDF2-HMAC-SHA256, 2048 iterations, AES-256-CBC". Parameters over
 * a cap (iterations, key length, salt) are refused here already (exit 2).
 */
export function describeKeyEncryption(block: PemBlock, source = 'the key'): string {
  if (block.label !== 'ENCRYPTED PRIVATE KEY') {
    const dek = (block.headers['DEK-Info'] ?? '').split(',')[0];
    return `traditional PEM encryption${dek ? `, ${dek}` : ''}`;
  }
  let info: ReturnType<typeof parseEncryptedPrivateKeyInfo>;
  try {
    info = parseEncryptedPrivateKeyInfo(block.der);
  } catch {
    return 'unknown scheme';
  }
  try {
    return summarizePbeScheme(parsePbeScheme(info.encryptionAlgorithm, source));
  } catch (e) {
    if (e instanceof PbeUnsupported) return `unsupported: ${SCHEME_NAMES[info.encryptionAlgorithm.algorithm] ?? e.message}`;
    if (e instanceof PbeMalformed) return 'unknown scheme';
    throw e;
  }
}

const KEY_USAGE_NAMES: [number, string][] = [
  [x509.KeyUsageFlags.digitalSignature, 'digitalSignature'],
  [x509.KeyUsageFlags.nonRepudiation, 'nonRepudiation'],
  [x509.KeyUsageFlags.keyEncipherment, 'keyEncipherment'],
  [x509.KeyUsageFlags.dataEncipherment, 'dataEncipherment'],
  [x509.KeyUsageFlags.keyAgreement, 'keyAgreement'],
  [x509.KeyUsageFlags.keyCertSign, 'keyCertSign'],
  [x509.KeyUsageFlags.cRLSign, 'cRLSign'],
  [x509.KeyUsageFlags.encipherOnly, 'encipherOnly'],
  [x509.KeyUsageFlags.decipherOnly, 'decipherOnly'],
];

export function keyUsageNames(cert: Certificate): string[] {
  const usages = certificateExtensions(cert).keyUsage;
  if (usages === undefined) return [];
  return KEY_USAGE_NAMES.filter(([flag]) => (usages & flag) !== 0).map(([, n]) => n);
}

export function sha1Fingerprint(der: ArrayBuffer | Uint8Array): string {
  return createHash('sha1').update(new Uint8Array(der)).digest('hex').toUpperCase().match(/../g)!.join(':');
}

function spkiKeyInfo(spki: ArrayBuffer): KeyInfo {
  const key = publicKeyFromSpki(spki);
  return key ? keyInfo(key) : { keyType: 'unknown', keyBits: null };
}

export interface CertificateDetails extends KeyInfo {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  expired: boolean;
  sans: string[];
  keyUsage: string[];
  ekus: string[];
  isCa: boolean;
  /** null when not a CA or the CA has no path length limit. */
  pathLen: number | null;
  selfSigned: boolean;
  sha256: string;
  sha1: string;
}

export function describeCertificate(cert: Certificate, now: Date = new Date()): CertificateDetails {
  const bc = certificateExtensions(cert).basicConstraints;
  const ca = isCa(cert);
  const left = daysUntil(cert.notAfter, now);
  // The write commands' summary, plus what only inspect shows.
  return {
    ...summarizeCertificate(cert),
    daysLeft: left,
    expired: cert.notAfter.getTime() <= now.getTime(),
    keyUsage: keyUsageNames(cert),
    pathLen: ca && bc?.pathLength !== undefined ? bc.pathLength : null,
    selfSigned: isSelfSigned(cert),
    ...certificateKeyInfo(cert),
    sha1: sha1Fingerprint(cert.rawData),
  };
}

export interface CsrDetails extends KeyInfo {
  subject: string;
  sans: string[];
}

export function describeCsr(csr: Csr): CsrDetails {
  return { subject: csr.subject, sans: formatSans(sansOf(csr.extensions)), ...spkiKeyInfo(csr.publicKey.rawData) };
}

/**
 * A certificate inspect has read, what it reports of it, and what linking it
 * to its issuer needs, read once: the details, the DER of its subject and
 * issuer names, its SubjectPublicKeyInfo and its signature.
 */
export interface InspectedCertificate {
  cert: Certificate;
  details: CertificateDetails;
  subjectDer: Uint8Array;
  issuerDer: Uint8Array;
  spki: Uint8Array;
  signed: SignedData;
}

export function inspectCertificate(cert: Certificate, now: Date): InspectedCertificate {
  return {
    cert,
    details: describeCertificate(cert, now),
    subjectDer: new Uint8Array(nameDer(cert, 'subject')),
    issuerDer: new Uint8Array(nameDer(cert, 'issuer')),
    spki: spkiDer(cert),
    signed: signedDataOf(cert),
  };
}

/** The facts of a certificate block, or null when it does not parse (the caller names the block). */
export function inspectCertificateDer(der: Uint8Array<ArrayBuffer>, now: Date): InspectedCertificate | null {
  const cert = tryCertificate(der);
  return cert ? inspectCertificate(cert, now) : null;
}
