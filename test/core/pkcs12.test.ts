import { createHash, generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLeaf, createRootCa, isSignedBy, parseCertificates } from '../../src/core/certificates.js';
import { orderChain } from '../../src/core/chain.js';
import { isRegcertError, type RegcertError } from '../../src/core/errors.js';
import { buildName } from '../../src/core/names.js';
import { generatePrivateKey, KEY_TYPES, publicKeyDer, isRsaKey, type KeyType } from '../../src/core/keys.js';
import { bmpPassword, pkcs12Kdf } from '../../src/core/pbe.js';
import { buildPkcs12, describePkcs12, parsePkcs12, selectPkcs12Identity } from '../../src/core/pkcs12.js';

const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');

function expectInputError(fn: () => unknown, code: string): RegcertError {
  try {
    fn();
  } catch (e) {
    expect(isRegcertError(e)).toBe(true);
    const err = e as RegcertError;
    expect(err.code).toBe(code);
    expect(err.exitCode).toBe(2);
    expect(err.hint).toBeTruthy();
    return err;
  }
  throw new Error(`expected ${code}`);
}

async function makeIdentity(type: KeyType) {
  const caKey = await generatePrivateKey('ecdsa-p256');
  const ca = await createRootCa({ subject: buildName({ cn: 'Test CA' }), key: caKey, days: 30 });
  const key = await generatePrivateKey(type);
  const leaf = await createLeaf(
    { subject: buildName({ cn: `leaf ${type}` }), publicKey: publicKeyDer(key), rsa: isRsaKey(key), server: false, client: true, sans: [], days: 10 },
    { cert: ca, key: caKey },
  );
  return { key, certs: [new Uint8Array(leaf.rawData), new Uint8Array(ca.rawData)] };
}

describe('bmpPassword', () => {
  it.each([
    ['', '0000'],
    ['ab', '006100620000'],
    ['ä✓', '00e427130000'],
  ])('%j → %s', (pw, want) => expect(hex(bmpPassword(pw))).toBe(want));
});

describe('pkcs12Kdf (RFC 7292 Appendix B)', () => {
  // Vectors from the Bouncy Castle PKCS12 key-generator tests (password "smeg", BMPString-encoded).
  it('derives a 3DES key and IV', () => {
    const salt = Buffer.from('0A58CF64530D823F', 'hex');
    expect(hex(pkcs12Kdf('sha1', bmpPassword('smeg'), salt, 1, 1, 24)).toUpperCase()).toBe('8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3');
    expect(hex(pkcs12Kdf('sha1', bmpPassword('smeg'), salt, 2, 1, 8)).toUpperCase()).toBe('79993DFE048D3B76');
  });
  it('agrees with itself across lengths longer than one hash (prefix property)', () => {
    const salt = Buffer.from('0102030405060708', 'hex');
    const long = pkcs12Kdf('sha256', bmpPassword('pw'), salt, 1, 3, 80);
    expect(hex(pkcs12Kdf('sha256', bmpPassword('pw'), salt, 1, 3, 32))).toBe(hex(long.subarray(0, 32)));
  });
});

describe('buildPkcs12 / parsePkcs12', () => {
  const ids = new Map<KeyType, Awaited<ReturnType<typeof makeIdentity>>>();
  beforeAll(async () => {
    for (const t of ['ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'ed25519'] as const) ids.set(t, await makeIdentity(t));
  });

  it.each(['ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'ed25519'] as const)('round-trips a %s identity in both modes', (type) => {
    const id = ids.get(type)!;
    for (const mode of ['modern', 'legacy'] as const) {
      const p12 = buildPkcs12({ key: id.key, certificates: id.certs, friendlyName: 'alice', password: 'pässwörd✓', mode, iterations: 2048 });
      const contents = parsePkcs12(p12, 'pässwörd✓');
      const got = selectPkcs12Identity(contents);
      expect(hex(got.key.export({ type: 'pkcs8', format: 'der' }))).toBe(hex(id.key.export({ type: 'pkcs8', format: 'der' })));
      expect(got.chain.map(hex)).toEqual(id.certs.map(hex));
      expect(got.friendlyName).toBe('alice');
      const leafId = createHash('sha1').update(id.certs[0]!).digest('hex');
      expect(hex(contents.keys[0]!.localKeyId!)).toBe(leafId);
      expect(hex(contents.certificates[0]!.localKeyId!)).toBe(leafId);
      expect(contents.certificates[1]!.localKeyId).toBeUndefined();
      expect(describePkcs12(contents)).toEqual(
        mode === 'modern'
          ? [
              'MAC: sha256, Iteration 2048',
              'PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256',
              'Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256',
            ]
          : [
              'MAC: sha1, Iteration 2048',
              'PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048',
              'Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048',
            ],
      );
    }
  });

  it('takes an empty password and a configurable iteration count', () => {
    const id = ids.get('ecdsa-p256')!;
    const p12 = buildPkcs12({ key: id.key, certificates: id.certs, password: '', mode: 'modern', iterations: 5000 });
    expect(parsePkcs12(p12, '').mac).toEqual({ algorithm: 'sha256', iterations: 5000 });
  });

  it('wrong password: P12_BAD_PASSWORD (exit 2), for both modes', () => {
    const id = ids.get('ecdsa-p256')!;
    for (const mode of ['modern', 'legacy'] as const) {
      const p12 = buildPkcs12({ key: id.key, certificates: id.certs, password: 'right', mode, iterations: 2048 });
      const e = expectInputError(() => parsePkcs12(p12, 'wrong', { source: 'x.p12' }), 'P12_BAD_PASSWORD');
      expect(e.message).toMatch(/x\.p12: wrong password/);
    }
  });

  it('a tampered file fails the MAC check (P12_BAD_PASSWORD), a truncated one is P12_MALFORMED', () => {
    const id = ids.get('rsa-2048')!;
    const p12 = buildPkcs12({ key: id.key, certificates: id.certs, password: 'pw', mode: 'modern', iterations: 2048 });
    const tampered = new Uint8Array(p12);
    tampered[Math.floor(p12.length / 2)]! ^= 0x01;
    expect(expectInputError(() => parsePkcs12(tampered, 'pw'), 'P12_BAD_PASSWORD').message).toMatch(/MAC does not verify/);
    for (const n of [0, 10, p12.length - 1]) expectInputError(() => parsePkcs12(p12.subarray(0, n), 'pw'), 'P12_MALFORMED');
    expectInputError(() => parsePkcs12(new Uint8Array(Buffer.from('not a p12 at all')), 'pw'), 'P12_MALFORMED');
  });

  it('a key that belongs to none of the certificates is KEY_MISMATCH', () => {
    const id = ids.get('ecdsa-p256')!;
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const p12 = buildPkcs12({ key: other, certificates: id.certs, password: 'pw', mode: 'legacy', iterations: 2048 });
    expectInputError(() => selectPkcs12Identity(parsePkcs12(p12, 'pw')), 'KEY_MISMATCH');
  });

  it('puts the leaf first even when the bags are not, and orderChain (core/chain.ts) its issuers', async () => {
    const id = ids.get('ecdsa-p256')!;
    const p12 = buildPkcs12({ key: id.key, certificates: id.certs, password: 'pw', mode: 'modern', iterations: 2048 });
    const contents = parsePkcs12(p12, 'pw');
    contents.certificates.reverse();
    const [leaf, ...others] = selectPkcs12Identity(contents).chain.map((d) => parseCertificates(d)[0]!);
    expect(leaf!.subject).toMatch(/leaf/);
    const chain = await orderChain(leaf!, others);
    expect(await isSignedBy(chain[0]!, chain[1]!)).toBe(true);
    expect(chain).toHaveLength(id.certs.length);
  });
});

it('KEY_TYPES covers the round-tripped types', () => {
  expect(KEY_TYPES).toEqual(expect.arrayContaining(['ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'ed25519']));
});
