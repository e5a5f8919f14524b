import { describe, expect, it } from 'vitest';
import { rc2CbcDecrypt, rc2DecryptBlock, rc2EncryptBlock, rc2ExpandKey } from '../../src/core/rc2.js';

const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

// RFC 2268 section 5: key, effective key bits, plaintext, ciphertext.
const VECTORS: [string, number, string, string][] = [
  ['0000000000000000', 63, '0000000000000000', 'ebb773f993278eff'],
  ['ffffffffffffffff', 64, 'ffffffffffffffff', '278b27e42e2f0d49'],
  ['3000000000000000', 64, '1000000000000001', '30649edf9be7d2c2'],
  ['88', 64, '0000000000000000', '61a8a244adacccf0'],
  ['88bca90e90875a', 64, '0000000000000000', '6ccf4308974c267f'],
  ['88bca90e90875a7f0f79c384627bafb2', 64, '0000000000000000', '1a807d272bbe5db1'],
  ['88bca90e90875a7f0f79c384627bafb2', 128, '0000000000000000', '2269552ab0f85ca6'],
  ['88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e', 129, '0000000000000000', '5b78d3a43dfff1f1'],
];

describe('RC2 (RFC 2268 test vectors)', () => {
  it.each(VECTORS)('key %s, %i bits: decrypts the ciphertext to the plaintext', (key, bits, plain, cipher) => {
    expect(Buffer.from(rc2DecryptBlock(rc2ExpandKey(hex(key), bits), hex(cipher))).toString('hex')).toBe(plain);
  });
  it.each(VECTORS)('key %s, %i bits: encrypts the plaintext to the ciphertext', (key, bits, plain, cipher) => {
    expect(Buffer.from(rc2EncryptBlock(rc2ExpandKey(hex(key), bits), hex(plain))).toString('hex')).toBe(cipher);
  });

  it('CBC: chains blocks and strips PKCS#7 padding', () => {
    const K = rc2ExpandKey(hex('0102030405'), 40);
    const iv = hex('0011223344556677');
    const plain = new Uint8Array(Buffer.from('twelve bytes'));
    const padded = new Uint8Array(16);
    padded.set(plain);
    padded.fill(4, 12);
    const c1 = rc2EncryptBlock(K, padded.subarray(0, 8).map((b, i) => b ^ iv[i]!));
    const c2 = rc2EncryptBlock(K, padded.subarray(8).map((b, i) => b ^ c1[i]!));
    const ct = new Uint8Array([...c1, ...c2]);
    expect(Buffer.from(rc2CbcDecrypt(hex('0102030405'), 40, iv, ct)).toString()).toBe('twelve bytes');
    ct[15] = ct[15]! ^ 1;
    expect(() => rc2CbcDecrypt(hex('0102030405'), 40, iv, ct)).toThrow(/padding/);
  });
});
