/**
 * The inventory at the scale of a pool: the CA directory's file limit cannot
 * be hit silently by a batch (refused before anything is written, --out-dir
 * is the way, and the pool there is listed), and the one-pass reconcile that
 * skips files recorded as they are still sees a file replaced afterwards,
 * even when its modification time is set back (cp -p).
 */
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliOk, runCli, runOk } from '../helpers/cli.js';
import { makeLeafAt } from '../helpers/registry.js';
import { tmpDir } from '../helpers/tmp.js';

const T = tmpDir('regcert-inventory-scale-');

interface Listed {
  name: string;
  serial: string;
  status: string;
  source: string;
  files: Array<{ path: string; kind: string }>;
}
const listAll = async (dir: string): Promise<Listed[]> => (JSON.parse((await cliOk(['list', '--dir', dir, '--all', '--json'], { timeoutMs: 120_000 })).stdout) as { certificates: Listed[] }).certificates;

describe('inventory at scale', () => {
  it('a batch that would pass the 20,000-file limit of the CA directory is refused before anything is written; --out-dir takes it and it is listed', async () => {
    const dir = path.join(T, 'full');
    await cliOk(['init-ca', '--dir', dir]);
    // 19,995 certificate-named files already there (not certificates: the scan skips them).
    for (let i = 0; i < 19_995; i++) writeFileSync(path.join(dir, `fill${i}.crt`), 'x');
    writeFileSync(path.join(T, 'ten.csv'), `name,sans,profile,days\n${Array.from({ length: 10 }, (_, i) => `user${i},,client,`).join('\n')}\n`);
    const r = await runCli(['issue', '--batch', path.join(T, 'ten.csv'), '--dir', dir], { timeoutMs: 120_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/holds 19995 certificate files and this would add 10: more than the 20000 a CA directory holds/);
    expect(r.stderr).toMatch(/hint: .*--out-dir/);
    expect(readdirSync(dir).filter((f) => f.startsWith('user'))).toEqual([]);
    expect(existsSync(path.join(dir, 'inventory.jsonl'))).toBe(false);
    // Five fit.
    writeFileSync(path.join(T, 'five.csv'), `name,sans,profile,days\n${Array.from({ length: 5 }, (_, i) => `five${i},,client,`).join('\n')}\n`);
    await cliOk(['issue', '--batch', path.join(T, 'five.csv'), '--dir', dir], { timeoutMs: 120_000 });
    // The pool in its own directory: recorded in the CA's inventory and listed.
    const pool = path.join(T, 'pool');
    await cliOk(['issue', '--batch', path.join(T, 'ten.csv'), '--dir', dir, '--out-dir', pool], { timeoutMs: 120_000 });
    const listed = await listAll(dir);
    expect(listed.map((c) => c.name).sort()).toEqual([...Array.from({ length: 5 }, (_, i) => `five${i}`), ...Array.from({ length: 10 }, (_, i) => `user${i}`)].sort());
    expect(listed.find((c) => c.name === 'user3')!.files[0]!.path).toBe(path.join(pool, 'user3.crt'));
  }, 300_000);

  it('a recorded certificate file replaced later is reconciled, even with its modification time set back (cp -p)', async () => {
    const dir = path.join(T, 'swap');
    await cliOk(['init-ca', '--dir', dir]);
    await cliOk(['issue', 'alice', '--client', '--dir', dir]);
    await cliOk(['issue', 'bob', '--client', '--dir', dir]);
    const before = await listAll(dir);
    const alice = before.find((c) => c.name === 'alice')!;
    // A certificate from this CA that no inventory records, made a day ago, copied over alice.crt keeping its timestamps.
    const other = path.join(T, 'unrecorded');
    mkdirSync(other);
    const made = await makeLeafAt(dir, 'alice', { now: new Date(Date.now() - 86_400_000), days: 30, client: true, server: false, out: other });
    utimesSync(made.crt, new Date(Date.now() - 86_400_000), new Date(Date.now() - 86_400_000));
    await runOk('cp', ['-p', made.crt, path.join(dir, 'alice.crt')]);
    const after = await listAll(dir);
    // The file no longer holds alice's certificate: the entry for what it holds now supersedes it.
    expect(after.find((c) => c.serial === alice.serial)!.status).toBe('superseded');
    const now = after.filter((c) => c.name === 'alice' && c.status === 'valid');
    expect(now.length).toBe(1);
    expect(now[0]!.source).toBe('rebuilt');
    expect(after.find((c) => c.name === 'bob')!.status).toBe('valid');
  }, 120_000);
});
