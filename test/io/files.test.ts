/** src/io/files.ts: the one writer. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFiles } from '../../src/io/files.js';

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
