/**
 * What a file holds, for `regcert inspect`: certificates, CSRs, private keys
 * (plain or encrypted) or a PKCS#12 bundle, and what can be told about each
 * one. Pure: bytes in, descriptions out (the clock is a parameter).
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { id_data } from '@peculiar/asn1-cms';
import { PFX } from '@peculiar/asn1-pfx';
import { AsnConvert } from '@peculiar/asn1-schema';
import { certificateFromDer, isCa, isSelfSigned, type Certificate } from './certificates.js';
import { parseCsrBytes, type Csr } from './csr.js';
import { certificatePublicKey, formatSans, sansOf, summarizeCertificate } from './describe.js';
import { daysUntil } from './time.js';
import { inputError } from './errors.js';
import { describeKey, isEncryptedPemBlock, isEncryptedPkcs8Der, PRIVATE_KEY_LABELS } from './keys.js';
import { PbeMalformed, PbeUnsupported, parseEncryptedPrivateKeyInfo, parsePbeScheme, summarizePbeScheme } from './pbe.js';
import { looksLikeDer, looksLikePem, parsePemBlocks, type PemBlock } from './pem.js';
import { x509 } from './x509.js';

/** One object found in a file, before any decryption. */
export type FoundObject =
  | { kind: 'certificate'; cert: Certificate }
  | { kind: 'csr'; csr: Csr }
  | { kind: 'private-key'; block: PemBlock; encrypted: boolean; der: boolean }
  | { kind: 'pkcs12' };

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

/**
 * Everything recognisable in a file, in order. An empty list means the file
 * is none of the things regcert reads.
 */
export function findObjects(data: Uint8Array, source = 'the file'): FoundObject[] {
  if (looksLikePem(data)) {
    const out: FoundObject[] = [];
    for (const b of parsePemBlocks(Buffer.from(data).toString('utf8'), source)) {
      // A labelled block that does not parse is a damaged file: say so, never skip it.
      if (CERT_LABELS.includes(b.label)) {
        const cert = tryCertificate(b.der);
        if (!cert) throw inputError('BAD_CERTIFICATE', `${source} holds a malformed "${b.label}" block`, 'the file was truncated or edited: get a fresh copy');
        out.push({ kind: 'certificate', cert });
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
  const ext = cert.getExtension(x509.KeyUsagesExtension);
  if (!ext) return [];
  return KEY_USAGE_NAMES.filter(([flag]) => (ext.usages & flag) !== 0).map(([, n]) => n);
}

export function sha1Fingerprint(der: ArrayBuffer | Uint8Array): string {
  return createHash('sha1').update(new Uint8Array(der)).digest('hex').toUpperCase().match(/../g)!.join(':');
}

export interface KeyInfo {
  keyType: string;
  keyBits: number | null;
}

export function keyInfo(key: KeyObject): KeyInfo {
  const d = key.asymmetricKeyDetails ?? {};
  const t = key.asymmetricKeyType;
  let bits: number | null = null;
  if (t === 'rsa' || t === 'rsa-pss') bits = d.modulusLength ?? null;
  else if (t === 'ec') bits = ({ prime256v1: 256, secp384r1: 384, secp521r1: 521, secp256k1: 256 } as Record<string, number>)[d.namedCurve ?? ''] ?? null;
  else if (t === 'ed25519') bits = 256;
  else if (t === 'ed448') bits = 456;
  return { keyType: describeKey(key), keyBits: bits };
}

function certificateKeyInfo(cert: Certificate): KeyInfo {
  const key = certificatePublicKey(cert);
  return key ? keyInfo(key) : { keyType: 'unknown', keyBits: null };
}

function spkiKeyInfo(spki: ArrayBuffer): KeyInfo {
  try {
    return keyInfo(createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }));
  } catch {
    return { keyType: 'unknown', keyBits: null };
  }
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
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
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
