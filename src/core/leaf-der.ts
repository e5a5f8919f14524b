/**
 * What a renewal needs of the certificate it replaces: the subject Name and
 * SubjectPublicKeyInfo byte for byte, the SANs (the forms regcert issues:
 * DNS, IP, email, URI), and whether the key is RSA, read by the one
 * certificate reader (cert-asn.ts: about 10 µs a certificate, no ASN.1
 * library, so a worker thread loads nothing for it). Anything that is not
 * the DER of an X.509 certificate is refused. And whether a kept EC key
 * still belongs to its certificate, in 50 µs instead of OpenSSL's
 * milliseconds of decoding.
 */
import { createECDH } from 'node:crypto';
import { AsnX509Certificate, decodeExtensions, id_rsaEncryption, sansOfNames } from './cert-asn.js';
import { children, readTlv, withElementBudget } from './der.js';
import type { San } from './san.js';

export interface LeafParts {
  /** The subject Name, DER (the renewal's subject, unchanged). */
  subject: Uint8Array;
  /** The SubjectPublicKeyInfo, DER (a renewal that keeps the key certifies it again). */
  spki: Uint8Array;
  /** rsaEncryption key (keyUsage then adds keyEncipherment). */
  rsa: boolean;
  /** The SANs of the forms regcert issues, in their order; other forms are skipped. */
  sans: San[];
}

const SEQUENCE = 0x30;
export function leafParts(der: Uint8Array): LeafParts {
  return withElementBudget(() => {
    const cert = new AsnX509Certificate(der);
    return {
      subject: cert.subjectDer.slice(),
      spki: cert.spki.slice(),
      rsa: cert.spkiAlgorithm.oid === id_rsaEncryption,
      sans: sansOfNames(decodeExtensions(cert.extensions).subjectAltNames),
    };
  });
}

/** ECDH curve names by the OID content bytes of the SPKI's namedCurve. */
const EC_CURVE_BY_OID = new Map([
  ['2a8648ce3d030107', 'prime256v1'],
  ['2b81040022', 'secp384r1'],
]);

/**
 * For an unencrypted PKCS#8 EC key (P-256, P-384): whether its private
 * scalar yields the public point of `spki` (one scalar multiplication);
 * undefined when the key is not such a key or not well formed (the caller
 * then asks OpenSSL, keys.ts parsePrivateKey).
 */
export function ecKeyMatchesSpki(pkcs8: Uint8Array, spki: Uint8Array): boolean | undefined {
  try {
    const pki = readTlv(pkcs8, 0, pkcs8.length);
    const [version, alg, octets] = children(pkcs8, pki);
    if (pki.tag !== SEQUENCE || version?.tag !== 0x02 || alg?.tag !== SEQUENCE || octets?.tag !== 0x04) return undefined;
    const curveOid = children(pkcs8, alg)[1];
    const curve = curveOid?.tag === 0x06 ? EC_CURVE_BY_OID.get(Buffer.from(pkcs8.subarray(curveOid.body, curveOid.end)).toString('hex')) : undefined;
    if (curve === undefined) return undefined;
    const ecKey = readTlv(pkcs8, octets.body, octets.end);
    const d = ecKey.tag === SEQUENCE ? children(pkcs8, ecKey)[1] : undefined;
    if (d?.tag !== 0x04) return undefined;
    const s = readTlv(spki, 0, spki.length);
    const [spkiAlg, bits] = children(spki, s);
    if (spkiAlg === undefined || bits?.tag !== 0x03) return false;
    // Same algorithm and curve, byte for byte.
    if (!Buffer.from(spki.subarray(spkiAlg.start, spkiAlg.end)).equals(Buffer.from(pkcs8.subarray(alg.start, alg.end)))) return false;
    const ecdh = createECDH(curve);
    ecdh.setPrivateKey(pkcs8.subarray(d.body, d.end));
    return ecdh.getPublicKey().equals(spki.subarray(bits.body + 1, bits.end)); // after the unused-bits byte
  } catch {
    return undefined;
  }
}
