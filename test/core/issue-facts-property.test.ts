/**
 * Issue 21 (start-up): `issue NAME` describes the certificate it makes from
 * what the builder was asked for and made (core/inventory.ts builtLeafFacts,
 * as issue --batch and renew do), instead of parsing it again. Property:
 * for any leaf issue can make (server, client, both or token-signing;
 * subjects with O/OU/C and escaped characters; SANs of every type; every key
 * type), the inventory entry and the printed summary built from the facts
 * are exactly those built from the parsed certificate.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRootCa, signLeaf } from '../../src/core/certificates.js';
import { AsnX509Certificate } from '../../src/core/cert-asn.js';
import { summarizeCertificate } from '../../src/core/describe.js';
import { buildEntry, buildEntryFromFacts, builtLeafFacts, entrySummary } from '../../src/core/inventory.js';
import { generatePrivateKey, isRsaKey, publicKeyDer, type KeyType } from '../../src/core/keys.js';
import { buildName } from '../../src/core/names.js';
import type { San } from '../../src/core/san.js';

const NOW = new Date('2026-12-05T12:00:00Z');
const KEY_TYPES: KeyType[] = ['ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'ed25519'];

describe('issue describes its leaf from the builder facts', () => {
  it('entry and summary equal those of the parsed certificate (fast-check)', async () => {
    const caKey = await generatePrivateKey('ecdsa-p256');
    const ca = { cert: await createRootCa({ subject: buildName({ cn: 'Facts CA', o: 'ACME, Inc.' }), key: caKey, days: 3650 }, { now: NOW }), key: caKey };
    const keys = new Map<KeyType, Awaited<ReturnType<typeof generatePrivateKey>>>();
    for (const t of KEY_TYPES) keys.set(t, await generatePrivateKey(t));

    const text = fc.stringMatching(/^[A-Za-z0-9 ,+="<>#;.\-_]{1,20}$/).filter((s) => s.trim() === s && s.length > 0);
    const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/);
    const san: fc.Arbitrary<San> = fc.oneof(
      fc.tuple(label, label).map(([a, b]): San => ({ type: 'dns', value: `${a}.${b}.example` })),
      fc.tuple(fc.nat(255), fc.nat(255)).map(([a, b]): San => ({ type: 'ip', value: `10.${a}.${b}.1` })),
      fc.constantFrom<San>({ type: 'ip', value: '2001:db8::1' }, { type: 'ip', value: '::1' }, { type: 'ip', value: '1:0:2:0:3:0:4:0' }),
      label.map((a): San => ({ type: 'email', value: `${a}@example.com` })),
      label.map((a): San => ({ type: 'uri', value: `spiffe://example.com/${a}` })),
    );
    const purpose = fc.constantFrom(
      { server: true, client: false, tokenSigning: false },
      { server: false, client: true, tokenSigning: false },
      { server: true, client: true, tokenSigning: false },
      { server: false, client: false, tokenSigning: true },
    );
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          cn: text,
          o: fc.option(text, { nil: undefined }),
          ou: fc.option(text, { nil: undefined }),
          c: fc.option(fc.constantFrom('DE', 'US', 'fr'), { nil: undefined }),
          sans: fc.uniqueArray(san, { maxLength: 5, selector: (s) => `${s.type}:${s.value}` }),
          purpose,
          keyType: fc.constantFrom(...KEY_TYPES),
          days: fc.integer({ min: 1, max: 800 }),
        }),
        async (p) => {
          const key = keys.get(p.keyType)!;
          const subject = buildName({ cn: p.cn, o: p.o, ou: p.ou, c: p.c });
          const { server, client, tokenSigning } = p.purpose;
          const leaf = signLeaf({ subject, publicKey: publicKeyDer(key), rsa: isRsaKey(key), server, client, tokenSigning, sans: p.sans, days: p.days }, ca, { now: NOW });
          const facts = builtLeafFacts({
            der: leaf.der,
            subject,
            subjectDer: leaf.subjectDer,
            serial: leaf.serial,
            notBefore: leaf.notBefore.toISOString(),
            notAfter: leaf.notAfter.toISOString(),
            sans: p.sans,
            server,
            client,
            keyType: p.keyType,
          });
          const params = { name: 'leaf', files: [], source: 'issue' as const, now: NOW, days: p.days };
          const parsed = new AsnX509Certificate(leaf.der);
          const entry = buildEntryFromFacts(facts, params);
          expect(entry).toEqual(buildEntry(parsed, params));
          expect(entrySummary(entry, ca.cert.subject)).toEqual(summarizeCertificate(parsed));
          runs++;
        },
      ),
      { numRuns: 150, seed: 2112 },
    );
    expect(runs).toBe(150);
  }, 120_000);
});
