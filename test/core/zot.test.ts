/**
 * zot's identity rules (src/core/zot.ts), as tables: the Subject string is
 * Go's pkix.Name.String() (crypto/x509/pkix/pkix.go: ToRDNSequence order
 * C, ST, L, STREET, POSTALCODE, O, OU, CN, SERIALNUMBER, one RDN per type
 * with "+" between values, printed in reverse with "," between RDNs, and
 * , + " \ < > ; always escaped, a space only first or last, # only first);
 * the other sources are the first SAN of their kind (pkg/api/authn.go).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createLeaf, createRootCa, type Certificate } from '../../src/core/certificates.js';
import { generatePrivateKey, publicKeyDer } from '../../src/core/keys.js';
import { buildName, type JsonName } from '../../src/core/names.js';
import { parseSanList } from '../../src/core/san.js';
import { nativeCrypto, x509 } from '../../src/core/x509.js';
import { goSubjectString, parseUriPattern, zotIdentityOf } from '../../src/core/zot.js';

const NOW = new Date('2026-01-01T00:00:00Z');
let issuer: { cert: Certificate; key: Awaited<ReturnType<typeof generatePrivateKey>> };

beforeAll(async () => {
  const key = await generatePrivateKey('ecdsa-p256');
  issuer = { cert: await createRootCa({ subject: buildName({ cn: 'Zot Test Root' }), key, days: 3650 }, { now: NOW }), key };
});

async function selfSigned(name: string): Promise<Certificate> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await nativeCrypto.subtle.generateKey(alg, false, ['sign', 'verify']);
  return x509.X509CertificateGenerator.createSelfSigned({ name, keys, signingAlgorithm: alg, notBefore: NOW, notAfter: new Date('2027-01-01T00:00:00Z') });
}

async function leaf(subject: JsonName, sans: string[] = []): Promise<Certificate> {
  const k = await generatePrivateKey('ecdsa-p256');
  return createLeaf({ subject, publicKey: publicKeyDer(k), rsa: false, server: false, client: true, sans: parseSanList(sans), days: 10 }, issuer, { now: NOW });
}

describe('goSubjectString: Go pkix.Name.String() for the subject', () => {
  it.each<[JsonName, string]>([
    [[{ CN: ['alice'] }], 'CN=alice'],
    [[{ C: ['DE'] }, { O: ['Acme'] }, { OU: ['CI'] }, { CN: ['alice'] }], 'CN=alice,OU=CI,O=Acme,C=DE'],
    // Go groups by type in its own order, whatever the certificate's order.
    [[{ CN: ['alice'] }, { OU: ['CI'] }, { C: ['DE'] }, { O: ['Acme'] }], 'CN=alice,OU=CI,O=Acme,C=DE'],
    [[{ O: ['Acme'] }, { OU: ['a'] }, { OU: ['b'] }, { CN: ['x'] }], 'CN=x,OU=a+OU=b,O=Acme'],
    [[{ O: ['Acme, Inc.'] }, { CN: ['a+b "c" <d>;e\\f'] }], 'CN=a\\+b \\"c\\" \\<d\\>\\;e\\\\f,O=Acme\\, Inc.'],
    [[{ CN: [' #lead and trail '] }], 'CN=\\ #lead and trail\\ '],
    [[{ CN: ['#x#'] }], 'CN=\\#x#'],
    [[{ CN: ['first'] }, { CN: ['last'] }], 'CN=last'],
  ])('%j → %s', async (subject, expected) => {
    expect(goSubjectString(await leaf(subject))).toBe(expected);
  });

  // Subjects regcert does not write itself (they come in CSRs): made with @peculiar/x509 directly.
  it.each([
    ['C=DE, ST=BE, L=Berlin, 2.5.4.9=Main St 1, O=Acme, CN=x', 'CN=x,O=Acme,STREET=Main St 1,L=Berlin,ST=BE,C=DE'],
    ['CN=x, 2.5.4.5=0042, 2.5.4.17=10115', 'SERIALNUMBER=0042,CN=x,POSTALCODE=10115'],
  ])('%s → %s', async (name, expected) => {
    expect(goSubjectString(await selfSigned(name))).toBe(expected);
  });

  it('refuses an attribute Go prints by version (emailAddress in the subject)', async () => {
    const cert = await selfSigned('CN=x, E=x@example.com');
    expect(() => goSubjectString(cert)).toThrow(expect.objectContaining({ code: 'SUBJECT_ATTRIBUTE', exitCode: 2 }));
  });
});

describe('zotIdentityOf: the first SAN of each kind, the URI through the pattern', () => {
  let cert: Certificate;
  beforeAll(async () => {
    cert = await leaf([{ CN: ['alice'] }], ['b@example.com', 'a@example.com', 'spiffe://example.org/ci/alice', 'https://example.org/other', 'one.example.com', 'two.example.com']);
  });
  it.each([
    ['cn', undefined, 'alice'],
    ['email', undefined, 'b@example.com'],
    ['dns', undefined, 'one.example.com'],
    ['uri', undefined, 'spiffe://example.org/ci/alice'],
    ['uri', '^spiffe://example.org/ci/(.+)$', 'alice'],
    ['uri', 'ci/([a-z]+)', 'alice'],
  ] as const)('%s with %s → %s', (identity, pattern, expected) => {
    const p = parseUriPattern(pattern, identity)?.regex;
    expect(zotIdentityOf(cert, identity, p, 'alice.crt')).toBe(expected);
  });
  it('a pattern that does not match the first URI SAN is refused (zot refuses the login)', () => {
    expect(() => zotIdentityOf(cert, 'uri', parseUriPattern('^https://(.+)$', 'uri')!.regex, 'alice.crt')).toThrow(expect.objectContaining({ code: 'NO_IDENTITY' }));
  });
});

describe('parseUriPattern', () => {
  it.each(['(?=x)(y)', '(?!x)(y)', '(?<=x)(y)', '(?<!x)(y)', '(a)\\1', '(?<n>a)\\k<n>', 'no-group', '', '((', 'a\nb(c)'])('refuses %j', (p) => {
    expect(() => parseUriPattern(p, 'uri')).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
  it('only with --identity uri', () => {
    expect(() => parseUriPattern('(x)', 'cn')).toThrow(expect.objectContaining({ code: 'PATTERN_WITHOUT_URI' }));
  });
  it('a non-capturing group alone is no capture group', () => {
    expect(() => parseUriPattern('(?:x)', 'uri')).toThrow(expect.objectContaining({ code: 'BAD_PATTERN' }));
  });
});
