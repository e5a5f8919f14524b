/** Issue 12: the fast paths of a batch, pinned against OpenSSL's own encoders and parsers. */
import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLeafSigner, encodeName, ipOctets, keyIdentifier } from '../../src/core/cert-builder.js';
import { generateEncodedKeyPairSync, KEY_TYPES } from '../../src/core/keys.js';

describe('generateEncodedKeyPairSync', () => {
  it.each(['ecdsa-p256', 'ecdsa-p384'] as const)('%s: the templated SPKI and PKCS#8 are byte for byte what OpenSSL exports', (type) => {
    for (let i = 0; i < 50; i++) {
      const { spki, pkcs8Pem } = generateEncodedKeyPairSync(type);
      const key = createPrivateKey(pkcs8Pem);
      expect(key.asymmetricKeyDetails?.namedCurve).toBe(type === 'ecdsa-p256' ? 'prime256v1' : 'secp384r1');
      expect(key.export({ type: 'pkcs8', format: 'pem' })).toBe(pkcs8Pem);
      expect(Buffer.from(createPublicKey(key).export({ type: 'spki', format: 'der' }))).toEqual(Buffer.from(spki));
      const sig = sign(null, Buffer.from('x'), key);
      expect(verify(null, Buffer.from('x'), createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }), sig)).toBe(true);
    }
  });

  it.each(KEY_TYPES.filter((t) => !t.startsWith('rsa-4096')))('%s: the key and its SPKI belong together', (type) => {
    const { spki, pkcs8Pem } = generateEncodedKeyPairSync(type);
    expect(Buffer.from(createPublicKey(createPrivateKey(pkcs8Pem)).export({ type: 'spki', format: 'der' }))).toEqual(Buffer.from(spki));
  });
});

describe('ipOctets', () => {
  it.each([
    ['10.0.0.1', '0a000001'],
    ['::1', '00000000000000000000000000000001'],
    ['2001:db8::1', '20010db8000000000000000000000001'],
    ['::ffff:192.0.2.1', '00000000000000000000ffffc0000201'],
    ['fe80::1:2', 'fe800000000000000000000000010002'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
  ])('%s', (ip, hex) => expect(Buffer.from(ipOctets(ip)).toString('hex')).toBe(hex));
});

describe('createLeafSigner', () => {
  it('builds a leaf that OpenSSL parses, with the SKI, AKI, SANs and validity asked for', () => {
    const ca = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const caSpki = new Uint8Array(ca.publicKey.export({ type: 'spki', format: 'der' }));
    const signLeaf = createLeafSigner({ nameDer: encodeName([{ CN: ['Test CA'] }]), keyId: keyIdentifier(caSpki), notAfter: new Date('2030-01-01T00:00:00Z'), key: ca.privateKey });
    const leafKey = generateEncodedKeyPairSync('ecdsa-p256');
    const now = new Date('2026-01-01T12:00:00.500Z');
    const { der, serial } = signLeaf(
      { subject: encodeName([{ O: ['Ümlaut AG'] }, { CN: ['alice'] }]), spki: leafKey.spki, rsa: false, server: false, client: true, sans: [{ type: 'email', value: 'alice@example.com' }, { type: 'ip', value: '::1' }], days: 7000 },
      { now },
    );
    const cert = new X509Certificate(Buffer.from(der));
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.serialNumber.toLowerCase()).toBe(serial);
    expect(cert.subject).toBe('O=Ümlaut AG\nCN=alice');
    expect(cert.issuer).toBe('CN=Test CA');
    expect(cert.subjectAltName).toBe('email:alice@example.com, IP Address:0:0:0:0:0:0:0:1');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(new Date(cert.validFrom).toISOString()).toBe('2026-01-01T11:55:00.000Z');
    // Clamped to the issuer's notAfter.
    expect(new Date(cert.validTo).toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(cert.checkPrivateKey(createPrivateKey(leafKey.pkcs8Pem))).toBe(true);
  });
});
