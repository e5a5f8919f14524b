/**
 * Private keys on Node's native crypto: generation for every key type of the
 * contract, reading PKCS#8 (plain or encrypted), traditional RSA/EC PEM
 * (plain or with the OpenSSL Proc-Type encryption) and DER, writing PKCS#8
 * PEM, optionally encrypted with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC).
 */
import {
  createECDH,
  createPrivateKey,
  createPublicKey,
  generateKeyPair as nodeGenerateKeyPair,
  generateKeyPairSync,
  webcrypto,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';
import * as asn1js from 'asn1js';
import { createDerTemplate, type DerTemplate } from './der-template.js';
import { inputError, isRegcertError } from './errors.js';
import { looksLikePem, parsePemBlocks, toPem, type PemBlock } from './pem.js';

const generateKeyPairAsync = promisify(nodeGenerateKeyPair);

export const KEY_TYPES = ['ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'rsa-3072', 'rsa-4096', 'ed25519'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export function parseKeyType(value: string): KeyType {
  const v = value.trim().toLowerCase();
  if ((KEY_TYPES as readonly string[]).includes(v)) return v as KeyType;
  throw inputError('BAD_KEY_TYPE', `unknown key type "${value}"`, `use one of: ${KEY_TYPES.join(', ')}`);
}

/** node:crypto's generateKeyPair arguments for each key type of the contract. */
function keyGenParams(type: KeyType): ['ec', { namedCurve: string }] | ['rsa', { modulusLength: number; publicExponent: number }] | ['ed25519', object] {
  switch (type) {
    case 'ecdsa-p256':
      return ['ec', { namedCurve: 'prime256v1' }];
    case 'ecdsa-p384':
      return ['ec', { namedCurve: 'secp384r1' }];
    case 'rsa-2048':
    case 'rsa-3072':
    case 'rsa-4096':
      return ['rsa', { modulusLength: Number(type.slice(4)), publicExponent: 0x10001 }];
    case 'ed25519':
      return ['ed25519', {}];
  }
}

export async function generatePrivateKey(type: KeyType): Promise<KeyObject> {
  const [alg, params] = keyGenParams(type);
  return (await generateKeyPairAsync(alg as 'ec', params as { namedCurve: string })).privateKey;
}

/** The named curves of the contract's ECDSA key types: OpenSSL name, OID, size of a coordinate. */
const EC_CURVES = {
  'ecdsa-p256': { name: 'prime256v1', oid: '1.2.840.10045.3.1.7', size: 32 },
  'ecdsa-p384': { name: 'secp384r1', oid: '1.3.132.0.34', size: 48 },
} as const;

const ecTemplates = new Map<string, { spki: DerTemplate; pkcs8: DerTemplate }>();

/**
 * SubjectPublicKeyInfo and PKCS#8 PrivateKeyInfo for one curve as DER
 * templates: per key only the private scalar and the public point (fixed
 * sizes, RFC 5915 and SEC 1) are filled in. The result is byte for byte what
 * OpenSSL exports (test/core/cert-builder.test.ts).
 */
function ecTemplate(type: keyof typeof EC_CURVES) {
  let t = ecTemplates.get(type);
  if (t) return t;
  const { oid, size } = EC_CURVES[type];
  const alg = () => new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: '1.2.840.10045.2.1' }), new asn1js.ObjectIdentifier({ value: oid })] });
  t = {
    spki: createDerTemplate([1 + 2 * size], (point) => new asn1js.Sequence({ value: [alg(), new asn1js.BitString({ valueHex: point })] })),
    pkcs8: createDerTemplate([size, 1 + 2 * size], (d, point) => {
      const ecPrivateKey = new asn1js.Sequence({
        value: [
          new asn1js.Integer({ value: 1 }),
          new asn1js.OctetString({ valueHex: d }),
          new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 1 }, value: [new asn1js.BitString({ valueHex: point })] }),
        ],
      });
      return new asn1js.Sequence({ value: [new asn1js.Integer({ value: 0 }), alg(), new asn1js.OctetString({ valueHex: ecPrivateKey.toBER(false) })] });
    }),
  };
  ecTemplates.set(type, t);
  return t;
}

/**
 * A new key, encoded: the SPKI DER and the unencrypted PKCS#8 PEM (what
 * exportPrivateKeyPem writes). ECDSA keys come from OpenSSL's EC key
 * generation (createECDH) and are placed in the templates above: OpenSSL 3's
 * encoders cost five times the key generation itself, which matters for
 * batches. Other types go through generateKeyPairSync. Synchronous: it is for
 * worker threads, where the shared libuv pool (busy with fsync) only adds waiting.
 */
export function generateEncodedKeyPairSync(type: KeyType): { spki: Uint8Array; pkcs8Pem: string; publicKeyBits?: Uint8Array } {
  if (type === 'ecdsa-p256' || type === 'ecdsa-p384') {
    const { name, size } = EC_CURVES[type];
    const t = ecTemplate(type);
    const ecdh = createECDH(name);
    const point = ecdh.generateKeys();
    const raw = ecdh.getPrivateKey();
    const d = Buffer.alloc(size);
    raw.copy(d, size - raw.length); // the scalar at its full size, leading zeros kept (RFC 5915)
    return { spki: t.spki(point), pkcs8Pem: toPem('PRIVATE KEY', t.pkcs8(d, point)), publicKeyBits: point };
  }
  const [alg, params] = keyGenParams(type);
  const { publicKey, privateKey } = generateKeyPairSync(alg as 'ec', {
    ...(params as { namedCurve: string }),
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { spki: new Uint8Array(publicKey), pkcs8Pem: privateKey };
}

/** A human and machine name for a key: "ecdsa-p256", "rsa-2048", "ed25519", "ec-secp521r1"… */
export function describeKey(key: KeyObject): string {
  return keyTypeName(key.asymmetricKeyType, key.asymmetricKeyDetails ?? {});
}

/** What describeKey and keyBits read of a key: Node's key type and details. */
export interface KeyShape {
  type: string | undefined;
  namedCurve?: string | undefined;
  modulusLength?: number | undefined;
}

/** The key's size in bits as reported (null when regcert does not know it). */
export function keyBits(shape: KeyShape): number | null {
  const t = shape.type;
  if (t === 'rsa' || t === 'rsa-pss') return shape.modulusLength ?? null;
  if (t === 'ec') return ({ prime256v1: 256, secp384r1: 384, secp521r1: 521, secp256k1: 256 } as Record<string, number>)[shape.namedCurve ?? ''] ?? null;
  if (t === 'ed25519') return 256;
  if (t === 'ed448') return 456;
  return null;
}

/** regcert's name of a key type ("ecdsa-p256", "rsa-2048", "ed25519"): the one naming rule. */
export function keyTypeName(t: string | undefined, d: { namedCurve?: string | undefined; modulusLength?: number | undefined }): string {
  if (t === 'ec') {
    if (d.namedCurve === 'prime256v1') return 'ecdsa-p256';
    if (d.namedCurve === 'secp384r1') return 'ecdsa-p384';
    if (d.namedCurve === 'secp521r1') return 'ecdsa-p521';
    return `ec-${d.namedCurve ?? 'unknown'}`;
  }
  if (t === 'rsa' || t === 'rsa-pss') return `${t}-${d.modulusLength ?? 0}`;
  return t ?? 'unknown';
}

export function isRsaKey(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss';
}

export const PRIVATE_KEY_LABELS = ['PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY'];

export interface ParsedPrivateKey {
  key: KeyObject;
  /** Whether the input was encrypted (so callers can say so). */
  encrypted: boolean;
}

/**
 * Reads one private key from PEM or DER bytes. `source` names the input in
 * messages; `passwordFlag` is the flag that supplies its passphrase.
 */
export async function parsePrivateKey(
  data: Uint8Array,
  opts: { passphrase?: string | undefined; source?: string; passwordFlag?: string } = {},
): Promise<ParsedPrivateKey> {
  const source = opts.source ?? 'the key';
  const flag = opts.passwordFlag ?? '--key-password-file';
  let encrypted = false;
  let attempt: () => KeyObject | Promise<KeyObject>;
  if (looksLikePem(data)) {
    const block = parsePemBlocks(Buffer.from(data).toString('utf8'), source).find((b) => PRIVATE_KEY_LABELS.includes(b.label));
    if (!block) {
      throw inputError('NO_PRIVATE_KEY', `no private key found in ${source}`, 'pass a PEM file with a "BEGIN PRIVATE KEY" block, or a DER PKCS#8 key');
    }
    encrypted = isEncryptedPemBlock(block);
    attempt =
      block.label === 'ENCRYPTED PRIVATE KEY'
        ? () => decryptPkcs8(block.der, opts.passphrase ?? '', source)
        : () => createPrivateKey({ key: block.text, format: 'pem', passphrase: opts.passphrase ?? '' });
  } else {
    const der = Buffer.from(data);
    encrypted = isEncryptedPkcs8Der(der);
    attempt = () => {
      if (encrypted) return decryptPkcs8(der, opts.passphrase ?? '', source);
      for (const type of ['pkcs8', 'sec1', 'pkcs1'] as const) {
        try {
          return createPrivateKey({ key: der, format: 'der', type });
        } catch {
          /* try the next encoding */
        }
      }
      throw new Error('not a DER private key');
    };
  }
  if (encrypted && opts.passphrase === undefined) {
    throw inputError('KEY_ENCRYPTED', `${source} is encrypted and no passphrase was given`, `pass ${flag} FILE or ${flag.replace(/-file$/, '-env')} VAR`);
  }
  try {
    return { key: await attempt(), encrypted };
  } catch (e) {
    if (isRegcertError(e)) throw e; // a KDF cap or an unsupported scheme, already named
    if (encrypted) {
      throw inputError('BAD_PASSPHRASE', `could not decrypt ${source}: wrong passphrase`, `check the passphrase given with ${flag}`, { cause: e });
    }
    throw inputError('BAD_PRIVATE_KEY', `${source} is not a readable private key`, 'pass a PKCS#8, RSA or EC private key in PEM or DER', { cause: e });
  }
}

/**
 * Decrypts an encrypted PKCS#8 key (PBES2 or PKCS#12 PBE) with pbe.ts, so its
 * iterations, key length and salt are checked against the caps before any
 * key derivation (OpenSSL would run whatever the file asks). A wrong
 * passphrase throws a plain error that parsePrivateKey reports.
 */
async function decryptPkcs8(der: Uint8Array, passphrase: string, source: string): Promise<KeyObject> {
  // pbe.ts (and the asn1-schema classes it parses with) loads only for an encrypted key (issue 21: start-up).
  const { PbeMalformed, PbeUnsupported, decryptPrivateKeyInfo, newKdfBudget, parseEncryptedPrivateKeyInfo } = await import('./pbe.js');
  let pkcs8: Uint8Array;
  try {
    pkcs8 = decryptPrivateKeyInfo(parseEncryptedPrivateKeyInfo(der), passphrase, newKdfBudget(source)).pkcs8;
  } catch (e) {
    if (e instanceof PbeUnsupported) {
      throw inputError('KEY_UNSUPPORTED_ENCRYPTION', `${source} is encrypted with ${e.message}, which regcert cannot read`, 're-encrypt it with "openssl pkcs8 -topk8 -v2 aes-256-cbc"', { cause: e });
    }
    if (e instanceof PbeMalformed) {
      throw inputError('BAD_PRIVATE_KEY', `${source} is not a readable encrypted private key (${e.message})`, 'pass a PKCS#8, RSA or EC private key in PEM or DER', { cause: e });
    }
    throw e;
  }
  return createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
}

/**
 * The one encrypted-key detector. EncryptedPrivateKeyInfo (RFC 5208) is
 * SEQUENCE { AlgorithmIdentifier SEQUENCE, encryptedData OCTET STRING };
 * PrivateKeyInfo starts SEQUENCE { INTEGER ... }.
 */
export function isEncryptedPkcs8Der(der: Uint8Array): boolean {
  try {
    const { result, offset } = asn1js.fromBER(new Uint8Array(der));
    if (offset === -1 || !(result instanceof asn1js.Sequence)) return false;
    const [alg, data] = result.valueBlock.value;
    return alg instanceof asn1js.Sequence && data instanceof asn1js.OctetString && result.valueBlock.value.length === 2;
  } catch {
    return false;
  }
}

/** A PEM private-key block that needs a passphrase: PKCS#8 "ENCRYPTED PRIVATE KEY" or OpenSSL's Proc-Type: 4,ENCRYPTED. */
export function isEncryptedPemBlock(block: PemBlock): boolean {
  return block.label === 'ENCRYPTED PRIVATE KEY' || /ENCRYPTED/.test(block.headers['Proc-Type'] ?? '');
}

/** Whether a key file (PEM or DER) is encrypted: every command asks this one function. */
export function isEncryptedPrivateKey(data: Uint8Array): boolean {
  if (looksLikePem(data)) {
    const block = parsePemBlocks(Buffer.from(data).toString('utf8')).find((b) => PRIVATE_KEY_LABELS.includes(b.label));
    return block !== undefined && isEncryptedPemBlock(block);
  }
  return isEncryptedPkcs8Der(data);
}

/**
 * PKCS#8 PEM. With a passphrase: PBES2 with PBKDF2-HMAC-SHA256 and
 * AES-256-CBC, as OpenSSL 3 writes it (`openssl pkey -passin` opens it).
 */
export function exportPrivateKeyPem(key: KeyObject, passphrase?: string): string {
  if (passphrase !== undefined) {
    return key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string;
  }
  return key.export({ type: 'pkcs8', format: 'pem' }) as string;
}

export function exportPrivateKeyDer(key: KeyObject): Uint8Array<ArrayBuffer> {
  return new Uint8Array(key.export({ type: 'pkcs8', format: 'der' }));
}

/** The SubjectPublicKeyInfo DER of a private key's public half. */
export function publicKeyDer(key: KeyObject): Uint8Array<ArrayBuffer> {
  return new Uint8Array(createPublicKey(key).export({ type: 'spki', format: 'der' }));
}

export interface SigningParams {
  importAlgorithm: AlgorithmIdentifier | RsaHashedImportParams | EcKeyImportParams;
  signingAlgorithm: Algorithm & { hash?: string };
}

/** The WebCrypto algorithms that sign with this key: hash matched to the key's strength. */
export function signingParamsFor(key: KeyObject): SigningParams {
  const t = key.asymmetricKeyType;
  if (t === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const map: Record<string, [string, string]> = {
      prime256v1: ['P-256', 'SHA-256'],
      secp384r1: ['P-384', 'SHA-384'],
      secp521r1: ['P-521', 'SHA-512'],
    };
    const m = map[curve ?? ''];
    if (!m) throw inputError('UNSUPPORTED_KEY', `EC curve ${curve} cannot sign certificates`, 'use a P-256, P-384 or P-521 key');
    return { importAlgorithm: { name: 'ECDSA', namedCurve: m[0] }, signingAlgorithm: { name: 'ECDSA', hash: m[1] } };
  }
  if (t === 'rsa') {
    return {
      importAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    };
  }
  if (t === 'ed25519') return { importAlgorithm: { name: 'Ed25519' }, signingAlgorithm: { name: 'Ed25519' } };
  throw inputError('UNSUPPORTED_KEY', `a ${t} key cannot sign certificates here`, 'use an ECDSA, RSA or Ed25519 key');
}

/** Imports a KeyObject into WebCrypto for signing (Node 20 has no KeyObject.toCryptoKey). */
export async function toSigningKey(key: KeyObject, subtle: SubtleCrypto = webcrypto.subtle as SubtleCrypto): Promise<CryptoKey> {
  const { importAlgorithm } = signingParamsFor(key);
  return subtle.importKey('pkcs8', exportPrivateKeyDer(key), importAlgorithm, false, ['sign']);
}
