/**
 * Issue 21: one `issue NAME` reads the CA's inventory once and appends its
 * entry (as issue --batch records), instead of parsing the inventory, then
 * loading, reconciling and rewriting all of it: at 10,000 entries every
 * single issue rewrote 10,000 lines. An entry that replaces a current one
 * (--force), a torn last line or a damaged inventory still take the careful
 * path: rewrite, or refuse before anything is written.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cliOk, runCli, runOk } from '../helpers/cli.js';
import { requireBinary } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

const T = tmpDir('regcert-issue-append-');

interface Listed {
  name: string;
  serial: string;
  status: string;
}
const listAll = async (dir: string): Promise<Listed[]> => (JSON.parse((await cliOk(['list', '--dir', dir, '--all', '--json'])).stdout) as { certificates: Listed[] }).certificates;
const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);
/** A CA in T/`sub` that issued client certificates ann and ben. */
const caWithAnnBen = async (sub: string): Promise<string> => {
  const dir = path.join(T, sub);
  await cliOk(['init-ca', '--dir', dir, '--key-type', 'ed25519']);
  await cliOk(['issue', 'ann', '--client', '--dir', dir]);
  await cliOk(['issue', 'ben', '--client', '--dir', dir]);
  return dir;
};

describe('issue NAME and the inventory', () => {
  it('a new name is appended: the file keeps its inode and its bytes, and gains one line naming it', async () => {
    const dir = await caWithAnnBen('new');
    const inv = path.join(dir, 'inventory.jsonl');
    const before = readFileSync(inv, 'utf8');
    const ino = statSync(inv).ino;

    await cliOk(['issue', 'cid', '--client', '--dir', dir]);
    const after = readFileSync(inv, 'utf8');
    expect(statSync(inv).ino).toBe(ino);
    expect(after.startsWith(before)).toBe(true);
    const added = after.slice(before.length).split('\n').filter(Boolean);
    expect(added).toHaveLength(1);
    expect(JSON.parse(added[0]!)).toMatchObject({ name: 'cid', status: 'valid', source: 'issue' });
    expect((await listAll(dir)).map((c) => c.name).sort()).toEqual(['ann', 'ben', 'cid']);
  });

  it('--force over a current name reads the inventory once (checkRoom\'s bytes are the ones supersedeLines writes on)', async () => {
    const dir = await caWithAnnBen('force-once');
    const trace = path.join(T, 'force-once.trace');
    await runOk(requireBinary('strace'), ['-f', '-qq', '-o', trace, '-e', 'trace=open,openat', process.execPath, BIN, 'issue', 'ann', '--client', '--dir', dir, '--force'], { timeoutMs: 60_000 });
    const reads = readFileSync(trace, 'utf8').split('\n').filter((l) => /open(at)?\(.*\/force-once\/inventory\.jsonl", O_RDONLY/.test(l));
    expect(reads, reads.join('\n')).toHaveLength(1);
    expect((await listAll(dir)).filter((c) => c.name === 'ann' && c.status === 'valid')).toHaveLength(1);
  });

  it('issue --batch --force: a group of new names appended, then a later group replacing a current name, keeps every entry (the appended lines are not lost to bytes read before them)', async () => {
    const dir = path.join(T, 'batch-force');
    await cliOk(['init-ca', '--dir', dir, '--key-type', 'ed25519']);
    writeFileSync(path.join(T, 'r1.csv'), 'name,sans,profile,days\nold1,,client,30\n');
    await cliOk(['issue', '--dir', dir, '--batch', path.join(T, 'r1.csv'), '--out-dir', path.join(T, 'pool')]);
    const names = Array.from({ length: 600 }, (_, i) => `n${i + 1}`);
    writeFileSync(path.join(T, 'r2.csv'), `name,sans,profile,days\n${[...names, 'old1'].map((n) => `${n},,client,30`).join('\n')}\n`);
    await cliOk(['issue', '--dir', dir, '--batch', path.join(T, 'r2.csv'), '--out-dir', path.join(T, 'pool'), '--force', '--workers', '2'], { timeoutMs: 120_000 });
    expect(lines(path.join(dir, 'inventory.jsonl'))).toHaveLength(602);
    const all = await listAll(dir);
    for (const n of names) expect(all.filter((c) => c.name === n && c.status === 'valid'), n).toHaveLength(1);
    expect(all.filter((c) => c.name === 'old1').map((c) => c.status).sort()).toEqual(['superseded', 'valid']);
  }, 180_000);

  it('--force over a current name supersedes the old entry: each name is current once', async () => {
    const dir = await caWithAnnBen('force');
    const old = (await listAll(dir)).find((c) => c.name === 'ann')!.serial;
    const benLine = lines(path.join(dir, 'inventory.jsonl')).find((l) => l.includes('"name":"ben"'))!;
    await cliOk(['issue', 'ann', '--client', '--dir', dir, '--force']);
    // Written once on its bytes (io/inventory.ts supersedeLines): ann's old line marked, ben's as it was, the new one last.
    const after = lines(path.join(dir, 'inventory.jsonl'));
    expect(after).toContain(benLine);
    expect(JSON.parse(after[after.length - 1]!)).toMatchObject({ name: 'ann', status: 'valid' });
    expect(JSON.parse(after.find((l) => l.includes(`"serial":"${old}"`))!)).toMatchObject({ status: 'superseded' });
    const all = await listAll(dir);
    expect(all.filter((c) => c.name === 'ann' && c.status === 'valid')).toHaveLength(1);
    expect(all.find((c) => c.serial === old)?.status).toBe('superseded');
    expect(all.filter((c) => c.name === 'ben' && c.status === 'valid')).toHaveLength(1);
    for (const l of lines(path.join(dir, 'inventory.jsonl'))) expect(() => JSON.parse(l)).not.toThrow();
  });

  it('after a torn last line (a kill mid-append) the inventory is rewritten, every line valid JSON', async () => {
    const dir = await caWithAnnBen('torn');
    const inv = path.join(dir, 'inventory.jsonl');
    const [a, b] = lines(inv);
    writeFileSync(inv, `${a}\n${b!.slice(0, 50)}`);
    await cliOk(['issue', 'cid', '--client', '--dir', dir]);
    const after = readFileSync(inv, 'utf8');
    expect(after.endsWith('\n')).toBe(true);
    for (const l of lines(inv)) expect(() => JSON.parse(l)).not.toThrow();
    expect((await listAll(dir)).map((c) => c.name).sort()).toEqual(['ann', 'ben', 'cid']);
  });

  it('a damaged inventory refuses the run (exit 2) before the certificate or key is written', async () => {
    const dir = path.join(T, 'bad');
    await cliOk(['init-ca', '--dir', dir, '--key-type', 'ed25519']);
    await cliOk(['issue', 'ann', '--client', '--dir', dir]);
    const inv = path.join(dir, 'inventory.jsonl');
    writeFileSync(inv, `{"not": "an entry"\n${readFileSync(inv, 'utf8')}`);
    const r = await runCli(['issue', 'cid', '--client', '--dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/inventory\.jsonl line 1/);
    expect(existsSync(path.join(dir, 'cid.crt'))).toBe(false);
    expect(existsSync(path.join(dir, 'cid.key'))).toBe(false);
  });
});
