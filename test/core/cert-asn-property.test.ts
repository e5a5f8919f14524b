/**
 * core/cert-asn.ts reads certificates without @peculiar/x509 (issue 21:
 * start-up); what it reads must be what @peculiar/x509 reads. Differential:
 * generated names of every string type, escape-worthy characters and
 * unknown attribute types print alike (property); and certificates that
 * openssl makes with every key and signature algorithm regcert meets, odd
 * serials and every SAN form, give the same subject, issuer, serial,
 * validity, signature, key and signature algorithms and SANs.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } from '@peculiar/asn1-x509';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeName } from '../../src/core/cert-builder.js';
import { AsnX509Certificate, nameToString, plainNameToString, webAlgorithm } from '../../src/core/cert-asn.js';
import { certificateExtensions, parseCertificates, signedDataOf } from '../../src/core/certificates.js';
import type { JsonName } from '../../src/core/names.js';
import { x509 } from '../../src/core/x509.js';
import { requireBinary } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

const TYPES = ['2.5.4.3', '2.5.4.10', '2.5.4.11', '2.5.4.6', '2.5.4.7', '2.5.4.8', '0.9.2342.19200300.100.1.25', '1.2.840.113549.1.9.1', '2.5.4.42', '2.5.4.43', '2.5.4.4', '2.5.4.12', '2.5.4.5', '1.2.3.4.5'];
// Characters that escape (,+"\<>; leading # or space, trailing space, CR LF TAB), plain ones, and non-ASCII.
const CHARS = [..."aZ09 .-_@#,+\"\\<>;=\r\n\t'", 'é', '日', '😀'];
const text = fc.array(fc.constantFrom(...CHARS), { minLength: 0, maxLength: 8 }).map((cs) => cs.join(''));
const printable = fc.array(fc.constantFrom(...'aZ09 .-+,=?:/()\''), { minLength: 1, maxLength: 8 }).map((cs) => cs.join(''));
const value = fc.oneof(
  text.map((v) => new AttributeValue({ utf8String: v })),
  printable.map((v) => new AttributeValue({ printableString: v })),
  printable.map((v) => new AttributeValue({ ia5String: v })),
  text.map((v) => new AttributeValue({ bmpString: v.replace(/😀/g, 'x') })),
  // an OCTET STRING is no string type: parsed back, it is the value's anyValue (printed as #hex)
  fc.uint8Array({ minLength: 1, maxLength: 6 }).map((b) => new AttributeValue({ anyValue: new Uint8Array([0x04, b.length, ...b]).buffer })),
);
const attribute = fc.record({ type: fc.constantFrom(...TYPES), value }).map((a) => new AttributeTypeAndValue(a));
const name = fc.array(fc.array(attribute, { minLength: 1, maxLength: 3 }), { minLength: 0, maxLength: 4 }).map((rdns) => new Name(rdns.map((r) => new RelativeDistinguishedName(r))));

describe('nameToString', () => {
  it('prints every generated name as @peculiar/x509 prints it', () => {
    fc.assert(
      fc.property(name, (n) => {
        const der = AsnConvert.serialize(n);
        expect(nameToString(new Uint8Array(der))).toBe(new x509.Name(der).toString());
      }),
      { numRuns: 400, seed: 21 },
    );
  });

  it('plainNameToString prints a plain JSON name as @peculiar/x509 prints it, and gives up on any other', () => {
    const short = fc.constantFrom('CN', 'O', 'OU', 'C', 'L', 'ST', 'DC', 'E', 'SN', 'T', 'G', 'I', 'serialNumber', '2.5.4.3');
    const plainValue = fc.array(fc.constantFrom(...'aZ09 .-_@'), { minLength: 1, maxLength: 8 }).map((cs) => cs.join(''));
    const values = fc.array(fc.oneof({ arbitrary: plainValue, weight: 8 }, { arbitrary: text, weight: 1 }), { minLength: 1, maxLength: 2 });
    const anyJson: fc.Arbitrary<JsonName> = fc.array(fc.dictionary(short, values, { minKeys: 1, maxKeys: 2 }), { minLength: 1, maxLength: 3 });
    const rdn = fc.tuple(fc.constantFrom('CN', 'O', 'OU', 'C'), fc.oneof({ arbitrary: plainValue, weight: 8 }, { arbitrary: text, weight: 1 }));
    const builtJson: fc.Arbitrary<JsonName> = fc.array(rdn.map(([t, v]) => ({ [t]: [v] })), { minLength: 1, maxLength: 4 });
    const json = fc.oneof(anyJson, builtJson);
    let plain = 0;
    let shaped = 0;
    fc.assert(
      fc.property(json, (j) => {
        const s = plainNameToString(j);
        if (s === undefined) return;
        plain++;
        expect(s).toBe(new x509.Name(j).toString());
        // and as the name builder's DER prints (issue --batch formats either), for the types it encodes
        // (one attribute per RDN, as names.ts buildName makes them)
        const builderShaped = j.every((rdn) => Object.entries(rdn).length === 1 && Object.entries(rdn).every(([t, vs]) => ['CN', 'O', 'OU', 'C'].includes(t) && vs.length === 1));
        if (!builderShaped) return;
        shaped++;
        expect(s).toBe(nameToString(encodeName(j)));
      }),
      { numRuns: 400, seed: 21 },
    );
    expect(plain).toBeGreaterThan(40);
    expect(shaped).toBeGreaterThan(50);
    expect(plainNameToString([{ serialNumber: ['1'] }])).toBeUndefined();
    expect(plainNameToString([{ CN: [' lead'] }])).toBeUndefined();
    expect(plainNameToString([{ CN: ['alice'], O: ['ACME'] }, { OU: ['ops'] }])).toBe('CN=alice+O=ACME, OU=ops');
  });
});

describe('AsnX509Certificate', () => {
  requireBinary('openssl');
  const dir = tmpDir('regcert-cert-asn-');
  const ext = path.join(dir, 'ext.cnf');
  writeFileSync(
    ext,
    [
      '[req]',
      'distinguished_name = dn',
      '[dn]',
      '[v3]',
      'basicConstraints = critical, CA:FALSE',
      'subjectAltName = @alt',
      '[alt]',
      'DNS.1 = registry.example.com',
      'IP.1 = 127.0.0.1',
      'IP.2 = 2001:db8::1',
      'IP.3 = ::1',
      'email.1 = alice@example.com',
      'URI.1 = spiffe://example.com/alice',
      'RID.1 = 1.2.3.4',
      'dirName.1 = dir',
      'otherName.1 = 1.3.6.1.4.1.311.20.2.3;UTF8:alice@corp.example',
      'otherName.2 = 1.2.3.4;UTF8:other',
      '[dir]',
      'CN = In A Dir',
      'O = ACME',
      '',
    ].join('\n'),
  );
  const KEYS: [string, string[], string[]][] = [
    ['p256', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], ['-sha256']],
    ['p384-sha384', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'], ['-sha384']],
    ['p521-sha512', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-521'], ['-sha512']],
    ['p256-sha1', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], ['-sha1']],
    ['secp256k1', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp256k1'], ['-sha256']],
    ['brainpool', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:brainpoolP256r1'], ['-sha256']],
    ['secp224r1-sha224', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp224r1'], ['-sha224']],
    ['rsa', ['-newkey', 'rsa:2048'], ['-sha256']],
    ['rsa-pss', ['-newkey', 'rsa:2048'], ['-sha384', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:48']],
    ['rsa-pss-key', ['-newkey', 'rsa-pss', '-pkeyopt', 'rsa_keygen_bits:2048'], ['-sha256']],
    // SHA-1, MGF1-SHA-1 and salt 20 are RSASSA-PSS-params' defaults: the parameters are an empty SEQUENCE
    ['rsa-pss-defaults', ['-newkey', 'rsa:2048'], ['-sha1', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:20']],
    ['ed25519', ['-newkey', 'ed25519'], []],
    ['ed448', ['-newkey', 'ed448'], []],
  ];
  const SERIALS = ['1', '0x7f', '0x80', '0xff00000000000000000000000000000001', '0x00'];

  it.each(KEYS)('reads what @peculiar/x509 reads: %s', (label, keyArgs, sigArgs) => {
    SERIALS.forEach((serial, i) => {
      const out = path.join(dir, `${label}-${i}.crt`);
      const subj = i % 2 ? '/CN=alice, jr+OU=ops/O=A\\;CME/C=DE' : `/CN=${label}/emailAddress=a@example.com/DC=example`;
      execFileSync(
        'openssl',
        ['req', '-x509', ...keyArgs, ...sigArgs, '-nodes', '-keyout', path.join(dir, `${label}.key`), '-out', out, '-subj', subj, '-multivalue-rdn', '-days', '30', '-set_serial', serial, '-extensions', 'v3', '-config', ext, '-utf8'],
        { stdio: 'ignore', env: { ...process.env, OPENSSL_CONF: ext } },
      );
      const der = new Uint8Array(new x509.X509Certificate(readFileSync(out, 'utf8')).rawData);
      const ours = parseCertificates(der)[0] as AsnX509Certificate;
      const theirs = new x509.X509Certificate(der);
      expect(ours).toBeInstanceOf(AsnX509Certificate);
      for (const k of ['subject', 'issuer', 'serialNumber', 'notBefore', 'notAfter'] as const) expect(ours[k], `${label} ${k}`).toEqual(theirs[k]);
      expect(Buffer.from(ours.signature).equals(Buffer.from(theirs.signature))).toBe(true);
      expect(Buffer.from(ours.rawData).equals(Buffer.from(der))).toBe(true);
      expect(ours.keyAlgorithm, label).toEqual(stripRsa(theirs.publicKey.algorithm));
      expect(webAlgorithm(ours.signatureAlgorithm), label).toEqual(theirs.signatureAlgorithm);
      const hash = (theirs.signatureAlgorithm as { hash?: { name: string } }).hash?.name;
      expect(signedDataOf(ours).algorithm).toEqual({ name: theirs.signatureAlgorithm.name, hash, saltLength: (theirs.signatureAlgorithm as { saltLength?: number }).saltLength });
      const sans = theirs.getExtension(x509.SubjectAlternativeNameExtension)!.names.items.filter((n) => ['dns', 'email', 'ip', 'url'].includes(n.type));
      expect(certificateExtensions(ours).subjectAltNames).toEqual(sans.map((n) => ({ type: n.type, value: n.value })));
      // and what the rest of regcert reads of it is the same whichever parser made it
      expect(certificateExtensions(ours)).toEqual(certificateExtensions(theirs));
    });
  });
});

/** PublicKey adds the RSA modulus length and exponent to its algorithm; regcert reads those from Node's KeyObject. */
function stripRsa(alg: Algorithm): Algorithm {
  const { publicExponent: _e, modulusLength: _m, ...rest } = alg as Algorithm & { publicExponent?: unknown; modulusLength?: unknown };
  return rest;
}
