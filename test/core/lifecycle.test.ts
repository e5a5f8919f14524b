/** Pure rules of the lifecycle commands: durations, the inventory format, entry selection, CRLs and their freshness. */
import { describe, expect, it } from 'vitest';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificateList } from '@peculiar/asn1-x509';
import { buildCrl, checkCrlFreshness, parseCrl } from '../../src/core/crl.js';
import { createLeaf, createRootCa } from '../../src/core/certificates.js';
import {
  addEntries,
  buildEntry,
  isDue,
  normalizeSerial,
  parseInventory,
  selectEntries,
  serializeInventory,
  statusOf,
  validityDays,
  type InventoryEntry,
} from '../../src/core/inventory.js';
import { generatePrivateKey, publicKeyDer } from '../../src/core/keys.js';
import { parseDuration } from '../../src/core/time.js';

const DAY = 86_400_000;

describe('parseDuration', () => {
  it.each([
    ['30d', 30 * DAY],
    ['30', 30 * DAY],
    ['12h', DAY / 2],
    ['2w', 14 * DAY],
    [' 1D ', DAY],
    ['0d', 0],
  ])('%j → %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(['', 'soon', '-1d', '1.5d', '30m', '36501d', '1e3d', '1d1'])('%j is refused', (text) => expect(parseDuration(text)).toBeUndefined());
});

describe('normalizeSerial', () => {
  it.each([
    ['4A:0B:FF', '4a0bff'],
    ['004a0bff', '4a0bff'],
    ['0x4A0BFF', '4a0bff'],
    ['00', '0'],
  ])('%j → %j', (s, want) => expect(normalizeSerial(s)).toBe(want));
});

const now = new Date('2026-06-01T00:00:00Z');
const caKey = await generatePrivateKey('ecdsa-p256');
const caCert = await createRootCa({ subject: [{ CN: ['Unit CA'] }], key: caKey, days: 3650 }, { now });
async function leaf(name: string, days: number, at = now) {
  const key = await generatePrivateKey('ecdsa-p256');
  const cert = await createLeaf({ subject: [{ CN: [name] }], publicKey: publicKeyDer(key), rsa: false, server: false, client: true, sans: [], days }, { cert: caCert, key: caKey }, { now: at });
  return buildEntry(cert, { name, files: [{ path: `${name}.crt`, kind: 'certificate' }], source: 'issue', now: at, days });
}

describe('inventory entries', async () => {
  const alice = await leaf('alice', 397);
  const bob = await leaf('bob', 10);

  it('buildEntry records what list, renew and crl need', () => {
    expect(alice).toMatchObject({ name: 'alice', profile: 'client', ekus: ['clientAuth'], status: 'valid', days: 397, keyType: 'ecdsa-p256', source: 'issue' });
    expect(alice.serial).toMatch(/^[0-9a-f]+$/);
    expect(alice.sha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('validityDays undoes the 5-minute backdate', async () => {
    const { x509 } = await import('../../src/core/x509.js');
    expect(validityDays(new x509.X509Certificate(Buffer.from(alice.der, 'base64')))).toBe(397);
  });

  it('serialize → parse round-trips', () => {
    expect(parseInventory(serializeInventory([alice, bob]))).toEqual([alice, bob]);
  });

  it.each<[string, (e: Record<string, unknown>) => void, RegExp]>([
    ['a name with a slash', (e) => (e.name = '../etc/x'), /line 1: name is not a certificate name/],
    ['a bad status', (e) => (e.status = 'gone'), /line 1: status is not one of/],
    ['revoked without a reason', (e) => (e.status = 'revoked'), /needs revokedAt and reason/],
    ['a serial that is not hex', (e) => (e.serial = 'xyz'), /serial is not a hex serial number/],
    ['a file entry with a bad kind', (e) => (e.files = [{ path: 'a.crt', kind: 'secret' }]), /files is not a list/],
    ['a certificate path that is not a certificate file', (e) => (e.files = [{ path: '/etc/passwd', kind: 'certificate' }]), /files is not a list/],
    ['a key path that is not a key file', (e) => (e.files = [{ path: 'alice.crt', kind: 'private-key' }]), /files is not a list/],
  ])('parseInventory refuses %s', (_what, mutate, msg) => {
    const e = JSON.parse(JSON.stringify(alice)) as Record<string, unknown>;
    mutate(e);
    expect(() => parseInventory(`${JSON.stringify(e)}\n`)).toThrow(msg);
  });

  it('parseInventory refuses a repeated serial', () => {
    expect(() => parseInventory(serializeInventory([alice, alice]))).toThrow(/appears twice/);
  });

  it('addEntries supersedes the current entry that wrote the same file, and refuses a repeated serial', async () => {
    const alice2 = await leaf('alice', 397);
    const out = addEntries([alice, bob], [alice2]);
    expect(out.map((e) => [e.name, e.status])).toEqual([
      ['alice', 'superseded'],
      ['bob', 'valid'],
      ['alice', 'valid'],
    ]);
    expect(out[0]!.supersededBy).toBe(alice2.serial);
    expect(() => addEntries(out, [alice2])).toThrow(/already in the inventory/);
  });

  it('statusOf, isDue: expired follows the clock; due includes expired current certificates, never revoked ones', () => {
    const later = new Date(now.getTime() + 20 * DAY);
    expect(statusOf(bob, later)).toBe('expired');
    expect(statusOf(alice, later)).toBe('valid');
    expect(isDue(bob, 30 * DAY, now)).toBe(true);
    expect(isDue(bob, 5 * DAY, now)).toBe(false);
    expect(isDue(bob, 0, later)).toBe(true);
    const revoked: InventoryEntry = { ...bob, status: 'revoked', revokedAt: now.toISOString(), reason: 'keyCompromise' };
    expect(isDue(revoked, 30 * DAY, now)).toBe(false);
    expect(statusOf(revoked, later)).toBe('revoked');
  });

  it('selectEntries: a serial picks exactly one; a name picks every entry of that name', async () => {
    const alice2 = await leaf('alice', 397);
    const all = addEntries([alice, bob], [alice2]);
    expect(selectEntries(all, alice.serial.toUpperCase())).toMatchObject({ by: 'serial', entries: [{ serial: alice.serial }] });
    expect(selectEntries(all, 'alice').entries).toHaveLength(2);
    expect(selectEntries(all, 'carol').entries).toEqual([]);
  });
});

describe('buildCrl / parseCrl / checkCrlFreshness', () => {
  it('a CRL v2 that parses back: number, nextUpdate, serials (a serial with the top bit set stays positive)', () => {
    const der = buildCrl({
      issuer: { cert: caCert, key: caKey },
      revoked: [
        { serial: 'ff01', revokedAt: now, reason: 'keyCompromise' },
        { serial: '4a0b', revokedAt: now, reason: 'unspecified' },
      ],
      number: 300n,
      thisUpdate: now,
      days: 7,
    });
    const info = parseCrl(der);
    expect(info.number).toBe(300n);
    expect(info.nextUpdate?.toISOString()).toBe(new Date(now.getTime() + 7 * DAY).toISOString());
    expect(info.revokedSerials.sort()).toEqual(['4a0b', 'ff01']);
  });

  it('regression (issue 18 item 3): our CRL is what @peculiar/asn1-x509\'s CertificateList schema reads, field for field', () => {
    const revoked = Array.from({ length: 40 }, (_, i) => ({ serial: (0x7f00 + i * 977).toString(16) + (i % 3 ? 'ff' : '00'), revokedAt: new Date(now.getTime() - i * 60_000), reason: (['unspecified', 'keyCompromise', 'superseded', 'cessationOfOperation'] as const)[i % 4]! }));
    const der = buildCrl({ issuer: { cert: caCert, key: caKey }, revoked, number: 0x1234n, thisUpdate: now, days: 7 });
    const schema = AsnConvert.parse(der, CertificateList);
    const info = parseCrl(der);
    const tbs = schema.tbsCertList;
    expect(tbs.version).toBe(1);
    expect(tbs.thisUpdate.getTime()).toEqual(info.thisUpdate);
    expect(tbs.nextUpdate?.getTime()).toEqual(info.nextUpdate);
    const serials = (tbs.revokedCertificates ?? []).map((r) => Buffer.from(r.userCertificate).toString('hex').replace(/^0+(?=.)/, ''));
    expect(serials).toEqual(info.revokedSerials);
    expect(new Set(serials)).toEqual(new Set(revoked.map((r) => r.serial.replace(/^0+(?=.)/, ''))));
    expect(info.number).toBe(0x1234n);
    // Entries with a reason carry exactly one extension (reasonCode), unspecified none (RFC 5280 5.3.1).
    expect((tbs.revokedCertificates ?? []).filter((r) => r.crlEntryExtensions === undefined)).toHaveLength(10);
  });

  it("reads a CRL's times by the rule a certificate's are read by (core/der.ts timeValue): an impossible date or a time with text around it is refused", () => {
    const der = buildCrl({ issuer: { cert: caCert, key: caKey }, revoked: [], number: 1n, thisUpdate: new Date(Date.UTC(2025, 0, 1)), days: 7 });
    const at = Buffer.from(der).indexOf(Buffer.from('250101000000Z', 'latin1'));
    expect(at).toBeGreaterThan(0);
    expect(parseCrl(der).thisUpdate.toISOString()).toBe('2025-01-01T00:00:00.000Z');
    for (const bad of ['251301000000Z', '250132000000Z', '2501010000+01']) {
      const copy = new Uint8Array(der);
      Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength).write(bad, at, 'latin1');
      expect(() => parseCrl(copy), bad).toThrow(/not a valid CRL/);
    }
  });

  it('refuses a nextUpdate beyond the CA, and bad --days', () => {
    expect(() => buildCrl({ issuer: { cert: caCert, key: caKey }, revoked: [], number: 1n, thisUpdate: now, days: 3651 })).toThrow(/--days/);
    const old = new Date(now.getTime() + 3649 * DAY);
    expect(() => buildCrl({ issuer: { cert: caCert, key: caKey }, revoked: [], number: 1n, thisUpdate: old, days: 7 })).toThrow(/outlive the CA/);
  });

  const made = new Date(now.getTime() - DAY);
  it.each<[number, 'ok' | 'warning' | 'expired']>([
    [7 * DAY, 'ok'],
    [2 * DAY + 60_000, 'ok'],
    [2 * DAY, 'warning'],
    [3_600_000, 'warning'],
    [0, 'expired'],
    [-DAY, 'expired'],
  ])('nextUpdate in %d ms → %s', (ms, level) => {
    expect(checkCrlFreshness({ thisUpdate: made, nextUpdate: new Date(now.getTime() + ms) }, 'crl.pem', 'pki', now).level).toBe(level);
  });

  it('a CRL without nextUpdate is a warning', () => {
    expect(checkCrlFreshness({ thisUpdate: made, nextUpdate: undefined }, 'crl.pem', 'pki', now)).toMatchObject({ level: 'warning', message: 'crl.pem has no nextUpdate' });
  });

  it.each<[number, 'ok' | 'not-yet-valid']>([
    [-60_000, 'ok'],
    [0, 'ok'],
    [1000, 'not-yet-valid'],
    [DAY, 'not-yet-valid'],
  ])('regression (issue 18 item 6): thisUpdate in %d ms → %s (openssl: "CRL is not yet valid")', (ms, level) => {
    expect(checkCrlFreshness({ thisUpdate: new Date(now.getTime() + ms), nextUpdate: new Date(now.getTime() + 7 * DAY) }, 'crl.pem', 'pki', now).level).toBe(level);
  });
});
