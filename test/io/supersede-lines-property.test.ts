/**
 * Issue 21: `issue NAME --force` over a current certificate records its new
 * entry by writing the inventory once on its bytes (io/inventory.ts
 * supersedeLines), not by the full load, reconcile and serialize of every
 * entry. Property: for random inventories (current, revoked and superseded
 * entries; several current entries for one file, as a killed renew leaves;
 * keys in another order; blank and CRLF lines) and new entries each
 * replacing a file, every entry of a replaced file is written as the full
 * rewrite wrote it (core/inventory.ts settleSuperseded, then addEntries),
 * loading the result concludes what that rewrite concluded, and every line
 * that names none of the replaced files is there byte for byte.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addEntries, parseInventory, serializeInventory, settleSuperseded, type InventoryEntry } from '../../src/core/inventory.js';
import { supersedeLines } from '../../src/io/inventory.js';

const FILES = ['/pki/alice.crt', '/pki/bob.crt', '/pool/carol.crt', '/pool/dave é.crt'] as const;

function entry(serial: bigint, file: string, status: InventoryEntry['status'], extra: Partial<InventoryEntry> = {}): InventoryEntry {
  return {
    serial: serial.toString(16),
    name: ['alice', 'bob', 'carol', 'dave'][FILES.indexOf(file as (typeof FILES)[number])] ?? 'other',
    subject: `CN=${file}`,
    sans: [],
    ekus: ['clientAuth'],
    profile: 'client',
    keyType: 'ecdsa-p256',
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: '2027-01-01T00:00:00.000Z',
    days: 365,
    sha256: 'AB'.repeat(32),
    files: [{ kind: 'certificate', path: file }],
    status,
    recordedAt: '2026-01-01T00:00:00.000Z',
    source: 'issue',
    der: 'MA==',
    ...extra,
  } as InventoryEntry;
}

const REVOKED: Partial<InventoryEntry> = { revokedAt: '2026-03-01T00:00:00.000Z', reason: 'keyCompromise' };

const arbLine = fc.record({
  serial: fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }),
  file: fc.constantFrom(...FILES),
  status: fc.constantFrom<InventoryEntry['status']>('valid', 'valid', 'revoked', 'superseded'),
  keysReversed: fc.boolean(),
  crlf: fc.boolean(),
  blankBefore: fc.constantFrom('', '', '\n', ' \t\n'),
});

describe('supersedeLines', () => {
  it('parses to what loading concludes, and copies every line naming no replaced file byte for byte (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(arbLine, { minLength: 0, maxLength: 14, selector: (l) => l.serial }),
        fc.subarray([...FILES], { minLength: 1 }),
        fc.bigInt({ min: 1n << 64n, max: 1n << 70n }),
        (lines, replaced, base) => {
          const old = lines.map((l) => {
            const e = entry(l.serial, l.file, l.status, l.status === 'superseded' ? { supersededBy: 'ff' } : l.status === 'revoked' ? REVOKED : {});
            const obj = l.keysReversed ? Object.fromEntries(Object.entries(e).reverse()) : e;
            return { l, text: `${l.blankBefore}${JSON.stringify(obj)}${l.crlf ? '\r' : ''}\n` };
          });
          const bytes = Buffer.from(old.map((o) => o.text).join(''), 'utf8');
          const added = replaced.map((f, i) => entry(base + BigInt(i), f, 'valid', { recordedAt: '2026-06-01T00:00:00.000Z' }));

          const out = supersedeLines(bytes, added, 'inventory.jsonl');

          // What the full rewrite did (io/inventory.ts load): settle the appended renewals, then add the new entries.
          const all = parseInventory(bytes.toString('utf8'), 'inventory.jsonl');
          settleSuperseded(all);
          const oracle = addEntries(all, added);
          const written = parseInventory(out.toString('utf8'), 'inventory.jsonl');
          // Every entry of a replaced file (and each new one) is written as the full rewrite wrote it.
          const ofReplaced = (es: InventoryEntry[]) => es.filter((e) => (replaced as string[]).includes(e.files[0]!.path));
          expect(ofReplaced(written)).toEqual(ofReplaced(oracle));
          // And any load concludes the same from the rest (other files' unsettled renewals are settled by the next load).
          settleSuperseded(written);
          expect(written).toEqual(oracle);
          const text = out.toString('utf8');
          for (const o of old) if (!replaced.includes(o.l.file as (typeof FILES)[number])) expect(text).toContain(o.text);
          expect(text.endsWith(serializeInventory(added))).toBe(true);
        },
      ),
      { numRuns: 400, seed: 2121 },
    );
  });

  it('marks the current entries of a replaced file as the full rewrite did, and no other', () => {
    const old = [entry(1n, '/pki/alice.crt', 'valid'), entry(2n, '/pki/bob.crt', 'valid'), entry(3n, '/pki/alice.crt', 'revoked', REVOKED), entry(4n, '/pki/alice.crt', 'valid')];
    const bytes = Buffer.from(serializeInventory(old), 'utf8');
    const out = parseInventory(supersedeLines(bytes, [entry(9n, '/pki/alice.crt', 'valid')], 'inv').toString('utf8'), 'inv');
    // 1 and 4 both current (a killed renew): 4 superseded 1, and 9 supersedes 4, as the full rewrite recorded.
    expect(out.map((e) => [e.serial, e.status, e.supersededBy])).toEqual([
      ['1', 'superseded', '4'],
      ['2', 'valid', undefined],
      ['3', 'revoked', undefined],
      ['4', 'superseded', '9'],
      ['9', 'valid', undefined],
    ]);
  });

  it('a damaged line it has to read is refused naming its line of the file once', () => {
    const good = serializeInventory([entry(1n, '/pki/bob.crt', 'valid'), entry(2n, '/pki/carol.crt', 'valid')]);
    const bytes = Buffer.from(`${good}{"serial":"3","files":[{"kind":"certificate","path":"/pki/alice.crt"}]}\n`, 'utf8');
    expect(() => supersedeLines(bytes, [entry(9n, '/pki/alice.crt', 'valid')], 'pki/inventory.jsonl')).toThrow(/^pki\/inventory\.jsonl line 3: /);
  });
});
