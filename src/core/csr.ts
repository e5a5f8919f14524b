/** PKCS#10 certificate signing requests: parsing and signature check. */
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

/** Parses a CSR and checks its self-signature: a broken one is input error (exit 2). */
export async function parseAndVerifyCsr(data: Uint8Array, source = 'the CSR'): Promise<ParsedCsr> {
  const csr = parseCsrBytes(data, source);
  let ok = false;
  try {
    ok = await csr.verify(nativeCrypto);
  } catch {
    ok = false;
  }
  if (!ok) {
    throw inputError('CSR_SIGNATURE', `the signature of ${source} does not verify`, 'the request was altered or corrupted: ask for a new CSR');
  }
  const alg = csr.publicKey.algorithm as { name?: string };
  return {
    csr,
    subject: csr.subjectName,
    sans: sansOf(csr.extensions),
    publicKey: csr.publicKey,
    rsa: /^RSA/i.test(alg.name ?? ''),
  };
}
