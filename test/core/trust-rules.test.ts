/**
 * The pure trust rules, one table each, in the style of antfu/ni's tests: a
 * tiny helper turns a line of input and expectation into a test body, one
 * `it` per line. core/chain.ts (verifyChain, permitsUsage, issuerKeyId,
 * assertCanIssue, anchorProblem, parsePurpose), and the rules that had no
 * direct test: profileOf, parseRuntimeName, strayFileWarnings,
 * leafValidityWarnings, issuerOf. The odd certificates are made with
 * @peculiar/x509's generator (any extension set), here where openssl is not
 * needed; test/e2e/trust-rules-table.test.ts feeds openssl-made ones to the
 * commands.
 */
import { createHash, webcrypto } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { anchorProblem, assertCanIssue, issuerKeyId, parsePurpose, permitsUsage, verifyChain, type ChainFault, type Usage } from '../../src/core/chain.js';
import { certificateExtensions, issuerOf, leafValidityWarnings, type Certificate } from '../../src/core/certificates.js';
import { MAX_BROWSER_LEAF_DAYS } from '../../src/core/defaults.js';
import { isRegcertError } from '../../src/core/errors.js';
import { profileOf } from '../../src/core/inventory.js';
import { generatePrivateKey } from '../../src/core/keys.js';
import { x509 } from '../../src/core/x509.js';
import { strayFileWarnings } from '../../src/runtimes/certs-d.js';
import { parseRuntimeName, RUNTIME_NAMES } from '../../src/runtimes/types.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const DAY = 86_400_000;
const subtle = webcrypto.subtle as SubtleCrypto;
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const EKU = { server: '1.3.6.1.5.5.7.3.1', client: '1.3.6.1.5.5.7.3.2', any: '2.5.29.37.0', code: '1.3.6.1.5.5.7.3.3', sgc: '2.16.840.1.113730.4.1' };

interface Made {
  cert: Certificate;
  keys: CryptoKeyPair;
}

let serial = 1;
/** A certificate with exactly the extensions asked for, signed by `issuer` (self-signed without). */
async function make(
  cn: string,
  o: { issuer?: Made; ca?: boolean; pathLen?: number; ekus?: string[]; keyUsage?: number; from?: number; to?: number; ski?: boolean; issuerName?: string } = {},
): Promise<Made> {
  const keys = (await subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const exts: InstanceType<typeof x509.Extension>[] = [];
  if (o.ca !== undefined) exts.push(new x509.BasicConstraintsExtension(o.ca, o.pathLen, true));
  if (o.keyUsage !== undefined) exts.push(new x509.KeyUsagesExtension(o.keyUsage, true));
  if (o.ekus) exts.push(new x509.ExtendedKeyUsageExtension(o.ekus, false));
  if (o.ski !== false) exts.push(await x509.SubjectKeyIdentifierExtension.create(keys.publicKey));
  if (o.issuer) exts.push(await x509.AuthorityKeyIdentifierExtension.create(o.issuer.keys.publicKey));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: (serial++).toString(16).padStart(2, '0'),
    subject: `CN=${cn}`,
    issuer: o.issuerName ?? (o.issuer ? o.issuer.cert.subject : `CN=${cn}`),
    notBefore: new Date(NOW.getTime() + (o.from ?? -30) * DAY),
    notAfter: new Date(NOW.getTime() + (o.to ?? 365) * DAY),
    publicKey: keys.publicKey,
    signingKey: (o.issuer ?? { keys }).keys.privateKey,
    signingAlgorithm: ALG,
    extensions: exts,
  });
  return { cert, keys };
}

const CA_USAGE = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;
const certs: Record<string, Made> = {};
const broken: Record<string, Certificate> = {};

beforeAll(async () => {
  const c = certs;
  c.root = await make('Root', { ca: true, keyUsage: CA_USAGE });
  c.inter = await make('Inter', { issuer: c.root, ca: true, keyUsage: CA_USAGE });
  c.noEku = await make('no-eku', { issuer: c.root, ca: false });
  c.client = await make('client', { issuer: c.root, ekus: [EKU.client] });
  c.server = await make('server', { issuer: c.root, ekus: [EKU.server] });
  c.any = await make('any', { issuer: c.root, ekus: [EKU.any] });
  c.underInter = await make('under-inter', { issuer: c.inter, ekus: [EKU.client] });
  c.srvCa = await make('srv-ca', { issuer: c.root, ca: true, keyUsage: CA_USAGE, ekus: [EKU.server] });
  c.underSrvCa = await make('under-srv-ca', { issuer: c.srvCa, ekus: [EKU.client] });
  c.bothCa = await make('both-ca', { issuer: c.root, ca: true, ekus: [EKU.server, EKU.client] });
  c.underBothCa = await make('under-both-ca', { issuer: c.bothCa, ekus: [EKU.client] });
  c.anyCa = await make('any-ca', { issuer: c.root, ca: true, ekus: [EKU.any] });
  c.underAnyCa = await make('under-any-ca', { issuer: c.anyCa, ekus: [EKU.client] });
  c.srvRoot = await make('Srv Root', { ca: true, ekus: [EKU.server] });
  c.underSrvRoot = await make('under-srv-root', { issuer: c.srvRoot, ekus: [EKU.client] });
  c.oldCa = await make('old-ca', { issuer: c.root, ca: true, from: -800, to: -400 });
  c.underOldCa = await make('under-old-ca', { issuer: c.oldCa, ekus: [EKU.client], from: -500, to: 10 });
  c.futureCa = await make('future-ca', { issuer: c.root, ca: true, from: 10, to: 400 });
  c.underFutureCa = await make('under-future-ca', { issuer: c.futureCa, ekus: [EKU.client] });
  c.expiredLeaf = await make('expired-leaf', { issuer: c.root, ekus: [EKU.client], from: -60, to: -1 });
  c.leafCa = await make('leaf-as-ca', { issuer: c.root, ca: false });
  c.underLeafCa = await make('under-leaf-as-ca', { issuer: c.leafCa, ekus: [EKU.client] });
  c.noSignCa = await make('no-sign-ca', { issuer: c.root, ca: true, keyUsage: x509.KeyUsageFlags.digitalSignature });
  c.underNoSignCa = await make('under-no-sign-ca', { issuer: c.noSignCa, ekus: [EKU.client] });
  c.root0 = await make('Root0', { ca: true, pathLen: 0 });
  c.interOf0 = await make('inter-of-root0', { issuer: c.root0, ca: true });
  c.underInterOf0 = await make('under-inter-of-root0', { issuer: c.interOf0, ekus: [EKU.client] });
  c.otherRoot = await make('Root', { ca: true }); // same name as Root, another key
  c.noSki = await make('NoSki Root', { ca: true, ski: false });
  // Depth: a chain of n intermediates under Root.
  let up = c.root;
  for (let i = 1; i <= 8; i++) c[`d${i}`] = up = await make(`d${i}`, { issuer: up, ca: true });
  c.deep7 = await make('deep7', { issuer: c.d7!, ekus: [EKU.client] });
  c.deep8 = await make('deep8', { issuer: c.d8!, ekus: [EKU.client] });
  // A signature with its last byte flipped.
  const der = new Uint8Array(c.client.cert.rawData);
  der[der.length - 1]! ^= 1;
  broken.badSig = new x509.X509Certificate(der);
}, 60_000);

const chainOf = (...names: string[]) => names.map((n) => (n in broken ? broken[n]! : certs[n]!.cert));
const deep = (n: number) => Array.from({ length: n }, (_, i) => `d${n - i}`);

describe('verifyChain', () => {
  /** (chain names, anchor names, usage) → ok, or the fault and the index of the certificate it is about. */
  const _ = (chain: string[], anchors: string[], usage: Usage | undefined, want: true | [ChainFault, number]) => async () => {
    const v = await verifyChain(chainOf(...chain), chainOf(...anchors), { now: NOW, usage });
    if (want === true) expect(v, v.reason).toMatchObject({ ok: true });
    else expect({ ok: v.ok, fault: v.fault, at: v.at }, v.reason).toEqual({ ok: false, fault: want[0], at: want[1] });
  };
  it('no EKU extension: any purpose', _(['noEku'], ['root'], 'clientAuth', true));
  it('clientAuth for client use', _(['client'], ['root'], 'clientAuth', true));
  it('serverAuth only, for client use', _(['server'], ['root'], 'clientAuth', ['usage', 0]));
  it('serverAuth only, for server use', _(['server'], ['root'], 'serverAuth', true));
  it('serverAuth only, no usage asked', _(['server'], ['root'], undefined, true));
  it('anyExtendedKeyUsage', _(['any'], ['root'], 'clientAuth', true));
  it('through an intermediate', _(['underInter', 'inter'], ['root'], 'clientAuth', true));
  it('the intermediate as the anchor', _(['underInter'], ['inter'], 'clientAuth', true));
  it('intermediate missing', _(['underInter'], ['root'], 'clientAuth', ['no-issuer', 0]));
  it('a CA whose EKU omits clientAuth (Go)', _(['underSrvCa', 'srvCa'], ['root'], 'clientAuth', ['usage', 1]));
  it('the same CA, for server use', _(['underSrvCa', 'srvCa'], ['root'], undefined, true));
  it('a CA with clientAuth and serverAuth', _(['underBothCa', 'bothCa'], ['root'], 'clientAuth', true));
  it('a CA with anyExtendedKeyUsage', _(['underAnyCa', 'anyCa'], ['root'], 'clientAuth', true));
  it('a root whose EKU omits clientAuth (Go checks the root too)', _(['underSrvRoot'], ['srvRoot'], 'clientAuth', ['usage', 1]));
  it('an expired intermediate', _(['underOldCa', 'oldCa'], ['root'], 'clientAuth', ['expired', 1]));
  it('an intermediate not yet valid', _(['underFutureCa', 'futureCa'], ['root'], 'clientAuth', ['not-yet-valid', 1]));
  it('an expired leaf', _(['expiredLeaf'], ['root'], 'clientAuth', ['expired', 0]));
  it('an intermediate that is not a CA', _(['underLeafCa', 'leafCa'], ['root'], 'clientAuth', ['not-ca', 1]));
  it('a CA whose key usage lacks keyCertSign', _(['underNoSignCa', 'noSignCa'], ['root'], 'clientAuth', ['key-usage', 1]));
  it('a root with pathlen 0 above an intermediate', _(['underInterOf0', 'interOf0'], ['root0'], 'clientAuth', ['path-length', 2]));
  it('a bad signature', _(['badSig'], ['root'], 'clientAuth', ['bad-signature', 0]));
  it('a root with the same name and another key', _(['client'], ['otherRoot'], 'clientAuth', ['no-issuer', 0]));
  it('7 intermediates: 8 above the leaf, the limit', _(['deep7', ...deep(7)], ['root'], 'clientAuth', true));
  it('8 intermediates: 9 above the leaf, too long', _(['deep8', ...deep(8)], ['root'], 'clientAuth', ['too-long', 8]));
  it('a pinned certificate (the leaf is the anchor)', _(['client'], ['client'], 'clientAuth', true));
  it('a pinned certificate that forbids the usage', _(['server'], ['server'], 'clientAuth', ['usage', 0]));
  it('nothing given', async () => expect(await verifyChain([], chainOf('root'))).toMatchObject({ ok: false, fault: 'empty' }));
});

describe('permitsUsage', () => {
  const _ = (name: string, usage: Usage, want: boolean) => () => expect(permitsUsage(certs[name]!.cert, usage)).toBe(want);
  it('no EKU, client', _('noEku', 'clientAuth', true));
  it('no EKU, server', _('noEku', 'serverAuth', true));
  it('clientAuth, client', _('client', 'clientAuth', true));
  it('clientAuth, server', _('client', 'serverAuth', false));
  it('serverAuth, client', _('server', 'clientAuth', false));
  it('anyExtendedKeyUsage, client', _('any', 'clientAuth', true));
  it('Netscape SGC counts as serverAuth (Go)', async () => {
    const sgc = await make('sgc', { issuer: certs.root, ekus: [EKU.sgc] });
    expect([permitsUsage(sgc.cert, 'serverAuth'), permitsUsage(sgc.cert, 'clientAuth')]).toEqual([true, false]);
  });
});

describe('issuerKeyId (the AKI a child names its issuer by)', () => {
  it('the subjectKeyIdentifier when there is one', () => {
    expect(Buffer.from(issuerKeyId(certs.root!.cert)).toString('hex')).toBe(certificateExtensions(certs.root!.cert).subjectKeyId);
  });
  it('else the SHA-1 of the public key bits (RFC 5280 4.2.1.2 method 1)', async () => {
    const cert = certs.noSki!.cert;
    expect(certificateExtensions(cert).subjectKeyId).toBeUndefined();
    const raw = new Uint8Array(await subtle.exportKey('raw', certs.noSki!.keys.publicKey)); // the EC point: the BIT STRING's content
    expect(Buffer.from(issuerKeyId(cert)).toString('hex')).toBe(createHash('sha1').update(raw).digest('hex'));
  });
  it('issuerOf uses it', async () => {
    const key = await generatePrivateKey('ecdsa-p256');
    expect(Buffer.from(issuerOf({ cert: certs.root!.cert, key }).keyId)).toEqual(Buffer.from(issuerKeyId(certs.root!.cert)));
  });
  it('issuerOf refuses a certificate that is not a CA', async () => {
    const key = await generatePrivateKey('ecdsa-p256');
    expect(() => issuerOf({ cert: certs.client!.cert, key })).toThrow(/not a CA/);
  });
});

describe('assertCanIssue and anchorProblem', () => {
  const code = async (p: Promise<unknown>) => p.then(() => 'ok', (e) => (isRegcertError(e) ? e.code : String(e)));
  const issue = (chain: string[], usages: Usage[], want: string) => async () => expect(await code(assertCanIssue(chainOf(...chain), usages, 'pki', NOW))).toBe(want);
  it('a root, client and server', issue(['root'], ['clientAuth', 'serverAuth'], 'ok'));
  it('an intermediate with its root', issue(['inter', 'root'], ['clientAuth'], 'ok'));
  it('a CA whose EKU omits clientAuth, for clients', issue(['srvCa', 'root'], ['clientAuth'], 'CA_CHAIN_REFUSED'));
  it('the same CA, for servers', issue(['srvCa', 'root'], ['serverAuth'], 'ok'));
  it('an expired intermediate', issue(['oldCa', 'root'], [], 'CA_CHAIN_REFUSED'));
  const anchor = (name: string, want: ChainFault | undefined) => async () => expect((await anchorProblem(certs[name]!.cert, NOW))?.fault).toBe(want);
  it('a root', anchor('root', undefined));
  it('a leaf', anchor('client', 'not-ca'));
  it('an expired CA', anchor('oldCa', 'expired'));
});

describe('parsePurpose', () => {
  const _ = (v: string | undefined, want: Usage | undefined | 'BAD_PURPOSE') => () => {
    if (want === 'BAD_PURPOSE') expect(() => parsePurpose(v)).toThrow(/invalid --purpose/);
    else expect(parsePurpose(v)).toBe(want);
  };
  it('client', _('client', 'clientAuth'));
  it('server', _('server', 'serverAuth'));
  it('absent', _(undefined, undefined));
  it('clientAuth (the EKU name) is not a purpose', _('clientAuth', 'BAD_PURPOSE'));
});

describe('profileOf', () => {
  const _ = (ekus: string[], want: string) => () => expect(profileOf(ekus)).toBe(want);
  it('server', _(['serverAuth'], 'server'));
  it('client', _(['clientAuth'], 'client'));
  it('both', _(['clientAuth', 'serverAuth'], 'server+client'));
  it('none', _([], 'other'));
  it('codeSigning', _(['codeSigning'], 'other'));
});

describe('parseRuntimeName', () => {
  const _ = (name: string, allowed: readonly (typeof RUNTIME_NAMES)[number][] | undefined, want: string) => () => {
    if (want === 'BAD_RUNTIME') expect(() => parseRuntimeName(name, allowed)).toThrow(/unknown runtime/);
    else expect(parseRuntimeName(name, allowed)).toBe(want);
  };
  for (const n of RUNTIME_NAMES) it(`${n}`, _(n, undefined, n));
  it('bogus', _('bogus', undefined, 'BAD_RUNTIME'));
  it('Docker (case matters)', _('Docker', undefined, 'BAD_RUNTIME'));
  it('buildkit where only docker, podman, containerd are handled', _('buildkit', ['docker', 'podman', 'containerd'], 'BAD_RUNTIME'));
});

describe('strayFileWarnings', () => {
  const _ = (names: string[], want: RegExp[]) => () => {
    const got = strayFileWarnings('/d', names);
    expect(got).toHaveLength(want.length);
    want.forEach((w, i) => expect(got[i]).toMatch(w));
  };
  it('the three files install-host writes', _(['ca.crt', 'client.cert', 'client.key'], []));
  it('a lone .cert', _(['ca.crt', 'old.cert'], [/\/d\/old\.cert has no matching \.key/]));
  it('a lone .key', _(['ca.crt', 'old.key'], [/\/d\/old\.key has no matching \.cert.*never put a CA key here/]));
  it('a pair', _(['old.cert', 'old.key'], []));
  it('another .crt', _(['ca.crt', 'extra.crt'], [/\/d\/extra\.crt is also trusted as a CA root/]));
  it('unrelated files', _(['hosts.toml', 'README'], []));
});

describe('leafValidityWarnings', () => {
  const caEnd = new Date(NOW.getTime() + 100 * DAY);
  const _ = (days: number, server: boolean, want: RegExp[]) => () => {
    const got = leafValidityWarnings(days, caEnd, { server, now: NOW });
    expect(got).toHaveLength(want.length);
    want.forEach((w, i) => expect(got[i]).toMatch(w));
  };
  it('inside the CA, a client', _(90, false, []));
  it('past the CA: cut', _(200, false, [/100|CA/]));
  it(`a server up to ${MAX_BROWSER_LEAF_DAYS} days`, _(Math.min(MAX_BROWSER_LEAF_DAYS, 99), true, []));
  it('a long server certificate', () => {
    const got = leafValidityWarnings(MAX_BROWSER_LEAF_DAYS + 1, new Date(NOW.getTime() + 3650 * DAY), { server: true, now: NOW });
    expect(got).toEqual([expect.stringMatching(/Apple platforms and browsers refuse/)]);
  });
});
