/**
 * PKCS#12 (RFC 7292): building and reading PFX files. Pure: no fs, no
 * prompts; the password, randomness and every input come in as parameters.
 *
 * Structures are read and written through the @peculiar/asn1-pfx,
 * asn1-cms and asn1-pkcs8 schema classes; the password-based encryption and
 * its caps live in pbe.ts; the MAC runs on node:crypto (HMAC over the
 * RFC 7292 KDF).
 *
 * Passwords are encoded as OpenSSL 3 and NSS do it: the MAC and the
 * PKCS#12-PBE bags (3DES, RC2) take a BMPString (UTF-16BE plus two zero
 * bytes; the empty password is just the two zero bytes), PBES2 bags take the
 * raw UTF-8 bytes.
 */
import { X509Certificate as NodeX509, createHash, createHmac, createPrivateKey, createPublicKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { ContentInfo, EncryptedContent, EncryptedContentInfo, id_data, id_encryptedData } from '@peculiar/asn1-cms';
import {
  AuthenticatedSafe,
  CertBag,
  MacData,
  PFX,
  PKCS12Attribute,
  PKCS8ShroudedKeyBag,
  SafeBag,
  SafeContents,
  id_certBag,
  id_keyBag,
  id_pkcs8ShroudedKeyBag,
  id_x509Certificate,
} from '@peculiar/asn1-pfx';
import { DigestInfo } from '@peculiar/asn1-rsa';
import { AsnConvert, AsnProp, AsnPropTypes, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import { MAX_KDF_ROUNDS_PER_FILE } from './defaults.js';
import { isRegcertError, inputError } from './errors.js';
import {
  PbeMalformed,
  PbeUndecryptable,
  PbeUnsupported,
  bmpPassword,
  buildPbe,
  chargeKdf,
  checkIterations,
  decryptPrivateKeyInfo,
  describePbeScheme,
  kdfRounds,
  newKdfBudget,
  parseAs,
  parsePbeScheme,
  pbeDecrypt,
  pkcs12Kdf,
  type KdfBudget,
  type PbeMode,
} from './pbe.js';

const OID = {
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
} as const;

const DIGESTS: Record<string, string> = { [OID.sha1]: 'sha1', [OID.sha256]: 'sha256', [OID.sha384]: 'sha384', [OID.sha512]: 'sha512' };

/** EncryptedData (RFC 5652 8): asn1-cms has EncryptedContentInfo but not this wrapper. */
class EncryptedData {
  @AsnProp({ type: AsnPropTypes.Integer }) version: number | string = 0;
  @AsnProp({ type: EncryptedContentInfo }) encryptedContentInfo = new EncryptedContentInfo();
  constructor(p: Partial<EncryptedData> = {}) {
    Object.assign(this, p);
  }
}

const der = (v: unknown): ArrayBuffer => AsnConvert.serialize(v);

// ---------------------------------------------------------------------------
// Writing

export type Pkcs12Mode = PbeMode;

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

function attribute(attrId: string, value: ArrayBuffer): PKCS12Attribute {
  // asn1-pfx's PKCS12Attribute constructor drops its parameters: set the fields.
  const a = new PKCS12Attribute();
  a.attrId = attrId;
  a.attrValues = [value];
  return a;
}

function bagAttributes(friendlyName: string | undefined, localKeyId: Uint8Array | undefined): PKCS12Attribute[] | undefined {
  const attrs: PKCS12Attribute[] = [];
  if (friendlyName !== undefined && friendlyName !== '') {
    attrs.push(attribute(OID.friendlyName, new asn1js.BmpString({ value: friendlyName }).toBER(false)));
  }
  if (localKeyId) attrs.push(attribute(OID.localKeyId, der(new OctetString(localKeyId))));
  return attrs.length ? attrs : undefined;
}

/**
 * The highest iteration count a built file may use so that regcert reads it
 * back within its per-file KDF budget (the MAC and both bags together):
 * 1,000,000 for modern files, 178,571 for legacy ones.
 */
export function maxPkcs12Iterations(mode: Pkcs12Mode): number {
  const perIteration =
    mode === 'legacy'
      ? kdfRounds('sha1', 1, 20) + 2 * (kdfRounds('sha1', 1, 24) + kdfRounds('sha1', 1, 8))
      : kdfRounds('sha256', 1, 32) + 2 * kdfRounds('sha256', 1, 32, 'pbkdf2');
  return Math.floor(MAX_KDF_ROUNDS_PER_FILE / perIteration);
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

  const certBags = new SafeContents(
    p.certificates.map(
      (c, i) =>
        new SafeBag({
          bagId: id_certBag,
          bagValue: der(new CertBag({ certId: id_x509Certificate, certValue: der(new OctetString(c)) })),
          bagAttributes: i === 0 ? bagAttributes(p.friendlyName, localKeyId) : undefined,
        }),
    ),
  );
  const certPbe = buildPbe(p.mode, p.password, p.iterations, random);
  const certInfo = new ContentInfo({
    contentType: id_encryptedData,
    content: der(
      new EncryptedData({
        version: 0,
        encryptedContentInfo: new EncryptedContentInfo({
          contentType: id_data,
          contentEncryptionAlgorithm: certPbe.algorithm,
          encryptedContent: new EncryptedContent({ value: new OctetString(certPbe.encrypt(new Uint8Array(der(certBags)))) }),
        }),
      }),
    ),
  });

  const keyPbe = buildPbe(p.mode, p.password, p.iterations, random);
  const pkcs8 = new Uint8Array(p.key.export({ type: 'pkcs8', format: 'der' }));
  const keyBags = new SafeContents([
    new SafeBag({
      bagId: id_pkcs8ShroudedKeyBag,
      bagValue: der(new PKCS8ShroudedKeyBag({ encryptionAlgorithm: keyPbe.algorithm, encryptedData: new OctetString(keyPbe.encrypt(pkcs8)) })),
      bagAttributes: bagAttributes(p.friendlyName, localKeyId),
    }),
  ]);
  const keyInfo = new ContentInfo({ contentType: id_data, content: der(new OctetString(der(keyBags))) });

  const authSafe = new Uint8Array(der(new AuthenticatedSafe([certInfo, keyInfo])));
  const macHash = p.mode === 'legacy' ? 'sha1' : 'sha256';
  const macSalt = random(8);
  const macKey = pkcs12Kdf(macHash, bmpPassword(p.password), macSalt, 3, p.iterations, createHash(macHash).digest().length);
  const mac = new Uint8Array(createHmac(macHash, macKey).update(authSafe).digest());
  const macData = new MacData({
    mac: new DigestInfo({
      digestAlgorithm: new AlgorithmIdentifier({ algorithm: macHash === 'sha1' ? OID.sha1 : OID.sha256, parameters: null }),
      digest: new OctetString(mac),
    }),
    macSalt: new OctetString(macSalt),
    iterations: p.iterations,
  });
  return new Uint8Array(der(new PFX({ version: 3, authSafe: new ContentInfo({ contentType: id_data, content: der(new OctetString(authSafe)) }), macData })));
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


/** The bytes of an OCTET STRING given as its DER/BER (primitive or BER-constructed, as Java and Windows write). */
function octets(data: ArrayBuffer, what: string): Uint8Array {
  const { result, offset } = asn1js.fromBER(data);
  if (offset === -1 || !(result instanceof asn1js.OctetString)) throw new PbeMalformed(`${what}: expected an OCTET STRING`);
  return new Uint8Array(result.getValue());
}

function readAttributes(attrs: PKCS12Attribute[] | undefined): Pkcs12Bag {
  const out: Pkcs12Bag = {};
  for (const attr of attrs ?? []) {
    const first = attr.attrValues[0];
    if (!first) continue;
    if (attr.attrId === OID.localKeyId) out.localKeyId = octets(first, 'localKeyId');
    if (attr.attrId === OID.friendlyName) {
      const { result } = asn1js.fromBER(first);
      if (result instanceof asn1js.BmpString) out.friendlyName = result.valueBlock.value;
    }
  }
  return out;
}

function readSafeContents(data: Uint8Array, password: string, budget: KdfBudget, into: Pkcs12Contents): void {
  for (const bag of parseAs(data, SafeContents, 'SafeContents')) {
    const attrs = readAttributes(bag.bagAttributes);
    if (bag.bagId === id_pkcs8ShroudedKeyBag) {
      const { pkcs8, scheme } = decryptPrivateKeyInfo(parseAs(bag.bagValue, PKCS8ShroudedKeyBag, 'shrouded key bag'), password, budget);
      into.encryption.push({ what: 'key', ...describePbeScheme(scheme) });
      into.keys.push({ ...attrs, pkcs8 });
    } else if (bag.bagId === id_keyBag) {
      into.keys.push({ ...attrs, pkcs8: new Uint8Array(bag.bagValue) });
    } else if (bag.bagId === id_certBag) {
      const cert = parseAs(bag.bagValue, CertBag, 'CertBag');
      if (cert.certId !== id_x509Certificate) continue; // SDSI certificates: not ours to read
      into.certificates.push({ ...attrs, der: octets(cert.certValue, 'certificate') });
    }
    // CRL, secret and nested safe-contents bags are not needed for a TLS identity.
  }
}

function verifyMac(macData: MacData, authSafe: Uint8Array, password: string, budget: KdfBudget): { algorithm: string; iterations: number } {
  const macOid = macData.mac.digestAlgorithm.algorithm;
  const hash = DIGESTS[macOid];
  if (!hash) throw new PbeUnsupported(`MAC algorithm ${macOid}`);
  const expected = new Uint8Array(macData.mac.digest.buffer);
  const salt = new Uint8Array(macData.macSalt.buffer);
  const iterations = checkIterations(macData.iterations, budget.source, 'MAC iterations');
  const len = createHash(hash).digest().length;
  // OpenSSL encodes "" as 00 00; a few writers use no bytes at all for an empty password.
  const candidates = password === '' ? [bmpPassword(''), new Uint8Array(0)] : [bmpPassword(password)];
  for (const pw of candidates) {
    chargeKdf(budget, kdfRounds(hash, iterations, len));
    const got = createHmac(hash, pkcs12Kdf(hash, pw, salt, 3, iterations, len)).update(authSafe).digest();
    if (got.length === expected.length && timingSafeEqual(got, expected)) return { algorithm: hash, iterations };
  }
  throw new PbeUndecryptable();
}

/**
 * Reads a PFX: checks the MAC, decrypts every safe and bag, and returns the
 * keys and certificates with their attributes. Wrong password, tampered or
 * truncated file, unknown algorithm: an input error (exit 2) with a hint;
 * a work parameter over its cap: an input error naming the cap.
 */
export function parsePkcs12(data: Uint8Array, password: string, opts: ReadOptions = {}): Pkcs12Contents {
  const source = opts.source ?? 'the PKCS#12 file';
  const flag = opts.passwordFlag ?? '--password-file';
  const budget = newKdfBudget(source);
  const out: Pkcs12Contents = { keys: [], certificates: [], mac: null, encryption: [] };
  let hasMac = false;
  try {
    const pfx = parseAs(data, PFX, 'PFX');
    if (String(pfx.version) !== '3') throw new PbeMalformed('PFX version is not 3');
    if (pfx.authSafe.contentType !== id_data) throw new PbeUnsupported('public-key integrity mode (signed PFX)');
    const authSafe = octets(pfx.authSafe.content, 'authSafe content');
    // asn1-pfx's PFX initialises macData to an empty MacData: an absent one has no algorithm.
    if (pfx.macData !== undefined && pfx.macData.mac.digestAlgorithm.algorithm !== '') {
      hasMac = true;
      out.mac = verifyMac(pfx.macData, authSafe, password, budget);
    }
    for (const info of parseAs(authSafe, AuthenticatedSafe, 'AuthenticatedSafe')) {
      if (info.contentType === id_data) {
        readSafeContents(octets(info.content, 'data'), password, budget, out);
      } else if (info.contentType === id_encryptedData) {
        const eci = parseAs(info.content, EncryptedData, 'EncryptedData').encryptedContentInfo;
        const content = eci.encryptedContent;
        if (content === undefined) continue;
        const encrypted = content.value
          ? new Uint8Array(content.value.buffer)
          : new Uint8Array(Buffer.concat((content.constructedValue ?? []).map((o) => new Uint8Array(o.buffer))));
        const scheme = parsePbeScheme(eci.contentEncryptionAlgorithm, source);
        const plain = pbeDecrypt(scheme, encrypted, password, budget);
        out.encryption.push({ what: 'certificates', ...describePbeScheme(scheme) });
        readSafeContents(plain, password, budget, out);
      } else {
        throw new PbeUnsupported(`public-key privacy mode (${info.contentType})`);
      }
    }
  } catch (e) {
    if (isRegcertError(e)) throw e; // a cap, already named
    if (e instanceof PbeUndecryptable) {
      throw inputError(
        'P12_BAD_PASSWORD',
        `could not open ${source}: wrong password, or the file was altered (${hasMac ? 'its MAC does not verify' : 'decryption failed'})`,
        `check the password given with ${flag} (the first line of the file is used)`,
      );
    }
    if (e instanceof PbeUnsupported) {
      throw inputError('P12_UNSUPPORTED', `${source} uses ${e.message}, which regcert cannot read`, 're-export it with "openssl pkcs12 -export" (AES) or with --legacy settings (3DES)', { cause: e });
    }
    throw inputError('P12_MALFORMED', `${source} is not a readable PKCS#12 file (truncated or corrupt)`, 'export it again, or check that the right file was given', { cause: e });
  }
  return out;
}

export interface Pkcs12Identity {
  key: KeyObject;
  /** DER certificates: the leaf (the key's certificate) first, then the rest as stored (orderChain puts its issuers in order). */
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
  // The leaf, then the other certificates as stored: core/chain.ts orderChain puts the issuers in order (signatures checked).
  const chain = [leaf, ...parsed.filter((p) => p !== leaf)];
  return { key, chain: chain.map((p) => p.bag.der), friendlyName: bag.friendlyName ?? leaf.bag.friendlyName };
}

/** The `openssl pkcs12 -info` style lines for what protects a file. */
export function describePkcs12(contents: Pkcs12Contents): string[] {
  const lines: string[] = [];
  lines.push(contents.mac ? `MAC: ${contents.mac.algorithm}, Iteration ${contents.mac.iterations}` : 'MAC: none');
  for (const e of contents.encryption) lines.push(`${e.what === 'key' ? 'Shrouded Keybag' : 'PKCS7 Encrypted data'}: ${e.description}`);
  return lines;
}
