/** PKCS#10 certificate signing requests: parsing, signature check and the weak-crypto policy. */
import { verify as nodeVerify } from 'node:crypto';
import { fromBER, type Sequence } from 'asn1js';
import { publicKeyFromSpki } from './certificates.js';
import { MIN_RSA_BITS } from './defaults.js';
import { inputError } from './errors.js';
import { readBlocks } from './pem.js';
import type { San } from './san.js';
import { sansOf } from './describe.js';
import { nativeCrypto, x509 } from './x509.js';

export type Csr = InstanceType<typeof x509.Pkcs10CertificateRequest>;

export interface ParsedCsr {
  csr: Csr;
  subject: InstanceType<typeof x509.Name>;
  sans: San[];
  publicKey: InstanceType<typeof x509.PublicKey>;
  /** Whether the requested key is RSA (decides keyEncipherment). */
  rsa: boolean;
  /** Why the request is weak (small RSA key, SHA-1/MD5 signature); empty when it is not. Only with allowWeak. */
  weaknesses: string[];
}

/** Signature algorithms whose hash is broken for signatures (collisions): MD2, MD4, MD5, SHA-1. */
const WEAK_SIGNATURES: Record<string, { hash: string; node?: string }> = {
  '1.2.840.113549.1.1.2': { hash: 'MD2' },
  '1.2.840.113549.1.1.3': { hash: 'MD4' },
  '1.2.840.113549.1.1.4': { hash: 'MD5', node: 'md5' },
  '1.2.840.113549.1.1.5': { hash: 'SHA-1' },
  '1.3.14.3.2.29': { hash: 'SHA-1' },
  '1.2.840.10045.4.1': { hash: 'SHA-1' },
  '1.2.840.10040.4.3': { hash: 'SHA-1' },
};

/** What is weak about a request: its key size and its signature's hash. */
/** The signature algorithm as @peculiar/x509 names it: a WebCrypto name and hash, or the bare OID when it has none. */
function signatureAlgorithmOf(csr: Csr): { name?: string; hash?: { name?: string } } {
  try {
    return csr.signatureAlgorithm as { name?: string; hash?: { name?: string } };
  } catch {
    return {};
  }
}

export function csrWeaknesses(csr: Csr): string[] {
  const out: string[] = [];
  const alg = signatureAlgorithmOf(csr);
  const hash = WEAK_SIGNATURES[alg.name ?? '']?.hash ?? (alg.hash?.name === 'SHA-1' ? 'SHA-1' : undefined);
  if (hash) out.push(`it is signed with ${hash}, which is broken for signatures`);
  // An unreadable key has no details: the signature check refuses it.
  const details = publicKeyFromSpki(csr.publicKey.rawData)?.asymmetricKeyDetails;
  if (details?.modulusLength !== undefined && details.modulusLength < MIN_RSA_BITS) out.push(`its RSA key has ${details.modulusLength} bits (at least ${MIN_RSA_BITS} needed)`);
  return out;
}

/** Whether the request's own signature verifies (MD5/SHA-1 ones too: whether to accept them is csrWeaknesses' call). */
export async function verifyCsrSignature(csr: Csr): Promise<boolean> {
  try {
    const legacy = WEAK_SIGNATURES[signatureAlgorithmOf(csr).name ?? '']?.node;
    // WebCrypto has no MD5: a request accepted with --allow-weak is checked by OpenSSL (node:crypto).
    if (legacy) {
      const tbs = (fromBER(csr.rawData).result as Sequence).valueBlock.value[0]?.valueBeforeDecodeView;
      if (!tbs) return false;
      const key = publicKeyFromSpki(csr.publicKey.rawData);
      return key !== null && nodeVerify(legacy, tbs, key, Buffer.from(csr.signature));
    }
    return await csr.verify(nativeCrypto);
  } catch {
    return false;
  }
}

export function parseCsrBytes(data: Uint8Array, source = 'the CSR'): Csr {
  const blocks = readBlocks(data, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'], 'CERTIFICATE REQUEST', source);
  const block = blocks[0];
  if (!block) {
    throw inputError('NO_CSR', `no certificate signing request found in ${source}`, 'pass a PEM ("BEGIN CERTIFICATE REQUEST") or DER PKCS#10 file');
  }
  try {
    // Read the lazily parsed parts now: a malformed extension is this input error, not a crash later.
    const csr = new x509.Pkcs10CertificateRequest(block.der);
    void [csr.extensions, csr.subject, csr.publicKey.algorithm, csr.signatureAlgorithm];
    return csr;
  } catch (e) {
    throw inputError('BAD_CSR', `${source} is not a valid PKCS#10 request`, 'recreate it with "openssl req -new"', { cause: e });
  }
}

/**
 * Parses a CSR, applies the weak-crypto policy and checks its
 * self-signature: a weak request (unless allowWeak) or a broken signature
 * is input error (exit 2).
 */
export async function parseAndVerifyCsr(data: Uint8Array, source = 'the CSR', opts: { allowWeak?: boolean | undefined } = {}): Promise<ParsedCsr> {
  const csr = parseCsrBytes(data, source);
  const weaknesses = csrWeaknesses(csr);
  if (weaknesses.length > 0 && !opts.allowWeak) {
    throw inputError('WEAK_CSR', `refusing ${source}: ${weaknesses.join('; ')}`, 'ask for a new CSR (RSA 2048+ or ECDSA, signed with SHA-256), or pass --allow-weak to sign it anyway');
  }
  if (!(await verifyCsrSignature(csr))) {
    throw inputError('CSR_SIGNATURE', `the signature of ${source} does not verify`, 'the request was altered or corrupted: ask for a new CSR');
  }
  const alg = csr.publicKey.algorithm as { name?: string };
  return {
    csr,
    subject: csr.subjectName,
    sans: sansOf(csr.extensions),
    publicKey: csr.publicKey,
    rsa: /^RSA/i.test(alg.name ?? ''),
    weaknesses,
  };
}
