/**
 * A frozen copy of how regcert read an X.509 certificate through
 * @peculiar/asn1-schema and @peculiar/asn1-x509 (src/core/cert-asn.ts and
 * the readers of src/core/certificates.ts as of commit 1e25d94), kept as the
 * oracle that test/core/cert-der-fuzz.test.ts holds any later reader to.
 * Self-contained on purpose: it imports npm packages only, never src/, so
 * that rewriting src leaves it unchanged. Do not "fix" it: it is what the
 * old reader read, oddities included.
 */
import { createHash } from 'node:crypto';
import { ECParameters, id_ecdsaWithSHA1, id_ecdsaWithSHA256, id_ecdsaWithSHA384, id_ecdsaWithSHA512, id_ecPublicKey, id_secp256r1, id_secp384r1, id_secp521r1 } from '@peculiar/asn1-ecc';
import { AsnConvert, AsnIntegerArrayBufferConverter, AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';
import * as asn1X509 from '@peculiar/asn1-x509';
import { AlgorithmIdentifier, Certificate as AsnCertificate, Name, SubjectPublicKeyInfo, TBSCertificate, type GeneralName, type Validity } from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';

// As cert-asn.ts did: the parser keeps the bytes of both names and the key as read.
AsnProp({ type: Name, raw: true })(TBSCertificate.prototype, 'issuer');
AsnProp({ type: Name, raw: true })(TBSCertificate.prototype, 'subject');
AsnProp({ type: SubjectPublicKeyInfo, raw: true })(TBSCertificate.prototype, 'subjectPublicKeyInfo');

const id_rsaEncryption = '1.2.840.113549.1.1.1';
const id_RSASSA_PSS = '1.2.840.113549.1.1.10';
const id_sha1 = '1.3.14.3.2.26';

// asn1-rsa's two structures, declared by calling AsnProp (test files are compiled without decorators).
class RsaPublicKey {
  modulus = new ArrayBuffer(0);
  publicExponent = new ArrayBuffer(0);
}
AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter })(RsaPublicKey.prototype, 'modulus');
AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter })(RsaPublicKey.prototype, 'publicExponent');

class RsaSaPssParams {
  hashAlgorithm = new AlgorithmIdentifier({ algorithm: id_sha1, parameters: null });
  maskGenAlgorithm?: AlgorithmIdentifier;
  saltLength = 20;
  trailerField = 1;
}
AsnProp({ type: AlgorithmIdentifier, context: 0, optional: true })(RsaSaPssParams.prototype, 'hashAlgorithm');
AsnProp({ type: AlgorithmIdentifier, context: 1, optional: true })(RsaSaPssParams.prototype, 'maskGenAlgorithm');
AsnProp({ type: AsnPropTypes.Integer, context: 2, optional: true })(RsaSaPssParams.prototype, 'saltLength');
AsnProp({ type: AsnPropTypes.Integer, context: 3, optional: true })(RsaSaPssParams.prototype, 'trailerField');

interface WebAlgorithm {
  name: string;
  hash?: WebAlgorithm;
  namedCurve?: string;
  saltLength?: number;
  parameters?: ArrayBuffer | null;
}

const hex = (data: ArrayBuffer | Uint8Array): string => Buffer.from(data instanceof Uint8Array ? data : new Uint8Array(data)).toString('hex');

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

function nameToString(name: Name): string {
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

function webAlgorithm(alg: AlgorithmIdentifier): WebAlgorithm {
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

function spkiAlgorithm(spki: SubjectPublicKeyInfo): WebAlgorithm {
  const alg = webAlgorithm(spki.algorithm);
  if (spki.algorithm.algorithm === id_rsaEncryption) AsnConvert.parse(spki.subjectPublicKey, RsaPublicKey);
  return alg;
}

interface GeneralNameEntry {
  type: 'dns' | 'email' | 'ip' | 'url';
  value: string;
}

function generalNames(names: Iterable<GeneralName>): GeneralNameEntry[] {
  const out: GeneralNameEntry[] = [];
  for (const n of names) {
    if (n.dNSName != undefined) out.push({ type: 'dns', value: n.dNSName });
    else if (n.rfc822Name != undefined) out.push({ type: 'email', value: n.rfc822Name });
    else if (n.iPAddress != undefined) out.push({ type: 'ip', value: n.iPAddress });
    else if (n.uniformResourceIdentifier != undefined) out.push({ type: 'url', value: n.uniformResourceIdentifier });
  }
  return out;
}

function serialHex(raw: ArrayBuffer): string {
  let bytes = new Uint8Array(raw);
  if (bytes.length > 1 && bytes[0] === 0x00 && bytes[1]! > 0x7f) bytes = bytes.slice(1);
  return hex(bytes);
}

function validityDate(validity: Validity, bound: 'notBefore' | 'notAfter'): Date {
  const t = validity[bound];
  const d = t.utcTime ?? t.generalTime;
  if (!d) throw new Error(`Cannot get '${bound}' value`);
  return d;
}

/** certificates.ts's CertificateExtensions: the first instance of each extension counts. */
export interface Extensions {
  basicConstraints: { ca: boolean; pathLength: number | undefined } | undefined;
  keyUsage: number | undefined;
  ekus: string[] | undefined;
  subjectAltNames: readonly GeneralNameEntry[];
  subjectKeyId: string | undefined;
  authorityKeyId: string | undefined;
}

function certificateExtensions(asn: AsnCertificate): Extensions {
  const out: Extensions = { basicConstraints: undefined, keyUsage: undefined, ekus: undefined, subjectAltNames: [], subjectKeyId: undefined, authorityKeyId: undefined };
  const seen = new Set<string>();
  for (const { extnID, extnValue } of asn.tbsCertificate.extensions ?? []) {
    const value = extnValue.buffer;
    if (seen.has(extnID)) continue;
    seen.add(extnID);
    switch (extnID) {
      case asn1X509.id_ce_basicConstraints: {
        const bc = AsnConvert.parse(value, asn1X509.BasicConstraints);
        out.basicConstraints = { ca: bc.cA, pathLength: bc.pathLenConstraint };
        break;
      }
      case asn1X509.id_ce_keyUsage:
        out.keyUsage = AsnConvert.parse(value, asn1X509.KeyUsage).toNumber();
        break;
      case asn1X509.id_ce_extKeyUsage:
        out.ekus = AsnConvert.parse(value, asn1X509.ExtendedKeyUsage).map(String);
        break;
      case asn1X509.id_ce_subjectAltName:
        out.subjectAltNames = generalNames(AsnConvert.parse(value, asn1X509.SubjectAlternativeName));
        break;
      case asn1X509.id_ce_subjectKeyIdentifier:
        out.subjectKeyId = Buffer.from(AsnConvert.parse(value, asn1X509.SubjectKeyIdentifier).buffer).toString('hex');
        break;
      case asn1X509.id_ce_authorityKeyIdentifier: {
        const id = AsnConvert.parse(value, asn1X509.AuthorityKeyIdentifier).keyIdentifier;
        if (id) out.authorityKeyId = Buffer.from(id.buffer).toString('hex');
        break;
      }
    }
  }
  return out;
}

interface RawTbsFields {
  issuerRaw?: Uint8Array;
  subjectRaw?: Uint8Array;
  subjectPublicKeyInfoRaw?: Uint8Array;
}

/** cert-builder.ts's subjectPublicKeyBits (through asn1js) and keyIdentifier: what issuerKeyId falls back to. */
function keyIdentifier(spki: Uint8Array): string {
  const parsed = asn1js.fromBER(spki);
  const seq = parsed.result;
  if (parsed.offset === -1 || !(seq instanceof asn1js.Sequence)) throw new Error('the public key is not a DER SubjectPublicKeyInfo');
  const bits = seq.valueBlock.value[1];
  if (!(bits instanceof asn1js.BitString)) throw new Error('the public key is not a DER SubjectPublicKeyInfo');
  return createHash('sha1').update(bits.valueBlock.valueHexView).digest('hex');
}

/**
 * Everything regcert reads of a certificate, as plain data (bytes in hex,
 * dates in ms): the public readers of src/core/certificates.ts, projected.
 * `issuerKeyId` is a value or the string 'throws' (it is read only of CAs,
 * later than parsing, so a throw there is a value, not a refusal).
 */
export interface Described {
  der: string;
  subject: string;
  issuer: string;
  subjectDer: string;
  issuerDer: string;
  serialNumber: string;
  notBefore: number;
  notAfter: number;
  signature: string;
  tbs: string;
  /** signedDataOf(cert).algorithm: the signature algorithm as regcert's public API gives it. */
  signatureAlgorithm: { name: string; hash: string | undefined; saltLength: number | undefined };
  spki: string;
  /** certificateKeyAlgorithm, any `parameters` bytes in hex. */
  keyAlgorithm: unknown;
  extensions: Extensions;
  selfSigned: boolean;
  issuerKeyId: string;
}

/** ArrayBuffers and typed arrays as hex, recursively, for a plain-data comparison. */
export function plain(v: unknown): unknown {
  if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return hex(v instanceof ArrayBuffer ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/**
 * The old reader on `der`: throws where the old certificateFromDer threw
 * (it read every part below eagerly), else what regcert read.
 */
export function oracleDescribe(der: Uint8Array): Described {
  const rawData = new Uint8Array(der).buffer;
  const asn = AsnConvert.parse(rawData, AsnCertificate);
  const tbs = asn.tbsCertificate as TBSCertificate & RawTbsFields;
  // certificateFromDer's eager reads, in its order
  const extensions = certificateExtensions(asn);
  const subject = nameToString(tbs.subject);
  const issuer = nameToString(tbs.issuer);
  const keyAlgorithm = spkiAlgorithm(tbs.subjectPublicKeyInfo);
  const sigAlg = webAlgorithm(asn.signatureAlgorithm);
  const notBefore = validityDate(tbs.validity, 'notBefore').getTime();
  const notAfter = validityDate(tbs.validity, 'notAfter').getTime();
  const serialNumber = serialHex(tbs.serialNumber);

  const subjectDer = Buffer.from(new Uint8Array(tbs.subjectRaw ?? AsnConvert.serialize(tbs.subject)));
  const issuerDer = Buffer.from(new Uint8Array(tbs.issuerRaw ?? AsnConvert.serialize(tbs.issuer)));
  const spki = new Uint8Array(tbs.subjectPublicKeyInfoRaw ?? AsnConvert.serialize(tbs.subjectPublicKeyInfo));
  let issuerKeyId: string;
  try {
    issuerKeyId = extensions.subjectKeyId ?? keyIdentifier(spki);
  } catch {
    issuerKeyId = 'throws';
  }
  return {
    der: hex(rawData),
    subject,
    issuer,
    subjectDer: hex(subjectDer),
    issuerDer: hex(issuerDer),
    serialNumber,
    notBefore,
    notAfter,
    signature: hex(asn.signatureValue),
    tbs: hex(asn.tbsCertificateRaw ?? AsnConvert.serialize(asn.tbsCertificate)),
    signatureAlgorithm: { name: sigAlg.name, hash: sigAlg.hash?.name, saltLength: sigAlg.saltLength },
    spki: hex(spki),
    keyAlgorithm: plain(keyAlgorithm),
    extensions,
    selfSigned: subject === issuer && subjectDer.equals(issuerDer),
    issuerKeyId,
  };
}
