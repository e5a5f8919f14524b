/**
 * PKCS#12 (RFC 7292): building and reading PFX files. Pure: no fs, no
 * prompts; the password, randomness and every input come in as parameters.
 *
 * ASN.1 structures go through asn1js; the cryptography runs on node:crypto
 * (PBKDF2, HMAC, SHA, AES, 3DES, random), except RC2 (see rc2.ts).
 *
 * Passwords are encoded as OpenSSL 3 and NSS do it: the MAC and the
 * PKCS#12-PBE bags (3DES, RC2) take a BMPString (UTF-16BE plus two zero
 * bytes; the empty password is just the two zero bytes), PBES2 bags take the
 * raw UTF-8 bytes.
 */
import {
  X509Certificate as NodeX509,
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  pbkdf2Sync,
  randomBytes,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import * as asn1js from 'asn1js';
import { inputError } from './errors.js';
import { rc2CbcDecrypt } from './rc2.js';

export const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  pbeSha1TripleDes: '1.2.840.113549.1.12.1.3',
  pbeSha1Rc2_128: '1.2.840.113549.1.12.1.5',
  pbeSha1Rc2_40: '1.2.840.113549.1.12.1.6',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSha1: '1.2.840.113549.2.7',
  hmacWithSha256: '1.2.840.113549.2.9',
  hmacWithSha384: '1.2.840.113549.2.10',
  hmacWithSha512: '1.2.840.113549.2.11',
  aes128Cbc: '2.16.840.1.101.3.4.1.2',
  aes192Cbc: '2.16.840.1.101.3.4.1.22',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  desEde3Cbc: '1.2.840.113549.3.7',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
} as const;

const DIGESTS: Record<string, string> = { [OID.sha1]: 'sha1', [OID.sha256]: 'sha256', [OID.sha384]: 'sha384', [OID.sha512]: 'sha512' };
const PRFS: Record<string, string> = {
  [OID.hmacWithSha1]: 'sha1',
  [OID.hmacWithSha256]: 'sha256',
  [OID.hmacWithSha384]: 'sha384',
  [OID.hmacWithSha512]: 'sha512',
};
const PBES2_CIPHERS: Record<string, { name: string; cipher: string; keyLength: number }> = {
  [OID.aes128Cbc]: { name: 'AES-128-CBC', cipher: 'aes-128-cbc', keyLength: 16 },
  [OID.aes192Cbc]: { name: 'AES-192-CBC', cipher: 'aes-192-cbc', keyLength: 24 },
  [OID.aes256Cbc]: { name: 'AES-256-CBC', cipher: 'aes-256-cbc', keyLength: 32 },
  [OID.desEde3Cbc]: { name: 'DES-EDE3-CBC', cipher: 'des-ede3-cbc', keyLength: 24 },
};

/** Reading refuses iteration counts beyond this (a hostile file could otherwise hang us). */
const MAX_ITERATIONS = 10_000_000;

// ---------------------------------------------------------------------------
// Password encodings and the PKCS#12 key derivation (RFC 7292 Appendix B)

/** BMPString password: UTF-16BE code units and a two-byte zero terminator ("" → 00 00). */
export function bmpPassword(password: string): Uint8Array {
  const out = new Uint8Array(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) {
    const c = password.charCodeAt(i);
    out[2 * i] = c >>> 8;
    out[2 * i + 1] = c & 0xff;
  }
  return out;
}

function blockSize(hash: string): number {
  return hash === 'sha384' || hash === 'sha512' ? 128 : 64;
}

function repeatTo(src: Uint8Array, v: number): Uint8Array {
  if (src.length === 0) return new Uint8Array(0);
  const out = new Uint8Array(v * Math.ceil(src.length / v));
  for (let i = 0; i < out.length; i++) out[i] = src[i % src.length]!;
  return out;
}

/**
 * RFC 7292 Appendix B.2: derives n bytes of key (id 1), IV (id 2) or MAC key
 * (id 3) from a BMPString password and a salt.
 */
export function pkcs12Kdf(hash: string, password: Uint8Array, salt: Uint8Array, id: 1 | 2 | 3, iterations: number, n: number): Uint8Array {
  const v = blockSize(hash);
  const D = new Uint8Array(v).fill(id);
  const S = repeatTo(salt, v);
  const P = repeatTo(password, v);
  const I = new Uint8Array(S.length + P.length);
  I.set(S);
  I.set(P, S.length);
  const out = new Uint8Array(n);
  let pos = 0;
  for (;;) {
    let A = createHash(hash).update(D).update(I).digest();
    for (let k = 1; k < iterations; k++) A = createHash(hash).update(A).digest();
    out.set(A.subarray(0, Math.min(A.length, n - pos)), pos);
    pos += A.length;
    if (pos >= n) return out;
    const B = repeatTo(A, v).subarray(0, v);
    // I_j = (I_j + B + 1) mod 2^(8v), for every v-byte block of I.
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const s = I[j + k]! + B[k]! + carry;
        I[j + k] = s & 0xff;
        carry = s >>> 8;
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Writing

export type Pkcs12Mode = 'modern' | 'legacy';

export interface Pkcs12BuildParams {
  key: KeyObject;
  /** DER certificates: the leaf first, then the chain. */
  certificates: Uint8Array[];
  /** friendlyName on the key and the leaf certificate bag. */
  friendlyName?: string | undefined;
  password: string;
  /** modern: PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC bags, HMAC-SHA256 MAC; legacy: pbeWithSHAAnd3-KeyTripleDES-CBC bags, SHA-1 MAC. */
  mode: Pkcs12Mode;
  iterations: number;
}

const ab = (u8: Uint8Array): ArrayBuffer => {
  const out = new ArrayBuffer(u8.byteLength);
  new Uint8Array(out).set(u8);
  return out;
};
const der = (node: asn1js.BaseBlock): Uint8Array => new Uint8Array(node.toBER(false));
const oidNode = (value: string) => new asn1js.ObjectIdentifier({ value });
const octetNode = (value: Uint8Array) => new asn1js.OctetString({ valueHex: ab(value) });
const explicit0 = (inner: asn1js.BaseBlock) => new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [inner] });

function encryptContent(plain: Uint8Array, p: Pkcs12BuildParams, random: (n: number) => Uint8Array): { algorithm: asn1js.Sequence; ciphertext: Uint8Array } {
  if (p.mode === 'legacy') {
    const salt = random(8);
    const pw = bmpPassword(p.password);
    const key = pkcs12Kdf('sha1', pw, salt, 1, p.iterations, 24);
    const iv = pkcs12Kdf('sha1', pw, salt, 2, p.iterations, 8);
    const c = createCipheriv('des-ede3-cbc', key, iv);
    return {
      algorithm: new asn1js.Sequence({
        value: [oidNode(OID.pbeSha1TripleDes), new asn1js.Sequence({ value: [octetNode(salt), new asn1js.Integer({ value: p.iterations })] })],
      }),
      ciphertext: new Uint8Array(Buffer.concat([c.update(plain), c.final()])),
    };
  }
  const salt = random(16);
  const iv = random(16);
  const key = pbkdf2Sync(Buffer.from(p.password, 'utf8'), salt, p.iterations, 32, 'sha256');
  const c = createCipheriv('aes-256-cbc', key, iv);
  const pbkdf2Params = new asn1js.Sequence({
    value: [
      octetNode(salt),
      new asn1js.Integer({ value: p.iterations }),
      new asn1js.Sequence({ value: [oidNode(OID.hmacWithSha256), new asn1js.Null()] }),
    ],
  });
  return {
    algorithm: new asn1js.Sequence({
      value: [
        oidNode(OID.pbes2),
        new asn1js.Sequence({
          value: [
            new asn1js.Sequence({ value: [oidNode(OID.pbkdf2), pbkdf2Params] }),
            new asn1js.Sequence({ value: [oidNode(OID.aes256Cbc), octetNode(iv)] }),
          ],
        }),
      ],
    }),
    ciphertext: new Uint8Array(Buffer.concat([c.update(plain), c.final()])),
  };
}

function bagAttributes(friendlyName: string | undefined, localKeyId: Uint8Array | undefined): asn1js.Set | undefined {
  const attrs: asn1js.Sequence[] = [];
  if (friendlyName !== undefined && friendlyName !== '') {
    attrs.push(new asn1js.Sequence({ value: [oidNode(OID.friendlyName), new asn1js.Set({ value: [new asn1js.BmpString({ value: friendlyName })] })] }));
  }
  if (localKeyId) attrs.push(new asn1js.Sequence({ value: [oidNode(OID.localKeyId), new asn1js.Set({ value: [octetNode(localKeyId)] })] }));
  return attrs.length ? new asn1js.Set({ value: attrs }) : undefined;
}

function safeBag(bagId: string, value: asn1js.BaseBlock, attrs: asn1js.Set | undefined): asn1js.Sequence {
  return new asn1js.Sequence({ value: [oidNode(bagId), explicit0(value), ...(attrs ? [attrs] : [])] });
}

/**
 * Builds a PFX as OpenSSL lays it out: an encryptedData safe with the
 * certificate bags, a data safe with the shrouded key bag, and a MAC. The
 * key and the leaf carry the same localKeyId (SHA-1 of the leaf) and the
 * friendlyName.
 */
export function buildPkcs12(p: Pkcs12BuildParams, random: (n: number) => Uint8Array = (n) => new Uint8Array(randomBytes(n))): Uint8Array {
  if (p.certificates.length === 0) throw new Error('buildPkcs12 needs at least the leaf certificate');
  const leaf = p.certificates[0]!;
  const localKeyId = new Uint8Array(createHash('sha1').update(leaf).digest());

  const certBags = p.certificates.map((c, i) =>
    safeBag(
      OID.certBag,
      new asn1js.Sequence({ value: [oidNode(OID.x509Certificate), explicit0(octetNode(c))] }),
      i === 0 ? bagAttributes(p.friendlyName, localKeyId) : undefined,
    ),
  );
  const certSafe = encryptContent(der(new asn1js.Sequence({ value: certBags })), p, random);
  const certInfo = new asn1js.Sequence({
    value: [
      oidNode(OID.encryptedData),
      explicit0(
        new asn1js.Sequence({
          value: [
            new asn1js.Integer({ value: 0 }),
            new asn1js.Sequence({
              value: [
                oidNode(OID.data),
                certSafe.algorithm,
                new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: ab(certSafe.ciphertext) }),
              ],
            }),
          ],
        }),
      ),
    ],
  });

  const pkcs8 = new Uint8Array(p.key.export({ type: 'pkcs8', format: 'der' }));
  const shrouded = encryptContent(pkcs8, p, random);
  const keyBag = safeBag(
    OID.shroudedKeyBag,
    new asn1js.Sequence({ value: [shrouded.algorithm, octetNode(shrouded.ciphertext)] }),
    bagAttributes(p.friendlyName, localKeyId),
  );
  const keyInfo = new asn1js.Sequence({ value: [oidNode(OID.data), explicit0(octetNode(der(new asn1js.Sequence({ value: [keyBag] }))))] });

  const authSafe = der(new asn1js.Sequence({ value: [certInfo, keyInfo] }));
  const macHash = p.mode === 'legacy' ? 'sha1' : 'sha256';
  const macSalt = random(8);
  const macKey = pkcs12Kdf(macHash, bmpPassword(p.password), macSalt, 3, p.iterations, createHash(macHash).digest().length);
  const mac = new Uint8Array(createHmac(macHash, macKey).update(authSafe).digest());
  const macData = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [new asn1js.Sequence({ value: [oidNode(macHash === 'sha1' ? OID.sha1 : OID.sha256), new asn1js.Null()] }), octetNode(mac)],
      }),
      octetNode(macSalt),
      new asn1js.Integer({ value: p.iterations }),
    ],
  });
  return der(
    new asn1js.Sequence({
      value: [new asn1js.Integer({ value: 3 }), new asn1js.Sequence({ value: [oidNode(OID.data), explicit0(octetNode(authSafe))] }), macData],
    }),
  );
}

// ---------------------------------------------------------------------------
// Reading

export interface Pkcs12Bag {
  localKeyId?: Uint8Array | undefined;
  friendlyName?: string | undefined;
}

export interface Pkcs12Contents {
  /** PKCS#8 PrivateKeyInfo DER of every key bag. */
  keys: (Pkcs12Bag & { pkcs8: Uint8Array })[];
  certificates: (Pkcs12Bag & { der: Uint8Array })[];
  /** What protects the file, as `openssl pkcs12 -info` says it. */
  mac: { algorithm: string; iterations: number } | null;
  encryption: { what: 'certificates' | 'key'; algorithm: string; description: string }[];
}

export interface ReadOptions {
  /** Names the input in messages, e.g. the file path. */
  source?: string;
  /** The flag that supplies the password, for hints. */
  passwordFlag?: string;
}

class Malformed extends Error {}
class Undecryptable extends Error {}
class Unsupported extends Error {}

type Node = asn1js.AsnType;

function kids(n: Node | undefined, what: string): Node[] {
  if (!(n instanceof asn1js.Constructed)) throw new Malformed(`${what}: expected a constructed value`);
  return n.valueBlock.value as Node[];
}
function oidOf(n: Node | undefined, what: string): string {
  if (!(n instanceof asn1js.ObjectIdentifier)) throw new Malformed(`${what}: expected an OID`);
  return n.valueBlock.toString();
}
function intOf(n: Node | undefined, what: string): number {
  if (!(n instanceof asn1js.Integer)) throw new Malformed(`${what}: expected an INTEGER`);
  const v = n.valueBlock.valueDec;
  if (!Number.isSafeInteger(v) || v < 0) throw new Malformed(`${what}: integer out of range`);
  return v;
}
/** OCTET STRING contents, primitive or (BER) constructed, or an IMPLICIT-tagged one. */
function octetsOf(n: Node | undefined, what: string): Uint8Array {
  if (!n || !(n instanceof asn1js.BaseBlock)) throw new Malformed(`${what}: missing`);
  if (n.idBlock.isConstructed) {
    const parts = kids(n as Node, what).map((c) => octetsOf(c, what));
    return new Uint8Array(Buffer.concat(parts));
  }
  const vb = n.valueBlock as { valueHexView?: Uint8Array };
  if (!vb.valueHexView) throw new Malformed(`${what}: expected an OCTET STRING`);
  return new Uint8Array(vb.valueHexView);
}
function explicitInner(n: Node | undefined, what: string): Node {
  if (!(n instanceof asn1js.BaseBlock) || n.idBlock.tagClass !== 3 || n.idBlock.tagNumber !== 0) throw new Malformed(`${what}: expected [0]`);
  const inner = kids(n as Node, what)[0];
  if (!inner) throw new Malformed(`${what}: empty [0]`);
  return inner;
}
function parseDer(data: Uint8Array, what: string): Node {
  const r = asn1js.fromBER(ab(data));
  if (r.offset === -1 || r.result.error) throw new Malformed(`${what}: ${r.result.error || 'bad encoding'}`);
  return r.result as Node;
}

function checkIterations(n: number): number {
  if (n < 1 || n > MAX_ITERATIONS) throw new Unsupported(`iteration count ${n}`);
  return n;
}

interface Decrypted {
  plain: Uint8Array;
  description: string;
  algorithm: string;
}

function finalDecipher(cipher: string, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  try {
    const d = createDecipheriv(cipher, key, iv);
    return new Uint8Array(Buffer.concat([d.update(data), d.final()]));
  } catch {
    throw new Undecryptable();
  }
}

/** Decrypts with a PKCS#12-PBE or PBES2 AlgorithmIdentifier. */
function decryptWith(alg: Node | undefined, data: Uint8Array, password: string): Decrypted {
  const [oidN, params] = kids(alg, 'encryption algorithm');
  const algOid = oidOf(oidN, 'encryption algorithm');
  if (algOid === OID.pbeSha1TripleDes || algOid === OID.pbeSha1Rc2_40 || algOid === OID.pbeSha1Rc2_128) {
    const [saltN, iterN] = kids(params, 'PBE parameters');
    const salt = octetsOf(saltN, 'PBE salt');
    const iterations = checkIterations(iterN === undefined ? 1 : intOf(iterN, 'PBE iterations'));
    const pw = bmpPassword(password);
    const iv = pkcs12Kdf('sha1', pw, salt, 2, iterations, 8);
    if (algOid === OID.pbeSha1TripleDes) {
      const key = pkcs12Kdf('sha1', pw, salt, 1, iterations, 24);
      return {
        plain: finalDecipher('des-ede3-cbc', key, iv, data),
        algorithm: 'pbeWithSHA1And3-KeyTripleDES-CBC',
        description: `pbeWithSHA1And3-KeyTripleDES-CBC, Iteration ${iterations}`,
      };
    }
    const bits = algOid === OID.pbeSha1Rc2_40 ? 40 : 128;
    const key = pkcs12Kdf('sha1', pw, salt, 1, iterations, bits / 8);
    let plain: Uint8Array;
    try {
      plain = rc2CbcDecrypt(key, bits, iv, data);
    } catch {
      throw new Undecryptable();
    }
    const name = `pbeWithSHA1And${bits}BitRC2-CBC`;
    return { plain, algorithm: name, description: `${name}, Iteration ${iterations}` };
  }
  if (algOid === OID.pbes2) {
    const [kdfN, encN] = kids(params, 'PBES2 parameters');
    const [kdfOid, kdfParams] = kids(kdfN, 'PBES2 key derivation');
    if (oidOf(kdfOid, 'PBES2 key derivation') !== OID.pbkdf2) throw new Unsupported('a PBES2 key derivation other than PBKDF2');
    const kp = kids(kdfParams, 'PBKDF2 parameters');
    const salt = octetsOf(kp[0], 'PBKDF2 salt');
    const iterations = checkIterations(intOf(kp[1], 'PBKDF2 iterations'));
    let keyLength: number | undefined;
    let prf = 'sha1';
    let prfName = 'hmacWithSHA1';
    for (const extra of kp.slice(2)) {
      if (extra instanceof asn1js.Integer) keyLength = intOf(extra, 'PBKDF2 key length');
      else {
        const prfOid = oidOf(kids(extra, 'PBKDF2 PRF')[0], 'PBKDF2 PRF');
        const h = PRFS[prfOid];
        if (!h) throw new Unsupported(`PBKDF2 PRF ${prfOid}`);
        prf = h;
        prfName = `hmacWith${h.toUpperCase()}`;
      }
    }
    const [encOid, ivN] = kids(encN, 'PBES2 encryption scheme');
    const encId = oidOf(encOid, 'PBES2 encryption scheme');
    const cipher = PBES2_CIPHERS[encId];
    if (!cipher) throw new Unsupported(`PBES2 cipher ${encId}`);
    const iv = octetsOf(ivN, 'PBES2 IV');
    const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, keyLength ?? cipher.keyLength, prf);
    return {
      plain: finalDecipher(cipher.cipher, key, iv, data),
      algorithm: `PBES2, PBKDF2, ${cipher.name}`,
      description: `PBES2, PBKDF2, ${cipher.name}, Iteration ${iterations}, PRF ${prfName}`,
    };
  }
  throw new Unsupported(`encryption algorithm ${algOid}`);
}

function readAttributes(n: Node | undefined): Pkcs12Bag {
  const out: Pkcs12Bag = {};
  if (n === undefined) return out;
  for (const attr of kids(n, 'bag attributes')) {
    const [typeN, valuesN] = kids(attr, 'bag attribute');
    const type = oidOf(typeN, 'bag attribute');
    const first = kids(valuesN, 'bag attribute values')[0];
    if (type === OID.localKeyId) out.localKeyId = octetsOf(first, 'localKeyId');
    if (type === OID.friendlyName && first instanceof asn1js.BmpString) out.friendlyName = first.valueBlock.value;
  }
  return out;
}

function readSafeContents(data: Uint8Array, password: string, into: Pkcs12Contents): void {
  for (const bag of kids(parseDer(data, 'SafeContents'), 'SafeContents')) {
    const [idN, valueN, attrsN] = kids(bag, 'SafeBag');
    const bagId = oidOf(idN, 'SafeBag');
    const value = explicitInner(valueN, 'SafeBag value');
    const attrs = readAttributes(attrsN);
    if (bagId === OID.shroudedKeyBag) {
      const [alg, enc] = kids(value, 'EncryptedPrivateKeyInfo');
      const d = decryptWith(alg, octetsOf(enc, 'encrypted key'), password);
      into.encryption.push({ what: 'key', algorithm: d.algorithm, description: d.description });
      into.keys.push({ ...attrs, pkcs8: d.plain });
    } else if (bagId === OID.keyBag) {
      into.keys.push({ ...attrs, pkcs8: der(value as asn1js.BaseBlock) });
    } else if (bagId === OID.certBag) {
      const [typeN, certN] = kids(value, 'CertBag');
      if (oidOf(typeN, 'CertBag') !== OID.x509Certificate) continue; // SDSI certificates: not ours to read
      into.certificates.push({ ...attrs, der: octetsOf(explicitInner(certN, 'CertBag value'), 'certificate') });
    }
    // CRL, secret and nested safe-contents bags are not needed for a TLS identity.
  }
}

function verifyMac(macData: Node, authSafe: Uint8Array, password: string): { algorithm: string; iterations: number } {
  const [digestInfo, saltN, iterN] = kids(macData, 'MacData');
  const [algN, digestN] = kids(digestInfo, 'MAC DigestInfo');
  const macOid = oidOf(kids(algN, 'MAC algorithm')[0], 'MAC algorithm');
  const hash = DIGESTS[macOid];
  if (!hash) throw new Unsupported(`MAC algorithm ${macOid}`);
  const expected = octetsOf(digestN, 'MAC');
  const salt = octetsOf(saltN, 'MAC salt');
  const iterations = checkIterations(iterN === undefined ? 1 : intOf(iterN, 'MAC iterations'));
  const len = createHash(hash).digest().length;
  // OpenSSL encodes "" as 00 00; a few writers use no bytes at all for an empty password.
  const candidates = password === '' ? [bmpPassword(''), new Uint8Array(0)] : [bmpPassword(password)];
  for (const pw of candidates) {
    const got = createHmac(hash, pkcs12Kdf(hash, pw, salt, 3, iterations, len)).update(authSafe).digest();
    if (got.length === expected.length && timingSafeEqual(got, expected)) return { algorithm: hash, iterations };
  }
  throw new Undecryptable();
}

/**
 * Reads a PFX: checks the MAC, decrypts every safe and bag, and returns the
 * keys and certificates with their attributes. Wrong password, tampered or
 * truncated file, unknown algorithm: an input error (exit 2) with a hint.
 */
export function parsePkcs12(data: Uint8Array, password: string, opts: ReadOptions = {}): Pkcs12Contents {
  const source = opts.source ?? 'the PKCS#12 file';
  const flag = opts.passwordFlag ?? '--password-file';
  const out: Pkcs12Contents = { keys: [], certificates: [], mac: null, encryption: [] };
  let hasMac = false;
  try {
    const [versionN, authSafeInfo, macData] = kids(parseDer(data, 'PFX'), 'PFX');
    if (intOf(versionN, 'PFX version') !== 3) throw new Malformed('PFX version is not 3');
    const [ctN, contentN] = kids(authSafeInfo, 'authSafe');
    if (oidOf(ctN, 'authSafe') !== OID.data) throw new Unsupported('public-key integrity mode (signed PFX)');
    const authSafe = octetsOf(explicitInner(contentN, 'authSafe content'), 'authSafe content');
    if (macData !== undefined) {
      hasMac = true;
      out.mac = verifyMac(macData, authSafe, password);
    }
    for (const info of kids(parseDer(authSafe, 'AuthenticatedSafe'), 'AuthenticatedSafe')) {
      const [typeN, contentInfo] = kids(info, 'ContentInfo');
      const type = oidOf(typeN, 'ContentInfo');
      if (type === OID.data) {
        readSafeContents(octetsOf(explicitInner(contentInfo, 'data'), 'data'), password, out);
      } else if (type === OID.encryptedData) {
        const [, eci] = kids(explicitInner(contentInfo, 'encryptedData'), 'EncryptedData');
        const [, alg, encN] = kids(eci, 'EncryptedContentInfo');
        if (encN === undefined) continue;
        const d = decryptWith(alg, octetsOf(encN, 'encrypted content'), password);
        out.encryption.push({ what: 'certificates', algorithm: d.algorithm, description: d.description });
        readSafeContents(d.plain, password, out);
      } else {
        throw new Unsupported(`public-key privacy mode (${type})`);
      }
    }
  } catch (e) {
    if (e instanceof Undecryptable) {
      throw inputError(
        'P12_BAD_PASSWORD',
        `could not open ${source}: wrong password, or the file was altered (${hasMac ? 'its MAC does not verify' : 'decryption failed'})`,
        `check the password given with ${flag} (the first line of the file is used)`,
      );
    }
    if (e instanceof Unsupported) {
      throw inputError('P12_UNSUPPORTED', `${source} uses ${e.message}, which regcert cannot read`, 're-export it with "openssl pkcs12 -export" (AES) or with --legacy settings (3DES)', { cause: e });
    }
    throw inputError('P12_MALFORMED', `${source} is not a readable PKCS#12 file (truncated or corrupt)`, 'export it again, or check that the right file was given', { cause: e });
  }
  return out;
}

export interface Pkcs12Identity {
  key: KeyObject;
  /** DER certificates: the leaf (the key's certificate) first, then its issuers, then the rest. */
  chain: Uint8Array[];
  friendlyName?: string | undefined;
}

function spkiOf(key: KeyObject): Buffer {
  return (key.type === 'public' ? key : createPublicKey(key)).export({ type: 'spki', format: 'der' });
}

/**
 * The TLS identity in a PKCS#12: its one private key and the certificate
 * that belongs to it (by localKeyId, else by public key), then the chain.
 */
export function selectPkcs12Identity(contents: Pkcs12Contents, opts: ReadOptions = {}): Pkcs12Identity {
  const source = opts.source ?? 'the PKCS#12 file';
  const bag = contents.keys[0];
  if (!bag) throw inputError('P12_NO_KEY', `${source} holds no private key`, 'export the certificate together with its key (openssl pkcs12 -export -inkey KEY)');
  if (contents.keys.length > 1) {
    throw inputError('P12_MANY_KEYS', `${source} holds ${contents.keys.length} private keys`, 'export a file with one key and its certificate chain');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: Buffer.from(bag.pkcs8), format: 'der', type: 'pkcs8' });
  } catch (e) {
    throw inputError('P12_BAD_KEY', `the private key in ${source} is not readable`, 'export it again', { cause: e });
  }
  const parsed = contents.certificates.map((c) => {
    try {
      return { bag: c, x: new NodeX509(Buffer.from(c.der)) };
    } catch (e) {
      throw inputError('P12_BAD_CERTIFICATE', `${source} holds a malformed certificate`, 'export it again', { cause: e });
    }
  });
  const spki = spkiOf(key);
  const byId = bag.localKeyId ? parsed.find((p) => p.bag.localKeyId && Buffer.from(p.bag.localKeyId).equals(Buffer.from(bag.localKeyId!))) : undefined;
  const leaf = byId ?? parsed.find((p) => spkiOf(p.x.publicKey).equals(spki));
  if (!leaf) {
    throw inputError('KEY_MISMATCH', `the private key in ${source} does not belong to any certificate in it`, 'export the key together with its own certificate');
  }
  if (!spkiOf(leaf.x.publicKey).equals(spki)) {
    throw inputError('KEY_MISMATCH', `the private key in ${source} does not belong to its certificate (${leaf.x.subject.replace(/\n/g, ', ')})`, 'export the key together with its own certificate');
  }
  const chain = [leaf];
  const rest = parsed.filter((p) => p !== leaf);
  for (let cur = leaf; ; ) {
    const next = rest.find((p) => !chain.includes(p) && cur.x.checkIssued(p.x));
    if (!next) break; // chain.includes() above ends self-signed roots and loops
    chain.push(next);
    cur = next;
  }
  for (const p of rest) if (!chain.includes(p)) chain.push(p);
  return { key, chain: chain.map((p) => p.bag.der), friendlyName: bag.friendlyName ?? leaf.bag.friendlyName };
}

/** The `openssl pkcs12 -info` style lines for what protects a file. */
export function describePkcs12(contents: Pkcs12Contents): string[] {
  const lines: string[] = [];
  lines.push(contents.mac ? `MAC: ${contents.mac.algorithm}, Iteration ${contents.mac.iterations}` : 'MAC: none');
  for (const e of contents.encryption) lines.push(`${e.what === 'key' ? 'Shrouded Keybag' : 'PKCS7 Encrypted data'}: ${e.description}`);
  return lines;
}
