/**
 * The one leaf-certificate builder, for `issue`, `serve`, `quickstart` and
 * `issue --batch` alike: a TBSCertificate assembled from asn1js nodes, the
 * parts that are the same for every leaf of an issuer (issuer name,
 * signature algorithm, authorityKeyIdentifier, the constant extensions)
 * encoded once, and signed by node:crypto (OpenSSL). Pure: keys, clock and
 * randomness come in as parameters. It loads neither @peculiar/x509 nor
 * pkijs, so a batch worker starts fast and builds thousands a second.
 *
 * The structure is what @peculiar/x509's generator produced before (issue
 * 12): v3, 16-byte positive serial, validity backdated BACKDATE_MS and
 * clamped to the issuer's notAfter, UTCTime before 2050, names as
 * PrintableString when they fit and UTF8String otherwise, extensions
 * basicConstraints (critical), keyUsage (critical), extKeyUsage,
 * subjectKeyIdentifier, authorityKeyIdentifier, subjectAltName.
 */
import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import { BACKDATE_MS, DAY_MS, SERIAL_BYTES } from './defaults.js';
import { requirePurpose } from './leaf-request.js';
import { createDerTemplate } from './der-template.js';
import { inputError } from './errors.js';
import { signingParamsFor } from './keys.js';
import type { JsonName } from './names.js';
import type { San } from './san.js';

export interface BuildContext {
  /** The clock: tests pin it. */
  now?: Date;
  /** Randomness for serial numbers: tests pin it. */
  random?: (n: number) => Uint8Array;
}

/** A random positive serial with SERIAL_BYTES*8-1 bits of entropy, as hex. */
export function createSerial(random: (n: number) => Uint8Array = (n) => new Uint8Array(randomBytes(n))): string {
  const b = random(SERIAL_BYTES);
  // Positive (top bit clear) and minimal DER (first byte non-zero).
  b[0] = ((b[0] ?? 0) & 0x7f) | 0x40;
  return Buffer.from(b).toString('hex');
}

export function validateDays(days: number, flag = '--days'): number {
  if (!Number.isInteger(days) || days < 1 || days > 36500) {
    throw inputError('BAD_DAYS', `invalid ${flag} "${days}"`, `${flag} takes a whole number of days from 1 to 36500`);
  }
  return days;
}

/** notBefore backdated, notAfter never past the issuer's; whole seconds (DER times carry no fraction here). */
export function validity(ctx: BuildContext, days: number, notAfterLimit?: Date): { notBefore: Date; notAfter: Date } {
  const now = ctx.now ?? new Date();
  const notBefore = new Date(Math.floor((now.getTime() - BACKDATE_MS) / 1000) * 1000);
  let notAfter = new Date(Math.floor((now.getTime() + days * DAY_MS) / 1000) * 1000);
  if (notAfterLimit && notAfter > notAfterLimit) notAfter = new Date(Math.floor(notAfterLimit.getTime() / 1000) * 1000);
  if (notAfter <= now) {
    throw inputError('CA_EXPIRED', 'the signing CA has expired', 'create a new CA with "regcert init-ca --force"');
  }
  return { notBefore, notAfter };
}

const OID = {
  C: '2.5.4.6',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  CN: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  subjectAltName: '2.5.29.17',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/** A standalone ArrayBuffer copy (TypeScript 5.9 types Uint8Array buffers as possibly shared). */
export function toArrayBuffer(u8: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(u8.byteLength);
  new Uint8Array(out).set(u8);
  return out;
}
const ab = toArrayBuffer;
const der = (node: asn1js.BaseBlock): Uint8Array => new Uint8Array(node.toBER(false));
/**
 * Already-encoded DER as a node of an asn1js tree: what the template parts
 * (issuer name, constant extensions, the key's SPKI) are. asn1js's own
 * RawData does not take part in a container's encoding, so this node writes
 * its bytes the way asn1js nodes do (to the writer the container passes).
 */
const raw = (bytes: Uint8Array): asn1js.BaseBlock => {
  // An array that is its whole ArrayBuffer (what der() returns) is used as it is; a view is copied.
  const buf = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes.buffer : ab(bytes);
  return {
    toBER(_sizeOnly?: boolean, writer?: { write(b: ArrayBuffer): void }) {
      writer?.write(buf);
      return buf;
    },
  } as unknown as asn1js.BaseBlock;
};
const oid = (value: string) => new asn1js.ObjectIdentifier({ value });
/** [n] IMPLICIT primitive (GeneralName alternatives). */
const implicit = (tagNumber: number, bytes: Uint8Array) =>
  new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber }, valueHex: bytes });
const explicit = (tagNumber: number, inner: asn1js.BaseBlock) => new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber }, value: [inner] });

/** The characters of an ASN.1 PrintableString. */
const PRINTABLE_RE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** The attribute types of a Name, encoded once. */
const NAME_ATTRIBUTES = new Map(['C', 'O', 'OU', 'CN'].map((t) => [t, der(oid(OID[t as 'C' | 'O' | 'OU' | 'CN']))]));

/**
 * Encoded RDNs by attribute and value: a batch's O, OU and C are the same on
 * every row, so each is encoded once. Bounded: emptied when full.
 */
const rdnCache = new Map<string, Uint8Array>();
const RDN_CACHE_MAX = 256;

/** One RDN (a SET of one attribute) in DER; each value as given, PrintableString when it fits. */
function encodeRdn(type: string, value: string): Uint8Array {
  const key = `${type}\0${value}`;
  let rdn = rdnCache.get(key);
  if (!rdn) {
    const id = NAME_ATTRIBUTES.get(type);
    if (!id) throw new Error(`encodeName: unsupported attribute ${type}`);
    const str = PRINTABLE_RE.test(value) ? new asn1js.PrintableString({ value }) : new asn1js.Utf8String({ value });
    rdn = der(new asn1js.Set({ value: [new asn1js.Sequence({ value: [raw(id), str] })] }));
    if (rdnCache.size >= RDN_CACHE_MAX) rdnCache.clear();
    rdnCache.set(key, rdn);
  }
  return rdn;
}

/** A Name (C, O, OU, CN order as given) in DER; each value as given, PrintableString when it fits. */
export function encodeName(name: JsonName): Uint8Array {
  const rdns = name.flatMap((rdn) => Object.entries(rdn).map(([type, values]) => raw(encodeRdn(type, values[0] ?? ''))));
  return der(new asn1js.Sequence({ value: rdns }));
}

/** Time ::= UTCTime before 2050, GeneralizedTime from 2050 on (RFC 5280 4.1.2.5; 5.1.2.4 for CRLs). */
export function encodeTime(d: Date): asn1js.BaseBlock {
  return d.getUTCFullYear() < 2050 ? new asn1js.UTCTime({ valueDate: d }) : new asn1js.GeneralizedTime({ valueDate: d });
}

/** The subjectPublicKey BIT STRING's contents of a SubjectPublicKeyInfo. */
function subjectPublicKeyBits(spki: Uint8Array): Uint8Array {
  const parsed = asn1js.fromBER(spki);
  const seq = parsed.result;
  if (parsed.offset === -1 || !(seq instanceof asn1js.Sequence)) throw inputError('BAD_PUBLIC_KEY', 'the public key is not a DER SubjectPublicKeyInfo');
  const bits = seq.valueBlock.value[1];
  if (!(bits instanceof asn1js.BitString)) throw inputError('BAD_PUBLIC_KEY', 'the public key is not a DER SubjectPublicKeyInfo');
  return bits.valueBlock.valueHexView;
}

/** Key identifier, RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits (of an SPKI, or the bits themselves). */
export function keyIdentifier(spki: Uint8Array, publicKeyBits = subjectPublicKeyBits(spki)): Uint8Array {
  return new Uint8Array(createHash('sha1').update(publicKeyBits).digest());
}

/** An IPv4 or IPv6 address (as parseSan returns it) as the 4 or 16 octets of an iPAddress GeneralName. */
export function ipOctets(ip: string): Uint8Array {
  if (!ip.includes(':')) return Uint8Array.from(ip.split('.').map(Number));
  // A trailing dotted quad (::ffff:192.0.2.1) becomes its two 16-bit words.
  const text = ip.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a, b, c, d) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`,
  );
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const words = (s: string | undefined) => (s ? s.split(':').map((w) => parseInt(w, 16)) : []);
  const left = words(head);
  const right = words(rest);
  const fill = rest === undefined ? [] : new Array<number>(Math.max(0, 8 - left.length - right.length)).fill(0);
  const all = [...left, ...fill, ...right];
  if (all.length !== 8 || all.some((w) => !(w >= 0 && w <= 0xffff))) throw inputError('BAD_SAN', `invalid IP address "${ip}"`);
  const out = new Uint8Array(16);
  all.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

function generalName(san: San): asn1js.Primitive {
  switch (san.type) {
    case 'email':
      return implicit(1, Buffer.from(san.value, 'utf8'));
    case 'dns':
      return implicit(2, Buffer.from(san.value, 'utf8'));
    case 'uri':
      return implicit(6, Buffer.from(san.value, 'utf8'));
    case 'ip':
      return implicit(7, ipOctets(san.value));
  }
}

function extension(id: string, critical: boolean, value: asn1js.BaseBlock): asn1js.Sequence {
  const parts: asn1js.BaseBlock[] = [oid(id)];
  if (critical) parts.push(new asn1js.Boolean({ value: true }));
  parts.push(new asn1js.OctetString({ valueHex: der(value) }));
  return new asn1js.Sequence({ value: parts });
}

/** What a leaf needs of its issuer; `issuerOf` (certificates.ts) makes it from a loaded CA. */
export interface LeafIssuer {
  /** The issuer's subject Name, DER (the leaf's issuer field, byte for byte). */
  nameDer: Uint8Array;
  /** The authorityKeyIdentifier keyIdentifier: the issuer's SKI. */
  keyId: Uint8Array;
  notAfter: Date;
  key: KeyObject;
}

export interface LeafRequest {
  /** The subject Name, DER. */
  subject: Uint8Array;
  /** The leaf's SubjectPublicKeyInfo, DER. */
  spki: Uint8Array;
  /** Its subjectPublicKey bits, when the caller has them (saves parsing the SPKI). */
  publicKeyBits?: Uint8Array | undefined;
  /** An RSA key adds keyEncipherment. */
  rsa: boolean;
  server: boolean;
  client: boolean;
  /**
   * A JWT signing certificate for a registry token server (docker_auth):
   * keyUsage digitalSignature only and no EKU. distribution verifies the
   * token's x5c chain with ExtKeyUsageAny, so no EKU is needed, and without
   * one the certificate cannot serve as a TLS server or client certificate.
   */
  tokenSigning?: boolean | undefined;
  sans: San[];
  days: number;
}

/** Signature algorithm identifiers (RFC 5758, RFC 4055, RFC 8410) and node:crypto's digest for them: certificates and CRLs (crl.ts). */
export function signatureAlgorithm(key: KeyObject): { algorithm: Uint8Array; digest: string | null } {
  const { signingAlgorithm } = signingParamsFor(key);
  const hash = signingAlgorithm.hash;
  switch (signingAlgorithm.name) {
    case 'ECDSA': {
      const id = { 'SHA-256': '1.2.840.10045.4.3.2', 'SHA-384': '1.2.840.10045.4.3.3', 'SHA-512': '1.2.840.10045.4.3.4' }[hash ?? ''];
      if (!id) throw new Error(`no ECDSA signature OID for ${hash}`);
      return { algorithm: der(new asn1js.Sequence({ value: [oid(id)] })), digest: hash!.replace('-', '').toLowerCase() };
    }
    case 'RSASSA-PKCS1-v1_5':
      return { algorithm: der(new asn1js.Sequence({ value: [oid('1.2.840.113549.1.1.11'), new asn1js.Null()] })), digest: 'sha256' };
    case 'Ed25519':
      return { algorithm: der(new asn1js.Sequence({ value: [oid('1.3.101.112')] })), digest: null };
    default:
      throw new Error(`no signature algorithm for ${signingAlgorithm.name}`);
  }
}

/**
 * Prepares an issuer once and returns the function that builds and signs one
 * leaf (DER). The constant parts are encoded here, once per issuer.
 */
export interface SignedLeaf {
  der: Uint8Array;
  /** Hex, as createSerial made it. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
}

/** The extended key usages of a leaf, in the order the builder writes them. */
export function leafEkuOids(server: boolean, client: boolean): string[] {
  return [...(server ? [OID.serverAuth] : []), ...(client ? [OID.clientAuth] : [])];
}

export function createLeafSigner(issuer: LeafIssuer): (req: LeafRequest, ctx?: BuildContext) => SignedLeaf {
  const sig = signatureAlgorithm(issuer.key);
  const version = der(explicit(0, new asn1js.Integer({ value: 2 })));
  // Fixed-size fields as DER templates (der-template.ts): the serial, and the SKI (a SHA-1).
  const serialTemplate = createDerTemplate([SERIAL_BYTES], (v) => new asn1js.Integer({ valueHex: v }));
  const skiTemplate = createDerTemplate([20], (v) => extension(OID.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: v })));
  const aki = der(extension(OID.authorityKeyIdentifier, false, new asn1js.Sequence({ value: [implicit(0, issuer.keyId)] })));
  const constant = new Map<string, Uint8Array>();
  /** basicConstraints, keyUsage and extKeyUsage: three shapes per issuer, encoded once each. */
  const usageExtensions = (rsa: boolean, server: boolean, client: boolean): Uint8Array => {
    const k = `${rsa}${server}${client}`;
    let v = constant.get(k);
    if (!v) {
      // KeyUsage BIT STRING: digitalSignature is bit 0, keyEncipherment bit 2 (RSA key transport
      // in TLS; a token-signing certificate, which has neither EKU, only signs).
      const usage =
        rsa && (server || client) ? new asn1js.BitString({ valueHex: ab(Uint8Array.of(0xa0)), unusedBits: 5 }) : new asn1js.BitString({ valueHex: ab(Uint8Array.of(0x80)), unusedBits: 7 });
      const ekus = leafEkuOids(server, client).map(oid);
      v = Buffer.concat([
        der(extension(OID.basicConstraints, true, new asn1js.Sequence())),
        der(extension(OID.keyUsage, true, usage)),
        ...(ekus.length ? [der(extension(OID.extKeyUsage, false, new asn1js.Sequence({ value: ekus })))] : []),
      ]);
      constant.set(k, v);
    }
    return v;
  };
  /** The last Validity encoded: a batch makes hundreds a second with the same times (whole seconds). */
  let lastValidity: { notBefore: number; notAfter: number; der: Uint8Array } | undefined;
  const encodeValidity = (notBefore: Date, notAfter: Date): Uint8Array => {
    if (lastValidity?.notBefore !== notBefore.getTime() || lastValidity.notAfter !== notAfter.getTime()) {
      lastValidity = { notBefore: notBefore.getTime(), notAfter: notAfter.getTime(), der: der(new asn1js.Sequence({ value: [encodeTime(notBefore), encodeTime(notAfter)] })) };
    }
    return lastValidity.der;
  };
  return (req, ctx = {}) => {
    requirePurpose(req.server, req.client, req.tokenSigning);
    const { notBefore, notAfter } = validity(ctx, req.days, issuer.notAfter);
    const exts = [
      raw(usageExtensions(req.rsa, req.server, req.client)),
      raw(skiTemplate(keyIdentifier(req.spki, req.publicKeyBits))),
      raw(aki),
    ];
    if (req.sans.length > 0) exts.push(extension(OID.subjectAltName, false, new asn1js.Sequence({ value: req.sans.map(generalName) })));
    const serial = createSerial(ctx.random);
    const tbs = der(
      new asn1js.Sequence({
        value: [
          raw(version),
          raw(serialTemplate(Buffer.from(serial, 'hex'))),
          raw(sig.algorithm),
          raw(issuer.nameDer),
          raw(encodeValidity(notBefore, notAfter)),
          raw(req.subject),
          raw(req.spki),
          explicit(3, new asn1js.Sequence({ value: exts })),
        ],
      }),
    );
    const signature = sign(sig.digest, tbs, { key: issuer.key, dsaEncoding: 'der' });
    const cert = der(new asn1js.Sequence({ value: [raw(tbs), raw(sig.algorithm), new asn1js.BitString({ valueHex: signature })] }));
    return { der: cert, serial, notBefore, notAfter };
  };
}
