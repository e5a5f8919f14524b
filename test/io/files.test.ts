/** src/io/files.ts: the one writer. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { completeInterruptedWrites, writeFiles } from '../../src/io/files.js';
import { withDirLock } from '../../src/io/lock.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'regcert-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFiles', () => {
  it('writes with the exact mode whatever the umask, and reports identical files as unchanged', async () => {
    const old = process.umask(0o077);
    try {
      const files = [
        { path: path.join(dir, 'a/cert.pem'), data: 'cert\n', mode: 0o644, kind: 'certificate' as const },
        { path: path.join(dir, 'a/key.pem'), data: 'key\n', mode: 0o600, kind: 'private-key' as const },
      ];
      expect((await writeFiles(files)).map((f) => [f.mode, f.status])).toEqual([['0644', 'written'], ['0600', 'written']]);
      expect(statSync(files[0]!.path).mode & 0o777).toBe(0o644);
      expect(statSync(files[1]!.path).mode & 0o777).toBe(0o600);
      expect((await writeFiles(files)).map((f) => f.status)).toEqual(['unchanged', 'unchanged']);
    } finally {
      process.umask(old);
    }
  });

  it('regression (review finding): a failure while writing leaves no target and no temporary file behind', async () => {
    const d = path.join(dir, 'b');
    // Valid as a target name (250 bytes), too long for its temporary name: fails in the write phase.
    const files = [
      { path: path.join(d, 'first.pem'), data: 'x', mode: 0o644, kind: 'other' as const },
      { path: path.join(d, 'y'.repeat(250)), data: 'y', mode: 0o644, kind: 'other' as const },
    ];
    await expect(writeFiles(files)).rejects.toThrow(/ENAMETOOLONG/);
    expect(readdirSync(d)).toEqual([]);
  });

  it('refuses an existing different file without force (exit 1) and never writes through a symlink', async () => {
    const target = path.join(dir, 'c.pem');
    writeFileSync(target, 'old');
    await expect(writeFiles([{ path: target, data: 'new', mode: 0o644, kind: 'other' }])).rejects.toMatchObject({ code: 'FILE_EXISTS', exitCode: 1 });
    expect(readFileSync(target, 'utf8')).toBe('old');
    const link = path.join(dir, 'link.pem');
    symlinkSync(target, link);
    await expect(writeFiles([{ path: link, data: 'new', mode: 0o644, kind: 'other' }], { force: true })).rejects.toMatchObject({ code: 'SYMLINK_TARGET' });
    expect(readFileSync(target, 'utf8')).toBe('old');
  });
});

describe('interrupted writes (issue 9 finding 4)', () => {
  const put = (d: string, name: string, data: string) => writeFileSync(path.join(d, name), data);
  const journal = (entries: unknown) => JSON.stringify({ regcert: 'journal/1', pid: 1, entries });

  it('regression: stale temporary files are removed by the next write into the directory', async () => {
    const d = path.join(dir, 'stale');
    await writeFiles([{ path: path.join(d, 'first.pem'), data: 'x', mode: 0o644, kind: 'other' }]);
    put(d, '.ca.key.0123456789ab.tmp', 'a key nobody will rename');
    put(d, '..regcert-journal.0123456789ab.abcdef012345.tmp', '{');
    put(d, 'keep.tmp', 'not ours: no random part');
    await writeFiles([{ path: path.join(d, 'second.pem'), data: 'y', mode: 0o644, kind: 'other' }]);
    expect(readdirSync(d).sort()).toEqual(['first.pem', 'keep.tmp', 'second.pem']);
  });

  it('a committed set is rolled forward (keys first) by a reader of the pair, and the journal removed', async () => {
    const d = path.join(dir, 'roll');
    await writeFiles([
      { path: path.join(d, 'a.crt'), data: 'old cert', mode: 0o644, kind: 'certificate' },
      { path: path.join(d, 'a.key'), data: 'old key', mode: 0o600, kind: 'private-key' },
    ]);
    // As a kill after the key's rename leaves it: the new key in place, the old certificate withdrawn.
    put(d, 'a.key', 'new key');
    rmSync(path.join(d, 'a.crt'));
    put(d, '.a.crt.bbbbbbbbbbbb.tmp', 'new cert');
    put(d, '.regcert-journal.cccccccccccc', journal([
      { tmp: '.a.key.aaaaaaaaaaaa.tmp', target: 'a.key', withdraw: false },
      { tmp: '.a.crt.bbbbbbbbbbbb.tmp', target: 'a.crt', withdraw: true },
    ]));
    await completeInterruptedWrites(d);
    expect(readdirSync(d).sort()).toEqual(['a.crt', 'a.key']);
    expect(readFileSync(path.join(d, 'a.crt'), 'utf8')).toBe('new cert');
    expect(readFileSync(path.join(d, 'a.key'), 'utf8')).toBe('new key');
  });

  it('a journal naming anything but plain names in its directory is refused and nothing is touched', async () => {
    const d = path.join(dir, 'hostile');
    await writeFiles([{ path: path.join(d, 'a.crt'), data: 'cert', mode: 0o644, kind: 'certificate' }]);
    put(d, '.x.0123456789ab.tmp', 'evil');
    put(d, '.regcert-journal.dddddddddddd', journal([{ tmp: '.x.0123456789ab.tmp', target: '../escaped', withdraw: false }]));
    await expect(completeInterruptedWrites(d)).rejects.toMatchObject({ code: 'BAD_JOURNAL', exitCode: 1 });
    await expect(writeFiles([{ path: path.join(d, 'b.crt'), data: 'b', mode: 0o644, kind: 'other' }])).rejects.toMatchObject({ code: 'BAD_JOURNAL' });
    expect(readdirSync(dir)).not.toContain('escaped');
    expect(readFileSync(path.join(d, 'a.crt'), 'utf8')).toBe('cert');
  });
});

describe('writes inside a held lock (re-entrant, as batch writers do)', () => {
  it('two sets written at once into one directory, by relative paths, both land and leave nothing behind', async () => {
    const d = path.relative(process.cwd(), path.join(dir, 'reentrant'));
    const set = (n: string) => [
      { path: path.join(d, `${n}.crt`), data: `${n} cert`, mode: 0o644, kind: 'certificate' as const },
      { path: path.join(d, `${n}.key`), data: `${n} key`, mode: 0o600, kind: 'private-key' as const },
    ];
    await withDirLock(d, () => Promise.all(['a', 'b', 'c'].map((n) => writeFiles(set(n)))));
    expect(readdirSync(d).sort()).toEqual(['a.crt', 'a.key', 'b.crt', 'b.key', 'c.crt', 'c.key']);
  });
});
