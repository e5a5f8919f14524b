/**
 * What a renewal needs of the certificate it replaces, read straight from
 * its DER: the subject Name and SubjectPublicKeyInfo byte for byte, the SANs
 * (the forms regcert issues: DNS, IP, email, URI), and whether the key is
 * RSA. A few hundred nanoseconds a certificate, with no ASN.1 library: renew
 * --all reads thousands, and a worker thread loads nothing for it.
 * Anything that is not the DER of an X.509 certificate is refused. And
 * whether a kept EC key still belongs to its certificate, in 50 µs instead
 * of OpenSSL's milliseconds of decoding.
 */
import { createECDH } from 'node:crypto';
import { inputError } from './errors.js';
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

interface Tlv {
  tag: number;
  /** Where the whole element starts, its content starts, and it ends. */
  start: number;
  body: number;
  end: number;
}

function bad(why: string): never {
  throw inputError('BAD_CERTIFICATE', `not an X.509 certificate: ${why}`, 'restore the certificate from a backup, or issue it again');
}

function readTlv(der: Uint8Array, at: number, limit: number): Tlv {
  if (at + 2 > limit) bad('truncated');
  const tag = der[at]!;
  let len = der[at + 1]!;
  let body = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || body + n > limit) bad('bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[body + i]!;
    body += n;
  }
  const end = body + len;
  if (end > limit) bad('truncated');
  return { tag, start: at, body, end };
}

/** The elements inside a constructed element. */
function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.body; at < parent.end; ) {
    const t = readTlv(der, at, parent.end);
    out.push(t);
    at = t.end;
  }
  return out;
}

const SEQUENCE = 0x30;
/** 2.5.29.17 subjectAltName, and 1.2.840.113549.1.1.1 rsaEncryption, as OID content bytes. */
const OID_SAN = Uint8Array.of(0x55, 0x1d, 0x11);
const OID_RSA = Uint8Array.of(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01);

function bytesEqual(der: Uint8Array, t: Tlv, want: Uint8Array): boolean {
  if (t.end - t.body !== want.length) return false;
  for (let i = 0; i < want.length; i++) if (der[t.body + i] !== want[i]) return false;
  return true;
}

/** An iPAddress as @peculiar/x509 shows it (dotted IPv4; IPv6 in hex words, the longest run of two or more zero words as ::). */
export function formatIpOctets(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  if (b.length !== 16) bad('an iPAddress SAN is neither 4 nor 16 bytes');
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === '0') j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  if (bestLen < 2) return words.join(':');
  return `${words.slice(0, best).join(':')}::${words.slice(best + bestLen).join(':')}`;
}

const latin1 = (der: Uint8Array, t: Tlv) => Buffer.from(der.buffer, der.byteOffset + t.body, t.end - t.body).toString('latin1');

function sansOf(der: Uint8Array, value: Tlv): San[] {
  const names = readTlv(der, value.body, value.end);
  if (names.tag !== SEQUENCE) bad('subjectAltName is not a SEQUENCE');
  const out: San[] = [];
  for (const n of children(der, names)) {
    if (n.tag === 0x81) out.push({ type: 'email', value: latin1(der, n) });
    else if (n.tag === 0x82) out.push({ type: 'dns', value: latin1(der, n) });
    else if (n.tag === 0x86) out.push({ type: 'uri', value: latin1(der, n) });
    else if (n.tag === 0x87) out.push({ type: 'ip', value: formatIpOctets(der.subarray(n.body, n.end)) });
  }
  return out;
}

export function leafParts(der: Uint8Array): LeafParts {
  const cert = readTlv(der, 0, der.length);
  if (cert.tag !== SEQUENCE || cert.end !== der.length) bad('not one DER SEQUENCE');
  const tbs = children(der, cert)[0];
  if (tbs?.tag !== SEQUENCE) bad('no TBSCertificate');
  const f = children(der, tbs);
  let i = f[0]?.tag === 0xa0 ? 1 : 0; // [0] version
  // serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo
  const subject = f[i + 4];
  const spki = f[i + 5];
  if (subject?.tag !== SEQUENCE || spki?.tag !== SEQUENCE) bad('no subject or public key');
  const alg = children(der, spki)[0];
  const algOid = alg?.tag === SEQUENCE ? children(der, alg)[0] : undefined;
  if (algOid?.tag !== 0x06) bad('no public key algorithm');
  let sans: San[] = [];
  for (i += 6; i < f.length; i++) {
    if (f[i]!.tag !== 0xa3) continue; // [3] extensions (skips issuerUniqueID, subjectUniqueID)
    const list = readTlv(der, f[i]!.body, f[i]!.end);
    for (const ext of children(der, list)) {
      const parts = children(der, ext);
      if (parts[0]?.tag === 0x06 && bytesEqual(der, parts[0], OID_SAN)) {
        const value = parts[parts.length - 1]!;
        if (value.tag !== 0x04) bad('subjectAltName has no value');
        sans = sansOf(der, value);
      }
    }
  }
  return {
    subject: der.slice(subject.start, subject.end),
    spki: der.slice(spki.start, spki.end),
    rsa: bytesEqual(der, algOid, OID_RSA),
    sans,
  };
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
