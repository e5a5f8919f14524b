/** pbe.ts: the caps on every work parameter, and the schemes other writers use. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isRegcertError, type RegcertError } from '../../src/core/errors.js';
import { describeKeyEncryption } from '../../src/core/inspect.js';
import { describeKey, exportPrivateKeyPem, generatePrivateKey, parsePrivateKey } from '../../src/core/keys.js';
import { parsePemBlocks } from '../../src/core/pem.js';
import { describePkcs12, parsePkcs12 } from '../../src/core/pkcs12.js';
import { encryptedKeyPem, macIterationsP12, reencryptWithIterations } from '../helpers/hostile.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'regcert-pbe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir });

function refusal(fn: () => unknown): RegcertError {
  try {
    fn();
  } catch (e) {
    if (isRegcertError(e)) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

async function refusalOf(p: Promise<unknown>): Promise<RegcertError> {
  try {
    await p;
  } catch (e) {
    if (isRegcertError(e)) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('finding 2: iteration counts are read exactly and capped', () => {
  it('describes 8,388,608 (2^23) iterations as such, not as 0', () => {
    const block = parsePemBlocks(encryptedKeyPem(8_388_608))[0]!;
    expect(describeKeyEncryption(block)).toBe('PBES2, PBKDF2-HMAC-SHA256, 8388608 iterations, AES-256-CBC');
  });
  it('refuses 10,000,001 iterations before deriving, naming the cap (exit 2)', async () => {
    const pem = reencryptWithIterations(exportPrivateKeyPem(await generatePrivateKey('ecdsa-p256')), 'pw', 10_000_001);
    const t = performance.now();
    const e = await refusalOf(parsePrivateKey(Buffer.from(pem), { passphrase: 'pw', source: 'k.pem' }));
    expect(performance.now() - t).toBeLessThan(1000);
    expect([e.code, e.exitCode]).toEqual(['KDF_LIMIT', 2]);
    expect(e.message).toBe('k.pem asks for 10000001 KDF iterations, over the cap of 10,000,000 iterations');
  });
  it('refuses a derived key length other than the cipher\'s own, even a small one', () => {
    for (const len of [33, 16, 8_388_607]) {
      const e = refusal(() => describeKeyEncryption(parsePemBlocks(encryptedKeyPem(2048, len))[0]!, 'k.pem'));
      expect(e.message).toContain(`a ${len}-byte derived key for AES-256-CBC, which takes 32 bytes`);
    }
    expect(describeKeyEncryption(parsePemBlocks(encryptedKeyPem(2048, 32))[0]!)).toContain('2048 iterations');
  });
});

describe('one KDF budget per file', () => {
  it('a PKCS#12 whose MAC asks for 2,000,000 PKCS#12-KDF iterations (under the per-derivation cap) is refused at once', () => {
    const t = performance.now();
    const e = refusal(() => parsePkcs12(macIterationsP12(2_000_000), 'pw', { source: 'm.p12' }));
    expect(performance.now() - t).toBeLessThan(1000);
    expect([e.code, e.exitCode]).toEqual(['KDF_LIMIT', 2]);
    expect(e.message).toContain('m.p12 asks for more key-derivation work than the cap of 10,000,000 KDF rounds per file');
  });
  it('ordinary files stay far below it: OpenSSL and Java iteration counts', () => {
    // Java keytool: 10,000 iterations for the SHA-256 MAC and each PBES2 bag; a MAC of 100,000 is computed (and fails).
    expect(refusal(() => parsePkcs12(macIterationsP12(100_000), 'pw')).code).toBe('P12_BAD_PASSWORD');
  });
});

describe('what other writers produce still opens', () => {
  it('openssl pkcs8 -scrypt (PBES2 with scrypt N=16384, r=8, p=1)', async () => {
    writeFileSync(path.join(dir, 'plain.pem'), exportPrivateKeyPem(await generatePrivateKey('ecdsa-p384')));
    openssl('pkcs8', '-topk8', '-scrypt', '-in', 'plain.pem', '-out', 'scrypt.pem', '-passout', 'pass:pw');
    const data = readFileSync(path.join(dir, 'scrypt.pem'));
    expect(describeKeyEncryption(parsePemBlocks(data.toString())[0]!)).toBe('PBES2, scrypt (N=16384, r=8, p=1), AES-256-CBC');
    expect(describeKey((await parsePrivateKey(data, { passphrase: 'pw' })).key)).toBe('ecdsa-p384');
    expect((await refusalOf(parsePrivateKey(data, { passphrase: 'wrong' }))).code).toBe('BAD_PASSPHRASE');
  });
  it('openssl pkcs8 -v1 PBE-SHA1-3DES (a PKCS#12 PBE on a key file)', async () => {
    writeFileSync(path.join(dir, 'plain2.pem'), exportPrivateKeyPem(await generatePrivateKey('ecdsa-p256')));
    openssl('pkcs8', '-topk8', '-v1', 'PBE-SHA1-3DES', '-in', 'plain2.pem', '-out', 'v1.pem', '-passout', 'pass:pässwörd');
    const data = readFileSync(path.join(dir, 'v1.pem'));
    expect(describeKey((await parsePrivateKey(data, { passphrase: 'pässwörd' })).key)).toBe('ecdsa-p256');
  });
  it('openssl pkcs12 -export -nomac (no MacData) opens; its MAC line says none', async () => {
    writeFileSync(path.join(dir, 'k.pem'), exportPrivateKeyPem(await generatePrivateKey('ecdsa-p256')));
    openssl('req', '-new', '-x509', '-key', 'k.pem', '-subj', '/CN=nomac', '-days', '1', '-out', 'c.pem');
    openssl('pkcs12', '-export', '-nomac', '-inkey', 'k.pem', '-in', 'c.pem', '-out', 'nomac.p12', '-passout', 'pass:pw');
    const contents = parsePkcs12(readFileSync(path.join(dir, 'nomac.p12')), 'pw');
    expect(contents.mac).toBeNull();
    expect(describePkcs12(contents)[0]).toBe('MAC: none');
    expect(contents.keys).toHaveLength(1);
    expect(contents.certificates).toHaveLength(1);
  });
});
