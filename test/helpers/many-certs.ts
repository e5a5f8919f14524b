/** A file of many distinct valid certificates, for the inspect bounds and timing tests. */
import { writeFileSync } from 'node:fs';
import { certificateToPem, createLeaf, createRootCa } from '../../src/core/certificates.js';
import { generatePrivateKey, publicKeyDer } from '../../src/core/keys.js';

/**
 * Writes `count` certificates to `file`: count-1 client leaves, each with its
 * own key, then the CA that signed them last (the order that once made
 * linking quadratic). Returns the CA certificate's PEM.
 */
export async function writeCertificatePile(file: string, count: number): Promise<string> {
  const caKey = await generatePrivateKey('ecdsa-p256');
  const ca = await createRootCa({ subject: [{ CN: ['Bounds Root'] }], key: caKey, days: 30 });
  const pems: string[] = [];
  for (let i = 1; i < count; i++) {
    const key = await generatePrivateKey('ecdsa-p256');
    const leaf = await createLeaf(
      { subject: [{ CN: [`leaf ${i}`] }], publicKey: publicKeyDer(key), rsa: false, server: false, client: true, sans: [], days: 10 },
      { cert: ca, key: caKey },
    );
    pems.push(certificateToPem(leaf));
  }
  const caPem = certificateToPem(ca);
  pems.push(caPem);
  writeFileSync(file, pems.join(''));
  return caPem;
}
