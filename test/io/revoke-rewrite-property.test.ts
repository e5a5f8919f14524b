/**
 * Issue 21 (revoke at the scale of a pool): revoke rewrites the inventory
 * on its bytes (io/inventory.ts updateInventoryWith → changedInventory →
 * rewriteLines, the line-at-a-time rewrite renew's markSuperseded uses):
 * every line is copied as it is but those of the entries it revokes.
 *
 * Property: for random inventories — current, revoked and superseded
 * entries, names shared by several entries (renewals writing the same file,
 * which loading settles), expired ones, serials written in upper case, with
 * colons or leading zeros, keys in another order, CRLF and blank lines, a
 * last line without its line end, a torn last line (a killed append), the
 * CA's own certificate as an entry — and random NAME/SERIAL targets (some
 * unknown), the real revoke command (in-process, the clock pinned) leaves an
 * inventory that parses to exactly what the old object rewrite gave: the
 * entries as loading read them, marked by revoke's rule, every one
 * serialized again (kept here, below, as the oracle). Also: the CRL lists
 * exactly the revoked serials; an unknown target changes no byte; and when
 * loading changed nothing, every line of an entry left alone is still there
 * byte for byte.
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { revoke } from '../../src/commands/revoke.js';
import { parseCrlFile } from '../../src/core/crl.js';
import { parseCertificates, sha256Fingerprint } from '../../src/core/certificates.js';
import {
  createSelector,
  isUnexpired,
  parseInventory,
  serializeInventory,
  settleSuperseded,
  type InventoryEntry,
  type RevocationReason,
} from '../../src/core/inventory.js';
import { cliOk } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const root = tmpDir('regcert-revoke-rewrite-');
const template = path.join(root, 'template');
const NOW = new Date('2026-06-01T00:00:00.000Z');
const NAMES = ['alice', 'bob', 'carol', 'dave'] as const;
let caFingerprint = '';
let seq = 0;

beforeAll(async () => {
  await cliOk(['init-ca', '--dir', template, '--key-type', 'ed25519']);
  caFingerprint = sha256Fingerprint(parseCertificates(new Uint8Array(readFileSync(path.join(template, 'ca.crt'))))[0]!.rawData);
}, 60_000);

/** How a line writes its serial: every form parses to the same (core/inventory.ts normalizeSerial). */
type SerialForm = 'lower' | 'upper' | 'colons' | 'zeros';
const writeSerial = (hex: string, form: SerialForm): string => {
  if (form === 'upper') return hex.toUpperCase();
  if (form === 'zeros') return `00${hex}`;
  if (form === 'colons') return (hex.length % 2 ? `0${hex}` : hex).toUpperCase().match(/../g)!.join(':');
  return hex;
};

const arbLine = fc.record({
  serial: fc.bigInt({ min: 1n, max: (1n << 80n) - 1n }),
  name: fc.constantFrom(...NAMES),
  status: fc.constantFrom('valid', 'valid', 'revoked', 'superseded'),
  expired: fc.boolean(),
  /** The certificate file of its NAME (a renewal writes the same file: loading settles the earlier one) or a file of its own. */
  ownFile: fc.boolean(),
  reason: fc.constantFrom<RevocationReason>('unspecified', 'keyCompromise', 'superseded'),
  serialForm: fc.constantFrom<SerialForm>('lower', 'lower', 'upper', 'colons', 'zeros'),
  keysReversed: fc.boolean(),
  crlf: fc.boolean(),
  blankBefore: fc.constantFrom('', '', '', '\n', ' \t\n'),
});

const arbInventory = fc.record({
  lines: fc.uniqueArray(arbLine, { minLength: 1, maxLength: 12, selector: (l) => l.serial }),
  /** What follows the last line: nothing, a torn append (no line end, not JSON), or the last line's own line end missing. */
  tail: fc.constantFrom('none', 'none', 'torn', 'unterminated'),
  withCa: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
});

type Target = { kind: 'name'; name: string } | { kind: 'serial'; index: number; form: SerialForm | '0x' } | { kind: 'unknown' };
const arbTargets = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...NAMES).map((name): Target => ({ kind: 'name', name })) },
    { weight: 3, arbitrary: fc.record({ index: fc.nat(), form: fc.constantFrom<SerialForm | '0x'>('lower', 'upper', 'colons', 'zeros', '0x') }).map((t): Target => ({ kind: 'serial', ...t })) },
    { weight: 1, arbitrary: fc.constant<Target>({ kind: 'unknown' }) }, // a NAME no entry has
  ),
  { minLength: 1, maxLength: 5 },
);

type Line = typeof arbLine extends fc.Arbitrary<infer T> ? T : never;

function entryOf(l: Line, i: number): InventoryEntry {
  const notAfter = new Date(NOW.getTime() + (l.expired ? -1 : 1) * 86_400_000 * (10 + i)).toISOString();
  const e: InventoryEntry = {
    serial: l.serial.toString(16),
    name: l.name,
    subject: `CN=${l.name}`,
    sans: [`${l.name}@example.com`],
    ekus: ['clientAuth'],
    profile: 'client',
    keyType: 'ECDSA P-256',
    notBefore: '2025-01-01T00:00:00.000Z',
    notAfter,
    days: 397,
    sha256: `AB:${i.toString(16).padStart(2, '0')}`,
    files: [{ path: l.ownFile ? `pool/${l.name}-${i}.crt` : `pool/${l.name}.crt`, kind: 'certificate' }],
    status: l.status as InventoryEntry['status'],
    recordedAt: '2025-01-01T00:00:00.000Z',
    source: 'batch',
    der: Buffer.from(`not a certificate ${i}`).toString('base64'),
  };
  if (l.status === 'revoked') Object.assign(e, { revokedAt: '2025-02-01T00:00:00.000Z', reason: l.reason });
  if (l.status === 'superseded') e.supersededBy = 'abc';
  return e;
}

/** The line a file holds for `e`: its serial in `form`, its keys in file order or reversed. */
function lineOf(e: InventoryEntry, form: SerialForm, reversed: boolean): string {
  const obj = { ...e, serial: writeSerial(e.serial, form) };
  const keys = Object.keys(obj);
  return JSON.stringify(Object.fromEntries((reversed ? keys.reverse() : keys).map((k) => [k, obj[k as keyof typeof obj]])));
}

/**
 * The oracle: the old object rewrite (regcert before this change). The
 * entries as loading read them (torn tail dropped, the CA's own entry
 * dropped, renewals settled), revoke's marking rule applied, and every entry
 * serialized again. undefined: a target is unknown (nothing written).
 */
function objectRewrite(read: InventoryEntry[], targets: string[], reason: RevocationReason): { text: string; revoked: string[] } | undefined {
  const entries = read.filter((e) => e.sha256 !== caFingerprint);
  settleSuperseded(entries);
  const select = createSelector(entries);
  const marked = new Map<InventoryEntry, 'revoke' | 'already' | 'expired'>();
  for (const t of targets) {
    const sel = select(t);
    if (sel.entries.length === 0) return undefined;
    for (const e of sel.entries) {
      if (marked.has(e)) continue;
      if (e.status === 'revoked') marked.set(e, 'already');
      else if (sel.by === 'name' && !isUnexpired(e, NOW)) marked.set(e, 'expired');
      else marked.set(e, 'revoke');
    }
  }
  const revoked: string[] = [];
  const next = entries.map((e) => {
    if (marked.get(e) !== 'revoke') return e;
    revoked.push(e.serial);
    return { ...e, status: 'revoked' as const, revokedAt: NOW.toISOString(), reason };
  });
  return { text: serializeInventory(next), revoked };
}

describe('revoke rewrites the inventory on its bytes: the same inventory as the object rewrite (issue 21)', () => {
  it('random inventories and targets', async () => {
    let bytePath = 0;
    let revokedSome = 0;
    let refused = 0;
    let torn = 0;
    await fc.assert(
      fc.asyncProperty(arbInventory, arbTargets, fc.constantFrom<RevocationReason>('keyCompromise', 'affiliationChanged'), async (inv, picks, reason) => {
        const dir = path.join(root, `run${seq++}`);
        cpSync(template, dir, { recursive: true });
        const rows = inv.lines.map((l, i) => ({ l, entry: entryOf(l, i) }));
        // The CA's own certificate as an entry (an earlier regcert recorded it): loading drops it.
        if (inv.withCa) rows.splice(1, 0, { l: { ...inv.lines[0]!, ownFile: true }, entry: { ...rows[0]!.entry, serial: `ca5e${'0'.repeat(21)}1`, name: 'ca-copy', sha256: caFingerprint, status: 'valid' } });
        const entries = rows.map((r) => r.entry);
        const written = rows.map(({ l, entry }) => ({ entry, text: lineOf(entry, l.serialForm, l.keysReversed), before: l.blankBefore, end: l.crlf ? '\r\n' : '\n' }));
        let text = written.map((w) => `${w.before}${w.text}${w.end}`).join('');
        const tornTail = `{"serial":"${entries[0]!.serial}","name":"ali`;
        if (inv.tail === 'torn') text += tornTail;
        if (inv.tail === 'unterminated') {
          text = text.replace(/\r?\n$/, '');
          written[written.length - 1]!.end = '';
        }
        const file = path.join(dir, 'inventory.jsonl');
        writeFileSync(file, text);

        const targets = picks.map((p) => {
          if (p.kind === 'name') return p.name;
          if (p.kind === 'unknown') return 'zed';
          const e = entries[p.index % entries.length]!;
          return p.form === '0x' ? `0x${e.serial}` : writeSerial(e.serial, p.form);
        });
        const want = objectRewrite(parseInventory(text.endsWith(tornTail) ? text.slice(0, -tornTail.length) : text), targets, reason);

        const run = revoke({ targets, dir, reason }, { interactive: false, now: NOW });
        if (want === undefined) {
          refused++;
          await expect(run).rejects.toMatchObject({ code: 'NOT_IN_INVENTORY' });
          expect(readFileSync(file, 'utf8')).toBe(text);
          return;
        }
        const r = await run;
        expect(r.revoked.map((x) => x.serial).sort()).toEqual([...want.revoked].sort());
        const after = readFileSync(file, 'utf8');
        // A torn tail is left where nothing was written (every reader drops it: io/inventory.ts isTornAppend).
        const got = parseInventory(after.endsWith(tornTail) ? after.slice(0, -tornTail.length) : after);
        expect(got).toEqual(parseInventory(want.text));

        // Two current entries of one certificate file (a renewal appended): loading settles the earlier one.
        const currentFiles = rows.filter((r) => r.entry.status === 'valid' && !r.l.ownFile).map((r) => r.entry.name);
        const settles = new Set(currentFiles).size !== currentFiles.length;
        if (!inv.withCa && !settles) {
          // Loading changed nothing: the bytes were rewritten, every line of an entry left alone is there as it was.
          bytePath++;
          const lines = new Set(after.split('\n'));
          const revokedNow = new Set(want.revoked);
          for (const w of written) if (!revokedNow.has(w.entry.serial)) expect(lines.has(w.end === '\r\n' ? `${w.text}\r` : w.text), w.text).toBe(true);
        }
        if (inv.tail === 'torn') torn++;
        if (want.revoked.length > 0) revokedSome++;
        // crl.pem lists exactly what the inventory says is revoked (there is none while nothing is).
        const revokedAll = got.filter((e) => e.status === 'revoked').map((e) => e.serial);
        const crlFile = path.join(dir, 'crl.pem');
        if (revokedAll.length === 0) expect(existsSync(crlFile)).toBe(false);
        else expect([...parseCrlFile(new Uint8Array(readFileSync(crlFile)), crlFile).revokedSerials].sort()).toEqual(revokedAll.sort());
      }),
      { numRuns: 300, seed: 2121 },
    );
    // The runs covered each case, not only the easy one.
    expect(bytePath).toBeGreaterThan(30);
    expect(revokedSome).toBeGreaterThan(30);
    expect(refused).toBeGreaterThan(10);
    expect(torn).toBeGreaterThan(10);
  }, 300_000);
});
