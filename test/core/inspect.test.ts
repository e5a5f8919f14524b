import * as asn1js from 'asn1js';
import { describe, expect, it } from 'vitest';
import { createRootCa } from '../../src/core/certificates.js';
import { describeKeyEncryption, findObjects, isPkcs12Der } from '../../src/core/inspect.js';
import { exportPrivateKeyDer, exportPrivateKeyPem, generatePrivateKey } from '../../src/core/keys.js';
import { parsePemBlocks } from '../../src/core/pem.js';

function pfxShape(version: number): Uint8Array {
  const pfx = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: version }),
      new asn1js.Sequence({
        value: [
          new asn1js.ObjectIdentifier({ value: '1.2.840.113549.1.7.1' }),
          new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.OctetString({ valueHex: new Uint8Array([0x30, 0x00]).buffer })] }),
        ],
      }),
    ],
  });
  return new Uint8Array(pfx.toBER());
}

describe('inspect core', async () => {
  const key = await generatePrivateKey('ecdsa-p256');
  const ca = await createRootCa({ subject: [{ CN: ['T'] }], key, days: 10 });

  it.each([
    ['PFX version 3', pfxShape(3), true],
    ['PFX-like version 2', pfxShape(2), false],
    ['a DER certificate', new Uint8Array(ca.rawData), false],
    ['a DER PKCS#8 key', exportPrivateKeyDer(key), false],
    ['text', new TextEncoder().encode('hello'), false],
  ])('isPkcs12Der(%s) = %s', (_n, data, want) => expect(isPkcs12Der(data)).toBe(want));

  it('finds each kind of object', () => {
    expect(findObjects(new Uint8Array(ca.rawData)).map((o) => o.kind)).toEqual(['certificate']);
    expect(findObjects(exportPrivateKeyDer(key)).map((o) => o.kind)).toEqual(['private-key']);
    expect(findObjects(pfxShape(3)).map((o) => o.kind)).toEqual(['pkcs12']);
    expect(findObjects(new TextEncoder().encode('hello'))).toEqual([]);
  });

  it('describes an encrypted PKCS#8 envelope without the passphrase', () => {
    const block = parsePemBlocks(exportPrivateKeyPem(key, 'pw'))[0]!;
    expect(describeKeyEncryption(block)).toBe('PBES2, PBKDF2-HMAC-SHA256, 2048 iterations, AES-256-CBC');
    const enc = findObjects(new TextEncoder().encode(exportPrivateKeyPem(key, 'pw')));
    expect(enc).toMatchObject([{ kind: 'private-key', encrypted: true }]);
  });
});
