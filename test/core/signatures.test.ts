/**
 * The one signature check (core/certificates.ts verifySignedData, behind
 * isSignedBy and inspect's linking): every key type regcert makes, RSA-PSS
 * from openssl, and the refusals (another key under the same name, a
 * damaged signature).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLeaf, createRootCa, isSignedBy, parseCertificates, signedDataOf, type Certificate } from '../../src/core/certificates.js';
import { certificateKeyInfo } from '../../src/core/describe.js';
import { generatePrivateKey, publicKeyDer, type KeyType } from '../../src/core/keys.js';
import { requireBinary } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

async function pki(type: KeyType) {
  const key = await generatePrivateKey(type);
  const ca = await createRootCa({ subject: [{ CN: ['Signature Root'] }], key, days: 30 });
  const leafKey = await generatePrivateKey('ecdsa-p256');
  const leaf = await createLeaf(
    { subject: [{ CN: ['leaf'] }], publicKey: publicKeyDer(leafKey), rsa: false, server: false, client: true, sans: [], days: 10 },
    { cert: ca, key },
  );
  return { ca, leaf };
}

/** The same certificate with one bit of its signature flipped. */
function damaged(cert: Certificate): Certificate {
  const der = new Uint8Array(cert.rawData);
  der[der.length - 3]! ^= 0x01;
  return parseCertificates(der)[0]!;
}

describe('isSignedBy', () => {
  for (const type of ['ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'ed25519'] as const) {
    it(`${type}: a leaf and a self-signed CA verify; another key under the same name and a damaged signature do not`, async () => {
      const a = await pki(type);
      const b = await pki(type); // the same subject names, other keys
      expect(await isSignedBy(a.leaf, a.ca)).toBe(true);
      expect(await isSignedBy(a.ca, a.ca)).toBe(true);
      expect(await isSignedBy(a.leaf, b.ca)).toBe(false);
      expect(await isSignedBy(damaged(a.leaf), a.ca)).toBe(false);
      expect(await isSignedBy(a.ca, a.leaf)).toBe(false); // names do not chain
      expect(certificateKeyInfo(a.ca).keyType).toBe(type);
    });
  }

  it('RSA-PSS and SHA-512 certificates made by openssl verify', () => {
    requireBinary('openssl');
    const dir = tmpDir('regcert-sig-');
    const make = (name: string, ...args: string[]) => {
      const out = path.join(dir, `${name}.crt`);
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, `${name}.key`), '-out', out, '-subj', `/CN=${name}`, '-days', '2', ...args], { stdio: 'ignore' });
      return parseCertificates(readFileSync(out))[0]!;
    };
    const pss = make('pss', '-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32');
    expect(signedDataOf(pss).algorithm).toEqual({ name: 'RSA-PSS', hash: 'SHA-256', saltLength: 32 });
    const sha512 = make('sha512', '-sha512');
    return Promise.all([isSignedBy(pss, pss), isSignedBy(sha512, sha512), isSignedBy(damaged(pss), damaged(pss))]).then(([a, b, c]) => {
      expect(a).toBe(true);
      expect(b).toBe(true);
      expect(c).toBe(false);
    });
  });
});
