/**
 * Hostile PKCS#8 and PKCS#12 files for the parser-bound tests, built with
 * asn1js from first principles (independent of the code under test).
 */
import { createPrivateKey, randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';

const OID = {
  data: '1.2.840.113549.1.7.1',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSha256: '1.2.840.113549.2.9',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  sha256: '2.16.840.1.101.3.4.2.1',
};

const oid = (value: string) => new asn1js.ObjectIdentifier({ value });
const octets = (u8: Uint8Array) => new asn1js.OctetString({ valueHex: new Uint8Array(u8).buffer });
const seq = (...value: asn1js.BaseBlock[]) => new asn1js.Sequence({ value });
const explicit0 = (inner: asn1js.BaseBlock) => new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [inner] });
const der = (n: asn1js.BaseBlock) => new Uint8Array(n.toBER(false));

/** AlgorithmIdentifier for PBES2 / PBKDF2-HMAC-SHA256 / AES-256-CBC with any iteration count and key length. */
function pbes2Algorithm(iterations: number, keyLength?: number): asn1js.Sequence {
  const kdf = seq(
    octets(randomBytes(8)),
    new asn1js.Integer({ value: iterations }),
    ...(keyLength === undefined ? [] : [new asn1js.Integer({ value: keyLength })]),
    seq(oid(OID.hmacWithSha256), new asn1js.Null()),
  );
  return seq(oid(OID.pbes2), seq(seq(oid(OID.pbkdf2), kdf), seq(oid(OID.aes256Cbc), octets(randomBytes(16)))));
}

/** An encrypted PKCS#8 PEM whose PBKDF2 asks for `iterations` (the ciphertext is random: no password opens it). */
export function encryptedKeyPem(iterations: number, keyLength?: number): string {
  const body = der(seq(pbes2Algorithm(iterations, keyLength), octets(randomBytes(160))));
  const b64 = Buffer.from(body).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${b64}\n-----END ENCRYPTED PRIVATE KEY-----\n`;
}

/**
 * A PKCS#12 without a MAC: one data safe with the certificate and a shrouded
 * key bag whose PBKDF2 asks for `keyLength` bytes at `iterations`.
 */
export function hostileP12(certDer: Uint8Array, iterations: number, keyLength?: number): Uint8Array {
  const certBag = seq(oid(OID.certBag), explicit0(seq(oid(OID.x509Certificate), explicit0(octets(certDer)))));
  const keyBag = seq(oid(OID.shroudedKeyBag), explicit0(seq(pbes2Algorithm(iterations, keyLength), octets(randomBytes(64)))));
  const authSafe = der(seq(seq(oid(OID.data), explicit0(octets(der(seq(certBag, keyBag)))))));
  return der(seq(new asn1js.Integer({ value: 3 }), seq(oid(OID.data), explicit0(octets(authSafe)))));
}

/** A PKCS#12 whose MAC asks for `iterations` (PKCS#12 KDF, SHA-256); its safes are empty. */
export function macIterationsP12(iterations: number): Uint8Array {
  const authSafe = der(seq());
  const macData = seq(seq(seq(oid(OID.sha256), new asn1js.Null()), octets(randomBytes(32))), octets(randomBytes(8)), new asn1js.Integer({ value: iterations }));
  return der(seq(new asn1js.Integer({ value: 3 }), seq(oid(OID.data), explicit0(octets(authSafe))), macData));
}

/** The same key as a PBES2 PEM whose iteration count is then set to `iterations` (the rest stays a real encryption). */
export function reencryptWithIterations(keyPem: string, passphrase: string, iterations: number): string {
  const pem = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string;
  const body = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const info = asn1js.fromBER(new Uint8Array(body).buffer).result as asn1js.Sequence;
  const alg = info.valueBlock.value[0] as asn1js.Sequence;
  const pbes2 = alg.valueBlock.value[1] as asn1js.Sequence;
  const kdf = pbes2.valueBlock.value[0] as asn1js.Sequence;
  const kdfParams = kdf.valueBlock.value[1] as asn1js.Sequence;
  kdfParams.valueBlock.value[1] = new asn1js.Integer({ value: iterations });
  const b64 = Buffer.from(der(info)).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${b64}\n-----END ENCRYPTED PRIVATE KEY-----\n`;
}
