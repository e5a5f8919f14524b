import { beforeAll, describe, expect, it } from 'vitest';
import { leafAndIntermediates, validityProblem, verifyChain, verifyChainToHighest } from '../../src/core/chain.js';
import { createIntermediateCa, createLeaf, createRootCa, type Certificate } from '../../src/core/certificates.js';
import { generatePrivateKey, publicKeyDer } from '../../src/core/keys.js';
import { buildName } from '../../src/core/names.js';

const NOW = new Date('2026-01-01T00:00:00Z');
let root: Certificate;
let inter: Certificate;
let leaf: Certificate;
let otherRoot: Certificate;

beforeAll(async () => {
  const rk = await generatePrivateKey('ecdsa-p256');
  const ik = await generatePrivateKey('ecdsa-p256');
  const lk = await generatePrivateKey('ecdsa-p256');
  const ok = await generatePrivateKey('ecdsa-p256');
  root = await createRootCa({ subject: buildName({ cn: 'Root' }), key: rk, days: 3650 }, { now: NOW });
  otherRoot = await createRootCa({ subject: buildName({ cn: 'Root' }), key: ok, days: 3650 }, { now: NOW });
  inter = await createIntermediateCa({ subject: buildName({ cn: 'Inter' }), key: ik, days: 1000 }, { cert: root, key: rk }, { now: NOW });
  leaf = await createLeaf(
    { subject: buildName({ cn: 'alice' }), publicKey: publicKeyDer(lk), rsa: false, server: false, client: true, sans: [], days: 10 },
    { cert: inter, key: ik },
    { now: NOW },
  );
});

describe('verifyChain', () => {
  it('leaf + intermediate reaches the root', async () => {
    const r = await verifyChain([leaf, inter], [root], { now: new Date('2026-01-05T00:00:00Z') });
    expect(r).toMatchObject({ ok: true, path: ['CN=alice', 'CN=Inter', 'CN=Root'] });
  });
  it('leaf alone does not reach the root (the intermediate is missing)', async () => {
    expect((await verifyChain([leaf], [root])).ok).toBe(false);
  });
  it('the intermediate as an anchor is enough', async () => {
    expect((await verifyChain([leaf], [inter], { now: new Date('2026-01-05T00:00:00Z') })).ok).toBe(true);
  });
  it('a root with the same name but another key does not verify (regression: names alone are not trust)', async () => {
    const r = await verifyChain([leaf, inter], [otherRoot]);
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/CN=Inter/);
  });
  it('leafAndIntermediates drops self-signed roots', () => {
    expect(leafAndIntermediates([leaf, inter, root])).toEqual([leaf, inter]);
  });
});

describe('validityProblem', () => {
  it.each([
    [new Date('2026-01-05T00:00:00Z'), undefined],
    [new Date('2026-02-01T00:00:00Z'), /expired on 2026-01-11/],
    [new Date('2025-12-01T00:00:00Z'), /not valid before/],
  ])('%s', (now, want) => {
    const p = validityProblem(leaf, now);
    if (want === undefined) expect(p).toBeUndefined();
    else expect(p).toMatch(want);
  });
});

describe('verifyChainToHighest', () => {
  const subjects = (v: { certificates: Certificate[] }) => v.certificates.map((c) => c.subject);
  const at = { now: new Date('2026-01-05T00:00:00Z') };
  it('leaf + intermediate with [intermediate, root] as anchors: the path ends at the root', async () => {
    const v = await verifyChainToHighest([leaf, inter], [inter, root], at);
    expect(v.ok).toBe(true);
    expect(subjects(v)).toEqual(['CN=alice', 'CN=Inter', 'CN=Root']);
  });
  it('the intermediate alone as anchor: the path ends there', async () => {
    expect(subjects(await verifyChainToHighest([leaf], [inter], at))).toEqual(['CN=alice', 'CN=Inter']);
  });
  it('a root with the same name but another key is not an issuer: refused at the intermediate', async () => {
    const v = await verifyChainToHighest([leaf, inter], [otherRoot], at);
    expect(v.ok).toBe(false);
    expect(subjects(v).slice(0, (v.at ?? 0) + 1)).toEqual(['CN=alice', 'CN=Inter']);
  });
  it('a root with the same name but another key beside the intermediate: the intermediate is the highest', async () => {
    expect(subjects(await verifyChainToHighest([leaf, inter], [inter, otherRoot], at))).toEqual(['CN=alice', 'CN=Inter']);
  });
  it('a leaf named like its issuer is not taken for a self-signed root', async () => {
    const lk = await generatePrivateKey('ecdsa-p256');
    const rk = await generatePrivateKey('ecdsa-p256');
    const ca = await createRootCa({ subject: buildName({ cn: 'Same' }), key: rk, days: 30 }, { now: NOW });
    const twin = await createLeaf(
      { subject: buildName({ cn: 'Same' }), publicKey: publicKeyDer(lk), rsa: false, server: true, client: false, sans: [], days: 10 },
      { cert: ca, key: rk },
      { now: NOW },
    );
    const v = await verifyChainToHighest([twin, ca], [ca], at);
    expect(v.ok).toBe(true);
    expect(v.certificates.length).toBe(2);
  });
  it('a non-CA certificate never issues', async () => {
    const v = await verifyChainToHighest([inter, leaf], [leaf], at);
    expect(v).toMatchObject({ ok: false });
  });
  it('an expired intermediate does not anchor (the rules verifyChain applies)', async () => {
    const v = await verifyChainToHighest([leaf, inter], [inter, root], { now: new Date('2029-01-01T00:00:00Z') });
    expect(v.ok).toBe(false);
    expect(v.reason).toMatch(/"CN=Inter" expired/);
  });
});
