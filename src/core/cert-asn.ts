/**
 * A certificate read from its DER by hand (core/der.ts), with no ASN.1
 * library (issue 21: start-up: `issue` and `renew` load neither
 * @peculiar/x509 nor @peculiar/asn1-schema and its asn1-x509 classes).
 * What regcert reads of a certificate (its names as text, serial, validity,
 * the algorithms of its key and signature, its extensions) is what
 * @peculiar/x509 reads; each function ports the @peculiar/x509 2.x or
 * @peculiar/asn1-* 2.x code named beside it.
 *
 * Stricter than those: definite lengths and primitive strings only, one
 * element with nothing after it, RFC 5280's two time forms and real dates,
 * small INTEGERs where a number is read, no explicit EC curve parameters,
 * at most MAX_CERTIFICATE_ELEMENTS elements (der.ts withElementBudget, around
 * each read in certificates.ts and leaf-der.ts). What
 * this reader accepts, asn1-schema accepts and reads alike:
 * test/core/cert-der-fuzz.test.ts holds that over mutated certificates, and
 * test/core/cert-asn-property.test.ts holds the values equal to
 * @peculiar/x509's on certificates of every kind.
 */
import type { JsonName } from './names.js';
import type { San, SanType } from './san.js';
import { bad, bitString, booleanValue, checkAny, children, content, expectTag, oidText, readWhole, smallInteger, timeValue, utf8Text, type Tlv } from './der.js';


// RFC 8017's RSA identifiers, RFC 5480's EC key, and SHA-1 (RSA-PSS's default hash).
export const id_rsaEncryption = '1.2.840.113549.1.1.1';
const id_RSASSA_PSS = '1.2.840.113549.1.1.10';
const id_sha1 = '1.3.14.3.2.26';
const id_ecPublicKey = '1.2.840.10045.2.1';

/** An algorithm as @peculiar/x509 names it (its AlgorithmProvider.toWebAlgorithm). */
export interface WebAlgorithm {
  name: string;
  hash?: WebAlgorithm;
  namedCurve?: string;
  saltLength?: number;
  parameters?: ArrayBuffer | null;
}

const hex = (data: ArrayBuffer | Uint8Array): string => Buffer.from(data instanceof Uint8Array ? data : new Uint8Array(data)).toString('hex');

// Name.toString (x509.cjs.js `class Name`, `names`, `escape`).
const SHORT_NAMES = new Map([
  ['2.5.4.3', 'CN'],
  ['2.5.4.7', 'L'],
  ['2.5.4.8', 'ST'],
  ['2.5.4.10', 'O'],
  ['2.5.4.11', 'OU'],
  ['2.5.4.6', 'C'],
  ['0.9.2342.19200300.100.1.25', 'DC'],
  ['1.2.840.113549.1.9.1', 'E'],
  ['2.5.4.42', 'G'],
  ['2.5.4.43', 'I'],
  ['2.5.4.4', 'SN'],
  ['2.5.4.12', 'T'],
]);

function escapeValue(data: string): string {
  return data
    .replace(/([,+"\\<>;])/g, '\\$1')
    .replace(/^([ #])/, '\\$1')
    .replace(/([ ]$)/, '\\$1')
    .replace(/([\r\n\t])/, (c) => `\\${hex(Buffer.from(c, 'utf8')).toUpperCase()}`);
}

/** Name values @peculiar/x509 reads the same from JSON as from DER (a leading '#' is hex there, spaces at the ends are trimmed by some). */
const PLAIN_NAME_VALUE = /^[A-Za-z0-9._@-](?:[A-Za-z0-9 ._@-]*[A-Za-z0-9._@-])?$/;
const SHORT_NAME_SET = new Set(SHORT_NAMES.values());

/**
 * A name as regcert asks for it (names.ts JsonName), printed as
 * nameToString prints it once encoded, when every type is a short name
 * ("CN") and every value plain: then nothing needs escaping, and no
 * encoding is needed (issue --batch formats thousands a second). Else
 * undefined: format the encoded name.
 */
export function plainNameToString(name: JsonName): string | undefined {
  const rdns: string[] = [];
  for (const rdn of name) {
    const parts: string[] = [];
    for (const [type, values] of Object.entries(rdn)) {
      if (!SHORT_NAME_SET.has(type)) return undefined;
      for (const v of values) {
        if (!PLAIN_NAME_VALUE.test(v)) return undefined;
        parts.push(`${type}=${v}`);
      }
    }
    rdns.push(parts.join('+'));
  }
  return rdns.join(', ');
}

// AlgorithmProvider.toWebAlgorithm over the providers that know signature and key
// algorithms regcert acts on (EcAlgorithm, RsaAlgorithm, ShaAlgorithm, EdAlgorithm);
// any other identifier is { name: its OID, parameters }, as there.
const BRAINPOOL = ['160r1', '160t1', '192r1', '192t1', '224r1', '224t1', '256r1', '256t1', '320r1', '320t1', '384r1', '384t1', '512r1', '512t1'];
const CURVES = new Map<string, string>([
  ['1.2.840.10045.3.1.7', 'P-256'],
  ['1.3.132.0.10', 'K-256'],
  ['1.3.132.0.34', 'P-384'],
  ['1.3.132.0.35', 'P-521'],
  ...BRAINPOOL.map((c, i): [string, string] => [`1.3.36.3.3.2.8.1.1.${i + 1}`, `brainpoolP${c}`]),
]);
const SIMPLE: Record<string, WebAlgorithm> = {
  '1.2.840.10045.4.1': { name: 'ECDSA', hash: { name: 'SHA-1' } },
  '1.2.840.10045.4.3.2': { name: 'ECDSA', hash: { name: 'SHA-256' } },
  '1.2.840.10045.4.3.3': { name: 'ECDSA', hash: { name: 'SHA-384' } },
  '1.2.840.10045.4.3.4': { name: 'ECDSA', hash: { name: 'SHA-512' } },
  [id_rsaEncryption]: { name: 'RSASSA-PKCS1-v1_5' },
  '1.2.840.113549.1.1.5': { name: 'RSASSA-PKCS1-v1_5', hash: { name: 'SHA-1' } },
  '1.2.840.113549.1.1.11': { name: 'RSASSA-PKCS1-v1_5', hash: { name: 'SHA-256' } },
  '1.2.840.113549.1.1.12': { name: 'RSASSA-PKCS1-v1_5', hash: { name: 'SHA-384' } },
  '1.2.840.113549.1.1.13': { name: 'RSASSA-PKCS1-v1_5', hash: { name: 'SHA-512' } },
  [id_sha1]: { name: 'SHA-1' },
  '2.16.840.1.101.3.4.2.1': { name: 'SHA-256' },
  '2.16.840.1.101.3.4.2.2': { name: 'SHA-384' },
  '2.16.840.1.101.3.4.2.3': { name: 'SHA-512' },
  '1.3.101.112': { name: 'Ed25519' },
  '1.3.101.113': { name: 'EdDSA', namedCurve: 'Ed448' },
  '1.3.101.110': { name: 'X25519' },
  '1.3.101.111': { name: 'ECDH-ES', namedCurve: 'X448' },
};


const SEQUENCE = 0x30;
const SET = 0x31;
const OCTET_STRING = 0x04;

// ---- Names ----

const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

/** A name attribute's value: its text, or for another string type the hex of its whole element. */
interface AttributeValue {
  text: string;
  anyHex?: string;
}

/**
 * An attribute value as asn1-x509's AttributeValue reads it: the text of a
 * DirectoryString or IA5String (asn1js decodes UTF8String as UTF-8, BMPString
 * as UTF-16BE, UniversalString by the low 16 bits of each 32-bit code, the
 * others a character per byte), or `anyHex` for another string type (printed
 * "#hex" of the whole element). NULL reads as no value (asn1-schema's Any).
 * Invalid UTF-8, an odd BMPString or a ragged UniversalString are refused.
 */
function attributeValue(der: Uint8Array, t: Tlv): AttributeValue {
  const b = content(der, t);
  switch (t.tag) {
    case 0x0c: // UTF8String
      return { text: utf8Text(b, 'a name value') };
    case 0x13: // PrintableString
    case 0x14: // TeletexString
    case 0x16: // IA5String
      return { text: latin1(b) };
    case 0x1e: {
      // BMPString
      if (b.length % 2) bad('a BMPString of odd length');
      let s = '';
      for (let i = 0; i < b.length; i += 2) s += String.fromCharCode((b[i]! << 8) | b[i + 1]!);
      return { text: s };
    }
    case 0x1c: {
      // UniversalString (asn1js keeps the low 16 bits of each code)
      if (b.length % 4) bad('a UniversalString of ragged length');
      let s = '';
      for (let i = 0; i < b.length; i += 4) s += String.fromCharCode((b[i + 2]! << 8) | b[i + 3]!);
      return { text: s };
    }
    case 0x05: // NULL
      if (b.length !== 0) bad('a NULL with content');
      return { text: '' };
    case 0x04: // OCTET STRING, NumericString, VideotexString, GraphicString, VisibleString, GeneralString
    case 0x12:
    case 0x15:
    case 0x19:
    case 0x1a:
    case 0x1b:
      return { text: '', anyHex: hex(der.subarray(t.start, t.end)) };
    default:
      return bad('a name value of an unknown type');
  }
}

/** A Name's RDNs: each a list of [type OID, value]. */
function nameRdns(der: Uint8Array, name: Tlv): [string, AttributeValue][][] {
  if (name.tag !== SEQUENCE) bad('a name is not a SEQUENCE');
  return children(der, name).map((rdn) => {
    if (rdn.tag !== SET || rdn.end === rdn.body) bad('a name holds an empty or malformed RDN');
    return children(der, rdn).map((atv): [string, AttributeValue] => {
      const parts = atv.tag === SEQUENCE ? children(der, atv) : [];
      if (parts.length !== 2) bad('a malformed name attribute');
      return [oidText(der, parts[0]!), attributeValue(der, parts[1]!)];
    });
  });
}

/** A distinguished name (its DER) as text, as @peculiar/x509's Name.toString prints it ("CN=alice, O=Example"). */
export function nameToString(nameDer: Uint8Array): string {
  return nameRdns(nameDer, readWhole(nameDer, SEQUENCE, 'a name'))
    .map((rdn) => rdn.map(([type, v]) => `${SHORT_NAMES.get(type) ?? type}=${v.anyHex !== undefined ? `#${v.anyHex}` : escapeValue(v.text)}`).join('+'))
    .join(', ');
}

/** A name's RDNs (DER) as lists of type and value, the value as asn1-x509's AttributeValue.toString gives it (another string type: its hex). */
export function nameAttributes(nameDer: Uint8Array): { type: string; value: string }[][] {
  return nameRdns(nameDer, readWhole(nameDer, SEQUENCE, 'a name')).map((rdn) => rdn.map(([type, v]) => ({ type, value: v.anyHex ?? v.text })));
}

// ---- Algorithms ----

/** An AlgorithmIdentifier as read: its OID, and its parameters' DER (null for NULL, undefined when absent), as asn1-x509 holds them. */
export interface AlgorithmDer {
  oid: string;
  parameters: ArrayBuffer | null | undefined;
}

function algorithmDer(der: Uint8Array, t: Tlv | undefined, what: string): AlgorithmDer {
  const parts = t?.tag === SEQUENCE ? children(der, t) : [];
  if (parts.length < 1 || parts.length > 2) bad(`no ${what}`);
  const oid = oidText(der, parts[0]!);
  const p = parts[1];
  if (p === undefined) return { oid, parameters: undefined };
  if (p.tag === 0x05) {
    if (p.end !== p.body) bad(`${what} has a NULL with content`);
    return { oid, parameters: null };
  }
  checkAny(der, p);
  return { oid, parameters: copy(der.subarray(p.start, p.end)) };
}

const copy = (b: Uint8Array): ArrayBuffer => b.slice().buffer;

/** An AlgorithmIdentifier as @peculiar/x509 names it (AlgorithmProvider.toWebAlgorithm); malformed EC or RSA-PSS parameters throw there and here. */
export function webAlgorithm(alg: AlgorithmDer): WebAlgorithm {
  const simple = Object.hasOwn(SIMPLE, alg.oid) ? SIMPLE[alg.oid] : undefined;
  if (simple) return { ...simple, ...(simple.hash ? { hash: { ...simple.hash } } : {}) };
  if (alg.oid === id_ecPublicKey) {
    if (!alg.parameters) bad('an EC key without curve parameters');
    // ECParameters: a namedCurve; explicit curve parameters (RFC 5480 forbids them) are refused here.
    const p = new Uint8Array(alg.parameters);
    if (p[0] !== 0x06) bad('an EC key with explicit curve parameters (RFC 5480 allows a named curve only)');
    const curve = CURVES.get(oidText(p, readWhole(p, 0x06, 'an EC curve')));
    if (curve !== undefined) return { name: 'ECDSA', namedCurve: curve };
  }
  if (alg.oid === id_RSASSA_PSS) {
    if (!alg.parameters) return { name: 'RSA-PSS' };
    const pss = rsaPssParams(new Uint8Array(alg.parameters));
    return { name: 'RSA-PSS', hash: webAlgorithm(pss.hash), saltLength: pss.saltLength };
  }
  return { name: alg.oid, parameters: alg.parameters };
}

/** RSASSA-PSS-params (RFC 8017, as @peculiar/asn1-rsa declares them): explicit [0]..[3], each optional, defaults SHA-1 and salt 20. */
function rsaPssParams(p: Uint8Array): { hash: AlgorithmDer; saltLength: number } {
  let hash: AlgorithmDer = { oid: id_sha1, parameters: null };
  let saltLength = 20;
  let next = 0;
  for (const f of children(p, readWhole(p, SEQUENCE, 'RSA-PSS parameters'))) {
    const n = f.tag - 0xa0;
    if (n < next || n > 3) bad('RSA-PSS parameters out of order');
    next = n + 1;
    const inner = children(p, f);
    if (inner.length !== 1) bad('malformed RSA-PSS parameters');
    if (n === 0) hash = algorithmDer(p, inner[0], 'RSA-PSS hash');
    else if (n === 1) algorithmDer(p, inner[0], 'RSA-PSS mask generation');
    else if (n === 2) saltLength = smallInteger(p, inner[0]!, 'the RSA-PSS salt length');
    else smallInteger(p, inner[0]!, 'the RSA-PSS trailer field');
  }
  return { hash, saltLength };
}

/** The subjectPublicKeyInfo's algorithm as @peculiar/x509's PublicKey reads it (an RSA key must be an RSAPublicKey: two INTEGERs). */
function spkiAlgorithmOf(alg: AlgorithmDer, key: Uint8Array): WebAlgorithm {
  const out = webAlgorithm(alg);
  if (alg.oid === id_rsaEncryption) {
    const ints = children(key, readWhole(key, SEQUENCE, 'an RSA public key'));
    if (ints.length !== 2 || ints.some((i) => i.tag !== 0x02 || i.end === i.body)) bad('a malformed RSA public key');
  }
  return out;
}

// ---- Extensions ----

// RFC 5280's extension identifiers (asn1-x509's id_ce_*) regcert reads.
const id_ce_basicConstraints = '2.5.29.19';
const id_ce_keyUsage = '2.5.29.15';
const id_ce_extKeyUsage = '2.5.29.37';
export const id_ce_subjectAltName = '2.5.29.17';
const id_ce_subjectKeyIdentifier = '2.5.29.14';
const id_ce_authorityKeyIdentifier = '2.5.29.35';
/** keyUsage's keyCertSign bit as decodeExtensions gives it (asn1-x509's KeyUsageFlags.keyCertSign). */
export const KEY_USAGE_KEY_CERT_SIGN = 1 << 5;

/** One extension as it stands in the certificate: its OID and value's DER (its criticality is checked, not kept: nothing in regcert uses it). */
export interface ExtensionDer {
  oid: string;
  value: Uint8Array;
}

/** A subjectAltName entry as @peculiar/x509 reads it: type dns, email, ip or url, and its text. */
export interface GeneralNameEntry {
  type: 'dns' | 'email' | 'ip' | 'url';
  value: string;
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

/** The IA5String forms of GeneralName, read as text: rfc822Name [1], dNSName [2], uniformResourceIdentifier [6]. */
const TEXT_GENERAL_NAMES: Partial<Record<number, GeneralNameEntry['type']>> = { 0x81: 'email', 0x82: 'dns', 0x86: 'url' };

/**
 * GeneralNames (asn1-x509's GeneralName, for the forms regcert reports:
 * rfc822Name, dNSName, uniformResourceIdentifier, iPAddress); otherName,
 * directoryName and registeredID are checked and skipped, x400Address and
 * ediPartyName refused.
 */
function generalNames(der: Uint8Array, names: Tlv): GeneralNameEntry[] {
  const out: GeneralNameEntry[] = [];
  for (const n of children(der, names)) {
    const b = content(der, n);
    const textType = TEXT_GENERAL_NAMES[n.tag];
    if (textType !== undefined) {
      out.push({ type: textType, value: latin1(b) });
      continue;
    }
    switch (n.tag) {
      case 0x87:
        out.push({ type: 'ip', value: formatIpOctets(b) });
        break;
      case 0xa0: {
        // otherName: type-id, [0] EXPLICIT value (each element read once: the element budget counts reads)
        const parts = children(der, n);
        const [type, value] = parts;
        const inner = value?.tag === 0xa0 ? children(der, value) : [];
        if (parts.length !== 2 || type === undefined || inner.length !== 1) bad('a malformed otherName');
        oidText(der, type);
        checkAny(der, inner[0]!);
        break;
      }
      case 0xa4: {
        const inner = children(der, n);
        if (inner.length !== 1) bad('a malformed directoryName');
        nameRdns(der, inner[0]!);
        break;
      }
      case 0x88:
        oidText(der, { ...n, tag: 0x06 });
        break;
      default:
        bad('a general name of a form regcert does not read');
    }
  }
  return out;
}

const SAN_TYPES: Record<string, SanType> = { dns: 'dns', ip: 'ip', email: 'email', url: 'uri' };

/** regcert's SANs of GeneralNames as @peculiar/x509 types them (a certificate's, or a CSR's x509 GeneralName items); other name forms are skipped. */
export function sansOfNames(names: readonly { type: string; value: string }[]): San[] {
  const out: San[] = [];
  for (const n of names) {
    const type = SAN_TYPES[n.type];
    if (type) out.push({ type, value: n.value });
  }
  return out;
}

/** The extensions regcert reads, decoded (certificates.ts certificateExtensions caches them per certificate). */
export interface DecodedExtensions {
  basicConstraints: { ca: boolean; pathLength: number | undefined } | undefined;
  keyUsage: number | undefined;
  ekus: string[] | undefined;
  subjectAltNames: readonly GeneralNameEntry[];
  subjectKeyId: string | undefined;
  authorityKeyId: string | undefined;
}

/** BitString.toNumber of asn1-schema: bit n of the string (from the first byte's high bit) is 2^n. */
function bitsToNumber(bits: Uint8Array, unused: number): number {
  let res = '';
  for (const octet of bits) res += octet.toString(2).padStart(8, '0');
  res = res.split('').reverse().join('');
  if (unused) res = res.slice(unused).padStart(unused, '0');
  return parseInt(res, 2);
}

/** Decodes the extensions regcert reads; the first of each OID counts (as @peculiar/x509's getExtension). */
export function decodeExtensions(extensions: readonly ExtensionDer[]): DecodedExtensions {
  const out: DecodedExtensions = { basicConstraints: undefined, keyUsage: undefined, ekus: undefined, subjectAltNames: [], subjectKeyId: undefined, authorityKeyId: undefined };
  const seen = new Set<string>();
  for (const { oid, value: v } of extensions) {
    if (seen.has(oid)) continue;
    seen.add(oid);
    switch (oid) {
      case id_ce_basicConstraints: {
        const f = children(v, readWhole(v, SEQUENCE, 'basicConstraints'));
        let i = 0;
        const ca = f[i]?.tag === 0x01 ? booleanValue(v, f[i++]!, 'basicConstraints cA') : false;
        const pathLength = f[i] !== undefined ? smallInteger(v, f[i++]!, 'the path length') : undefined;
        if (i !== f.length) bad('a malformed basicConstraints');
        out.basicConstraints = { ca, pathLength };
        break;
      }
      case id_ce_keyUsage: {
        const { bits, unused } = bitString(v, readWhole(v, 0x03, 'keyUsage'), 'keyUsage');
        // RFC 5280 names nine bits: two bytes; four are read (as the old reader read them), no more.
        if (bits.length === 0 || bits.length > 4) bad('a keyUsage of more than 32 bits, or none');
        out.keyUsage = bitsToNumber(bits, unused);
        break;
      }
      case id_ce_extKeyUsage:
        out.ekus = children(v, readWhole(v, SEQUENCE, 'extKeyUsage')).map((t) => oidText(v, t));
        break;
      case id_ce_subjectAltName:
        out.subjectAltNames = generalNames(v, readWhole(v, SEQUENCE, 'subjectAltName'));
        break;
      case id_ce_subjectKeyIdentifier:
        out.subjectKeyId = hex(content(v, readWhole(v, OCTET_STRING, 'subjectKeyIdentifier')));
        break;
      case id_ce_authorityKeyIdentifier: {
        let next = 0;
        for (const f of children(v, readWhole(v, SEQUENCE, 'authorityKeyIdentifier'))) {
          const n = f.tag & 0x1f;
          if ((f.tag & 0xc0) !== 0x80 || n < next || n > 2 || (f.tag & 0x20) !== (n === 1 ? 0x20 : 0)) bad('a malformed authorityKeyIdentifier');
          next = n + 1;
          if (n === 0) out.authorityKeyId = hex(content(v, f));
          else if (n === 1) generalNames(v, f);
          else if (f.end === f.body) bad('an empty authorityCertSerialNumber');
        }
        break;
      }
    }
  }
  return out;
}

// ---- The certificate ----

/** X509Certificate's serialNumber: the INTEGER's bytes in hex, without a sign byte. */
function serialHex(bytes: Uint8Array): string {
  return hex(bytes.length > 1 && bytes[0] === 0x00 && bytes[1]! > 0x7f ? bytes.subarray(1) : bytes);
}

/**
 * A certificate from its DER: the members of @peculiar/x509's
 * X509Certificate that regcert reads, and the parts certificates.ts reads
 * (raw names and key, TBS bytes, algorithms, extensions). The structure is
 * checked here; names are formatted and extensions decoded on first use
 * (certificates.ts certificateFromDer does both at once, so a malformed
 * certificate fails where it is read).
 */
export class AsnX509Certificate {
  readonly rawData: ArrayBuffer;
  readonly tbs: Uint8Array;
  readonly serialNumber: string;
  readonly signatureAlgorithm: AlgorithmDer;
  readonly issuerDer: Uint8Array;
  readonly subjectDer: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly spki: Uint8Array;
  readonly spkiAlgorithm: AlgorithmDer;
  readonly subjectPublicKey: Uint8Array;
  readonly extensions: readonly ExtensionDer[];
  readonly signature: ArrayBuffer;
  #subject: string | undefined;
  #issuer: string | undefined;
  #keyAlgorithm: WebAlgorithm | undefined;

  constructor(der: Uint8Array) {
    this.rawData = der.byteOffset === 0 && der.byteLength === der.buffer.byteLength && der.buffer instanceof ArrayBuffer ? der.buffer : new Uint8Array(der).buffer;
    const d = new Uint8Array(this.rawData);
    const top = children(d, readWhole(d, SEQUENCE, 'the certificate'));
    if (top.length !== 3) bad('a certificate is not TBSCertificate, algorithm and signature');
    const tbs = expectTag(top[0], SEQUENCE, 'TBSCertificate');
    this.tbs = d.subarray(tbs.start, tbs.end);
    this.signatureAlgorithm = algorithmDer(d, top[1], 'signature algorithm');
    this.signature = copy(bitString(d, top[2]!, 'signature').bits);

    const f = children(d, tbs);
    let i = 0;
    if (f[0]?.tag === 0xa0) {
      const v = children(d, f[0]);
      if (v.length !== 1 || smallInteger(d, v[0]!, 'the version') > 2) bad('a bad version');
      i = 1;
    }
    const serial = expectTag(f[i++], 0x02, 'serial number');
    if (serial.end === serial.body) bad('an empty serial number');
    this.serialNumber = serialHex(content(d, serial));
    algorithmDer(d, f[i++], 'TBS signature algorithm');
    const issuer = expectTag(f[i++], SEQUENCE, 'issuer');
    this.issuerDer = d.subarray(issuer.start, issuer.end);
    const validity = expectTag(f[i++], SEQUENCE, 'validity');
    const times = children(d, validity);
    if (times.length !== 2) bad('a malformed validity');
    this.notBefore = timeValue(d, times[0], 'notBefore');
    this.notAfter = timeValue(d, times[1], 'notAfter');
    const subject = expectTag(f[i++], SEQUENCE, 'subject');
    this.subjectDer = d.subarray(subject.start, subject.end);
    const spki = expectTag(f[i++], SEQUENCE, 'subjectPublicKeyInfo');
    this.spki = d.subarray(spki.start, spki.end);
    const spkiParts = children(d, spki);
    if (spkiParts.length !== 2) bad('a malformed subjectPublicKeyInfo');
    this.spkiAlgorithm = algorithmDer(d, spkiParts[0], 'public key algorithm');
    this.subjectPublicKey = bitString(d, spkiParts[1]!, 'public key').bits;
    if (f[i]?.tag === 0x81) bitString(d, { ...f[i++]!, tag: 0x03 }, 'issuerUniqueID');
    if (f[i]?.tag === 0x82) bitString(d, { ...f[i++]!, tag: 0x03 }, 'subjectUniqueID');
    const extensions: ExtensionDer[] = [];
    if (f[i]?.tag === 0xa3) {
      const wrapped = children(d, f[i++]!);
      if (wrapped.length !== 1) bad('malformed extensions');
      for (const e of children(d, expectTag(wrapped[0], SEQUENCE, 'extensions'))) {
        const parts = e.tag === SEQUENCE ? children(d, e) : [];
        if (parts.length === 3) booleanValue(d, parts[1]!, "an extension's criticality");
        const value = parts[parts.length - 1];
        if (parts.length < 2 || parts.length > 3 || value?.tag !== OCTET_STRING) bad('a malformed extension');
        extensions.push({ oid: oidText(d, parts[0]!), value: content(d, value) });
      }
    }
    if (i !== f.length) bad('TBSCertificate holds more than RFC 5280 defines');
    this.extensions = extensions;
  }

  get subject(): string {
    return (this.#subject ??= nameToString(this.subjectDer));
  }

  get issuer(): string {
    return (this.#issuer ??= nameToString(this.issuerDer));
  }

  /** The key's algorithm as @peculiar/x509 names it ({ name: 'ECDSA', namedCurve: 'P-256' }...). */
  get keyAlgorithm(): WebAlgorithm {
    return (this.#keyAlgorithm ??= spkiAlgorithmOf(this.spkiAlgorithm, this.subjectPublicKey));
  }
}
