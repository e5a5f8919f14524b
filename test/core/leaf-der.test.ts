/**
 * core/leaf-der.ts against @peculiar/x509's parse of the same certificates:
 * the subject and key bytes, the SANs of every form regcert issues (IPv6
 * shown as x509 shows it), RSA detection; and the fast EC key check against
 * OpenSSL's answer. Malformed DER is refused, never half-read.
 */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLeafSigner, encodeName } from '../../src/core/cert-builder.js';
import { keyMatchesSpki, parseCertificates, spkiDer } from '../../src/core/certificates.js';
import { certificateSans } from '../../src/core/describe.js';
import { generateEncodedKeyPairSync, type KeyType } from '../../src/core/keys.js';
import { ecKeyMatchesSpki, leafParts } from '../../src/core/leaf-der.js';
import { formatIpOctets } from '../../src/core/cert-asn.js';
import { ipOctets } from '../../src/core/cert-builder.js';
import type { San } from '../../src/core/san.js';

const caKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const sign = createLeafSigner({ nameDer: encodeName([{ CN: ['Test CA'] }]), keyId: new Uint8Array(20), notAfter: new Date(Date.now() + 1000 * 86_400_000), key: caKey });
const SANS: San[] = [
  { type: 'dns', value: 'registry.example.com' },
  { type: 'ip', value: '127.0.0.1' },
  { type: 'ip', value: '2001:db8::1' },
  { type: 'ip', value: '::1' },
  { type: 'ip', value: '2001:db8:0:1:0:0:0:1' },
  { type: 'ip', value: '1:0:2:0:3:0:4:0' },
  { type: 'email', value: 'alice@example.com' },
  { type: 'uri', value: 'spiffe://example.com/alice' },
];

function leaf(type: KeyType, sans: San[]) {
  const pair = generateEncodedKeyPairSync(type);
  const subject = encodeName([{ O: ['ACME'] }, { CN: ['alice'] }]);
  const { der } = sign({ subject, spki: pair.spki, publicKeyBits: pair.publicKeyBits, rsa: type.startsWith('rsa'), server: true, client: true, sans, days: 30 });
  return { der, pair, subject };
}

describe('leafParts', () => {
  it.each(['ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'ed25519'] as KeyType[])('reads what @peculiar/x509 reads (%s)', (type) => {
    const { der, pair, subject } = leaf(type, SANS);
    const parts = leafParts(der);
    const cert = parseCertificates(der)[0]!;
    expect(Buffer.from(parts.subject)).toEqual(Buffer.from(subject));
    expect(Buffer.from(parts.spki)).toEqual(Buffer.from(spkiDer(cert)));
    expect(Buffer.from(parts.spki)).toEqual(Buffer.from(pair.spki));
    expect(parts.rsa).toBe(type.startsWith('rsa'));
    expect(parts.sans).toEqual(certificateSans(cert));
    expect(parts.sans.map((s) => s.value).slice(0, 2)).toEqual(['registry.example.com', '127.0.0.1']);
  });

  it('formats IPv6 as x509 does, and round-trips through the builder', () => {
    for (const ip of ['2001:db8::1', '::1', '::', '1:0:2:0:3:0:4:0', 'fe80::1:0:0:1', '1::']) expect(formatIpOctets(ipOctets(ip))).toBe(ip);
    expect(formatIpOctets(ipOctets('2001:db8:0:1:0:0:0:1'))).toBe('2001:db8:0:1::1');
  });

  it('refuses what is not a certificate', () => {
    const { der } = leaf('ecdsa-p256', []);
    expect(leafParts(der).sans).toEqual([]);
    for (const bad of [new Uint8Array(0), der.subarray(0, der.length - 1), Uint8Array.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff), Uint8Array.of(0x02, 0x01, 0x00)]) {
      expect(() => leafParts(bad)).toThrow(/not an X\.509 certificate/);
    }
  });
});

describe('ecKeyMatchesSpki', () => {
  it.each(['ecdsa-p256', 'ecdsa-p384'] as KeyType[])('agrees with OpenSSL (%s)', (type) => {
    const a = generateEncodedKeyPairSync(type);
    const b = generateEncodedKeyPairSync(type);
    const der = (pem: string) => new Uint8Array(createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' }));
    expect(ecKeyMatchesSpki(der(a.pkcs8Pem), a.spki)).toBe(true);
    expect(keyMatchesSpki(createPrivateKey(a.pkcs8Pem), a.spki)).toBe(true);
    expect(ecKeyMatchesSpki(der(a.pkcs8Pem), b.spki)).toBe(false);
    expect(keyMatchesSpki(createPrivateKey(a.pkcs8Pem), b.spki)).toBe(false);
  });

  it('answers undefined (ask OpenSSL) for other keys, and false across curves', () => {
    const rsa = generateEncodedKeyPairSync('rsa-2048');
    const rsaDer = new Uint8Array(createPrivateKey(rsa.pkcs8Pem).export({ type: 'pkcs8', format: 'der' }));
    expect(ecKeyMatchesSpki(rsaDer, rsa.spki)).toBeUndefined();
    const p256 = generateEncodedKeyPairSync('ecdsa-p256');
    const p384 = generateEncodedKeyPairSync('ecdsa-p384');
    const d256 = new Uint8Array(createPrivateKey(p256.pkcs8Pem).export({ type: 'pkcs8', format: 'der' }));
    expect(ecKeyMatchesSpki(d256, p384.spki)).toBe(false);
    expect(ecKeyMatchesSpki(Uint8Array.of(1, 2, 3), p256.spki)).toBeUndefined();
  });
});
