/**
 * Two `renew --all` runs on one CA directory at the same time (the nightly
 * timer and an admin by hand) take turns: the CA directory's lock is held
 * from reading the inventory to its last rewrite, so no certificate is
 * renewed twice from the same predecessor, and the inventory lists every
 * name exactly once as current, matching the file on disk. Regression: both
 * runs read the same inventory, renewed the same due certificates, and the
 * second run's files replaced the first's while both were recorded.
 */
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliOk, runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const T = tmpDir();
const PKI = path.join(T, 'pki');
const N = 300;
const names = Array.from({ length: N }, (_, i) => `member${String(i).padStart(3, '0')}`);

beforeAll(async () => {
  await cliOk(['init-ca', '--dir', PKI, '--key-type', 'ed25519', '--cn', 'Concurrent CA']);
  // 10-day certificates: due in a 30-day window, and so are their renewals (renew keeps the validity).
  writeFileSync(path.join(T, 'pool.csv'), `name,sans,profile,days\n${names.map((n) => `${n},,client,10`).join('\n')}\n`);
  await cliOk(['issue', '--batch', path.join(T, 'pool.csv'), '--dir', PKI], { timeoutMs: 120_000 });
}, 180_000);

describe('two renew --all runs at once', () => {
  it('take turns: every renewal has its own predecessor, the inventory lists each name once as current', async () => {
    const args = ['renew', '--all', '--if-expiring', '30d', '--dir', PKI, '--json'];
    const runs = await Promise.all([runCli(args, { timeoutMs: 180_000 }), runCli(args, { timeoutMs: 180_000 })]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const renewed = runs.flatMap((r) => JSON.parse(r.stdout).renewed as Array<{ name: string; oldSerial: string; serial: string }>);
    // Both runs renewed the whole pool (the renewals are due too), one after the other: 2N renewals, no predecessor twice.
    const olds = renewed.map((r) => r.oldSerial);
    expect(new Set(olds).size, 'a certificate was renewed twice from the same predecessor').toBe(olds.length);
    expect(renewed.length).toBe(2 * N);
    const first = JSON.parse(runs[0]!.stdout).renewed as Array<{ serial: string; oldSerial: string }>;
    const second = JSON.parse(runs[1]!.stdout).renewed as Array<{ serial: string; oldSerial: string }>;
    const later = new Set(first.map((r) => r.serial)).has(second[0]!.oldSerial) ? second : first;
    const earlier = later === second ? first : second;
    expect(new Set(later.map((r) => r.oldSerial)), 'the later run renewed what the earlier run made').toEqual(new Set(earlier.map((r) => r.serial)));

    const entries = readFileSync(path.join(PKI, 'inventory.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { serial: string; name: string; status: string; sha256: string });
    expect(entries.length).toBe(3 * N);
    const ca = new X509Certificate(readFileSync(path.join(PKI, 'ca.crt')));
    for (const n of names) {
      const current = entries.filter((e) => e.name === n && e.status === 'valid');
      expect(current.length, `${n}: current entries`).toBe(1);
      const cert = new X509Certificate(readFileSync(path.join(PKI, `${n}.crt`)));
      expect(cert.fingerprint256).toBe(current[0]!.sha256);
      expect(cert.serialNumber.toLowerCase().replace(/^0+/, '')).toBe(current[0]!.serial.replace(/^0+/, ''));
      expect(cert.verify(ca.publicKey)).toBe(true);
      expect(cert.checkPrivateKey(createPrivateKey(readFileSync(path.join(PKI, `${n}.key`))))).toBe(true);
    }
    expect(entries.filter((e) => e.status === 'superseded').length).toBe(2 * N);
    expect(createHash('sha256').update(readFileSync(path.join(PKI, 'inventory.jsonl'))).digest('hex')).toMatch(/^[0-9a-f]{64}$/);
  }, 300_000);
});
