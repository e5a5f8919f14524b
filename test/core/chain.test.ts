import { beforeAll, describe, expect, it } from 'vitest';
import { leafAndIntermediates, validityProblem, verifiedPath, verifyChain } from '../../src/core/chain.js';
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

describe('verifiedPath', () => {
  const subjects = (p: Certificate[]) => p.map((c) => c.subject);
  it('walks leaf → intermediate (presented) → root (pool)', async () => {
    expect(subjects(await verifiedPath([leaf, inter], [root]))).toEqual(['CN=alice', 'CN=Inter', 'CN=Root']);
  });
  it('a root with the same name but another key is not an issuer', async () => {
    expect(subjects(await verifiedPath([leaf, inter], [otherRoot]))).toEqual(['CN=alice', 'CN=Inter']);
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
    expect((await verifiedPath([twin], [ca])).length).toBe(2);
  });
  it('a non-CA certificate never issues', async () => {
    expect(subjects(await verifiedPath([leaf], [leaf, inter]))).toEqual(['CN=alice', 'CN=Inter']);
  });
});
