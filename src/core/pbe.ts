/**
 * Password-based encryption of private keys and PKCS#12 safes: PBES2
 * (RFC 8018: PBKDF2 or scrypt, then AES-CBC or 3DES) and the PKCS#12 PBEs
 * (RFC 7292 Appendix B KDF, then 3DES or RC2). Pure: no fs, no prompts.
 *
 * The parameters are read and written through asn1-schema classes (one per
 * ASN.1 type). Every work parameter a file chooses (iterations, derived key
 * length, scrypt cost, salt and IV sizes) is checked against the caps in
 * defaults.ts BEFORE any key is derived, and each file has one budget of KDF
 * rounds for all its derivations: a 1 KB file cannot hold the CPU.
 *
 * The KDFs and ciphers run on node:crypto (pbkdf2Sync, scryptSync,
 * createDecipheriv; the PKCS#12 KDF is built on createHash and tested
 * against RFC 7292 vectors), except RC2 (rc2.ts, Node 20's OpenSSL 3 has it
 * only in the legacy provider).
 */
import { createCipheriv, createDecipheriv, createHash, pbkdf2Sync, scryptSync } from 'node:crypto';
import { AsnConvert, AsnProp, AsnPropTypes, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { EncryptedPrivateKeyInfo } from '@peculiar/asn1-pkcs8';
import { MAX_KDF_ITERATIONS, MAX_KDF_ROUNDS_PER_FILE, MAX_KDF_SALT_BYTES, MAX_SCRYPT_MEMORY_BYTES } from './defaults.js';
import { inputError } from './errors.js';
import { rc2CbcDecrypt } from './rc2.js';

export const PBE_OID = {
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  scrypt: '1.3.6.1.4.1.11591.4.11',
  hmacWithSha1: '1.2.840.113549.2.7',
  hmacWithSha224: '1.2.840.113549.2.8',
  hmacWithSha256: '1.2.840.113549.2.9',
  hmacWithSha384: '1.2.840.113549.2.10',
  hmacWithSha512: '1.2.840.113549.2.11',
  aes128Cbc: '2.16.840.1.101.3.4.1.2',
  aes192Cbc: '2.16.840.1.101.3.4.1.22',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  desEde3Cbc: '1.2.840.113549.3.7',
  pbeSha1TripleDes: '1.2.840.113549.1.12.1.3',
  pbeSha1Rc2_128: '1.2.840.113549.1.12.1.5',
  pbeSha1Rc2_40: '1.2.840.113549.1.12.1.6',
} as const;

// ---------------------------------------------------------------------------
// Schemas (RFC 8018 A.2, A.4; RFC 7914 7.1; RFC 7292 Appendix C)

/** PBKDF2-params; only the "specified" salt choice exists in practice. */
export class Pbkdf2Params {
  @AsnProp({ type: AsnPropTypes.OctetString }) salt: ArrayBuffer = new ArrayBuffer(0);
  /** A number, or a decimal string when the INTEGER has 4 or more bytes (asn1-schema). */
  @AsnProp({ type: AsnPropTypes.Integer }) iterationCount: number | string = 0;
  @AsnProp({ type: AsnPropTypes.Integer, optional: true }) keyLength?: number | string;
  @AsnProp({ type: AlgorithmIdentifier, optional: true }) prf?: AlgorithmIdentifier;
  constructor(p: Partial<Pbkdf2Params> = {}) {
    Object.assign(this, p);
  }
}

/** scrypt-params (RFC 7914 section 7.1). */
export class ScryptParams {
  @AsnProp({ type: AsnPropTypes.OctetString }) salt: ArrayBuffer = new ArrayBuffer(0);
  @AsnProp({ type: AsnPropTypes.Integer }) costParameter: number | string = 0;
  @AsnProp({ type: AsnPropTypes.Integer }) blockSize: number | string = 0;
  @AsnProp({ type: AsnPropTypes.Integer }) parallelizationParameter: number | string = 0;
  @AsnProp({ type: AsnPropTypes.Integer, optional: true }) keyLength?: number | string;
}

export class Pbes2Params {
  @AsnProp({ type: AlgorithmIdentifier }) keyDerivationFunc = new AlgorithmIdentifier();
  @AsnProp({ type: AlgorithmIdentifier }) encryptionScheme = new AlgorithmIdentifier();
  constructor(p: Partial<Pbes2Params> = {}) {
    Object.assign(this, p);
  }
}

/** pkcs-12PbeParams. */
export class Pkcs12PbeParams {
  @AsnProp({ type: AsnPropTypes.OctetString }) salt: ArrayBuffer = new ArrayBuffer(0);
  @AsnProp({ type: AsnPropTypes.Integer }) iterations: number | string = 0;
  constructor(p: Partial<Pkcs12PbeParams> = {}) {
    Object.assign(this, p);
  }
}

// ---------------------------------------------------------------------------
// Errors: the reader that calls us turns these into its own input errors.

/** Wrong password or altered data (padding or MAC does not check). */
export class PbeUndecryptable extends Error {}
/** A well-formed scheme regcert does not implement. */
export class PbeUnsupported extends Error {}
/** Parameters that do not parse or make no sense. */
export class PbeMalformed extends Error {}

/** The KDF rounds one file may spend in total (see MAX_KDF_ROUNDS_PER_FILE). */
export interface KdfBudget {
  left: number;
  /** Names the file in the refusal. */
  source: string;
}

export function newKdfBudget(source: string): KdfBudget {
  return { left: MAX_KDF_ROUNDS_PER_FILE, source };
}

const capHint = 'a file that asks for this much work is damaged or hostile; re-export it with ordinary settings (e.g. openssl defaults)';

function refuse(source: string, what: string): never {
  throw inputError('KDF_LIMIT', `${source} asks for ${what}`, capHint);
}

/** An INTEGER read by asn1-schema (number, or decimal string from 4 bytes on) as a bigint. */
function big(v: number | string | undefined, what: string): bigint {
  if (v === undefined) throw new PbeMalformed(`${what}: missing`);
  try {
    return BigInt(v);
  } catch {
    throw new PbeMalformed(`${what}: not an integer`);
  }
}

/** An iteration count within 1..MAX_KDF_ITERATIONS, reported exactly when it is not. */
export function checkIterations(v: number | string | undefined, source: string, what = 'KDF iterations'): number {
  const n = big(v, what);
  if (n < 1n) throw new PbeMalformed(`${n} ${what}`);
  if (n > BigInt(MAX_KDF_ITERATIONS)) {
    refuse(source, `${n} ${what}, over the cap of ${MAX_KDF_ITERATIONS.toLocaleString('en-US')} iterations`);
  }
  return Number(n);
}

function checkSalt(salt: ArrayBuffer, source: string): Uint8Array {
  if (salt.byteLength < 1) throw new PbeMalformed('empty salt');
  if (salt.byteLength > MAX_KDF_SALT_BYTES) refuse(source, `a ${salt.byteLength}-byte salt, over the cap of ${MAX_KDF_SALT_BYTES} bytes`);
  return new Uint8Array(salt);
}

/** Takes `rounds` hash rounds from the file's budget, or refuses. */
export function chargeKdf(budget: KdfBudget, rounds: number): void {
  budget.left -= rounds;
  if (budget.left < 0) {
    refuse(budget.source, `more key-derivation work than the cap of ${MAX_KDF_ROUNDS_PER_FILE.toLocaleString('en-US')} KDF rounds per file (PBKDF2 rounds; a PKCS#12-KDF round counts ${PKCS12_KDF_ROUND_COST})`);
  }
}

/** DER parsed as `type`; anything malformed (or absent) is PbeMalformed naming `what`. */
export function parseAs<T>(der: ArrayBuffer | Uint8Array | null | undefined, type: new () => T, what: string): T {
  if (!der) throw new PbeMalformed(`${what}: missing parameters`);
  try {
    return AsnConvert.parse(der, type);
  } catch (e) {
    throw new PbeMalformed(`${what}: ${(e as Error).message}`);
  }
}

// ---------------------------------------------------------------------------
// The PKCS#12 key derivation (RFC 7292 Appendix B)

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
 * One round of the PKCS#12 KDF (a createHash per round, in JavaScript) costs
 * about 8 PBKDF2 rounds (native): measured 2.5 µs against 0.33 µs of CPU.
 */
const PKCS12_KDF_ROUND_COST = 8;

/** The budget units a derivation of n bytes at `iterations` costs (PBKDF2 rounds, or weighted PKCS#12-KDF rounds). */
export function kdfRounds(hash: string, iterations: number, n: number, kdf: 'pbkdf2' | 'pkcs12' = 'pkcs12'): number {
  return iterations * Math.ceil(n / createHash(hash).digest().length) * (kdf === 'pkcs12' ? PKCS12_KDF_ROUND_COST : 1);
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
// Reading a scheme

const PRFS: Record<string, { hash: string; name: string; label: string }> = {
  [PBE_OID.hmacWithSha1]: { hash: 'sha1', name: 'hmacWithSHA1', label: 'HMAC-SHA1' },
  [PBE_OID.hmacWithSha224]: { hash: 'sha224', name: 'hmacWithSHA224', label: 'HMAC-SHA224' },
  [PBE_OID.hmacWithSha256]: { hash: 'sha256', name: 'hmacWithSHA256', label: 'HMAC-SHA256' },
  [PBE_OID.hmacWithSha384]: { hash: 'sha384', name: 'hmacWithSHA384', label: 'HMAC-SHA384' },
  [PBE_OID.hmacWithSha512]: { hash: 'sha512', name: 'hmacWithSHA512', label: 'HMAC-SHA512' },
};

/** PBES2 ciphers: the key length is the cipher's own, the IV one block. */
const PBES2_CIPHERS: Record<string, { name: string; cipher: string; keyLength: number; ivLength: number }> = {
  [PBE_OID.aes128Cbc]: { name: 'AES-128-CBC', cipher: 'aes-128-cbc', keyLength: 16, ivLength: 16 },
  [PBE_OID.aes192Cbc]: { name: 'AES-192-CBC', cipher: 'aes-192-cbc', keyLength: 24, ivLength: 16 },
  [PBE_OID.aes256Cbc]: { name: 'AES-256-CBC', cipher: 'aes-256-cbc', keyLength: 32, ivLength: 16 },
  [PBE_OID.desEde3Cbc]: { name: 'DES-EDE3-CBC', cipher: 'des-ede3-cbc', keyLength: 24, ivLength: 8 },
};

const PKCS12_PBES: Record<string, { name: string; keyLength: number; rc2Bits?: number }> = {
  [PBE_OID.pbeSha1TripleDes]: { name: 'pbeWithSHA1And3-KeyTripleDES-CBC', keyLength: 24 },
  [PBE_OID.pbeSha1Rc2_128]: { name: 'pbeWithSHA1And128BitRC2-CBC', keyLength: 16, rc2Bits: 128 },
  [PBE_OID.pbeSha1Rc2_40]: { name: 'pbeWithSHA1And40BitRC2-CBC', keyLength: 5, rc2Bits: 40 },
};

/** A checked scheme: everything needed to derive and decrypt, within the caps. */
export type PbeScheme =
  | {
      kind: 'pbes2';
      kdf: { kind: 'pbkdf2'; salt: Uint8Array; iterations: number; prf: (typeof PRFS)[string] } | { kind: 'scrypt'; salt: Uint8Array; N: number; r: number; p: number };
      cipher: (typeof PBES2_CIPHERS)[string];
      iv: Uint8Array;
    }
  | { kind: 'pkcs12'; oid: string; salt: Uint8Array; iterations: number; cipher: (typeof PKCS12_PBES)[string] };

/** Checks a derived key length the file states: only the cipher's own is accepted. */
function checkKeyLength(v: number | string | undefined, cipher: { name: string; keyLength: number }, source: string): void {
  if (v === undefined) return;
  const n = big(v, 'key length');
  if (n !== BigInt(cipher.keyLength)) {
    refuse(source, `a ${n}-byte derived key for ${cipher.name}, which takes ${cipher.keyLength} bytes (the key-length cap: only the cipher's own)`);
  }
}

function smallInt(v: number | string, what: string, max: number, source: string): number {
  const n = big(v, what);
  if (n < 1n) throw new PbeMalformed(`${what} ${n}`);
  if (n > BigInt(max)) refuse(source, `scrypt ${what} ${n}, over the cap of ${max}`);
  return Number(n);
}

/**
 * Reads and checks an encryption AlgorithmIdentifier (PBES2 or PKCS#12 PBE)
 * without deriving anything: a hostile parameter is refused here (exit 2,
 * naming the cap), an unknown scheme is PbeUnsupported.
 */
export function parsePbeScheme(alg: AlgorithmIdentifier, source: string): PbeScheme {
  const pkcs12 = PKCS12_PBES[alg.algorithm];
  if (pkcs12) {
    const params = parseAs(alg.parameters, Pkcs12PbeParams, 'PKCS#12 PBE parameters');
    const iterations = checkIterations(params.iterations, source);
    return { kind: 'pkcs12', oid: alg.algorithm, salt: checkSalt(params.salt, source), iterations, cipher: pkcs12 };
  }
  if (alg.algorithm !== PBE_OID.pbes2) throw new PbeUnsupported(`encryption algorithm ${alg.algorithm}`);
  const params = parseAs(alg.parameters, Pbes2Params, 'PBES2 parameters');
  const enc = params.encryptionScheme;
  const cipher = PBES2_CIPHERS[enc.algorithm];
  if (!cipher) throw new PbeUnsupported(`PBES2 cipher ${enc.algorithm}`);
  const iv = new Uint8Array(parseAs(enc.parameters, OctetString, 'PBES2 IV').buffer);
  if (iv.length !== cipher.ivLength) throw new PbeMalformed(`a ${iv.length}-byte IV for ${cipher.name}`);
  const kdfAlg = params.keyDerivationFunc;
  if (kdfAlg.algorithm === PBE_OID.pbkdf2) {
    const kp = parseAs(kdfAlg.parameters, Pbkdf2Params, 'PBKDF2 parameters');
    const prf = PRFS[kp.prf?.algorithm ?? PBE_OID.hmacWithSha1];
    if (!prf) throw new PbeUnsupported(`PBKDF2 PRF ${kp.prf?.algorithm}`);
    checkKeyLength(kp.keyLength, cipher, source);
    const iterations = checkIterations(kp.iterationCount, source);
    return { kind: 'pbes2', kdf: { kind: 'pbkdf2', salt: checkSalt(kp.salt, source), iterations, prf }, cipher, iv };
  }
  if (kdfAlg.algorithm === PBE_OID.scrypt) {
    const sp = parseAs(kdfAlg.parameters, ScryptParams, 'scrypt parameters');
    checkKeyLength(sp.keyLength, cipher, source);
    const N = smallInt(sp.costParameter, 'cost N', 1 << 20, source);
    const r = smallInt(sp.blockSize, 'block size r', 32, source);
    const p = smallInt(sp.parallelizationParameter, 'parallelization p', 16, source);
    if ((N & (N - 1)) !== 0 || N < 2) throw new PbeMalformed(`scrypt cost N ${N} is not a power of two`);
    if (128 * N * r > MAX_SCRYPT_MEMORY_BYTES) refuse(source, `scrypt memory ${128 * N * r} bytes, over the cap of ${MAX_SCRYPT_MEMORY_BYTES} bytes`);
    return { kind: 'pbes2', kdf: { kind: 'scrypt', salt: checkSalt(sp.salt, source), N, r, p }, cipher, iv };
  }
  throw new PbeUnsupported(`PBES2 key derivation ${kdfAlg.algorithm}`);
}

/** `openssl pkcs12 -info` style: the algorithm, and the algorithm with its parameters. */
export function describePbeScheme(s: PbeScheme): { algorithm: string; description: string } {
  if (s.kind === 'pkcs12') return { algorithm: s.cipher.name, description: `${s.cipher.name}, Iteration ${s.iterations}` };
  if (s.kdf.kind === 'scrypt') {
    const algorithm = `PBES2, scrypt, ${s.cipher.name}`;
    return { algorithm, description: `${algorithm}, N ${s.kdf.N}, r ${s.kdf.r}, p ${s.kdf.p}` };
  }
  const algorithm = `PBES2, PBKDF2, ${s.cipher.name}`;
  return { algorithm, description: `${algorithm}, Iteration ${s.kdf.iterations}, PRF ${s.kdf.prf.name}` };
}

/** inspect's one-line summary, e.g. "PBES2, PBKDF2-HMAC-SHA256, 2048 iterations, AES-256-CBC". */
export function summarizePbeScheme(s: PbeScheme): string {
  if (s.kind === 'pkcs12') return `${s.cipher.name}, ${s.iterations} iterations`;
  if (s.kdf.kind === 'scrypt') return `PBES2, scrypt (N=${s.kdf.N}, r=${s.kdf.r}, p=${s.kdf.p}), ${s.cipher.name}`;
  return `PBES2, PBKDF2-${s.kdf.prf.label}, ${s.kdf.iterations} iterations, ${s.cipher.name}`;
}

function decipher(cipher: string, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  try {
    const d = createDecipheriv(cipher, key, iv);
    return new Uint8Array(Buffer.concat([d.update(data), d.final()]));
  } catch {
    throw new PbeUndecryptable();
  }
}

/**
 * Decrypts with a checked scheme. PKCS#12 PBEs take the password as a
 * BMPString (as OpenSSL and NSS), PBES2 as its UTF-8 bytes. Every derivation
 * is charged to the file's budget first.
 */
export function pbeDecrypt(s: PbeScheme, data: Uint8Array, password: string, budget: KdfBudget): Uint8Array {
  if (s.kind === 'pkcs12') {
    const pw = bmpPassword(password);
    chargeKdf(budget, kdfRounds('sha1', s.iterations, s.cipher.keyLength) + kdfRounds('sha1', s.iterations, 8));
    const iv = pkcs12Kdf('sha1', pw, s.salt, 2, s.iterations, 8);
    const key = pkcs12Kdf('sha1', pw, s.salt, 1, s.iterations, s.cipher.keyLength);
    if (s.cipher.rc2Bits === undefined) return decipher('des-ede3-cbc', key, iv, data);
    try {
      return rc2CbcDecrypt(key, s.cipher.rc2Bits, iv, data);
    } catch {
      throw new PbeUndecryptable();
    }
  }
  const pw = Buffer.from(password, 'utf8');
  let key: Uint8Array;
  if (s.kdf.kind === 'pbkdf2') {
    chargeKdf(budget, kdfRounds(s.kdf.prf.hash, s.kdf.iterations, s.cipher.keyLength, 'pbkdf2'));
    key = pbkdf2Sync(pw, s.kdf.salt, s.kdf.iterations, s.cipher.keyLength, s.kdf.prf.hash);
  } else {
    // scrypt work is N·r·p block mixes; counted in the same budget as hash rounds.
    chargeKdf(budget, s.kdf.N * s.kdf.r * s.kdf.p);
    key = scryptSync(pw, s.kdf.salt, s.cipher.keyLength, { N: s.kdf.N, r: s.kdf.r, p: s.kdf.p, maxmem: MAX_SCRYPT_MEMORY_BYTES + (1 << 20) });
  }
  return decipher(s.cipher.cipher, key, s.iv, data);
}

// ---------------------------------------------------------------------------
// Encrypted PKCS#8 (EncryptedPrivateKeyInfo, also the PKCS#12 shrouded key bag)

export function parseEncryptedPrivateKeyInfo(der: Uint8Array): EncryptedPrivateKeyInfo {
  try {
    return AsnConvert.parse(der, EncryptedPrivateKeyInfo);
  } catch (e) {
    throw new PbeMalformed(`EncryptedPrivateKeyInfo: ${(e as Error).message}`);
  }
}

/**
 * Decrypts an EncryptedPrivateKeyInfo to the PrivateKeyInfo DER, with every
 * work parameter checked first.
 */
export function decryptPrivateKeyInfo(
  info: EncryptedPrivateKeyInfo,
  password: string,
  budget: KdfBudget,
): { pkcs8: Uint8Array; scheme: PbeScheme } {
  const scheme = parsePbeScheme(info.encryptionAlgorithm, budget.source);
  return { pkcs8: pbeDecrypt(scheme, new Uint8Array(info.encryptedData.buffer), password, budget), scheme };
}

// ---------------------------------------------------------------------------
// Writing

export type PbeMode = 'modern' | 'legacy';

const der = (v: unknown): ArrayBuffer => AsnConvert.serialize(v);

/**
 * A new encryption: modern is PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC with a
 * 16-byte salt (OpenSSL 3's default), legacy is pbeWithSHA1And3-KeyTripleDES-CBC
 * with an 8-byte salt (what macOS and older Windows import).
 */
export function buildPbe(
  mode: PbeMode,
  password: string,
  iterations: number,
  random: (n: number) => Uint8Array,
): { algorithm: AlgorithmIdentifier; encrypt: (plain: Uint8Array) => Uint8Array } {
  if (mode === 'legacy') {
    const salt = random(8);
    const pw = bmpPassword(password);
    const key = pkcs12Kdf('sha1', pw, salt, 1, iterations, 24);
    const iv = pkcs12Kdf('sha1', pw, salt, 2, iterations, 8);
    return {
      algorithm: new AlgorithmIdentifier({
        algorithm: PBE_OID.pbeSha1TripleDes,
        parameters: der(new Pkcs12PbeParams({ salt: new Uint8Array(salt).buffer, iterations })),
      }),
      encrypt: (plain) => encryptWith('des-ede3-cbc', key, iv, plain),
    };
  }
  const salt = random(16);
  const iv = random(16);
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const kdf = new Pbkdf2Params({
    salt: new Uint8Array(salt).buffer,
    iterationCount: iterations,
    prf: new AlgorithmIdentifier({ algorithm: PBE_OID.hmacWithSha256, parameters: null }),
  });
  const pbes2 = new Pbes2Params({
    keyDerivationFunc: new AlgorithmIdentifier({ algorithm: PBE_OID.pbkdf2, parameters: der(kdf) }),
    encryptionScheme: new AlgorithmIdentifier({ algorithm: PBE_OID.aes256Cbc, parameters: der(new OctetString(iv)) }),
  });
  return {
    algorithm: new AlgorithmIdentifier({ algorithm: PBE_OID.pbes2, parameters: der(pbes2) }),
    encrypt: (plain) => encryptWith('aes-256-cbc', key, iv, plain),
  };
}

function encryptWith(cipher: string, key: Uint8Array, iv: Uint8Array, plain: Uint8Array): Uint8Array {
  const c = createCipheriv(cipher, key, iv);
  return new Uint8Array(Buffer.concat([c.update(plain), c.final()]));
}
