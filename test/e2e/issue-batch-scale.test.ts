/**
 * Regression, issue 12 (batch of 1,000 at 67/s, 10,000 at 309 MiB): every
 * entry of `issue --batch` was written as its own set (a lock, a journal, an
 * fsync per file, two directory fsyncs: ~19 file-system calls an entry) and
 * the CA's inventory was loaded and rewritten whole every 2,000 entries.
 * Counted with strace (not timed): a batch now takes a lock, writes a
 * journal and flushes the disk per chunk of entries, and appends to the
 * inventory instead of replacing it. SIGKILL on entering each rename of a
 * chunk (strace fault injection) leaves every entry whole or its journal
 * pending, and the rerun completes and records everything.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cliOk, run, runOk } from '../helpers/cli.js';
import { requireBinary } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

const OPENSSL = requireBinary('openssl');
const STRACE = requireBinary('strace');

interface Entry {
  serial: string;
  name: string;
  subject: string;
  sans: string[];
  ekus: string[];
  keyType: string;
  sha256: string;
  status: string;
  source: string;
  der: string;
  files: Array<{ path: string; kind: string }>;
}

const inventoryLines = (dir: string): Entry[] =>
  readFileSync(path.join(dir, 'inventory.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Entry);

function writeRows(file: string, names: string[]): void {
  writeFileSync(file, `name,sans,profile,days\n${names.map((n) => `${n},${n}@example.com,client,30`).join('\n')}\n`);
}

/** The pair on disk for each name: both files and matching, or (only while a journal is pending) the key alone. */
function expectWholeEntries(out: string, names: string[]): number {
  const files = new Set(readdirSync(out));
  const journal = [...files].some((f) => f.startsWith('.regcert-journal.'));
  let whole = 0;
  for (const n of names) {
    const crt = files.has(`${n}.crt`);
    const key = files.has(`${n}.key`);
    if (crt) expect(key, `${n}.crt without its key`).toBe(true);
    if (key && !crt) expect(journal, `${n}.key without its certificate and no journal to complete it`).toBe(true);
    if (crt && key) {
      const cert = new X509Certificate(readFileSync(path.join(out, `${n}.crt`)));
      expect(cert.checkPrivateKey(createPrivateKey(readFileSync(path.join(out, `${n}.key`)))), n).toBe(true);
      whole++;
    }
  }
  return whole;
}

describe('regression (issue 12): issue --batch writes in chunks and appends to the inventory', () => {
  const cwd = tmpDir('regcert-batch-scale-');
  const pki = path.join(cwd, 'pki');
  const names = Array.from({ length: 300 }, (_, i) => `runner${i + 1}`);

  it('300 entries: a few locks, journals and disk flushes in all, not a set of them per entry', async () => {
    await cliOk(['init-ca', '--dir', pki], { cwd });
    writeRows(path.join(cwd, 'rows.csv'), names);
    const trace = path.join(cwd, 'strace.txt');
    const r = await run(STRACE, ['-f', '-qq', '-o', trace, '-e', 'trace=fsync,fdatasync,syncfs,openat,rename,renameat,renameat2', process.execPath, BIN, 'issue', '--batch', 'rows.csv', '--dir', pki, '--out-dir', 'out', '--json'], {
      cwd,
      timeoutMs: 300_000,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ issued: 300, rows: 300 });
    const calls = readFileSync(trace, 'utf8').split('\n');
    const count = (re: RegExp) => calls.filter((l) => re.test(l) && !l.includes('resumed>')).length;
    const flushes = count(/\b(fsync|fdatasync|syncfs)\(/);
    const locks = count(/openat\(.*\.regcert\.lock", O_WRONLY\|O_CREAT\|O_EXCL/);
    const journals = count(/rename\w*\(.*\.regcert-journal\.[0-9a-f]{12}\.[0-9a-f]{12}\.tmp"/);
    // Before: about 5 flushes, 1 lock and 1 journal per entry (1,500, 300 and 300 here).
    expect(flushes).toBeLessThan(60);
    expect(locks).toBeLessThan(20);
    expect(journals).toBeGreaterThanOrEqual(1);
    expect(journals).toBeLessThan(5);
    // Still every file durable and whole: the flushes cover every temporary (syncfs, or an fsync each).
    expect(count(/\bsyncfs\(/) + count(/\bfsync\(/)).toBeGreaterThanOrEqual(journals);
    expect(expectWholeEntries(path.join(cwd, 'out'), names)).toBe(300);
    await runOk(OPENSSL, ['verify', '-CAfile', path.join(pki, 'ca.crt'), ...names.slice(0, 50).map((n) => path.join(cwd, 'out', `${n}.crt`))]);
  }, 600_000);

  it('the inventory is appended to (same file, old bytes kept) with entries equal to what the certificates say', async () => {
    const dir = path.join(cwd, 'append');
    await cliOk(['init-ca', '--dir', dir], { cwd });
    await cliOk(['issue', 'alice', '--client', '--dir', dir], { cwd });
    const file = path.join(dir, 'inventory.jsonl');
    const before = readFileSync(file);
    const inode = statSync(file).ino;
    const some = names.slice(0, 200);
    writeRows(path.join(cwd, 'two-hundred.csv'), some);
    await cliOk(['issue', '--batch', 'two-hundred.csv', '--dir', dir], { cwd, timeoutMs: 300_000 });
    // Appended, not replaced: a rewrite renames a new file into place (another inode).
    expect(statSync(file).ino).toBe(inode);
    expect(readFileSync(file).subarray(0, before.length).equals(before)).toBe(true);
    const entries = inventoryLines(dir);
    expect(entries[0]!.name).toBe('alice');
    expect(entries.slice(1).map((e) => e.name).sort()).toEqual([...some].sort()); // in the order written (workers finish out of order)
    for (const n of some) {
      const e = entries.find((x) => x.name === n)!;
      const cert = new X509Certificate(readFileSync(path.join(dir, `${n}.crt`)));
      expect(e).toMatchObject({ subject: `CN=${n}`, sans: [`email:${n}@example.com`], ekus: ['clientAuth'], keyType: 'ecdsa-p256', status: 'valid', source: 'batch' });
      expect(e.sha256).toBe(cert.fingerprint256);
      expect(e.serial).toBe(cert.serialNumber.toLowerCase().replace(/^0+/, ''));
      expect(Buffer.from(e.der, 'base64').equals(cert.raw)).toBe(true);
      expect(e.files).toEqual([
        { path: `${n}.crt`, kind: 'certificate' },
        { path: `${n}.key`, kind: 'private-key' },
      ]);
    }
    // list, revoke and crl read it; a batch --force over the same names supersedes (a rewrite, a status change).
    const listed = JSON.parse((await cliOk(['list', '--dir', dir, '--json'], { cwd })).stdout);
    expect(listed.certificates).toHaveLength(201);
    await cliOk(['revoke', 'runner7', '--dir', dir], { cwd });
    await cliOk(['crl', '--dir', dir], { cwd });
    const crl = (await runOk(OPENSSL, ['crl', '-in', path.join(dir, 'crl.pem'), '-noout', '-text'])).stdout;
    expect(crl.toLowerCase().replace(/[^0-9a-f\n]/g, '')).toContain(entries.find((e) => e.name === 'runner7')!.serial);
    await cliOk(['issue', '--batch', 'two-hundred.csv', '--dir', dir, '--force'], { cwd, timeoutMs: 300_000 });
    const after = inventoryLines(dir);
    expect(after).toHaveLength(401);
    expect(after.filter((e) => e.status === 'valid').map((e) => e.name).sort()).toEqual(['alice', ...some].sort());
    expect(after.filter((e) => e.name === 'runner7').map((e) => e.status).sort()).toEqual(['revoked', 'valid']);
    expect(after.filter((e) => e.status === 'superseded')).toHaveLength(199);
  }, 600_000);

  it('SIGKILL on entering each rename of a chunk: every entry whole or its journal pending; the rerun completes and records all', async () => {
    const ten = names.slice(0, 10);
    writeRows(path.join(cwd, 'ten.csv'), ten);
    // One chunk of 10 entries, its renames made by the main thread (strace counts per thread): the journal's
    // (1), 10 keys (2–11), 10 certificates (12–21). The inventory is written after the last one.
    for (const n of [1, 2, 6, 11, 12, 16, 21]) {
      const dir = path.join(cwd, `kill${n}`);
      await cliOk(['init-ca', '--dir', dir], { cwd });
      const out = path.join(dir, 'out');
      const killed = await run(
        STRACE,
        ['-f', '-qq', '-o', '/dev/null', '-e', 'trace=rename,renameat,renameat2', '-e', `inject=rename,renameat,renameat2:signal=KILL:when=${n}`, process.execPath, BIN, 'issue', '--batch', 'ten.csv', '--dir', dir, '--out-dir', out],
        { cwd, timeoutMs: 120_000 },
      );
      expect(killed.code, `kill at rename ${n}: ${killed.stderr}`).not.toBe(0);
      if (existsSync(out)) expectWholeEntries(out, ten);
      const r = JSON.parse((await cliOk(['issue', '--batch', 'ten.csv', '--dir', dir, '--out-dir', out, '--json'], { cwd, timeoutMs: 120_000 })).stdout);
      expect(r.issued + r.skipped, `after a kill at rename ${n}`).toBe(10);
      expect(expectWholeEntries(out, ten)).toBe(10);
      expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]);
      // Every certificate on disk is recorded exactly once, whether the kill came before or after its record.
      const recorded = inventoryLines(dir).filter((e) => e.status === 'valid');
      expect(recorded.map((e) => e.name).sort()).toEqual([...ten].sort());
      for (const e of recorded) expect(e.sha256).toBe(new X509Certificate(readFileSync(path.join(out, `${e.name}.crt`))).fingerprint256);
    }
  }, 600_000);
});
