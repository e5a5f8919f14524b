/**
 * A certificate read through @peculiar/asn1-x509 alone (issue 21: start-up).
 * What regcert reads of a certificate (its names as text, serial, validity,
 * the algorithms of its key and signature, its alternative names) is what
 * @peculiar/x509 reads, done here on the ASN.1 that package parses with, so
 * that `issue`, `renew` and `inspect` need not load @peculiar/x509,
 * tsyringe and reflect-metadata (a third of `issue`'s start-up). Each
 * function ports the @peculiar/x509 2.x code named beside it;
 * test/core/cert-asn-property.test.ts holds their results equal to that package's on
 * generated names and on certificates of every key type. Building CAs and
 * reading CSRs still use @peculiar/x509 (core/x509.ts, loaded when used).
 */
import { ECParameters, id_ecdsaWithSHA1, id_ecdsaWithSHA256, id_ecdsaWithSHA384, id_ecdsaWithSHA512, id_ecPublicKey, id_secp256r1, id_secp384r1, id_secp521r1 } from '@peculiar/asn1-ecc';
import { AsnConvert, AsnIntegerArrayBufferConverter, AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';
import type { JsonName } from './names.js';
import { AlgorithmIdentifier, Certificate as AsnCertificate, Name, SubjectPublicKeyInfo, TBSCertificate, type GeneralName, type Validity } from '@peculiar/asn1-x509';

// Keep the bytes of a certificate's names and key as they were read, beside
// their parsed values (asn1-schema's own `raw` option, which asn1-x509 uses
// for tbsCertificate): certificates.ts compares names and keys by those
// bytes, where re-encoding each one cost a third of describing a certificate.
// Same declarations as asn1-x509's, plus raw; the parser then sets
// issuerRaw, subjectRaw and subjectPublicKeyInfoRaw. Every certificate
// parser of regcert (this module's and @peculiar/x509's) runs after this.
AsnProp({ type: Name, raw: true })(TBSCertificate.prototype, 'issuer');
AsnProp({ type: Name, raw: true })(TBSCertificate.prototype, 'subject');
AsnProp({ type: SubjectPublicKeyInfo, raw: true })(TBSCertificate.prototype, 'subjectPublicKeyInfo');

// RFC 8017's RSA identifiers and the two RSA structures @peculiar/x509 parses (as @peculiar/asn1-rsa
// declares them: RSAPublicKey, RSASSA-PSS-params with its defaults, SHA-1 and salt 20). Declared
// here: loading @peculiar/asn1-rsa encodes a dozen default parameter sets (8 ms of `issue`).
const id_rsaEncryption = '1.2.840.113549.1.1.1';
const id_RSASSA_PSS = '1.2.840.113549.1.1.10';
const id_sha1 = '1.3.14.3.2.26';

class RsaPublicKey {
  @AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter }) modulus = new ArrayBuffer(0);
  @AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter }) publicExponent = new ArrayBuffer(0);
}

class RsaSaPssParams {
  @AsnProp({ type: AlgorithmIdentifier, context: 0, optional: true }) hashAlgorithm = new AlgorithmIdentifier({ algorithm: id_sha1, parameters: null });
  @AsnProp({ type: AlgorithmIdentifier, context: 1, optional: true }) maskGenAlgorithm?: AlgorithmIdentifier;
  @AsnProp({ type: AsnPropTypes.Integer, context: 2, optional: true }) saltLength = 20;
  @AsnProp({ type: AsnPropTypes.Integer, context: 3, optional: true }) trailerField = 1;
}

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

/** A distinguished name as text, as @peculiar/x509 prints it ("CN=alice, O=Example"). */
export function nameToString(name: Name): string {
  return name
    .map((rdn) =>
      rdn
        .map((o) => {
          const type = SHORT_NAMES.get(o.type) ?? o.type;
          const value = o.value.anyValue ? `#${hex(o.value.anyValue)}` : escapeValue(o.value.toString());
          return `${type}=${value}`;
        })
        .join('+'),
    )
    .join(', ');
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
  [id_secp256r1, 'P-256'],
  ['1.3.132.0.10', 'K-256'],
  [id_secp384r1, 'P-384'],
  [id_secp521r1, 'P-521'],
  ...BRAINPOOL.map((c, i): [string, string] => [`1.3.36.3.3.2.8.1.1.${i + 1}`, `brainpoolP${c}`]),
]);
const SIMPLE: Record<string, WebAlgorithm> = {
  [id_ecdsaWithSHA1]: { name: 'ECDSA', hash: { name: 'SHA-1' } },
  [id_ecdsaWithSHA256]: { name: 'ECDSA', hash: { name: 'SHA-256' } },
  [id_ecdsaWithSHA384]: { name: 'ECDSA', hash: { name: 'SHA-384' } },
  [id_ecdsaWithSHA512]: { name: 'ECDSA', hash: { name: 'SHA-512' } },
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

/** An AlgorithmIdentifier as @peculiar/x509 names it; malformed EC or RSA-PSS parameters throw there and here. */
export function webAlgorithm(alg: AlgorithmIdentifier): WebAlgorithm {
  const simple = Object.hasOwn(SIMPLE, alg.algorithm) ? SIMPLE[alg.algorithm] : undefined;
  if (simple) return { ...simple, ...(simple.hash ? { hash: { ...simple.hash } } : {}) };
  if (alg.algorithm === id_ecPublicKey) {
    if (!alg.parameters) throw new TypeError('Cannot get required parameters from EC algorithm');
    const curve = CURVES.get(AsnConvert.parse(alg.parameters, ECParameters).namedCurve ?? '');
    if (curve !== undefined) return { name: 'ECDSA', namedCurve: curve };
  }
  if (alg.algorithm === id_RSASSA_PSS) {
    if (!alg.parameters) return { name: 'RSA-PSS' };
    const pss = AsnConvert.parse(alg.parameters, RsaSaPssParams);
    return { name: 'RSA-PSS', hash: webAlgorithm(pss.hashAlgorithm), saltLength: pss.saltLength };
  }
  return { name: alg.algorithm, parameters: alg.parameters };
}

/** The subjectPublicKeyInfo's algorithm as @peculiar/x509's PublicKey reads it (an RSA key's modulus is parsed there too). */
export function spkiAlgorithm(spki: SubjectPublicKeyInfo): WebAlgorithm {
  const alg = webAlgorithm(spki.algorithm);
  if (spki.algorithm.algorithm === id_rsaEncryption) AsnConvert.parse(spki.subjectPublicKey, RsaPublicKey);
  return alg;
}

// GeneralName.onInit and GeneralNames, for the four forms regcert reports (describe.ts
// drops the others: directoryName, registeredID, the GUID and UPN otherNames).
/** A subjectAltName entry as @peculiar/x509 reads it: type dns, email, ip or url, and its text. */
export interface GeneralNameEntry {
  type: 'dns' | 'email' | 'ip' | 'url';
  value: string;
}

export function generalNames(names: Iterable<GeneralName>): GeneralNameEntry[] {
  const out: GeneralNameEntry[] = [];
  for (const n of names) {
    if (n.dNSName != undefined) out.push({ type: 'dns', value: n.dNSName });
    else if (n.rfc822Name != undefined) out.push({ type: 'email', value: n.rfc822Name });
    else if (n.iPAddress != undefined) out.push({ type: 'ip', value: n.iPAddress });
    else if (n.uniformResourceIdentifier != undefined) out.push({ type: 'url', value: n.uniformResourceIdentifier });
  }
  return out;
}

/** X509Certificate's serialNumber: the INTEGER's bytes in hex, without a sign byte. */
function serialHex(raw: ArrayBuffer): string {
  let bytes = new Uint8Array(raw);
  if (bytes.length > 1 && bytes[0] === 0x00 && bytes[1]! > 0x7f) bytes = bytes.slice(1);
  return hex(bytes);
}

/** X509Certificate's notBefore and notAfter: the UTCTime or GeneralizedTime of that bound. */
function validityDate(validity: Validity, bound: 'notBefore' | 'notAfter'): Date {
  const t = validity[bound];
  const d = t.utcTime ?? t.generalTime;
  if (!d) throw new Error(`Cannot get '${bound}' value`);
  return d;
}

/**
 * A certificate from its DER: the members of @peculiar/x509's X509Certificate
 * that regcert reads, with its values, computed on first use. `asn` is the
 * parsed structure (certificates.ts reads extensions and raw fields there).
 */
export class AsnX509Certificate {
  readonly asn: AsnCertificate;
  readonly rawData: ArrayBuffer;
  #subject: string | undefined;
  #issuer: string | undefined;
  #serial: string | undefined;

  constructor(der: Uint8Array) {
    this.rawData = der.byteOffset === 0 && der.byteLength === der.buffer.byteLength && der.buffer instanceof ArrayBuffer ? der.buffer : new Uint8Array(der).buffer;
    this.asn = AsnConvert.parse(this.rawData, AsnCertificate);
  }

  get subject(): string {
    return (this.#subject ??= nameToString(this.asn.tbsCertificate.subject));
  }

  get issuer(): string {
    return (this.#issuer ??= nameToString(this.asn.tbsCertificate.issuer));
  }

  get serialNumber(): string {
    return (this.#serial ??= serialHex(this.asn.tbsCertificate.serialNumber));
  }

  get notBefore(): Date {
    return validityDate(this.asn.tbsCertificate.validity, 'notBefore');
  }

  get notAfter(): Date {
    return validityDate(this.asn.tbsCertificate.validity, 'notAfter');
  }

  get signature(): ArrayBuffer {
    return this.asn.signatureValue;
  }
}
